// The fleet file of `waybill plan` (planner/formats/fleet_file.h).
#include "planner/formats/fleet_file.h"

#include <gtest/gtest.h>

#include <sstream>

namespace waybill::planner::formats {
namespace {

std::vector<FleetRow> read(const std::string& text) {
  std::istringstream in(text);
  return read_fleet(in, "fleet.csv", 1796601600);  // 2026-12-07T00:00:00Z
}

std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(FleetFile, AnEmptyMaxStopsMayBeLeftOutAtTheEndOfARow) {
  const auto rows = read("depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end,max_stops\n"
                         "7,2,800,150,06:00,22:00\n"
                         "8,3,800,150,06:00,22:00,40\n"
                         "9,1,800,150,06:00,22:00,\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_FALSE(rows[0].max_stops);
  EXPECT_EQ(rows[1].max_stops, 40);
  EXPECT_FALSE(rows[2].max_stops);
  EXPECT_EQ(rows[0].shift_start, 1796601600 + 6 * 3600);
}

TEST(FleetFile, ARequiredFieldLeftOutIsAnErrorNamingTheLine) {
  EXPECT_EQ(error_of("depot,vehicles,capacity_kg,capacity_parcels,shift_start,shift_end\n"
                     "7,2,800,150,06:00\n"),
            "fleet.csv line 2: 5 fields, the header has 6");
  EXPECT_EQ(error_of("depot,vehicles,capacity_kg,capacity_parcels,max_stops,shift_start,shift_end\n"
                     "7,2,800,150,06:00,22:00\n"),
            "fleet.csv line 2: 6 fields, the header has 7");  // max_stops not last: no guessing
}

}  // namespace
}  // namespace waybill::planner::formats
