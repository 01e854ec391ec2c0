#include "common/hex.h"

#include <boost/algorithm/hex.hpp>

#include <iterator>

namespace waybill {

std::string hex_lower(std::string_view bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  boost::algorithm::hex_lower(bytes.begin(), bytes.end(), std::back_inserter(out));
  return out;
}

bool is_hex_lower(std::string_view text, std::size_t digits) {
  return text.size() == digits && text.find_first_not_of("0123456789abcdef") == text.npos;
}

}  // namespace waybill
