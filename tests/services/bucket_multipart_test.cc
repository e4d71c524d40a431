// BucketService's multipart uploads (emulator/services/bucket_service.h):
// the ETag and checksum of a completed object, every rule of
// CompleteMultipartUpload on both sides, the bounds on open uploads and
// their bytes, the listings and their paging, and a restart over a data
// dir. On a VirtualClock; no sleeps.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "emulator/core/base64.h"
#include "emulator/core/checksum.h"
#include "emulator/core/digest.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

const std::string kBig(kMinPartBytes, 'a');  // the smallest non-last part

std::string RawMd5(std::string_view data) {
  Md5Digest d = Md5(data);
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

class Counter : public ServiceObserver {
 public:
  void OnServiceEvent(const ServiceEvent& e) override {
    kinds.push_back(std::string(e.kind));
  }
  std::vector<std::string> kinds;
};

class MultipartTest : public ::testing::Test {
 protected:
  MultipartTest() : MultipartTest(BucketServiceOptions{}) {}
  explicit MultipartTest(BucketServiceOptions options)
      : svc_(clock_, std::move(options)) {
    EXPECT_TRUE(svc_.CreateBucket("bkt").ok());
    svc_.SetObserver(&events_);
  }

  std::string Start(std::string key = "obj",
                    std::optional<ChecksumAlgorithm> algorithm = std::nullopt,
                    std::optional<ChecksumType> type = std::nullopt) {
    auto r = svc_.CreateMultipartUpload({.bucket = "bkt",
                                         .key = std::move(key),
                                         .checksum_algorithm = algorithm,
                                         .checksum_type = type});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->upload_id : "";
  }
  Result<PartMeta> Part(const std::string& id, int number, std::string body,
                        std::string key = "obj") {
    return svc_.UploadPart({.bucket = "bkt",
                            .key = std::move(key),
                            .upload_id = id,
                            .part_number = number,
                            .body = std::move(body)});
  }
  Result<ObjectInfo> Complete(const std::string& id,
                              std::vector<CompletedPart> parts,
                              std::string key = "obj") {
    return svc_.CompleteMultipartUpload({.bucket = "bkt",
                                         .key = std::move(key),
                                         .upload_id = id,
                                         .parts = std::move(parts)});
  }
  static CompletedPart Listed(const PartMeta& p) {
    return {p.part_number, "\"" + p.etag + "\"", ""};
  }

  VirtualClock clock_;
  BucketService svc_;
  Counter events_;
};

TEST_F(MultipartTest, CompletedObjectJoinsThePartsWithS3sETag) {
  std::string id = Start();
  clock_.Advance(seconds(3));
  auto p1 = Part(id, 1, kBig);
  auto p2 = Part(id, 2, "tail");
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_EQ(p1->etag, Md5Hex(kBig));
  EXPECT_EQ(p2->size, 4u);
  EXPECT_EQ(svc_.OpenUploadCount(), 1u);
  EXPECT_EQ(svc_.UploadBytes(), kBig.size() + 4);
  EXPECT_TRUE(events_.kinds.empty());  // parts publish nothing

  clock_.Advance(seconds(2));
  auto done = Complete(id, {Listed(*p1), Listed(*p2)});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->meta.etag, Md5Hex(RawMd5(kBig) + RawMd5("tail")) + "-2");
  EXPECT_EQ(done->meta.size, kBig.size() + 4);
  EXPECT_EQ(done->meta.last_modified, VirtualClock::kDefaultStart + seconds(5));
  EXPECT_EQ(*svc_.GetObjectBody("bkt", "obj"), kBig + "tail");
  // No algorithm asked for: CRC64NVME of the whole object, as S3 does.
  ASSERT_TRUE(done->meta.checksum.has_value());
  EXPECT_EQ(
      *done->meta.checksum,
      (ObjectChecksum{ChecksumAlgorithm::kCrc64Nvme,
                      Checksum(ChecksumAlgorithm::kCrc64Nvme, kBig + "tail"),
                      ChecksumType::kFullObject}));
  EXPECT_EQ(events_.kinds, std::vector<std::string>{"ObjectPut"});
  EXPECT_EQ(svc_.OpenUploadCount(), 0u);
  EXPECT_EQ(svc_.UploadBytes(), 0u);
  EXPECT_EQ(Part(id, 3, "x").status().code(), s3::kNoSuchUpload);
  EXPECT_EQ(Complete(id, {Listed(*p1)}).status().code(), s3::kNoSuchUpload);
}

