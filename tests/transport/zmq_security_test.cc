// Who may talk to the engine over ZeroMQ: loopback-only binds whatever the
// scheme, the auth token (PLAIN mechanism, checked by the context's ZAP
// handler) on tcp:// and ipc://, the same-uid rule on ipc:// (abstract
// sockets included), and functions given the token so that their calls
// work.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "emulator/engine.h"
#include "emulator/transport/client.h"
#include "emulator/transport/zap_handler.h"
#include "tests/engine_fixture.h"

namespace fanlab::transport {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr const char* kTestFunction = FANLAB_TEST_FUNCTION;
constexpr const char* kToken = "s3cret-token_0123";

std::string UniqueName(const char* what) {
  static std::atomic<int> counter{0};
  return std::string(what) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++);
}

// An engine on its own thread, bound where a test asks.
class RunningEngine {
 public:
  explicit RunningEngine(EngineOptions options)
      : engine_(std::move(options), context_) {}
  ~RunningEngine() {
    if (thread_.joinable()) {
      engine_.Stop();
      thread_.join();
    }
  }
  std::string Bind(const std::string& endpoint) {
    auto bound = engine_.Bind(endpoint);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    return bound.ok() ? *bound : "";
  }
  void Start() {
    thread_ = std::thread([this] { engine_.Run(); });
  }
  Context& context() { return context_; }
  Engine& engine() { return engine_; }

 private:
  Context context_;
  Engine engine_;
  std::thread thread_;
};

EngineOptions WithToken() {
  EngineOptions o;
  o.virtual_clock = true;
  o.auth_token = kToken;
  return o;
}

// --- The ZAP decision ---------------------------------------------------

TEST(ZapHandlerTest, UnixPeersMustBeThisUid) {
  std::string me = "localhost:" + std::to_string(::geteuid()) + ":0:42";
  std::string other = "localhost:" + std::to_string(::geteuid() + 1) + ":0:42";
  EXPECT_TRUE(ZapHandler::Allows("", "NULL", me, ""));
  EXPECT_FALSE(ZapHandler::Allows("", "NULL", other, ""));
  // No credentials reported: refused rather than guessed.
  EXPECT_FALSE(ZapHandler::Allows("", "NULL", "localhost", ""));
  EXPECT_FALSE(ZapHandler::Allows("", "NULL", "localhost:x:0:42", ""));
  // tcp peers are numeric addresses: no uid to check.
  EXPECT_TRUE(ZapHandler::Allows("", "NULL", "127.0.0.1", ""));
  EXPECT_TRUE(ZapHandler::Allows("", "NULL", "::1", ""));
}

TEST(ZapHandlerTest, TokenIsThePlainPassword) {
  EXPECT_TRUE(ZapHandler::Allows(kToken, "PLAIN", "127.0.0.1", kToken));
  EXPECT_FALSE(ZapHandler::Allows(kToken, "PLAIN", "127.0.0.1", "wrong"));
  EXPECT_FALSE(ZapHandler::Allows(kToken, "PLAIN", "127.0.0.1", ""));
  EXPECT_FALSE(ZapHandler::Allows(kToken, "PLAIN", "127.0.0.1",
                                  std::string(kToken) + "x"));
  EXPECT_FALSE(ZapHandler::Allows(kToken, "NULL", "127.0.0.1", ""));
  EXPECT_FALSE(ZapHandler::Allows(kToken, "CURVE", "127.0.0.1", kToken));
  // Both rules at once on ipc://.
  std::string other = "localhost:" + std::to_string(::geteuid() + 1) + ":0:42";
  EXPECT_FALSE(ZapHandler::Allows(kToken, "PLAIN", other, kToken));
}

// --- Binds ----------------------------------------------------------------

// The finding: ws://0.0.0.0 listened on every interface. Refused now, as
// is every other non-loopback address, whatever the scheme.
TEST(ZmqBindTest, NonLoopbackRefusedWhateverTheScheme) {
  Context context;
  Engine engine(EngineOptions{}, context);
  for (const char* endpoint :
       {"ws://0.0.0.0:9501", "wss://0.0.0.0:9502", "tcp://0.0.0.0:*",
        "tcp://*:*", "pgm://eth0;239.192.1.1:5555"}) {
    auto r = engine.Bind(endpoint);
    ASSERT_FALSE(r.ok()) << endpoint;
    EXPECT_NE(r.status().message().find("Refusing to bind"), std::string::npos)
        << r.status().message();
  }
}

TEST(ZmqBindTest, AllowRemoteNeedsAToken) {
  Context context;
  EngineOptions no_token;
  no_token.allow_remote = true;
  Engine refused(no_token, context);
  auto r = refused.Bind("tcp://0.0.0.0:*");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("auth token"), std::string::npos);

  EngineOptions both = WithToken();
  both.allow_remote = true;
  Engine allowed(both, context);
  auto bound = allowed.Bind("tcp://0.0.0.0:*");
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
}

// --- The token --------------------------------------------------------------

TEST(ZmqAuthTest, TcpPeersMustPresentTheToken) {
  RunningEngine e(WithToken());
  std::string endpoint = e.Bind("tcp://127.0.0.1:*");
  e.Start();

  Client right(e.context(), endpoint, std::string(kToken));
  auto ok = right.Call("ListQueues", "{}", milliseconds(10000));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->ok) << ok->body;

  // Refused at the handshake: the request never reaches the engine, and
  // the client says so at once rather than waiting out its timeout.
  for (const char* token : {"", "not-the-token"}) {
    Client refused(e.context(), endpoint, std::string(token));
    auto start = std::chrono::steady_clock::now();
    auto r = refused.Call("ListQueues", "{}", milliseconds(20000));
    ASSERT_FALSE(r.ok()) << "token '" << token << "' was answered";
    EXPECT_NE(r.status().message().find("refused the connection"),
              std::string::npos)
        << r.status().message();
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              std::chrono::seconds(10));
    EXPECT_TRUE(refused.refused());
  }
  auto zap = e.context().zap();
  ASSERT_TRUE(zap.ok());
  EXPECT_GE((*zap)->refused(), 1u);
}

