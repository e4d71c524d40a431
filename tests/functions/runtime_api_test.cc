// The SDK as a Lambda Runtime API client (functions/sdk/fanlab/
// runtime_api.h): a fake Runtime API on 127.0.0.1:0 in the test process
// drives the built fanlab-test-function as a custom runtime's bootstrap
// (AWS_LAMBDA_RUNTIME_API set), and RunRuntimeApi in process on a thread.
// Checks responses, the error shape, the init error, the Context's fields,
// the remaining time on the emulator's clock, warm reuse of one keep-alive
// connection, reconnection, and the clean exit when the API goes away.
#include <fanlab/function.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fanlab::sdk {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr auto kHangGuard = std::chrono::seconds(10);
constexpr std::string_view kPrefix = "/2018-06-01/runtime/";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One invocation `next` hands out: its id, event and headers (the request
// id header is added from `id`).
struct Invocation {
  std::string id;
  std::string event;
  HttpHeaders headers;
};

// An invocation with a deadline a minute from now.
Invocation Invoke(std::string id, std::string event) {
  return {std::move(id),
          std::move(event),
          {{"Lambda-Runtime-Deadline-Ms", std::to_string(NowMs() + 60000)}}};
}

// A request the fake received.
struct Seen {
  std::string method;
  std::string target;
  HttpHeaders headers;
  std::string body;
  int connection = 0;  // which accepted connection, from 1

  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (detail::EqualsIgnoreCase(k, name)) return v;
    }
    return "";
  }
};

// A scripted Runtime API on 127.0.0.1:0, served from its own thread, one
// connection at a time. `next` answers the invocations in order; after the
// last it goes away: closes the connection and the listener, so the
// runtime's next call finds nothing. FakeOptions change the answers.
// Every wait has the hang guard; Stop() ends the thread early.
struct FakeOptions {
  int post_status = 202;    // the answer to every POST
  bool close_each = false;  // every reply closes its connection
  int next_status = 200;    // the status of `next`'s answers
};

class FakeRuntimeApi {
 public:
  explicit FakeRuntimeApi(std::vector<Invocation> invocations,
                          FakeOptions options = {})
      : invocations_(std::move(invocations)), options_(options) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    EXPECT_EQ(::pipe2(stop_, O_CLOEXEC), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeRuntimeApi() {
    Stop();
    ::close(stop_[0]);
    ::close(stop_[1]);
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Ends the serving thread (if it still runs) and waits for it.
  void Stop() {
    if (!thread_.joinable()) return;
    (void)!::write(stop_[1], "x", 1);
    thread_.join();
  }

  // What was received, in order. Call after Stop().
  const std::vector<Seen>& seen() const { return seen_; }
  bool hung() const { return hung_; }

 private:
  // Waits for `fd` to be readable; false on the hang guard or Stop().
  bool WaitReadable(int fd) {
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    const int n = ::poll(
        p, 2,
        static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(kHangGuard)
                .count()));
    if (n == 0) hung_ = true;
    return n > 0 && (p[1].revents & POLLIN) == 0;
  }

  // Reads one request from `fd`; false at end of file or on a failure.
  bool ReadRequest(int fd, std::string* buffer, Seen* out) {
    size_t head_end;
    while ((head_end = buffer->find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(fd, buffer)) return false;
    }
    std::istringstream head(buffer->substr(0, head_end));
    std::string line;
    std::getline(head, line);
    std::istringstream request_line(line);
    request_line >> out->method >> out->target;
    size_t length = 0;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      out->headers.emplace_back(line.substr(0, colon), value);
      if (detail::EqualsIgnoreCase(line.substr(0, colon), "Content-Length")) {
        length = std::stoul(value);
      }
    }
    buffer->erase(0, head_end + 4);
    while (buffer->size() < length) {
      if (!Fill(fd, buffer)) return false;
    }
    out->body = buffer->substr(0, length);
    buffer->erase(0, length);
    return true;
  }

  bool Fill(int fd, std::string* buffer) {
    if (!WaitReadable(fd)) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
    return true;
  }

  static void Reply(int fd, int status, const HttpHeaders& headers,
                    const std::string& body) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
    for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    out += body;
    ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }

  void Serve() {
    size_t next = 0;
    int connections = 0;
    while (true) {
      if (!WaitReadable(listen_fd_)) return;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      ++connections;
      std::string buffer;
      bool gone = false;
      Seen seen;
      while (ReadRequest(fd, &buffer, &seen)) {
        seen.connection = connections;
        seen_.push_back(seen);
        const std::string target = seen.target;
        seen = Seen();
        if (target == std::string(kPrefix) + "invocation/next") {
          if (next == invocations_.size()) {
            gone = true;  // the API goes away
            break;
          }
          const Invocation& inv = invocations_[next++];
          HttpHeaders headers = inv.headers;
          headers.emplace_back("Lambda-Runtime-Aws-Request-Id", inv.id);
          Reply(fd, options_.next_status, headers, inv.event);
        } else {
          Reply(fd, options_.post_status, {}, "{\"status\":\"OK\"}");
        }
        if (options_.close_each) break;
      }
      ::close(fd);
      if (gone) {
        ::close(listen_fd_);
        listen_fd_ = -1;
        return;
      }
    }
  }

  std::vector<Invocation> invocations_;
  FakeOptions options_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::thread thread_;
  std::vector<Seen> seen_;
  std::atomic<bool> hung_ = false;
};

