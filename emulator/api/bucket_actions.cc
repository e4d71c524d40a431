// S3's bucket and object actions over the one dispatcher, with the field
// names of the S3 API as the AWS SDKs model them (Bucket, Key, Body,
// ContentType, Metadata, ContentLength, ETag, LastModified, Contents,
// CommonPrefixes, ...). Bodies travel as base64 strings, as blobs do in
// AWS's JSON protocols; ETags carry their quotes; times are ISO 8601.
// docs/services.md lists the actions and fields.
//
// Headers arrive as the model names them (ContentMD5, ChecksumCRC32 ...,
// ChecksumAlgorithm, IfMatch, IfModifiedSince, Expires, CopySource,
// MetadataDirective ...) and are parsed here into the service's
// conditions and checksums; times in headers are HTTP dates (ISO 8601 is
// taken too), and one that does not parse is ignored, as HTTP wants.
//
// Errors are in the com.amazonaws.s3# namespace, with S3's HTTP statuses
// (dispatcher.cc). A field of the wrong type, or a Body that is not
// base64, is a SerializationException naming the field.
#include <time.h>

#include <array>
#include <ctime>
#include <map>
#include <optional>

#include "emulator/api/errors.h"
#include "emulator/api/handlers.h"
#include "emulator/api/json_fields.h"
#include "emulator/core/ascii.h"
#include "emulator/core/base64.h"
#include "emulator/core/checksum.h"
#include "emulator/core/digest.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/bucket_checks.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/route_service.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::api {
namespace {

using services::BucketService;
using services::ChecksumType;
using services::ObjectChecksum;

// The owner every bucket and object reports: the buckets' account.
struct Owner {
  std::string id;  // S3's canonical user id
  std::string display_name;
};
Owner OwnerOf(const BucketService& b) {
  Account account = b.account();
  return {account.CanonicalUserId(), account.display_name};
}

// S3 answers a missing parameter with InvalidArgument.
constexpr MissingField kMissing = MustContainParameter<s3::kInvalidArgument>;

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

// --- Headers -------------------------------------------------------------

// The checksum members the model names, with the header each stands for.
struct ChecksumMember {
  const char* field;
  const char* header;
};
constexpr std::array<ChecksumMember, 10> kChecksumMembers = {{
    {"ChecksumCRC32", "x-amz-checksum-crc32"},
    {"ChecksumCRC32C", "x-amz-checksum-crc32c"},
    {"ChecksumCRC64NVME", "x-amz-checksum-crc64nvme"},
    {"ChecksumSHA1", "x-amz-checksum-sha1"},
    {"ChecksumSHA256", "x-amz-checksum-sha256"},
    {"ChecksumSHA512", "x-amz-checksum-sha512"},
    {"ChecksumMD5", "x-amz-checksum-md5"},
    {"ChecksumXXHASH64", "x-amz-checksum-xxhash64"},
    {"ChecksumXXHASH3", "x-amz-checksum-xxhash3"},
    {"ChecksumXXHASH128", "x-amz-checksum-xxhash128"},
}};

// The one x-amz-checksum-<alg> header (or trailer) of the request, if any
// (FindChecksum's errors: two of them, an algorithm fanlab lacks).
Result<std::optional<ObjectChecksum>> ReadChecksum(FieldReader& r) {
  std::map<std::string, std::string> fields;
  for (const auto& m : kChecksumMembers) {
    std::optional<std::string> value;
    r.Read(m.field, value);
    if (value) fields[m.header] = *value;
  }
  if (!r.ok()) return r.status();
  return services::FindChecksum(fields);
}

// An algorithm header's value (x-amz-sdk-checksum-algorithm,
// x-amz-checksum-algorithm); "" is none.
Result<std::optional<ChecksumAlgorithm>> ParseAlgorithm(
    std::string_view header, const std::string& value) {
  if (value.empty()) return std::optional<ChecksumAlgorithm>();
  std::optional<ChecksumAlgorithm> a = ParseChecksumAlgorithm(value);
  if (!a) {
    return Status(s3::kInvalidRequest,
                  "Value for " + std::string(header) + " header is invalid.");
  }
  return a;
}

// An HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"), or ISO 8601
// ("1994-11-06T08:49:37Z"); nullopt when it is neither.
std::optional<TimePoint> ParseHeaderTime(const std::string& text) {
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%Y-%m-%dT%H:%M:%S"}) {
    std::tm tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end == nullptr) continue;
    std::string_view rest(end);
    // ISO 8601 may carry fractions and a Z.
    if (!rest.empty() && format[0] == '%' && format[1] == 'Y') {
      if (rest.starts_with('.')) {
        rest.remove_prefix(1);
        while (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') {
          rest.remove_prefix(1);
        }
      }
      if (rest == "Z") rest = "";
    }
    if (!rest.empty()) continue;
    time_t secs = timegm(&tm);
    return TimePoint(std::chrono::seconds(secs));
  }
  return std::nullopt;
}

