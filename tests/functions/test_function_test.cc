// The built fanlab-test-function (functions/testing/test_function.cc) run
// as a child process the way the emulator runs a function: argv only, an
// explicit environment, stdin for invocation frames, descriptor 3 for
// result frames, stdout and stderr for logs. Checks the frames each mode
// writes and how the process ends.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace fanlab::sdk {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::string_view kReady = "{\"status\":\"ready\"}\n";

std::string Frame(std::string_view request_id, std::string_view event,
                  int64_t deadline_ms = 1767225603000) {
  return "{\"requestId\":\"" + std::string(request_id) +
         "\",\"deadlineMs\":" + std::to_string(deadline_ms) +
         ",\"functionName\":\"tf\",\"invokedFunctionArn\":"
         "\"arn:aws:lambda:us-east-1:000000000000:function:tf\",\"length\":" +
         std::to_string(event.size()) + "}\n" + std::string(event);
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The test function as a child process. Its stdin, result descriptor,
// stdout and stderr are pipes this object pumps (never blocking: a child
// that fills a pipe cannot deadlock the test); every wait has a hang guard
// after which the child is killed and the test fails.
class Child {
 public:
  Child(const std::vector<std::string>& args, std::vector<std::string> env,
        int result_fd = 3) {
    ::signal(SIGPIPE, SIG_IGN);  // a child that exits early closes stdin
    int in[2], res[2], logs[2], errs[2];
    for (int* p : {in, res, logs, errs}) {
      if (::pipe2(p, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2 failed";
    }
    // The child's ends, first copied above the targets (0-3, result_fd),
    // so that no dup2 overwrites a source or has source == target (which
    // would leave FD_CLOEXEC set).
    const int targets[4] = {0, result_fd, 1, 2};
    const int sources[4] = {in[0], res[1], logs[1], errs[1]};
    int high[4];
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (int i = 0; i < 4; ++i) {
      high[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, 20);
      posix_spawn_file_actions_adddup2(&actions, high[i], targets[i]);
    }
    std::vector<std::string> argv_strings = {FANLAB_TEST_FUNCTION};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv, envp;
    for (std::string& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, FANLAB_TEST_FUNCTION, &actions, nullptr,
                                 argv.data(), envp.data());
    EXPECT_EQ(rc, 0) << "posix_spawn " << FANLAB_TEST_FUNCTION;
    if (rc != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    for (int i = 0; i < 4; ++i) {
      ::close(high[i]);
      ::close(sources[i]);
    }
    in_ = in[1];
    ::fcntl(in_, F_SETFL, O_NONBLOCK);
    fds_[0] = res[0];
    fds_[1] = logs[0];
    fds_[2] = errs[0];
  }

  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (in_ >= 0) ::close(in_);
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }

  pid_t pid() const { return pid_; }
  void Write(std::string_view bytes) { input_ += bytes; }
  void CloseStdin() { close_input_ = true; }

  // Moves bytes until `done()` holds or every output is closed; false (and
  // a test failure) after 20 s.
  bool PumpUntil(const std::function<bool()>& done) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (in_ >= 0 && input_.empty() && close_input_) {
        ::close(in_);
        in_ = -1;
      }
      if (fds_[0] < 0 && fds_[1] < 0 && fds_[2] < 0) return true;
      std::vector<pollfd> polls;
      if (in_ >= 0 && !input_.empty()) polls.push_back({in_, POLLOUT, 0});
      for (int fd : fds_) {
        if (fd >= 0) polls.push_back({fd, POLLIN, 0});
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || ::poll(polls.data(), polls.size(),
                                      static_cast<int>(left.count())) < 0) {
        ADD_FAILURE() << "the test function hung; result so far: " << result
                      << "\nstderr: " << err;
        return false;
      }
      for (const pollfd& p : polls) {
        if (p.revents == 0) continue;
        if (p.fd == in_) {
          const ssize_t n = ::write(in_, input_.data(), input_.size());
          if (n > 0) {
            input_.erase(0, static_cast<size_t>(n));
          } else if (errno != EAGAIN && errno != EINTR) {
            input_.clear();  // the child closed stdin (EPIPE)
          }
          continue;
        }
        for (int i = 0; i < 3; ++i) {
          if (p.fd != fds_[i]) continue;
          char chunk[65536];
          const ssize_t n = ::read(fds_[i], chunk, sizeof chunk);
          if (n > 0) {
            std::string* into[3] = {&result, &out, &err};
            into[i]->append(chunk, static_cast<size_t>(n));
          } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            ::close(fds_[i]);
            fds_[i] = -1;
          }
        }
      }
    }
    return true;
  }

  // Closes stdin once the input is written, pumps until every output is
  // closed, and reaps the child: its wait status.
  int Finish() {
    CloseStdin();
    PumpUntil([] { return false; });
    return Wait();
  }

  // Reaps the child (once): its wait status, or -1.
  int Wait() {
    int status = -1;
    if (pid_ > 0 && ::waitpid(pid_, &status, 0) == pid_) pid_ = -1;
    return status;
  }

  std::string result, out, err;

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int fds_[3] = {-1, -1, -1};  // result, stdout, stderr
  std::string input_;
  bool close_input_ = false;
};

