// Text for PostgreSQL's COPY ... FROM STDIN (text format), built by the store. Exposed only so
// tests reach it; defined in store_copy.cpp, beside the COPY channel (detail/store_copy.h).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace waybill::dispatcher::detail {

/// Appends `field` to `out` escaped for COPY's text format: backslash, tab, newline and carriage
/// return become \\, \t, \n and \r; every other byte is copied as is (the connection's client
/// encoding is UTF-8, whose multibyte sequences never contain those bytes). A field can never
/// read as \N (NULL) or end the data (\.). Throws std::invalid_argument on a NUL byte, which
/// PostgreSQL text cannot hold.
void append_copy_text(std::string& out, std::string_view field);

/// Appends `element` to `out` as an element of an array literal ({"a","b\"c"}): in double
/// quotes, with double quote and backslash escaped by a backslash, so that commas, braces,
/// blanks and the word NULL read as text. The literal is then a field: see append_copy_text.
void append_array_text(std::string& out, std::string_view element);

/// Appends a number as COPY and array literals read it: an integer in decimal, a floating-point
/// value in the shortest form that reads back the same.
template <typename T>
void append_number(std::string& out, T value) {
  char digits[32];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

/// Appends a length in millimetres as exact decimal metres: 12345 -> "12.345".
void append_millimetres(std::string& out, std::int64_t mm);

}  // namespace waybill::dispatcher::detail
