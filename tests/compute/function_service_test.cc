// FunctionService with real processes (the fanlab-test-function binary)
// and a virtual clock: deadlines fire when the test advances the clock, so
// no test waits for a timeout; the only real waits are for processes to
// answer or exit.
#include "emulator/compute/function_service.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "tests/compute/proc_util.h"

namespace fanlab::compute {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kTestFunction = FANLAB_TEST_FUNCTION;

// The pid of a grandchild of this test process whose parent runs with
// `arg` on its command line, or 0.
int GrandchildRunning(const std::string& arg) {
  auto all = testing::AllProcesses();
  for (const auto& parent : all) {
    if (parent.ppid != getpid() ||
        parent.cmdline.find(arg) == std::string::npos) {
      continue;
    }
    for (const auto& child : all) {
      if (child.ppid == parent.pid) return child.pid;
    }
  }
  return 0;
}

class FunctionServiceTest : public ::testing::Test {
 protected:
  FunctionServiceTest()
      : service_(clock_, launcher_, ids_,
                 {.endpoint = "inproc://engine",
                  .global_concurrency = 200,
                  .kill_grace = milliseconds(50),
                  .idle_timeout = std::chrono::minutes(5)}) {
    service_.SetRecordCallback(
        [this](const InvocationRecord& r) { records_.push_back(r); });
  }

  FunctionConfig Config(std::string name, std::vector<std::string> args,
                        Mode mode = Mode::kCold) {
    FunctionConfig c;
    c.name = std::move(name);
    c.command = {kTestFunction};
    for (auto& a : args) c.command.push_back(std::move(a));
    c.mode = mode;
    return c;
  }

