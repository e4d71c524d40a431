// The clock requests function processes send the engine's HTTP front
// (POST /_fanlab/sleep and /_fanlab/sleep/cancel), and the clock file
// that shows them virtual time: the engine's loop driven by hand
// (RunUntil) on a virtual clock, so that nothing waits in real time; then
// real function processes with the clock library preloaded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "emulator/compute/clock_file.h"
#include "emulator/engine.h"
#include "tests/engine_fixture.h"
#include "tests/transport/http_test_util.h"

namespace fanlab {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using testing::RawConnection;

int64_t Nanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

std::string Post(std::string_view path, std::string_view body) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

class EngineClockTest : public ::testing::Test {
 protected:
  explicit EngineClockTest(bool deterministic = false)
      : engine_(Options(deterministic), context_) {
    static std::atomic<int> counter{0};
    EXPECT_TRUE(engine_
                    .Bind("inproc://engine-clock-" + std::to_string(getpid()) +
                          "-" + std::to_string(counter++))
                    .ok());
    auto url = engine_.BindHttp("127.0.0.1:0");
    EXPECT_TRUE(url.ok());
    port_ = url.ok() ? testing::PortOf(*url) : 0;
    start_ = engine_.clock().Now();
  }

  static EngineOptions Options(bool deterministic) {
    EngineOptions o;
    o.virtual_clock = true;
    o.deterministic = deterministic;
    return o;
  }

  // Runs the loop, without moving time, until `c` has an answer to read.
  void ServeUntilAnswered(RawConnection& c) {
    for (int i = 0; i < 10000 && !c.Readable(); ++i) {
      engine_.RunUntil(engine_.clock().Now());
    }
  }

  // Sends a request on a new connection and returns its answer.
  RawConnection::Response Request(std::string_view path,
                                  std::string_view body) {
    RawConnection c(port_);
    EXPECT_TRUE(c.Send(Post(path, body)));
    ServeUntilAnswered(c);
    auto r = c.Read();
    EXPECT_TRUE(r.has_value());
    return r.value_or(RawConnection::Response{});
  }

  transport::Context context_;
  Engine engine_;
  uint16_t port_ = 0;
  TimePoint start_;
};

TEST_F(EngineClockTest, ASleepIsAnsweredWhenVirtualTimeReachesItsEnd) {
  RawConnection c(port_);
  int64_t until = Nanos(start_ + hours(1)) + 1;  // within a microsecond
  ASSERT_TRUE(c.Send(Post("/_fanlab/sleep", std::to_string(until))));
  engine_.RunUntil(start_ + hours(2));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 200);
  // Woken at the end, never before it: the clock's unit is 1 us.
  EXPECT_EQ(r->body, std::to_string(until + 999));
}

// The same engine serving in deterministic rounds.
class DeterministicEngineClockTest : public EngineClockTest {
 protected:
  DeterministicEngineClockTest() : EngineClockTest(/*deterministic=*/true) {}
};

TEST_F(DeterministicEngineClockTest, ASleepLastsWholeMilliseconds) {
  // A deadline an hour on, asked for from a clock that had read itself 69
  // times since (69 us short), wakes at the hour; so does one 1 ns short
  // of it. A sleep of 1 ns lasts a millisecond.
  for (int64_t short_by : {69'000, 1}) {
    RawConnection c(port_);
    TimePoint from = engine_.clock().Now();
    int64_t until = Nanos(from + hours(1)) - short_by;
    ASSERT_TRUE(c.Send(Post("/_fanlab/sleep", std::to_string(until))));
    engine_.RunUntil(from + hours(2));
    auto r = c.Read();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->body, std::to_string(Nanos(from + hours(1))))
        << "short by " << short_by << " ns";
  }
  RawConnection c(port_);
  TimePoint from = engine_.clock().Now();
  ASSERT_TRUE(c.Send(Post("/_fanlab/sleep", std::to_string(Nanos(from) + 1))));
  engine_.RunUntil(from + seconds(1));
  auto r = c.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body,
            std::to_string(Nanos(from + std::chrono::milliseconds(1))));
}

TEST_F(EngineClockTest, ASleepAlreadyOverIsAnsweredAtOnce) {
  auto r = Request("/_fanlab/sleep", std::to_string(Nanos(start_) - 5));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::to_string(Nanos(start_)));
  EXPECT_EQ(engine_.clock().Now(), start_);
}

