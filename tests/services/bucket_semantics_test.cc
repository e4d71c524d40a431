// BucketService beyond single puts and gets (emulator/services/
// bucket_service.h): CopyObject, DeleteObjects, conditional reads and
// writes, Content-MD5 and additional checksums, the content headers and
// user metadata an object keeps. Each rule checked on both sides. On a
// VirtualClock; no sleeps.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emulator/core/base64.h"
#include "emulator/core/checksum.h"
#include "emulator/core/digest.h"
#include "emulator/services/aws_chunked.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

using std::chrono::seconds;

std::string Md5Base64(std::string_view data) {
  Md5Digest d = Md5(data);
  return Base64Encode(
      std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

class SemanticsTest : public ::testing::Test {
 protected:
  SemanticsTest() {
    EXPECT_TRUE(svc_.CreateBucket("src").ok());
    EXPECT_TRUE(svc_.CreateBucket("dst").ok());
  }
  ObjectInfo Put(PutObjectRequest req) {
    auto r = svc_.PutObject(std::move(req));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ObjectInfo{};
  }
  ObjectInfo Put(std::string bucket, std::string key, std::string body) {
    return Put({.bucket = std::move(bucket),
                .key = std::move(key),
                .body = std::move(body)});
  }

  VirtualClock clock_;
  BucketService svc_{clock_};
};

// --- CopyObject ------------------------------------------------------------

TEST_F(SemanticsTest, CopyKeepsTheSourcesHeadersAndMetadataByDefault) {
  Put({.bucket = "src",
       .key = "a",
       .body = "payload",
       .content_type = "text/plain",
       .content_language = "en",
       .metadata = {{"Owner", "me"}},
       .expires = "Wed, 21 Oct 2037 07:28:00 GMT"});
  clock_.Advance(seconds(9));
  auto copy = svc_.CopyObject(
      {.source_bucket = "src", .source_key = "a", .bucket = "dst", .key = "b"});
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(copy->meta.etag, Md5Hex("payload"));
  EXPECT_EQ(copy->meta.last_modified, VirtualClock::kDefaultStart + seconds(9));
  EXPECT_EQ(copy->meta.content_type, "text/plain");
  EXPECT_EQ(copy->meta.content_language, "en");
  EXPECT_EQ(copy->meta.expires, "Wed, 21 Oct 2037 07:28:00 GMT");
  EXPECT_EQ(copy->meta.metadata,
            (std::map<std::string, std::string>{{"owner", "me"}}));
  EXPECT_EQ(*svc_.GetObjectBody("dst", "b"), "payload");
  EXPECT_EQ(*svc_.GetObjectBody("src", "a"), "payload");
}

TEST_F(SemanticsTest, CopyWithReplaceTakesTheRequestsHeaders) {
  Put({.bucket = "src",
       .key = "a",
       .body = "x",
       .content_type = "text/plain",
       .metadata = {{"old", "1"}}});
  auto copy =
      svc_.CopyObject({.source_bucket = "src",
                       .source_key = "a",
                       .bucket = "dst",
                       .key = "b",
                       .metadata_directive = MetadataDirective::kReplace,
                       .metadata = {{"New", "2"}}});
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->meta.content_type, kDefaultContentType);
  EXPECT_EQ(copy->meta.metadata,
            (std::map<std::string, std::string>{{"new", "2"}}));
  EXPECT_EQ(svc_.CopyObject({.source_bucket = "src",
                             .source_key = "a",
                             .bucket = "dst",
                             .key = "c",
                             .metadata_directive = MetadataDirective::kReplace,
                             .metadata = {{"big", std::string(2048, 'x')}}})
                .status()
                .code(),
            s3::kMetadataTooLarge);
}

TEST_F(SemanticsTest, CopyOntoItselfNeedsReplace) {
  Put("src", "a", "x");
  auto same = svc_.CopyObject(
      {.source_bucket = "src", .source_key = "a", .bucket = "src", .key = "a"});
  EXPECT_EQ(same.status(),
            Status(s3::kInvalidRequest,
                   "This copy request is illegal because it is trying to "
                   "copy an object to itself without changing the object's "
                   "metadata, storage class, website redirect location or "
                   "encryption attributes."));
  auto replaced =
      svc_.CopyObject({.source_bucket = "src",
                       .source_key = "a",
                       .bucket = "src",
                       .key = "a",
                       .metadata_directive = MetadataDirective::kReplace,
                       .content_type = "text/plain"});
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->meta.content_type, "text/plain");
}

