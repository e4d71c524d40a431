// BucketService: Amazon S3's bucket and object semantics, in process, on
// an injected Clock.
//
// One method per action (CreateBucket, DeleteBucket, HeadBucket,
// ListBuckets, PutObject, GetObject, HeadObject, DeleteObject,
// DeleteObjects, CopyObject, ListObjectsV2, and the multipart actions
// CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload, ListParts, ListMultipartUploads), taking and
// returning plain structs; the api layer maps them onto S3's wire shapes.
// Headers the wire carries arrive here already parsed: conditions as
// ReadConditions / WriteConditions (bucket_checks.h), checksums as
// ObjectChecksum values, an aws-chunked body already decoded
// (aws_chunked.h). Failures are Status values with S3's error names and
// messages (NoSuchBucket "The specified bucket does not exist", NoSuchKey
// "The specified key does not exist.", ...); NotModified is one too, for
// the api layer to answer 304 with.
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
// "contentType"}; PutObject, CopyObject, CompleteMultipartUpload) and
// ObjectDeleted (detail {"size", "etag"}; DeleteObject and DeleteObjects,
// only when an object was there). Uploads and their parts publish nothing
// until completed. Times come from the Clock, truncated to the second as
// S3 keeps them.
//
// Event notifications (bucket_notifications.h): each bucket keeps one
// NotificationConfiguration (PutBucketNotificationConfiguration replaces
// it, DeleteBucket drops it); every object created (PutObject,
// CopyObject, CompleteMultipartUpload) or deleted (DeleteObject,
// DeleteObjects, only when an object was there) is sent, as S3's event
// record, to the Notifier once per rule it matches, after the change and
// its ObjectPut / ObjectDeleted event. A delivery the Notifier refuses is
// published as NotificationFailed (resource: the bucket, key: the object's
// key, detail {"configurationId", "arn", "error"}). Configurations are
// kept in memory only.
//
// Besides the actions, a few direct accessors (GetObjectBody, ListKeys,
// ...) let the harness assert on contents without going through JSON.
//
// Thread safety: none. One engine thread owns the service
// (docs/architecture.md).
#ifndef FANLAB_EMULATOR_SERVICES_BUCKET_SERVICE_H_
#define FANLAB_EMULATOR_SERVICES_BUCKET_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/account.h"
#include "emulator/core/checksum.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/status.h"
#include "emulator/services/bucket_checks.h"
#include "emulator/services/bucket_notifications.h"
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
// DeleteObjects takes 1 to 1000 keys.
inline constexpr size_t kMaxDeleteObjectsKeys = 1000;
// Multipart uploads: part numbers 1-10,000; every part but the last at
// least 5 MiB (S3's rules); ListParts and ListMultipartUploads return at
// most 1000 entries.
inline constexpr int kMaxPartNumber = 10000;
inline constexpr uint64_t kMinPartBytes = uint64_t{5} << 20;
inline constexpr int64_t kMaxListParts = 1000;
inline constexpr int64_t kMaxListUploads = 1000;
// fanlab's own bounds on unfinished uploads (S3 has none; an emulator
// holding them in memory or on a laptop's disk needs some): how many may be
// open at once, and how many bytes their parts may hold together.
inline constexpr size_t kDefaultMaxOpenUploads = 1000;
inline constexpr uint64_t kDefaultMaxUploadBytes = uint64_t{2} << 30;

