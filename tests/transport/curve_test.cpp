#include "transport/curve.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace waybill::transport {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const char* name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("curve_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

TEST(Curve, KeyPairRoundTripsThroughItsFiles) {
  const auto keys = generate_key_pair();
  EXPECT_EQ(keys.public_key.size(), 40u);
  const auto prefix = scratch("node");
  write_key_pair(prefix, keys);
  const auto read = read_key_pair(prefix.string() + ".key");
  EXPECT_EQ(read.public_key, keys.public_key);
  EXPECT_EQ(read.secret_key, keys.secret_key);
  EXPECT_EQ(read_public_key(prefix.string() + ".pub"), keys.public_key);
  EXPECT_EQ(read_public_key(prefix.string() + ".key"), keys.public_key);
  EXPECT_EQ(read_public_key(keys.public_key), keys.public_key);
}

TEST(Curve, AKeyFileWhosePathLooksLikeAKeyIsReadAsAFile) {
  // "/tmp/" + 29 letters and digits + "/k.pub" is 40 characters, every one a Z85 digit.
  std::string name = "wb" + std::to_string(::getpid());
  name += std::string(29 - name.size(), 'x');
  const fs::path dir = fs::path("/tmp") / name;
  fs::create_directories(dir);
  const std::string file = (dir / "k.pub").string();
  ASSERT_EQ(file.size(), 40u);
  const auto keys = generate_key_pair();
  std::ofstream(file) << keys.public_key << '\n';
  EXPECT_EQ(read_public_key(file), keys.public_key);
  fs::remove_all(dir);
}

TEST(Curve, AllowListKeepsKeysThatContainAHash) {
  // '#' is a Z85 digit, so a key may contain it (never first in a 5-digit group, where it
  // would exceed 2^32: a line starting with '#' is always a comment).
  const std::string hashy = "1#" + std::string(38, '0');
  const std::string inner = std::string(21, '1') + "#" + std::string(18, '2');
  const auto file = scratch("allow");
  std::ofstream(file) << "# workers of depot 7\n" << hashy << "\n\n  " << inner << "  \n";
  const auto keys = read_allow_list(file);
  EXPECT_EQ(keys, (std::set<std::string>{hashy, inner}));
}

TEST(Curve, BadFilesNameTheFileAndLine) {
  const auto file = scratch("bad_allow");
  std::ofstream(file) << "not-a-key\n";
  try {
    read_allow_list(file);
    FAIL() << "accepted a bad allow-list";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad_allow:1:"), std::string::npos) << e.what();
  }
  const auto mismatched = scratch("mismatch.key");
  const auto a = generate_key_pair();
  const auto b = generate_key_pair();
  std::ofstream(mismatched) << "public " << a.public_key << "\nsecret " << b.secret_key << "\n";
  EXPECT_THROW(read_key_pair(mismatched), std::runtime_error);
  EXPECT_THROW(read_key_pair(scratch("absent.key")), std::runtime_error);
}

}  // namespace
}  // namespace waybill::transport