TEST_F(SemanticsTest, CopyErrors) {
  Put("src", "a", "x");
  auto copy = [this](std::string sb, std::string sk, std::string db,
                     std::string dk) {
    return svc_
        .CopyObject({.source_bucket = std::move(sb),
                     .source_key = std::move(sk),
                     .bucket = std::move(db),
                     .key = std::move(dk)})
        .status()
        .code();
  };
  EXPECT_EQ(copy("nope", "a", "dst", "b"), s3::kNoSuchBucket);
  EXPECT_EQ(copy("src", "a", "nope", "b"), s3::kNoSuchBucket);
  EXPECT_EQ(copy("src", "missing", "dst", "b"), s3::kNoSuchKey);
  EXPECT_EQ(copy("src", "a", "dst", std::string(1025, 'k')),
            s3::kKeyTooLongError);
  EXPECT_EQ(svc_.ObjectCount("dst"), 0u);
}

// A multipart object may be larger than one PUT, hence than a copy.
TEST_F(SemanticsTest, CopySourceLargerThanThePutLimitIsRefused) {
  BucketService svc(clock_, {.max_object_bytes = kMinPartBytes});
  ASSERT_TRUE(svc.CreateBucket("bkt").ok());
  const std::string max(kMinPartBytes, 'm');
  ASSERT_TRUE(svc.PutObject({.bucket = "bkt", .key = "max", .body = max}).ok());
  EXPECT_TRUE(svc.CopyObject({.source_bucket = "bkt",
                              .source_key = "max",
                              .bucket = "bkt",
                              .key = "copy"})
                  .ok());
  auto up = svc.CreateMultipartUpload({.bucket = "bkt", .key = "over"});
  ASSERT_TRUE(up.ok());
  auto p1 = svc.UploadPart({.bucket = "bkt",
                            .key = "over",
                            .upload_id = up->upload_id,
                            .part_number = 1,
                            .body = max});
  auto p2 = svc.UploadPart({.bucket = "bkt",
                            .key = "over",
                            .upload_id = up->upload_id,
                            .part_number = 2,
                            .body = "1"});
  ASSERT_TRUE(p1.ok() && p2.ok());
  ASSERT_TRUE(svc.CompleteMultipartUpload(
                     {.bucket = "bkt",
                      .key = "over",
                      .upload_id = up->upload_id,
                      .parts = {{1, p1->etag, ""}, {2, p2->etag, ""}}})
                  .ok());
  EXPECT_EQ(svc.CopyObject({.source_bucket = "bkt",
                            .source_key = "over",
                            .bucket = "bkt",
                            .key = "copy2"})
                .status(),
            Status(s3::kInvalidRequest,
                   "The specified copy source is larger than the maximum "
                   "allowable size for a copy source: 5242880"));
}

TEST_F(SemanticsTest, CopyOfAMultipartObjectGetsAPlainETag) {
  auto up = svc_.CreateMultipartUpload({.bucket = "src", .key = "mp"});
  ASSERT_TRUE(up.ok());
  auto part = svc_.UploadPart({.bucket = "src",
                               .key = "mp",
                               .upload_id = up->upload_id,
                               .part_number = 1,
                               .body = "abc"});
  ASSERT_TRUE(part.ok());
  auto done = svc_.CompleteMultipartUpload({.bucket = "src",
                                            .key = "mp",
                                            .upload_id = up->upload_id,
                                            .parts = {{1, part->etag, ""}}});
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->meta.etag.ends_with("-1"));
  auto copy = svc_.CopyObject({.source_bucket = "src",
                               .source_key = "mp",
                               .bucket = "dst",
                               .key = "mp"});
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->meta.etag, Md5Hex("abc"));
}

