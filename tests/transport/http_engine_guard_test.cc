// The engine's HTTP front over a real socket, with EngineOptions'
// http_hostnames (`fanlab serve --hostname`): served names answer, a
// foreign Host or Origin is refused before anything runs.
#include <gtest/gtest.h>

#include "tests/engine_fixture.h"
#include "tests/transport/http_test_util.h"

namespace fanlab::transport {
namespace {

using testing::RawConnection;

class HttpEngineGuardTest : public testing::EngineFixture {
 protected:
  HttpEngineGuardTest()
      : EngineFixture({.engine =
                           [] {
                             EngineOptions o;
                             o.virtual_clock = true;
                             o.http_hostnames = {"fanlab"};
                             return o;
                           }(),
                       .http = true}) {}

  int ListQueues(std::string host, std::string extra = "") {
    RawConnection c(testing::PortOf(base_url()));
    std::string body = "{}";
    c.Send("POST / HTTP/1.1\r\nHost: " + host +
           "\r\nX-Amz-Target: AmazonSQS.ListQueues\r\n"
           "Content-Type: application/x-amz-json-1.0\r\n" +
           extra + "Content-Length: 2\r\n\r\n" + body);
    auto r = c.Read();
    return r ? r->status : 0;
  }
};

TEST_F(HttpEngineGuardTest, ServedNamesAnswerForeignOnesAreRefused) {
  std::string port = std::to_string(testing::PortOf(base_url()));
  EXPECT_EQ(ListQueues("127.0.0.1:" + port), 200);
  EXPECT_EQ(ListQueues("localhost:" + port), 200);
  EXPECT_EQ(ListQueues("fanlab:" + port), 200);
  EXPECT_EQ(ListQueues("rebound.example:" + port), 403);
  EXPECT_EQ(ListQueues("localhost:" + port, "Origin: http://evil.example\r\n"),
            403);
  EXPECT_EQ(
      ListQueues("localhost:" + port, "Origin: http://localhost:3000\r\n"),
      200);
}

}  // namespace
}  // namespace fanlab::transport