struct BucketServiceOptions {
  // "" keeps everything in memory. Otherwise buckets and objects live under
  // "<data_dir>/s3" (see object_store_disk.h) and survive a restart: use
  // BucketService::Open().
  std::string data_dir;
  // PutObject bodies and parts past this size are refused with
  // EntityTooLarge, and CopyObject sources with InvalidRequest (S3: 5 GiB
  // for each). An object completed from parts may be larger.
  uint64_t max_object_bytes = kDefaultMaxObjectBytes;
  // What HeadBucket and ListBuckets report as BucketRegion.
  std::string region = Account{}.region;
  // The account that owns every bucket and object (Owner, Initiator).
  std::string account_id = Account{}.id;
  // Unfinished multipart uploads, across all buckets: past this many,
  // CreateMultipartUpload is refused (InvalidRequest).
  size_t max_open_uploads = kDefaultMaxOpenUploads;
  // The bytes their parts hold together: an UploadPart that would pass it
  // is refused (EntityTooLarge). A replaced part's old bytes are freed.
  uint64_t max_upload_bytes = kDefaultMaxUploadBytes;
  // Seeds the upload ids, so that a replay hands out the same ones.
  uint64_t seed = 0x66616e6c6162ULL;
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
  std::string body;          // decoded: an aws-chunked body is decoded first
  std::string content_type;  // "" is binary/octet-stream
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;  // without "aws-chunked", which is transport
  std::string content_language;
  // User metadata; names are stored lower-cased, as S3 does.
  std::map<std::string, std::string> metadata;
  std::string expires;  // the Expires header, kept and returned as given
  // The Content-MD5 header, when sent.
  std::optional<std::string> content_md5;
  // An x-amz-checksum-<alg> header or trailer, when sent: verified, then
  // kept (its type is ignored: a single PUT is FULL_OBJECT).
  std::optional<ObjectChecksum> checksum;
  // x-amz-sdk-checksum-algorithm without a value: the checksum to compute
  // and keep. Neither this nor `checksum`: CRC64NVME, as S3 does.
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  // If-Match / If-None-Match ("*" only) on the key.
  WriteConditions conditions;
};

struct GetObjectRequest {
  std::string bucket;
  std::string key;
  std::string range;  // an HTTP Range value ("bytes=0-9"), or ""
  // If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since.
  ReadConditions conditions;
  // x-amz-checksum-mode: ENABLED.
  bool checksum_mode = false;
};

struct GetObjectResult {
  ObjectMeta meta;
  std::string body;  // the bytes served (the range only); "" for HeadObject
  // Set when a range was served: ContentRange is
  // "bytes <first>-<last>/<meta.size>".
  std::optional<ByteRange> range;
  uint64_t content_length = 0;  // bytes served: the range's or meta.size
  // With checksum_mode, when the whole object is served and it has one:
  // x-amz-checksum-<alg> and x-amz-checksum-type. (meta.checksum always
  // holds it; this is what the response shows.)
  std::optional<ObjectChecksum> checksum;
};

enum class MetadataDirective { kCopy, kReplace };

struct CopyObjectRequest {
  std::string source_bucket;  // x-amz-copy-source, split and URL-decoded
  std::string source_key;
  std::string bucket;
  std::string key;
  // COPY: the source's content headers and metadata; REPLACE: these.
  MetadataDirective metadata_directive = MetadataDirective::kCopy;
  std::string content_type;  // REPLACE only; "" is binary/octet-stream
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  std::map<std::string, std::string> metadata;
  // x-amz-copy-source-if-*: on the source; a failure is PreconditionFailed.
  ReadConditions source_conditions;
  // If-Match / If-None-Match: on the destination key.
  WriteConditions conditions;
  // x-amz-checksum-algorithm: the copy's checksum algorithm; unset: the
  // source's (CRC64NVME when it has none).
  std::optional<ChecksumAlgorithm> checksum_algorithm;
};

struct DeleteObjectsRequest {
  std::string bucket;
  std::vector<std::string> keys;  // 1-1000, in the request's order
  bool quiet = false;             // report errors only
};

struct DeleteObjectsError {
  std::string key;
  std::string code;  // S3's error name: "InvalidArgument", "KeyTooLongError"
  std::string message;
};

struct DeleteObjectsResult {
  std::vector<std::string> deleted;  // in request order; empty when quiet
  std::vector<DeleteObjectsError> errors;
};

// --- Multipart uploads ---------------------------------------------------

struct CreateMultipartUploadRequest {
  std::string bucket;
  std::string key;
  // The completed object's headers, as PutObjectRequest's.
  std::string content_type;
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  std::map<std::string, std::string> metadata;
  // x-amz-checksum-algorithm and x-amz-checksum-type. The type defaults to
  // COMPOSITE, except for CRC64NVME, which is FULL_OBJECT only.
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  std::optional<ChecksumType> checksum_type;
};

struct MultipartUpload {
  std::string bucket;
  std::string key;
  std::string upload_id;
  TimePoint initiated;
  std::optional<ChecksumAlgorithm> checksum_algorithm;
  ChecksumType checksum_type = ChecksumType::kComposite;
};