TEST(ZmqAuthTest, ClientTakesTheTokenFromTheEnvironment) {
  RunningEngine e(WithToken());
  std::string endpoint = e.Bind("ipc://@" + UniqueName("fanlab-auth-env"));
  e.Start();
  ::setenv("FANLAB_AUTH_TOKEN", kToken, 1);
  Client from_env(e.context(), endpoint);
  ::unsetenv("FANLAB_AUTH_TOKEN");
  auto r = from_env.Call("ListQueues", "{}", milliseconds(10000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok);
  Client without(e.context(), endpoint);
  EXPECT_FALSE(without.Call("ListQueues", "{}", milliseconds(20000)).ok());
  EXPECT_TRUE(without.refused());
}

// inproc:// never handshakes: it is this process.
TEST(ZmqAuthTest, InprocNeedsNoToken) {
  RunningEngine e(WithToken());
  std::string endpoint = e.Bind("inproc://" + UniqueName("auth-inproc"));
  e.Start();
  Client c(e.context(), endpoint, std::string());
  auto r = c.Call("ListQueues", "{}", milliseconds(10000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok);
}

// Functions get FANLAB_AUTH_TOKEN, so their calls back (the C++ SDK over
// ipc://) pass the check.
class FunctionTokenTest : public testing::EngineFixture {
 protected:
  FunctionTokenTest()
      : EngineFixture([] {
          testing::EngineFixtureOptions o;
          o.engine.auth_token = kToken;
          o.ipc = true;
          return o;
        }()) {}
};

TEST_F(FunctionTokenTest, FunctionsReceiveTheTokenAndTheirCallsWork) {
  Ok("CreateQueue", {{"QueueName", "seen-by-function"}});
  json::array call{kTestFunction, "call", "ListQueues"};
  Ok("CreateFunction",
     {{"FunctionName", "caller"}, {"Code", {{"Command", call}}}});
  json::object r =
      Ok("Invoke", {{"FunctionName", "caller"}, {"Payload", "{}"}});
  json::object answer = json::parse(r["Payload"].as_string()).as_object();
  EXPECT_EQ(answer["ok"], true) << r["Payload"].as_string();
  EXPECT_NE(json::serialize(answer["body"]).find("seen-by-function"),
            std::string::npos)
      << r["Payload"].as_string();

  json::array env{kTestFunction, "env"};
  Ok("CreateFunction", {{"FunctionName", "env"}, {"Code", {{"Command", env}}}});
  json::object vars = json::parse(Ok("Invoke", {{"FunctionName", "env"},
                                                {"Payload", "{}"}})["Payload"]
                                      .as_string())
                          .as_object();
  EXPECT_EQ(vars["FANLAB_AUTH_TOKEN"], kToken);
}

// --- Same uid on ipc:// -----------------------------------------------------

// Tries one call to `endpoint` as uid/gid 65534 (nobody) in a child
// process, waiting `wait_ms` for the answer; the child's exit code: 0
// answered, 3 no answer, 4 setup failed. A refused peer is never
// answered, so the wait only bounds the test; a call that must be
// answered waits as long as the tests' own calls do (a child of a
// sanitized process on a busy machine can take seconds to get there).
int CallAsNobody(const std::string& endpoint, int wait_ms = 1500) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(4);
    void* ctx = zmq_ctx_new();
    void* s = zmq_socket(ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
    if (zmq_connect(s, endpoint.c_str()) != 0) ::_exit(4);
    zmq_send(s, "1", 1, ZMQ_SNDMORE);
    zmq_send(s, "ListQueues", 10, ZMQ_SNDMORE);
    zmq_send(s, "{}", 2, 0);
    zmq_pollitem_t item{s, 0, ZMQ_POLLIN, 0};
    int ready = zmq_poll(&item, 1, wait_ms);
    ::_exit(ready == 1 ? 0 : 3);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The finding: the abstract socket of `fanlab run` was open to every
// local user (file permissions do not apply to abstract sockets).
TEST(ZmqPeerUidTest, AbstractSocketRefusesOtherUsers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another uid";
  RunningEngine e([] {
    EngineOptions o;
    o.virtual_clock = true;
    return o;
  }());
  std::string endpoint = e.Bind("ipc://@" + UniqueName("fanlab-uid"));
  e.Start();
  EXPECT_EQ(CallAsNobody(endpoint), 3) << "another uid was answered";
  // The same process's uid is answered.
  Client me(e.context(), endpoint);
  auto r = me.Call("ListQueues", "{}", milliseconds(10000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok);
}

// A tcp:// peer of another uid is not checked by uid: the token is what
// keeps it out.
TEST(ZmqPeerUidTest, OtherUsersOnTcpNeedTheToken) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another uid";
  RunningEngine open_engine([] {
    EngineOptions o;
    o.virtual_clock = true;
    return o;
  }());
  std::string open = open_engine.Bind("tcp://127.0.0.1:*");
  open_engine.Start();
  EXPECT_EQ(CallAsNobody(open, 10000), 0);  // documented: loopback, no token
  RunningEngine closed(WithToken());
  std::string endpoint = closed.Bind("tcp://127.0.0.1:*");
  closed.Start();
  EXPECT_EQ(CallAsNobody(endpoint), 3);
}

}  // namespace
}  // namespace fanlab::transport
