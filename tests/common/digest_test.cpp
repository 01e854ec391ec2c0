// Hex and SHA-256 (common/hex.h, common/sha256.h).
#include "common/hex.h"
#include "common/sha256.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace waybill {
namespace {

TEST(Hex, LowerCaseTwoDigitsPerByte) {
  EXPECT_EQ(hex_lower(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
  EXPECT_EQ(hex_lower(""), "");
  EXPECT_TRUE(is_hex_lower("00ff", 4));
  EXPECT_FALSE(is_hex_lower("00FF", 4));
  EXPECT_FALSE(is_hex_lower("00f", 4));
}

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, FedInPiecesIsTheDigestOfTheWhole) {
  const std::string text = "the quick brown fox jumps over the lazy dog, twice over";
  Sha256 digest;
  for (std::size_t at = 0; at < text.size(); at += 7) {
    digest.update(text.data() + at, std::min<std::size_t>(7, text.size() - at));
  }
  EXPECT_EQ(digest.hex(), sha256_hex(text));
}

TEST(Sha256, TheDigestSoFarLeavesTheComputationGoingOn) {
  Sha256 digest;
  digest.update("abc", 3);
  EXPECT_EQ(digest.hex_so_far(), sha256_hex("abc"));
  EXPECT_EQ(digest.hex_so_far(), sha256_hex("abc"));  // asked twice: the same
  digest.update("def", 3);
  EXPECT_EQ(digest.hex_so_far(), sha256_hex("abcdef"));
  EXPECT_EQ(digest.hex(), sha256_hex("abcdef"));
}

TEST(Sha256, OfAFileEqualsOfItsBytes) {
  const auto path = std::filesystem::temp_directory_path() / "waybill_sha256_test.bin";
  std::string bytes(3 << 20, 'x');  // several reads
  bytes[12345] = '\0';
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(file_sha256_hex(path), sha256_hex(bytes));
  std::filesystem::remove(path);
  try {
    file_sha256_hex(path);
    FAIL() << "no error for a missing file";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": cannot open: No such file or directory");
  }
}

}  // namespace
}  // namespace waybill
