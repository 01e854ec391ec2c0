// UTF-8 validation, repair and cutting (common/utf8.h), as PostgreSQL's text sees it.
#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace waybill {
namespace {

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

TEST(Utf8, ValidatesAsPostgresDoes) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("a plain ASCII line longer than eight bytes"));
  EXPECT_TRUE(valid_utf8("Zürich, 東京, 😀"));
  EXPECT_FALSE(valid_utf8("caf\xE9"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));                  // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));              // surrogate
  EXPECT_FALSE(valid_utf8("0123456789abcdef\xF4\x90"));  // past the 8-byte fast path
  EXPECT_EQ(utf8_sequence_length("\xE6\x9D\xB1"), 3u);
  EXPECT_EQ(utf8_sequence_length("\xE6\x9D"), 0u);  // cut short
}

TEST(Utf8, PrefixNeverSplitsACharacterNorKeepsBadBytes) {
  EXPECT_EQ(utf8_prefix("depot", 3), "dep");
  EXPECT_EQ(utf8_prefix("東京", 4), "東");  // 3 bytes each: the second does not fit
  EXPECT_EQ(utf8_prefix("東京", 6), "東京");
  EXPECT_EQ(utf8_prefix("ok\xFFrest", 100), "ok");
  EXPECT_EQ(utf8_prefix(std::string_view("a\0b", 3), 100), "a");
  EXPECT_EQ(utf8_prefix("", 10), "");
}

}  // namespace
}  // namespace waybill
