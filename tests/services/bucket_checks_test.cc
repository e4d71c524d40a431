// S3's naming rules, key rules, Range resolution and formats
// (emulator/services/bucket_checks.h).
#include "emulator/services/bucket_checks.h"

#include <gtest/gtest.h>

#include <string>

#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class BucketNameValidTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BucketNameValidTest, IsAccepted) {
  EXPECT_TRUE(ValidateBucketName(GetParam()).ok()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(BucketChecks, BucketNameValidTest,
                         ::testing::Values("abc", "my-bucket", "my.bucket.name",
                                           "a1b2c3", "123", "docexamplebucket1",
                                           "log-delivery-march-2020", "1.2.3",
                                           "1.2.3.4.5", "a-b.c-d",
                                           std::string(63, 'a'), "xn-ok",
                                           "s3alias", "bucket-s3aliasx"));

class BucketNameInvalidTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BucketNameInvalidTest, IsRefusedWithS3sErrorAndMessage) {
  Status s = ValidateBucketName(GetParam());
  EXPECT_EQ(s.code(), s3::kInvalidBucketName) << GetParam();
  EXPECT_EQ(s.message(), "The specified bucket is not valid.");
}

INSTANTIATE_TEST_SUITE_P(
    BucketChecks, BucketNameInvalidTest,
    ::testing::Values("", "ab", std::string(64, 'a'), "MyBucket", "my_bucket",
                      "-bucket", "bucket-", ".bucket", "bucket.", "my..bucket",
                      "192.168.5.4", "1.1.1.1", "999.999.999.999", "xn--bucket",
                      "sthree-bucket", "sthree-configurator",
                      "amzn-s3-demo-bucket", "bucket-s3alias", "bucket--ol-s3",
                      "bucket.mrap", "bucket--x-s3", "bucket--table-s3",
                      "a/b/c", "../etc", "bu cket", std::string("ab\0c", 4),
                      "caf\xc3\xa9"));

TEST(BucketChecksTest, KeysOfOneTo1024BytesOfUtf8AreValid) {
  EXPECT_TRUE(ValidateObjectKey("a").ok());
  EXPECT_TRUE(ValidateObjectKey(std::string(1024, 'k')).ok());
  EXPECT_TRUE(ValidateObjectKey("../../etc/passwd").ok());
  EXPECT_TRUE(ValidateObjectKey("/abs").ok());
  EXPECT_TRUE(ValidateObjectKey(std::string("nul\0inside", 10)).ok());
  EXPECT_TRUE(ValidateObjectKey("caf\xc3\xa9/\xf0\x9f\x98\x80").ok());
  // 1024 bytes of a 3-byte character is 341 characters plus one byte.
  std::string euros;
  for (int i = 0; i < 341; ++i) euros += "\xe2\x82\xac";
  EXPECT_TRUE(ValidateObjectKey(euros + "x").ok());
  EXPECT_EQ(ValidateObjectKey(euros + "xy").code(), s3::kKeyTooLongError);
}

TEST(BucketChecksTest, BadKeysGetS3sErrors) {
  Status too_long = ValidateObjectKey(std::string(1025, 'k'));
  EXPECT_EQ(too_long.code(), s3::kKeyTooLongError);
  EXPECT_EQ(too_long.message(), "Your key is too long");
  EXPECT_EQ(ValidateObjectKey("").code(), s3::kInvalidArgument);
  EXPECT_EQ(ValidateObjectKey("bad\xff").code(), s3::kInvalidArgument);
}

TEST(BucketChecksTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xf8\x88\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc3\x28"));  // bad continuation
}