TEST_F(MultipartTest, OnePartUploadAndUnlistedPartsAreDropped) {
  std::string id = Start();
  auto p1 = Part(id, 1, "small");
  auto p7 = Part(id, 7, "never listed");
  ASSERT_TRUE(p1.ok() && p7.ok());
  auto done = Complete(id, {Listed(*p1)});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->meta.etag, Md5Hex(RawMd5("small")) + "-1");
  EXPECT_EQ(*svc_.GetObjectBody("bkt", "obj"), "small");
  EXPECT_EQ(svc_.UploadBytes(), 0u);
}

TEST_F(MultipartTest, PartNumbersRunFromOneTo10000) {
  std::string id = Start();
  EXPECT_TRUE(Part(id, 1, "a").ok());
  EXPECT_TRUE(Part(id, 10000, "b").ok());
  for (int bad : {0, -1, 10001}) {
    EXPECT_EQ(Part(id, bad, "c").status(),
              Status(s3::kInvalidArgument,
                     "Part number must be an integer between 1 and 10000, "
                     "inclusive"))
        << bad;
  }
}

TEST_F(MultipartTest, AReplacedPartIsTheOneUsed) {
  std::string id = Start();
  ASSERT_TRUE(Part(id, 1, "first").ok());
  auto again = Part(id, 1, "second!");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(svc_.UploadBytes(), 7u);
  auto stale = Complete(id, {{1, Md5Hex("first"), ""}});
  EXPECT_EQ(stale.status().code(), s3::kInvalidPart);
  ASSERT_TRUE(Complete(id, {Listed(*again)}).ok());
  EXPECT_EQ(*svc_.GetObjectBody("bkt", "obj"), "second!");
}

TEST_F(MultipartTest, CompleteNeedsPartsInStrictlyAscendingOrder) {
  std::string id = Start();
  auto p1 = Part(id, 1, kBig);
  auto p2 = Part(id, 2, "b");
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_EQ(Complete(id, {}).status(),
            Status(s3::kMalformedXML,
                   "The XML you provided was not well-formed or did not "
                   "validate against our published schema"));
  EXPECT_EQ(Complete(id, {Listed(*p2), Listed(*p1)}).status(),
            Status(s3::kInvalidPartOrder,
                   "The list of parts was not in ascending order. Parts must "
                   "be ordered by part number."));
  EXPECT_EQ(Complete(id, {Listed(*p1), Listed(*p1)}).status().code(),
            s3::kInvalidPartOrder);
  // A refused completion leaves the upload as it was.
  EXPECT_EQ(svc_.OpenUploadCount(), 1u);
  EXPECT_TRUE(Complete(id, {Listed(*p1), Listed(*p2)}).ok());
}

TEST_F(MultipartTest, CompleteNeedsEveryListedPartWithItsETag) {
  std::string id = Start("obj", ChecksumAlgorithm::kCrc32);
  auto p1 = Part(id, 1, "a");
  ASSERT_TRUE(p1.ok());
  Status invalid_part(s3::kInvalidPart,
                      "One or more of the specified parts could not be found. "
                      "The part may not have been uploaded, or the specified "
                      "entity tag may not match the part's entity tag.");
  EXPECT_EQ(Complete(id, {{2, p1->etag, ""}}).status(), invalid_part);
  EXPECT_EQ(Complete(id, {{1, Md5Hex("b"), ""}}).status(), invalid_part);
  EXPECT_EQ(Complete(id, {{1, p1->etag, "AAAAAA=="}}).status(), invalid_part);
  // Quoted or not, the same ETag.
  EXPECT_TRUE(Complete(id, {{1, p1->etag, ""}}).ok());
}

