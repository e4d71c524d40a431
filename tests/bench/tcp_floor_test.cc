#include "bench/tcp_floor.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace fanlab::bench {
namespace {

// A blocking connection to 127.0.0.1:port; -1 on failure.
int Dial(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads until `want` bytes came or 5 s passed without any.
std::string ReadBytes(int fd, size_t want) {
  std::string got;
  char buf[4096];
  while (got.size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 5000) <= 0) break;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// True when nothing arrives within 50 ms.
bool Silent(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 50) == 0;
}

class TcpFloorTest : public testing::TestWithParam<TcpFloorServer::Loop> {};

// Every complete request gets the fixed answer, split or pipelined; the
// bytes of an incomplete one wait for the rest.
TEST_P(TcpFloorTest, AnswersEachCompleteRequestOnce) {
  if (GetParam() == TcpFloorServer::Loop::kIoUring &&
      !TcpFloorServer::IoUringAvailable()) {
    GTEST_SKIP() << "io_uring is not available here";
  }
  const std::string request = "0123456789";  // 10 bytes
  const std::string answer = "ANSWER";
  TcpFloorServer server(GetParam(), request.size(), answer);
  std::string error;
  uint16_t port = server.Start(error);
  ASSERT_NE(port, 0) << error;
  int a = Dial(port);
  int b = Dial(port);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);

  ASSERT_EQ(send(a, request.data(), 4, 0), 4);
  EXPECT_TRUE(Silent(a));
  ASSERT_EQ(send(a, request.data() + 4, 6, 0), 6);
  EXPECT_EQ(ReadBytes(a, answer.size()), answer);

  const std::string two = request + request + "012";
  ASSERT_EQ(send(b, two.data(), two.size(), 0),
            static_cast<ssize_t>(two.size()));
  EXPECT_EQ(ReadBytes(b, 2 * answer.size()), answer + answer);
  EXPECT_TRUE(Silent(b));
  ASSERT_EQ(send(b, "3456789", 7, 0), 7);
  EXPECT_EQ(ReadBytes(b, answer.size()), answer);
  close(a);
  close(b);
}

INSTANTIATE_TEST_SUITE_P(
    Loops, TcpFloorTest,
    testing::Values(TcpFloorServer::Loop::kEpoll,
                    TcpFloorServer::Loop::kIoUring),
    [](const testing::TestParamInfo<TcpFloorServer::Loop>& param_info) {
      return param_info.param == TcpFloorServer::Loop::kEpoll
                 ? std::string("Epoll")
                 : std::string("IoUring");
    });

}  // namespace
}  // namespace fanlab::bench