TEST_F(EngineClockTest, ACancelledSleepIsNeverAnsweredAndHoldsNoTime) {
  RawConnection sleeper(port_);
  ASSERT_TRUE(sleeper.Send(
      Post("/_fanlab/sleep", std::to_string(Nanos(start_ + hours(2))))));
  // Cancelled by its connection's client port, once the engine has it.
  std::string answer;
  for (int i = 0; i < 100 && answer != "cancelled"; ++i) {
    answer =
        Request("/_fanlab/sleep/cancel", std::to_string(sleeper.local_port()))
            .body;
  }
  EXPECT_EQ(answer, "cancelled");
  EXPECT_EQ(
      Request("/_fanlab/sleep/cancel", std::to_string(sleeper.local_port()))
          .body,
      "not sleeping");
  // A later sleep wakes at its own time: no timer is left at 2 h.
  RawConnection later(port_);
  ASSERT_TRUE(later.Send(
      Post("/_fanlab/sleep", std::to_string(Nanos(start_ + hours(3))))));
  engine_.RunUntil(start_ + hours(4));
  auto r = later.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->body, std::to_string(Nanos(start_ + hours(3))));
  // The cancelled sleep's connection is closed unanswered.
  ASSERT_TRUE(sleeper.Readable());
  EXPECT_FALSE(sleeper.Read().has_value());
}

TEST_F(EngineClockTest, BadClockRequestsSayWhatIsWrong) {
  auto bad_time = Request("/_fanlab/sleep", "soon");
  EXPECT_EQ(bad_time.status, 400);
  EXPECT_NE(bad_time.body.find("nanoseconds since the Unix epoch, not 'soon'"),
            std::string::npos)
      << bad_time.body;
  auto bad_port = Request("/_fanlab/sleep/cancel", "70000");
  EXPECT_EQ(bad_port.status, 400);
  EXPECT_NE(bad_port.body.find("client port"), std::string::npos);
  auto unknown = Request("/_fanlab/wake", "1");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("'/_fanlab/wake'"), std::string::npos);
  RawConnection get(port_);
  ASSERT_TRUE(get.Send("GET /_fanlab/sleep HTTP/1.1\r\nHost: x\r\n\r\n"));
  ServeUntilAnswered(get);
  auto r = get.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  // The front still serves.
  EXPECT_EQ(Request("/_fanlab/sleep", "0").status, 200);
}

// The file's fields, read the way the clock library reads them.
struct Shown {
  std::string magic;
  int64_t now = 0;
  int64_t base = 0;
};
Shown Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char bytes[24] = {};
  in.read(bytes, sizeof bytes);
  Shown s;
  s.magic.assign(bytes, 8);
  std::memcpy(&s.now, bytes + 8, 8);
  std::memcpy(&s.base, bytes + 16, 8);
  return s;
}

TEST(ClockFileTest, ShowsTheTimeItIsSetToAndOnlyForward) {
  TimePoint t = VirtualClock::kDefaultStart;
  auto file = compute::ClockFile::Create(t);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::string path = (*file)->path();
  Shown first = Read(path);
  EXPECT_EQ(first.magic, "FLCLOCK1");
  EXPECT_EQ(first.now, Nanos(t));
  EXPECT_EQ(first.now - first.base, 1000'000'000'000);  // monotonic 1000 s
  (*file)->Set(t + seconds(90));
  EXPECT_EQ(Read(path).now, Nanos(t + seconds(90)));
  (*file)->Set(t);  // back in time: ignored
  EXPECT_EQ(Read(path).now, Nanos(t + seconds(90)));
  EXPECT_EQ(Read(path).base, first.base);
  file->reset();
  EXPECT_FALSE(std::ifstream(path).good());  // removed with the object
}

TEST(ClockFileTest, FollowsAVirtualClockThroughItsObserver) {
  VirtualClock clock;
  auto file = compute::ClockFile::Create(clock.Now());
  ASSERT_TRUE(file.ok());
  clock.OnTimeMoved([f = file->get()](TimePoint t) { f->Set(t); });
  TimePoint fired_at{};
  clock.ScheduleAfter(seconds(5), [&] {
    fired_at = clock.Now();
    EXPECT_EQ(Read((*file)->path()).now, Nanos(fired_at));  // before it runs
  });
  clock.AdvanceTo(clock.Now() + seconds(7));
  EXPECT_EQ(Read((*file)->path()).now, Nanos(clock.Now()));
  EXPECT_EQ(fired_at, VirtualClock::kDefaultStart + seconds(5));
  clock.OnTimeMoved(nullptr);
}

}  // namespace
}  // namespace fanlab

