// ISO 8601 times (common/iso8601.h): what batch files and --depart-at may say.
#include "common/iso8601.h"

#include <gtest/gtest.h>

namespace waybill {
namespace {

absl::Time utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

TEST(Iso8601, AcceptsTheFormsBatchFilesUse) {
  EXPECT_EQ(parse_iso8601("2026-11-11"), utc(2026, 11, 11));
  EXPECT_EQ(parse_iso8601("2026-11-11T08:00"), utc(2026, 11, 11, 8));
  EXPECT_EQ(parse_iso8601("2026-11-11T08:00:30Z"), utc(2026, 11, 11, 8, 0, 30));
  EXPECT_EQ(parse_iso8601("2026-11-11T08:00+08:00"), utc(2026, 11, 11, 0));
  EXPECT_EQ(parse_iso8601("2024-05-01T08:30-05:30"), utc(2024, 5, 1, 14, 0));
  EXPECT_EQ(parse_iso8601("2024-02-29T23:59:59Z"), utc(2024, 2, 29, 23, 59, 59));
}

TEST(Iso8601, ATimeWithoutOffsetIsInTheZoneGiven) {
  const absl::TimeZone plus8 = absl::FixedTimeZone(8 * 3600);
  EXPECT_EQ(parse_iso8601("2026-11-11T08:00", plus8), utc(2026, 11, 11, 0));
  EXPECT_EQ(parse_iso8601("2026-11-11T08:00Z", plus8), utc(2026, 11, 11, 8));
}

TEST(Iso8601, RefusesWhatPostgresWouldRefuseOrMisread) {
  for (const char* bad :
       {"", "11/11/2026 8am", "2026-02-30T08:00Z", "2023-02-29", "2026-13-01", "2026-11-11T24:00",
        "2026-11-11T08:60", "2026-11-11T08:00:60", "0000-01-01", "2026-1-11", "2026-11-11T8:00",
        "2026-11-11 08:00", "2026-11-11T08:00+16:00", "2026-11-11T08:00+0800",
        "2026-11-11Z", "2026-11-11T08:00ZZ", "+2026-11-11", "2026-11-11T08:00:00.5Z"}) {
    EXPECT_FALSE(valid_iso8601(bad)) << bad;
  }
}

}  // namespace
}  // namespace waybill