TEST_F(SemanticsTest, CopySourceConditionsFailWith412Only) {
  ObjectInfo a = Put("src", "a", "x");  // at kDefaultStart
  auto copy = [this](ReadConditions c) {
    return svc_
        .CopyObject({.source_bucket = "src",
                     .source_key = "a",
                     .bucket = "dst",
                     .key = "b",
                     .source_conditions = std::move(c)})
        .status()
        .code();
  };
  TimePoint t = a.meta.last_modified;
  EXPECT_EQ(copy({.if_match = a.meta.etag}), ErrorCode::kOk);
  EXPECT_EQ(copy({.if_match = "\"nope\""}), s3::kPreconditionFailed);
  EXPECT_EQ(copy({.if_none_match = a.meta.etag}), s3::kPreconditionFailed);
  EXPECT_EQ(copy({.if_none_match = "\"nope\""}), ErrorCode::kOk);
  EXPECT_EQ(copy({.if_modified_since = t}), s3::kPreconditionFailed);
  EXPECT_EQ(copy({.if_modified_since = t - seconds(1)}), ErrorCode::kOk);
  EXPECT_EQ(copy({.if_unmodified_since = t}), ErrorCode::kOk);
  EXPECT_EQ(copy({.if_unmodified_since = t - seconds(1)}),
            s3::kPreconditionFailed);
}

TEST_F(SemanticsTest, CopyDestinationConditions) {
  Put("src", "a", "x");
  ObjectInfo existing = Put("dst", "b", "old");
  auto copy = [this](WriteConditions c) {
    return svc_
        .CopyObject({.source_bucket = "src",
                     .source_key = "a",
                     .bucket = "dst",
                     .key = "b",
                     .conditions = std::move(c)})
        .status()
        .code();
  };
  EXPECT_EQ(copy({.if_none_match = "*"}), s3::kPreconditionFailed);
  EXPECT_EQ(copy({.if_match = "\"other\""}), s3::kPreconditionFailed);
  EXPECT_EQ(*svc_.GetObjectBody("dst", "b"), "old");
  EXPECT_EQ(copy({.if_match = existing.meta.etag}), ErrorCode::kOk);
  EXPECT_EQ(*svc_.GetObjectBody("dst", "b"), "x");
}

// --- DeleteObjects -----------------------------------------------------------

TEST_F(SemanticsTest, DeleteObjectsReportsEachKey) {
  Put("src", "a", "1");
  Put("src", "b", "2");
  auto r = svc_.DeleteObjects(
      {.bucket = "src", .keys = {"a", "missing", std::string(1025, 'k'), "b"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->deleted, (std::vector<std::string>{"a", "missing", "b"}));
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].code, "KeyTooLongError");
  EXPECT_EQ(r->errors[0].message, "Your key is too long");
  EXPECT_EQ(svc_.ObjectCount("src"), 0u);
}

TEST_F(SemanticsTest, DeleteObjectsQuietReportsErrorsOnly) {
  Put("src", "a", "1");
  auto r =
      svc_.DeleteObjects({.bucket = "src", .keys = {"a", ""}, .quiet = true});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->deleted.empty());
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].code, "InvalidArgument");
  EXPECT_EQ(svc_.ObjectCount("src"), 0u);
}

TEST_F(SemanticsTest, DeleteObjectsTakesOneTo1000Keys) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back("k" + std::to_string(i));
  EXPECT_TRUE(svc_.DeleteObjects({.bucket = "src", .keys = keys}).ok());
  keys.push_back("one-too-many");
  Status malformed(s3::kMalformedXML,
                   "The XML you provided was not well-formed or did not "
                   "validate against our published schema");
  EXPECT_EQ(svc_.DeleteObjects({.bucket = "src", .keys = keys}).status(),
            malformed);
  EXPECT_EQ(svc_.DeleteObjects({.bucket = "src"}).status(), malformed);
  EXPECT_EQ(
      svc_.DeleteObjects({.bucket = "nope", .keys = {"a"}}).status().code(),
      s3::kNoSuchBucket);
}

