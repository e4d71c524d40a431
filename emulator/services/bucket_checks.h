// S3's rules for names, keys and ranges, and the formats its responses
// use: pure functions, called by the BucketService and its actions, and
// tested on their own. Messages are worded as S3 words them.
#ifndef FANLAB_EMULATOR_SERVICES_BUCKET_CHECKS_H_
#define FANLAB_EMULATOR_SERVICES_BUCKET_CHECKS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"
#include "emulator/core/utf8.h"
#include "emulator/services/object_store.h"

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
Result<std::optional<ByteRange>> ResolveRange(std::string_view range,
                                              uint64_t size);

// --- Conditional requests ------------------------------------------------

// Preconditions on an object being read: GetObject's and HeadObject's
// If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since, or
// CopyObject's x-amz-copy-source-if-* on its source. "" / unset: absent.
// ETag lists are what HTTP allows: "*", or comma-separated ETags with or
// without their double quotes (a W/ prefix is ignored).
struct ReadConditions {
  std::string if_match;
  std::string if_none_match;
  std::optional<TimePoint> if_modified_since;
  std::optional<TimePoint> if_unmodified_since;
};

// Preconditions on the key being written (PutObject, CopyObject's
// destination, CompleteMultipartUpload): If-Match and If-None-Match.
struct WriteConditions {
  std::string if_match;       // ETag list or "*"
  std::string if_none_match;  // only "*" is supported, as in S3
};

// True when the ETag list `list` names `etag` (unquoted), or is "*".
bool EtagListMatches(std::string_view list, std::string_view etag);

// Evaluates read preconditions against an existing object, in RFC 7232's
// order, which is S3's: If-Match (fails: PreconditionFailed), else
// If-Unmodified-Since (PreconditionFailed); then If-None-Match (fails:
// NotModified), else If-Modified-Since (NotModified). So If-Match true with
// If-Unmodified-Since false serves the object, and If-None-Match false with
// If-Modified-Since true is NotModified. "Modified since T" means
// last_modified > T (both to the second). With `copy_source`, every
// failure is PreconditionFailed (S3 answers a copy with 412 only).
// PreconditionFailed: "At least one of the pre-conditions you specified
// did not hold"; NotModified: "Not Modified" (HTTP 304, no body).
Status CheckReadConditions(const ReadConditions& conditions,
                           std::string_view etag, TimePoint last_modified,
                           bool copy_source = false);

// Evaluates write preconditions against the object now at the key
// (`current`, null when there is none): If-None-Match "*" fails
// (PreconditionFailed) when an object exists; any other If-None-Match is
// NotImplemented ("A header you provided implies functionality that is not
// implemented"); If-Match with no object is NoSuchKey ("The specified key
// does not exist."), with another ETag PreconditionFailed.
Status CheckWriteConditions(const WriteConditions& conditions,
                            const ObjectMeta* current);

// --- Integrity -----------------------------------------------------------

// Checks a Content-MD5 header (base64 of the 16-byte MD5) against `body`:
// InvalidDigest "The Content-MD5 you specified was invalid." when it is not
// base64 of 16 bytes; BadDigest "The Content-MD5 you specified did not
// match what we received." when it differs.
Status CheckContentMd5(std::string_view content_md5, std::string_view body);

// Checks a checksum the client sent (header or trailer) against `body`:
// InvalidRequest "Value for x-amz-checksum-crc32 header is invalid." when
// it is not S3's base64 of the right size; BadDigest "The CRC32 you
// specified did not match the calculated checksum." when it differs.
Status CheckChecksum(const ObjectChecksum& given, std::string_view body);

// The checksum an upload carries, from its request headers or its
// aws-chunked trailers (`fields`: names lower-cased, as aws_chunked.h
// gives trailers): the one x-amz-checksum-<alg> among them, or nullopt.
// x-amz-checksum-algorithm, -type and -mode name no value and are skipped.
// InvalidRequest "Expecting a single x-amz-checksum- header. Multiple
// checksum Types are not allowed." for two; InvalidRequest "Value for
// x-amz-checksum-xxhash64 header is invalid." for an algorithm fanlab does
// not know (the value itself is checked by CheckChecksum).
Result<std::optional<ObjectChecksum>> FindChecksum(
    const std::map<std::string, std::string>& fields);

// Percent-encodes `s` for ListObjectsV2's EncodingType=url: every byte
// but the unreserved characters (A-Z a-z 0-9 - . _ ~) and '/'.
std::string UrlEncode(std::string_view s);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_BUCKET_CHECKS_H_