// The test function as a bootstrap: argv[1..] = `args`, the environment
// `env` only, stdout and stderr to a file. Returns the exit status (-1 on
// the hang guard, after killing it) and fills `log` with its output.
int RunBootstrap(const std::vector<std::string>& args,
                 const std::vector<std::string>& env, std::string* log) {
  char path[] = "/tmp/fanlab-rtapi-log-XXXXXX";
  const int log_fd = ::mkstemp(path);
  EXPECT_GE(log_fd, 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  std::vector<std::string> argv_s = {FANLAB_TEST_FUNCTION};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv, envp;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = env;
  for (std::string& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(::posix_spawn(&pid, FANLAB_TEST_FUNCTION, &actions, nullptr,
                          argv.data(), envp.data()),
            0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0, code = -1;
  const auto until = std::chrono::steady_clock::now() + kHangGuard;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > until) {
      ADD_FAILURE() << "the bootstrap hung; killed";
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::close(log_fd);
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  *log = text.str();
  ::unlink(path);
  return code;
}

std::vector<std::string> Env(const FakeRuntimeApi& api) {
  return {"AWS_LAMBDA_RUNTIME_API=" + api.address(),
          "AWS_LAMBDA_FUNCTION_NAME=tf",
          "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
          "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
          "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/tf",
          "AWS_LAMBDA_LOG_STREAM_NAME=2026/12/06/[$LATEST]abc",
          "_HANDLER=tf.handler"};
}

std::string Path(std::string_view rest) {
  return std::string(kPrefix) + std::string(rest);
}

TEST(SdkRuntimeApiTest, ServesEveryInvocationOnOneConnectionThenExitsZero) {
  FakeRuntimeApi api({Invoke("r1", R"({"a":1})"), Invoke("r2", "[1,2]"),
                      Invoke("r3", "\"x\"")});
  std::string log;
  EXPECT_EQ(RunBootstrap({"echo"}, Env(api), &log), kRunEof) << log;
  api.Stop();
  ASSERT_FALSE(api.hung());
  const std::vector<Seen>& seen = api.seen();
  ASSERT_THAT(seen, SizeIs(7));  // (next, response) x 3, then next
  const char* ids[] = {"r1", "r2", "r3"};
  const char* events[] = {R"({"a":1})", "[1,2]", "\"x\""};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(seen[2 * i].method, "GET");
    EXPECT_EQ(seen[2 * i].target, Path("invocation/next"));
    EXPECT_EQ(seen[2 * i + 1].method, "POST");
    EXPECT_EQ(seen[2 * i + 1].target,
              Path("invocation/" + std::string(ids[i]) + "/response"));
    EXPECT_EQ(seen[2 * i + 1].body, events[i]);
  }
  EXPECT_EQ(seen[6].target, Path("invocation/next"));
  // Warm: one process and one keep-alive connection for all of them.
  for (const Seen& s : seen) EXPECT_EQ(s.connection, 1);
  EXPECT_THAT(log, HasSubstr("the Runtime API went away"));
}

TEST(SdkRuntimeApiTest, AFailurePostsTheErrorShapeAndTheLoopGoesOn) {
  FakeRuntimeApi api({Invoke("bad/id 1", "{}"), Invoke("r2", "{}")});
  std::string log;
  EXPECT_EQ(RunBootstrap({"fail"}, Env(api), &log), kRunEof) << log;
  api.Stop();
  const std::vector<Seen>& seen = api.seen();
  ASSERT_THAT(seen, SizeIs(5));
  // The request id is a path segment: escaped.
  EXPECT_EQ(seen[1].target, Path("invocation/bad%2Fid%201/error"));
  EXPECT_EQ(seen[1].Header("Lambda-Runtime-Function-Error-Type"), "TestError");
  EXPECT_EQ(json::parse(seen[1].body),
            json::parse(R"({"errorMessage":"failing on purpose",
                            "errorType":"TestError","stackTrace":[]})"));
  EXPECT_EQ(seen[3].target, Path("invocation/r2/error"));
}

TEST(SdkRuntimeApiTest, AnInitErrorIsPostedAndNothingIsServed) {
  FakeRuntimeApi api({Invoke("r1", "{}")});
  std::string log;
  EXPECT_EQ(RunBootstrap({"init-fail"}, Env(api), &log), kRunInitError) << log;
  api.Stop();
  const std::vector<Seen>& seen = api.seen();
  ASSERT_THAT(seen, SizeIs(1));
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, Path("init/error"));
  EXPECT_EQ(seen[0].Header("Lambda-Runtime-Function-Error-Type"),
            "TestInitError");
  EXPECT_EQ(json::parse(seen[0].body),
            json::parse(R"({"errorMessage":"failing at init",
                            "errorType":"TestInitError","stackTrace":[]})"));
  EXPECT_THAT(log, HasSubstr("failing at init"));
}

TEST(SdkRuntimeApiTest, ContextComesFromTheHeadersAndTheEnvironment) {
  const int64_t deadline = NowMs() + 60000;
  Invocation inv{
      "req-7",
      "{}",
      {{"Lambda-Runtime-Deadline-Ms", std::to_string(deadline)},
       {"Lambda-Runtime-Invoked-Function-Arn",
        "arn:aws:lambda:us-east-1:000000000000:function:tf"},
       {"Lambda-Runtime-Trace-Id",
        "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"},
       {"Lambda-Runtime-Client-Context", R"({"custom":{"k":"v"}})"},
       {"Lambda-Runtime-Cognito-Identity",
        R"({"cognitoIdentityId":"id","cognitoIdentityPoolId":"p"})"}}};
  // A second invocation without a trace: the variable is unset again.
  FakeRuntimeApi api({inv, Invoke("req-8", "{}")});
  std::vector<std::string> env = Env(api);
  env.push_back("FANLAB_SOCKET=/run/fanlab/functions");
  std::string log;
  EXPECT_EQ(RunBootstrap({"print-context"}, env, &log), kRunEof) << log;
  api.Stop();
  ASSERT_THAT(api.seen(), SizeIs(5));
  json::object ctx = json::parse(api.seen()[1].body).as_object();
  EXPECT_EQ(ctx["requestId"], "req-7");
  EXPECT_EQ(ctx["deadlineMs"], deadline);
  EXPECT_EQ(ctx["functionName"], "tf");
  EXPECT_EQ(ctx["invokedFunctionArn"],
            "arn:aws:lambda:us-east-1:000000000000:function:tf");
  EXPECT_EQ(ctx["endpoint"], "unix:///run/fanlab/functions");
  EXPECT_EQ(ctx["traceId"],
            "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
  EXPECT_EQ(ctx["traceEnv"], ctx["traceId"]);
  EXPECT_EQ(ctx["clientContext"], R"({"custom":{"k":"v"}})");
  EXPECT_EQ(ctx["cognitoIdentity"],
            R"({"cognitoIdentityId":"id","cognitoIdentityPoolId":"p"})");
  EXPECT_EQ(ctx["functionVersion"], "$LATEST");
  EXPECT_EQ(ctx["memoryLimitMb"], 256);
  EXPECT_EQ(ctx["logGroupName"], "/aws/lambda/tf");
  EXPECT_EQ(ctx["logStreamName"], "2026/12/06/[$LATEST]abc");
  // Wall clock: the deadline is a minute away.
  EXPECT_LE(ctx["remainingMs"].as_int64(), 60000);
  EXPECT_GT(ctx["remainingMs"].as_int64(), 50000);
  json::object second = json::parse(api.seen()[3].body).as_object();
  EXPECT_EQ(second["traceId"], "");
  EXPECT_EQ(second["traceEnv"], "");
}

TEST(SdkRuntimeApiTest, RemainingTimeRunsOnTheEmulatorsClockWhenItIsSent) {
  // A virtual clock far from the wall clock: deadline 1,000,000 ms after
  // the epoch, the emulator's now 10 s before it.
  FakeRuntimeApi api(
      {{"v1",
        "{}",
        {{"Lambda-Runtime-Deadline-Ms", "1000000"},
         {"Lambda-Runtime-Fanlab-Now-Ms", "990000"}}},
       // Without the header: AWS's rule, the wall clock (long past).
       {"v2", "{}", {{"Lambda-Runtime-Deadline-Ms", "1000000"}}}});
  std::string log;
  EXPECT_EQ(RunBootstrap({"print-context"}, Env(api), &log), kRunEof) << log;
  api.Stop();
  ASSERT_THAT(api.seen(), SizeIs(5));
  const int64_t left =
      json::parse(api.seen()[1].body).at("remainingMs").as_int64();
  EXPECT_LE(left, 10000);
  EXPECT_GT(left, 10000 - 5000);  // at most the hang guard's share elapsed
  EXPECT_LT(json::parse(api.seen()[3].body).at("remainingMs").as_int64(),
            -NowMs() + 2000000);
}

TEST(SdkRuntimeApiTest, AClosedKeepAliveConnectionIsReopened) {
  FakeRuntimeApi api({Invoke("r1", "1"), Invoke("r2", "2")},
                     {.close_each = true});
  std::string log;
  EXPECT_EQ(RunBootstrap({"echo"}, Env(api), &log), kRunEof) << log;
  api.Stop();
  const std::vector<Seen>& seen = api.seen();
  ASSERT_THAT(seen, SizeIs(5));
  EXPECT_EQ(seen[1].body, "1");
  EXPECT_EQ(seen[3].body, "2");
  EXPECT_EQ(seen[4].connection, 5);  // one per request
}

TEST(SdkRuntimeApiTest, ARefusedPostIsReportedAndTheLoopGoesOn) {
  FakeRuntimeApi api({Invoke("r1", "1"), Invoke("r2", "2")},
                     {.post_status = 413});
  std::string log;
  EXPECT_EQ(RunBootstrap({"echo"}, Env(api), &log), kRunEof) << log;
  api.Stop();
  EXPECT_THAT(api.seen(), SizeIs(5));
  EXPECT_THAT(log, HasSubstr("/response answered 413"));
}

TEST(SdkRuntimeApiTest, NoApiAtAllIsACleanExit) {
  std::string address;
  {
    FakeRuntimeApi gone({});
    address = gone.address();
  }  // the listener is closed: connections are refused
  std::string log;
  EXPECT_EQ(RunBootstrap({"echo"}, {"AWS_LAMBDA_RUNTIME_API=" + address}, &log),
            kRunEof);
  EXPECT_THAT(log, HasSubstr("cannot connect"));
}

TEST(SdkRuntimeApiTest, BadAnswersToNextNameWhatIsWrong) {
  {
    FakeRuntimeApi api({{"", "{}", {{"Lambda-Runtime-Deadline-Ms", "1"}}}});
    std::string log;
    EXPECT_EQ(RunBootstrap({"echo"}, Env(api), &log), kRunMalformed);
    EXPECT_THAT(log, HasSubstr("without Lambda-Runtime-Aws-Request-Id"));
  }
  {
    FakeRuntimeApi api(
        {{"r1", "{}", {{"Lambda-Runtime-Deadline-Ms", "soon"}}}});
    std::string log;
    EXPECT_EQ(RunBootstrap({"echo"}, Env(api), &log), kRunMalformed);
    EXPECT_THAT(log, HasSubstr("Lambda-Runtime-Deadline-Ms \"soon\""));
  }
  {
    FakeRuntimeApi api({Invoke("r1", "{}")}, {.next_status = 500});
    std::string log;
    EXPECT_EQ(RunBootstrap({"echo"}, Env(api), &log), kRunIoError);
    EXPECT_THAT(log, HasSubstr("answered 500"));
  }
  std::string log;
  EXPECT_EQ(RunBootstrap({"echo"}, {"AWS_LAMBDA_RUNTIME_API=no-port"}, &log),
            kRunMalformed);
  EXPECT_THAT(log, HasSubstr("not host:port: no-port"));
}

// In process (so under the sanitizers too): RunRuntimeApi on a thread with
// a C++ lambda, an Init that runs once, and exceptions of every kind.
TEST(RuntimeApiInProcessTest, InitRunsOnceAndEveryExceptionIsAnError) {
  FakeRuntimeApi api({Invoke("ok", "\"hi\""), Invoke("sdk", "{}"),
                      Invoke("std", "{}"), Invoke("other", "{}")});
  std::atomic<int> inits = 0;
  std::atomic<int> result = -1;
  std::thread runtime([&] {
    result = RunRuntimeApi(
        [&]() -> Handler {
          ++inits;
          return
              [](const std::string& event, const Context& ctx) -> std::string {
                if (ctx.request_id == "sdk") throw Error("Mine", "mine failed");
                if (ctx.request_id == "std") throw std::out_of_range("range");
                if (ctx.request_id == "other") throw 7;
                return "{\"got\":" + event + "}";
              };
        },
        api.address());
  });
  runtime.join();
  api.Stop();
  EXPECT_EQ(result, kRunEof);
  EXPECT_EQ(inits, 1);
  const std::vector<Seen>& seen = api.seen();
  ASSERT_THAT(seen, SizeIs(9));
  EXPECT_EQ(seen[1].body, R"({"got":"hi"})");
  EXPECT_EQ(seen[3].Header("Lambda-Runtime-Function-Error-Type"), "Mine");
  EXPECT_EQ(seen[5].Header("Lambda-Runtime-Function-Error-Type"),
            "std::out_of_range");
  EXPECT_EQ(json::parse(seen[5].body).at("errorMessage"), "range");
  EXPECT_EQ(seen[7].Header("Lambda-Runtime-Function-Error-Type"),
            "UnknownError");
}

}  // namespace
}  // namespace fanlab::sdk
