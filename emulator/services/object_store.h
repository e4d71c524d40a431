// ObjectStore: where the bucket service keeps its buckets and objects.
//
// The BucketService owns the index (which buckets exist, which keys each
// holds, and every object's metadata) and all of S3's rules; a store only
// keeps bytes and records so that they can be read back, and hands
// everything back through Load() when a service opens over it. Two stores
// ship: MemoryObjectStore (the default: nothing touches the disk) and
// DiskObjectStore (object_store_disk.h: a data dir that survives a
// restart). A test can wrap either to fail one call.
//
// Callers pass names the service has already validated (bucket names as
// S3 allows them, keys of 1-1024 bytes of UTF-8), and only ask for what
// exists: the service checks its index before it reads or deletes.
// A store must nonetheless never be tricked by a name into touching
// anything outside itself.
//
// Thread safety: none. One engine thread owns the service and its store.
#ifndef FANLAB_EMULATOR_SERVICES_OBJECT_STORE_H_
#define FANLAB_EMULATOR_SERVICES_OBJECT_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emulator/core/checksum.h"
#include "emulator/core/clock.h"
#include "emulator/core/status.h"

namespace fanlab::services {

// How an object's checksum covers it (x-amz-checksum-type): FULL_OBJECT
// is the checksum of the whole body; COMPOSITE (multipart uploads only) is
// the checksum of the parts' checksums, written "<base64>-<parts>".
enum class ChecksumType { kFullObject, kComposite };
// "FULL_OBJECT", "COMPOSITE".
std::string_view ChecksumTypeName(ChecksumType type);

// An additional checksum as S3 keeps and returns it.
struct ObjectChecksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kCrc64Nvme;
  std::string value;  // S3's base64 form (see core/checksum.h)
  ChecksumType type = ChecksumType::kFullObject;

  friend bool operator==(const ObjectChecksum&,
                         const ObjectChecksum&) = default;
};

// What is recorded about an object besides its bytes: the fields GetObject
// and HeadObject return.
struct ObjectMeta {
  uint64_t size = 0;
  // Lower-case hex MD5 of the body, without quotes; for an object completed
  // from a multipart upload, "<hex MD5 of the parts' binary MD5s>-<parts>".
  std::string etag;
  TimePoint last_modified;
  std::string content_type;
  // Optional system metadata, stored and returned as given ("" = unset).
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;  // the Expires header, kept as given
  // User-defined metadata (x-amz-meta-*), names lower-cased.
  std::map<std::string, std::string> metadata;
  // The checksum given at upload, or computed then (CRC64NVME when none
  // was asked for, as S3 does). Unset only for objects stored before
  // fanlab kept checksums.
  std::optional<ObjectChecksum> checksum;

  friend bool operator==(const ObjectMeta&, const ObjectMeta&) = default;
};

struct BucketMeta {
  std::string name;
  TimePoint creation_date;

  friend bool operator==(const BucketMeta&, const BucketMeta&) = default;
};

struct StoredObject {
  std::string key;
  ObjectMeta meta;
};

// An unfinished multipart upload: what CreateMultipartUpload was given.
struct UploadMeta {
  std::string upload_id;  // 1-128 characters of [0-9A-Za-z_-]
  std::string key;
  TimePoint initiated;
  // The object's content headers and user metadata (size, etag and
  // checksum unset): the completed object gets them.
  ObjectMeta object;
  // x-amz-checksum-algorithm; unset: none asked for.
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  ChecksumType checksum_type = ChecksumType::kComposite;

  friend bool operator==(const UploadMeta&, const UploadMeta&) = default;
};

// One uploaded part.
struct PartMeta {
  int part_number = 0;  // 1-10,000
  uint64_t size = 0;
  std::string etag;  // lower-case hex MD5 of the part, without quotes
  TimePoint last_modified;
  // The part's checksum in its upload's algorithm (S3's base64 form), or
  // "" when the upload has none.
  std::string checksum;

  friend bool operator==(const PartMeta&, const PartMeta&) = default;
};

