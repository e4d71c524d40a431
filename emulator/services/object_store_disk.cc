#include "emulator/services/object_store_disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>
#include <utility>

#include "emulator/core/common_errors.h"
#include "emulator/core/digest.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::string_view kBucketFile = "bucket.json";
constexpr std::string_view kObjectsDir = "objects";
constexpr std::string_view kObjectExt = ".obj";
constexpr std::string_view kTempExt = ".tmp";
constexpr std::string_view kTempBucketPrefix = ".tmp-";
constexpr std::string_view kTrashBucketPrefix = ".trash-";
constexpr std::string_view kUploadsDir = "uploads";
constexpr std::string_view kUploadFile = "upload.json";
constexpr std::string_view kPartExt = ".part";

Status IoError(std::string_view what, const fs::path& path,
               const std::error_code& ec) {
  return Status(common::kInternalError,
                std::string(what) + " " + path.string() + ": " + ec.message());
}

Status Corrupt(const fs::path& path, std::string_view why) {
  return Status(common::kInternalError, "Corrupt file in the data dir, " +
                                            path.string() + ": " +
                                            std::string(why));
}

// A bucket directory name that is one plain path component: what S3's
// naming rules allow (and no more), re-checked here so that no caller can
// make the store leave its root.
bool IsSafeBucketDir(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name.front())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '-') return false;
  }
  return true;
}

Status CheckBucket(std::string_view bucket) {
  if (IsSafeBucketDir(bucket)) return Status::Ok();
  return Status(s3::kInvalidBucketName, "The specified bucket is not valid.");
}

// Upload ids are the service's own, but a client sends them back: only
// 1-128 characters of [0-9A-Za-z_-] may name a directory.
bool IsSafeUploadId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status CheckUpload(std::string_view bucket, std::string_view upload_id) {
  if (Status s = CheckBucket(bucket); !s.ok()) return s;
  if (IsSafeUploadId(upload_id)) return Status::Ok();
  return Status(s3::kNoSuchUpload, "The specified upload does not exist.");
}

fs::path UploadDir(const std::string& root, std::string_view bucket,
                   std::string_view upload_id) {
  return fs::path(root) / bucket / kUploadsDir / upload_id;
}

fs::path PartFile(const fs::path& upload_dir, int part_number) {
  return upload_dir / (std::to_string(part_number) + std::string(kPartExt));
}

// Refuses a path under `root` that passes through a symbolic link: a bucket
// folder (or a folder inside one) replaced by a link would let objects be
// written, read or removed outside the data dir. Checks every component
// that exists, from the first below the root down to `path` itself; what
// does not exist yet is created as a real folder or file.
Status RefuseLinks(const fs::path& root, const fs::path& path) {
  fs::path at = root;
  for (const fs::path& part : path.lexically_relative(root)) {
    at /= part;
    std::error_code ec;
    fs::file_status st = fs::symlink_status(at, ec);
    if (ec || !fs::exists(st)) return Status::Ok();
    if (fs::is_symlink(st)) {
      return Status(common::kInternalError,
                    "Refusing the symbolic link " + at.string() +
                        " in the data dir: buckets and their contents must "
                        "be real folders and files.");
    }
  }
  return Status::Ok();
}

// Writes `head` then `body` to a new file at `path` (replacing any).
// POSIX rather than ofstream, for the OS's reason when it fails.
Status WriteFile(const fs::path& path, std::string_view head,
                 std::string_view body) {
  int fd = ::open(path.c_str(),
                  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return IoError("Could not create", path,
                   std::error_code(errno, std::generic_category()));
  }
  for (std::string_view part : {head, body}) {
    while (!part.empty()) {
      ssize_t n = ::write(fd, part.data(), part.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        std::error_code ec(errno, std::generic_category());
        ::close(fd);
        return IoError("Could not write", path, ec);
      }
      part.remove_prefix(static_cast<size_t>(n));
    }
  }
  if (::close(fd) != 0) {
    return IoError("Could not write", path,
                   std::error_code(errno, std::generic_category()));
  }
  return Status::Ok();
}

// Writes to "<stem>.tmp" beside `path`, then renames over `path`: readers
// see the old file or the new one, never a part.
Status WriteAtomically(const fs::path& path, std::string_view head,
                       std::string_view body) {
  fs::path temp = path;
  temp.replace_extension(kTempExt);
  if (Status s = WriteFile(temp, head, body); !s.ok()) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return s;
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return IoError("Could not rename into", path, ec);
  }
  return Status::Ok();
}

