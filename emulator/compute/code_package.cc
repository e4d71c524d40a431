#include "emulator/compute/code_package.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/digest.h"

namespace fanlab::compute {

namespace fs = std::filesystem;

namespace {

// Kernel's own bound on links followed in one lookup (MAXSYMLINKS).
constexpr int kMaxLinkHops = 40;
// A symbolic link's target is a path, not data.
constexpr uint64_t kMaxLinkTarget = 4096;

Status Refused(const std::string& reason) {
  return Status(lambda::kInvalidParameterValueException,
                std::string(kCouldNotUnzip) + " (" + reason + ")");
}

Status TooBigUnzipped(uint64_t limit) {
  return Status(
      lambda::kInvalidParameterValueException,
      "Unzipped size must be smaller than " + std::to_string(limit) + " bytes");
}

Status OsError(const std::string& what, const fs::path& path, int err) {
  return Status(common::kInternalError,
                what + " " + path.string() + ": " + std::strerror(err));
}

std::string Quoted(std::string_view name) {
  return "\"" + std::string(name) + "\"";
}

struct ArchiveCloser {
  void operator()(zip_t* za) const { zip_discard(za); }
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;

struct EntryCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using EntryFile = std::unique_ptr<zip_file_t, EntryCloser>;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Removes a directory tree when it goes out of scope, unless released.
class TempDir {
 public:
  explicit TempDir(fs::path path) : path_(std::move(path)) {}
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  void Release() { path_.clear(); }

 private:
  fs::path path_;
};

enum class EntryKind { kFile, kDirectory, kLink };

struct Entry {
  zip_uint64_t index = 0;
  std::string name;  // as the archive gives it
  fs::path path;     // normalised, relative
  EntryKind kind = EntryKind::kFile;
  bool executable = false;  // any execute bit in the Unix mode
};

// `name` as a relative path of plain components, or the reason it is not
// one: absolute, or with a ".." component (zip-slip). "." components and
// empty ones ("a//b", the trailing "/" of a directory) are dropped.
Result<fs::path> Normalise(const std::string& name) {
  if (name.starts_with("/")) {
    return Refused("the entry " + Quoted(name) + " is an absolute path");
  }
  fs::path out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    std::string part = name.substr(start, end - start);
    if (part == "..") {
      return Refused("the entry " + Quoted(name) +
                     " has a \"..\" component: it would leave the folder");
    }
    if (!part.empty() && part != ".") out /= part;
    start = end + 1;
  }
  return out;
}

// Reads the table of contents: every entry's kind and normalised path.
Result<std::vector<Entry>> ListEntries(zip_t* za,
                                       const CodePackageOptions& options) {
  zip_int64_t count = zip_get_num_entries(za, 0);
  if (count < 0) return Refused("cannot read the table of contents");
  if (static_cast<uint64_t>(count) > options.max_entries) {
    return Refused("the package has " + std::to_string(count) +
                   " entries; at most " + std::to_string(options.max_entries) +
                   " are unpacked");
  }
  std::vector<Entry> entries;
  uint64_t declared = 0;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME)) {
      return Refused(std::string("entry ") + std::to_string(i) + ": " +
                     zip_strerror(za));
    }
    if (st.valid & ZIP_STAT_SIZE) declared += st.size;
    Entry e;
    e.index = i;
    e.name = st.name;
    auto path = Normalise(e.name);
    if (!path.ok()) return path.status();
    e.path = std::move(*path);
    zip_uint8_t opsys = 0;
    zip_uint32_t attributes = 0;
    if (zip_file_get_external_attributes(za, i, 0, &opsys, &attributes) != 0) {
      opsys = ZIP_OPSYS_DOS;
    }
    // Unix zips keep st_mode in the attributes' upper half; others
    // (Windows) keep none, and their files are plain.
    mode_t mode = opsys == ZIP_OPSYS_UNIX ? attributes >> 16 : 0;
    if (e.name.ends_with("/") || S_ISDIR(mode)) {
      e.kind = EntryKind::kDirectory;
    } else if (S_ISLNK(mode)) {
      e.kind = EntryKind::kLink;
    } else if ((mode & S_IFMT) != 0 && !S_ISREG(mode)) {
      return Refused("the entry " + Quoted(e.name) +
                     " is neither a file, a directory nor a symbolic link");
    }
    e.executable = e.kind == EntryKind::kFile && (mode & 0111) != 0;
    if (e.path.empty() && e.kind != EntryKind::kDirectory) {
      return Refused("the entry " + Quoted(e.name) + " has no name");
    }
    if (!e.path.empty()) entries.push_back(std::move(e));
  }
  // A cheap first refusal; the real count happens while writing.
  if (declared > options.max_unzipped_bytes) {
    return TooBigUnzipped(options.max_unzipped_bytes);
  }
  // Nothing may be unpacked through one of the package's own links: the
  // links are made last, so their targets cannot redirect a write.
  std::set<fs::path> links;
  for (const auto& e : entries) {
    if (e.kind == EntryKind::kLink) links.insert(e.path);
  }
  for (const auto& e : entries) {
    for (fs::path p = e.path.parent_path(); !p.empty(); p = p.parent_path()) {
      if (links.count(p) > 0) {
        return Refused("the entry " + Quoted(e.name) +
                       " lies inside the symbolic link " + Quoted(p.string()));
      }
    }
    if (e.kind != EntryKind::kLink && links.count(e.path) > 0) {
      return Refused("the entry " + Quoted(e.name) +
                     " is also given as a symbolic link");
    }
  }
  return entries;
}