  void Create(FunctionConfig c) {
    auto r = service_.CreateFunction(std::move(c));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  // Starts an invocation; its answer lands in the returned slot.
  std::shared_ptr<std::optional<Result<InvokeResult>>> Start(
      const std::string& name, std::string payload = "{}") {
    auto slot = std::make_shared<std::optional<Result<InvokeResult>>>();
    service_.Invoke(name, std::move(payload),
                    [slot](Result<InvokeResult> r) { *slot = std::move(r); });
    return slot;
  }

  // Runs the loop until `done()` (real processes answering or exiting).
  template <typename Pred>
  void RunUntil(Pred done) {
    auto limit = std::chrono::steady_clock::now() + seconds(20);
    while (!done() && std::chrono::steady_clock::now() < limit) {
      io_.run_one_for(milliseconds(20));
    }
    ASSERT_TRUE(done()) << "gave up waiting";
  }

  InvokeResult Invoke(const std::string& name, std::string payload = "{}") {
    auto slot = Start(name, std::move(payload));
    RunUntil([&] { return slot->has_value(); });
    EXPECT_TRUE((*slot)->ok()) << (*slot)->status().ToString();
    return (*slot)->ok() ? (**slot).value() : InvokeResult{};
  }

  static std::string Field(const std::string& payload, const char* key) {
    json::value v = json::parse(payload);
    const json::value* f = v.as_object().if_contains(key);
    if (f == nullptr) return "<absent>";
    return f->is_string() ? std::string(f->get_string()) : json::serialize(*f);
  }

  boost::asio::io_context io_;
  VirtualClock clock_;
  PosixLauncher launcher_{io_};
  IdGenerator ids_{42};
  FunctionService service_;
  std::vector<InvocationRecord> records_;
};

TEST_F(FunctionServiceTest, RegistryValidatesAndAnswersLikeLambda) {
  FunctionConfig bad = Config("bad name!", {"echo"});
  EXPECT_EQ(service_.CreateFunction(bad).status().code(),
            ErrorCode::kInvalidParameterValueException);
  FunctionConfig slow = Config("slow", {"echo"});
  slow.timeout_seconds = 901;
  EXPECT_EQ(service_.CreateFunction(slow).status().code(),
            ErrorCode::kInvalidParameterValueException);
  FunctionConfig small = Config("small", {"echo"});
  small.memory_mb = 64;
  EXPECT_EQ(service_.CreateFunction(small).status().code(),
            ErrorCode::kInvalidParameterValueException);
  FunctionConfig no_command = Config("nocmd", {});
  no_command.command.clear();
  EXPECT_EQ(service_.CreateFunction(no_command).status().code(),
            ErrorCode::kInvalidParameterValueException);

  Create(Config("echo", {"echo"}));
  EXPECT_EQ(service_.CreateFunction(Config("echo", {"echo"})).status().code(),
            ErrorCode::kResourceConflictException);
  ASSERT_TRUE(service_.GetFunction("echo").ok());
  EXPECT_EQ(service_.GetFunction("echo")->timeout_seconds, 3);
  EXPECT_EQ(service_.GetFunction("echo")->memory_mb, 128);
  EXPECT_EQ(service_.ListFunctions().size(), 1u);

  FunctionConfig updated = Config("echo", {"echo"});
  updated.timeout_seconds = 10;
  ASSERT_TRUE(service_.UpdateFunctionConfiguration(updated).ok());
  EXPECT_EQ(service_.GetFunction("echo")->timeout_seconds, 10);
  EXPECT_EQ(service_.UpdateFunctionConfiguration(Config("nope", {"echo"}))
                .status()
                .code(),
            ErrorCode::kResourceNotFoundException);

  ASSERT_TRUE(service_.DeleteFunction("echo").ok());
  auto gone = service_.GetFunction("echo");
  EXPECT_EQ(gone.status().code(), ErrorCode::kResourceNotFoundException);
  EXPECT_EQ(gone.status().message(),
            "Function not found: "
            "arn:aws:lambda:us-east-1:000000000000:function:echo");
}

TEST_F(FunctionServiceTest, ColdInvocationRunsAProcessAndReturnsItsResult) {
  Create(Config("echo", {"echo"}));
  InvokeResult r = Invoke("echo", R"({"hello":"world"})");
  EXPECT_EQ(r.status_code, 200);
  EXPECT_FALSE(r.function_error.has_value());
  EXPECT_EQ(r.payload, R"({"hello":"world"})");
  ASSERT_EQ(records_.size(), 1u);
  EXPECT_EQ(records_[0].outcome, InvocationRecord::Outcome::kSuccess);
  EXPECT_TRUE(records_[0].cold);
  EXPECT_EQ(records_[0].request_id, r.request_id);
  EXPECT_EQ(service_.running(), 0);
}

TEST_F(FunctionServiceTest, EnvironmentIsMinimalAndCarriesTheRuntimeVariables) {
  FunctionConfig c = Config("env", {"env"});
  c.env = {{"MY_SETTING", "on"}};
  c.memory_mb = 256;
  Create(c);
  InvokeResult r = Invoke("env");
  json::object env = json::parse(r.payload).as_object();
  std::set<std::string> names;
  for (const auto& [k, v] : env) names.insert(std::string(k));
  std::set<std::string> expected = {"MY_SETTING",
                                    "PATH",
                                    "LANG",
                                    "TZ",
                                    "AWS_LAMBDA_FUNCTION_NAME",
                                    "AWS_LAMBDA_FUNCTION_VERSION",
                                    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                    "AWS_LAMBDA_LOG_GROUP_NAME",
                                    "AWS_LAMBDA_LOG_STREAM_NAME",
                                    "AWS_LAMBDA_INITIALIZATION_TYPE",
                                    "AWS_REGION",
                                    "AWS_DEFAULT_REGION",
                                    "AWS_EXECUTION_ENV",
                                    "AWS_ACCESS_KEY_ID",
                                    "AWS_SECRET_ACCESS_KEY",
                                    "AWS_SESSION_TOKEN",
                                    "LAMBDA_TASK_ROOT",
                                    "FANLAB_ENDPOINT",
                                    "FANLAB_FUNCTION_NAME",
                                    "FANLAB_FUNCTION_TIMEOUT",
                                    "FANLAB_MODE",
                                    "FANLAB_RESULT_FD",
                                    "FANLAB_REQUEST_ID",
                                    "FANLAB_DEADLINE_MS"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(env["MY_SETTING"], "on");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_NAME"], "env");
  EXPECT_EQ(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256");
  EXPECT_EQ(env["FANLAB_ENDPOINT"], "inproc://engine");
  EXPECT_EQ(env["FANLAB_MODE"], "cold");
  EXPECT_EQ(std::string(env["FANLAB_REQUEST_ID"].as_string()), r.request_id);
  // Credentials of this environment (WhoCalled knows whose they are).
  EXPECT_EQ(env["AWS_ACCESS_KEY_ID"].as_string(),
            FunctionService::AccessKeyFor(1));
}

TEST_F(FunctionServiceTest, TheHttpFrontIsTheSdksEndpoint) {
  int asked = 0;
  service_.SetHttpEndpointProvider([&] {
    ++asked;
    return std::string("http://127.0.0.1:4567");
  });
  Create(Config("env", {"env"}));
  json::object env = json::parse(Invoke("env").payload).as_object();
  EXPECT_EQ(env["AWS_ENDPOINT_URL"], "http://127.0.0.1:4567");
  EXPECT_EQ(env["FANLAB_HTTP_ENDPOINT"], "http://127.0.0.1:4567");
  Invoke("env");
  EXPECT_EQ(asked, 1);  // bound once, then known
}

TEST_F(FunctionServiceTest, ContextDeadlineIsOnTheEmulatorsClock) {
  FunctionConfig c = Config("ctx", {"print-context"});
  c.timeout_seconds = 7;
  Create(c);
  InvokeResult r = Invoke("ctx");
  int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(clock_.Now().time_since_epoch())
          .count();
  EXPECT_EQ(Field(r.payload, "deadlineMs"), std::to_string(now_ms + 7000));
  EXPECT_EQ(Field(r.payload, "requestId"), r.request_id);
  int64_t remaining = std::stoll(Field(r.payload, "remainingMs"));
  EXPECT_LE(remaining, 7000);
  EXPECT_GT(remaining, 5000);  // the virtual clock, not this machine's
}

TEST_F(FunctionServiceTest, WarmEnvironmentsAreReused) {
  Create(Config("warm", {"echo"}, Mode::kWarm));
  Invoke("warm", "1");
  Invoke("warm", "2");
  InvokeResult third = Invoke("warm", "3");
  EXPECT_EQ(third.payload, "3");
  ASSERT_EQ(records_.size(), 3u);
  EXPECT_TRUE(records_[0].cold);
  EXPECT_FALSE(records_[1].cold);
  EXPECT_FALSE(records_[2].cold);
  EXPECT_EQ(service_.environments("warm"), 1u);
}

TEST_F(FunctionServiceTest, IdleWarmEnvironmentsAreReaped) {
  Create(Config("warm", {"echo"}, Mode::kWarm));
  Invoke("warm");
  EXPECT_EQ(service_.environments("warm"), 1u);
  clock_.Advance(std::chrono::minutes(6));
  EXPECT_EQ(service_.environments("warm"), 0u);
  InvokeResult again = Invoke("warm");
  EXPECT_TRUE(records_.back().cold);
  EXPECT_EQ(again.payload, "{}");
}

TEST_F(FunctionServiceTest, FunctionErrorsAreResultsWithFunctionError) {
  Create(Config("fail", {"fail"}));
  InvokeResult r = Invoke("fail");
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Field(r.payload, "errorType"), "TestError");
  EXPECT_EQ(Field(r.payload, "errorMessage"), "failing on purpose");
  EXPECT_EQ(records_.back().outcome, InvocationRecord::Outcome::kError);
  EXPECT_EQ(records_.back().error_type, "TestError");
}

TEST_F(FunctionServiceTest, CrashExitAndGarbageEachGiveTheirOwnError) {
  Create(Config("crash", {"crash"}));
  Create(Config("exit", {"exit", "3"}));
  Create(Config("garbage", {"garbage"}));

  InvokeResult crash = Invoke("crash");
  EXPECT_EQ(crash.function_error, "Unhandled");
  EXPECT_EQ(Field(crash.payload, "errorType"), "Runtime.ExitError");
  EXPECT_EQ(Field(crash.payload, "errorMessage"),
            "RequestId: " + crash.request_id +
                " Error: Runtime exited with error: signal: segmentation "
                "fault");

  InvokeResult exited = Invoke("exit");
  EXPECT_EQ(Field(exited.payload, "errorMessage"),
            "RequestId: " + exited.request_id +
                " Error: Runtime exited with error: exit status 3");

  InvokeResult garbage = Invoke("garbage");
  EXPECT_EQ(Field(garbage.payload, "errorType"), "Runtime.InvalidResponse");
  EXPECT_NE(Field(garbage.payload, "errorMessage").find("not a result frame"),
            std::string::npos)
      << garbage.payload;
}

TEST_F(FunctionServiceTest, TimeoutKillsTheWholeGroupBeforeAnswering) {
  FunctionConfig c = Config("stuck", {"fork-ignore-term"});
  c.timeout_seconds = 2;
  Create(c);
  auto slot = Start("stuck");
  // Let the process start and fork; then pass the deadline.
  int child = 0;
  RunUntil([&] {
    child = GrandchildRunning("fork-ignore-term");
    return child != 0;
  });
  clock_.Advance(seconds(2));
  RunUntil([&] { return slot->has_value(); });
  ASSERT_TRUE((*slot)->ok());
  const InvokeResult& r = (**slot).value();
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Field(r.payload, "errorType"), "Sandbox.Timedout");
  EXPECT_EQ(Field(r.payload, "errorMessage"),
            "RequestId: " + r.request_id +
                " Error: Task timed out after 2.00 seconds");
  EXPECT_EQ(records_.back().outcome, InvocationRecord::Outcome::kTimeout);
  // The child that ignored SIGTERM is gone, and reaped (no /proc entry).
  EXPECT_NE(r.log_tail.find("child-pid " + std::to_string(child)),
            std::string::npos)
      << r.log_tail;
  EXPECT_FALSE(std::filesystem::exists("/proc/" + std::to_string(child)));
}

TEST_F(FunctionServiceTest, AWarmEnvironmentIsReplacedAfterATimeout) {
  FunctionConfig c = Config("warm-sleep", {"sleep", "100000"}, Mode::kWarm);
  c.timeout_seconds = 1;
  Create(c);
  auto slot = Start("warm-sleep");
  clock_.Advance(seconds(1));
  RunUntil([&] { return slot->has_value(); });
  EXPECT_EQ(records_.back().outcome, InvocationRecord::Outcome::kTimeout);
  RunUntil([&] { return service_.environments("warm-sleep") == 0; });
}

TEST_F(FunctionServiceTest, ReservedConcurrencyThrottlesTheExtraCall) {
  FunctionConfig c = Config("slow", {"sleep", "100000"});
  c.timeout_seconds = 5;
  Create(c);
  ASSERT_TRUE(service_.PutFunctionConcurrency("slow", 2).ok());
  auto a = Start("slow");
  auto b = Start("slow");
  auto third = Start("slow");
  ASSERT_TRUE(third->has_value());  // answered at once
  EXPECT_EQ((*third)->status().code(), ErrorCode::kTooManyRequestsException);
  EXPECT_EQ((*third)->status().message(), "Rate Exceeded.");
  EXPECT_EQ(records_.back().outcome, InvocationRecord::Outcome::kThrottle);
  EXPECT_EQ(service_.running(), 2);
  clock_.Advance(seconds(5));
  RunUntil([&] { return a->has_value() && b->has_value(); });
  EXPECT_EQ(service_.running(), 0);
  // Capacity is back.
  ASSERT_TRUE(service_.PutFunctionConcurrency("slow", std::nullopt).ok());
  Create(Config("echo", {"echo"}));
  EXPECT_EQ(Invoke("echo").payload, "{}");
}

TEST_F(FunctionServiceTest, ReservationsMustLeaveUnreservedCapacity) {
  Create(Config("a", {"echo"}));
  Create(Config("b", {"echo"}));
  // Global 200: at least 100 stay unreserved.
  EXPECT_TRUE(service_.PutFunctionConcurrency("a", 60).ok());
  Status too_much = service_.PutFunctionConcurrency("b", 41);
  EXPECT_EQ(too_much.code(), ErrorCode::kInvalidParameterValueException);
  EXPECT_TRUE(service_.PutFunctionConcurrency("b", 40).ok());
  EXPECT_EQ(service_.PutFunctionConcurrency("nope", 1).code(),
            ErrorCode::kResourceNotFoundException);
}

TEST_F(FunctionServiceTest, MemoryLimitIsOnMemoryUsed) {
  FunctionConfig c = Config("hog", {"alloc", "300"});
  c.memory_mb = 128;
  Create(c);
  InvokeResult r = Invoke("hog");
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Field(r.payload, "errorType"), "Runtime.OutOfMemory");
  EXPECT_EQ(Field(r.payload, "errorMessage"),
            "RequestId: " + r.request_id +
                " Error: Runtime exited with error: signal: killed");
  EXPECT_GE(records_.back().max_memory_used_mb, 128);
  // Address space is not limited: reserving far more than MemorySize but
  // touching little is fine.
  FunctionConfig small = Config("small", {"alloc", "64"});
  small.memory_mb = 128;
  Create(small);
  InvokeResult ok = Invoke("small");
  EXPECT_FALSE(ok.function_error.has_value()) << ok.payload;
  EXPECT_NE(ok.log_tail.find("\tMemory Size: 128 MB\tMax Memory Used: "),
            std::string::npos)
      << ok.log_tail;
}

TEST_F(FunctionServiceTest, LogResultHasLambdasLinesAroundTheLogs) {
  Create(Config("warm", {"flood-stdout", "10"}, Mode::kWarm));
  InvokeResult cold = Invoke("warm");
  InvokeResult warm = Invoke("warm");
  EXPECT_TRUE(cold.log_tail.starts_with("START RequestId: " + cold.request_id +
                                        " Version: $LATEST\n"))
      << cold.log_tail;
  EXPECT_NE(cold.log_tail.find("END RequestId: " + cold.request_id +
                               "\n"
                               "REPORT RequestId: " +
                               cold.request_id + "\tDuration: "),
            std::string::npos)
      << cold.log_tail;
  EXPECT_TRUE(cold.log_tail.ends_with(" ms\t\n")) << cold.log_tail;
  EXPECT_NE(cold.log_tail.find("\tInit Duration: "), std::string::npos);
  EXPECT_EQ(warm.log_tail.find("\tInit Duration: "), std::string::npos);
  EXPECT_EQ(warm.log_tail.find(cold.request_id), std::string::npos);
}

TEST_F(FunctionServiceTest, LogsComeBackButNeverMixWithTheResult) {
  Create(Config("flood", {"flood-stdout", "200000"}));
  InvokeResult r = Invoke("flood");
  EXPECT_EQ(r.payload, R"({"flooded":200000})");
  EXPECT_LE(r.log_tail.size(), 4096u);
  EXPECT_GT(r.log_tail.size(), 1000u);
}

TEST_F(FunctionServiceTest, UnknownFunctionAndOversizedPayloadAreRefused) {
  auto missing = Start("nope");
  ASSERT_TRUE(missing->has_value());
  EXPECT_EQ((*missing)->status().code(), ErrorCode::kResourceNotFoundException);
  Create(Config("echo", {"echo"}));
  auto big = Start("echo", std::string(6 * 1024 * 1024 + 1, 'x'));
  ASSERT_TRUE(big->has_value());
  EXPECT_EQ((*big)->status().code(), ErrorCode::kRequestTooLargeException);
  auto dry = service_.DryRun("echo", "{}");
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->status_code, 204);
}

