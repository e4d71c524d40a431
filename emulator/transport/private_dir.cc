#include "emulator/transport/private_dir.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "emulator/core/common_errors.h"

namespace fanlab::transport {

PrivateDir::~PrivateDir() {
  if (dir_.empty()) return;
  // The sockets their owners have not unlinked yet.
  if (DIR* d = ::opendir(dir_.c_str()); d != nullptr) {
    while (const dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") ::unlink((dir_ + "/" + name).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir_.c_str());
}

Result<std::string> PrivateDir::Make(std::string_view tag) {
  if (!dir_.empty()) {
    return Status(common::kInternalError, "The directory is made already.");
  }
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  std::string base = runtime != nullptr && *runtime == '/' &&
                             ::access(runtime, W_OK | X_OK) == 0
                         ? runtime
                         : "/tmp";
  std::string pattern = base + "/fanlab-" + std::string(tag) + "-" +
                        std::to_string(::getpid()) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status(common::kInternalError,
                  "cannot make a directory for the engine's sockets (" +
                      pattern + "): " + std::strerror(errno));
  }
  dir_ = pattern;
  return dir_;
}

}  // namespace fanlab::transport