int64_t Micros(TimePoint t) { return t.time_since_epoch().count(); }

// The fields of `m`, into an open JSON object.
void WriteMeta(JsonWriter& w, const ObjectMeta& m) {
  w.Key("Size")
      .Int(static_cast<int64_t>(m.size))
      .Key("ETag")
      .String(m.etag)
      .Key("LastModified")
      .Int(Micros(m.last_modified))
      .Key("ContentType")
      .String(m.content_type);
  auto optional = [&w](std::string_view name, const std::string& value) {
    if (!value.empty()) w.Key(name).String(value);
  };
  optional("CacheControl", m.cache_control);
  optional("ContentDisposition", m.content_disposition);
  optional("ContentEncoding", m.content_encoding);
  optional("ContentLanguage", m.content_language);
  optional("Expires", m.expires);
  w.Key("Metadata").BeginObject();
  for (const auto& [k, v] : m.metadata) w.Key(k).String(v);
  w.EndObject();
  if (m.checksum) {
    w.Key("ChecksumAlgorithm")
        .String(ChecksumAlgorithmName(m.checksum->algorithm))
        .Key("Checksum")
        .String(m.checksum->value)
        .Key("ChecksumType")
        .String(ChecksumTypeName(m.checksum->type));
  }
}

// JsonWriter escapes control characters, so a header holds no raw '\n'
// and the first one in the file ends it.
std::string ObjectHeader(std::string_view key, const ObjectMeta& m) {
  JsonWriter w;
  w.BeginObject().Key("Key").String(key);
  WriteMeta(w, m);
  w.EndObject();
  std::string out = w.Take();
  out.push_back('\n');
  return out;
}

std::string PartHeader(const PartMeta& p) {
  JsonWriter w;
  w.BeginObject()
      .Key("PartNumber")
      .Int(p.part_number)
      .Key("Size")
      .Int(static_cast<int64_t>(p.size))
      .Key("ETag")
      .String(p.etag)
      .Key("LastModified")
      .Int(Micros(p.last_modified))
      .Key("Checksum")
      .String(p.checksum)
      .EndObject();
  std::string out = w.Take();
  out.push_back('\n');
  return out;
}

std::string UploadRecord(const UploadMeta& u) {
  JsonWriter w;
  w.BeginObject()
      .Key("UploadId")
      .String(u.upload_id)
      .Key("Key")
      .String(u.key)
      .Key("Initiated")
      .Int(Micros(u.initiated))
      .Key("ChecksumType")
      .String(ChecksumTypeName(u.checksum_type));
  if (u.checksum_algorithm) {
    w.Key("ChecksumAlgorithm")
        .String(ChecksumAlgorithmName(*u.checksum_algorithm));
  }
  w.Key("Object").BeginObject();
  WriteMeta(w, u.object);
  w.EndObject().EndObject();
  return w.Take();
}