// --- Conditional reads and writes --------------------------------------------

TEST_F(SemanticsTest, ConditionalGetAndHead) {
  ObjectInfo a = Put("src", "a", "hello");
  TimePoint t = a.meta.last_modified;
  auto get = [this](ReadConditions c) {
    GetObjectRequest req{.bucket = "src", .key = "a"};
    req.conditions = std::move(c);
    auto got = svc_.GetObject(req);
    auto head = svc_.HeadObject(req);
    EXPECT_EQ(got.status(), head.status());
    return got.status().code();
  };
  EXPECT_EQ(get({}), ErrorCode::kOk);
  EXPECT_EQ(get({.if_match = "\"" + a.meta.etag + "\""}), ErrorCode::kOk);
  EXPECT_EQ(get({.if_match = "*"}), ErrorCode::kOk);
  EXPECT_EQ(get({.if_match = "\"x\""}), s3::kPreconditionFailed);
  EXPECT_EQ(get({.if_none_match = a.meta.etag}), s3::kNotModified);
  EXPECT_EQ(get({.if_none_match = "\"x\", \"" + a.meta.etag + "\""}),
            s3::kNotModified);
  EXPECT_EQ(get({.if_none_match = "\"x\""}), ErrorCode::kOk);
  EXPECT_EQ(get({.if_modified_since = t}), s3::kNotModified);
  EXPECT_EQ(get({.if_modified_since = t - seconds(1)}), ErrorCode::kOk);
  EXPECT_EQ(get({.if_unmodified_since = t}), ErrorCode::kOk);
  EXPECT_EQ(get({.if_unmodified_since = t - seconds(1)}),
            s3::kPreconditionFailed);
  // S3's documented pairs.
  EXPECT_EQ(
      get({.if_match = a.meta.etag, .if_unmodified_since = t - seconds(1)}),
      ErrorCode::kOk);
  EXPECT_EQ(get({.if_none_match = "\"x\"", .if_modified_since = t}),
            ErrorCode::kOk);
  EXPECT_EQ(
      get({.if_none_match = a.meta.etag, .if_modified_since = t - seconds(1)}),
      s3::kNotModified);
}

TEST_F(SemanticsTest, ConditionsComeBeforeTheRange) {
  ObjectInfo a = Put("src", "a", "hello");
  GetObjectRequest req{.bucket = "src", .key = "a", .range = "bytes=99-"};
  req.conditions.if_match = "\"x\"";
  EXPECT_EQ(svc_.GetObject(req).status().code(), s3::kPreconditionFailed);
  req.conditions.if_match = a.meta.etag;
  EXPECT_EQ(svc_.GetObject(req).status().code(), s3::kInvalidRange);
}

TEST_F(SemanticsTest, PutIfNoneMatchStarOnlyCreates) {
  PutObjectRequest req{.bucket = "src", .key = "a", .body = "first"};
  req.conditions.if_none_match = "*";
  EXPECT_TRUE(svc_.PutObject(req).ok());
  req.body = "second";
  EXPECT_EQ(svc_.PutObject(req).status(),
            Status(s3::kPreconditionFailed,
                   "At least one of the pre-conditions you specified did not "
                   "hold"));
  EXPECT_EQ(*svc_.GetObjectBody("src", "a"), "first");
  req.conditions.if_none_match = "\"some-etag\"";
  EXPECT_EQ(svc_.PutObject(req).status().code(), s3::kNotImplemented);
}