std::vector<std::string> BaseEnv() { return {"FANLAB_RESULT_FD=3"}; }

struct ResultFrame {
  json::object header;
  std::string payload;
};

// Splits what the result descriptor carried into frames.
std::vector<ResultFrame> ParseFrames(std::string_view text) {
  std::vector<ResultFrame> frames;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      ADD_FAILURE() << "a header without its newline: " << text;
      break;
    }
    json::error_code ec;
    json::value v = json::parse(text.substr(0, nl), ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a frame header: " << text.substr(0, nl);
      break;
    }
    text.remove_prefix(nl + 1);
    ResultFrame f{v.as_object(), ""};
    if (const json::value* length = f.header.if_contains("length")) {
      const size_t n = static_cast<size_t>(length->as_int64());
      if (n > text.size()) {
        ADD_FAILURE() << "a payload shorter than its length " << n;
        break;
      }
      f.payload = std::string(text.substr(0, n));
      text.remove_prefix(n);
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

void ExpectExited(int status, int code) {
  ASSERT_TRUE(WIFEXITED(status)) << "wait status " << status;
  EXPECT_EQ(WEXITSTATUS(status), code);
}

TEST(TestFunctionTest, EchoWritesReadyThenTheEventForEachFrame) {
  Child c({"echo"}, BaseEnv());
  c.Write(Frame("r1", "{\"hello\":\"x\"}") + Frame("r2", "[1,\n2]"));
  ExpectExited(c.Finish(), 0);
  EXPECT_EQ(c.result, std::string(kReady) +
                          "{\"status\":\"ok\",\"length\":13}\n" +
                          "{\"hello\":\"x\"}" +
                          "{\"status\":\"ok\",\"length\":6}\n" + "[1,\n2]");
}

TEST(TestFunctionTest, FailWritesAnErrorFrame) {
  Child c({"fail"}, BaseEnv());
  c.Write(Frame("r1", "{}"));
  ExpectExited(c.Finish(), 0);
  std::vector<ResultFrame> frames = ParseFrames(c.result);
  ASSERT_EQ(frames.size(), 2u) << c.result;
  EXPECT_EQ(frames[0].header, json::parse("{\"status\":\"ready\"}"));
  EXPECT_EQ(frames[1].header["status"], "error");
  EXPECT_EQ(json::parse(frames[1].payload),
            json::parse("{\"errorType\":\"TestError\","
                        "\"errorMessage\":\"failing on purpose\"}"));
}

// Under frames an initialization error has no frame: a line on stderr,
// exit status 3, before the ready frame.
TEST(TestFunctionTest, InitFailExitsThreeBeforeTheReadyFrame) {
  Child c({"init-fail"}, BaseEnv());
  c.Write(Frame("r1", "{}"));
  ExpectExited(c.Finish(), 3);
  EXPECT_EQ(c.result, "");
  EXPECT_THAT(c.err, HasSubstr("TestInitError: failing at init"));
}

TEST(TestFunctionTest, ExitLeavesWithItsCodeBeforeAnyResult) {
  Child c({"exit", "3"}, BaseEnv());
  c.Write(Frame("r1", "{}"));
  ExpectExited(c.Finish(), 3);
  EXPECT_EQ(c.result, kReady);
}

TEST(TestFunctionTest, CrashDiesOfSigsegv) {
  Child c({"crash"}, BaseEnv());
  c.Write(Frame("r1", "{}"));
  const int status = c.Finish();
  ASSERT_TRUE(WIFSIGNALED(status)) << "wait status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
  EXPECT_EQ(c.result, kReady);
}

TEST(TestFunctionTest, GarbageWritesALineThatIsNotAFrame) {
  Child c({"garbage"}, BaseEnv());
  c.Write(Frame("r1", "{}"));
  ExpectExited(c.Finish(), 0);
  EXPECT_EQ(c.result, std::string(kReady) + "this is not a frame\n");
}

TEST(TestFunctionTest, PrintContextReturnsTheFrameAndEnvironmentFields) {
  std::vector<std::string> env = BaseEnv();
  env.push_back("FANLAB_SOCKET=/run/fanlab/functions");
  Child c({"print-context"}, env);
  const int64_t deadline = NowMs() + 60000;
  c.Write(Frame("req-7", "{}", deadline));
  ExpectExited(c.Finish(), 0);
  std::vector<ResultFrame> frames = ParseFrames(c.result);
  ASSERT_EQ(frames.size(), 2u) << c.result;
  json::object ctx = json::parse(frames[1].payload).as_object();
  EXPECT_EQ(ctx["requestId"], "req-7");
  EXPECT_EQ(ctx["deadlineMs"], deadline);
  EXPECT_EQ(ctx["functionName"], "tf");
  EXPECT_EQ(ctx["invokedFunctionArn"],
            "arn:aws:lambda:us-east-1:000000000000:function:tf");
  EXPECT_EQ(ctx["endpoint"], "unix:///run/fanlab/functions");
  EXPECT_LE(ctx["remainingMs"].as_int64(), 60000);
  EXPECT_GT(ctx["remainingMs"].as_int64(), 0);
}

TEST(TestFunctionTest, EnvReturnsExactlyTheEnvironmentGiven) {
  Child c({"env"}, {"FANLAB_RESULT_FD=3", "PLAIN=bar baz", "QUOTED=a\"b\\c\nd",
                    "EMPTY=", "WITH_EQUALS=x=y"});
  c.Write(Frame("r1", "{}"));
  ExpectExited(c.Finish(), 0);
  std::vector<ResultFrame> frames = ParseFrames(c.result);
  ASSERT_EQ(frames.size(), 2u) << c.result;
  EXPECT_EQ(json::parse(frames[1].payload),
            json::parse("{\"FANLAB_RESULT_FD\":\"3\",\"PLAIN\":\"bar baz\","
                        "\"QUOTED\":\"a\\\"b\\\\c\\nd\",\"EMPTY\":\"\","
                        "\"WITH_EQUALS\":\"x=y\"}"));
}

TEST(TestFunctionTest, ResultDescriptorComesFromFanlabResultFd) {
  Child c({"echo"}, {"FANLAB_RESULT_FD=5"}, /*result_fd=*/5);
  c.Write(Frame("r1", "\"five\""));
  ExpectExited(c.Finish(), 0);
  EXPECT_EQ(c.result,
            std::string(kReady) + "{\"status\":\"ok\",\"length\":6}\n\"five\"");
}

TEST(TestFunctionTest, BadResultFdExitsTwo) {
  Child c({"echo"}, {"FANLAB_RESULT_FD=three"});
  ExpectExited(c.Finish(), 2);
  EXPECT_EQ(c.result, "");
  EXPECT_THAT(c.err, HasSubstr("FANLAB_RESULT_FD"));
}

TEST(TestFunctionTest, MalformedFrameExitsTwo) {
  Child c({"echo"}, BaseEnv());
  c.Write("this is not a header\n");
  ExpectExited(c.Finish(), 2);
  EXPECT_EQ(c.result, kReady);
  EXPECT_THAT(c.err, HasSubstr("malformed invocation frame header"));
}

TEST(TestFunctionTest, UnknownModeOrArgumentExitsTwoAtOnce) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"nope"}, {}, {"sleep"}, {"sleep", "-1"}, {"echo", "extra"}}) {
    Child c(args, BaseEnv());
    ExpectExited(c.Finish(), 2);
    EXPECT_EQ(c.result, "");
    EXPECT_THAT(c.err, HasSubstr("usage"));
  }
}