TEST_F(MultipartTest, EveryPartButTheLastIsAtLeastFiveMiB) {
  std::string small_id = Start("small");
  auto s1 = Part(small_id, 1, std::string(kMinPartBytes - 1, 'a'), "small");
  auto s2 = Part(small_id, 2, "b", "small");
  ASSERT_TRUE(s1.ok() && s2.ok());
  EXPECT_EQ(Complete(small_id, {Listed(*s1), Listed(*s2)}, "small").status(),
            Status(s3::kEntityTooSmall,
                   "Your proposed upload is smaller than the minimum allowed "
                   "object size."));
  // The same part last is fine; exactly 5 MiB before it is fine.
  std::string id = Start();
  auto p1 = Part(id, 1, kBig);
  auto p2 = Part(id, 2, kBig);
  auto p3 = Part(id, 3, "z");
  ASSERT_TRUE(p1.ok() && p2.ok() && p3.ok());
  EXPECT_TRUE(Complete(id, {Listed(*p1), Listed(*p2), Listed(*p3)}).ok());
}

TEST_F(MultipartTest, AnUploadBelongsToItsBucketAndKey) {
  std::string id = Start("obj");
  ASSERT_TRUE(svc_.CreateBucket("other").ok());
  Status no_upload(s3::kNoSuchUpload,
                   "The specified upload does not exist. The upload ID may be "
                   "invalid, or the upload may have been aborted or "
                   "completed.");
  EXPECT_EQ(Part(id, 1, "a", "another-key").status(), no_upload);
  EXPECT_EQ(Part("nope", 1, "a").status(), no_upload);
  EXPECT_EQ(svc_.UploadPart({.bucket = "other",
                             .key = "obj",
                             .upload_id = id,
                             .part_number = 1,
                             .body = "a"})
                .status(),
            no_upload);
  EXPECT_EQ(svc_.UploadPart({.bucket = "missing",
                             .key = "obj",
                             .upload_id = id,
                             .part_number = 1})
                .status()
                .code(),
            s3::kNoSuchBucket);
  EXPECT_EQ(svc_.AbortMultipartUpload("bkt", "another-key", id), no_upload);
  EXPECT_TRUE(svc_.AbortMultipartUpload("bkt", "obj", id).ok());
  EXPECT_EQ(svc_.AbortMultipartUpload("bkt", "obj", id), no_upload);
  EXPECT_EQ(
      svc_.ListParts({.bucket = "bkt", .key = "obj", .upload_id = id}).status(),
      no_upload);
}

TEST_F(MultipartTest, CreateChecksTheKeyAndTheFields) {
  EXPECT_EQ(svc_.CreateMultipartUpload({.bucket = "missing", .key = "k"})
                .status()
                .code(),
            s3::kNoSuchBucket);
  EXPECT_EQ(svc_.CreateMultipartUpload(
                    {.bucket = "bkt", .key = std::string(1025, 'k')})
                .status()
                .code(),
            s3::kKeyTooLongError);
  EXPECT_EQ(svc_.CreateMultipartUpload(
                    {.bucket = "bkt",
                     .key = "k",
                     .metadata = {{"big", std::string(2048, 'v')}}})
                .status()
                .code(),
            s3::kMetadataTooLarge);
  // The object gets the upload's headers and metadata.
  auto up =
      svc_.CreateMultipartUpload({.bucket = "bkt",
                                  .key = "k",
                                  .content_type = "text/csv",
                                  .cache_control = "no-cache",
                                  .expires = "Thu, 01 Jan 2037 00:00:00 GMT",
                                  .metadata = {{"Run", "7"}}});
  ASSERT_TRUE(up.ok());
  auto p = Part(up->upload_id, 1, "x", "k");
  ASSERT_TRUE(p.ok());
  auto done = Complete(up->upload_id, {Listed(*p)}, "k");
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->meta.content_type, "text/csv");
  EXPECT_EQ(done->meta.cache_control, "no-cache");
  EXPECT_EQ(done->meta.expires, "Thu, 01 Jan 2037 00:00:00 GMT");
  EXPECT_EQ(done->meta.metadata,
            (std::map<std::string, std::string>{{"run", "7"}}));
}

