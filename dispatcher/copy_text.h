// Text for PostgreSQL's COPY ... FROM STDIN (text format), built by the store. Exposed only so
// tests reach it; defined in store_copy.cpp, beside the COPY channel (detail/store_copy.h).
#pragma once

#include <string>
#include <string_view>

namespace waybill::dispatcher::detail {

/// Appends `field` to `out` escaped for COPY's text format: backslash, tab, newline and carriage
/// return become \\, \t, \n and \r; every other byte is copied as is (the connection's client
/// encoding is UTF-8, whose multibyte sequences never contain those bytes). A field can never
/// read as \N (NULL) or end the data (\.). Throws std::invalid_argument on a NUL byte, which
/// PostgreSQL text cannot hold.
void append_copy_text(std::string& out, std::string_view field);

}  // namespace waybill::dispatcher::detail
