#include "emulator/services/bucket_service.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <tuple>
#include <utility>

#include "emulator/core/base64.h"
#include "emulator/core/digest.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/http_poster.h"
#include "emulator/services/object_store_disk.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

constexpr std::string_view kService = "s3";

// Continuation tokens: base64 of a tag and where the listing stopped. The
// tag says what the marker is: the last key returned ('K'), the last
// common prefix returned ('P': resume past every key under it), or the
// last bucket name ('B'). Opaque to clients, but a pure function of the
// listing, so the same listing gives the same tokens.
constexpr std::string_view kTokenMagic = "fl1";

std::string EncodeToken(char kind, std::string_view marker) {
  std::string raw(kTokenMagic);
  raw.push_back(kind);
  raw.append(marker);
  return Base64Encode(raw);
}

struct Marker {
  char kind = 0;
  std::string value;
};

Result<Marker> DecodeToken(std::string_view token, std::string_view kinds) {
  std::optional<std::string> raw = Base64Decode(token);
  if (!raw || raw->size() <= kTokenMagic.size() ||
      std::string_view(*raw).substr(0, kTokenMagic.size()) != kTokenMagic ||
      kinds.find((*raw)[kTokenMagic.size()]) == std::string_view::npos) {
    return Status(s3::kInvalidArgument,
                  "The continuation token provided is incorrect");
  }
  return Marker{(*raw)[kTokenMagic.size()],
                raw->substr(kTokenMagic.size() + 1)};
}

// The first key of `map` that does not start with `prefix` and sorts after
// it: lower_bound of the prefix's successor (last byte + 1, after dropping
// trailing 0xFF bytes, which have no successor).
template <typename Map>
auto PastPrefix(const Map& map, std::string_view prefix) {
  std::string next(prefix);
  while (!next.empty() && static_cast<unsigned char>(next.back()) == 0xFF) {
    next.pop_back();
  }
  if (next.empty()) return map.end();
  next.back() = static_cast<char>(static_cast<unsigned char>(next.back()) + 1);
  return map.lower_bound(next);
}

Status NoSuchBucket() {
  return Status(s3::kNoSuchBucket, "The specified bucket does not exist");
}

Status NoSuchKey() {
  return Status(s3::kNoSuchKey, "The specified key does not exist.");
}

std::string Quoted(std::string_view etag) {
  std::string out;
  out.reserve(etag.size() + 2);
  out.push_back('"');
  out.append(etag).push_back('"');
  return out;
}

// Metadata names lower-cased (HTTP header names are case-insensitive, and
// S3 returns them in lower case); the whole within 2 KB; every string
// UTF-8, so that it can be written back as JSON.
Result<std::map<std::string, std::string>> NormalizeMetadata(
    std::map<std::string, std::string> in) {
  std::map<std::string, std::string> out;
  size_t bytes = 0;
  for (auto& [name, value] : in) {
    // Each goes back out as an x-amz-meta-NAME header: a control character
    // (found by fuzz/rest_xml_fuzzer) would make that answer unsendable.
    if (!IsValidUtf8(name) || !IsValidUtf8(value) || name.empty() ||
        !ValidHeaderName(name) || !ValidHeaderValue(value)) {
      return Status(s3::kInvalidArgument,
                    "Metadata names must be non-empty header names and their "
                    "values valid UTF-8 without control characters.");
    }
    bytes += name.size() + value.size();
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    out[std::move(lower)] = std::move(value);
  }
  if (bytes > kMaxMetadataBytes) {
    return Status(
        s3::kMetadataTooLarge,
        "Your metadata headers exceed the maximum allowed metadata size.");
  }
  return out;
}

Status NoSuchUpload() {
  return Status(s3::kNoSuchUpload,
                "The specified upload does not exist. The upload ID may be "
                "invalid, or the upload may have been aborted or completed.");
}

Status MalformedXml() {
  return Status(s3::kMalformedXML,
                "The XML you provided was not well-formed or did not validate "
                "against our published schema");
}

Status InvalidPart() {
  return Status(s3::kInvalidPart,
                "One or more of the specified parts could not be found. The "
                "part may not have been uploaded, or the specified entity tag "
                "may not match the part's entity tag.");
}

std::string Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The content headers every object carries, as a request gives them.
struct ContentFields {
  std::string content_type;
  std::string cache_control;
  std::string content_disposition;
  std::string content_encoding;
  std::string content_language;
  std::string expires;
  std::map<std::string, std::string> metadata;
};

// Checks the fields (UTF-8, metadata size) and writes them into `meta`.
Status ApplyContentFields(ContentFields fields, ObjectMeta& meta) {
  for (const std::string* field :
       {&fields.content_type, &fields.cache_control,
        &fields.content_disposition, &fields.content_encoding,
        &fields.content_language, &fields.expires}) {
    // They go back out as headers (Content-Type, ...), so no control
    // characters either (found by fuzz/rest_xml_fuzzer).
    if (!IsValidUtf8(*field) || !ValidHeaderValue(*field)) {
      return Status(s3::kInvalidArgument,
                    "Content headers must be valid UTF-8 without control "
                    "characters.");
    }
  }
  auto metadata = NormalizeMetadata(std::move(fields.metadata));
  if (!metadata.ok()) return metadata.status();
  meta.content_type = fields.content_type.empty()
                          ? std::string(kDefaultContentType)
                          : std::move(fields.content_type);
  meta.cache_control = std::move(fields.cache_control);
  meta.content_disposition = std::move(fields.content_disposition);
  meta.content_encoding = std::move(fields.content_encoding);
  meta.content_language = std::move(fields.content_language);
  meta.expires = std::move(fields.expires);
  meta.metadata = std::move(metadata).value();
  return Status::Ok();
}

