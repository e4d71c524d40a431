// BucketService: Amazon S3's bucket and object semantics, in process, on
// an injected Clock.
//
// One method per action (CreateBucket, DeleteBucket, HeadBucket,
// ListBuckets, PutObject, GetObject, HeadObject, DeleteObject,
// ListObjectsV2), taking and returning plain structs; api/bucket_actions.cc
// maps them onto S3's JSON field names. Failures are Status values with
// S3's error names and messages (NoSuchBucket "The specified bucket does
// not exist", NoSuchKey "The specified key does not exist.", ...).
// docs/services.md lists every behaviour and limit.
//
// The service keeps the index (buckets, keys in UTF-8 byte order, every
// object's metadata) in memory and the bytes in an ObjectStore: memory by
// default, or a DiskObjectStore under `<data_dir>/s3` that a new service
// reloads (Open()). A change reaches the store before the index, so a
// failed write leaves both as they were.
//
// Every change is published to the ServiceObserver (service "s3"):
// BucketCreated, BucketDeleted, ObjectPut (detail {"size", "etag",
// "contentType"}) and ObjectDeleted (detail {"size", "etag"}; only when an
// object was there). Times come from the Clock, truncated to the second as
// S3 keeps them.
//
// Besides the actions, a few direct accessors (GetObjectBody, ListKeys,
// ...) let the harness assert on contents without going through JSON.
//
// Thread safety: none. One engine thread owns the service (DESIGN.md §2).
#ifndef FANLAB_EMULATOR_SERVICES_BUCKET_SERVICE_H_
#define FANLAB_EMULATOR_SERVICES_BUCKET_SERVICE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"
#include "emulator/services/bucket_checks.h"
#include "emulator/services/object_store.h"
#include "emulator/services/service_observer.h"

namespace fanlab::services {

// S3's limit for one PutObject: 5 GiB.
inline constexpr uint64_t kDefaultMaxObjectBytes = uint64_t{5} << 30;
// ListObjectsV2 returns at most this many keys and common prefixes.
inline constexpr int64_t kMaxListKeys = 1000;
// ListBuckets' MaxBuckets: 1 to 10,000 (the default: all).
inline constexpr int64_t kMaxListBuckets = 10000;
// What an object without a ContentType is served as.
inline constexpr std::string_view kDefaultContentType = "binary/octet-stream";

struct BucketServiceOptions {
  // "" keeps everything in memory. Otherwise buckets and objects live under
  // "<data_dir>/s3" (see object_store_disk.h) and survive a restart: use
  // BucketService::Open().
  std::string data_dir;
  // Bodies past this size are refused with EntityTooLarge.
  uint64_t max_object_bytes = kDefaultMaxObjectBytes;
  // What HeadBucket and ListBuckets report as BucketRegion.
  std::string region = "us-east-1";
};

// An object's key and metadata (what ListObjectsV2 and HeadObject show).
struct ObjectInfo {
  std::string key;
  ObjectMeta meta;
};

struct ListBucketsRequest {
  std::string prefix;                  // only names starting with it
  std::optional<int64_t> max_buckets;  // 1-10,000; unset: all
  std::string continuation_token;      // from a previous result
};

struct ListBucketsResult {
  std::vector<BucketMeta> buckets;  // in name order
  // Non-empty when more buckets follow: pass it back to continue.
  std::string continuation_token;
};

struct PutObjectRequest {
  std::string bucket;
  std::string key;
  std::string body;
  std::string content_type;  // "" is binary/octet-stream
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  // User metadata; names are stored lower-cased, as S3 does.
  std::map<std::string, std::string> metadata;
};

struct GetObjectRequest {
  std::string bucket;
  std::string key;
  std::string range;  // an HTTP Range value ("bytes=0-9"), or ""
};

struct GetObjectResult {
  ObjectMeta meta;
  std::string body;  // the bytes served (the range only); "" for HeadObject
  // Set when a range was served: ContentRange is
  // "bytes <first>-<last>/<meta.size>".
  std::optional<ByteRange> range;
  uint64_t content_length = 0;  // bytes served: the range's or meta.size
};

struct ListObjectsV2Request {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::optional<int64_t> max_keys;  // >= 0; unset or past 1000: 1000
  std::string start_after;          // ignored when continuation_token is set
  std::string continuation_token;
};

struct ListObjectsV2Result {
  std::vector<ObjectInfo> contents;          // in key order
  std::vector<std::string> common_prefixes;  // in order
  int64_t max_keys = kMaxListKeys;           // the limit applied
  bool is_truncated = false;
  // Set when is_truncated: pass it back as continuation_token.
  std::string next_continuation_token;
  int64_t key_count() const {
    return static_cast<int64_t>(contents.size() + common_prefixes.size());
  }
};

class BucketService {
 public:
  // An in-memory service. `clock` must outlive it.
  // REQUIRES: options.data_dir is empty (a data dir needs Open(), which
  // can fail).
  explicit BucketService(Clock& clock, BucketServiceOptions options = {});