struct StoredUpload {
  UploadMeta meta;
  std::vector<PartMeta> parts;  // in no particular order
};

// One bucket as Load() finds it, with every object and unfinished upload
// it holds (in no particular order).
struct StoredBucket {
  BucketMeta meta;
  std::vector<StoredObject> objects;
  std::vector<StoredUpload> uploads;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Everything the store holds, in no particular order. Called once, when
  // a service opens over the store. Fails when what is stored cannot be
  // read back (a corrupt data dir), rather than serving part of it.
  virtual Result<std::vector<StoredBucket>> Load() = 0;

  // Records a new, empty bucket. REQUIRES: no bucket of that name.
  virtual Status CreateBucket(const BucketMeta& bucket) = 0;
  // Forgets a bucket. REQUIRES: it exists and holds no object.
  virtual Status DeleteBucket(std::string_view bucket) = 0;

  // Creates or replaces `key` in `bucket` with `body` and `meta`, as one
  // change: after a failure the previous object (if any) is intact.
  // REQUIRES: the bucket exists; meta.size == body.size().
  virtual Status PutObject(std::string_view bucket, std::string_view key,
                           const ObjectMeta& meta, std::string body) = 0;

  // `length` bytes of the body from `offset`.
  // REQUIRES: the object exists; offset + length <= its size.
  virtual Result<std::string> ReadObject(std::string_view bucket,
                                         std::string_view key, uint64_t offset,
                                         uint64_t length) const = 0;

  // Removes `key` from `bucket`. REQUIRES: the object exists.
  virtual Status DeleteObject(std::string_view bucket,
                              std::string_view key) = 0;

  // Multipart uploads: parts are kept beside the objects, in the same
  // store, until the upload is completed or aborted.

  // Records a new upload with no parts. REQUIRES: the bucket exists; no
  // upload of that id.
  virtual Status CreateUpload(std::string_view bucket,
                              const UploadMeta& upload) = 0;
  // Creates or replaces part `part.part_number` of an upload, as one
  // change. REQUIRES: the upload exists; part.size == body.size().
  virtual Status PutPart(std::string_view bucket, std::string_view upload_id,
                         const PartMeta& part, std::string body) = 0;
  // A part's whole body. REQUIRES: the part exists.
  virtual Result<std::string> ReadPart(std::string_view bucket,
                                       std::string_view upload_id,
                                       int part_number) const = 0;
  // Forgets an upload and all of its parts. REQUIRES: the upload exists.
  virtual Status DeleteUpload(std::string_view bucket,
                              std::string_view upload_id) = 0;
};

// Bodies in a hash map, records nowhere else: the service's index is the
// only copy of the metadata. Load() of a fresh store is empty.
class MemoryObjectStore final : public ObjectStore {
 public:
  Result<std::vector<StoredBucket>> Load() override;
  Status CreateBucket(const BucketMeta&) override { return Status::Ok(); }
  Status DeleteBucket(std::string_view) override { return Status::Ok(); }
  Status PutObject(std::string_view bucket, std::string_view key,
                   const ObjectMeta& meta, std::string body) override;
  Result<std::string> ReadObject(std::string_view bucket, std::string_view key,
                                 uint64_t offset,
                                 uint64_t length) const override;
  Status DeleteObject(std::string_view bucket, std::string_view key) override;
  Status CreateUpload(std::string_view, const UploadMeta&) override {
    return Status::Ok();
  }
  Status PutPart(std::string_view bucket, std::string_view upload_id,
                 const PartMeta& part, std::string body) override;
  Result<std::string> ReadPart(std::string_view bucket,
                               std::string_view upload_id,
                               int part_number) const override;
  Status DeleteUpload(std::string_view bucket,
                      std::string_view upload_id) override;

 private:
  // "<bucket>/<key>": unambiguous, since bucket names hold no '/'.
  static std::string Path(std::string_view bucket, std::string_view key);

  std::unordered_map<std::string, std::string> bodies_;
  // "<bucket>/<upload id>" -> part number -> body.
  std::unordered_map<std::string, std::map<int, std::string>> parts_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_OBJECT_STORE_H_