TEST_F(SemanticsTest, PutIfMatchReplacesOnlyThatVersion) {
  PutObjectRequest req{.bucket = "src", .key = "a", .body = "new"};
  req.conditions.if_match = Md5Hex("old");
  EXPECT_EQ(svc_.PutObject(req).status().code(), s3::kNoSuchKey);
  Put("src", "a", "old");
  req.conditions.if_match = "\"" + Md5Hex("other") + "\"";
  EXPECT_EQ(svc_.PutObject(req).status().code(), s3::kPreconditionFailed);
  req.conditions.if_match = "\"" + Md5Hex("old") + "\"";
  EXPECT_TRUE(svc_.PutObject(req).ok());
  EXPECT_EQ(*svc_.GetObjectBody("src", "a"), "new");
}

// --- Content-MD5 and checksums -------------------------------------------

TEST_F(SemanticsTest, ContentMd5IsVerified) {
  PutObjectRequest req{.bucket = "src", .key = "a", .body = "hello"};
  req.content_md5 = Md5Base64("hello");
  EXPECT_TRUE(svc_.PutObject(req).ok());
  req.content_md5 = Md5Base64("other");
  EXPECT_EQ(svc_.PutObject(req).status(),
            Status(s3::kBadDigest,
                   "The Content-MD5 you specified did not match what we "
                   "received."));
  for (const std::string& bad : std::vector<std::string>{
           "", "not base64!", "AAAAAA==", Md5Hex("hello")}) {
    req.content_md5 = bad;
    EXPECT_EQ(svc_.PutObject(req).status(),
              Status(s3::kInvalidDigest,
                     "The Content-MD5 you specified was invalid."))
        << bad;
  }
}

TEST_F(SemanticsTest, AGivenChecksumIsVerifiedKeptAndReturnedOnRequest) {
  PutObjectRequest req{.bucket = "src", .key = "a", .body = "hello world"};
  req.checksum = ObjectChecksum{ChecksumAlgorithm::kCrc32, "DUoRhQ=="};
  ObjectInfo info = Put(req);
  EXPECT_EQ(*info.meta.checksum,
            (ObjectChecksum{ChecksumAlgorithm::kCrc32,
                            "DUoRhQ==", ChecksumType::kFullObject}));

  GetObjectRequest get{.bucket = "src", .key = "a"};
  auto plain = svc_.GetObject(get);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->checksum.has_value());
  get.checksum_mode = true;
  auto enabled = svc_.HeadObject(get);
  ASSERT_TRUE(enabled.ok());
  EXPECT_EQ(enabled->checksum, info.meta.checksum);
  get.range = "bytes=0-1";  // a part of the object has no whole checksum
  auto ranged = svc_.GetObject(get);
  ASSERT_TRUE(ranged.ok());
  EXPECT_FALSE(ranged->checksum.has_value());

  req.checksum->value = "AAAAAA==";
  EXPECT_EQ(svc_.PutObject(req).status(),
            Status(s3::kBadDigest,
                   "The CRC32 you specified did not match the calculated "
                   "checksum."));
  req.checksum->value = "AAAA";
  EXPECT_EQ(svc_.PutObject(req).status(),
            Status(s3::kInvalidRequest,
                   "Value for x-amz-checksum-crc32 header is invalid."));
}

// What the api layer does with an SDK's default PutObject: decode the
// aws-chunked body, take the checksum from its trailers, put.
TEST_F(SemanticsTest, AnAwsChunkedPutWithATrailingChecksum) {
  auto decoded = DecodeAwsChunked(
      "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", 11);
  ASSERT_TRUE(decoded.ok());
  auto checksum = FindChecksum(decoded->trailers);
  ASSERT_TRUE(checksum.ok() && checksum->has_value());
  PutObjectRequest req{.bucket = "src", .key = "a", .body = decoded->data};
  req.checksum = **checksum;
  ObjectInfo info = Put(req);
  EXPECT_EQ(info.meta.checksum->value, "DUoRhQ==");
  // A trailer that does not match the body is BadDigest.
  auto wrong = DecodeAwsChunked(
      "b\r\nhello_world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", 11);
  ASSERT_TRUE(wrong.ok());
  req.body = wrong->data;
  req.checksum = **FindChecksum(wrong->trailers);
  EXPECT_EQ(svc_.PutObject(req).status().code(), s3::kBadDigest);
}