  // A service over the store options.data_dir asks for (memory when
  // empty), reloading what a previous run left there. Fails when the data
  // dir cannot be created or holds an unreadable file (InternalError, with
  // the path and the reason).
  static Result<std::unique_ptr<BucketService>> Open(
      Clock& clock, BucketServiceOptions options);
  // A service over `store` (a test's fake, say), loading what it holds;
  // options.data_dir is not read.
  static Result<std::unique_ptr<BucketService>> Open(
      Clock& clock, BucketServiceOptions options,
      std::unique_ptr<ObjectStore> store);

  ~BucketService();
  BucketService(const BucketService&) = delete;
  BucketService& operator=(const BucketService&) = delete;

  // Every change is published to `observer` (nullptr: none). The observer
  // must outlive the service or be reset first.
  void SetObserver(ServiceObserver* observer) { observer_ = observer; }

  const BucketServiceOptions& options() const { return options_; }

  // --- Buckets ---------------------------------------------------------

  // InvalidBucketName for a name S3 refuses (bucket_checks.h);
  // BucketAlreadyOwnedByYou when it exists, in every region but us-east-1:
  // there, S3's legacy answer is 200 OK (the existing bucket's record).
  Result<BucketMeta> CreateBucket(std::string_view name);
  // NoSuchBucket; BucketNotEmpty ("The bucket you tried to delete is not
  // empty") while it holds an object.
  Status DeleteBucket(std::string_view name);
  // The bucket's record, or NoSuchBucket.
  Result<BucketMeta> HeadBucket(std::string_view name) const;
  // Buckets in name order. InvalidArgument for MaxBuckets outside
  // 1-10,000 or a continuation token this service did not hand out.
  Result<ListBucketsResult> ListBuckets(
      const ListBucketsRequest& request = {}) const;

  // --- Objects ---------------------------------------------------------

  // Stores (or replaces) an object; its ETag is the body's MD5. Errors:
  // NoSuchBucket; KeyTooLongError / InvalidArgument for a bad key;
  // EntityTooLarge past options.max_object_bytes; InvalidArgument for
  // metadata past 2 KB ("Your metadata headers exceed the maximum allowed
  // metadata size.") or a field that is not UTF-8; InternalError when the
  // store fails (nothing changed then).
  Result<ObjectInfo> PutObject(PutObjectRequest request);
  // The object (or the range asked for, see ResolveRange). NoSuchBucket,
  // NoSuchKey ("The specified key does not exist."), the key errors of
  // PutObject, InvalidRange.
  Result<GetObjectResult> GetObject(const GetObjectRequest& request) const;
  // As GetObject without reading the body.
  Result<GetObjectResult> HeadObject(const GetObjectRequest& request) const;
  // Removes an object. Deleting a key that does not exist succeeds, as in
  // S3 (and publishes nothing). NoSuchBucket; the key errors of PutObject.
  Status DeleteObject(std::string_view bucket, std::string_view key);

  // S3's ListObjectsV2: keys starting with `prefix`, in UTF-8 byte order,
  // after `start_after` or where `continuation_token` left off; with a
  // `delimiter`, keys holding it after the prefix are rolled up into one
  // CommonPrefix (prefix up to and including the delimiter), which counts
  // once against MaxKeys. IsTruncated only when another entry follows;
  // MaxKeys 0 returns nothing, not truncated. Tokens are opaque, and stable:
  // the same listing of the same contents hands out the same tokens.
  // NoSuchBucket; InvalidArgument for MaxKeys < 0 or a token this service
  // did not hand out ("The continuation token provided is incorrect").
  Result<ListObjectsV2Result> ListObjectsV2(
      const ListObjectsV2Request& request) const;

  // --- Direct access, for the harness and tests --------------------------

  bool BucketExists(std::string_view bucket) const;
  // The whole body. NoSuchBucket, NoSuchKey.
  Result<std::string> GetObjectBody(std::string_view bucket,
                                    std::string_view key) const;
  // Every key of `bucket` starting with `prefix`, in order (no 1000 cap).
  Result<std::vector<std::string>> ListKeys(std::string_view bucket,
                                            std::string_view prefix = "") const;
  // Number of objects in `bucket` (0 when there is no such bucket).
  size_t ObjectCount(std::string_view bucket) const;

 private:
  struct Bucket {
    TimePoint creation_date;
    // Keys in UTF-8 byte order: std::string compares as unsigned bytes.
    std::map<std::string, ObjectMeta, std::less<>> objects;
  };

  BucketService(Clock& clock, BucketServiceOptions options,
                std::unique_ptr<ObjectStore> store);
  Status LoadFromStore();

  Result<const Bucket*> Find(std::string_view bucket) const;
  Result<GetObjectResult> Fetch(const GetObjectRequest& request,
                                bool read_body) const;
  // Now, truncated to the second.
  TimePoint Now() const;
  void Publish(std::string_view kind, std::string_view bucket,
               std::string_view key, std::string_view detail);

  Clock& clock_;
  BucketServiceOptions options_;
  std::unique_ptr<ObjectStore> store_;
  std::map<std::string, Bucket, std::less<>> buckets_;
  ServiceObserver* observer_ = nullptr;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_BUCKET_SERVICE_H_