std::string ObjectDetail(const ObjectMeta& meta, bool content_type) {
  JsonWriter detail;
  detail.BeginObject()
      .Key("size")
      .Int(static_cast<int64_t>(meta.size))
      .Key("etag")
      .String(Quoted(meta.etag));
  if (content_type) detail.Key("contentType").String(meta.content_type);
  detail.EndObject();
  return detail.Take();
}

Status InvalidMaxArgument(std::string_view name) {
  return Status(s3::kInvalidArgument,
                "Argument " + std::string(name) +
                    " must be an integer between 0 and 2147483647");
}

}  // namespace

BucketService::BucketService(Clock& clock, BucketServiceOptions options)
    : BucketService(clock, std::move(options),
                    std::make_unique<MemoryObjectStore>()) {
  assert(options_.data_dir.empty() && "a data dir needs BucketService::Open");
}

BucketService::BucketService(Clock& clock, BucketServiceOptions options,
                             std::unique_ptr<ObjectStore> store)
    : clock_(clock),
      options_(std::move(options)),
      store_(std::move(store)),
      ids_(options_.seed) {}

BucketService::~BucketService() = default;

Result<std::unique_ptr<BucketService>> BucketService::Open(
    Clock& clock, BucketServiceOptions options) {
  std::unique_ptr<ObjectStore> store;
  if (options.data_dir.empty()) {
    store = std::make_unique<MemoryObjectStore>();
  } else {
    auto disk = DiskObjectStore::Open(options.data_dir + "/s3");
    if (!disk.ok()) return disk.status();
    store = std::move(disk).value();
  }
  return Open(clock, std::move(options), std::move(store));
}

Result<std::unique_ptr<BucketService>> BucketService::Open(
    Clock& clock, BucketServiceOptions options,
    std::unique_ptr<ObjectStore> store) {
  std::unique_ptr<BucketService> service(
      new BucketService(clock, std::move(options), std::move(store)));
  if (Status s = service->LoadFromStore(); !s.ok()) return s;
  return service;
}

Status BucketService::LoadFromStore() {
  auto loaded = store_->Load();
  if (!loaded.ok()) return loaded.status();
  for (StoredBucket& b : *loaded) {
    Bucket& bucket = buckets_[b.meta.name];
    bucket.creation_date = b.meta.creation_date;
    for (StoredObject& o : b.objects) {
      bucket.objects[std::move(o.key)] = std::move(o.meta);
    }
    for (StoredUpload& u : b.uploads) {
      Upload& upload = bucket.uploads[u.meta.upload_id];
      upload.meta = std::move(u.meta);
      for (PartMeta& part : u.parts) {
        upload_bytes_ += part.size;
        upload.parts[part.part_number] = std::move(part);
      }
      ++open_uploads_;
    }
  }
  return Status::Ok();
}

TimePoint BucketService::Now() const {
  return std::chrono::floor<std::chrono::seconds>(clock_.Now());
}

void BucketService::Publish(std::string_view kind, std::string_view bucket,
                            std::string_view key, std::string_view detail) {
  Notify(observer_, kService, clock_.Now(), kind, bucket, key, detail);
}

Result<const BucketService::Bucket*> BucketService::Find(
    std::string_view bucket) const {
  auto it = buckets_.find(bucket);
  if (it == buckets_.end()) return NoSuchBucket();
  return &it->second;
}

// --- Buckets -------------------------------------------------------------

Result<BucketMeta> BucketService::CreateBucket(std::string_view name) {
  if (Status s = ValidateBucketName(name); !s.ok()) return s;
  if (auto it = buckets_.find(name); it != buckets_.end()) {
    // S3's legacy: in us-east-1 re-creating a bucket you own answers
    // 200 OK (and changes nothing here: fanlab keeps no ACLs).
    if (options_.region == "us-east-1") {
      return BucketMeta{std::string(name), it->second.creation_date};
    }
    return Status(s3::kBucketAlreadyOwnedByYou,
                  "Your previous request to create the named bucket "
                  "succeeded and you already own it.");
  }
  BucketMeta meta{std::string(name), Now()};
  if (Status s = store_->CreateBucket(meta); !s.ok()) return s;
  buckets_[meta.name].creation_date = meta.creation_date;
  JsonWriter detail;
  detail.BeginObject()
      .Key("creationDate")
      .String(FormatIso8601(meta.creation_date))
      .EndObject();
  Publish("BucketCreated", name, "", detail.str());
  return meta;
}

Status BucketService::DeleteBucket(std::string_view name) {
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return NoSuchBucket();
  if (!it->second.objects.empty()) {
    return Status(s3::kBucketNotEmpty,
                  "The bucket you tried to delete is not empty");
  }
  // Unfinished uploads do not keep a bucket alive, in S3 either.
  while (!it->second.uploads.empty()) {
    std::string id = it->second.uploads.begin()->first;
    if (Status s = DropUpload(it->first, it->second, id); !s.ok()) return s;
  }
  if (Status s = store_->DeleteBucket(name); !s.ok()) return s;
  // `name` may view the erased key: publish from a copy.
  std::string deleted = it->first;
  buckets_.erase(it);
  Publish("BucketDeleted", deleted, "", "");
  return Status::Ok();
}