// --- Checksums -------------------------------------------------------------

TEST_F(MultipartTest, CompositeChecksumIsTheChecksumOfThePartChecksums) {
  std::string id = Start("obj", ChecksumAlgorithm::kCrc32);
  auto p1 = Part(id, 1, kBig);
  auto p2 = Part(id, 2, "tail");
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_EQ(p1->checksum, Checksum(ChecksumAlgorithm::kCrc32, kBig));
  auto done = Complete(id, {{1, p1->etag, p1->checksum}, Listed(*p2)});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  std::string raw = ChecksumDigest(ChecksumAlgorithm::kCrc32, kBig) +
                    ChecksumDigest(ChecksumAlgorithm::kCrc32, "tail");
  EXPECT_EQ(*done->meta.checksum,
            (ObjectChecksum{ChecksumAlgorithm::kCrc32,
                            Checksum(ChecksumAlgorithm::kCrc32, raw) + "-2",
                            ChecksumType::kComposite}));
}

TEST_F(MultipartTest, FullObjectChecksumCoversTheWholeObject) {
  std::string id =
      Start("obj", ChecksumAlgorithm::kCrc32c, ChecksumType::kFullObject);
  auto p1 = Part(id, 1, kBig);
  auto p2 = Part(id, 2, "tail");
  ASSERT_TRUE(p1.ok() && p2.ok());
  auto done = Complete(id, {Listed(*p1), Listed(*p2)});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->meta.checksum->value,
            Checksum(ChecksumAlgorithm::kCrc32c, kBig + "tail"));
  EXPECT_EQ(done->meta.checksum->type, ChecksumType::kFullObject);
  // CRC64NVME is FULL_OBJECT by default.
  std::string id64 = Start("o64", ChecksumAlgorithm::kCrc64Nvme);
  auto q = Part(id64, 1, "abc", "o64");
  ASSERT_TRUE(q.ok());
  auto done64 = Complete(id64, {Listed(*q)}, "o64");
  ASSERT_TRUE(done64.ok());
  EXPECT_EQ(done64->meta.checksum->value,
            Checksum(ChecksumAlgorithm::kCrc64Nvme, "abc"));
}

TEST_F(MultipartTest, ChecksumTypeMustSuitTheAlgorithm) {
  auto create = [this](std::optional<ChecksumAlgorithm> a,
                       std::optional<ChecksumType> t) {
    return svc_
        .CreateMultipartUpload({.bucket = "bkt",
                                .key = "k",
                                .checksum_algorithm = a,
                                .checksum_type = t})
        .status();
  };
  EXPECT_EQ(create(ChecksumAlgorithm::kCrc64Nvme, ChecksumType::kComposite),
            Status(s3::kInvalidRequest,
                   "The COMPOSITE checksum type cannot be used with the "
                   "crc64nvme checksum algorithm."));
  EXPECT_EQ(
      create(ChecksumAlgorithm::kSha256, ChecksumType::kFullObject).code(),
      s3::kInvalidRequest);
  EXPECT_EQ(
      create(ChecksumAlgorithm::kSha512, ChecksumType::kFullObject).code(),
      s3::kInvalidRequest);
  EXPECT_EQ(create(std::nullopt, ChecksumType::kFullObject).code(),
            s3::kInvalidRequest);
  EXPECT_TRUE(
      create(ChecksumAlgorithm::kSha256, ChecksumType::kComposite).ok());
  EXPECT_TRUE(
      create(ChecksumAlgorithm::kCrc32, ChecksumType::kFullObject).ok());
  EXPECT_TRUE(create(ChecksumAlgorithm::kCrc64Nvme, std::nullopt).ok());
}