// Quick sanity of the modes the compute layer's tests lean on.
TEST(TestFunctionTest, SleepFloodAndAllocAnswer) {
  Child sleep({"sleep", "1"}, BaseEnv());
  sleep.Write(Frame("r1", "{}"));
  ExpectExited(sleep.Finish(), 0);
  EXPECT_THAT(sleep.result, testing::EndsWith("\n{\"slept\":1}"));

  Child flood({"flood-stdout", "100000"}, BaseEnv());
  flood.Write(Frame("r1", "{}"));
  ExpectExited(flood.Finish(), 0);
  EXPECT_EQ(flood.out.size(), 100000u);
  EXPECT_THAT(flood.out, StartsWith("flood line 0 "));
  EXPECT_THAT(flood.err, HasSubstr("flood-stdout"));
  EXPECT_THAT(flood.result, testing::EndsWith("\n{\"flooded\":100000}"));

  Child alloc({"alloc", "8"}, BaseEnv());
  alloc.Write(Frame("r1", "{}"));
  ExpectExited(alloc.Finish(), 0);
  EXPECT_THAT(alloc.result, testing::EndsWith("\n{\"allocated\":8}"));
}

// The test function is never sanitized (functions/CMakeLists.txt), so this
// holds in the asan preset too.
TEST(TestFunctionTest, AllocPastTheAddressSpaceLimitIsABadAllocErrorFrame) {
  Child c({"alloc", "1024"}, BaseEnv());
  // The child waits for its frame on stdin; cap it before sending one.
  const rlimit limit{256 << 20, 256 << 20};
  ASSERT_EQ(::prlimit(c.pid(), RLIMIT_AS, &limit, nullptr), 0);
  c.Write(Frame("r1", "{}"));
  ExpectExited(c.Finish(), 0);
  std::vector<ResultFrame> frames = ParseFrames(c.result);
  ASSERT_EQ(frames.size(), 2u) << c.result;
  EXPECT_EQ(frames[1].header["status"], "error");
  EXPECT_EQ(json::parse(frames[1].payload).at("errorType"), "std::bad_alloc");
}

