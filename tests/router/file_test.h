// A test fixture owning a fresh folder under the test temp dir, for loaders that read files:
// each test writes the files it needs there, and the folder goes at the end.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace waybill::router::testing {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    m_dir = std::filesystem::path(::testing::TempDir()) /
            (std::string("waybill_") + info->test_suite_name() + "_" +
             std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
  }

  /// Writes `text` to m_dir / name, byte for byte.
  std::filesystem::path write(const std::string& name, std::string_view text) const {
    const std::filesystem::path path = m_dir / name;
    std::ofstream out(path, std::ios::binary);
    out << text;
    EXPECT_TRUE(out.good()) << path;
    return path;
  }

  std::filesystem::path m_dir;
};

}  // namespace waybill::router::testing