TEST_F(MultipartTest, PartChecksumsAreVerified) {
  std::string id = Start("obj", ChecksumAlgorithm::kSha256);
  auto with = [&](ObjectChecksum c) {
    return svc_
        .UploadPart({.bucket = "bkt",
                     .key = "obj",
                     .upload_id = id,
                     .part_number = 1,
                     .body = "data",
                     .checksum = std::move(c)})
        .status();
  };
  EXPECT_TRUE(with({ChecksumAlgorithm::kSha256,
                    Checksum(ChecksumAlgorithm::kSha256, "data")})
                  .ok());
  EXPECT_EQ(with({ChecksumAlgorithm::kSha256,
                  Checksum(ChecksumAlgorithm::kSha256, "other")}),
            Status(s3::kBadDigest,
                   "The SHA256 you specified did not match the calculated "
                   "checksum."));
  EXPECT_EQ(with({ChecksumAlgorithm::kCrc32,
                  Checksum(ChecksumAlgorithm::kCrc32, "data")}),
            Status(s3::kInvalidRequest,
                   "Checksum Type mismatch occurred, expected checksum Type: "
                   "sha256, actual checksum Type: crc32"));
  auto md5 = svc_.UploadPart({.bucket = "bkt",
                              .key = "obj",
                              .upload_id = id,
                              .part_number = 2,
                              .body = "data",
                              .content_md5 = Base64Encode(RawMd5("x"))});
  EXPECT_EQ(md5.status().code(), s3::kBadDigest);
}

// What an SDK does when it checksums parts of an upload created without an
// algorithm: each part's checksum is verified, and listing it is no error.
TEST_F(MultipartTest, PartChecksumsOfAnUploadWithoutAlgorithm) {
  std::string id = Start();
  auto part = [&](std::string value) {
    return svc_.UploadPart(
        {.bucket = "bkt",
         .key = "obj",
         .upload_id = id,
         .part_number = 1,
         .body = "data",
         .checksum = ObjectChecksum{ChecksumAlgorithm::kCrc32, value}});
  };
  EXPECT_EQ(part("AAAAAA==").status().code(), s3::kBadDigest);
  std::string crc = Checksum(ChecksumAlgorithm::kCrc32, "data");
  auto p = part(crc);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->checksum, "");
  auto done = Complete(id, {{1, p->etag, crc}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->meta.checksum->algorithm, ChecksumAlgorithm::kCrc64Nvme);
}

TEST_F(MultipartTest, AWholeObjectChecksumSentWithCompleteIsVerified) {
  std::string id = Start("obj", ChecksumAlgorithm::kCrc32);
  auto p = Part(id, 1, "abc");
  ASSERT_TRUE(p.ok());
  std::string right =
      Checksum(ChecksumAlgorithm::kCrc32,
               ChecksumDigest(ChecksumAlgorithm::kCrc32, "abc")) +
      "-1";
  CompleteMultipartUploadRequest req{
      .bucket = "bkt", .key = "obj", .upload_id = id, .parts = {Listed(*p)}};
  req.checksum = ObjectChecksum{ChecksumAlgorithm::kCrc32, "AAAAAA==-1",
                                ChecksumType::kComposite};
  EXPECT_EQ(svc_.CompleteMultipartUpload(req).status().code(), s3::kBadDigest);
  req.checksum->value = right;
  EXPECT_TRUE(svc_.CompleteMultipartUpload(req).ok());
}

