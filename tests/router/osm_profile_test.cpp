#include "router/osm_profile.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "tests/router/file_test.h"
#include "tests/router/osm_data.h"

namespace waybill::router {
namespace {

namespace fs = std::filesystem;

class OsmProfileTest : public testing::FileTest {
 protected:
  fs::path write(std::string_view text) const { return FileTest::write("test.profile", text); }

  /// The LoadError message of loading `text`, or "" when it loads.
  std::string error_of(std::string_view text) const {
    try {
      load_osm_profile(write(text));
    } catch (const LoadError& e) {
      return e.what();
    }
    return "";
  }

  std::string path_prefix() const { return (m_dir / "test.profile").string() + ":"; }
};

TEST_F(OsmProfileTest, BuiltInCarProfileHasTheClassSpeeds) {
  const OsmProfile& car = default_car_profile();
  EXPECT_EQ(car.speed_kmh("motorway"), 110);
  EXPECT_EQ(car.speed_kmh("primary"), 65);
  EXPECT_EQ(car.speed_kmh("residential"), 30);
  EXPECT_EQ(car.speed_kmh("living_street"), 10);
  EXPECT_EQ(car.speed_kmh("tertiary_link"), 35);
  EXPECT_EQ(car.speed_kmh("road"), 30);
  EXPECT_EQ(car.speeds_kmh().size(), 15u);
  EXPECT_FALSE(car.speed_kmh("footway"));
  EXPECT_FALSE(car.speed_kmh("cycleway"));
  EXPECT_FALSE(car.speed_kmh(""));
}

TEST_F(OsmProfileTest, ShippedFileEqualsTheBuiltInProfile) {
  const fs::path shipped = testing::source_dir() / "router" / "profiles" / "car.profile";
  EXPECT_EQ(load_osm_profile(shipped), default_car_profile());
}

TEST_F(OsmProfileTest, ReadsCommentsBlankLinesAndDecimals) {
  const OsmProfile profile =
      load_osm_profile(write("# speeds for a hilly town\n"
                             "\n"
                             "  residential\t25   # cobbles\r\n"
                             "service 7.5\n"
                             "motorway 100"));  // no final newline
  EXPECT_EQ(profile.speeds_kmh().size(), 3u);
  EXPECT_EQ(profile.speed_kmh("residential"), 25);
  EXPECT_EQ(profile.speed_kmh("service"), 7.5);
  EXPECT_EQ(profile.speed_kmh("motorway"), 100);
}

TEST_F(OsmProfileTest, BadLinesNameFileAndLine) {
  EXPECT_EQ(error_of("motorway 110\n\nprimary fast\n"),
            path_prefix() + "3: speed 'fast' is not a number");
  EXPECT_EQ(error_of("primary\n"), path_prefix() + "1: expected 'CLASS SPEED_KMH'");
  EXPECT_EQ(error_of("# c\nprimary 65 km/h\n"), path_prefix() + "2: expected 'CLASS SPEED_KMH'");
  EXPECT_EQ(error_of("primary 0\n"), path_prefix() + "1: speed 0 km/h is outside 1..300");
  EXPECT_EQ(error_of("primary 301\n"), path_prefix() + "1: speed 301 km/h is outside 1..300");
  EXPECT_EQ(error_of("primary 65x\n"), path_prefix() + "1: speed '65x' is not a number");
  EXPECT_EQ(error_of("primary 65\nprimary 60\n"),
            path_prefix() + "2: class 'primary' appears twice");
}

TEST_F(OsmProfileTest, EmptyOrMissingFileNamesTheFile) {
  EXPECT_EQ(error_of("# nothing but comments\n\n"),
            (m_dir / "test.profile").string() + ": no highway class");
  const fs::path missing = m_dir / "missing.profile";
  try {
    load_osm_profile(missing);
    FAIL() << "loaded a missing file";
  } catch (const LoadError& e) {
    EXPECT_EQ(std::string(e.what()), missing.string() + ": cannot open: No such file or directory");
  }
}

}  // namespace
}  // namespace waybill::router
