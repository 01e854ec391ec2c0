// SHA-256 (OpenSSL), the identity of a batch file and of a serialized road graph.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace waybill {

/// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

/// Lower-case hex SHA-256 of a file's contents, read in pieces. Throws std::runtime_error
/// "FILE: cannot open: REASON" when it cannot be read.
std::string file_sha256_hex(const std::filesystem::path& file);

}  // namespace waybill