Result<BucketMeta> BucketService::HeadBucket(std::string_view name) const {
  auto it = buckets_.find(name);
  if (it == buckets_.end()) return NoSuchBucket();
  return BucketMeta{it->first, it->second.creation_date};
}

Result<ListBucketsResult> BucketService::ListBuckets(
    const ListBucketsRequest& request) const {
  int64_t max = request.max_buckets.value_or(kMaxListBuckets);
  if (max < 1 || max > kMaxListBuckets) {
    return Status(s3::kInvalidArgument,
                  "Argument MaxBuckets must be an integer between 1 and "
                  "10000.");
  }
  auto it = buckets_.lower_bound(request.prefix);
  if (!request.continuation_token.empty()) {
    Result<Marker> marker = DecodeToken(request.continuation_token, "B");
    if (!marker.ok()) return marker.status();
    auto resume = buckets_.upper_bound(marker->value);
    if (resume == buckets_.end() ||
        (it != buckets_.end() && resume->first > it->first)) {
      it = resume;
    }
  }
  ListBucketsResult out;
  for (; it != buckets_.end() && it->first.starts_with(request.prefix); ++it) {
    if (static_cast<int64_t>(out.buckets.size()) == max) {
      out.continuation_token = EncodeToken('B', out.buckets.back().name);
      break;
    }
    out.buckets.push_back(BucketMeta{it->first, it->second.creation_date});
  }
  return out;
}

// --- Objects -------------------------------------------------------------

Result<ObjectInfo> BucketService::PutObject(PutObjectRequest request) {
  auto bucket_it = buckets_.find(request.bucket);
  if (bucket_it == buckets_.end()) return NoSuchBucket();
  if (Status s = ValidateObjectKey(request.key); !s.ok()) return s;
  if (request.body.size() > options_.max_object_bytes) {
    return Status(s3::kEntityTooLarge,
                  "Your proposed upload exceeds the maximum allowed size");
  }
  ObjectMeta meta;
  if (Status s = ApplyContentFields(
          {std::move(request.content_type), std::move(request.cache_control),
           std::move(request.content_disposition),
           std::move(request.content_encoding),
           std::move(request.content_language), std::move(request.expires),
           std::move(request.metadata)},
          meta);
      !s.ok()) {
    return s;
  }
  if (request.content_md5) {
    if (Status s = CheckContentMd5(*request.content_md5, request.body);
        !s.ok()) {
      return s;
    }
  }
  if (request.checksum) {
    if (Status s = CheckChecksum(*request.checksum, request.body); !s.ok()) {
      return s;
    }
    meta.checksum =
        ObjectChecksum{request.checksum->algorithm, request.checksum->value,
                       ChecksumType::kFullObject};
  } else {
    ChecksumAlgorithm algorithm =
        request.checksum_algorithm.value_or(ChecksumAlgorithm::kCrc64Nvme);
    meta.checksum = ObjectChecksum{algorithm, Checksum(algorithm, request.body),
                                   ChecksumType::kFullObject};
  }
  auto current = bucket_it->second.objects.find(request.key);
  if (Status s = CheckWriteConditions(request.conditions,
                                      current == bucket_it->second.objects.end()
                                          ? nullptr
                                          : &current->second);
      !s.ok()) {
    return s;
  }
  meta.size = request.body.size();
  meta.etag = Md5Hex(request.body);
  meta.last_modified = Now();
  return Store(bucket_it->second, bucket_it->first, std::move(request.key),
               std::move(meta), std::move(request.body), "ObjectCreated:Put");
}

Result<ObjectInfo> BucketService::Store(Bucket& bucket,
                                        std::string_view bucket_name,
                                        std::string key, ObjectMeta meta,
                                        std::string body,
                                        std::string_view event) {
  if (Status s = store_->PutObject(bucket_name, key, meta, std::move(body));
      !s.ok()) {
    return s;
  }
  bucket.objects[key] = meta;
  Publish("ObjectPut", bucket_name, key, ObjectDetail(meta, true));
  SendNotifications(bucket, bucket_name, event, key, meta);
  return ObjectInfo{std::move(key), std::move(meta)};
}

void BucketService::SendNotifications(const Bucket& bucket,
                                      std::string_view bucket_name,
                                      std::string_view event,
                                      std::string_view key,
                                      const ObjectMeta& meta) {
  if (bucket.notifications.rules.empty()) return;
  S3EventFacts facts;
  bool built = false;
  for (const NotificationRule& rule : bucket.notifications.rules) {
    if (!NotificationMatches(rule, event, key)) continue;
    if (!built) {
      facts.event_name = std::string(event);
      facts.bucket = std::string(bucket_name);
      facts.key = std::string(key);
      facts.size = meta.size;
      facts.etag = meta.etag;
      facts.sequencer = S3EventSequencer(++sequencer_);
      facts.request_id = facts.sequencer;
      facts.time = clock_.Now();
      facts.region = options_.region;
      facts.account_id = options_.account_id;
      built = true;
    }
    Status sent = notifier_ ? notifier_(rule, S3EventRecord(facts, rule.id))
                            : Status::Ok();
    if (!sent.ok()) {
      JsonWriter detail;
      detail.BeginObject()
          .Key("configurationId")
          .String(rule.id)
          .Key("arn")
          .String(rule.arn)
          .Key("error")
          .String(sent.ToString())
          .EndObject();
      Publish("NotificationFailed", bucket_name, key, detail.str());
    }
  }
}