TEST_F(MultipartTest, AnExpectedObjectSizeMustMatch) {
  std::string id = Start();
  auto p = Part(id, 1, "abcd");
  ASSERT_TRUE(p.ok());
  CompleteMultipartUploadRequest req{.bucket = "bkt",
                                     .key = "obj",
                                     .upload_id = id,
                                     .parts = {Listed(*p)},
                                     .mpu_object_size = 5};
  EXPECT_EQ(svc_.CompleteMultipartUpload(req).status(),
            Status(s3::kInvalidRequest,
                   "The provided MpuObjectSize 5 does not match the object's "
                   "size 4."));
  req.mpu_object_size = 4;
  EXPECT_TRUE(svc_.CompleteMultipartUpload(req).ok());
}

TEST_F(MultipartTest, CompleteHonoursWriteConditions) {
  ASSERT_TRUE(
      svc_.PutObject({.bucket = "bkt", .key = "obj", .body = "x"}).ok());
  std::string id = Start();
  auto p = Part(id, 1, "new");
  ASSERT_TRUE(p.ok());
  CompleteMultipartUploadRequest req{.bucket = "bkt",
                                     .key = "obj",
                                     .upload_id = id,
                                     .parts = {Listed(*p)},
                                     .conditions = {.if_none_match = "*"}};
  EXPECT_EQ(svc_.CompleteMultipartUpload(req).status().code(),
            s3::kPreconditionFailed);
  EXPECT_EQ(svc_.OpenUploadCount(), 1u);
  req.conditions = {.if_match = Md5Hex("x")};
  EXPECT_TRUE(svc_.CompleteMultipartUpload(req).ok());
}

// --- Bounds ----------------------------------------------------------------

class MultipartLimitsTest : public MultipartTest {
 protected:
  MultipartLimitsTest()
      : MultipartTest({.max_open_uploads = 2, .max_upload_bytes = 10}) {}
};

TEST_F(MultipartLimitsTest, OpenUploadsAreCapped) {
  std::string a = Start("a");
  Start("b");
  auto third = svc_.CreateMultipartUpload({.bucket = "bkt", .key = "c"});
  EXPECT_EQ(third.status(),
            Status(s3::kInvalidRequest,
                   "fanlab holds at most 2 unfinished multipart uploads; "
                   "complete or abort one first."));
  ASSERT_TRUE(svc_.AbortMultipartUpload("bkt", "a", a).ok());
  EXPECT_TRUE(svc_.CreateMultipartUpload({.bucket = "bkt", .key = "c"}).ok());
}

TEST_F(MultipartLimitsTest, BytesInUnfinishedPartsAreCapped) {
  std::string a = Start("a");
  std::string b = Start("b");
  ASSERT_TRUE(Part(a, 1, "123456", "a").ok());
  ASSERT_TRUE(Part(b, 1, "1234", "b").ok());  // exactly 10
  EXPECT_EQ(svc_.UploadBytes(), 10u);
  EXPECT_EQ(Part(b, 2, "x", "b").status(),
            Status(s3::kEntityTooLarge,
                   "fanlab holds at most 10 bytes of unfinished multipart "
                   "uploads; complete or abort one first."));
  // Replacing a part frees its old bytes first.
  EXPECT_TRUE(Part(b, 1, "abcd", "b").ok());
  EXPECT_EQ(Part(b, 1, "abcde", "b").status().code(), s3::kEntityTooLarge);
  ASSERT_TRUE(svc_.AbortMultipartUpload("bkt", "a", a).ok());
  EXPECT_EQ(svc_.UploadBytes(), 4u);
  EXPECT_TRUE(Part(b, 2, "123456", "b").ok());
}

TEST_F(MultipartLimitsTest, DeletingABucketAbortsItsUploads) {
  std::string a = Start("a");
  ASSERT_TRUE(Part(a, 1, "123", "a").ok());
  EXPECT_TRUE(svc_.DeleteBucket("bkt").ok());
  EXPECT_EQ(svc_.OpenUploadCount(), 0u);
  EXPECT_EQ(svc_.UploadBytes(), 0u);
}

// --- Listings --------------------------------------------------------------

