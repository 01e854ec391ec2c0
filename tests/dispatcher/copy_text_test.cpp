// COPY text escaping (dispatcher/copy_text.h). No database needed; the round
// trip through PostgreSQL is in store_test.cpp.
#include "dispatcher/copy_text.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace waybill::dispatcher::detail {
namespace {

std::string escaped(std::string_view field) {
  std::string out = "x";  // appends, never replaces
  append_copy_text(out, field);
  return out.substr(1);
}

TEST(CopyText, PlainTextIsCopied) {
  EXPECT_EQ(escaped(""), "");
  EXPECT_EQ(escaped("J-17, \"quoted\" 'single' ;|"), "J-17, \"quoted\" 'single' ;|");
  EXPECT_EQ(escaped("Zürich → 東京"), "Zürich → 東京");
}

TEST(CopyText, EscapesBackslashTabNewlineAndCarriageReturn) {
  EXPECT_EQ(escaped("a\\b"), "a\\\\b");
  EXPECT_EQ(escaped("a\tb"), "a\\tb");
  EXPECT_EQ(escaped("a\nb"), "a\\nb");
  EXPECT_EQ(escaped("a\rb"), "a\\rb");
  EXPECT_EQ(escaped("\\N"), "\\\\N");  // the text "\N", not NULL
  EXPECT_EQ(escaped("\\."), "\\\\.");  // the text "\.", not the end of the data
  EXPECT_EQ(escaped("\t\t\\\r\n"), "\\t\\t\\\\\\r\\n");
}

TEST(CopyText, RejectsNul) {
  std::string out;
  EXPECT_THROW(append_copy_text(out, std::string_view("a\0b", 3)), std::invalid_argument);
}

TEST(CopyText, ArrayElementsAreQuotedWithQuoteAndBackslashEscaped) {
  std::string out = "{";
  append_array_text(out, "a,b {c}");
  out += ',';
  append_array_text(out, "NULL");
  out += ',';
  append_array_text(out, R"(say "hi" \ bye)");
  out += ',';
  append_array_text(out, "");
  EXPECT_EQ(out, R"({"a,b {c}","NULL","say \"hi\" \\ bye","")");
}

TEST(CopyText, MillimetresAreExactDecimalMetres) {
  const auto metres = [](std::int64_t mm) {
    std::string out;
    append_millimetres(out, mm);
    return out;
  };
  EXPECT_EQ(metres(12345), "12.345");
  EXPECT_EQ(metres(7), "0.007");
  EXPECT_EQ(metres(0), "0.000");
  EXPECT_EQ(metres(-1500), "-1.500");
  EXPECT_EQ(metres(9'000'000'000'000), "9000000000.000");
}

}  // namespace
}  // namespace waybill::dispatcher::detail