// Reads a string field; false when present but not a string, or absent
// and `required`.
bool ReadString(const json::object& o, std::string_view name, std::string& out,
                bool required) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return !required;
  if (!v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

bool ReadInt(const json::object& o, std::string_view name, int64_t& out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return false;
  if (v->is_int64()) {
    out = v->get_int64();
    return true;
  }
  if (v->is_uint64() && v->get_uint64() <= uint64_t(INT64_MAX)) {
    out = static_cast<int64_t>(v->get_uint64());
    return true;
  }
  return false;
}

Result<json::object> ParseObject(const fs::path& path, std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Corrupt(path, "not JSON (" + ec.message() + ")");
  if (!v.is_object()) return Corrupt(path, "not a JSON object");
  return std::move(v.get_object());
}

bool ReadChecksumType(const json::object& o, ChecksumType& out) {
  std::string name;
  if (!ReadString(o, "ChecksumType", name, true)) return false;
  if (name == ChecksumTypeName(ChecksumType::kFullObject)) {
    out = ChecksumType::kFullObject;
  } else if (name == ChecksumTypeName(ChecksumType::kComposite)) {
    out = ChecksumType::kComposite;
  } else {
    return false;
  }
  return true;
}

// The fields WriteMeta() wrote; false when one is missing or mistyped.
bool ReadMeta(const json::object& o, ObjectMeta& m) {
  int64_t size = 0, modified = 0;
  if (!ReadInt(o, "Size", size) || size < 0 ||
      !ReadString(o, "ETag", m.etag, true) ||
      !ReadInt(o, "LastModified", modified) ||
      !ReadString(o, "ContentType", m.content_type, true) ||
      !ReadString(o, "CacheControl", m.cache_control, false) ||
      !ReadString(o, "ContentDisposition", m.content_disposition, false) ||
      !ReadString(o, "ContentEncoding", m.content_encoding, false) ||
      !ReadString(o, "ContentLanguage", m.content_language, false) ||
      !ReadString(o, "Expires", m.expires, false)) {
    return false;
  }
  m.size = static_cast<uint64_t>(size);
  m.last_modified = TimePoint(Duration(modified));
  if (const json::value* md = o.if_contains("Metadata"); md != nullptr) {
    if (!md->is_object()) return false;
    for (const auto& [k, v] : md->get_object()) {
      if (!v.is_string()) return false;
      m.metadata[std::string(k)] = std::string(v.get_string());
    }
  }
  if (o.contains("ChecksumAlgorithm")) {
    std::string algorithm;
    ObjectChecksum c;
    if (!ReadString(o, "ChecksumAlgorithm", algorithm, true) ||
        !ReadString(o, "Checksum", c.value, true) ||
        !ReadChecksumType(o, c.type)) {
      return false;
    }
    auto parsed = ParseChecksumAlgorithm(algorithm);
    if (!parsed) return false;
    c.algorithm = *parsed;
    m.checksum = std::move(c);
  }
  return true;
}

Result<StoredObject> ParseHeader(const fs::path& path, std::string_view line) {
  Result<json::object> parsed = ParseObject(path, line);
  if (!parsed.ok()) return parsed.status();
  StoredObject obj;
  if (!ReadString(*parsed, "Key", obj.key, true) ||
      !ReadMeta(*parsed, obj.meta)) {
    return Corrupt(path, "missing or mistyped header field");
  }
  return obj;
}

// The objects of one bucket directory.
Status LoadObjects(const fs::path& bucket_dir, StoredBucket& bucket) {
  fs::path objects = bucket_dir / kObjectsDir;
  std::error_code ec;
  if (!fs::exists(objects, ec)) return Status::Ok();
  std::vector<fs::path> stale;
  for (fs::recursive_directory_iterator it(objects, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const fs::path& file = it->path();
    if (file.extension() == kTempExt) {
      stale.push_back(file);  // a put that never reached its rename
      continue;
    }
    if (file.extension() != kObjectExt) continue;
    std::ifstream in(file, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line) || in.eof()) {
      return Corrupt(file, "no header line");
    }
    Result<StoredObject> obj = ParseHeader(file, line);
    if (!obj.ok()) return obj.status();
    // The file must be where its key says and as long as its header says:
    // anything else was put there by hand, or damaged.
    if (file.stem().string() != Sha256Hex(obj->key) ||
        file.parent_path().filename().string() !=
            file.stem().string().substr(0, 2)) {
      return Corrupt(file, "its name is not the hash of its key");
    }
    uint64_t file_size = fs::file_size(file, ec);
    if (ec) return IoError("Could not read", file, ec);
    if (file_size != line.size() + 1 + obj->meta.size) {
      return Corrupt(file, "its length does not match its header's Size");
    }
    bucket.objects.push_back(std::move(obj).value());
  }
  if (ec) return IoError("Could not list", objects, ec);
  for (const fs::path& p : stale) fs::remove(p, ec);
  return Status::Ok();
}

// The first line of `file` (its JSON header) and the file's length.
Status ReadHeaderLine(const fs::path& file, std::string& line,
                      uint64_t& file_size) {
  std::ifstream in(file, std::ios::binary);
  if (!in || !std::getline(in, line) || in.eof()) {
    return Corrupt(file, "no header line");
  }
  std::error_code ec;
  file_size = fs::file_size(file, ec);
  if (ec) return IoError("Could not read", file, ec);
  return Status::Ok();
}

Result<PartMeta> LoadPart(const fs::path& file) {
  std::string line;
  uint64_t file_size = 0;
  if (Status s = ReadHeaderLine(file, line, file_size); !s.ok()) return s;
  Result<json::object> parsed = ParseObject(file, line);
  if (!parsed.ok()) return parsed.status();
  PartMeta part;
  int64_t number = 0, size = 0, modified = 0;
  if (!ReadInt(*parsed, "PartNumber", number) || number < 1 || number > 10000 ||
      !ReadInt(*parsed, "Size", size) || size < 0 ||
      !ReadString(*parsed, "ETag", part.etag, true) ||
      !ReadInt(*parsed, "LastModified", modified) ||
      !ReadString(*parsed, "Checksum", part.checksum, true)) {
    return Corrupt(file, "missing or mistyped header field");
  }
  part.part_number = static_cast<int>(number);
  part.size = static_cast<uint64_t>(size);
  part.last_modified = TimePoint(Duration(modified));
  if (file.filename().string() !=
      std::to_string(part.part_number) + std::string(kPartExt)) {
    return Corrupt(file, "its name is not its part number");
  }
  if (file_size != line.size() + 1 + part.size) {
    return Corrupt(file, "its length does not match its header's Size");
  }
  return part;
}

Result<StoredUpload> LoadUpload(const fs::path& dir) {
  fs::path file = dir / kUploadFile;
  std::ifstream in(file, std::ios::binary);
  if (!in) return Corrupt(file, "missing or unreadable");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  Result<json::object> parsed = ParseObject(file, text);
  if (!parsed.ok()) return parsed.status();
  StoredUpload upload;
  UploadMeta& u = upload.meta;
  int64_t initiated = 0;
  const json::value* object = parsed->if_contains("Object");
  if (!ReadString(*parsed, "UploadId", u.upload_id, true) ||
      !ReadString(*parsed, "Key", u.key, true) ||
      !ReadInt(*parsed, "Initiated", initiated) ||
      !ReadChecksumType(*parsed, u.checksum_type) || object == nullptr ||
      !object->is_object() || !ReadMeta(object->get_object(), u.object)) {
    return Corrupt(file, "missing or mistyped field");
  }
  if (parsed->contains("ChecksumAlgorithm")) {
    std::string name;
    if (!ReadString(*parsed, "ChecksumAlgorithm", name, true) ||
        !(u.checksum_algorithm = ParseChecksumAlgorithm(name))) {
      return Corrupt(file, "an unknown ChecksumAlgorithm");
    }
  }
  u.initiated = TimePoint(Duration(initiated));
  if (u.upload_id != dir.filename().string()) {
    return Corrupt(file, "its UploadId is not its directory's name");
  }
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.extension() == kTempExt) {
      stale.push_back(p);
      continue;
    }
    if (p.extension() != kPartExt || !it->is_regular_file(ec)) continue;
    Result<PartMeta> part = LoadPart(p);
    if (!part.ok()) return part.status();
    upload.parts.push_back(std::move(part).value());
  }
  if (ec) return IoError("Could not list", dir, ec);
  for (const fs::path& p : stale) fs::remove(p, ec);
  return upload;
}

