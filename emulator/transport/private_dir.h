// PrivateDir: a fresh directory only this user can enter (mkdtemp makes it
// 0700), for the engine's sockets: no other user can connect to a socket
// in it, whatever the socket file's own mode (an abstract socket would be
// open to every local user). Under $XDG_RUNTIME_DIR when it is usable,
// else /tmp (not $TMPDIR: a socket path has at most 107 bytes). Removed,
// with the files left in it, when the PrivateDir goes.
//
// Thread safety: none needed; one owner.
#ifndef FANLAB_EMULATOR_TRANSPORT_PRIVATE_DIR_H_
#define FANLAB_EMULATOR_TRANSPORT_PRIVATE_DIR_H_

#include <string>
#include <string_view>

#include "emulator/core/status.h"

namespace fanlab::transport {

class PrivateDir {
 public:
  PrivateDir() = default;
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;
  ~PrivateDir();

  // Makes "<base>/fanlab-<tag>-<pid>-XXXXXX" and returns its path, or why
  // there is none. Once per PrivateDir.
  Result<std::string> Make(std::string_view tag);
  // "" until Make succeeded.
  const std::string& path() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_PRIVATE_DIR_H_