void ReadTime(FieldReader& r, std::string_view field,
              std::optional<TimePoint>& out) {
  std::string text;
  r.Read(field, text);
  if (!text.empty()) out = ParseHeaderTime(text);
}

services::ReadConditions ReadReadConditions(FieldReader& r,
                                            std::string_view prefix) {
  services::ReadConditions c;
  std::string p(prefix);
  r.Read(p + "IfMatch", c.if_match);
  r.Read(p + "IfNoneMatch", c.if_none_match);
  ReadTime(r, p + "IfModifiedSince", c.if_modified_since);
  ReadTime(r, p + "IfUnmodifiedSince", c.if_unmodified_since);
  return c;
}

services::WriteConditions ReadWriteConditions(FieldReader& r) {
  services::WriteConditions c;
  r.Read("IfMatch", c.if_match);
  r.Read("IfNoneMatch", c.if_none_match);
  return c;
}

// ChecksumCRC32 (...) and ChecksumType of `c`.
void WriteChecksum(JsonWriter& w, const ObjectChecksum& c) {
  std::string field = "Checksum";
  field += ChecksumAlgorithmName(c.algorithm);
  w.Key(field).String(c.value);
  w.Key("ChecksumType").String(services::ChecksumTypeName(c.type));
}

// A part's checksum in its upload's algorithm ("" when none).
void WritePartChecksum(JsonWriter& w,
                       const std::optional<ChecksumAlgorithm>& algorithm,
                       const std::string& value) {
  if (!algorithm || value.empty()) return;
  std::string field = "Checksum";
  field += ChecksumAlgorithmName(*algorithm);
  w.Key(field).String(value);
}

