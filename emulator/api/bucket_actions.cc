// S3's bucket and object actions over the one dispatcher, with the field
// names of the S3 API as the AWS SDKs model them (Bucket, Key, Body,
// ContentType, Metadata, ContentLength, ETag, LastModified, Contents,
// CommonPrefixes, ...). Bodies travel as base64 strings, as blobs do in
// AWS's JSON protocols; ETags carry their quotes; times are ISO 8601.
// docs/services.md lists the actions and fields.
//
// Errors are in the com.amazonaws.s3# namespace, with S3's HTTP statuses
// (dispatcher.cc). A field of the wrong type, or a Body that is not
// base64, is a SerializationException naming the field.
#include <optional>

#include "emulator/api/errors.h"
#include "emulator/api/handlers.h"
#include "emulator/api/json_fields.h"
#include "emulator/core/base64.h"
#include "emulator/core/digest.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/bucket_service.h"

namespace fanlab::api {
namespace {

using services::BucketService;

// The owner every bucket and object reports: the emulator's one account.
constexpr std::string_view kOwnerName = "fanlab";
const std::string& OwnerId() {
  static const std::string id = Sha256Hex("fanlab:000000000000");
  return id;
}

// S3 answers a missing parameter with InvalidArgument.
constexpr MissingField kMissing =
    MustContainParameter<ErrorCode::kInvalidArgument>;

// An action: reads its fields from `r` and returns the response body or the
// error (ReadAndAct).
using BucketAction = Result<std::string> (*)(BucketService&, FieldReader& r);

Handler Wrap(BucketAction f) {
  return [f](CallContext& c, std::string_view body, ApiCallback& done) {
    Result<std::string> out = ReadAndAct(body, kMissing, [&](FieldReader& r) {
      return f(*c.services.buckets, r);
    });
    done(out.ok() ? Ok(std::move(out).value()) : S3Error(out.status()));
  };
}

std::string Quoted(std::string_view etag) {
  return "\"" + std::string(etag) + "\"";
}

// --- Buckets ---------------------------------------------------------------

Result<std::string> CreateBucket(BucketService& b, FieldReader& r) {
  std::string name;
  r.Require("Bucket", name);
  // CreateBucketConfiguration (LocationConstraint, ...) is accepted and
  // ignored: the emulator has one region.
  r.Object("CreateBucketConfiguration");
  if (!r.ok()) return r.status();
  auto created = b.CreateBucket(name);
  if (!created.ok()) return created.status();
  JsonWriter w;
  w.BeginObject().Key("Location").String("/" + name).EndObject();
  return w.Take();
}

Result<std::string> DeleteBucket(BucketService& b, FieldReader& r) {
  std::string name;
  r.Require("Bucket", name);
  if (!r.ok()) return r.status();
  if (Status s = b.DeleteBucket(name); !s.ok()) return s;
  return std::string("{}");
}

Result<std::string> HeadBucket(BucketService& b, FieldReader& r) {
  std::string name;
  r.Require("Bucket", name);
  if (!r.ok()) return r.status();
  auto head = b.HeadBucket(name);
  if (!head.ok()) return head.status();
  JsonWriter w;
  w.BeginObject()
      .Key("BucketRegion")
      .String(b.options().region)
      .Key("BucketLocationType")
      .String("Region")
      .Key("BucketLocationName")
      .String(b.options().region)
      .EndObject();
  return w.Take();
}

void WriteOwner(JsonWriter& w) {
  w.Key("Owner")
      .BeginObject()
      .Key("DisplayName")
      .String(kOwnerName)
      .Key("ID")
      .String(OwnerId())
      .EndObject();
}

Result<std::string> ListBuckets(BucketService& b, FieldReader& r) {
  services::ListBucketsRequest req;
  r.Read("Prefix", req.prefix);
  r.Read("MaxBuckets", req.max_buckets);
  r.Read("ContinuationToken", req.continuation_token);
  if (!r.ok()) return r.status();
  auto list = b.ListBuckets(req);
  if (!list.ok()) return list.status();
  JsonWriter w;
  w.BeginObject().Key("Buckets").BeginArray();
  for (const auto& bucket : list->buckets) {
    w.BeginObject()
        .Key("Name")
        .String(bucket.name)
        .Key("CreationDate")
        .String(FormatIso8601(bucket.creation_date))
        .Key("BucketRegion")
        .String(b.options().region)
        .EndObject();
  }
  w.EndArray();
  WriteOwner(w);
  if (!req.prefix.empty()) w.Key("Prefix").String(req.prefix);
  if (!list->continuation_token.empty()) {
    w.Key("ContinuationToken").String(list->continuation_token);
  }
  w.EndObject();
  return w.Take();
}

// --- Objects ---------------------------------------------------------------

Result<std::string> PutObject(BucketService& b, FieldReader& r) {
  services::PutObjectRequest req;
  std::optional<std::string> body;
  r.Require("Bucket", req.bucket);
  r.Require("Key", req.key);
  r.ReadBase64("Body", body);
  r.Read("ContentType", req.content_type);
  r.Read("CacheControl", req.cache_control);
  r.Read("ContentDisposition", req.content_disposition);
  r.Read("ContentEncoding", req.content_encoding);
  r.Read("ContentLanguage", req.content_language);
  r.Read("Metadata", req.metadata);
  if (!r.ok()) return r.status();
  req.body = std::move(body).value_or("");
  auto put = b.PutObject(std::move(req));
  if (!put.ok()) return put.status();
  JsonWriter w;
  w.BeginObject()
      .Key("ETag")
      .String(Quoted(put->meta.etag))
      .Key("ServerSideEncryption")
      .String("AES256")
      .EndObject();
  return w.Take();
}

Result<services::GetObjectRequest> ReadGet(FieldReader& r) {
  services::GetObjectRequest req;
  r.Require("Bucket", req.bucket);
  r.Require("Key", req.key);
  r.Read("Range", req.range);
  if (!r.ok()) return r.status();
  return req;
}

// The fields GetObject and HeadObject share; the caller closes the object.
void WriteObjectHead(JsonWriter& w, const services::GetObjectResult& r) {
  const services::ObjectMeta& m = r.meta;
  w.Key("AcceptRanges")
      .String("bytes")
      .Key("ContentLength")
      .Int(static_cast<int64_t>(r.content_length))
      .Key("ContentType")
      .String(m.content_type)
      .Key("ETag")
      .String(Quoted(m.etag))
      .Key("LastModified")
      .String(FormatIso8601(m.last_modified));
  if (r.range) {
    w.Key("ContentRange")
        .String("bytes " + std::to_string(r.range->first) + "-" +
                std::to_string(r.range->last) + "/" + std::to_string(m.size));
  }
  auto optional = [&w](std::string_view name, const std::string& value) {
    if (!value.empty()) w.Key(name).String(value);
  };
  optional("CacheControl", m.cache_control);
  optional("ContentDisposition", m.content_disposition);
  optional("ContentEncoding", m.content_encoding);
  optional("ContentLanguage", m.content_language);
  w.Key("Metadata").BeginObject();
  for (const auto& [k, v] : m.metadata) w.Key(k).String(v);
  w.EndObject();
  w.Key("ServerSideEncryption").String("AES256");
}

Result<std::string> GetObject(BucketService& b, FieldReader& r) {
  auto req = ReadGet(r);
  if (!req.ok()) return req.status();
  auto got = b.GetObject(*req);
  if (!got.ok()) return got.status();
  JsonWriter w;
  w.BeginObject().Key("Body").String(Base64Encode(got->body));
  WriteObjectHead(w, *got);
  w.EndObject();
  return w.Take();
}

Result<std::string> HeadObject(BucketService& b, FieldReader& r) {
  auto req = ReadGet(r);
  if (!req.ok()) return req.status();
  auto head = b.HeadObject(*req);
  if (!head.ok()) return head.status();
  JsonWriter w;
  w.BeginObject();
  WriteObjectHead(w, *head);
  w.EndObject();
  return w.Take();
}

Result<std::string> DeleteObject(BucketService& b, FieldReader& r) {
  std::string bucket, key;
  r.Require("Bucket", bucket);
  r.Require("Key", key);
  if (!r.ok()) return r.status();
  if (Status s = b.DeleteObject(bucket, key); !s.ok()) return s;
  return std::string("{}");
}

Result<std::string> ListObjectsV2(BucketService& b, FieldReader& r) {
  services::ListObjectsV2Request req;
  std::string encoding;
  bool fetch_owner = false;
  r.Require("Bucket", req.bucket);
  r.Read("Prefix", req.prefix);
  r.Read("Delimiter", req.delimiter);
  r.Read("MaxKeys", req.max_keys);
  r.Read("StartAfter", req.start_after);
  r.Read("ContinuationToken", req.continuation_token);
  r.Read("EncodingType", encoding);
  r.Read("FetchOwner", fetch_owner);
  if (!r.ok()) return r.status();
  if (!encoding.empty() && encoding != "url") {
    return Status(ErrorCode::kInvalidArgument,
                  "Invalid Encoding Method specified in Request");
  }
  auto list = b.ListObjectsV2(req);
  if (!list.ok()) return list.status();
  // EncodingType=url percent-encodes every key-shaped value in the answer.
  auto enc = [url = !encoding.empty()](const std::string& s) {
    return url ? services::UrlEncode(s) : s;
  };
  JsonWriter w;
  w.BeginObject()
      .Key("Name")
      .String(req.bucket)
      .Key("Prefix")
      .String(enc(req.prefix));
  if (!req.delimiter.empty()) w.Key("Delimiter").String(enc(req.delimiter));
  w.Key("MaxKeys")
      .Int(list->max_keys)
      .Key("KeyCount")
      .Int(list->key_count())
      .Key("IsTruncated")
      .Bool(list->is_truncated);
  if (!req.continuation_token.empty()) {
    w.Key("ContinuationToken").String(req.continuation_token);
  }
  if (list->is_truncated) {
    w.Key("NextContinuationToken").String(list->next_continuation_token);
  }
  if (!req.start_after.empty()) {
    w.Key("StartAfter").String(enc(req.start_after));
  }
  if (!encoding.empty()) w.Key("EncodingType").String(encoding);
  // S3 leaves out Contents and CommonPrefixes when they are empty (SDKs
  // then have no such member): so does the emulator, so that code reading
  // them unguarded fails here as it would on AWS.
  if (!list->contents.empty()) {
    w.Key("Contents").BeginArray();
    for (const auto& obj : list->contents) {
      w.BeginObject()
          .Key("Key")
          .String(enc(obj.key))
          .Key("LastModified")
          .String(FormatIso8601(obj.meta.last_modified))
          .Key("ETag")
          .String(Quoted(obj.meta.etag))
          .Key("Size")
          .Int(static_cast<int64_t>(obj.meta.size))
          .Key("StorageClass")
          .String("STANDARD");
      if (fetch_owner) WriteOwner(w);
      w.EndObject();
    }
    w.EndArray();
  }
  if (!list->common_prefixes.empty()) {
    w.Key("CommonPrefixes").BeginArray();
    for (const auto& p : list->common_prefixes) {
      w.BeginObject().Key("Prefix").String(enc(p)).EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

void AddBucketActions(Registry& registry) {
  std::pair<const char*, BucketAction> actions[] = {
      {"CreateBucket", CreateBucket},   {"DeleteBucket", DeleteBucket},
      {"HeadBucket", HeadBucket},       {"ListBuckets", ListBuckets},
      {"PutObject", PutObject},         {"GetObject", GetObject},
      {"HeadObject", HeadObject},       {"DeleteObject", DeleteObject},
      {"ListObjectsV2", ListObjectsV2},
  };
  for (auto [name, f] : actions) registry.Add(ApiService::kS3, name, Wrap(f));
}

}  // namespace fanlab::api