TEST_F(MultipartTest, ListPartsPagesInPartNumberOrder) {
  std::string id = Start("obj", ChecksumAlgorithm::kCrc32);
  for (int n : {5, 1, 3, 2, 4}) {
    ASSERT_TRUE(Part(id, n, std::string(static_cast<size_t>(n), 'x')).ok());
  }
  std::vector<int> seen;
  int marker = 0;
  int pages = 0;
  while (true) {
    auto r = svc_.ListParts({.bucket = "bkt",
                             .key = "obj",
                             .upload_id = id,
                             .max_parts = 2,
                             .part_number_marker = marker});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ++pages;
    EXPECT_EQ(r->upload.checksum_algorithm, ChecksumAlgorithm::kCrc32);
    for (const PartMeta& p : r->parts) {
      seen.push_back(p.part_number);
      EXPECT_EQ(p.size, static_cast<uint64_t>(p.part_number));
      EXPECT_FALSE(p.checksum.empty());
    }
    if (!r->is_truncated) break;
    marker = r->next_part_number_marker;
  }
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(pages, 3);
  auto all = svc_.ListParts({.bucket = "bkt", .key = "obj", .upload_id = id});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->parts.size(), 5u);
  EXPECT_FALSE(all->is_truncated);
  EXPECT_EQ(all->max_parts, 1000);
  EXPECT_EQ(
      svc_.ListParts(
              {.bucket = "bkt", .key = "obj", .upload_id = id, .max_parts = -1})
          .status()
          .code(),
      s3::kInvalidArgument);
}

TEST_F(MultipartTest, ListUploadsByKeyThenTimeWithPrefixesAndPages) {
  std::string b1 = Start("b");
  clock_.Advance(seconds(1));
  std::string a1 = Start("a");
  clock_.Advance(seconds(1));
  std::string b2 = Start("b");
  Start("dir/x");
  Start("dir/y");
  Start("z");

  auto all = svc_.ListMultipartUploads({.bucket = "bkt"});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> ids;
  for (const auto& u : all->uploads) ids.push_back(u.key + ":" + u.upload_id);
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids[0], "a:" + a1);
  EXPECT_EQ(ids[1], "b:" + b1);  // the older upload of "b" first
  EXPECT_EQ(ids[2], "b:" + b2);

  auto rolled = svc_.ListMultipartUploads(
      {.bucket = "bkt", .delimiter = "/", .max_uploads = 4});
  ASSERT_TRUE(rolled.ok());
  EXPECT_EQ(rolled->uploads.size(), 3u);
  EXPECT_EQ(rolled->common_prefixes, std::vector<std::string>{"dir/"});
  EXPECT_TRUE(rolled->is_truncated);
  auto rest = svc_.ListMultipartUploads(
      {.bucket = "bkt",
       .delimiter = "/",
       .key_marker = rolled->next_key_marker,
       .upload_id_marker = rolled->next_upload_id_marker});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->uploads.size(), 1u);
  EXPECT_EQ(rest->uploads[0].key, "z");
  EXPECT_FALSE(rest->is_truncated);

  // Paging one at a time visits every upload once.
  std::vector<std::string> paged;
  ListMultipartUploadsRequest req{.bucket = "bkt", .max_uploads = 1};
  for (int guard = 0; guard < 10; ++guard) {
    auto page = svc_.ListMultipartUploads(req);
    ASSERT_TRUE(page.ok());
    for (const auto& u : page->uploads) {
      paged.push_back(u.key + ":" + u.upload_id);
    }
    if (!page->is_truncated) break;
    req.key_marker = page->next_key_marker;
    req.upload_id_marker = page->next_upload_id_marker;
  }
  EXPECT_EQ(paged, ids);

  auto prefixed = svc_.ListMultipartUploads({.bucket = "bkt", .prefix = "d"});
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ(prefixed->uploads.size(), 2u);
  auto after_b =
      svc_.ListMultipartUploads({.bucket = "bkt", .key_marker = "b"});
  ASSERT_TRUE(after_b.ok());
  EXPECT_EQ(after_b->uploads.front().key, "dir/x");
  EXPECT_EQ(svc_.ListMultipartUploads({.bucket = "bkt", .max_uploads = -1})
                .status()
                .code(),
            s3::kInvalidArgument);
  EXPECT_EQ(svc_.ListMultipartUploads({.bucket = "nope"}).status().code(),
            s3::kNoSuchBucket);
}