Status LoadUploads(const fs::path& bucket_dir, StoredBucket& bucket) {
  fs::path uploads = bucket_dir / kUploadsDir;
  std::error_code ec;
  if (!fs::exists(uploads, ec)) return Status::Ok();
  std::vector<fs::path> leftovers;
  for (fs::directory_iterator it(uploads, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(kTempBucketPrefix) ||
        name.starts_with(kTrashBucketPrefix)) {
      leftovers.push_back(it->path());
      continue;
    }
    if (!IsSafeUploadId(name) || !it->is_directory(ec)) continue;
    Result<StoredUpload> upload = LoadUpload(it->path());
    if (!upload.ok()) return upload.status();
    bucket.uploads.push_back(std::move(upload).value());
  }
  if (ec) return IoError("Could not list", uploads, ec);
  for (const fs::path& p : leftovers) fs::remove_all(p, ec);
  return Status::Ok();
}

Result<StoredBucket> LoadBucket(const fs::path& dir) {
  fs::path file = dir / kBucketFile;
  std::ifstream in(file, std::ios::binary);
  if (!in) return Corrupt(file, "missing or unreadable");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  Result<json::object> parsed = ParseObject(file, text);
  if (!parsed.ok()) return parsed.status();
  StoredBucket bucket;
  int64_t created = 0;
  if (!ReadString(*parsed, "Name", bucket.meta.name, true) ||
      !ReadInt(*parsed, "CreationDate", created)) {
    return Corrupt(file, "missing or mistyped Name or CreationDate");
  }
  if (bucket.meta.name != dir.filename().string()) {
    return Corrupt(file, "its Name is not its directory's name");
  }
  bucket.meta.creation_date = TimePoint(Duration(created));
  if (Status s = LoadObjects(dir, bucket); !s.ok()) return s;
  if (Status s = LoadUploads(dir, bucket); !s.ok()) return s;
  return bucket;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string DiskObjectStore::ObjectPath(std::string_view bucket,
                                        std::string_view key) {
  std::string hash = Sha256Hex(key);
  std::string path(bucket);
  path.append("/").append(kObjectsDir).append("/");
  path.append(hash, 0, 2).append("/").append(hash).append(kObjectExt);
  return path;
}

Result<std::unique_ptr<DiskObjectStore>> DiskObjectStore::Open(
    std::string root) {
  if (root.empty()) {
    return Status(common::kInternalError, "The data dir must not be empty.");
  }
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return IoError("Could not create", root, ec);
  if (!fs::is_directory(root, ec)) {
    return IoError("Not a directory:", root, ec);
  }
  return std::unique_ptr<DiskObjectStore>(new DiskObjectStore(std::move(root)));
}

Result<std::vector<StoredBucket>> DiskObjectStore::Load() {
  // std::filesystem may still throw (bad_alloc, a path it cannot convert):
  // the edge where exceptions become a Status.
  try {
    std::vector<StoredBucket> out;
    std::vector<fs::path> leftovers;
    std::error_code ec;
    for (fs::directory_iterator it(root_, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (StartsWith(name, kTempBucketPrefix) ||
          StartsWith(name, kTrashBucketPrefix)) {
        leftovers.push_back(it->path());
        continue;
      }
      if (!IsSafeBucketDir(name)) continue;
      if (it->is_symlink(ec)) return RefuseLinks(root_, it->path());
      if (!it->is_directory(ec)) continue;
      for (std::string_view sub : {kObjectsDir, kUploadsDir}) {
        if (Status s = RefuseLinks(root_, it->path() / sub); !s.ok()) return s;
      }
      Result<StoredBucket> bucket = LoadBucket(it->path());
      if (!bucket.ok()) return bucket.status();
      out.push_back(std::move(bucket).value());
    }
    if (ec) return IoError("Could not list", root_, ec);
    for (const fs::path& p : leftovers) fs::remove_all(p, ec);
    return out;
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  "Could not load " + root_ + ": " + e.what());
  }
}

Status DiskObjectStore::CreateBucket(const BucketMeta& bucket) {
  if (Status s = CheckBucket(bucket.name); !s.ok()) return s;
  try {
    fs::path root(root_);
    fs::path temp = root / (std::string(kTempBucketPrefix) + bucket.name);
    fs::path dir = root / bucket.name;
    std::error_code ec;
    fs::remove_all(temp, ec);
    fs::create_directories(temp / kObjectsDir, ec);
    if (ec) return IoError("Could not create", temp, ec);
    JsonWriter w;
    w.BeginObject()
        .Key("Name")
        .String(bucket.name)
        .Key("CreationDate")
        .Int(Micros(bucket.creation_date))
        .EndObject();
    if (Status s = WriteFile(temp / kBucketFile, w.str(), "\n"); !s.ok()) {
      fs::remove_all(temp, ec);
      return s;
    }
    // The whole directory appears at once, bucket.json included.
    fs::rename(temp, dir, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove_all(temp, ignored);
      return IoError("Could not rename into", dir, ec);
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  "Could not create bucket " + bucket.name + ": " + e.what());
  }
}

Status DiskObjectStore::DeleteBucket(std::string_view bucket) {
  if (Status s = CheckBucket(bucket); !s.ok()) return s;
  try {
    fs::path root(root_);
    fs::path dir = root / bucket;
    fs::path trash =
        root / (std::string(kTrashBucketPrefix) + std::string(bucket));
    std::error_code ec;
    fs::remove_all(trash, ec);
    // Gone from the bucket namespace in one step; the removal after it may
    // be interrupted, and Load() finishes it.
    fs::rename(dir, trash, ec);
    if (ec) return IoError("Could not remove", dir, ec);
    fs::remove_all(trash, ec);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(
        common::kInternalError,
        "Could not delete bucket " + std::string(bucket) + ": " + e.what());
  }
}

Status DiskObjectStore::PutObject(std::string_view bucket, std::string_view key,
                                  const ObjectMeta& meta, std::string body) {
  if (Status s = CheckBucket(bucket); !s.ok()) return s;
  try {
    fs::path path = fs::path(root_) / ObjectPath(bucket, key);
    if (Status s = RefuseLinks(root_, path); !s.ok()) return s;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return IoError("Could not create", path.parent_path(), ec);
    return WriteAtomically(path, ObjectHeader(key, meta), body);
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  std::string("Could not write an object: ") + e.what());
  }
}

