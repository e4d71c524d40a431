#include "emulator/core/checksum.h"

#include <openssl/evp.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include <array>
#include <cstring>
#include <stdexcept>

#include "emulator/core/base64.h"

namespace fanlab {
namespace {

// A reflected CRC's table: entry i is the CRC of the byte i, so that each
// input byte costs one lookup. `poly` is the bit-reversed polynomial.
template <typename T>
constexpr std::array<T, 256> ReflectedTable(T poly) {
  std::array<T, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    T crc = static_cast<T>(i);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) != 0 ? static_cast<T>((crc >> 1) ^ poly)
                           : static_cast<T>(crc >> 1);
    }
    table[i] = crc;
  }
  return table;
}

constexpr auto kCrc32Table = ReflectedTable<uint32_t>(0xEDB88320u);
constexpr auto kCrc32cTable = ReflectedTable<uint32_t>(0x82F63B78u);
constexpr auto kCrc64NvmeTable =
    ReflectedTable<uint64_t>(0x9A6C9329AC4BC9B5ull);

// All three start from all ones and invert the result; continuing from a
// previous (inverted) value undoes that inversion first.
template <typename T>
T ReflectedCrc(const std::array<T, 256>& table, std::string_view data,
               T previous) {
  T crc = static_cast<T>(~previous);
  for (char c : data) {
    crc = static_cast<T>(table[(crc ^ static_cast<unsigned char>(c)) & 0xFF] ^
                         (crc >> 8));
  }
  return static_cast<T>(~crc);
}

template <typename T>
std::string BigEndian(T value) {
  std::string out(sizeof(T), '\0');
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[sizeof(T) - 1 - i] = static_cast<char>(value & 0xFF);
    value = static_cast<T>(value >> 8);
  }
  return out;
}

// One-shot libcrypto digest. These are not on a hot path here
// (one per object), so a fresh context per call is fine.
std::string EvpDigest(const char* algorithm, std::string_view data) {
  EVP_MD* md = EVP_MD_fetch(nullptr, algorithm, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  bool ok = md != nullptr && ctx != nullptr &&
            EVP_DigestInit_ex(ctx, md, nullptr) == 1 &&
            EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, out, &len) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  if (!ok) throw std::runtime_error(std::string("libcrypto ") + algorithm);
  return std::string(reinterpret_cast<const char*>(out), len);
}

#if defined(__x86_64__)
// Crc32c on SSE4.2, the same CRC (Castagnoli, reflected, inverted).
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(std::string_view data,
                                                       uint32_t previous) {
  uint64_t crc = static_cast<uint32_t>(~previous);
  const char* p = data.data();
  size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
    crc = _mm_crc32_u64(crc, word);
  }
  auto crc32 = static_cast<uint32_t>(crc);
  for (; n > 0; ++p, --n) {
    crc32 = _mm_crc32_u8(crc32, static_cast<unsigned char>(*p));
  }
  return ~crc32;
}
#endif

}  // namespace

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
    case ChecksumAlgorithm::kSha512:
      return "SHA512";
    case ChecksumAlgorithm::kMd5:
      return "MD5";
  }
  return "CRC32";
}

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                 ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha1,
                 ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kSha512,
                 ChecksumAlgorithm::kMd5}) {
    std::string_view want = ChecksumAlgorithmName(a);
    if (want.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < want.size() && same; ++i) {
      char c = name[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      same = c == want[i];
    }
    if (same) return a;
  }
  return std::nullopt;
}

std::string ChecksumHeaderName(ChecksumAlgorithm algorithm) {
  std::string out = "x-amz-checksum-";
  for (char c : ChecksumAlgorithmName(algorithm)) {
    out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a')
                                         : c);
  }
  return out;
}

size_t ChecksumDigestSize(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      return 4;
    case ChecksumAlgorithm::kCrc64Nvme:
      return 8;
    case ChecksumAlgorithm::kSha1:
      return 20;
    case ChecksumAlgorithm::kSha256:
      return 32;
    case ChecksumAlgorithm::kSha512:
      return 64;
    case ChecksumAlgorithm::kMd5:
      return 16;
  }
  return 0;
}

bool IsCrc(ChecksumAlgorithm algorithm) {
  return algorithm == ChecksumAlgorithm::kCrc32 ||
         algorithm == ChecksumAlgorithm::kCrc32c ||
         algorithm == ChecksumAlgorithm::kCrc64Nvme;
}

uint32_t Crc32(std::string_view data, uint32_t previous) {
  return ReflectedCrc(kCrc32Table, data, previous);
}

uint32_t Crc32c(std::string_view data, uint32_t previous) {
#if defined(__x86_64__)
  // The journal checksums every record it writes and reads: the CPU's own
  // CRC32C instruction (SSE4.2) does eight bytes a step where the table
  // does one.
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return Crc32cSse42(data, previous);
#endif
  return ReflectedCrc(kCrc32cTable, data, previous);
}

uint64_t Crc64Nvme(std::string_view data, uint64_t previous) {
  return ReflectedCrc(kCrc64NvmeTable, data, previous);
}

std::string ChecksumDigest(ChecksumAlgorithm algorithm, std::string_view data) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return BigEndian(Crc32(data));
    case ChecksumAlgorithm::kCrc32c:
      return BigEndian(Crc32c(data));
    case ChecksumAlgorithm::kCrc64Nvme:
      return BigEndian(Crc64Nvme(data));
    case ChecksumAlgorithm::kSha1:
      return EvpDigest("SHA1", data);
    case ChecksumAlgorithm::kSha256:
      return EvpDigest("SHA256", data);
    case ChecksumAlgorithm::kSha512:
      return EvpDigest("SHA512", data);
    case ChecksumAlgorithm::kMd5:
      return EvpDigest("MD5", data);
  }
  return "";
}

std::string Checksum(ChecksumAlgorithm algorithm, std::string_view data) {
  return Base64Encode(ChecksumDigest(algorithm, data));
}

bool IsWellFormedChecksum(ChecksumAlgorithm algorithm, std::string_view value) {
  std::optional<std::string> raw = Base64Decode(value);
  return raw && raw->size() == ChecksumDigestSize(algorithm);
}

}  // namespace fanlab
