// UTF-8 as PostgreSQL's text accepts it: validation, repair, and cutting without splitting a
// character. Unicode table 3-7 throughout: overlong forms, surrogates and code points above
// U+10FFFF are ill-formed, as they are to PostgreSQL.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace waybill {

/// Length of the well-formed UTF-8 sequence at the start of `s` (not empty), or 0 when it is
/// ill-formed or cut short.
std::size_t utf8_sequence_length(std::string_view s);

/// Whether all of `s` is well-formed UTF-8 (a NUL byte is well-formed here; PostgreSQL text
/// refuses it, so callers that store text check for it apart).
bool valid_utf8(std::string_view s);

/// `text` with every NUL byte and every byte that is not part of a well-formed sequence replaced
/// by U+FFFD, so that PostgreSQL accepts it as UTF-8 text. Returns valid input unchanged.
std::string to_valid_utf8(std::string_view text);

/// The longest prefix of `s`, at most `max_bytes` long, that is well-formed UTF-8 without a NUL
/// byte: a name cut to size that PostgreSQL still takes as text.
std::string utf8_prefix(std::string_view s, std::size_t max_bytes);

}  // namespace waybill