Result<std::string> DiskObjectStore::ReadObject(std::string_view bucket,
                                                std::string_view key,
                                                uint64_t offset,
                                                uint64_t length) const {
  if (Status s = CheckBucket(bucket); !s.ok()) return s;
  try {
    fs::path path = fs::path(root_) / ObjectPath(bucket, key);
    if (Status s = RefuseLinks(root_, path); !s.ok()) return s;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return IoError("Could not open", path,
                     std::error_code(errno, std::generic_category()));
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    if (!in) return Corrupt(path, "no header line");
    in.seekg(static_cast<std::streamoff>(offset), std::ios::cur);
    std::string out(length, '\0');
    in.read(out.data(), static_cast<std::streamsize>(length));
    if (static_cast<uint64_t>(in.gcount()) != length) {
      return Corrupt(path, "shorter than its header says");
    }
    return out;
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  std::string("Could not read an object: ") + e.what());
  }
}

Status DiskObjectStore::DeleteObject(std::string_view bucket,
                                     std::string_view key) {
  if (Status s = CheckBucket(bucket); !s.ok()) return s;
  try {
    fs::path path = fs::path(root_) / ObjectPath(bucket, key);
    if (Status s = RefuseLinks(root_, path); !s.ok()) return s;
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) return IoError("Could not remove", path, ec);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  std::string("Could not delete an object: ") + e.what());
  }
}