TEST_F(FunctionServiceTest, ACommandThatCannotRunFailsTheInvocation) {
  FunctionConfig c = Config("broken", {});
  c.command = {"/no/such/binary"};
  Create(c);
  InvokeResult r = Invoke("broken");
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Field(r.payload, "errorType"), "Runtime.InvalidEntrypoint");
}

// Event invocations: the test plays the engine, running processes and
// jumping the virtual clock to the next timer when nothing runs.
class EventInvokeTest : public FunctionServiceTest {
 protected:
  EventInvokeTest() {
    service_.SetDestinationSender(
        [this](const std::string& arn, const std::string& body) {
          sent_.push_back({arn, json::parse(body).as_object()});
          return Status::Ok();
        });
  }
  void Drain() {
    auto limit = std::chrono::steady_clock::now() + seconds(20);
    while (std::chrono::steady_clock::now() < limit) {
      if (io_.stopped()) io_.restart();
      if (service_.running() > 0) {
        io_.run_one_for(milliseconds(10));
        continue;
      }
      io_.poll();
      if (service_.running() > 0) continue;
      if (!clock_.AdvanceToNextTimer()) return;
    }
    FAIL() << "did not drain";
  }
  std::vector<std::pair<std::string, json::object>> sent_;
};

TEST_F(EventInvokeTest, SuccessGoesToTheOnSuccessDestination) {
  Create(Config("echo", {"echo"}));
  ASSERT_TRUE(service_
                  .PutEventInvokeConfig("echo", {.on_success = "arn:ok",
                                                 .on_failure = "arn:fail"})
                  .ok());
  auto id = service_.InvokeEvent("echo", R"({"n":7})");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(service_.pending_events(), 1u);
  EXPECT_TRUE(records_.empty());  // queued, not run inside the call
  Drain();
  EXPECT_EQ(service_.pending_events(), 0u);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].first, "arn:ok");
  json::object& r = sent_[0].second;
  EXPECT_EQ(r["version"], "1.0");
  EXPECT_EQ(r["requestContext"].at("condition"), "Success");
  EXPECT_EQ(r["requestContext"].at("approximateInvokeCount"), 1);
  EXPECT_EQ(std::string(r["requestContext"].at("requestId").as_string()), *id);
  EXPECT_EQ(json::serialize(r["requestPayload"]), R"({"n":7})");
  EXPECT_EQ(json::serialize(r["responsePayload"]), R"({"n":7})");
  EXPECT_EQ(r["responseContext"].at("statusCode"), 200);
}

