// SHA-256 (OpenSSL), the identity of a batch file and of a serialized road graph.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace waybill {

/// A SHA-256 fed in pieces, for content read as a stream (a decompressed batch file).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, std::size_t size);
  /// Lower-case hex of the digest; ends the computation.
  std::string hex();
  /// Lower-case hex of the digest of what was fed so far; the computation goes on.
  std::string hex_so_far() const;

 private:
  struct Ctx;
  std::unique_ptr<Ctx> m_ctx;
};

/// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

/// Lower-case hex SHA-256 of a file's contents, read in pieces. Throws std::runtime_error
/// "FILE: cannot open: REASON" when it cannot be read.
std::string file_sha256_hex(const std::filesystem::path& file);

}  // namespace waybill