struct UploadPartRequest {
  std::string bucket;
  std::string key;
  std::string upload_id;
  int part_number = 0;
  std::string body;  // decoded
  std::optional<std::string> content_md5;
  // x-amz-checksum-<alg> header or trailer: verified; it must be the
  // upload's algorithm when the upload has one.
  std::optional<ObjectChecksum> checksum;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // with or without its double quotes
  // The part's ChecksumCRC32 (...) when listed, or "": compared when the
  // upload has a checksum algorithm.
  std::string checksum;
};

struct CompleteMultipartUploadRequest {
  std::string bucket;
  std::string key;
  std::string upload_id;
  std::vector<CompletedPart> parts;  // the request's <Part> list, in order
  // If-Match / If-None-Match on the key.
  WriteConditions conditions;
  // A whole-object x-amz-checksum-<alg> sent with the request, when any:
  // verified against the completed object's checksum (BadDigest).
  std::optional<ObjectChecksum> checksum;
  // x-amz-mp-object-size: the object's expected size (InvalidRequest when
  // the listed parts add up to another).
  std::optional<uint64_t> mpu_object_size;
};

struct ListPartsRequest {
  std::string bucket;
  std::string key;
  std::string upload_id;
  std::optional<int64_t> max_parts;  // >= 0; unset or past 1000: 1000
  int part_number_marker = 0;        // list parts after this number
};

struct ListPartsResult {
  MultipartUpload upload;
  std::vector<PartMeta> parts;  // ascending part numbers
  int64_t max_parts = kMaxListParts;
  bool is_truncated = false;
  int next_part_number_marker = 0;  // the last part listed (0: none)
};

struct ListMultipartUploadsRequest {
  std::string bucket;
  std::string prefix;
  std::string delimiter;
  std::optional<int64_t> max_uploads;  // >= 0; unset or past 1000: 1000
  std::string key_marker;
  std::string upload_id_marker;  // only read with key_marker
};

struct ListMultipartUploadsResult {
  // By key, then initiation time, then upload id.
  std::vector<MultipartUpload> uploads;
  std::vector<std::string> common_prefixes;  // in order
  int64_t max_uploads = kMaxListUploads;
  bool is_truncated = false;
  // Set when is_truncated: pass them back as key_marker / upload_id_marker.
  std::string next_key_marker;
  std::string next_upload_id_marker;
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

  // Delivers one event record to one rule's target; called on the engine
  // thread, during the action that changed the object.
  using Notifier = std::function<Status(const NotificationRule& rule,
                                        const std::string& record)>;
  void SetNotifier(Notifier notifier) { notifier_ = std::move(notifier); }

  // Replaces the bucket's notification rules (an empty configuration
  // removes them); a rule without an Id gets one. NoSuchBucket; the
  // errors of ValidateNotificationConfiguration.
  Status PutBucketNotificationConfiguration(std::string_view bucket,
                                            NotificationConfiguration config);
  // NoSuchBucket.
  Result<NotificationConfiguration> GetBucketNotificationConfiguration(
      std::string_view bucket) const;

  const BucketServiceOptions& options() const { return options_; }
  Account account() const {
    return Account{.region = options_.region, .id = options_.account_id};
  }

  // --- Buckets ---------------------------------------------------------

  // InvalidBucketName for a name S3 refuses (bucket_checks.h);
  // BucketAlreadyOwnedByYou when it exists, in every region but us-east-1:
  // there, S3's legacy answer is 200 OK (the existing bucket's record).
  Result<BucketMeta> CreateBucket(std::string_view name);
  // NoSuchBucket; BucketNotEmpty ("The bucket you tried to delete is not
  // empty") while it holds an object. Its unfinished multipart uploads are
  // aborted with it, as in S3.
  Status DeleteBucket(std::string_view name);
  // The bucket's record, or NoSuchBucket.
  Result<BucketMeta> HeadBucket(std::string_view name) const;
  // Buckets in name order. InvalidArgument for MaxBuckets outside
  // 1-10,000 or a continuation token this service did not hand out.
  Result<ListBucketsResult> ListBuckets(
      const ListBucketsRequest& request = {}) const;

  // --- Objects ---------------------------------------------------------