// --- On disk ---------------------------------------------------------------

class MultipartDiskTest : public ::testing::Test {
 protected:
  MultipartDiskTest() {
    std::string tmpl = (fs::temp_directory_path() / "fanlab-mpu-XXXXXX");
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  ~MultipartDiskTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::unique_ptr<BucketService> Open() {
    auto s = BucketService::Open(clock_, {.data_dir = dir_.string()});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  VirtualClock clock_;
  fs::path dir_;
};

TEST_F(MultipartDiskTest, UploadsAndPartsSurviveARestart) {
  std::string id, aborted;
  PartMeta p1;
  {
    auto svc = Open();
    ASSERT_NE(svc, nullptr);
    ASSERT_TRUE(svc->CreateBucket("bkt").ok());
    auto up = svc->CreateMultipartUpload(
        {.bucket = "bkt",
         .key = "big/file",
         .content_type = "text/plain",
         .metadata = {{"a", "b"}},
         .checksum_algorithm = ChecksumAlgorithm::kSha1});
    ASSERT_TRUE(up.ok());
    id = up->upload_id;
    auto part = svc->UploadPart({.bucket = "bkt",
                                 .key = "big/file",
                                 .upload_id = id,
                                 .part_number = 1,
                                 .body = kBig});
    ASSERT_TRUE(part.ok());
    p1 = *part;
    auto other = svc->CreateMultipartUpload({.bucket = "bkt", .key = "gone"});
    ASSERT_TRUE(other.ok());
    aborted = other->upload_id;
    ASSERT_TRUE(svc->AbortMultipartUpload("bkt", "gone", aborted).ok());
  }
  EXPECT_FALSE(fs::exists(dir_ / "s3" / "bkt" / "uploads" / aborted));
  EXPECT_TRUE(fs::exists(dir_ / "s3" / "bkt" / "uploads" / id / "1.part"));

  auto svc = Open();
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(svc->OpenUploadCount(), 1u);
  EXPECT_EQ(svc->UploadBytes(), kBig.size());
  auto parts =
      svc->ListParts({.bucket = "bkt", .key = "big/file", .upload_id = id});
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->parts.size(), 1u);
  EXPECT_EQ(parts->parts[0], p1);
  EXPECT_EQ(parts->upload.checksum_algorithm, ChecksumAlgorithm::kSha1);
  // A new upload never reuses a reloaded id.
  auto fresh = svc->CreateMultipartUpload({.bucket = "bkt", .key = "n"});
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->upload_id, id);

  auto p2 = svc->UploadPart({.bucket = "bkt",
                             .key = "big/file",
                             .upload_id = id,
                             .part_number = 2,
                             .body = "end"});
  ASSERT_TRUE(p2.ok());
  auto done = svc->CompleteMultipartUpload(
      {.bucket = "bkt",
       .key = "big/file",
       .upload_id = id,
       .parts = {{1, p1.etag, ""}, {2, p2->etag, ""}}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(fs::exists(dir_ / "s3" / "bkt" / "uploads" / id));

  // And the completed object, with its checksum, survives a restart too.
  svc.reset();
  svc = Open();
  ASSERT_NE(svc, nullptr);
  auto head = svc->HeadObject({"bkt", "big/file"});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->meta, done->meta);
  EXPECT_EQ(head->meta.content_type, "text/plain");
  EXPECT_EQ(head->meta.checksum->type, ChecksumType::kComposite);
  EXPECT_EQ(*svc->GetObjectBody("bkt", "big/file"), kBig + "end");
  EXPECT_EQ(svc->OpenUploadCount(), 1u);  // "n"
}

}  // namespace
}  // namespace fanlab::services