Status BucketService::PutBucketNotificationConfiguration(
    std::string_view bucket, NotificationConfiguration config) {
  auto it = buckets_.find(bucket);
  if (it == buckets_.end()) return NoSuchBucket();
  if (Status s = ValidateNotificationConfiguration(config); !s.ok()) return s;
  int n = 0;
  for (NotificationRule& rule : config.rules) {
    ++n;
    if (rule.id.empty()) rule.id = "Notification" + std::to_string(n);
  }
  it->second.notifications = std::move(config);
  return Status::Ok();
}

Result<NotificationConfiguration>
BucketService::GetBucketNotificationConfiguration(
    std::string_view bucket) const {
  auto it = buckets_.find(bucket);
  if (it == buckets_.end()) return NoSuchBucket();
  return it->second.notifications;
}

Result<GetObjectResult> BucketService::Fetch(const GetObjectRequest& request,
                                             bool read_body) const {
  auto bucket = Find(request.bucket);
  if (!bucket.ok()) return bucket.status();
  if (Status s = ValidateObjectKey(request.key); !s.ok()) return s;
  auto it = (*bucket)->objects.find(request.key);
  if (it == (*bucket)->objects.end()) return NoSuchKey();
  if (Status s = CheckReadConditions(request.conditions, it->second.etag,
                                     it->second.last_modified);
      !s.ok()) {
    return s;
  }
  GetObjectResult out;
  out.meta = it->second;
  auto range = ResolveRange(request.range, out.meta.size);
  if (!range.ok()) return range.status();
  out.range = *range;
  if (request.checksum_mode && !out.range) out.checksum = out.meta.checksum;
  uint64_t offset = out.range ? out.range->first : 0;
  out.content_length = out.range ? out.range->length() : out.meta.size;
  if (read_body) {
    auto body = store_->ReadObject(request.bucket, request.key, offset,
                                   out.content_length);
    if (!body.ok()) return body.status();
    out.body = std::move(body).value();
  }
  return out;
}

Result<GetObjectResult> BucketService::GetObject(
    const GetObjectRequest& request) const {
  return Fetch(request, true);
}

Result<GetObjectResult> BucketService::HeadObject(
    const GetObjectRequest& request) const {
  return Fetch(request, false);
}

Status BucketService::DeleteObject(std::string_view bucket,
                                   std::string_view key) {
  auto bucket_it = buckets_.find(bucket);
  if (bucket_it == buckets_.end()) return NoSuchBucket();
  if (Status s = ValidateObjectKey(key); !s.ok()) return s;
  auto& objects = bucket_it->second.objects;
  auto it = objects.find(key);
  if (it == objects.end()) return Status::Ok();  // S3: 204 all the same
  if (Status s = store_->DeleteObject(bucket, key); !s.ok()) return s;
  JsonWriter detail;
  detail.BeginObject()
      .Key("size")
      .Int(static_cast<int64_t>(it->second.size))
      .Key("etag")
      .String(Quoted(it->second.etag))
      .EndObject();
  std::string deleted = it->first;
  ObjectMeta meta = std::move(it->second);
  objects.erase(it);
  Publish("ObjectDeleted", bucket_it->first, deleted, detail.str());
  SendNotifications(bucket_it->second, bucket_it->first, "ObjectRemoved:Delete",
                    deleted, meta);
  return Status::Ok();
}

Result<DeleteObjectsResult> BucketService::DeleteObjects(
    const DeleteObjectsRequest& request) {
  if (buckets_.find(request.bucket) == buckets_.end()) return NoSuchBucket();
  if (request.keys.empty() || request.keys.size() > kMaxDeleteObjectsKeys) {
    return MalformedXml();
  }
  DeleteObjectsResult out;
  for (const std::string& key : request.keys) {
    Status s = DeleteObject(request.bucket, key);
    if (!s.ok()) {
      out.errors.push_back(
          DeleteObjectsError{key, std::string(s.name()), s.message()});
    } else if (!request.quiet) {
      out.deleted.push_back(key);
    }
  }
  return out;
}