  // Stores (or replaces) an object; its ETag is the body's MD5, its
  // checksum the one given (verified), else one computed with
  // checksum_algorithm, else CRC64NVME. Checked in this order: NoSuchBucket;
  // KeyTooLongError / InvalidArgument for a bad key; EntityTooLarge past
  // options.max_object_bytes; InvalidArgument for a field that is not
  // UTF-8; MetadataTooLarge for metadata past 2 KB ("Your metadata headers
  // exceed the maximum allowed metadata size."); InvalidDigest / BadDigest
  // for Content-MD5, InvalidRequest / BadDigest for the checksum
  // (bucket_checks.h); the write conditions (NotImplemented, NoSuchKey,
  // PreconditionFailed); InternalError when the store fails (nothing
  // changed then).
  Result<ObjectInfo> PutObject(PutObjectRequest request);
  // The object (or the range asked for, see ResolveRange). NoSuchBucket,
  // NoSuchKey ("The specified key does not exist."), the key errors of
  // PutObject, then the read conditions (PreconditionFailed, NotModified;
  // before the range), then InvalidRange.
  Result<GetObjectResult> GetObject(const GetObjectRequest& request) const;
  // As GetObject without reading the body.
  Result<GetObjectResult> HeadObject(const GetObjectRequest& request) const;
  // Removes an object. Deleting a key that does not exist succeeds, as in
  // S3 (and publishes nothing). NoSuchBucket; the key errors of PutObject.
  Status DeleteObject(std::string_view bucket, std::string_view key);
  // S3's DeleteObjects: each key deleted as DeleteObject does, in order;
  // a key that fails (a bad key, a store failure) is reported in `errors`
  // with S3's error name and the rest go on. Whole-request errors:
  // NoSuchBucket; MalformedXML ("The XML you provided was not well-formed
  // or did not validate against our published schema") for no key or more
  // than 1000.
  Result<DeleteObjectsResult> DeleteObjects(
      const DeleteObjectsRequest& request);
  // S3's CopyObject: a new object at bucket/key with the source's bytes;
  // its ETag is their MD5, LastModified now. Errors: NoSuchBucket (either
  // bucket), NoSuchKey (the source), the key errors; InvalidRequest ("This
  // copy request is illegal because it is trying to copy an object to
  // itself without changing the object's metadata, storage class, website
  // redirect location or encryption attributes.") for a copy onto itself
  // with COPY; PreconditionFailed for a failed source condition; with
  // REPLACE, PutObject's field and metadata errors; InvalidRequest ("The
  // specified copy source is larger than the maximum allowable size for a
  // copy source: N") past options.max_object_bytes; then the write
  // conditions on the destination.
  Result<ObjectInfo> CopyObject(CopyObjectRequest request);

  // --- Multipart uploads -------------------------------------------------
  //
  // An upload holds parts (in the same store as objects, so on disk they
  // survive a restart) until it is completed into an object or aborted.
  // Every call naming an upload checks the bucket (NoSuchBucket), then the
  // upload id and that it belongs to `key` (NoSuchUpload: "The specified
  // upload does not exist. The upload ID may be invalid, or the upload may
  // have been aborted or completed."). Deleting a bucket aborts its
  // uploads, as S3 does.

