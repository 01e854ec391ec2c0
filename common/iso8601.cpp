#include "common/iso8601.h"

#include <array>
#include <string>

namespace waybill {
namespace {

/// The shapes accepted ('d' a digit, anything else itself) and their absl::ParseTime formats.
struct Shape {
  std::string_view shape;
  const char* format;
};
constexpr std::array<Shape, 3> kBodies = {{
    {"dddd-dd-ddTdd:dd:dd", "%Y-%m-%dT%H:%M:%S"},
    {"dddd-dd-ddTdd:dd", "%Y-%m-%dT%H:%M"},
    {"dddd-dd-dd", "%Y-%m-%d"},
}};

bool has_shape(std::string_view text, std::string_view shape) {
  if (text.size() != shape.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (shape[i] == 'd' ? !digit : text[i] != shape[i]) return false;
  }
  return true;
}

int two_digits(std::string_view text, std::size_t pos) {
  return (text[pos] - '0') * 10 + (text[pos + 1] - '0');
}

}  // namespace

std::optional<absl::Time> parse_iso8601(std::string_view text, absl::TimeZone zone) {
  for (const Shape& body : kBodies) {
    if (text.size() < body.shape.size() || !has_shape(text.substr(0, body.shape.size()), body.shape)) {
      continue;
    }
    const std::string_view offset = text.substr(body.shape.size());
    std::string format = body.format;
    if (body.shape.size() == 10) {
      if (!offset.empty()) return std::nullopt;  // a date takes no offset
    } else if (offset == "Z") {
      format += "Z";
      zone = absl::UTCTimeZone();
    } else if (!offset.empty()) {
      if (!(has_shape(offset, "+dd:dd") || has_shape(offset, "-dd:dd")) ||
          two_digits(offset, 1) > 15) {
        return std::nullopt;
      }
      format += "%Ez";
    }
    // absl reads second 60 as a leap second; PostgreSQL does not take it.
    if (body.shape.size() == 19 && two_digits(text, 17) > 59) return std::nullopt;
    if (text.substr(0, 4) == "0000") return std::nullopt;
    absl::Time time;
    std::string error;
    // ParseTime refuses fields out of range (2026-02-30, 24:00) rather than normalizing them.
    if (!absl::ParseTime(format, std::string(text), zone, &time, &error)) return std::nullopt;
    return time;
  }
  return std::nullopt;
}

}  // namespace waybill
