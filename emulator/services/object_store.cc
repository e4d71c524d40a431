#include "emulator/services/object_store.h"

#include <utility>

#include "emulator/core/common_errors.h"

namespace fanlab::services {

std::string MemoryObjectStore::Path(std::string_view bucket,
                                    std::string_view key) {
  std::string path;
  path.reserve(bucket.size() + 1 + key.size());
  path.append(bucket).push_back('/');
  path.append(key);
  return path;
}

Result<std::vector<StoredBucket>> MemoryObjectStore::Load() {
  // The metadata lives in the service's index only, so there is nothing to
  // hand back: a memory store always starts empty.
  return std::vector<StoredBucket>{};
}

Status MemoryObjectStore::PutObject(std::string_view bucket,
                                    std::string_view key, const ObjectMeta&,
                                    std::string body) {
  bodies_[Path(bucket, key)] = std::move(body);
  return Status::Ok();
}

Result<std::string> MemoryObjectStore::ReadObject(std::string_view bucket,
                                                  std::string_view key,
                                                  uint64_t offset,
                                                  uint64_t length) const {
  auto it = bodies_.find(Path(bucket, key));
  // Both are broken preconditions; answer rather than crash the engine.
  if (it == bodies_.end()) {
    return Status(common::kInternalError,
                  "The object store holds no body for this key.");
  }
  if (offset > it->second.size() || length > it->second.size() - offset) {
    return Status(common::kInternalError,
                  "The read is past the end of the object.");
  }
  return it->second.substr(offset, length);
}

std::string_view ChecksumTypeName(ChecksumType type) {
  return type == ChecksumType::kComposite ? "COMPOSITE" : "FULL_OBJECT";
}

Status MemoryObjectStore::PutPart(std::string_view bucket,
                                  std::string_view upload_id,
                                  const PartMeta& part, std::string body) {
  parts_[Path(bucket, upload_id)][part.part_number] = std::move(body);
  return Status::Ok();
}

Result<std::string> MemoryObjectStore::ReadPart(std::string_view bucket,
                                                std::string_view upload_id,
                                                int part_number) const {
  auto it = parts_.find(Path(bucket, upload_id));
  if (it == parts_.end() || !it->second.contains(part_number)) {
    return Status(common::kInternalError,
                  "The object store holds no body for this part.");
  }
  return it->second.at(part_number);
}

Status MemoryObjectStore::DeleteUpload(std::string_view bucket,
                                       std::string_view upload_id) {
  parts_.erase(Path(bucket, upload_id));
  return Status::Ok();
}

Status MemoryObjectStore::DeleteObject(std::string_view bucket,
                                       std::string_view key) {
  bodies_.erase(Path(bucket, key));
  return Status::Ok();
}

}  // namespace fanlab::services