TEST_F(SemanticsTest, WithoutAChecksumOneIsComputed) {
  ObjectInfo plain = Put("src", "a", "data");
  EXPECT_EQ(*plain.meta.checksum,
            (ObjectChecksum{ChecksumAlgorithm::kCrc64Nvme,
                            Checksum(ChecksumAlgorithm::kCrc64Nvme, "data"),
                            ChecksumType::kFullObject}));
  ObjectInfo sha = Put({.bucket = "src",
                        .key = "b",
                        .body = "data",
                        .checksum_algorithm = ChecksumAlgorithm::kSha1});
  EXPECT_EQ(sha.meta.checksum->algorithm, ChecksumAlgorithm::kSha1);
  EXPECT_EQ(sha.meta.checksum->value,
            Checksum(ChecksumAlgorithm::kSha1, "data"));
}

// --- Content headers and user metadata -----------------------------------

TEST_F(SemanticsTest, ContentHeadersAndExpiresAreKept) {
  Put({.bucket = "src",
       .key = "a",
       .body = "x",
       .content_type = "text/html",
       .cache_control = "max-age=1",
       .content_disposition = "attachment; filename=\"a.html\"",
       .content_encoding = "gzip",
       .content_language = "de",
       .expires = "Thu, 01 Dec 2033 16:00:00 GMT"});
  auto head = svc_.HeadObject({"src", "a"});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->meta.content_disposition, "attachment; filename=\"a.html\"");
  EXPECT_EQ(head->meta.expires, "Thu, 01 Dec 2033 16:00:00 GMT");
  EXPECT_EQ(
      svc_.PutObject(
              {.bucket = "src", .key = "b", .expires = std::string("\xff", 1)})
          .status()
          .code(),
      s3::kInvalidArgument);
}

// Found by fuzz/rest_xml_fuzzer: a Content-Type of "\x1ftext/plain" was
// kept, and every GET of the object then had a header it could not send.
TEST_F(SemanticsTest, HeadersWithControlCharactersAreRefused) {
  EXPECT_EQ(
      svc_.PutObject(
              {.bucket = "src", .key = "a", .content_type = "\x1ftext/plain"})
          .status()
          .code(),
      s3::kInvalidArgument);
  EXPECT_EQ(
      svc_.PutObject(
              {.bucket = "src", .key = "a", .metadata = {{"k", "line\nbreak"}}})
          .status()
          .code(),
      s3::kInvalidArgument);
  EXPECT_EQ(
      svc_.PutObject({.bucket = "src", .key = "a", .metadata = {{"a b", "v"}}})
          .status()
          .code(),
      s3::kInvalidArgument);
  EXPECT_TRUE(svc_.PutObject({.bucket = "src",
                              .key = "a",
                              .content_type = "text/plain;\tcharset=utf-8",
                              .metadata = {{"Run-Id", "caf\xc3\xa9"}}})
                  .ok());
}

TEST_F(SemanticsTest, UserMetadataIsAtMostTwoKilobytes) {
  // Names and values together: 2048 bytes pass, 2049 do not.
  std::map<std::string, std::string> fits{{"k", std::string(2047, 'v')}};
  EXPECT_TRUE(
      svc_.PutObject({.bucket = "src", .key = "a", .metadata = fits}).ok());
  std::map<std::string, std::string> over{{"k", std::string(2048, 'v')}};
  EXPECT_EQ(
      svc_.PutObject({.bucket = "src", .key = "a", .metadata = over}).status(),
      Status(s3::kMetadataTooLarge,
             "Your metadata headers exceed the maximum allowed "
             "metadata size."));
}

}  // namespace
}  // namespace fanlab::services