TEST_F(EventInvokeTest, ErrorsAreRetriedAfterOneThenTwoMinutes) {
  Create(Config("fail", {"fail"}));
  ASSERT_TRUE(
      service_.PutEventInvokeConfig("fail", {.on_failure = "arn:dlq"}).ok());
  TimePoint start = clock_.Now();
  auto id = service_.InvokeEvent("fail", "{}");
  ASSERT_TRUE(id.ok());
  Drain();
  ASSERT_EQ(records_.size(), 3u);
  for (const auto& r : records_) EXPECT_EQ(r.request_id, *id);
  EXPECT_EQ(records_[1].start - records_[0].start,
            Duration(std::chrono::minutes(1)));
  EXPECT_EQ(records_[2].start - records_[1].start,
            Duration(std::chrono::minutes(2)));
  EXPECT_LT(clock_.Now() - start, Duration(std::chrono::minutes(4)));
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].first, "arn:dlq");
  EXPECT_EQ(sent_[0].second["requestContext"].at("condition"),
            "RetriesExhausted");
  EXPECT_EQ(sent_[0].second["requestContext"].at("approximateInvokeCount"), 3);
  EXPECT_EQ(sent_[0].second["responseContext"].at("functionError"),
            "Unhandled");
}

TEST_F(EventInvokeTest, MaximumRetryAttemptsZeroMeansOneAttempt) {
  Create(Config("fail", {"fail"}));
  ASSERT_TRUE(service_
                  .PutEventInvokeConfig("fail", {.maximum_retry_attempts = 0,
                                                 .on_failure = "arn:dlq"})
                  .ok());
  ASSERT_TRUE(service_.InvokeEvent("fail", "{}").ok());
  Drain();
  EXPECT_EQ(records_.size(), 1u);
  ASSERT_EQ(sent_.size(), 1u);
}