// "SigIgn" of /proc/<pid>/status has bit SIGTERM-1 set.
bool IgnoresSigterm(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("SigIgn:", 0) == 0) {
      const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
      return (mask >> (SIGTERM - 1)) & 1;
    }
  }
  ADD_FAILURE() << "no SigIgn for " << pid;
  return false;
}

TEST(TestFunctionTest, ForkIgnoreTermLeavesTwoProcessesIgnoringSigterm) {
  Child c({"fork-ignore-term"}, BaseEnv());
  c.Write(Frame("r1", "{}"));
  ASSERT_TRUE(
      c.PumpUntil([&] { return c.err.find('\n') != std::string::npos; }));
  ASSERT_THAT(c.err, StartsWith("child-pid "));
  const pid_t grandchild = std::stoi(c.err.substr(10));
  const pid_t parent = c.pid();
  EXPECT_TRUE(IgnoresSigterm(parent));
  EXPECT_TRUE(IgnoresSigterm(grandchild));
  EXPECT_EQ(::getpgid(grandchild), ::getpgid(parent));  // one group
  // Only SIGKILL ends them. The parent first, reaped, so that the orphan
  // has been re-parented before it is killed too.
  ASSERT_EQ(::kill(parent, SIGKILL), 0);
  const int status = c.Wait();
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  ASSERT_EQ(::kill(grandchild, SIGKILL), 0);
  ::waitpid(grandchild, nullptr, 0);  // ours only if we are a subreaper
  c.Finish();  // the pipes the grandchild held close with it
}

}  // namespace
}  // namespace fanlab::sdk
