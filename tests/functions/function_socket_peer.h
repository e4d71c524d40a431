// FunctionSocketPeer: a Unix socket the test answers by hand, framed as
// the emulator's function socket frames (a count, then each frame's length
// and bytes, all u32le): what the SDK's Client tests call instead of the
// emulator. One connection at a time; every read has a 10 s hang guard.
#ifndef FANLAB_TESTS_FUNCTIONS_FUNCTION_SOCKET_PEER_H_
#define FANLAB_TESTS_FUNCTIONS_FUNCTION_SOCKET_PEER_H_

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "emulator/transport/private_dir.h"

namespace fanlab::testing {

class FunctionSocketPeer {
 public:
  FunctionSocketPeer() {
    auto dir = dir_.Make("sdk-test");
    EXPECT_TRUE(dir.ok());
    path_ = dir_.path() + "/s";
    endpoint_ = "unix://" + path_;
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    EXPECT_EQ(
        ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listener_, 4), 0);
  }
  ~FunctionSocketPeer() {
    if (peer_ >= 0) ::close(peer_);
    ::close(listener_);
  }

  // Waits up to `ms` for the peer's bytes; false when none came.
  bool Readable(int ms) {
    if (peer_ < 0) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, ms) != 1) return false;
      peer_ = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    }
    pollfd p{peer_, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  }

  bool ReadExact(char* out, size_t n) {
    while (n > 0) {
      if (!Readable(10000)) return false;  // hang guard
      ssize_t got = ::read(peer_, out, n);
      if (got <= 0) return false;
      out += got;
      n -= size_t(got);
    }
    return true;
  }

  uint32_t ReadU32() {
    unsigned char b[4] = {};
    if (!ReadExact(reinterpret_cast<char*>(b), 4)) return 0;
    return b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24;
  }

  // One request: [id][action][body]([access-key-id]).
  std::vector<std::string> Receive() {
    std::vector<std::string> frames;
    uint32_t count = ReadU32();
    for (uint32_t i = 0; i < count && i < 8; ++i) {
      std::string f(ReadU32(), '\0');
      if (!ReadExact(f.data(), f.size())) {
        ADD_FAILURE() << "no request within 10 s";
        return frames;
      }
      frames.push_back(std::move(f));
    }
    if (count == 0) ADD_FAILURE() << "no request within 10 s";
    return frames;
  }

  static void AppendU32(std::string& out, uint32_t n) {
    for (int i = 0; i < 4; ++i) out.push_back(char(n >> (8 * i)));
  }

  void Send(const std::vector<std::string>& frames) {
    std::string out;
    AppendU32(out, uint32_t(frames.size()));
    for (const auto& f : frames) {
      AppendU32(out, uint32_t(f.size()));
      out += f;
    }
    ASSERT_EQ(::write(peer_, out.data(), out.size()), ssize_t(out.size()));
  }

  transport::PrivateDir dir_;
  std::string path_;
  std::string endpoint_;
  int listener_ = -1;
  int peer_ = -1;
};

}  // namespace fanlab::testing

#endif  // FANLAB_TESTS_FUNCTIONS_FUNCTION_SOCKET_PEER_H_