TEST_F(EventInvokeTest, EventsBeyondTheReservationStartAsSlotsFreeUp) {
  Create(Config("echo", {"echo"}));
  ASSERT_TRUE(service_.PutFunctionConcurrency("echo", 1).ok());
  TimePoint start = clock_.Now();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto id = service_.InvokeEvent("echo", "{}");
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  Drain();
  // One at a time, in order, each as soon as the previous one ended: no
  // throttle, no second of backoff between them.
  ASSERT_EQ(records_.size(), 5u);
  for (size_t i = 0; i < records_.size(); ++i) {
    EXPECT_EQ(records_[i].outcome, InvocationRecord::Outcome::kSuccess);
    EXPECT_EQ(records_[i].request_id, ids[i]);
  }
  EXPECT_LT(clock_.Now() - start, std::chrono::seconds(1));
  EXPECT_EQ(service_.pending_events(), 0u);
}

// An event that grows too old while waiting leaves the queue: the slot
// freed next goes to the event behind it, not to the one that is gone.
TEST_F(EventInvokeTest, AnExpiredWaitingEventDoesNotTakeTheNextSlot) {
  FunctionConfig nap = Config("nap", {"sleep", "300"});
  nap.timeout_seconds = 120;  // n0 outlives the minute n1 waits
  Create(nap);
  ASSERT_TRUE(service_.PutFunctionConcurrency("nap", 1).ok());
  ASSERT_TRUE(service_
                  .PutEventInvokeConfig("nap", {.maximum_event_age_seconds = 60,
                                                .on_success = "arn:ok",
                                                .on_failure = "arn:fail"})
                  .ok());
  ASSERT_TRUE(service_.InvokeEvent("nap", R"({"n":0})").ok());
  clock_.AdvanceTo(clock_.Now());  // n0 starts: the one slot is taken
  ASSERT_EQ(service_.running(), 1);
  ASSERT_TRUE(service_.InvokeEvent("nap", R"({"n":1})").ok());
  clock_.AdvanceTo(clock_.Now());  // n1 waits
  clock_.Advance(seconds(61));     // ...until too old
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].second["requestContext"].at("condition"),
            "EventAgeExceeded");
  ASSERT_TRUE(service_.InvokeEvent("nap", R"({"n":2})").ok());
  clock_.AdvanceTo(clock_.Now());  // n2 waits behind the slot n0 holds
  Drain();                         // n0 ends; its slot goes to n2
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[1].first, "arn:ok");
  EXPECT_EQ(sent_[1].second["requestPayload"].at("n"), 0);
  EXPECT_EQ(sent_[2].first, "arn:ok");
  EXPECT_EQ(sent_[2].second["requestPayload"].at("n"), 2);
}

