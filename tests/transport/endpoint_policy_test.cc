// Which endpoints the ZeroMQ server binds: one case per scheme and host
// shape, under the default policy, --allow-remote alone, and
// --allow-remote with a token.
#include "emulator/transport/endpoint_policy.h"

#include <gtest/gtest.h>

#include <string>

#include "emulator/queue/sqs_errors.h"

namespace fanlab::transport {
namespace {

enum class Want { kBound, kRefused };

struct Case {
  std::string endpoint;
  Want by_default;         // loopback-only
  Want with_remote_token;  // --allow-remote and a token
};

class EndpointPolicyTest : public ::testing::TestWithParam<Case> {};

TEST_P(EndpointPolicyTest, FollowsTheSchemeTable) {
  const Case& c = GetParam();
  Status by_default = CheckBindEndpoint(c.endpoint, {});
  EXPECT_EQ(by_default.ok(), c.by_default == Want::kBound)
      << c.endpoint << ": " << by_default.message();
  // --allow-remote without a token changes nothing, and says why.
  Status remote_only = CheckBindEndpoint(c.endpoint, {.allow_remote = true});
  EXPECT_EQ(remote_only.ok(), c.by_default == Want::kBound)
      << c.endpoint << ": " << remote_only.message();
  Status remote = CheckBindEndpoint(
      c.endpoint, {.allow_remote = true, .has_auth_token = true});
  EXPECT_EQ(remote.ok(), c.with_remote_token == Want::kBound)
      << c.endpoint << ": " << remote.message();
  if (!by_default.ok()) {
    EXPECT_EQ(by_default.code(), sqs::kInvalidParameterValue);
    EXPECT_NE(by_default.message().find(c.endpoint), std::string::npos)
        << by_default.message();
  }
}

constexpr Want kBound = Want::kBound;
constexpr Want kRefused = Want::kRefused;

INSTANTIATE_TEST_SUITE_P(
    Schemes, EndpointPolicyTest,
    ::testing::Values(
        // In-process and same-user transports: always.
        Case{"inproc://engine", kBound, kBound},
        Case{"ipc:///tmp/fanlab.sock", kBound, kBound},
        Case{"ipc://@fanlab-abstract", kBound, kBound},
        // tcp://: loopback hosts always, the rest only with both.
        Case{"tcp://127.0.0.1:9400", kBound, kBound},
        Case{"tcp://127.0.0.1:*", kBound, kBound},
        Case{"tcp://127.1.2.3:9400", kBound, kBound},
        Case{"tcp://localhost:9400", kBound, kBound},
        Case{"tcp://[::1]:9400", kBound, kBound},
        Case{"tcp://0.0.0.0:9400", kRefused, kBound},
        Case{"tcp://*:9400", kRefused, kBound},
        Case{"tcp://[::]:9400", kRefused, kBound},
        Case{"tcp://eth0:9400", kRefused, kBound},
        Case{"tcp://192.168.1.10:9400", kRefused, kBound},
        Case{"tcp://128.0.0.1:9400", kRefused, kBound},
        Case{"tcp://127.0.0.1.example.com:9400", kRefused, kBound},
        Case{"tcp://localhost.example.com:9400", kRefused, kBound},
        Case{"tcp://[::ffff:10.0.0.1]:9400", kRefused, kBound},
        // ws:// and wss:// (HOST:PORT/path) follow the same rule.
        Case{"ws://127.0.0.1:9501", kBound, kBound},
        Case{"ws://127.0.0.1:9501/fanlab", kBound, kBound},
        Case{"ws://0.0.0.0:9501", kRefused, kBound},
        Case{"ws://0.0.0.0:9501/path", kRefused, kBound},
        Case{"wss://[::1]:9502", kBound, kBound},
        Case{"wss://*:9502", kRefused, kBound},
        // Malformed tcp-like addresses.
        Case{"tcp://127.0.0.1", kRefused, kRefused},
        Case{"tcp://:9400", kRefused, kRefused},
        Case{"tcp://10.0.0.1;127.0.0.1:9400", kRefused, kRefused},
        // Every other scheme, known to ZeroMQ or not: never.
        Case{"pgm://eth0;239.192.1.1:5555", kRefused, kRefused},
        Case{"epgm://eth0;239.192.1.1:5555", kRefused, kRefused},
        Case{"norm://eth0;239.192.1.1:5555", kRefused, kRefused},
        Case{"tipc://{5560,0,0}", kRefused, kRefused},
        Case{"vmci://1:5555", kRefused, kRefused},
        Case{"udp://127.0.0.1:5555", kRefused, kRefused},
        Case{"future://127.0.0.1:5555", kRefused, kRefused},
        Case{"TCP://127.0.0.1:9400", kRefused, kRefused},
        Case{"127.0.0.1:9400", kRefused, kRefused},
        Case{"", kRefused, kRefused}));

TEST(EndpointPolicyTest, ClassifiesEachScheme) {
  EXPECT_EQ(*ClassifyEndpoint("inproc://x"), EndpointReach::kProcess);
  EXPECT_EQ(*ClassifyEndpoint("ipc://@x"), EndpointReach::kUser);
  EXPECT_EQ(*ClassifyEndpoint("tcp://127.0.0.1:1"), EndpointReach::kLoopback);
  EXPECT_EQ(*ClassifyEndpoint("ws://0.0.0.0:1"), EndpointReach::kNetwork);
}

TEST(EndpointPolicyTest, MessagesSayWhatWouldAllowIt) {
  Status s = CheckBindEndpoint("ws://0.0.0.0:9501", {});
  EXPECT_NE(s.message().find("--allow-remote"), std::string::npos)
      << s.message();
  s = CheckBindEndpoint("ws://0.0.0.0:9501", {.allow_remote = true});
  EXPECT_NE(s.message().find("auth token"), std::string::npos) << s.message();
  s = CheckBindEndpoint("pgm://eth0;239.192.1.1:5555", {});
  EXPECT_NE(s.message().find("pgm:// is not served"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace fanlab::transport