// The content headers PutObject, CopyObject (REPLACE) and
// CreateMultipartUpload share.
template <typename Request>
void ReadContentHeaders(FieldReader& r, Request& req) {
  r.Read("ContentType", req.content_type);
  r.Read("CacheControl", req.cache_control);
  r.Read("ContentDisposition", req.content_disposition);
  r.Read("ContentEncoding", req.content_encoding);
  r.Read("ContentLanguage", req.content_language);
  r.Read("Expires", req.expires);
  r.Read("Metadata", req.metadata);
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

void WriteOwner(JsonWriter& w, const Owner& owner) {
  w.Key("Owner")
      .BeginObject()
      .Key("DisplayName")
      .String(owner.display_name)
      .Key("ID")
      .String(owner.id)
      .EndObject();
}

Result<std::string> ListBuckets(BucketService& b, FieldReader& r) {
  const Owner owner = OwnerOf(b);
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
  WriteOwner(w, owner);
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
  std::string algorithm;
  r.ReadBase64("Body", body);
  ReadContentHeaders(r, req);
  r.Read("ContentMD5", req.content_md5);
  r.Read("ChecksumAlgorithm", algorithm);
  req.conditions = ReadWriteConditions(r);
  if (!r.ok()) return r.status();
  auto checksum = ReadChecksum(r);
  if (!checksum.ok()) return checksum.status();
  req.checksum = std::move(checksum).value();
  auto alg = ParseAlgorithm("x-amz-sdk-checksum-algorithm", algorithm);
  if (!alg.ok()) return alg.status();
  req.checksum_algorithm = *alg;
  req.body = std::move(body).value_or("");
  auto put = b.PutObject(std::move(req));
  if (!put.ok()) return put.status();
  JsonWriter w;
  w.BeginObject().Key("ETag").String(Quoted(put->meta.etag));
  if (put->meta.checksum) WriteChecksum(w, *put->meta.checksum);
  w.Key("ServerSideEncryption").String("AES256").EndObject();
  return w.Take();
}

Result<services::GetObjectRequest> ReadGet(FieldReader& r) {
  services::GetObjectRequest req;
  r.Require("Bucket", req.bucket);
  r.Require("Key", req.key);
  r.Read("Range", req.range);
  req.conditions = ReadReadConditions(r, "");
  std::string mode;
  r.Read("ChecksumMode", mode);
  if (!r.ok()) return r.status();
  req.checksum_mode = EqualsIgnoringAsciiCase(mode, "ENABLED");
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
  optional("Expires", m.expires);
  if (r.checksum) WriteChecksum(w, *r.checksum);
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

// S3's EncodingType: absent, or "url", which percent-encodes every
// key-shaped value in a listing's answer; anything else is
// InvalidArgument.
class KeyEncoding {
 public:
  static Result<KeyEncoding> From(const std::string& encoding_type) {
    if (!encoding_type.empty() && encoding_type != "url") {
      return Status(s3::kInvalidArgument,
                    "Invalid Encoding Method specified in Request");
    }
    return KeyEncoding(!encoding_type.empty());
  }
  std::string operator()(const std::string& s) const {
    return url_ ? services::UrlEncode(s) : s;
  }

 private:
  explicit KeyEncoding(bool url) : url_(url) {}
  bool url_;
};

Result<std::string> ListObjectsV2(BucketService& b, FieldReader& r) {
  const Owner owner = OwnerOf(b);
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
  Result<KeyEncoding> encoding_type = KeyEncoding::From(encoding);
  if (!encoding_type.ok()) return encoding_type.status();
  const KeyEncoding enc = *encoding_type;
  auto list = b.ListObjectsV2(req);
  if (!list.ok()) return list.status();
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
      if (fetch_owner) WriteOwner(w, owner);
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

// S3's ListObjects (version 1): ListObjectsV2's listing, resumed after
// Marker; NextMarker is the last key or common prefix listed when the
// answer is truncated.
Result<std::string> ListObjects(BucketService& b, FieldReader& r) {
  const Owner owner = OwnerOf(b);
  services::ListObjectsV2Request req;
  std::string encoding, marker;
  r.Require("Bucket", req.bucket);
  r.Read("Prefix", req.prefix);
  r.Read("Delimiter", req.delimiter);
  r.Read("MaxKeys", req.max_keys);
  r.Read("Marker", marker);
  r.Read("EncodingType", encoding);
  if (!r.ok()) return r.status();
  Result<KeyEncoding> encoding_type = KeyEncoding::From(encoding);
  if (!encoding_type.ok()) return encoding_type.status();
  const KeyEncoding enc = *encoding_type;
  req.start_after = marker;
  // A marker that is a common prefix skips every key under it: no UTF-8
  // key has a 0xFF byte, so marker + "\xff" sorts after all of them.
  if (!req.delimiter.empty() && marker.starts_with(req.prefix) &&
      marker.ends_with(req.delimiter) &&
      marker.find(req.delimiter, req.prefix.size()) + req.delimiter.size() ==
          marker.size()) {
    req.start_after += '\xff';
  }
  auto list = b.ListObjectsV2(req);
  if (!list.ok()) return list.status();
  JsonWriter w;
  w.BeginObject()
      .Key("Name")
      .String(req.bucket)
      .Key("Prefix")
      .String(enc(req.prefix))
      .Key("Marker")
      .String(enc(marker));
  if (!req.delimiter.empty()) w.Key("Delimiter").String(enc(req.delimiter));
  w.Key("MaxKeys")
      .Int(list->max_keys)
      .Key("IsTruncated")
      .Bool(list->is_truncated);
  if (list->is_truncated) {
    // The greater of the last key and the last prefix is where it stopped.
    std::string next;
    if (!list->contents.empty()) next = list->contents.back().key;
    if (!list->common_prefixes.empty() && list->common_prefixes.back() > next) {
      next = list->common_prefixes.back();
    }
    w.Key("NextMarker").String(enc(next));
  }
  if (!encoding.empty()) w.Key("EncodingType").String(encoding);
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
      WriteOwner(w, owner);
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

// x-amz-copy-source: "bucket/key" or "/bucket/key", URL-encoded, maybe
// with "?versionId=..." (fanlab keeps one version: only "null" is it).
Status ParseCopySource(std::string_view source,
                       services::CopyObjectRequest& req) {
  auto bad = [&] {
    return Status(s3::kInvalidArgument,
                  "Invalid copy source object key: x-amz-copy-source must "
                  "be bucket/key, not '" +
                      std::string(source.substr(0, 256)) + "'.");
  };
  if (size_t q = source.find('?'); q != std::string_view::npos) {
    std::string_view query = source.substr(q + 1);
    source = source.substr(0, q);
    if (query.starts_with("versionId=") && query != "versionId=null") {
      return Status(s3::kNotImplemented,
                    "A header you provided implies functionality that is not "
                    "implemented: fanlab keeps no object versions.");
    }
  }
  std::string decoded = services::PercentDecode(source);
  std::string_view path = decoded;
  if (path.starts_with('/')) path.remove_prefix(1);
  size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 ||
      slash + 1 == path.size()) {
    return bad();
  }
  req.source_bucket = std::string(path.substr(0, slash));
  req.source_key = std::string(path.substr(slash + 1));
  return Status();
}

Result<std::string> CopyObject(BucketService& b, FieldReader& r) {
  services::CopyObjectRequest req;
  std::string source, directive, algorithm;
  r.Require("Bucket", req.bucket);
  r.Require("Key", req.key);
  r.Require("CopySource", source);
  r.Read("MetadataDirective", directive);
  r.Read("ChecksumAlgorithm", algorithm);
  ReadContentHeaders(r, req);
  req.source_conditions = ReadReadConditions(r, "CopySource");
  req.conditions = ReadWriteConditions(r);
  if (!r.ok()) return r.status();
  if (directive.empty() || directive == "COPY") {
    req.metadata_directive = services::MetadataDirective::kCopy;
  } else if (directive == "REPLACE") {
    req.metadata_directive = services::MetadataDirective::kReplace;
  } else {
    return Status(s3::kInvalidArgument,
                  "Unknown metadata directive: " + directive.substr(0, 64));
  }
  if (Status s = ParseCopySource(source, req); !s.ok()) return s;
  auto alg = ParseAlgorithm("x-amz-checksum-algorithm", algorithm);
  if (!alg.ok()) return alg.status();
  req.checksum_algorithm = *alg;
  auto copied = b.CopyObject(std::move(req));
  if (!copied.ok()) return copied.status();
  JsonWriter w;
  w.BeginObject()
      .Key("CopyObjectResult")
      .BeginObject()
      .Key("ETag")
      .String(Quoted(copied->meta.etag))
      .Key("LastModified")
      .String(FormatIso8601(copied->meta.last_modified));
  if (copied->meta.checksum) WriteChecksum(w, *copied->meta.checksum);
  w.EndObject().Key("ServerSideEncryption").String("AES256").EndObject();
  return w.Take();
}

Result<std::string> DeleteObjects(BucketService& b, FieldReader& r) {
  services::DeleteObjectsRequest req;
  r.Require("Bucket", req.bucket);
  std::optional<FieldReader> del = r.Object("Delete");
  if (!r.ok()) return r.status();
  if (!del) {
    return Status(s3::kMalformedXML,
                  "The XML you provided was not well-formed or did not "
                  "validate against our published schema");
  }
  del->Read("Quiet", req.quiet);
  del->Objects("Objects", [&](FieldReader& o, size_t) {
    std::string key;
    o.Require("Key", key);
    req.keys.push_back(std::move(key));
  });
  if (!r.ok()) {
    return Status(s3::kMalformedXML,
                  "The XML you provided was not well-formed or did not "
                  "validate against our published schema: " +
                      r.status().message());
  }
  auto result = b.DeleteObjects(req);
  if (!result.ok()) return result.status();
  JsonWriter w;
  w.BeginObject();
  if (!result->deleted.empty()) {
    w.Key("Deleted").BeginArray();
    for (const auto& key : result->deleted) {
      w.BeginObject().Key("Key").String(key).EndObject();
    }
    w.EndArray();
  }
  if (!result->errors.empty()) {
    w.Key("Errors").BeginArray();
    for (const auto& e : result->errors) {
      w.BeginObject()
          .Key("Key")
          .String(e.key)
          .Key("Code")
          .String(e.code)
          .Key("Message")
          .String(e.message)
          .EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

// --- Multipart uploads ---------------------------------------------------

Result<std::string> CreateMultipartUpload(BucketService& b, FieldReader& r) {
  services::CreateMultipartUploadRequest req;
  std::string algorithm, type;
  r.Require("Bucket", req.bucket);
  r.Require("Key", req.key);
  ReadContentHeaders(r, req);
  r.Read("ChecksumAlgorithm", algorithm);
  r.Read("ChecksumType", type);
  if (!r.ok()) return r.status();
  auto alg = ParseAlgorithm("x-amz-checksum-algorithm", algorithm);
  if (!alg.ok()) return alg.status();
  req.checksum_algorithm = *alg;
  if (type == "COMPOSITE") {
    req.checksum_type = ChecksumType::kComposite;
  } else if (type == "FULL_OBJECT") {
    req.checksum_type = ChecksumType::kFullObject;
  } else if (!type.empty()) {
    return Status(s3::kInvalidRequest,
                  "Value for x-amz-checksum-type header is invalid.");
  }
  auto up = b.CreateMultipartUpload(std::move(req));
  if (!up.ok()) return up.status();
  JsonWriter w;
  w.BeginObject()
      .Key("Bucket")
      .String(up->bucket)
      .Key("Key")
      .String(up->key)
      .Key("UploadId")
      .String(up->upload_id);
  if (up->checksum_algorithm) {
    w.Key("ChecksumAlgorithm")
        .String(ChecksumAlgorithmName(*up->checksum_algorithm))
        .Key("ChecksumType")
        .String(services::ChecksumTypeName(up->checksum_type));
  }
  w.Key("ServerSideEncryption").String("AES256").EndObject();
  return w.Take();
}

Result<std::string> UploadPart(BucketService& b, FieldReader& r) {
  services::UploadPartRequest req;
  std::optional<std::string> body;
  int64_t part_number = 0;
  std::string algorithm;
  r.Require("Bucket", req.bucket);
  r.Require("Key", req.key);
  r.Require("UploadId", req.upload_id);
  r.Require("PartNumber", part_number);
  r.ReadBase64("Body", body);
  r.Read("ContentMD5", req.content_md5);
  r.Read("ChecksumAlgorithm", algorithm);
  if (!r.ok()) return r.status();
  auto checksum = ReadChecksum(r);
  if (!checksum.ok()) return checksum.status();
  req.checksum = std::move(checksum).value();
  auto alg = ParseAlgorithm("x-amz-sdk-checksum-algorithm", algorithm);
  if (!alg.ok()) return alg.status();
  // Out of int's range is out of 1-10,000 too: the service says so.
  req.part_number = part_number < 0 || part_number > services::kMaxPartNumber
                        ? -1
                        : static_cast<int>(part_number);
  req.body = std::move(body).value_or("");
  services::ListPartsRequest upload{.bucket = req.bucket,
                                    .key = req.key,
                                    .upload_id = req.upload_id,
                                    .max_parts = 0};
  auto part = b.UploadPart(std::move(req));
  if (!part.ok()) return part.status();
  JsonWriter w;
  w.BeginObject().Key("ETag").String(Quoted(part->etag));
  if (!part->checksum.empty()) {
    // The part's checksum is in its upload's algorithm.
    auto listed = b.ListParts(upload);
    if (listed.ok()) {
      WritePartChecksum(w, listed->upload.checksum_algorithm, part->checksum);
    }
  }
  w.Key("ServerSideEncryption").String("AES256").EndObject();
  return w.Take();
}

Result<std::string> CompleteMultipartUpload(BucketService& b, FieldReader& r) {
  services::CompleteMultipartUploadRequest req;
  std::optional<int64_t> size;
  r.Require("Bucket", req.bucket);
  r.Require("Key", req.key);
  r.Require("UploadId", req.upload_id);
  r.Read("MpuObjectSize", size);
  req.conditions = ReadWriteConditions(r);
  if (std::optional<FieldReader> mpu = r.Object("MultipartUpload")) {
    mpu->Objects("Parts", [&](FieldReader& p, size_t) {
      services::CompletedPart part;
      int64_t number = 0;
      p.Require("PartNumber", number);
      p.Read("ETag", part.etag);
      for (const auto& m : kChecksumMembers) {
        if (part.checksum.empty()) p.Read(m.field, part.checksum);
      }
      part.part_number = number < 0 || number > services::kMaxPartNumber
                             ? -1
                             : static_cast<int>(number);
      req.parts.push_back(std::move(part));
    });
  }
  if (!r.ok()) return r.status();
  if (size) {
    if (*size < 0) {
      return Status(s3::kInvalidRequest,
                    "Value for x-amz-mp-object-size header is invalid.");
    }
    req.mpu_object_size = static_cast<uint64_t>(*size);
  }
  auto checksum = ReadChecksum(r);
  if (!checksum.ok()) return checksum.status();
  req.checksum = std::move(checksum).value();
  std::string bucket = req.bucket;
  auto done = b.CompleteMultipartUpload(std::move(req));
  if (!done.ok()) return done.status();
  JsonWriter w;
  w.BeginObject()
      .Key("Location")
      .String("/" + bucket + "/" + services::UrlEncode(done->key))
      .Key("Bucket")
      .String(bucket)
      .Key("Key")
      .String(done->key)
      .Key("ETag")
      .String(Quoted(done->meta.etag));
  if (done->meta.checksum) WriteChecksum(w, *done->meta.checksum);
  w.Key("ServerSideEncryption").String("AES256").EndObject();
  return w.Take();
}

Result<std::string> AbortMultipartUpload(BucketService& b, FieldReader& r) {
  std::string bucket, key, upload_id;
  r.Require("Bucket", bucket);
  r.Require("Key", key);
  r.Require("UploadId", upload_id);
  if (!r.ok()) return r.status();
  if (Status s = b.AbortMultipartUpload(bucket, key, upload_id); !s.ok()) {
    return s;
  }
  return std::string("{}");
}

void WriteInitiator(JsonWriter& w, const Owner& owner) {
  w.Key("Initiator")
      .BeginObject()
      .Key("ID")
      .String(owner.id)
      .Key("DisplayName")
      .String(owner.display_name)
      .EndObject();
  WriteOwner(w, owner);
}

Result<std::string> ListParts(BucketService& b, FieldReader& r) {
  const Owner owner = OwnerOf(b);
  services::ListPartsRequest req;
  int64_t marker = 0;
  r.Require("Bucket", req.bucket);
  r.Require("Key", req.key);
  r.Require("UploadId", req.upload_id);
  r.Read("MaxParts", req.max_parts);
  r.Read("PartNumberMarker", marker);
  if (!r.ok()) return r.status();
  req.part_number_marker = marker < 0 ? -1
                                      : static_cast<int>(std::min<int64_t>(
                                            marker, services::kMaxPartNumber));
  auto list = b.ListParts(req);
  if (!list.ok()) return list.status();
  const services::MultipartUpload& up = list->upload;
  JsonWriter w;
  w.BeginObject()
      .Key("Bucket")
      .String(req.bucket)
      .Key("Key")
      .String(req.key)
      .Key("UploadId")
      .String(req.upload_id)
      .Key("PartNumberMarker")
      .Int(req.part_number_marker)
      .Key("NextPartNumberMarker")
      .Int(list->next_part_number_marker)
      .Key("MaxParts")
      .Int(list->max_parts)
      .Key("IsTruncated")
      .Bool(list->is_truncated);
  if (!list->parts.empty()) {
    w.Key("Parts").BeginArray();
    for (const auto& p : list->parts) {
      w.BeginObject()
          .Key("PartNumber")
          .Int(p.part_number)
          .Key("LastModified")
          .String(FormatIso8601(p.last_modified))
          .Key("ETag")
          .String(Quoted(p.etag))
          .Key("Size")
          .Int(static_cast<int64_t>(p.size));
      WritePartChecksum(w, up.checksum_algorithm, p.checksum);
      w.EndObject();
    }
    w.EndArray();
  }
  WriteInitiator(w, owner);
  w.Key("StorageClass").String("STANDARD");
  if (up.checksum_algorithm) {
    w.Key("ChecksumAlgorithm")
        .String(ChecksumAlgorithmName(*up.checksum_algorithm))
        .Key("ChecksumType")
        .String(services::ChecksumTypeName(up.checksum_type));
  }
  w.EndObject();
  return w.Take();
}

Result<std::string> ListMultipartUploads(BucketService& b, FieldReader& r) {
  const Owner owner = OwnerOf(b);
  services::ListMultipartUploadsRequest req;
  std::string encoding;
  r.Require("Bucket", req.bucket);
  r.Read("Prefix", req.prefix);
  r.Read("Delimiter", req.delimiter);
  r.Read("MaxUploads", req.max_uploads);
  r.Read("KeyMarker", req.key_marker);
  r.Read("UploadIdMarker", req.upload_id_marker);
  r.Read("EncodingType", encoding);
  if (!r.ok()) return r.status();
  Result<KeyEncoding> encoding_type = KeyEncoding::From(encoding);
  if (!encoding_type.ok()) return encoding_type.status();
  const KeyEncoding enc = *encoding_type;
  auto list = b.ListMultipartUploads(req);
  if (!list.ok()) return list.status();
  JsonWriter w;
  w.BeginObject()
      .Key("Bucket")
      .String(req.bucket)
      .Key("KeyMarker")
      .String(enc(req.key_marker))
      .Key("UploadIdMarker")
      .String(req.upload_id_marker)
      .Key("Prefix")
      .String(enc(req.prefix));
  if (!req.delimiter.empty()) w.Key("Delimiter").String(enc(req.delimiter));
  w.Key("MaxUploads")
      .Int(list->max_uploads)
      .Key("IsTruncated")
      .Bool(list->is_truncated);
  if (list->is_truncated) {
    w.Key("NextKeyMarker")
        .String(enc(list->next_key_marker))
        .Key("NextUploadIdMarker")
        .String(list->next_upload_id_marker);
  }
  if (!encoding.empty()) w.Key("EncodingType").String(encoding);
  if (!list->uploads.empty()) {
    w.Key("Uploads").BeginArray();
    for (const auto& up : list->uploads) {
      w.BeginObject()
          .Key("UploadId")
          .String(up.upload_id)
          .Key("Key")
          .String(enc(up.key))
          .Key("Initiated")
          .String(FormatIso8601(up.initiated))
          .Key("StorageClass")
          .String("STANDARD");
      WriteInitiator(w, owner);
      if (up.checksum_algorithm) {
        w.Key("ChecksumAlgorithm")
            .String(ChecksumAlgorithmName(*up.checksum_algorithm))
            .Key("ChecksumType")
            .String(services::ChecksumTypeName(up.checksum_type));
      }
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

// --- Event notifications ---------------------------------------------------

// The three lists of a NotificationConfiguration, S3's member names.
struct NotificationList {
  const char* list;
  const char* arn;
  services::NotificationTargetKind kind;
};
constexpr NotificationList kNotificationLists[] = {
    {"LambdaFunctionConfigurations", "LambdaFunctionArn",
     services::NotificationTargetKind::kFunction},
    {"QueueConfigurations", "QueueArn",
     services::NotificationTargetKind::kQueue},
    {"TopicConfigurations", "TopicArn",
     services::NotificationTargetKind::kTopic},
};

Result<std::string> PutBucketNotificationConfiguration(BucketService& b,
                                                       FieldReader& r) {
  std::string name;
  r.Require("Bucket", name);
  services::NotificationConfiguration config;
  if (!r.Has("NotificationConfiguration")) {
    r.Missing("NotificationConfiguration");
  } else if (auto c = r.Object("NotificationConfiguration")) {
    for (const NotificationList& l : kNotificationLists) {
      c->Objects(l.list, [&](FieldReader& e, size_t) {
        services::NotificationRule rule;
        rule.kind = l.kind;
        e.Read("Id", rule.id);
        e.Require(l.arn, rule.arn);
        e.Require("Events", rule.events);
        if (auto filter = e.Object("Filter")) {
          if (auto key = filter->Object("Key")) {
            key->Objects("FilterRules", [&](FieldReader& f, size_t) {
              std::string which, value;
              f.Require("Name", which);
              f.Require("Value", value);
              for (char& ch : which) {
                if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
              }
              if (which == "prefix") {
                rule.prefix = value;
              } else if (which == "suffix") {
                rule.suffix = value;
              } else {
                f.Fail(Status(s3::kInvalidArgument,
                              "FilterRule.Name must be prefix or suffix."));
              }
            });
          }
        }
        config.rules.push_back(std::move(rule));
      });
    }
    // EventBridgeConfiguration (all events to EventBridge) is not sent.
    if (c->Has("EventBridgeConfiguration")) {
      c->Fail(Status(s3::kNotImplemented,
                     "EventBridgeConfiguration is not implemented by fanlab."));
    }
  }
  if (!r.ok()) return r.status();
  if (Status s = b.PutBucketNotificationConfiguration(name, std::move(config));
      !s.ok()) {
    return s;
  }
  return std::string("{}");
}

Result<std::string> GetBucketNotificationConfiguration(BucketService& b,
                                                       FieldReader& r) {
  std::string name;
  r.Require("Bucket", name);
  if (!r.ok()) return r.status();
  auto config = b.GetBucketNotificationConfiguration(name);
  if (!config.ok()) return config.status();
  JsonWriter w;
  w.BeginObject();
  for (const NotificationList& l : kNotificationLists) {
    bool any = false;
    for (const services::NotificationRule& rule : config->rules) {
      if (rule.kind != l.kind) continue;
      if (!any) w.Key(l.list).BeginArray();
      any = true;
      w.BeginObject().Key("Id").String(rule.id).Key(l.arn).String(rule.arn);
      w.Key("Events").BeginArray();
      for (const auto& e : rule.events) w.String(e);
      w.EndArray();
      if (!rule.prefix.empty() || !rule.suffix.empty()) {
        w.Key("Filter").BeginObject().Key("Key").BeginObject();
        w.Key("FilterRules").BeginArray();
        if (!rule.prefix.empty()) {
          w.BeginObject().Key("Name").String("Prefix");
          w.Key("Value").String(rule.prefix).EndObject();
        }
        if (!rule.suffix.empty()) {
          w.BeginObject().Key("Name").String("Suffix");
          w.Key("Value").String(rule.suffix).EndObject();
        }
        w.EndArray().EndObject().EndObject();
      }
      w.EndObject();
    }
    if (any) w.EndArray();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace

void AddBucketActions(Registry& registry) {
  std::pair<const char*, BucketAction> actions[] = {
      {"CreateBucket", CreateBucket},
      {"DeleteBucket", DeleteBucket},
      {"HeadBucket", HeadBucket},
      {"ListBuckets", ListBuckets},
      {"PutObject", PutObject},
      {"GetObject", GetObject},
      {"HeadObject", HeadObject},
      {"DeleteObject", DeleteObject},
      {"ListObjectsV2", ListObjectsV2},
      {"ListObjects", ListObjects},
      {"CopyObject", CopyObject},
      {"DeleteObjects", DeleteObjects},
      {"CreateMultipartUpload", CreateMultipartUpload},
      {"UploadPart", UploadPart},
      {"CompleteMultipartUpload", CompleteMultipartUpload},
      {"AbortMultipartUpload", AbortMultipartUpload},
      {"ListParts", ListParts},
      {"ListMultipartUploads", ListMultipartUploads},
      {"PutBucketNotificationConfiguration",
       PutBucketNotificationConfiguration},
      {"GetBucketNotificationConfiguration",
       GetBucketNotificationConfiguration},
  };
  for (auto [name, f] : actions) registry.Add(ApiService::kS3, name, Wrap(f));
}

}  // namespace fanlab::api