Result<ObjectInfo> BucketService::CopyObject(CopyObjectRequest request) {
  auto dest_it = buckets_.find(request.bucket);
  if (dest_it == buckets_.end()) return NoSuchBucket();
  auto source_bucket = Find(request.source_bucket);
  if (!source_bucket.ok()) return source_bucket.status();
  if (Status s = ValidateObjectKey(request.key); !s.ok()) return s;
  if (Status s = ValidateObjectKey(request.source_key); !s.ok()) return s;
  auto source_it = (*source_bucket)->objects.find(request.source_key);
  if (source_it == (*source_bucket)->objects.end()) return NoSuchKey();
  const ObjectMeta& source = source_it->second;
  if (request.source_bucket == request.bucket &&
      request.source_key == request.key &&
      request.metadata_directive == MetadataDirective::kCopy) {
    return Status(s3::kInvalidRequest,
                  "This copy request is illegal because it is trying to copy "
                  "an object to itself without changing the object's "
                  "metadata, storage class, website redirect location or "
                  "encryption attributes.");
  }
  if (Status s = CheckReadConditions(request.source_conditions, source.etag,
                                     source.last_modified,
                                     /*copy_source=*/true);
      !s.ok()) {
    return s;
  }
  if (source.size > options_.max_object_bytes) {
    return Status(s3::kInvalidRequest,
                  "The specified copy source is larger than the maximum "
                  "allowable size for a copy source: " +
                      std::to_string(options_.max_object_bytes));
  }
  ObjectMeta meta;
  if (request.metadata_directive == MetadataDirective::kCopy) {
    meta = source;
  } else if (Status s = ApplyContentFields(
                 {std::move(request.content_type),
                  std::move(request.cache_control),
                  std::move(request.content_disposition),
                  std::move(request.content_encoding),
                  std::move(request.content_language),
                  std::move(request.expires), std::move(request.metadata)},
                 meta);
             !s.ok()) {
    return s;
  }
  auto current = dest_it->second.objects.find(request.key);
  if (Status s = CheckWriteConditions(request.conditions,
                                      current == dest_it->second.objects.end()
                                          ? nullptr
                                          : &current->second);
      !s.ok()) {
    return s;
  }
  auto body = store_->ReadObject(request.source_bucket, request.source_key, 0,
                                 source.size);
  if (!body.ok()) return body.status();
  // The copy is one new object: its ETag is the MD5 of its bytes, even when
  // the source was assembled from parts, and its checksum covers it whole.
  ChecksumAlgorithm algorithm = request.checksum_algorithm.value_or(
      source.checksum ? source.checksum->algorithm
                      : ChecksumAlgorithm::kCrc64Nvme);
  if (source.checksum && source.checksum->algorithm == algorithm &&
      source.checksum->type == ChecksumType::kFullObject) {
    meta.checksum = source.checksum;
  } else {
    meta.checksum = ObjectChecksum{algorithm, Checksum(algorithm, *body),
                                   ChecksumType::kFullObject};
  }
  meta.size = source.size;
  meta.etag = Md5Hex(*body);
  meta.last_modified = Now();
  return Store(dest_it->second, dest_it->first, std::move(request.key),
               std::move(meta), std::move(body).value(), "ObjectCreated:Copy");
}

// --- Multipart uploads -----------------------------------------------------

Result<BucketService::Upload*> BucketService::FindUpload(
    std::string_view bucket, std::string_view key, std::string_view upload_id) {
  auto bucket_it = buckets_.find(bucket);
  if (bucket_it == buckets_.end()) return NoSuchBucket();
  auto it = bucket_it->second.uploads.find(upload_id);
  if (it == bucket_it->second.uploads.end() || it->second.meta.key != key) {
    return NoSuchUpload();
  }
  return &it->second;
}

Status BucketService::DropUpload(std::string_view bucket_name, Bucket& bucket,
                                 std::string_view upload_id) {
  if (!bucket.uploads.contains(upload_id)) return NoSuchUpload();
  if (Status s = store_->DeleteUpload(bucket_name, upload_id); !s.ok()) {
    return s;
  }
  ForgetUpload(bucket, upload_id);
  return Status::Ok();
}

void BucketService::ForgetUpload(Bucket& bucket, std::string_view upload_id) {
  auto it = bucket.uploads.find(upload_id);
  if (it == bucket.uploads.end()) return;
  for (const auto& [number, part] : it->second.parts) {
    upload_bytes_ -= part.size;
  }
  --open_uploads_;
  bucket.uploads.erase(it);
}

