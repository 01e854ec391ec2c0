#include "router/polyline.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/router/reference.h"

namespace waybill::router {
namespace {

/// Microdegrees from degrees, lat first as people write them.
Coordinate at(double lat, double lon) {
  return {static_cast<std::int32_t>(std::llround(lon * 1e6)),
          static_cast<std::int32_t>(std::llround(lat * 1e6))};
}

// The worked example of Google's "Encoded Polyline Algorithm Format" page.
const std::vector<Coordinate> kGoogleExample = {at(38.5, -120.2), at(40.7, -120.95),
                                                at(43.252, -126.453)};

TEST(Polyline, EncodesGooglesExampleAtPrecision5) {
  EXPECT_EQ(encode_polyline(kGoogleExample, 5), "_p~iF~ps|U_ulLnnqC_mqNvxq`@");
}

TEST(Polyline, EncodesOneValueAsGooglesStepByStep) {
  // The page's single value: -179.9832104 -> "`~oia@" (our input is microdegrees: -179.983210).
  EXPECT_EQ(encode_polyline({at(-179.98321, 0)}, 5), "`~oia@?");
}

TEST(Polyline, EmptyPathIsEmptyString) {
  EXPECT_EQ(encode_polyline({}), "");
  EXPECT_EQ(decode_polyline(""), std::vector<Coordinate>{});
}

TEST(Polyline, DecodesGooglesExample) {
  EXPECT_EQ(decode_polyline("_p~iF~ps|U_ulLnnqC_mqNvxq`@", 5), kGoogleExample);
}

TEST(Polyline, Precision6RoundTripsMicrodegreesExactly) {
  const std::uint64_t seed = testing::test_seed();
  SCOPED_TRACE(testing::seed_trace(seed));
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> lat(-90'000'000, 90'000'000);
  std::uniform_int_distribution<std::int32_t> lon(-180'000'000, 180'000'000);
  std::uniform_int_distribution<std::int32_t> step(-2'000, 2'000);
  for (int round = 0; round < 100; ++round) {
    std::vector<Coordinate> path;
    for (int i = 0; i < round; ++i) {
      // Mostly small steps, as along a road, and now and then a jump across the globe.
      if (i % 17 == 0) {
        path.push_back({lon(rng), lat(rng)});
      } else {
        path.push_back({path.back().lon_e6 + step(rng) / 2, path.back().lat_e6 + step(rng) / 2});
      }
    }
    const std::string text = encode_polyline(path);
    EXPECT_EQ(decode_polyline(text), path) << text;
  }
}

TEST(Polyline, Precision5RoundsHalfAwayFromZero) {
  // 5 microdegrees is half a unit at precision 5.
  EXPECT_EQ(decode_polyline(encode_polyline({{-5, 5}}, 5), 5),
            (std::vector<Coordinate>{{-10, 10}}));
  EXPECT_EQ(decode_polyline(encode_polyline({{-4, 4}}, 5), 5), (std::vector<Coordinate>{{0, 0}}));
}

TEST(Polyline, RejectsMalformedText) {
  EXPECT_TRUE(decode_polyline("_p~iF~ps|U"));
  EXPECT_FALSE(decode_polyline("_p~iF"));            // a latitude without its longitude
  EXPECT_FALSE(decode_polyline("_p~iF~ps|"));        // a value cut short
  EXPECT_FALSE(decode_polyline("_p~iF ps|U"));       // ' ' is below '?'
  EXPECT_FALSE(decode_polyline("~~~~~~~~~~~~~~?"));  // more chunks than any coordinate needs
  // Two well-formed paths end to end: the second starts from the first's end, 4000 degrees up.
  const std::string far = encode_polyline({{0, 2'000'000'000}});
  EXPECT_TRUE(decode_polyline(far));
  EXPECT_FALSE(decode_polyline(far + far));
}

}  // namespace
}  // namespace waybill::router
