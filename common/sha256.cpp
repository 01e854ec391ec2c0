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

struct Sha256::Ctx {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> evp{EVP_MD_CTX_new(), EVP_MD_CTX_free};
};

Sha256::Sha256() : m_ctx(std::make_unique<Ctx>()) {
  if (!m_ctx->evp || EVP_DigestInit_ex(m_ctx->evp.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256: cannot start a digest");
  }
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, std::size_t size) {
  if (EVP_DigestUpdate(m_ctx->evp.get(), data, size) != 1) {
    throw std::runtime_error("sha256: EVP_DigestUpdate failed");
  }
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(m_ctx->evp.get(), digest, &size) != 1) {
    throw std::runtime_error("sha256: EVP_DigestFinal_ex failed");
  }
  return hex_lower(std::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string Sha256::hex_so_far() const {
  Sha256 copy;
  if (EVP_MD_CTX_copy_ex(copy.m_ctx->evp.get(), m_ctx->evp.get()) != 1) {
    throw std::runtime_error("sha256: EVP_MD_CTX_copy_ex failed");
  }
  return copy.hex();
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 digest;
  digest.update(bytes.data(), bytes.size());
  return digest.hex();
}

std::string file_sha256_hex(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open: " + std::strerror(errno));
  Sha256 digest;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digest.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw std::runtime_error(file.string() + ": read failed: " + std::strerror(errno));
  return digest.hex();
}

}  // namespace waybill