Result<MultipartUpload> BucketService::CreateMultipartUpload(
    CreateMultipartUploadRequest request) {
  auto bucket_it = buckets_.find(request.bucket);
  if (bucket_it == buckets_.end()) return NoSuchBucket();
  if (Status s = ValidateObjectKey(request.key); !s.ok()) return s;
  UploadMeta upload;
  if (Status s = ApplyContentFields(
          {std::move(request.content_type), std::move(request.cache_control),
           std::move(request.content_disposition),
           std::move(request.content_encoding),
           std::move(request.content_language), std::move(request.expires),
           std::move(request.metadata)},
          upload.object);
      !s.ok()) {
    return s;
  }
  upload.checksum_algorithm = request.checksum_algorithm;
  if (request.checksum_type && !request.checksum_algorithm) {
    return Status(s3::kInvalidRequest,
                  "The x-amz-checksum-type header can only be used with the "
                  "x-amz-checksum-algorithm header.");
  }
  bool crc64 = request.checksum_algorithm == ChecksumAlgorithm::kCrc64Nvme;
  // Only a CRC can be combined from the parts' into the whole object's.
  bool not_crc =
      request.checksum_algorithm && !IsCrc(*request.checksum_algorithm);
  upload.checksum_type = request.checksum_type.value_or(
      crc64 ? ChecksumType::kFullObject : ChecksumType::kComposite);
  if ((crc64 && upload.checksum_type == ChecksumType::kComposite) ||
      (not_crc && upload.checksum_type == ChecksumType::kFullObject)) {
    return Status(
        s3::kInvalidRequest,
        "The " + std::string(ChecksumTypeName(upload.checksum_type)) +
            " checksum type cannot be used with the " +
            Lower(ChecksumAlgorithmName(*request.checksum_algorithm)) +
            " checksum algorithm.");
  }
  if (open_uploads_ >= options_.max_open_uploads) {
    return Status(s3::kInvalidRequest,
                  "fanlab holds at most " +
                      std::to_string(options_.max_open_uploads) +
                      " unfinished multipart uploads; complete or abort one "
                      "first.");
  }
  // Ids are unique across buckets; a reopened store may already hold the
  // ids a fresh generator hands out first.
  auto taken = [this](const std::string& id) {
    for (const auto& [name, bucket] : buckets_) {
      if (bucket.uploads.contains(id)) return true;
    }
    return false;
  };
  do {
    uint64_t hi = ids_.NextU64(), lo = ids_.NextU64();
    std::array<uint8_t, 16> raw;
    for (int i = 0; i < 8; ++i) {
      raw[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
      raw[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
    }
    upload.upload_id = ToHex(raw);
  } while (taken(upload.upload_id));
  upload.key = std::move(request.key);
  upload.initiated = Now();
  if (Status s = store_->CreateUpload(bucket_it->first, upload); !s.ok()) {
    return s;
  }
  ++open_uploads_;
  MultipartUpload out{bucket_it->first,          upload.key,
                      upload.upload_id,          upload.initiated,
                      upload.checksum_algorithm, upload.checksum_type};
  std::string id = upload.upload_id;
  bucket_it->second.uploads[id].meta = std::move(upload);
  return out;
}

Result<PartMeta> BucketService::UploadPart(UploadPartRequest request) {
  auto found = FindUpload(request.bucket, request.key, request.upload_id);
  if (!found.ok()) return found.status();
  Upload& upload = **found;
  if (request.part_number < 1 || request.part_number > kMaxPartNumber) {
    return Status(s3::kInvalidArgument,
                  "Part number must be an integer between 1 and 10000, "
                  "inclusive");
  }
  if (request.body.size() > options_.max_object_bytes) {
    return Status(s3::kEntityTooLarge,
                  "Your proposed upload exceeds the maximum allowed size");
  }
  if (request.content_md5) {
    if (Status s = CheckContentMd5(*request.content_md5, request.body);
        !s.ok()) {
      return s;
    }
  }
  PartMeta part;
  const std::optional<ChecksumAlgorithm>& algorithm =
      upload.meta.checksum_algorithm;
  if (request.checksum) {
    if (algorithm && request.checksum->algorithm != *algorithm) {
      return Status(
          s3::kInvalidRequest,
          "Checksum Type mismatch occurred, expected checksum Type: " +
              Lower(ChecksumAlgorithmName(*algorithm)) +
              ", actual checksum Type: " +
              Lower(ChecksumAlgorithmName(request.checksum->algorithm)));
    }
    if (Status s = CheckChecksum(*request.checksum, request.body); !s.ok()) {
      return s;
    }
    if (algorithm) part.checksum = request.checksum->value;
  } else if (algorithm) {
    part.checksum = Checksum(*algorithm, request.body);
  }
  uint64_t replaced = 0;
  if (auto it = upload.parts.find(request.part_number);
      it != upload.parts.end()) {
    replaced = it->second.size;
  }
  if (upload_bytes_ - replaced + request.body.size() >
      options_.max_upload_bytes) {
    return Status(s3::kEntityTooLarge,
                  "fanlab holds at most " +
                      std::to_string(options_.max_upload_bytes) +
                      " bytes of unfinished multipart uploads; complete or "
                      "abort one first.");
  }
  part.part_number = request.part_number;
  part.size = request.body.size();
  part.etag = Md5Hex(request.body);
  part.last_modified = Now();
  if (Status s = store_->PutPart(request.bucket, request.upload_id, part,
                                 std::move(request.body));
      !s.ok()) {
    return s;
  }
  upload_bytes_ = upload_bytes_ - replaced + part.size;
  upload.parts[part.part_number] = part;
  return part;
}

Result<ObjectInfo> BucketService::CompleteMultipartUpload(
    CompleteMultipartUploadRequest request) {
  auto found = FindUpload(request.bucket, request.key, request.upload_id);
  if (!found.ok()) return found.status();
  Upload& upload = **found;
  Bucket& bucket = buckets_.find(request.bucket)->second;
  const std::vector<CompletedPart>& listed = request.parts;
  if (listed.empty()) return MalformedXml();  // S3's schema wants a <Part>
  for (size_t i = 1; i < listed.size(); ++i) {
    if (listed[i].part_number <= listed[i - 1].part_number) {
      return Status(s3::kInvalidPartOrder,
                    "The list of parts was not in ascending order. Parts "
                    "must be ordered by part number.");
    }
  }
  std::vector<const PartMeta*> parts;
  // A listed checksum is compared when the upload has an algorithm (parts
  // of an upload without one were verified as they came, and not kept).
  bool compare_checksums = upload.meta.checksum_algorithm.has_value();
  for (const CompletedPart& c : listed) {
    auto it = upload.parts.find(c.part_number);
    if (it == upload.parts.end() || Unquoted(c.etag) != it->second.etag ||
        (compare_checksums && !c.checksum.empty() &&
         c.checksum != it->second.checksum)) {
      return InvalidPart();
    }
    parts.push_back(&it->second);
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i]->size < kMinPartBytes) {
      return Status(s3::kEntityTooSmall,
                    "Your proposed upload is smaller than the minimum "
                    "allowed object size.");
    }
  }
  auto current = bucket.objects.find(request.key);
  if (Status s = CheckWriteConditions(
          request.conditions,
          current == bucket.objects.end() ? nullptr : &current->second);
      !s.ok()) {
    return s;
  }

  // The object's bytes, its ETag (MD5 of the parts' binary MD5s) and, for
  // a COMPOSITE checksum, the parts' binary checksums.
  std::string body, md5s, checksums;
  for (const PartMeta* part : parts) {
    auto bytes =
        store_->ReadPart(request.bucket, request.upload_id, part->part_number);
    if (!bytes.ok()) return bytes.status();
    body.append(*bytes);
    Md5Digest md5 = Md5(*bytes);
    md5s.append(reinterpret_cast<const char*>(md5.data()), md5.size());
    if (!part->checksum.empty()) {
      checksums.append(Base64Decode(part->checksum).value_or(""));
    }
  }
  if (request.mpu_object_size && *request.mpu_object_size != body.size()) {
    return Status(s3::kInvalidRequest,
                  "The provided MpuObjectSize " +
                      std::to_string(*request.mpu_object_size) +
                      " does not match the object's size " +
                      std::to_string(body.size()) + ".");
  }
  std::string suffix = "-" + std::to_string(parts.size());
  ObjectMeta meta = upload.meta.object;
  meta.size = body.size();
  meta.etag = Md5Hex(md5s) + suffix;
  meta.last_modified = Now();
  const std::optional<ChecksumAlgorithm>& algorithm =
      upload.meta.checksum_algorithm;
  if (!algorithm) {
    meta.checksum =
        ObjectChecksum{ChecksumAlgorithm::kCrc64Nvme,
                       Checksum(ChecksumAlgorithm::kCrc64Nvme, body),
                       ChecksumType::kFullObject};
  } else if (upload.meta.checksum_type == ChecksumType::kComposite) {
    meta.checksum =
        ObjectChecksum{*algorithm, Checksum(*algorithm, checksums) + suffix,
                       ChecksumType::kComposite};
  } else {
    meta.checksum = ObjectChecksum{*algorithm, Checksum(*algorithm, body),
                                   ChecksumType::kFullObject};
  }
  if (request.checksum &&
      (request.checksum->algorithm != meta.checksum->algorithm ||
       Unquoted(request.checksum->value) != meta.checksum->value)) {
    return Status(
        s3::kBadDigest,
        "The " +
            std::string(ChecksumAlgorithmName(request.checksum->algorithm)) +
            " you specified did not match the calculated checksum.");
  }
  auto stored = Store(bucket, buckets_.find(request.bucket)->first,
                      std::move(request.key), std::move(meta), std::move(body),
                      "ObjectCreated:CompleteMultipartUpload");
  if (!stored.ok()) return stored.status();
  // The object is in place: the upload is over whatever happens to its
  // parts. Should the store fail to remove them, a restart shows the upload
  // again (and AbortMultipartUpload removes it).
  (void)store_->DeleteUpload(request.bucket, request.upload_id);
  ForgetUpload(bucket, request.upload_id);
  return stored;
}

