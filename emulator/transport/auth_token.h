// The emulator's auth token: the secret ZeroMQ peers present (PLAIN
// password), HTTP clients use as their access key id, and functions get
// as FANLAB_AUTH_TOKEN.
//
// A token is 8 to 128 characters from A-Z a-z 0-9 - _ . ~ (so it fits
// unescaped in a SigV4 Credential and a PLAIN password). A token file
// holds the token on its first line; it must belong to this user and not
// be readable by group or others (mode 0600 or stricter), as a key file.
//
// Thread safety: the functions are.
#ifndef FANLAB_EMULATOR_TRANSPORT_AUTH_TOKEN_H_
#define FANLAB_EMULATOR_TRANSPORT_AUTH_TOKEN_H_

#include <string>
#include <string_view>

#include "emulator/core/status.h"

namespace fanlab::transport {

// OK, or InvalidParameterValue saying what is wrong with `token` (never
// quoting it).
Status ValidateAuthToken(std::string_view token);

// A fresh token: 40 hex digits from the OS's random source.
Result<std::string> GenerateAuthToken();

struct AuthTokenFile {
  std::string token;
  bool created = false;  // the file did not exist: a token was generated
};

// Reads the token in `path`; when `path` does not exist, generates one
// and writes it there (created exclusively, mode 0600). An error names
// the path and the reason: unreadable, group- or world-accessible, owned
// by another user, or an invalid token.
Result<AuthTokenFile> LoadOrCreateAuthTokenFile(const std::string& path);

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_AUTH_TOKEN_H_