Status DiskObjectStore::CreateUpload(std::string_view bucket,
                                     const UploadMeta& upload) {
  if (Status s = CheckUpload(bucket, upload.upload_id); !s.ok()) return s;
  try {
    fs::path dir = UploadDir(root_, bucket, upload.upload_id);
    fs::path temp =
        dir.parent_path() / (std::string(kTempBucketPrefix) + upload.upload_id);
    if (Status s = RefuseLinks(root_, temp); !s.ok()) return s;
    if (Status s = RefuseLinks(root_, dir); !s.ok()) return s;
    std::error_code ec;
    fs::remove_all(temp, ec);
    fs::create_directories(temp, ec);
    if (ec) return IoError("Could not create", temp, ec);
    if (Status s = WriteFile(temp / kUploadFile, UploadRecord(upload), "\n");
        !s.ok()) {
      fs::remove_all(temp, ec);
      return s;
    }
    fs::rename(temp, dir, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove_all(temp, ignored);
      return IoError("Could not rename into", dir, ec);
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  std::string("Could not create an upload: ") + e.what());
  }
}

Status DiskObjectStore::PutPart(std::string_view bucket,
                                std::string_view upload_id,
                                const PartMeta& part, std::string body) {
  if (Status s = CheckUpload(bucket, upload_id); !s.ok()) return s;
  try {
    fs::path path =
        PartFile(UploadDir(root_, bucket, upload_id), part.part_number);
    if (Status s = RefuseLinks(root_, path); !s.ok()) return s;
    return WriteAtomically(path, PartHeader(part), body);
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  std::string("Could not write a part: ") + e.what());
  }
}

Result<std::string> DiskObjectStore::ReadPart(std::string_view bucket,
                                              std::string_view upload_id,
                                              int part_number) const {
  if (Status s = CheckUpload(bucket, upload_id); !s.ok()) return s;
  try {
    fs::path path = PartFile(UploadDir(root_, bucket, upload_id), part_number);
    if (Status s = RefuseLinks(root_, path); !s.ok()) return s;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return IoError("Could not open", path,
                     std::error_code(errno, std::generic_category()));
    }
    std::string line;
    if (!std::getline(in, line) || in.eof()) {
      return Corrupt(path, "no header line");
    }
    return std::string((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  std::string("Could not read a part: ") + e.what());
  }
}

Status DiskObjectStore::DeleteUpload(std::string_view bucket,
                                     std::string_view upload_id) {
  if (Status s = CheckUpload(bucket, upload_id); !s.ok()) return s;
  try {
    fs::path dir = UploadDir(root_, bucket, upload_id);
    if (Status s = RefuseLinks(root_, dir.parent_path()); !s.ok()) return s;
    fs::path trash = dir.parent_path() /
                     (std::string(kTrashBucketPrefix) + std::string(upload_id));
    std::error_code ec;
    fs::remove_all(trash, ec);
    // Gone in one step; Load() finishes an interrupted removal.
    fs::rename(dir, trash, ec);
    if (ec) return IoError("Could not remove", dir, ec);
    fs::remove_all(trash, ec);
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  std::string("Could not delete an upload: ") + e.what());
  }
}

}  // namespace fanlab::services