namespace fanlab {
namespace {

// A deterministic engine whose function processes get the clock library:
// the test function's own sleep (std::this_thread::sleep_for) waits for
// virtual time, and its environment names the library and the clock file.
class FunctionClockTest : public testing::EngineFixture {
 protected:
  FunctionClockTest() : EngineFixture(Options()) {}

  static testing::EngineFixtureOptions Options() {
    testing::EngineFixtureOptions o;
    o.engine.deterministic = true;
    o.engine.functions.runtimes_dir = FANLAB_TEST_RUNTIMES_DIR;
    o.ipc = true;
    o.http = true;
    return o;
  }

  void SetUp() override {
    if (!std::ifstream(kLibrary).good()) {
      GTEST_SKIP() << kLibrary << " is not built (a sanitizer build)";
    }
  }

  void Function(const std::string& name, std::vector<std::string> args,
                boost::json::object env = {}) {
    boost::json::array command{FANLAB_TEST_FUNCTION};
    for (auto& a : args) command.emplace_back(a);
    Ok("CreateFunction", {{"FunctionName", name},
                          {"Code", {{"Command", command}}},
                          {"Timeout", 900},
                          {"Environment", {{"Variables", env}}}});
  }

  boost::json::object Invoke(const std::string& name) {
    boost::json::object r = Ok("Invoke", {{"FunctionName", name}});
    return boost::json::parse(r["Payload"].as_string()).as_object();
  }

  static constexpr const char* kLibrary =
      FANLAB_TEST_RUNTIMES_DIR "/libfanlab_clock.so";
};

TEST_F(FunctionClockTest, ASleepInAFunctionTakesVirtualTimeNotRealTime) {
  Function("sleeper", {"sleep", "600000"});  // 10 minutes
  TimePoint before = engine().clock().Now();
  auto real = std::chrono::steady_clock::now();
  EXPECT_EQ(Invoke("sleeper")["slept"].as_int64(), 600000);
  // The engine's clock is read on this thread while the loop runs on its
  // own: good enough for "at least 10 minutes later".
  EXPECT_GE(engine().clock().Now() - before, std::chrono::minutes(10));
  EXPECT_LT(std::chrono::steady_clock::now() - real, std::chrono::minutes(1));
}

TEST_F(FunctionClockTest, ASleepOfAProcessKilledAtItsTimeoutHoldsNoTime) {
  Function("oversleeper", {"sleep", "3600000"});  // an hour, timeout 900 s
  Function("napper", {"sleep", "1000"});
  TimePoint before = engine().clock().Now();
  transport::Reply r = Call("Invoke", {{"FunctionName", "oversleeper"}});
  ASSERT_TRUE(r.ok) << r.body;
  EXPECT_NE(r.body.find("Task timed out after 900"), std::string::npos)
      << r.body;
  // The hour-long sleep went with its process: the next wait ends after
  // its own second, not at the hour.
  EXPECT_EQ(Invoke("napper")["slept"].as_int64(), 1000);
  EXPECT_LT(engine().clock().Now() - before, std::chrono::minutes(20));
}

TEST_F(FunctionClockTest,
       TheEnvironmentNamesTheLibraryUnlessTheFunctionOptsOut) {
  Function("env", {"env"}, {{"LD_PRELOAD", "libother.so"}});
  Function("own-clock", {"env"}, {{"FANLAB_VIRTUAL_CLOCK", "0"}});
  boost::json::object env = Invoke("env");
  EXPECT_EQ(env["LD_PRELOAD"].as_string(),
            std::string(kLibrary) + ":libother.so");
  std::string file(env["FANLAB_CLOCK_FILE"].as_string());
  char magic[8] = {};
  std::ifstream(file, std::ios::binary).read(magic, sizeof magic);
  EXPECT_EQ(std::string(magic, 8), "FLCLOCK1");
  boost::json::object own = Invoke("own-clock");
  EXPECT_FALSE(own.contains("LD_PRELOAD"));
  EXPECT_FALSE(own.contains("FANLAB_CLOCK_FILE"));
}

}  // namespace
}  // namespace fanlab