Status BucketService::AbortMultipartUpload(std::string_view bucket,
                                           std::string_view key,
                                           std::string_view upload_id) {
  auto found = FindUpload(bucket, key, upload_id);
  if (!found.ok()) return found.status();
  auto bucket_it = buckets_.find(bucket);
  return DropUpload(bucket_it->first, bucket_it->second, upload_id);
}

Result<ListPartsResult> BucketService::ListParts(
    const ListPartsRequest& request) const {
  // FindUpload changes nothing; it is non-const for the callers that do.
  auto found = const_cast<BucketService*>(this)->FindUpload(
      request.bucket, request.key, request.upload_id);
  if (!found.ok()) return found.status();
  const Upload& upload = **found;
  ListPartsResult out;
  out.upload = MultipartUpload{request.bucket,
                               upload.meta.key,
                               upload.meta.upload_id,
                               upload.meta.initiated,
                               upload.meta.checksum_algorithm,
                               upload.meta.checksum_type};
  if (request.max_parts) {
    if (*request.max_parts < 0) return InvalidMaxArgument("max-parts");
    out.max_parts = std::min(*request.max_parts, kMaxListParts);
  }
  if (request.part_number_marker < 0) {
    return Status(s3::kInvalidArgument,
                  "Argument part-number-marker must be an integer between 0 "
                  "and 2147483647");
  }
  for (auto it = upload.parts.upper_bound(request.part_number_marker);
       it != upload.parts.end(); ++it) {
    if (static_cast<int64_t>(out.parts.size()) == out.max_parts) {
      out.is_truncated = true;
      break;
    }
    out.parts.push_back(it->second);
  }
  if (!out.parts.empty()) {
    out.next_part_number_marker = out.parts.back().part_number;
  }
  return out;
}

