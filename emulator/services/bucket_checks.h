// S3's rules for names, keys and ranges, and the formats its responses
// use: pure functions, called by the BucketService and its actions, and
// tested on their own. Messages are worded as S3 words them.
#ifndef FANLAB_EMULATOR_SERVICES_BUCKET_CHECKS_H_
#define FANLAB_EMULATOR_SERVICES_BUCKET_CHECKS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"
#include "emulator/core/utf8.h"

namespace fanlab::services {

// An object key is 1 to 1024 bytes of UTF-8.
inline constexpr size_t kMaxKeyBytes = 1024;
// User-defined metadata: the names and values together, in UTF-8 bytes.
inline constexpr size_t kMaxMetadataBytes = 2048;

// OK when `name` follows S3's rules for general purpose buckets: 3-63
// characters of [a-z0-9.-], beginning and ending with a letter or digit,
// no two adjacent periods, not shaped as an IPv4 address (192.168.5.4),
// none of the reserved prefixes (xn--, sthree-, amzn-s3-demo-) or suffixes
// (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3). InvalidBucketName,
// "The specified bucket is not valid.", otherwise.
Status ValidateBucketName(std::string_view name);

// OK when `key` is 1-1024 bytes of valid UTF-8 (any character, NUL, '/',
// ".." included: a key is a string, not a path). KeyTooLongError ("Your
// key is too long") past 1024 bytes; InvalidArgument when empty or not
// UTF-8.
Status ValidateObjectKey(std::string_view key);

// An inclusive byte range of an object, resolved against its size.
struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive; REQUIRES first <= last
  uint64_t length() const { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Resolves an HTTP Range value ("bytes=0-9", "bytes=10-", "bytes=-5")
// against an object of `size` bytes, as S3 does:
// - nullopt (serve the whole object) for "" and for a value that is not
//   one well-formed byte range (other units, several ranges, last < first,
//   garbage): S3 ignores those;
// - a last byte past the end is clamped to the end; a suffix longer than
//   the object is the whole object;
// - InvalidRange ("The requested range is not satisfiable") when the first
//   byte is at or past the end (any range of an empty object) or the
//   suffix is 0 bytes; a suffix range of an empty object is the whole
//   (empty) object.
// Until the ErrorCode set has InvalidRange, the error is InvalidArgument
// carrying S3's message.
Result<std::optional<ByteRange>> ResolveRange(std::string_view range,
                                              uint64_t size);

// Percent-encodes `s` for ListObjectsV2's EncodingType=url: every byte
// but the unreserved characters (A-Z a-z 0-9 - . _ ~) and '/'.
std::string UrlEncode(std::string_view s);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_BUCKET_CHECKS_H_