TEST_F(EventInvokeTest, ThrottledEventsWaitUntilTheyAreTooOld) {
  Create(Config("echo", {"echo"}));
  ASSERT_TRUE(service_.PutFunctionConcurrency("echo", 0).ok());
  ASSERT_TRUE(
      service_
          .PutEventInvokeConfig("echo", {.maximum_event_age_seconds = 60,
                                         .on_failure = "arn:dlq"})
          .ok());
  ASSERT_TRUE(service_.InvokeEvent("echo", "{}").ok());
  Drain();
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].second["requestContext"].at("condition"),
            "EventAgeExceeded");
  EXPECT_EQ(sent_[0].second["requestContext"].at("approximateInvokeCount"), 0);
  EXPECT_FALSE(sent_[0].second.contains("responseContext"));
  for (const auto& r : records_) {
    EXPECT_EQ(r.outcome, InvocationRecord::Outcome::kThrottle);
  }
}

TEST_F(EventInvokeTest, LimitsAndValidation) {
  Create(Config("echo", {"echo"}));
  EXPECT_EQ(service_.InvokeEvent("echo", std::string(1024 * 1024 + 1, 'x'))
                .status()
                .code(),
            ErrorCode::kRequestTooLargeException);
  EXPECT_EQ(service_.InvokeEvent("nope", "{}").status().code(),
            ErrorCode::kResourceNotFoundException);
  EXPECT_EQ(service_.PutEventInvokeConfig("echo", {.maximum_retry_attempts = 3})
                .code(),
            ErrorCode::kInvalidParameterValueException);
  EXPECT_EQ(
      service_.PutEventInvokeConfig("echo", {.maximum_event_age_seconds = 59})
          .code(),
      ErrorCode::kInvalidParameterValueException);
  auto defaults = service_.GetEventInvokeConfig("echo");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->maximum_retry_attempts, 2);
  EXPECT_EQ(defaults->maximum_event_age_seconds, 21600);
}

}  // namespace
}  // namespace fanlab::compute
