// The checksums Amazon S3 computes and verifies on object data (its
// "additional checksums"): CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512
// and MD5. (S3's XXHASH64, XXHASH3 and XXHASH128 are not here: they would
// need a library fanlab does not link.)
//
// S3 writes a checksum as the base64 of its big-endian bytes
// (x-amz-checksum-crc32: "AAAAAA==" for an empty body); Checksum() gives
// that form, ChecksumDigest() the raw bytes it encodes. The CRCs are
// table-driven (reflected, as in the specs: CRC-32/ISO-HDLC, CRC-32C
// (Castagnoli, iSCSI), CRC-64/NVME, whose check values for "123456789" are
// 0xCBF43926, 0xE3069283 and 0xAE8B14860A799888); the others come from
// OpenSSL's libcrypto.
//
// Thread safety: every function may be called from any thread.
#ifndef FANLAB_EMULATOR_CORE_CHECKSUM_H_
#define FANLAB_EMULATOR_CORE_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fanlab {

enum class ChecksumAlgorithm {
  kCrc32,
  kCrc32c,
  kCrc64Nvme,
  kSha1,
  kSha256,
  kSha512,
  kMd5,
};

// S3's spelling: "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256",
// "SHA512", "MD5".
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
// The algorithm named `name`, in any case ("crc32", "CRC32C"), as the
// x-amz-sdk-checksum-algorithm header and the suffix of an
// x-amz-checksum-* header name give it; nullopt for anything else.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
// The header (or trailer) carrying it: "x-amz-checksum-crc32", ...
std::string ChecksumHeaderName(ChecksumAlgorithm algorithm);
// True for the CRCs: the algorithms S3 can combine into a FULL_OBJECT
// checksum of a multipart upload.
bool IsCrc(ChecksumAlgorithm algorithm);
// Bytes of the digest: 4 (CRC32, CRC32C), 8 (CRC64NVME), 20 (SHA1), 32
// (SHA256), 64 (SHA512), 16 (MD5).
size_t ChecksumDigestSize(ChecksumAlgorithm algorithm);

// The CRCs of `data`, continued from `previous` (the CRC of the bytes
// before it; 0 to start): Crc32(b, Crc32(a)) == Crc32(a + b).
uint32_t Crc32(std::string_view data, uint32_t previous = 0);
uint32_t Crc32c(std::string_view data, uint32_t previous = 0);
uint64_t Crc64Nvme(std::string_view data, uint64_t previous = 0);

// The digest of `data`: raw big-endian bytes, ChecksumDigestSize() long.
std::string ChecksumDigest(ChecksumAlgorithm algorithm, std::string_view data);
// The same in S3's form: base64 of the raw bytes.
std::string Checksum(ChecksumAlgorithm algorithm, std::string_view data);

// True when `value` is canonical padded base64 of exactly
// ChecksumDigestSize(algorithm) bytes: the only values S3 accepts in an
// x-amz-checksum-* header.
bool IsWellFormedChecksum(ChecksumAlgorithm algorithm, std::string_view value);

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_CHECKSUM_H_
