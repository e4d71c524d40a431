// DiskObjectStore: buckets and objects as files under one root directory
// (a BucketService opened with data_dir D roots it at D/s3), so that a
// restart keeps them.
//
// Layout under the root:
//
//   <bucket>/bucket.json      {"Name": "<bucket>", "CreationDate": <us>}
//   <bucket>/objects/<hh>/<sha256 of the key>.obj
//   <bucket>/uploads/<upload id>/upload.json   an unfinished multipart upload
//   <bucket>/uploads/<upload id>/<n>.part      its part n
//
// An object file is one line of JSON holding the real key and the
// metadata ({"Key", "Size", "ETag", "LastModified" (microseconds since the
// epoch), "ContentType", "Metadata", ...}), a '\n', then the body's bytes
// exactly. <hh> is the hash's first two hex digits, so that no directory
// grows past a few thousand entries for a million objects.
//
// An upload's directory holds upload.json ({"UploadId", "Key",
// "Initiated", "ChecksumAlgorithm", "ChecksumType", "Object": {the content
// headers and metadata the object will get}}) and one file a part, laid
// out as an object file ({"PartNumber", "Size", "ETag", "LastModified",
// "Checksum"}, '\n', the part's bytes). Upload ids are 1-128 characters of
// [0-9A-Za-z_-] (NoSuchUpload otherwise, before any path is built); an
// upload is created as ".tmp-<id>" and renamed into place, and removed by
// renaming it to ".trash-<id>" first, as buckets are. Deleting a bucket
// removes its unfinished uploads with it.
//
// Why a hash: a key is up to 1024 bytes of anything UTF-8 allows,
// "../../etc/passwd", "/abs", "a/../../b" and NUL included; its SHA-256 in
// hex is 64 characters of [0-9a-f] whatever the key, so it can never name a
// path outside its bucket's directory, nor exceed a file-name limit. Bucket
// names are a single safe path component by S3's rules, and the store
// checks that again (InvalidBucketName) rather than trust its caller.
// Keeping the header and the body in one file makes a put one atomic step:
// each file is written to "<name>.tmp" and renamed over the old one, so a
// reader (or a restart after a crash) sees the old object or the new one,
// never half of either. A bucket is created as ".tmp-<bucket>" and renamed
// into place, and deleted by renaming it to ".trash-<bucket>" first; Load()
// clears what an interrupted write leaves behind (*.tmp, .tmp-*,
// .trash-*). Nothing is fsync'ed: a killed process loses nothing it
// acknowledged, a power cut may.
//
// Symbolic links are refused, not followed: a bucket folder, or a folder
// or file inside one, that is a link makes Load() fail naming it, and any
// operation reaching through one fails the same way (files are opened with
// O_NOFOLLOW too), so nothing is written, read or removed outside the root.
// (The check runs before each operation: a link swapped in by another
// process at that very moment is not guarded against.)
//
// Other entries in the root (files, directories that are not valid bucket
// names) are left alone and ignored. A bucket directory, object, upload or
// part file that cannot be parsed makes Load() fail, naming the file.
//
// Thread safety: none; one engine thread owns the store. Two processes
// must not open the same root.
#ifndef FANLAB_EMULATOR_SERVICES_OBJECT_STORE_DISK_H_
#define FANLAB_EMULATOR_SERVICES_OBJECT_STORE_DISK_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/services/object_store.h"

namespace fanlab::services {

class DiskObjectStore final : public ObjectStore {
 public:
  // A store rooted at `root`, created (with its parents) when missing.
  // Fails (InternalError, with the OS's reason) when it cannot be created.
  static Result<std::unique_ptr<DiskObjectStore>> Open(std::string root);

  Result<std::vector<StoredBucket>> Load() override;
  Status CreateBucket(const BucketMeta& bucket) override;
  Status DeleteBucket(std::string_view bucket) override;
  Status PutObject(std::string_view bucket, std::string_view key,
                   const ObjectMeta& meta, std::string body) override;
  Result<std::string> ReadObject(std::string_view bucket, std::string_view key,
                                 uint64_t offset,
                                 uint64_t length) const override;
  Status DeleteObject(std::string_view bucket, std::string_view key) override;
  Status CreateUpload(std::string_view bucket,
                      const UploadMeta& upload) override;
  Status PutPart(std::string_view bucket, std::string_view upload_id,
                 const PartMeta& part, std::string body) override;
  Result<std::string> ReadPart(std::string_view bucket,
                               std::string_view upload_id,
                               int part_number) const override;
  Status DeleteUpload(std::string_view bucket,
                      std::string_view upload_id) override;

  const std::string& root() const { return root_; }

  // Where `key` of `bucket` lives, relative to the root:
  // "<bucket>/objects/<hh>/<sha256 hex>.obj". Exposed for tests and for
  // anyone reading a data dir by hand.
  static std::string ObjectPath(std::string_view bucket, std::string_view key);

 private:
  explicit DiskObjectStore(std::string root) : root_(std::move(root)) {}

  std::string root_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_OBJECT_STORE_DISK_H_
