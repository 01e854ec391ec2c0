#include "common/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "common/hex.h"

namespace waybill {
namespace {

/// One digest computation, fed in pieces.
class Digest {
 public:
  Digest() : m_ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!m_ctx || EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("sha256: cannot start a digest");
    }
  }
  void update(const void* data, std::size_t size) {
    if (EVP_DigestUpdate(m_ctx.get(), data, size) != 1) {
      throw std::runtime_error("sha256: EVP_DigestUpdate failed");
    }
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(m_ctx.get(), digest, &size) != 1) {
      throw std::runtime_error("sha256: EVP_DigestFinal_ex failed");
    }
    return hex_lower(std::string_view(reinterpret_cast<const char*>(digest), size));
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> m_ctx;
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Digest digest;
  digest.update(bytes.data(), bytes.size());
  return digest.hex();
}

std::string file_sha256_hex(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open: " + std::strerror(errno));
  Digest digest;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digest.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw std::runtime_error(file.string() + ": read failed: " + std::strerror(errno));
  return digest.hex();
}

}  // namespace waybill
