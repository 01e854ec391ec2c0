#include "common/utf8.h"

#include <cstdint>
#include <cstring>

namespace waybill {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

std::size_t utf8_sequence_length(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) return n >= 2 && is_continuation(p[1]) ? 2 : 0;
  if (c < 0xF0) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
    return n >= 3 && p[1] >= lo && p[1] <= hi && is_continuation(p[2]) ? 3 : 0;
  }
  if (c < 0xF5) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
    if (n < 4 || p[1] < lo || p[1] > hi) return 0;
    return is_continuation(p[2]) && is_continuation(p[3]) ? 4 : 0;
  }
  return 0;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Batch files are mostly ASCII: skip 8 bytes at a time while no high bit is set.
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) != 0) break;
      i += 8;
    }
    if (i == n) break;
    const std::size_t len = utf8_sequence_length(s.substr(i));
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  if (valid_utf8(text) && text.find('\0') == text.npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t len = text[i] == '\0' ? 0 : utf8_sequence_length(text.substr(i));
    if (len == 0) {
      out += kReplacement;  // NUL, a stray continuation byte, or a broken sequence: one byte
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string utf8_prefix(std::string_view s, std::size_t max_bytes) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t len = s[i] == '\0' ? 0 : utf8_sequence_length(s.substr(i));
    if (len == 0 || i + len > max_bytes) break;
    i += len;
  }
  return std::string(s.substr(0, i));
}

}  // namespace waybill
