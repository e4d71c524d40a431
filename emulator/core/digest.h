// Message digests as SQS computes them, from OpenSSL's libcrypto.
//
// Thread safety: every function may be called from any thread (each thread
// keeps its own digest context).
#ifndef FANLAB_EMULATOR_CORE_DIGEST_H_
#define FANLAB_EMULATOR_CORE_DIGEST_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace fanlab {

using Md5Digest = std::array<uint8_t, 16>;
using Sha256Digest = std::array<uint8_t, 32>;

Md5Digest Md5(std::string_view data);
Sha256Digest Sha256(std::string_view data);

// Lower-case hex, as SQS prints MD5OfMessageBody.
std::string ToHex(const uint8_t* data, size_t size);
template <size_t N>
std::string ToHex(const std::array<uint8_t, N>& d) {
  return ToHex(d.data(), d.size());
}

inline std::string Md5Hex(std::string_view data) { return ToHex(Md5(data)); }
inline std::string Sha256Hex(std::string_view data) {
  return ToHex(Sha256(data));
}

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_DIGEST_H_
