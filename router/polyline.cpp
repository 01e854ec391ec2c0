#include "router/polyline.h"

#include <cassert>
#include <cstdint>
#include <limits>

namespace waybill::router {
namespace {

// Each value is cut into 5-bit chunks, low first, each sent as chunk + 63, with 0x20 set on
// every chunk but the last.
constexpr int kChunkBits = 5;
constexpr std::uint64_t kChunkMask = 0x1f;
constexpr std::uint64_t kMoreChunks = 0x20;
constexpr char kOffset = 63;

/// 10^(6 - precision): microdegrees per unit of the encoded value.
std::int64_t scale(int precision) {
  assert(precision >= 0 && precision <= 6);
  std::int64_t s = 1;
  for (int i = precision; i < 6; ++i) s *= 10;
  return s;
}

/// Microdegrees to the encoded unit, rounding half away from zero as Google's reference does
/// (Math.round on the absolute value).
std::int64_t to_units(std::int32_t e6, std::int64_t s) {
  const std::int64_t v = e6;
  return v >= 0 ? (v + s / 2) / s : -((-v + s / 2) / s);
}

void append_value(std::string& out, std::int64_t value) {
  // Zig-zag: the sign goes to the lowest bit, so that small negative numbers stay short.
  auto bits = static_cast<std::uint64_t>(value) << 1;
  if (value < 0) bits = ~bits;
  while (bits >= kMoreChunks) {
    out.push_back(static_cast<char>((kMoreChunks | (bits & kChunkMask)) + kOffset));
    bits >>= kChunkBits;
  }
  out.push_back(static_cast<char>(bits + kOffset));
}

/// Reads one value at `pos`, advancing it; nothing on a malformed or overlong value. Seven
/// chunks (35 bits) hold any difference of two int32 microdegree values, and bounding the value
/// there keeps the caller's sums far from overflowing.
std::optional<std::int64_t> read_value(std::string_view text, std::size_t& pos) {
  constexpr int kMaxChunks = 7;
  std::uint64_t bits = 0;
  for (int shift = 0; shift < kMaxChunks * kChunkBits; shift += kChunkBits) {
    if (pos == text.size()) return std::nullopt;
    const char c = text[pos++];
    if (c < kOffset || c > '~') return std::nullopt;
    const auto chunk = static_cast<std::uint64_t>(c - kOffset);
    bits |= (chunk & kChunkMask) << shift;
    if ((chunk & kMoreChunks) == 0) {
      const auto half = static_cast<std::int64_t>(bits >> 1);
      return (bits & 1) ? ~half : half;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string encode_polyline(const std::vector<Coordinate>& points, int precision) {
  const std::int64_t s = scale(precision);
  std::string out;
  std::int64_t lat = 0;
  std::int64_t lon = 0;
  for (const Coordinate& c : points) {
    // Deltas of the rounded values, not rounded deltas, so that errors do not add up.
    const std::int64_t next_lat = to_units(c.lat_e6, s);
    const std::int64_t next_lon = to_units(c.lon_e6, s);
    append_value(out, next_lat - lat);
    append_value(out, next_lon - lon);
    lat = next_lat;
    lon = next_lon;
  }
  return out;
}

std::optional<std::vector<Coordinate>> decode_polyline(std::string_view text, int precision) {
  const std::int64_t s = scale(precision);
  constexpr std::int64_t kMaxE6 = std::numeric_limits<std::int32_t>::max();
  std::vector<Coordinate> points;
  std::int64_t lat = 0;
  std::int64_t lon = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto dlat = read_value(text, pos);
    if (!dlat) return std::nullopt;
    const auto dlon = read_value(text, pos);
    if (!dlon) return std::nullopt;
    lat += *dlat;
    lon += *dlon;
    // |lat|, |lon| < 2^35 here (at most 2^31 before, plus a delta under 2^34), so that the
    // products cannot overflow.
    if (lat * s > kMaxE6 || -lat * s > kMaxE6 || lon * s > kMaxE6 || -lon * s > kMaxE6) {
      return std::nullopt;
    }
    points.push_back({static_cast<std::int32_t>(lon * s), static_cast<std::int32_t>(lat * s)});
  }
  return points;
}

}  // namespace waybill::router