// mkdir -p of `rel` under `root`, each directory 0755 whatever the umask.
// Every component is a real directory (links do not exist yet).
Status MakeDirs(const fs::path& root, const fs::path& rel) {
  fs::path at = root;
  for (const auto& part : rel) {
    at /= part;
    if (mkdir(at.c_str(), 0755) == 0) {
      if (chmod(at.c_str(), 0755) != 0) {
        return OsError("Could not chmod", at, errno);
      }
      continue;
    }
    if (errno != EEXIST) return OsError("Could not create", at, errno);
    struct stat st;
    if (lstat(at.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Refused("the entry " + Quoted(rel.string()) +
                     " is also given as a file");
    }
  }
  return Status::Ok();
}

// Streams one entry's bytes to `sink`, adding them to `*total` and
// stopping as soon as it passes the limit, whatever the archive declared.
template <typename Sink>
Status ReadEntry(zip_t* za, const Entry& e, const CodePackageOptions& options,
                 uint64_t* total, Sink&& sink) {
  EntryFile file(zip_fopen_index(za, e.index, 0));
  if (!file) {
    return Refused("the entry " + Quoted(e.name) + ": " + zip_strerror(za));
  }
  std::vector<char> buffer(1 << 16);
  for (;;) {
    zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
    if (n < 0) {
      return Refused("the entry " + Quoted(e.name) + ": " +
                     zip_file_strerror(file.get()));
    }
    if (n == 0) return Status::Ok();
    *total += static_cast<uint64_t>(n);
    if (*total > options.max_unzipped_bytes) {
      return TooBigUnzipped(options.max_unzipped_bytes);
    }
    if (Status s = sink(std::string_view(buffer.data(), size_t(n))); !s.ok()) {
      return s;
    }
  }
}

Status WriteFile(zip_t* za, const Entry& e, const fs::path& root,
                 const CodePackageOptions& options, uint64_t* total) {
  if (Status s = MakeDirs(root, e.path.parent_path()); !s.ok()) return s;
  const fs::path path = root / e.path;
  const mode_t mode = e.executable ? 0755 : 0644;
  Fd out;
  out.fd = open(path.c_str(),
                O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
  if (out.fd < 0) {
    if (errno == EISDIR) {
      return Refused("the entry " + Quoted(e.name) +
                     " is also given as a directory");
    }
    return OsError("Could not create", path, errno);
  }
  Status s = ReadEntry(za, e, options, total, [&](std::string_view chunk) {
    while (!chunk.empty()) {
      ssize_t w = write(out.fd, chunk.data(), chunk.size());
      if (w < 0) {
        if (errno == EINTR) continue;
        return OsError("Could not write", path, errno);
      }
      chunk.remove_prefix(size_t(w));
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  // The mode open() gave went through the umask; this one does not.
  if (fchmod(out.fd, mode) != 0) return OsError("Could not chmod", path, errno);
  return Status::Ok();
}

// Follows `rel` from `root` the way the kernel resolves a path, link by
// link: false when a step leaves `root` or an absolute target is met;
// nullopt when it loops. A component that does not exist ends the
// lookups; what follows it is applied lexically.
std::optional<bool> StaysInside(const fs::path& root, const fs::path& rel) {
  std::deque<std::string> todo;
  for (const auto& part : rel) todo.push_back(part.string());
  std::vector<std::string> at;  // real components below root
  int hops = 0;
  bool exists = true;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (at.empty()) return false;
      at.pop_back();
      continue;
    }
    at.push_back(part);
    if (!exists) continue;
    fs::path path = root;
    for (const auto& p : at) path /= p;
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) {
      exists = false;
      continue;
    }
    if (!S_ISLNK(st.st_mode)) continue;
    if (++hops > kMaxLinkHops) return std::nullopt;
    std::error_code ec;
    fs::path target = fs::read_symlink(path, ec);
    if (ec || target.is_absolute()) return false;
    at.pop_back();
    std::deque<std::string> parts;
    for (const auto& p : target) parts.push_back(p.string());
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  return true;
}

// Unpacks every entry of `za` into `dir` (which exists and is empty).
Status Extract(zip_t* za, const fs::path& dir,
               const CodePackageOptions& options) {
  auto entries = ListEntries(za, options);
  if (!entries.ok()) return entries.status();
  uint64_t total = 0;
  for (const auto& e : *entries) {
    Status s = e.kind == EntryKind::kDirectory ? MakeDirs(dir, e.path)
               : e.kind == EntryKind::kFile
                   ? WriteFile(za, e, dir, options, &total)
                   : Status::Ok();
    if (!s.ok()) return s;
  }
  std::vector<const Entry*> links;
  for (const auto& e : *entries) {
    if (e.kind != EntryKind::kLink) continue;
    std::string target;
    Status s = ReadEntry(za, e, options, &total, [&](std::string_view chunk) {
      target += chunk;
      if (target.size() > kMaxLinkTarget) {
        return Refused("the symbolic link " + Quoted(e.name) +
                       " has a target longer than " +
                       std::to_string(kMaxLinkTarget) + " bytes");
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
    if (target.empty() || target.find('\0') != std::string::npos) {
      return Refused("the symbolic link " + Quoted(e.name) +
                     " has no usable target");
    }
    if (target.starts_with("/")) {
      return Refused("the symbolic link " + Quoted(e.name) +
                     " points to the absolute path " + Quoted(target));
    }
    if (s = MakeDirs(dir, e.path.parent_path()); !s.ok()) return s;
    const fs::path path = dir / e.path;
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Refused("the entry " + Quoted(e.name) +
                     " is also given as a directory");
    }
    if (symlink(target.c_str(), path.c_str()) != 0) {
      return OsError("Could not create the link", path, errno);
    }
    links.push_back(&e);
  }
  // Checked once every link exists: a link is only as safe as the links
  // its target passes through.
  for (const Entry* e : links) {
    std::optional<bool> inside = StaysInside(dir, e->path);
    if (!inside) {
      return Refused("the symbolic link " + Quoted(e->name) +
                     " loops (more than " + std::to_string(kMaxLinkHops) +
                     " links in a row)");
    }
    if (!*inside) {
      std::error_code ec;
      return Refused("the symbolic link " + Quoted(e->name) + " -> " +
                     Quoted(fs::read_symlink(dir / e->path, ec).string()) +
                     " points outside the folder");
    }
  }
  return Status::Ok();
}

Result<CodePackage> UnpackOrThrow(const std::string& root_dir,
                                  const CodePackageOptions& options,
                                  std::string_view zip, CodeSource source,
                                  std::string_view operation) {
  if (source == CodeSource::kZipFile && zip.size() > options.max_zipped_bytes) {
    // Lambda's limit is on the request, whose ZipFile is base64.
    uint64_t request_limit = (options.max_zipped_bytes * 4 + 2) / 3;
    return Status(lambda::kRequestEntityTooLargeException,
                  "Request must be smaller than " +
                      std::to_string(request_limit) + " bytes for the " +
                      std::string(operation) + " operation");
  }
  const Sha256Digest digest = Sha256(zip);
  CodePackage package;
  package.code_sha256 = Base64Encode(std::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
  package.code_size = static_cast<int64_t>(zip.size());
  const std::string hex = ToHex(digest);
  const fs::path root(root_dir);
  const fs::path final_dir = root / hex;
  package.directory = final_dir.string();
  std::error_code ec;
  if (fs::is_directory(final_dir, ec)) return package;

  if (zip.empty()) return Refused("the file is empty");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source_buffer =
      zip_source_buffer_create(zip.data(), zip.size(), 0, &error);
  if (source_buffer == nullptr) {
    std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Refused(reason);
  }
  Archive za(
      zip_open_from_source(source_buffer, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (!za) {
    zip_source_free(source_buffer);
    std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    return Refused(reason);
  }
  zip_error_fini(&error);

  fs::create_directories(root, ec);
  if (ec) return OsError("Could not create", root, ec.value());
  static std::atomic<uint64_t> counter{0};
  const fs::path temp = root / (".tmp-" + hex + "-" + std::to_string(getpid()) +
                                "-" + std::to_string(counter.fetch_add(1)));
  if (mkdir(temp.c_str(), 0755) != 0) {
    return OsError("Could not create", temp, errno);
  }
  TempDir cleanup(temp);
  if (chmod(temp.c_str(), 0755) != 0) {
    return OsError("Could not chmod", temp, errno);
  }
  if (Status s = Extract(za.get(), temp, options); !s.ok()) return s;
  if (rename(temp.c_str(), final_dir.c_str()) != 0) {
    // Another unpacker of the same package got there first: theirs is
    // whole too, and ours is removed.
    if ((errno == EEXIST || errno == ENOTEMPTY) &&
        fs::is_directory(final_dir, ec)) {
      return package;
    }
    return OsError("Could not rename into", final_dir, errno);
  }
  cleanup.Release();
  package.unpacked = true;
  return package;
}

}  // namespace

CodePackageStore::CodePackageStore(std::string root, CodePackageOptions options)
    : root_(std::move(root)), options_(options) {
  std::error_code ec;
  fs::path absolute = fs::absolute(root_, ec);
  if (ec) return;
  absolute = absolute.lexically_normal();
  if (!absolute.has_filename() && absolute.has_parent_path() &&
      absolute != absolute.root_path()) {
    absolute = absolute.parent_path();  // "/a/b/" -> "/a/b"
  }
  root_ = absolute.string();
}

Result<CodePackage> CodePackageStore::Unpack(std::string_view zip,
                                             CodeSource source,
                                             std::string_view operation) const {
  try {
    return UnpackOrThrow(root_, options_, zip, source, operation);
  } catch (const std::exception& e) {
    return Status(common::kInternalError,
                  std::string("Could not unpack the code: ") + e.what());
  }
}

}  // namespace fanlab::compute
