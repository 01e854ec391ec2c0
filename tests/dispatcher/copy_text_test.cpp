// COPY text escaping and UTF-8 repair (dispatcher/copy_text.h). No database needed; the round
// trip through PostgreSQL is in store_test.cpp.
#include "dispatcher/copy_text.h"

#include <gtest/gtest.h>

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

TEST(ValidUtf8, KeepsValidText) {
  for (const std::string text :
       {"", "ascii", "Zürich", "東京", "😀 U+1F600", "\xF4\x8F\xBF\xBF" /* U+10FFFF */}) {
    EXPECT_EQ(to_valid_utf8(text), text);
  }
}

TEST(ValidUtf8, ReplacesEachBadByteWithReplacementCharacter) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(to_valid_utf8(std::string_view("a\0b", 3)), "a" + r + "b");
  EXPECT_EQ(to_valid_utf8("caf\xE9"), "caf" + r);                    // Latin-1
  EXPECT_EQ(to_valid_utf8("\x80x"), r + "x");                        // stray continuation
  EXPECT_EQ(to_valid_utf8("\xC0\xAF"), r + r);                       // overlong '/'
  EXPECT_EQ(to_valid_utf8("\xE0\x80\xAF"), r + r + r);               // overlong
  EXPECT_EQ(to_valid_utf8("\xED\xA0\x80"), r + r + r);               // surrogate U+D800
  EXPECT_EQ(to_valid_utf8("\xF4\x90\x80\x80"), r + r + r + r);       // above U+10FFFF
  EXPECT_EQ(to_valid_utf8("\xE6\x9D"), r + r);                       // truncated at the end
  EXPECT_EQ(to_valid_utf8("\xE6\x9Dx\xE4\xBA\xAC"), r + r + "x\xE4\xBA\xAC");
}

}  // namespace
}  // namespace waybill::dispatcher::detail
