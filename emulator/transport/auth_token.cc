#include "emulator/transport/auth_token.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::transport {
namespace {

Status Invalid(std::string message) {
  return Status(sqs::kInvalidParameterValue, std::move(message));
}

std::string Errno() { return std::strerror(errno); }

}  // namespace

Status ValidateAuthToken(std::string_view token) {
  if (token.size() < 8 || token.size() > 128) {
    return Invalid("The auth token must be 8 to 128 characters long, not " +
                   std::to_string(token.size()) + ".");
  }
  for (size_t i = 0; i < token.size(); ++i) {
    char c = token[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
              c == '~';
    if (!ok) {
      return Invalid(
          "The auth token may hold only A-Z a-z 0-9 - _ . ~; "
          "character " +
          std::to_string(i + 1) + " is not one of them.");
    }
  }
  return Status();
}

Result<std::string> GenerateAuthToken() {
  unsigned char bytes[20];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status(common::kInternalError,
                    "Cannot draw a random auth token: " + Errno());
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

Result<AuthTokenFile> LoadOrCreateAuthTokenFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) {
    auto token = GenerateAuthToken();
    if (!token.ok()) return token.status();
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return Invalid("Cannot create " + path + ": " + Errno());
    std::string line = *token + "\n";
    bool written = ::write(fd, line.data(), line.size()) ==
                   static_cast<ssize_t>(line.size());
    int saved = errno;
    ::close(fd);
    if (!written) {
      ::unlink(path.c_str());
      errno = saved;
      return Invalid("Cannot write " + path + ": " + Errno());
    }
    return AuthTokenFile{.token = std::move(*token), .created = true};
  }
  if (fd < 0) return Invalid("Cannot open " + path + ": " + Errno());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    std::string why = Errno();
    ::close(fd);
    return Invalid("Cannot read " + path + ": " + why);
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) != 0) {
    ::close(fd);
    return Invalid(path +
                   " must be a file of this user that only this user can "
                   "read (chmod 600).");
  }
  std::string text;
  char buffer[512];
  while (text.size() <= 4096) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  std::string token = text.substr(0, text.find('\n'));
  if (!token.empty() && token.back() == '\r') token.pop_back();
  Status valid = ValidateAuthToken(token);
  if (!valid.ok()) return Invalid(path + ": " + valid.message());
  return AuthTokenFile{.token = std::move(token), .created = false};
}

}  // namespace fanlab::transport
