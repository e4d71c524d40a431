#include "emulator/core/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace fanlab {
namespace {

// OpenSSL 3 makes EVP_md5()/EVP_DigestInit per call costly (an implicit
// provider fetch each time): fetch each algorithm once and reuse one
// context per thread. This is on the queue engine's hot path.
class Digester {
 public:
  explicit Digester(const char* algorithm)
      : md_(EVP_MD_fetch(nullptr, algorithm, nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (md_ == nullptr || ctx_ == nullptr) {
      throw std::runtime_error(std::string("libcrypto lacks ") + algorithm);
    }
  }
  ~Digester() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  Digester(const Digester&) = delete;
  Digester& operator=(const Digester&) = delete;

  void Compute(std::string_view data, uint8_t* out) {
    unsigned int len = 0;
    if (EVP_DigestInit_ex(ctx_, md_, nullptr) != 1 ||
        EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx_, out, &len) != 1) {
      throw std::runtime_error("libcrypto digest failed");
    }
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace

Md5Digest Md5(std::string_view data) {
  thread_local Digester digester("MD5");
  Md5Digest out;
  digester.Compute(data, out.data());
  return out;
}

Sha256Digest Sha256(std::string_view data) {
  thread_local Digester digester("SHA256");
  Sha256Digest out;
  digester.Compute(data, out.data());
  return out;
}

std::string ToHex(const uint8_t* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xf];
  }
  return out;
}

}  // namespace fanlab
