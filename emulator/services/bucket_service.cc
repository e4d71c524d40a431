#include "emulator/services/bucket_service.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "emulator/core/base64.h"
#include "emulator/core/digest.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/object_store_disk.h"

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
    return Status(ErrorCode::kInvalidArgument,
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
  return Status(ErrorCode::kNoSuchBucket,
                "The specified bucket does not exist");
}

Status NoSuchKey() {
  return Status(ErrorCode::kNoSuchKey, "The specified key does not exist.");
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
    if (!IsValidUtf8(name) || !IsValidUtf8(value) || name.empty()) {
      return Status(ErrorCode::kInvalidArgument,
                    "Metadata names must be non-empty and, with their values, "
                    "valid UTF-8.");
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
        ErrorCode::kMetadataTooLarge,
        "Your metadata headers exceed the maximum allowed metadata size.");
  }
  return out;
}

}  // namespace

BucketService::BucketService(Clock& clock, BucketServiceOptions options)
    : BucketService(clock, std::move(options),
                    std::make_unique<MemoryObjectStore>()) {
  assert(options_.data_dir.empty() && "a data dir needs BucketService::Open");
}

BucketService::BucketService(Clock& clock, BucketServiceOptions options,
                             std::unique_ptr<ObjectStore> store)
    : clock_(clock), options_(std::move(options)), store_(std::move(store)) {}

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
    return Status(ErrorCode::kBucketAlreadyOwnedByYou,
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
    return Status(ErrorCode::kBucketNotEmpty,
                  "The bucket you tried to delete is not empty");
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
    return Status(ErrorCode::kInvalidArgument,
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
    return Status(ErrorCode::kEntityTooLarge,
                  "Your proposed upload exceeds the maximum allowed size");
  }
  for (const std::string* field :
       {&request.content_type, &request.cache_control,
        &request.content_disposition, &request.content_encoding,
        &request.content_language}) {
    if (!IsValidUtf8(*field)) {
      return Status(ErrorCode::kInvalidArgument,
                    "Content headers must be valid UTF-8.");
    }
  }
  auto metadata = NormalizeMetadata(std::move(request.metadata));
  if (!metadata.ok()) return metadata.status();

  ObjectMeta meta;
  meta.size = request.body.size();
  meta.etag = Md5Hex(request.body);
  meta.last_modified = Now();
  meta.content_type = request.content_type.empty()
                          ? std::string(kDefaultContentType)
                          : std::move(request.content_type);
  meta.cache_control = std::move(request.cache_control);
  meta.content_disposition = std::move(request.content_disposition);
  meta.content_encoding = std::move(request.content_encoding);
  meta.content_language = std::move(request.content_language);
  meta.metadata = std::move(metadata).value();

  if (Status s = store_->PutObject(request.bucket, request.key, meta,
                                   std::move(request.body));
      !s.ok()) {
    return s;
  }
  bucket_it->second.objects[request.key] = meta;
  JsonWriter detail;
  detail.BeginObject()
      .Key("size")
      .Int(static_cast<int64_t>(meta.size))
      .Key("etag")
      .String(Quoted(meta.etag))
      .Key("contentType")
      .String(meta.content_type)
      .EndObject();
  Publish("ObjectPut", request.bucket, request.key, detail.str());
  return ObjectInfo{std::move(request.key), std::move(meta)};
}

Result<GetObjectResult> BucketService::Fetch(const GetObjectRequest& request,
                                             bool read_body) const {
  auto bucket = Find(request.bucket);
  if (!bucket.ok()) return bucket.status();
  if (Status s = ValidateObjectKey(request.key); !s.ok()) return s;
  auto it = (*bucket)->objects.find(request.key);
  if (it == (*bucket)->objects.end()) return NoSuchKey();
  GetObjectResult out;
  out.meta = it->second;
  auto range = ResolveRange(request.range, out.meta.size);
  if (!range.ok()) return range.status();
  out.range = *range;
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
  objects.erase(it);
  Publish("ObjectDeleted", bucket_it->first, deleted, detail.str());
  return Status::Ok();
}

Result<ListObjectsV2Result> BucketService::ListObjectsV2(
    const ListObjectsV2Request& request) const {
  auto bucket = Find(request.bucket);
  if (!bucket.ok()) return bucket.status();
  ListObjectsV2Result out;
  if (request.max_keys) {
    if (*request.max_keys < 0) {
      return Status(ErrorCode::kInvalidArgument,
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