  // Starts an upload. NoSuchBucket, the key errors, PutObject's field and
  // metadata errors; InvalidRequest for CRC64NVME with COMPOSITE ("The
  // COMPOSITE checksum type cannot be used with the crc64nvme checksum
  // algorithm."), for FULL_OBJECT with an algorithm that is not a CRC, for
  // a checksum type without an algorithm, and for more than
  // options.max_open_uploads open uploads
  // ("fanlab holds at most N unfinished multipart uploads; complete or
  // abort one first.").
  Result<MultipartUpload> CreateMultipartUpload(
      CreateMultipartUploadRequest request);
  // Stores (or replaces) one part; its ETag is the part's MD5, its checksum
  // the one given (verified) or computed in the upload's algorithm.
  // Errors, in order: NoSuchBucket, NoSuchUpload; InvalidArgument ("Part
  // number must be an integer between 1 and 10000, inclusive");
  // EntityTooLarge past options.max_object_bytes; InvalidDigest /
  // BadDigest (Content-MD5); InvalidRequest for a checksum of another
  // algorithm than the upload's ("Checksum Type mismatch occurred, expected
  // checksum Type: crc32, actual checksum Type: sha256"), InvalidRequest /
  // BadDigest for the checksum; EntityTooLarge when the unfinished parts
  // would pass options.max_upload_bytes ("fanlab holds at most N bytes of
  // unfinished multipart uploads; complete or abort one first.").
  Result<PartMeta> UploadPart(UploadPartRequest request);
  // Joins the listed parts into the object (parts not listed are dropped)
  // and ends the upload. The ETag is "<hex MD5 of the listed parts' binary
  // MD5s>-<number of parts>". The checksum: none asked for at creation,
  // CRC64NVME of the whole object (FULL_OBJECT); COMPOSITE, the algorithm
  // over the parts' binary checksums, "<base64>-<parts>"; FULL_OBJECT, the
  // algorithm over the whole object. Errors, in order: NoSuchBucket,
  // NoSuchUpload; MalformedXML for an empty list (S3's schema wants at
  // least one part); InvalidPartOrder ("The list of parts was not in
  // ascending order. Parts must be ordered by part number.") unless part
  // numbers strictly ascend; InvalidPart ("One or more of the specified
  // parts could not be found. The part may not have been uploaded, or the
  // specified entity tag may not match the part's entity tag.") for a part
  // not uploaded, an ETag or a listed checksum that differs; EntityTooSmall
  // ("Your proposed upload is smaller than the minimum allowed object
  // size.") for a part but the last under 5 MiB; the write conditions;
  // InvalidRequest when mpu_object_size is not the object's size;
  // BadDigest when `checksum` differs from the result's.
  Result<ObjectInfo> CompleteMultipartUpload(
      CompleteMultipartUploadRequest request);
  // Drops an upload and its parts. NoSuchBucket, NoSuchUpload.
  Status AbortMultipartUpload(std::string_view bucket, std::string_view key,
                              std::string_view upload_id);
  // An upload's parts in ascending order, after part_number_marker.
  // NoSuchBucket, NoSuchUpload; InvalidArgument for max_parts < 0 or a
  // negative marker.
  Result<ListPartsResult> ListParts(const ListPartsRequest& request) const;
  // A bucket's unfinished uploads (by key, then initiation time), keys
  // starting with `prefix`, rolled up by `delimiter` as ListObjectsV2 does;
  // after key_marker (and, for that key, after upload_id_marker).
  // NoSuchBucket; InvalidArgument for max_uploads < 0.
  Result<ListMultipartUploadsResult> ListMultipartUploads(
      const ListMultipartUploadsRequest& request) const;

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
  // Unfinished multipart uploads, and the bytes their parts hold, across
  // all buckets: what options.max_open_uploads and max_upload_bytes bound.
  size_t OpenUploadCount() const { return open_uploads_; }
  uint64_t UploadBytes() const { return upload_bytes_; }

 private:
  struct Upload {
    UploadMeta meta;
    std::map<int, PartMeta> parts;  // by part number
  };
  struct Bucket {
    TimePoint creation_date;
    // Keys in UTF-8 byte order: std::string compares as unsigned bytes.
    std::map<std::string, ObjectMeta, std::less<>> objects;
    std::map<std::string, Upload, std::less<>> uploads;  // by upload id
    NotificationConfiguration notifications;
  };

  BucketService(Clock& clock, BucketServiceOptions options,
                std::unique_ptr<ObjectStore> store);
  Status LoadFromStore();

  Result<const Bucket*> Find(std::string_view bucket) const;
  // The upload `upload_id` of `bucket`, for `key`: NoSuchBucket,
  // NoSuchUpload.
  Result<Upload*> FindUpload(std::string_view bucket, std::string_view key,
                             std::string_view upload_id);
  // Stores `meta` + `body` at bucket/key, then indexes and publishes it
  // and sends `event` ("ObjectCreated:Put") to the matching rules.
  Result<ObjectInfo> Store(Bucket& bucket, std::string_view bucket_name,
                           std::string key, ObjectMeta meta, std::string body,
                           std::string_view event);
  // Sends the record of `event` on bucket/key to every rule it matches.
  void SendNotifications(const Bucket& bucket, std::string_view bucket_name,
                         std::string_view event, std::string_view key,
                         const ObjectMeta& meta);
  // Forgets an upload: store, then index and counters (ForgetUpload).
  Status DropUpload(std::string_view bucket_name, Bucket& bucket,
                    std::string_view upload_id);
  void ForgetUpload(Bucket& bucket, std::string_view upload_id);
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
  Notifier notifier_;
  uint64_t sequencer_ = 0;
  IdGenerator ids_;
  size_t open_uploads_ = 0;
  uint64_t upload_bytes_ = 0;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_BUCKET_SERVICE_H_
