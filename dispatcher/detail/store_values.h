// Values to and from PostgreSQL's text form, shared by the store's .cpp files: array parameters
// bound as text, coordinate columns read back. Included only by them (it exposes libpqxx).
#pragma once

#include <pqxx/pqxx>

#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "dispatcher/rows.h"

namespace waybill::dispatcher::detail {

// "{1,2,3}": a bigint[] / int[] parameter, bound as text.
template <typename T>
void append_array_element(std::string& array, T value) {
  array += array.empty() ? '{' : ',';
  array += std::to_string(value);
}
inline std::string closed(std::string array) { return array.empty() ? "{}" : array + '}'; }

/// A coordinate column's value (int4, 1e-7 degrees; see degrees_e7), in degrees. Read with
/// std::from_chars: pqxx 6.4's as<>() is several times the cost, on the four coordinates of
/// every job leased.
inline double parse_degrees_e7(const pqxx::field& field) {
  std::int32_t value = 0;
  const char* p = field.c_str();
  const auto [next, ec] = std::from_chars(p, p + field.size(), value);
  if (ec != std::errc() || next != p + field.size()) {
    throw std::runtime_error(std::string("bad coordinate in column ") + field.name() + ": '" +
                             field.c_str() + "'");
  }
  return from_degrees_e7(value);
}

/// An integer array column's value ("{1,NULL,3}", one dimension), element by element: nullopt
/// for a NULL element. A NULL column is no elements.
inline std::vector<std::optional<std::int64_t>> integer_array(const pqxx::field& field) {
  std::vector<std::optional<std::int64_t>> elements;
  if (field.is_null()) return elements;
  pqxx::array_parser parser = field.as_array();
  for (auto [juncture, text] = parser.get_next(); juncture != pqxx::array_parser::done;
       std::tie(juncture, text) = parser.get_next()) {
    if (juncture == pqxx::array_parser::null_value) {
      elements.emplace_back();
    } else if (juncture == pqxx::array_parser::string_value) {
      std::int64_t value = 0;
      const auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || next != text.data() + text.size()) {
        throw std::runtime_error(std::string("bad integer in array column ") + field.name() +
                                 ": '" + text + "'");
      }
      elements.emplace_back(value);
    }
  }
  return elements;
}

}  // namespace waybill::dispatcher::detail