Result<ListMultipartUploadsResult> BucketService::ListMultipartUploads(
    const ListMultipartUploadsRequest& request) const {
  auto bucket = Find(request.bucket);
  if (!bucket.ok()) return bucket.status();
  ListMultipartUploadsResult out;
  if (request.max_uploads) {
    if (*request.max_uploads < 0) return InvalidMaxArgument("max-uploads");
    out.max_uploads = std::min(*request.max_uploads, kMaxListUploads);
  }
  // S3's order: by key, then by initiation time (the id breaks ties).
  std::vector<const UploadMeta*> all;
  for (const auto& [id, upload] : (*bucket)->uploads) {
    const UploadMeta& m = upload.meta;
    if (!m.key.starts_with(request.prefix)) continue;
    if (!request.key_marker.empty()) {
      if (m.key < request.key_marker) continue;
      if (m.key == request.key_marker) {
        // Past the marker's key altogether, unless an upload id marker
        // says where within it to resume.
        if (request.upload_id_marker.empty()) continue;
        auto marker = (*bucket)->uploads.find(request.upload_id_marker);
        if (marker == (*bucket)->uploads.end()) continue;
        const UploadMeta& after = marker->second.meta;
        if (std::tie(m.initiated, m.upload_id) <=
            std::tie(after.initiated, after.upload_id)) {
          continue;
        }
      }
    }
    all.push_back(&m);
  }
  std::sort(all.begin(), all.end(),
            [](const UploadMeta* a, const UploadMeta* b) {
              return std::tie(a->key, a->initiated, a->upload_id) <
                     std::tie(b->key, b->initiated, b->upload_id);
            });
  if (out.max_uploads == 0) return out;
  const std::string& delimiter = request.delimiter;
  // Where the last entry returned ends: its key and id (for a common
  // prefix, the last upload under it).
  const UploadMeta* last = nullptr;
  for (size_t i = 0; i < all.size();) {
    if (static_cast<int64_t>(out.uploads.size() + out.common_prefixes.size()) ==
        out.max_uploads) {
      out.is_truncated = true;
      out.next_key_marker = last->key;
      out.next_upload_id_marker = last->upload_id;
      break;
    }
    const std::string& key = all[i]->key;
    size_t at = delimiter.empty() ? std::string::npos
                                  : key.find(delimiter, request.prefix.size());
    if (at == std::string::npos) {
      const UploadMeta& m = *all[i];
      out.uploads.push_back(MultipartUpload{request.bucket, m.key, m.upload_id,
                                            m.initiated, m.checksum_algorithm,
                                            m.checksum_type});
      last = all[i++];
    } else {
      std::string prefix = key.substr(0, at + delimiter.size());
      while (i < all.size() && all[i]->key.starts_with(prefix)) last = all[i++];
      out.common_prefixes.push_back(std::move(prefix));
    }
  }
  return out;
}

Result<ListObjectsV2Result> BucketService::ListObjectsV2(
    const ListObjectsV2Request& request) const {
  auto bucket = Find(request.bucket);
  if (!bucket.ok()) return bucket.status();
  ListObjectsV2Result out;
  if (request.max_keys) {
    if (*request.max_keys < 0) {
      return Status(s3::kInvalidArgument,
                    "Argument maxKeys must be an integer between 0 and "
                    "2147483647");
    }
    out.max_keys = std::min(*request.max_keys, kMaxListKeys);
  }
  // Where the listing resumes: after a marker, when there is one.
  std::optional<Marker> marker;
  if (!request.continuation_token.empty()) {
    Result<Marker> m = DecodeToken(request.continuation_token, "KP");
    if (!m.ok()) return m.status();
    marker = std::move(m).value();
  } else if (!request.start_after.empty()) {
    marker = Marker{'K', request.start_after};
  }
  if (out.max_keys == 0) return out;  // AWS: nothing, and not truncated

  const auto& objects = (*bucket)->objects;
  const std::string& prefix = request.prefix;
  const std::string& delimiter = request.delimiter;
  auto it = objects.lower_bound(prefix);
  if (marker) {
    auto resume = marker->kind == 'P' ? PastPrefix(objects, marker->value)
                                      : objects.upper_bound(marker->value);
    if (resume == objects.end() ||
        (it != objects.end() && resume->first > it->first)) {
      it = resume;
    }
  }
  bool last_was_prefix = false;
  while (it != objects.end() && it->first.starts_with(prefix)) {
    // Past MaxKeys, one more entry (a key, or a prefix not yet returned)
    // is what makes the listing truncated.
    if (out.key_count() == out.max_keys) {
      out.is_truncated = true;
      out.next_continuation_token =
          last_was_prefix ? EncodeToken('P', out.common_prefixes.back())
                          : EncodeToken('K', out.contents.back().key);
      break;
    }
    const std::string& key = it->first;
    size_t at = delimiter.empty() ? std::string::npos
                                  : key.find(delimiter, prefix.size());
    last_was_prefix = at != std::string::npos;
    if (!last_was_prefix) {
      out.contents.push_back(ObjectInfo{key, it->second});
      ++it;
    } else {
      out.common_prefixes.push_back(key.substr(0, at + delimiter.size()));
      it = PastPrefix(objects, out.common_prefixes.back());
    }
  }
  return out;
}

// --- Direct access ---------------------------------------------------------

bool BucketService::BucketExists(std::string_view bucket) const {
  return buckets_.find(bucket) != buckets_.end();
}

Result<std::string> BucketService::GetObjectBody(std::string_view bucket,
                                                 std::string_view key) const {
  auto b = Find(bucket);
  if (!b.ok()) return b.status();
  auto it = (*b)->objects.find(key);
  if (it == (*b)->objects.end()) return NoSuchKey();
  return store_->ReadObject(bucket, key, 0, it->second.size);
}

Result<std::vector<std::string>> BucketService::ListKeys(
    std::string_view bucket, std::string_view prefix) const {
  auto b = Find(bucket);
  if (!b.ok()) return b.status();
  std::vector<std::string> keys;
  for (auto it = (*b)->objects.lower_bound(prefix);
       it != (*b)->objects.end() && it->first.starts_with(prefix); ++it) {
    keys.push_back(it->first);
  }
  return keys;
}

size_t BucketService::ObjectCount(std::string_view bucket) const {
  auto it = buckets_.find(bucket);
  return it == buckets_.end() ? 0 : it->second.objects.size();
}

}  // namespace fanlab::services
