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
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"

namespace fanlab::services {

// What is recorded about an object besides its bytes: the fields GetObject
// and HeadObject return.
struct ObjectMeta {
  uint64_t size = 0;
  std::string etag;  // lower-case hex MD5 of the body, without quotes
  TimePoint last_modified;
  std::string content_type;
  // Optional system metadata, stored and returned as given ("" = unset).
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  // User-defined metadata (x-amz-meta-*), names lower-cased.
  std::map<std::string, std::string> metadata;

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

// One bucket as Load() finds it, with every object it holds (in no
// particular order).
struct StoredBucket {
  BucketMeta meta;
  std::vector<StoredObject> objects;
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

 private:
  // "<bucket>/<key>": unambiguous, since bucket names hold no '/'.
  static std::string Path(std::string_view bucket, std::string_view key);

  std::unordered_map<std::string, std::string> bodies_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_OBJECT_STORE_H_