TEST(BucketChecksTest, FormatIso8601IsIso8601WithMilliseconds) {
  TimePoint t = TimePoint(seconds(1767225600));  // 2026-01-01T00:00:00Z
  EXPECT_EQ(FormatIso8601(t), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(t + seconds(86400 * 59 + 3723) + milliseconds(45)),
            "2026-03-01T01:02:03.045Z");
  EXPECT_EQ(FormatIso8601(TimePoint(seconds(951782400))),  // leap day
            "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(TimePoint()), "1970-01-01T00:00:00.000Z");
}

std::optional<ByteRange> Range(std::string_view spec, uint64_t size) {
  auto r = ResolveRange(spec, size);
  EXPECT_TRUE(r.ok()) << spec << ": " << r.status().ToString();
  return r.ok() ? *r : std::nullopt;
}

TEST(BucketChecksTest, RangesResolveAsS3Does) {
  EXPECT_EQ(Range("bytes=0-9", 100), (ByteRange{0, 9}));
  EXPECT_EQ(Range("bytes=10-", 100), (ByteRange{10, 99}));
  EXPECT_EQ(Range("bytes=-5", 100), (ByteRange{95, 99}));
  EXPECT_EQ(Range("bytes=90-200", 100), (ByteRange{90, 99}));  // clamped
  EXPECT_EQ(Range("bytes=-500", 100), (ByteRange{0, 99}));     // whole
  EXPECT_EQ(Range("bytes=99-99", 100), (ByteRange{99, 99}));
  EXPECT_EQ(Range("bytes=0-99999999999999999999999", 100),
            (ByteRange{0, 99}));  // saturates, then clamps
  EXPECT_EQ(Range("bytes=0-0", 1)->length(), 1u);
}

TEST(BucketChecksTest, MalformedRangesAreIgnored) {
  for (std::string_view spec :
       {"", "bytes=", "bytes=-", "bytes=5-1", "items=0-9", "bytes=0-1,3-4",
        "bytes= 0-9", "bytes=a-b", "0-9", "bytes=+1-2", "BYTES=0-9"}) {
    EXPECT_EQ(Range(spec, 100), std::nullopt) << spec;
  }
}

TEST(BucketChecksTest, UnsatisfiableRangesAreInvalidRange) {
  for (auto [spec, size] :
       {std::pair<std::string_view, uint64_t>{"bytes=100-", 100},
        {"bytes=100-200", 100},
        {"bytes=0-", 0},
        {"bytes=0-0", 0},
        {"bytes=-0", 100},
        {"bytes=99999999999999999999999-", 100}}) {
    auto r = ResolveRange(spec, size);
    ASSERT_FALSE(r.ok()) << spec << " of " << size;
    EXPECT_EQ(r.status().message(), "The requested range is not satisfiable");
  }
  // A suffix range of an empty object is the (empty) object itself.
  EXPECT_EQ(Range("bytes=-5", 0), std::nullopt);
}

TEST(BucketChecksTest, UrlEncodeKeepsUnreservedAndSlash) {
  EXPECT_EQ(UrlEncode("a-b_c.d~e/f"), "a-b_c.d~e/f");
  EXPECT_EQ(UrlEncode("a b+c%"), "a%20b%2Bc%25");
  EXPECT_EQ(UrlEncode("caf\xc3\xa9"), "caf%C3%A9");
  EXPECT_EQ(UrlEncode(std::string("\0\n", 2)), "%00%0A");
}

// --- Conditions --------------------------------------------------------------

TEST(EtagListTest, MatchesQuotedUnquotedListsWeakAndStar) {
  EXPECT_TRUE(EtagListMatches("abc", "abc"));
  EXPECT_TRUE(EtagListMatches("\"abc\"", "abc"));
  EXPECT_TRUE(EtagListMatches("W/\"abc\"", "abc"));
  EXPECT_TRUE(EtagListMatches("\"x\", \"abc\"", "abc"));
  EXPECT_TRUE(EtagListMatches(" * ", "abc"));
  EXPECT_FALSE(EtagListMatches("\"abcd\"", "abc"));
  EXPECT_FALSE(EtagListMatches("\"x\",\"y\"", "abc"));
  EXPECT_FALSE(EtagListMatches("\"\"", "abc"));
  EXPECT_FALSE(EtagListMatches(",", "abc"));
}

const TimePoint kModified = TimePoint(seconds(1767225600));

Status Read(ReadConditions c, bool copy = false) {
  return CheckReadConditions(c, "etag", kModified, copy);
}

TEST(ReadConditionsTest, EachHeaderOnBothSides) {
  EXPECT_TRUE(Read({}).ok());
  EXPECT_TRUE(Read({.if_match = "\"etag\""}).ok());
  EXPECT_EQ(Read({.if_match = "\"other\""}),
            Status(s3::kPreconditionFailed,
                   "At least one of the pre-conditions you specified did not "
                   "hold"));
  EXPECT_TRUE(Read({.if_none_match = "\"other\""}).ok());
  EXPECT_EQ(Read({.if_none_match = "\"etag\""}),
            Status(s3::kNotModified, "Not Modified"));
  EXPECT_EQ(Read({.if_none_match = "*"}).code(), s3::kNotModified);
  // Modified since T: strictly after T.
  EXPECT_TRUE(Read({.if_modified_since = kModified - seconds(1)}).ok());
  EXPECT_EQ(Read({.if_modified_since = kModified}).code(), s3::kNotModified);
  EXPECT_TRUE(Read({.if_unmodified_since = kModified}).ok());
  EXPECT_EQ(Read({.if_unmodified_since = kModified - seconds(1)}).code(),
            s3::kPreconditionFailed);
}

TEST(ReadConditionsTest, Rfc7232Precedence) {
  // If-Match decides; If-Unmodified-Since is then not read.
  EXPECT_TRUE(
      Read({.if_match = "etag", .if_unmodified_since = kModified - seconds(1)})
          .ok());
  // If-None-Match decides; If-Modified-Since is then not read.
  EXPECT_TRUE(
      Read({.if_none_match = "other", .if_modified_since = kModified}).ok());
  EXPECT_EQ(Read({.if_none_match = "etag",
                  .if_modified_since = kModified - seconds(1)})
                .code(),
            s3::kNotModified);
  // A 412 condition wins over a 304 one.
  EXPECT_EQ(Read({.if_match = "other", .if_none_match = "etag"}).code(),
            s3::kPreconditionFailed);
}

TEST(ReadConditionsTest, ACopySourceOnlyAnswers412) {
  EXPECT_EQ(Read({.if_none_match = "etag"}, true).code(),
            s3::kPreconditionFailed);
  EXPECT_EQ(Read({.if_modified_since = kModified}, true).code(),
            s3::kPreconditionFailed);
  EXPECT_TRUE(Read({.if_modified_since = kModified - seconds(1)}, true).ok());
}

TEST(WriteConditionsTest, IfNoneMatchStarAndIfMatch) {
  ObjectMeta current;
  current.etag = "etag";
  EXPECT_TRUE(CheckWriteConditions({}, nullptr).ok());
  EXPECT_TRUE(CheckWriteConditions({}, &current).ok());
  EXPECT_TRUE(CheckWriteConditions({.if_none_match = "*"}, nullptr).ok());
  EXPECT_EQ(CheckWriteConditions({.if_none_match = "*"}, &current).code(),
            s3::kPreconditionFailed);
  EXPECT_EQ(CheckWriteConditions({.if_none_match = "\"etag\""}, nullptr),
            Status(s3::kNotImplemented,
                   "A header you provided implies functionality that is not "
                   "implemented"));
  EXPECT_TRUE(CheckWriteConditions({.if_match = "\"etag\""}, &current).ok());
  EXPECT_EQ(CheckWriteConditions({.if_match = "other"}, &current).code(),
            s3::kPreconditionFailed);
  EXPECT_EQ(CheckWriteConditions({.if_match = "etag"}, nullptr),
            Status(s3::kNoSuchKey, "The specified key does not exist."));
}

// --- Digests
// -------------------------------------------------------------------

TEST(DigestChecksTest, ContentMd5) {
  // base64 of MD5("hello"): 5d41402abc4b2a76b9719d911017c592.
  EXPECT_TRUE(CheckContentMd5("XUFAKrxLKna5cZ2REBfFkg==", "hello").ok());
  EXPECT_EQ(CheckContentMd5("XUFAKrxLKna5cZ2REBfFkg==", "hellO").code(),
            s3::kBadDigest);
  EXPECT_EQ(CheckContentMd5("XUFAKrxLKna5cZ2REBfF", "hello").code(),
            s3::kInvalidDigest);
  EXPECT_EQ(CheckContentMd5("", "").code(), s3::kInvalidDigest);
}

TEST(DigestChecksTest, AdditionalChecksums) {
  ObjectChecksum crc{ChecksumAlgorithm::kCrc32, "DUoRhQ=="};
  EXPECT_TRUE(CheckChecksum(crc, "hello world").ok());
  EXPECT_EQ(CheckChecksum(crc, "hello world!"),
            Status(s3::kBadDigest,
                   "The CRC32 you specified did not match the calculated "
                   "checksum."));
  ObjectChecksum sized{ChecksumAlgorithm::kCrc64Nvme, "DUoRhQ=="};
  EXPECT_EQ(CheckChecksum(sized, "hello world"),
            Status(s3::kInvalidRequest,
                   "Value for x-amz-checksum-crc64nvme header is invalid."));
}

TEST(DigestChecksTest, FindChecksumAmongHeadersOrTrailers) {
  using Fields = std::map<std::string, std::string>;
  auto none = FindChecksum(Fields{{"content-type", "text/plain"},
                                  {"x-amz-checksum-algorithm", "CRC32"},
                                  {"x-amz-checksum-mode", "ENABLED"},
                                  {"x-amz-checksum-type", "COMPOSITE"}});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto one = FindChecksum(Fields{{"x-amz-checksum-crc32", "DUoRhQ=="},
                                 {"x-amz-trailer-signature", "abc"}});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(**one, (ObjectChecksum{ChecksumAlgorithm::kCrc32, "DUoRhQ=="}));
  EXPECT_EQ(FindChecksum(Fields{{"x-amz-checksum-crc32", "a"},
                                {"x-amz-checksum-sha256", "b"}})
                .status(),
            Status(s3::kInvalidRequest,
                   "Expecting a single x-amz-checksum- header. Multiple "
                   "checksum Types are not allowed."));
  EXPECT_EQ(FindChecksum(Fields{{"x-amz-checksum-xxhash64", "a"}}).status(),
            Status(s3::kInvalidRequest,
                   "Value for x-amz-checksum-xxhash64 header is invalid."));
}

}  // namespace
}  // namespace fanlab::services
