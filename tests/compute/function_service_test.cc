// FunctionService on a virtual clock. Its logic (registry, cold and warm
// environments, deadlines, concurrency, Event retries and destinations)
// runs against a scripted FakeLauncher: each fake process answers, fails,
// hangs or crashes at a virtual instant the test chose, so nothing waits on
// a real process and every run is the same. A few tests at the end keep
// real processes (the fanlab-test-function binary) for what only a real
// process shows: a whole process group killed at the deadline, memory
// actually used, logs that travel on their own pipe.
#include "emulator/compute/function_service.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "emulator/compute/lambda_errors.h"
#include "tests/compute/fake_launcher.h"
#include "tests/compute/proc_util.h"

namespace fanlab::compute {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

std::string Field(const std::string& payload, const char* key) {
  json::value v = json::parse(payload);
  const json::value* f = v.as_object().if_contains(key);
  if (f == nullptr) return "<absent>";
  return f->is_string() ? std::string(f->get_string()) : json::serialize(*f);
}

int64_t EpochMs(TimePoint t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

class FunctionServiceTest : public ::testing::Test {
 protected:
  FunctionServiceTest()
      : service_(clock_, launcher_, ids_,
                 {.endpoint = "inproc://engine",
                  .global_concurrency = 200,
                  .kill_grace = milliseconds(50),
                  .idle_timeout = minutes(5)}) {
    service_.SetRecordCallback(
        [this](const InvocationRecord& r) { records_.push_back(r); });
    launcher_.Define("echo", [](const FakeEvent& e) {
      return FakeReply::Result(e.payload);
    });
    launcher_.Define("fail", [](const FakeEvent&) {
      return FakeReply::Error("TestError", "failing on purpose");
    });
    launcher_.Define("hang",
                     [](const FakeEvent&) { return FakeReply::Hang(); });
  }

  FunctionConfig Config(std::string name, std::string program,
                        Mode mode = Mode::kCold) {
    FunctionConfig c;
    c.name = std::move(name);
    c.command = {std::move(program)};
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

  // Moves the virtual clock from timer to timer until `done()`.
  template <typename Pred>
  void RunUntil(Pred done) {
    clock_.AdvanceTo(clock_.Now());
    for (int i = 0; i < 100000 && !done(); ++i) {
      if (!clock_.AdvanceToNextTimer()) break;
    }
    ASSERT_TRUE(done()) << "nothing left to happen";
  }

  InvokeResult Invoke(const std::string& name, std::string payload = "{}") {
    auto slot = Start(name, std::move(payload));
    RunUntil([&] { return slot->has_value(); });
    EXPECT_TRUE((*slot)->ok()) << (*slot)->status().ToString();
    return (*slot)->ok() ? (**slot).value() : InvokeResult{};
  }

  FakeProcess& Process(size_t i) { return *launcher_.launched().at(i); }

  VirtualClock clock_;
  FakeLauncher launcher_{clock_};
  IdGenerator ids_{42};
  FunctionService service_;
  std::vector<InvocationRecord> records_;
};

TEST_F(FunctionServiceTest, RegistryValidatesAndAnswersLikeLambda) {
  FunctionConfig bad = Config("bad name!", "echo");
  EXPECT_EQ(service_.CreateFunction(bad).status().code(),
            lambda::kInvalidParameterValueException);
  FunctionConfig slow = Config("slow", "echo");
  slow.timeout_seconds = 901;
  EXPECT_EQ(service_.CreateFunction(slow).status().code(),
            lambda::kInvalidParameterValueException);
  FunctionConfig small = Config("small", "echo");
  small.memory_mb = 64;
  EXPECT_EQ(service_.CreateFunction(small).status().code(),
            lambda::kInvalidParameterValueException);
  FunctionConfig no_command = Config("nocmd", "");
  no_command.command.clear();
  EXPECT_EQ(service_.CreateFunction(no_command).status().code(),
            lambda::kInvalidParameterValueException);

  Create(Config("echo", "echo"));
  EXPECT_EQ(service_.CreateFunction(Config("echo", "echo")).status().code(),
            lambda::kResourceConflictException);
  ASSERT_TRUE(service_.GetFunction("echo").ok());
  EXPECT_EQ(service_.GetFunction("echo")->timeout_seconds, 3);
  EXPECT_EQ(service_.GetFunction("echo")->memory_mb, 128);
  EXPECT_EQ(service_.ListFunctions().size(), 1u);

  FunctionConfig updated = Config("echo", "echo");
  updated.timeout_seconds = 10;
  ASSERT_TRUE(service_.UpdateFunctionConfiguration(updated).ok());
  EXPECT_EQ(service_.GetFunction("echo")->timeout_seconds, 10);
  EXPECT_EQ(service_.UpdateFunctionConfiguration(Config("nope", "echo"))
                .status()
                .code(),
            lambda::kResourceNotFoundException);

  ASSERT_TRUE(service_.DeleteFunction("echo").ok());
  auto gone = service_.GetFunction("echo");
  EXPECT_EQ(gone.status().code(), lambda::kResourceNotFoundException);
  EXPECT_EQ(gone.status().message(),
            "Function not found: "
            "arn:aws:lambda:us-east-1:000000000000:function:echo");
  EXPECT_TRUE(launcher_.launched().empty());
}

TEST_F(FunctionServiceTest, ColdInvocationRunsAProcessAndReturnsItsResult) {
  Create(Config("echo", "echo"));
  TimePoint start = clock_.Now();
  InvokeResult r = Invoke("echo", R"({"hello":"world"})");
  EXPECT_EQ(r.status_code, 200);
  EXPECT_FALSE(r.function_error.has_value());
  EXPECT_EQ(r.payload, R"({"hello":"world"})");
  ASSERT_EQ(records_.size(), 1u);
  EXPECT_EQ(records_[0].outcome, InvocationRecord::Outcome::kSuccess);
  EXPECT_TRUE(records_[0].cold);
  EXPECT_EQ(records_[0].request_id, r.request_id);
  EXPECT_EQ(service_.running(), 0);
  // One process: argv is the command, one frame on stdin, then its end.
  ASSERT_EQ(launcher_.launched().size(), 1u);
  FakeProcess& p = Process(0);
  EXPECT_EQ(p.spec().argv, std::vector<std::string>{"echo"});
  EXPECT_EQ(p.spec().rss_limit_bytes, uint64_t{128} << 20);
  EXPECT_EQ(p.spec().memory_bytes, 0u);  // no address-space limit
  ASSERT_EQ(p.events().size(), 1u);
  EXPECT_EQ(p.events()[0].request_id, r.request_id);
  EXPECT_EQ(p.events()[0].payload, R"({"hello":"world"})");
  EXPECT_TRUE(p.stdin_closed());
  json::object header = json::parse(p.events()[0].header).as_object();
  EXPECT_EQ(header["functionName"], "echo");
  EXPECT_EQ(header["invokedFunctionArn"],
            "arn:aws:lambda:us-east-1:000000000000:function:echo");
  EXPECT_EQ(header["length"], 17);
  // A cold process is ended once it has answered; the next call gets
  // another.
  RunUntil([&] { return p.exited(); });
  EXPECT_EQ(service_.environments("echo"), 0u);
  Invoke("echo");
  EXPECT_EQ(launcher_.launched().size(), 2u);
  EXPECT_TRUE(records_.back().cold);
  EXPECT_EQ(clock_.Now(), start);  // nothing took any (virtual) time
}

TEST_F(FunctionServiceTest, EnvironmentIsMinimalAndCarriesTheRuntimeVariables) {
  FunctionConfig c = Config("env", "echo");
  c.env = {{"MY_SETTING", "on"}};
  c.memory_mb = 256;
  Create(c);
  InvokeResult r = Invoke("env");
  const FakeProcess& p = Process(0);
  std::set<std::string> names;
  for (const std::string& kv : p.spec().env) {
    names.insert(kv.substr(0, kv.find('=')));
  }
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
  EXPECT_EQ(p.spec().env.size(), expected.size());  // each name once
  EXPECT_EQ(p.Env("MY_SETTING"), "on");
  EXPECT_EQ(p.Env("AWS_LAMBDA_FUNCTION_NAME"), "env");
  EXPECT_EQ(p.Env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "256");
  EXPECT_EQ(p.Env("FANLAB_ENDPOINT"), "inproc://engine");
  EXPECT_EQ(p.Env("FANLAB_MODE"), "cold");
  EXPECT_EQ(p.Env("FANLAB_REQUEST_ID"), r.request_id);
  EXPECT_EQ(p.Env("FANLAB_DEADLINE_MS"),
            std::to_string(EpochMs(clock_.Now()) + 3000));
  EXPECT_EQ(p.spec().rss_limit_bytes, uint64_t{256} << 20);
  // Credentials of this environment (WhoCalled knows whose they are).
  EXPECT_EQ(p.Env("AWS_ACCESS_KEY_ID"), FunctionService::AccessKeyFor(1));
}

TEST_F(FunctionServiceTest, TheHttpFrontIsTheSdksEndpoint) {
  int asked = 0;
  service_.SetHttpEndpointProvider([&] {
    ++asked;
    return std::string("http://127.0.0.1:4567");
  });
  Create(Config("env", "echo"));
  Invoke("env");
  EXPECT_EQ(Process(0).Env("AWS_ENDPOINT_URL"), "http://127.0.0.1:4567");
  EXPECT_EQ(Process(0).Env("FANLAB_HTTP_ENDPOINT"), "http://127.0.0.1:4567");
  Invoke("env");
  EXPECT_EQ(asked, 1);  // bound once, then known
}

TEST_F(FunctionServiceTest, ContextDeadlineIsOnTheEmulatorsClock) {
  FunctionConfig c = Config("ctx", "echo");
  c.timeout_seconds = 7;
  Create(c);
  clock_.Advance(seconds(90));  // any instant: the virtual clock's
  InvokeResult r = Invoke("ctx");
  json::object header = json::parse(Process(0).events()[0].header).as_object();
  int64_t now_ms = EpochMs(clock_.Now());
  EXPECT_EQ(header["deadlineMs"], now_ms + 7000);
  EXPECT_EQ(header["nowMs"], now_ms);
  EXPECT_EQ(std::string(header["requestId"].as_string()), r.request_id);
  EXPECT_EQ(Process(0).events()[0].deadline_ms, now_ms + 7000);
}

TEST_F(FunctionServiceTest, WarmEnvironmentsAreReused) {
  Create(Config("warm", "echo", Mode::kWarm));
  Invoke("warm", "1");
  Invoke("warm", "2");
  InvokeResult third = Invoke("warm", "3");
  EXPECT_EQ(third.payload, "3");
  ASSERT_EQ(records_.size(), 3u);
  EXPECT_TRUE(records_[0].cold);
  EXPECT_FALSE(records_[1].cold);
  EXPECT_FALSE(records_[2].cold);
  EXPECT_EQ(service_.environments("warm"), 1u);
  ASSERT_EQ(launcher_.launched().size(), 1u);
  EXPECT_EQ(Process(0).events().size(), 3u);
  EXPECT_EQ(Process(0).Env("FANLAB_MODE"), "warm");
  EXPECT_FALSE(Process(0).stdin_closed());
  EXPECT_FALSE(Process(0).exited());
  EXPECT_FALSE(Process(0).Env("FANLAB_REQUEST_ID").has_value());
}

TEST_F(FunctionServiceTest, IdleWarmEnvironmentsAreReaped) {
  Create(Config("warm", "echo", Mode::kWarm));
  Invoke("warm");
  TimePoint idle_since = clock_.Now();
  EXPECT_EQ(service_.environments("warm"), 1u);
  clock_.Advance(minutes(6));
  EXPECT_EQ(service_.environments("warm"), 0u);
  ASSERT_TRUE(Process(0).exited());
  EXPECT_EQ(Process(0).exited_at(), idle_since + minutes(5));
  EXPECT_EQ(Process(0).terminations(),
            std::vector<milliseconds>{milliseconds(50)});
  InvokeResult again = Invoke("warm");
  EXPECT_TRUE(records_.back().cold);
  EXPECT_EQ(again.payload, "{}");
  EXPECT_EQ(launcher_.launched().size(), 2u);
}

TEST_F(FunctionServiceTest, FunctionErrorsAreResultsWithFunctionError) {
  Create(Config("fail", "fail"));
  InvokeResult r = Invoke("fail");
  EXPECT_EQ(r.status_code, 200);
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Field(r.payload, "errorType"), "TestError");
  EXPECT_EQ(Field(r.payload, "errorMessage"), "failing on purpose");
  EXPECT_EQ(records_.back().outcome, InvocationRecord::Outcome::kError);
  EXPECT_EQ(records_.back().error_type, "TestError");
}

TEST_F(FunctionServiceTest, CrashExitAndGarbageEachGiveTheirOwnError) {
  launcher_.Define("crash",
                   [](const FakeEvent&) { return FakeReply::Crash(SIGSEGV); });
  launcher_.Define("exit3",
                   [](const FakeEvent&) { return FakeReply::Exit(3); });
  launcher_.Define("exit0",
                   [](const FakeEvent&) { return FakeReply::Exit(0); });
  launcher_.Define("garbage", [](const FakeEvent&) {
    return FakeReply::Raw("this is not a frame\n");
  });
  launcher_.Define("not-json",
                   [](const FakeEvent&) { return FakeReply::Result("{oops"); });
  Create(Config("crash", "crash"));
  Create(Config("exit", "exit3"));
  Create(Config("quit", "exit0"));
  Create(Config("garbage", "garbage"));
  Create(Config("notjson", "not-json"));

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

  InvokeResult quit = Invoke("quit");
  EXPECT_EQ(Field(quit.payload, "errorMessage"),
            "RequestId: " + quit.request_id +
                " Error: Runtime exited without providing a reason");

  InvokeResult garbage = Invoke("garbage");
  EXPECT_EQ(Field(garbage.payload, "errorType"), "Runtime.InvalidResponse");
  EXPECT_NE(Field(garbage.payload, "errorMessage").find("not a result frame"),
            std::string::npos)
      << garbage.payload;

  InvokeResult not_json = Invoke("notjson");
  EXPECT_EQ(Field(not_json.payload, "errorType"), "Runtime.InvalidResponse");
  EXPECT_NE(Field(not_json.payload, "errorMessage").find("result is not JSON"),
            std::string::npos)
      << not_json.payload;
  EXPECT_EQ(service_.running(), 0);
}

TEST_F(FunctionServiceTest, ATimeoutIsAnsweredOnlyOnceTheProcessHasEnded) {
  launcher_.Define(
      "stubborn",
      FakeProgram{.handler = [](const FakeEvent&) { return FakeReply::Hang(); },
                  .ignore_term = true});
  FunctionConfig c = Config("stuck", "stubborn");
  c.timeout_seconds = 2;
  Create(c);
  ASSERT_TRUE(service_.PutFunctionConcurrency("stuck", 1).ok());
  TimePoint start = clock_.Now();
  auto slot = Start("stuck");
  clock_.Advance(seconds(2));
  // SIGTERM is ignored: the caller waits for the SIGKILL after the grace,
  // and the slot stays taken meanwhile.
  EXPECT_FALSE(slot->has_value());
  EXPECT_EQ(Process(0).terminations(),
            std::vector<milliseconds>{milliseconds(50)});
  EXPECT_EQ(service_.running(), 1);
  auto during_grace = Start("stuck");
  ASSERT_TRUE(during_grace->has_value());
  EXPECT_EQ((*during_grace)->status().code(),
            lambda::kTooManyRequestsException);
  clock_.Advance(milliseconds(50));
  ASSERT_TRUE(slot->has_value());
  ASSERT_TRUE((*slot)->ok());
  const InvokeResult& r = (**slot).value();
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Field(r.payload, "errorType"), "Sandbox.Timedout");
  EXPECT_EQ(Field(r.payload, "errorMessage"),
            "RequestId: " + r.request_id +
                " Error: Task timed out after 2.00 seconds");
  EXPECT_TRUE(Process(0).exit_status().signaled);
  EXPECT_EQ(Process(0).exit_status().code, SIGKILL);
  EXPECT_EQ(Process(0).exited_at(), start + milliseconds(2050));
  const InvocationRecord& record = records_.back();
  EXPECT_EQ(record.outcome, InvocationRecord::Outcome::kTimeout);
  EXPECT_EQ(record.error_type, "Sandbox.Timedout");
  EXPECT_EQ(record.start, start);
  EXPECT_EQ(record.duration, milliseconds(2050));
  EXPECT_EQ(service_.running(), 0);
  // The slot is free again.
  launcher_.Define("stubborn",
                   [](const FakeEvent&) { return FakeReply::Result("{}"); });
  EXPECT_EQ(Invoke("stuck").payload, "{}");
}

TEST_F(FunctionServiceTest, AnAnswerJustBeforeTheDeadlineWins) {
  launcher_.Define("late", [](const FakeEvent&) {
    return FakeReply::Result(R"({"late":true})").After(milliseconds(2999));
  });
  FunctionConfig c = Config("late", "late");
  c.timeout_seconds = 3;
  Create(c);
  InvokeResult r = Invoke("late");
  EXPECT_FALSE(r.function_error.has_value()) << r.payload;
  EXPECT_EQ(records_.back().duration, milliseconds(2999));
  EXPECT_TRUE(Process(0).terminations().size() == 1);  // ended after
  launcher_.Define("late", [](const FakeEvent&) {
    return FakeReply::Result(R"({"late":true})").After(milliseconds(3001));
  });
  InvokeResult timed_out = Invoke("late");
  EXPECT_EQ(Field(timed_out.payload, "errorType"), "Sandbox.Timedout");
  EXPECT_EQ(records_.back().duration, milliseconds(3000));
}

TEST_F(FunctionServiceTest, AWarmEnvironmentIsReplacedAfterATimeout) {
  int calls = 0;
  launcher_.Define("first-hangs", [&calls](const FakeEvent&) {
    return ++calls == 1 ? FakeReply::Hang() : FakeReply::Result("{}");
  });
  FunctionConfig c = Config("warm-sleep", "first-hangs", Mode::kWarm);
  c.timeout_seconds = 1;
  Create(c);
  auto slot = Start("warm-sleep");
  clock_.Advance(seconds(1));
  ASSERT_TRUE(slot->has_value());
  EXPECT_EQ(records_.back().outcome, InvocationRecord::Outcome::kTimeout);
  EXPECT_EQ(service_.environments("warm-sleep"), 0u);
  EXPECT_TRUE(Process(0).exited());
  EXPECT_EQ(Invoke("warm-sleep").payload, "{}");
  EXPECT_TRUE(records_.back().cold);
  EXPECT_EQ(launcher_.launched().size(), 2u);
}

TEST_F(FunctionServiceTest, ReservedConcurrencyThrottlesTheExtraCall) {
  FunctionConfig c = Config("slow", "hang");
  c.timeout_seconds = 5;
  Create(c);
  ASSERT_TRUE(service_.PutFunctionConcurrency("slow", 2).ok());
  auto a = Start("slow");
  auto b = Start("slow");
  auto third = Start("slow");
  ASSERT_TRUE(third->has_value());  // answered at once
  EXPECT_EQ((*third)->status().code(), lambda::kTooManyRequestsException);
  EXPECT_EQ((*third)->status().message(), "Rate Exceeded.");
  EXPECT_EQ(records_.back().outcome, InvocationRecord::Outcome::kThrottle);
  EXPECT_FALSE(records_.back().cold);
  EXPECT_EQ(service_.running(), 2);
  EXPECT_EQ(launcher_.launched().size(), 2u);  // the throttled one: none
  clock_.Advance(seconds(5));
  ASSERT_TRUE(a->has_value() && b->has_value());
  EXPECT_EQ(service_.running(), 0);
  // Capacity is back.
  ASSERT_TRUE(service_.PutFunctionConcurrency("slow", std::nullopt).ok());
  Create(Config("echo", "echo"));
  EXPECT_EQ(Invoke("echo").payload, "{}");
}

TEST_F(FunctionServiceTest, UnreservedFunctionsShareWhatReservationsLeave) {
  FunctionConfig a = Config("a", "hang");
  FunctionConfig b = Config("b", "hang");
  b.timeout_seconds = 1;
  FunctionConfig c = Config("c", "hang");
  Create(a);
  Create(b);
  Create(c);
  // Global 200, 60 reserved for a: b and c share 140.
  ASSERT_TRUE(service_.PutFunctionConcurrency("a", 60).ok());
  std::vector<std::shared_ptr<std::optional<Result<InvokeResult>>>> slots;
  for (int i = 0; i < 140; ++i) slots.push_back(Start(i % 2 ? "b" : "c"));
  for (const auto& s : slots) EXPECT_FALSE(s->has_value());
  auto extra = Start("c");
  ASSERT_TRUE(extra->has_value());
  EXPECT_EQ((*extra)->status().code(), lambda::kTooManyRequestsException);
  // a's own pool is untouched, and holds 60.
  for (int i = 0; i < 60; ++i) EXPECT_FALSE(Start("a")->has_value());
  auto a_extra = Start("a");
  ASSERT_TRUE(a_extra->has_value());
  EXPECT_EQ((*a_extra)->status().code(), lambda::kTooManyRequestsException);
  EXPECT_EQ(service_.running(), 200);
  // b's 70 time out and give their slots back to the shared pool.
  clock_.Advance(seconds(1));
  EXPECT_EQ(service_.running(), 130);
  EXPECT_FALSE(Start("c")->has_value());
  EXPECT_EQ(launcher_.launched().size(), 201u);
}

TEST_F(FunctionServiceTest, ReservationsMustLeaveUnreservedCapacity) {
  Create(Config("a", "echo"));
  Create(Config("b", "echo"));
  // Global 200: at least 100 stay unreserved.
  EXPECT_TRUE(service_.PutFunctionConcurrency("a", 60).ok());
  Status too_much = service_.PutFunctionConcurrency("b", 41);
  EXPECT_EQ(too_much.code(), lambda::kInvalidParameterValueException);
  EXPECT_TRUE(service_.PutFunctionConcurrency("b", 40).ok());
  EXPECT_EQ(service_.PutFunctionConcurrency("nope", 1).code(),
            lambda::kResourceNotFoundException);
}

TEST_F(FunctionServiceTest, InitAndRunTimesAreAccountedApart) {
  launcher_.Define("slow-start",
                   FakeProgram{.handler =
                                   [](const FakeEvent&) {
                                     return FakeReply::Result("{}")
                                         .After(milliseconds(100))
                                         .WithLogs("working\n");
                                   },
                               .init = milliseconds(250),
                               .init_logs = "loading\n"});
  Create(Config("slow", "slow-start", Mode::kWarm));
  InvokeResult cold = Invoke("slow");
  ASSERT_EQ(records_.size(), 1u);
  EXPECT_EQ(records_[0].init, milliseconds(250));
  EXPECT_EQ(records_[0].duration, milliseconds(350));
  EXPECT_NE(cold.log_tail.find("loading\nworking\n"), std::string::npos)
      << cold.log_tail;
  EXPECT_NE(cold.log_tail.find("\tDuration: 100.00 ms\tBilled Duration: "
                               "100 ms\t"),
            std::string::npos)
      << cold.log_tail;
  EXPECT_NE(cold.log_tail.find("\tInit Duration: 250.00 ms\t"),
            std::string::npos)
      << cold.log_tail;
  InvokeResult warm = Invoke("slow");
  EXPECT_EQ(records_[1].init, Duration(0));
  EXPECT_EQ(records_[1].duration, milliseconds(100));
  EXPECT_EQ(warm.log_tail.find("loading"), std::string::npos);
  EXPECT_NE(warm.log_tail.find("working\n"), std::string::npos);
}

TEST_F(FunctionServiceTest, LogResultHasLambdasLinesAroundTheLogs) {
  launcher_.Define("chatty", [](const FakeEvent& e) {
    return FakeReply::Result("{}").WithLogs("log of " + e.request_id + "\n");
  });
  Create(Config("warm", "chatty", Mode::kWarm));
  InvokeResult cold = Invoke("warm");
  InvokeResult warm = Invoke("warm");
  EXPECT_TRUE(cold.log_tail.starts_with("START RequestId: " + cold.request_id +
                                        " Version: $LATEST\n"))
      << cold.log_tail;
  EXPECT_NE(cold.log_tail.find("log of " + cold.request_id +
                               "\n"
                               "END RequestId: " +
                               cold.request_id +
                               "\n"
                               "REPORT RequestId: " +
                               cold.request_id + "\tDuration: "),
            std::string::npos)
      << cold.log_tail;
  EXPECT_TRUE(cold.log_tail.ends_with(" ms\t\n")) << cold.log_tail;
  EXPECT_NE(cold.log_tail.find("\tInit Duration: "), std::string::npos);
  EXPECT_EQ(warm.log_tail.find("\tInit Duration: "), std::string::npos);
  EXPECT_EQ(warm.log_tail.find(cold.request_id), std::string::npos);
  // The tail of the whole, 4 KB at most.
  launcher_.Define("chatty", [](const FakeEvent&) {
    return FakeReply::Result("{}").WithLogs(std::string(10000, 'x') + "\n");
  });
  InvokeResult flood = Invoke("warm");
  EXPECT_EQ(flood.log_tail.size(), 4096u);
  EXPECT_TRUE(flood.log_tail.starts_with("xxx"));
  EXPECT_TRUE(flood.log_tail.ends_with(" MB\t\n")) << flood.log_tail;  // warm
  EXPECT_NE(flood.log_tail.find("REPORT RequestId: " + flood.request_id),
            std::string::npos);
}

TEST_F(FunctionServiceTest, PassingTheMemoryLimitIsOutOfMemory) {
  launcher_.Define("hog",
                   [](const FakeEvent&) { return FakeReply::OutOfMemory(); });
  launcher_.Define("modest", [](const FakeEvent&) {
    FakeReply r = FakeReply::Result("{}");
    r.memory_bytes = uint64_t{37} << 20;
    return r;
  });
  Create(Config("hog", "hog"));
  Create(Config("modest", "modest"));
  InvokeResult r = Invoke("hog");
  EXPECT_EQ(Field(r.payload, "errorType"), "Runtime.OutOfMemory");
  EXPECT_EQ(Field(r.payload, "errorMessage"),
            "RequestId: " + r.request_id +
                " Error: Runtime exited with error: signal: killed");
  EXPECT_GE(records_.back().max_memory_used_mb, 128);
  InvokeResult ok = Invoke("modest");
  EXPECT_EQ(records_.back().max_memory_used_mb, 37);
  EXPECT_NE(ok.log_tail.find("\tMemory Size: 128 MB\tMax Memory Used: 37 MB"),
            std::string::npos)
      << ok.log_tail;
  EXPECT_FALSE(Process(1).memory_watched());  // only while busy
}

TEST_F(FunctionServiceTest, UnknownFunctionAndOversizedPayloadAreRefused) {
  auto missing = Start("nope");
  ASSERT_TRUE(missing->has_value());
  EXPECT_EQ((*missing)->status().code(), lambda::kResourceNotFoundException);
  Create(Config("echo", "echo"));
  auto big = Start("echo", std::string(6 * 1024 * 1024 + 1, 'x'));
  ASSERT_TRUE(big->has_value());
  EXPECT_EQ((*big)->status().code(), lambda::kRequestTooLargeException);
  auto dry = service_.DryRun("echo", "{}");
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->status_code, 204);
  EXPECT_TRUE(launcher_.launched().empty());
}

// A launcher whose CheckProgram refuses one program, as the real one
// refuses a missing file.
class CheckingLauncher : public FakeLauncher {
 public:
  using FakeLauncher::FakeLauncher;
  Status CheckProgram(const LaunchSpec& spec) const override {
    checked.push_back(spec);
    if (spec.argv.front() != "/no/such/binary") return Status::Ok();
    return Status(lambda::kInvalidParameterValueException,
                  "Cannot run /no/such/binary: no such file.");
  }
  mutable std::vector<LaunchSpec> checked;
};

TEST(FunctionServiceCommandCheck, CreateAndCodeUpdatesCheckTheProgram) {
  VirtualClock clock;
  CheckingLauncher launcher(clock);
  IdGenerator ids(42);
  FunctionService service(clock, launcher, ids, {.endpoint = "inproc://e"});
  FunctionConfig c;
  c.name = "broken";
  c.command = {"/no/such/binary", "arg"};
  auto created = service.CreateFunction(c);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().code(), lambda::kInvalidParameterValueException);
  EXPECT_EQ(created.status().message(),
            "Code.Command: Cannot run /no/such/binary: no such file.");
  EXPECT_FALSE(service.GetFunction("broken").ok());

  // Resolved as a launch would be: the working directory, the PATH the
  // function's environment declares.
  c.name = "fine";
  c.command = {"worker"};
  c.working_dir = "/srv/fn";
  c.env["PATH"] = "/opt/bin";
  ASSERT_TRUE(service.CreateFunction(c).ok());
  ASSERT_EQ(launcher.checked.size(), 2u);
  EXPECT_EQ(launcher.checked[1].working_dir, "/srv/fn");
  EXPECT_EQ(launcher.checked[1].env, std::vector<std::string>{"PATH=/opt/bin"});

  // A configuration change leaves the command alone and is not checked; a
  // new command is.
  c.timeout_seconds = 10;
  ASSERT_TRUE(service.UpdateFunctionConfiguration(c).ok());
  EXPECT_EQ(launcher.checked.size(), 2u);
  c.command = {"/no/such/binary"};
  auto updated = service.UpdateFunctionConfiguration(c);
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.status().code(), lambda::kInvalidParameterValueException);
  EXPECT_EQ(service.GetFunction("fine")->command,
            std::vector<std::string>{"worker"});
}

TEST_F(FunctionServiceTest, ACommandThatCannotRunFailsTheInvocation) {
  Create(Config("broken", "/no/such/binary"));
  InvokeResult r = Invoke("broken");
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Field(r.payload, "errorType"), "Runtime.InvalidEntrypoint");
  EXPECT_NE(Field(r.payload, "errorMessage").find("/no/such/binary"),
            std::string::npos);
  EXPECT_EQ(service_.running(), 0);
  EXPECT_EQ(service_.environments("broken"), 0u);
}

// Runtime API environments, through the fake's listeners: the same life
// (init, warm reuse, errors, deadlines) on the other interface.
TEST_F(FunctionServiceTest, RuntimeApiEnvironmentsLiveTheSameLife) {
  service_.SetRuntimeApiListeners(&launcher_.runtime_api());
  launcher_.Define(
      "bootstrap",
      FakeProgram{.handler =
                      [](const FakeEvent& e) {
                        if (e.payload == R"("fail")") {
                          return FakeReply::Error("ValueError", "bad input");
                        }
                        if (e.payload == R"("hang")") return FakeReply::Hang();
                        return FakeReply::Result(R"({"n":)" +
                                                 std::to_string(e.number) + "}")
                            .After(milliseconds(20));
                      },
                  .init = milliseconds(300)});
  FunctionConfig c = Config("rt", "bootstrap", Mode::kWarm);
  c.runtime = "provided.al2023";
  Create(c);
  TimePoint start = clock_.Now();
  InvokeResult first = Invoke("rt");
  EXPECT_EQ(first.payload, R"({"n":1})");
  EXPECT_EQ(records_[0].init, milliseconds(300));
  EXPECT_EQ(records_[0].duration, milliseconds(320));
  InvokeResult second = Invoke("rt", R"("fail")");
  EXPECT_EQ(second.function_error, "Unhandled");
  EXPECT_EQ(Field(second.payload, "errorType"), "ValueError");
  EXPECT_EQ(records_[1].error_type, "ValueError");
  EXPECT_FALSE(records_[1].cold);
  ASSERT_EQ(launcher_.launched().size(), 1u);
  FakeProcess& p = Process(0);
  EXPECT_TRUE(p.runtime_api());
  EXPECT_TRUE(p.stdin_bytes().empty());
  ASSERT_EQ(p.events().size(), 2u);
  EXPECT_EQ(p.events()[0].request_id, first.request_id);
  EXPECT_EQ(p.events()[0].deadline_ms, EpochMs(start) + 3000);
  EXPECT_EQ(p.events()[0].function_arn,
            "arn:aws:lambda:us-east-1:000000000000:function:rt");
  EXPECT_EQ(p.Env("AWS_EXECUTION_ENV"), "AWS_Lambda_provided.al2023");
  EXPECT_TRUE(p.Env("AWS_LAMBDA_RUNTIME_API").has_value());
  // Waiting in `next`: ready at once for the next invocation.
  EXPECT_EQ(service_.ready_environments("rt"), 1u);
  // A runtime that never answers times out, and its environment goes.
  auto hung = Start("rt", R"("hang")");
  clock_.Advance(seconds(3));
  ASSERT_TRUE(hung->has_value());
  EXPECT_EQ(Field((**hung).value().payload, "errorType"), "Sandbox.Timedout");
  EXPECT_TRUE(p.exited());
  EXPECT_EQ(Invoke("rt").payload, R"({"n":1})");
  EXPECT_EQ(launcher_.launched().size(), 2u);
}

TEST_F(FunctionServiceTest, ARuntimeThatNeverAsksForItsEventTimesOut) {
  service_.SetRuntimeApiListeners(&launcher_.runtime_api());
  launcher_.Define(
      "slow-bootstrap",
      FakeProgram{
          .handler = [](const FakeEvent&) { return FakeReply::Result("{}"); },
          .init = seconds(60)});
  FunctionConfig c = Config("rt", "slow-bootstrap");
  c.runtime = "provided.al2";
  Create(c);
  InvokeResult r = Invoke("rt");
  EXPECT_EQ(Field(r.payload, "errorType"), "Sandbox.Timedout");
  EXPECT_TRUE(Process(0).events().empty());
  // All of it was init.
  EXPECT_NE(r.log_tail.find("\tInit Duration: 3000.00 ms"), std::string::npos)
      << r.log_tail;
}

// Event invocations: the test plays the engine, jumping the virtual clock
// from timer to timer (fake processes act on those timers too).
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
    for (int i = 0; i < 100000; ++i) {
      if (!clock_.AdvanceToNextTimer()) return;
    }
    FAIL() << "did not drain";
  }
  std::vector<std::pair<std::string, json::object>> sent_;
};

TEST_F(EventInvokeTest, SuccessGoesToTheOnSuccessDestination) {
  Create(Config("echo", "echo"));
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
  Create(Config("fail", "fail"));
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

TEST_F(EventInvokeTest, RetriesAndDropsAreReported) {
  std::vector<AsyncNote> notes;
  service_.SetAsyncNoteCallback(
      [&notes](const AsyncNote& n) { notes.push_back(n); });
  Create(Config("fail", "fail"));
  ASSERT_TRUE(
      service_.PutEventInvokeConfig("fail", {.maximum_retry_attempts = 1})
          .ok());
  TimePoint start = clock_.Now();
  auto id = service_.InvokeEvent("fail", "{}");
  ASSERT_TRUE(id.ok());
  Drain();
  // No destination: the drop is said all the same.
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[0].kind, AsyncNote::Kind::kQueued);
  EXPECT_EQ(notes[0].request_id, *id);
  EXPECT_EQ(notes[1].kind, AsyncNote::Kind::kRetryScheduled);
  EXPECT_EQ(notes[1].request_id, *id);
  EXPECT_EQ(notes[1].function, "fail");
  EXPECT_EQ(notes[1].attempts, 1);
  EXPECT_EQ(notes[1].retry_at, start + std::chrono::minutes(1));
  EXPECT_EQ(notes[2].kind, AsyncNote::Kind::kDropped);
  EXPECT_EQ(notes[2].condition, "RetriesExhausted");
  EXPECT_EQ(notes[2].attempts, 2);
  EXPECT_EQ(notes[2].destination, "");
  EXPECT_TRUE(sent_.empty());
}

TEST_F(EventInvokeTest, AnEventTooOldIsReportedDropped) {
  std::vector<AsyncNote> notes;
  service_.SetAsyncNoteCallback(
      [&notes](const AsyncNote& n) { notes.push_back(n); });
  Create(Config("echo", "echo"));
  ASSERT_TRUE(service_.PutFunctionConcurrency("echo", 0).ok());
  ASSERT_TRUE(
      service_
          .PutEventInvokeConfig("echo", {.maximum_event_age_seconds = 60,
                                         .on_failure = "arn:dlq"})
          .ok());
  ASSERT_TRUE(service_.InvokeEvent("echo", "{}").ok());
  Drain();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].kind, AsyncNote::Kind::kQueued);
  EXPECT_EQ(notes[1].kind, AsyncNote::Kind::kDropped);
  EXPECT_EQ(notes[1].condition, "EventAgeExceeded");
  EXPECT_EQ(notes[1].attempts, 0);
  EXPECT_EQ(notes[1].destination, "arn:dlq");
}

TEST_F(EventInvokeTest, AnEventWhoseFunctionIsDeletedIsReportedDropped) {
  std::vector<AsyncNote> notes;
  service_.SetAsyncNoteCallback(
      [&notes](const AsyncNote& n) { notes.push_back(n); });
  Create(Config("echo", "echo"));
  auto id = service_.InvokeEvent("echo", "{}");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(service_.DeleteFunction("echo").ok());
  Drain();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[1].kind, AsyncNote::Kind::kDropped);
  EXPECT_EQ(notes[1].request_id, *id);
  EXPECT_EQ(notes[1].condition, "FunctionDeleted");
}

TEST_F(EventInvokeTest, DeadLettersCarryTheEventAndLambdasAttributes) {
  std::vector<FunctionService::DeadLetter> letters;
  service_.SetDeadLetterSender(
      [&letters](const FunctionService::DeadLetter& d) {
        letters.push_back(d);
        return Status::Ok();
      });
  FunctionConfig c = Config("fail", "fail");
  c.dead_letter_target_arn = "arn:aws:sqs:us-east-1:000000000000:dead";
  Create(c);
  ASSERT_TRUE(
      service_.PutEventInvokeConfig("fail", {.on_failure = "arn:fail"}).ok());
  auto id = service_.InvokeEvent("fail", R"({"n":7})");
  ASSERT_TRUE(id.ok());
  Drain();
  EXPECT_EQ(records_.size(), 3u);  // after the retries, not before
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].target_arn, "arn:aws:sqs:us-east-1:000000000000:dead");
  EXPECT_EQ(letters[0].payload, R"({"n":7})");
  EXPECT_EQ(letters[0].request_id, *id);
  EXPECT_EQ(letters[0].error_code, "200");
  EXPECT_EQ(letters[0].error_message, "failing on purpose");
  // Besides the OnFailure destination.
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].first, "arn:fail");

  // ErrorMessage is cut at 1 KB.
  launcher_.Define("fail-long", [](const FakeEvent&) {
    return FakeReply::Error("TestError", std::string(3000, 'x'));
  });
  c = Config("long", "fail-long");
  c.dead_letter_target_arn = "arn:aws:sqs:us-east-1:000000000000:dead";
  Create(c);
  ASSERT_TRUE(service_.InvokeEvent("long", "{}").ok());
  Drain();
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters[1].error_message, std::string(1024, 'x'));

  // A success sends none; nor does a function without a target.
  Create(Config("echo", "echo"));
  ASSERT_TRUE(service_.InvokeEvent("echo", "{}").ok());
  Create(Config("fail2", "fail"));
  ASSERT_TRUE(service_.InvokeEvent("fail2", "{}").ok());
  Drain();
  EXPECT_EQ(letters.size(), 2u);
}

TEST_F(EventInvokeTest, AnEventTooOldIsDeadLettered) {
  std::vector<FunctionService::DeadLetter> letters;
  service_.SetDeadLetterSender(
      [&letters](const FunctionService::DeadLetter& d) {
        letters.push_back(d);
        return Status::Ok();
      });
  FunctionConfig c = Config("echo", "echo");
  c.dead_letter_target_arn = "arn:aws:sns:us-east-1:000000000000:dead";
  Create(c);
  ASSERT_TRUE(service_.PutFunctionConcurrency("echo", 0).ok());
  ASSERT_TRUE(
      service_.PutEventInvokeConfig("echo", {.maximum_event_age_seconds = 60})
          .ok());
  ASSERT_TRUE(service_.InvokeEvent("echo", R"("old")").ok());
  Drain();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].payload, R"("old")");
  EXPECT_EQ(letters[0].error_message, "Event age exceeded");
}

TEST_F(EventInvokeTest, MaximumRetryAttemptsZeroMeansOneAttempt) {
  Create(Config("fail", "fail"));
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
  launcher_.Define("tick", [](const FakeEvent& e) {
    return FakeReply::Result(e.payload).After(milliseconds(10));
  });
  Create(Config("echo", "tick"));
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
    EXPECT_EQ(records_[i].start,
              start + milliseconds(10) * static_cast<int>(i));
  }
  EXPECT_EQ(service_.pending_events(), 0u);
}

// An event that grows too old while waiting leaves the queue: the slot
// freed next goes to the event behind it, not to the one that is gone.
TEST_F(EventInvokeTest, AnExpiredWaitingEventDoesNotTakeTheNextSlot) {
  launcher_.Define("nap", [](const FakeEvent&) {
    return FakeReply::Result("{}").After(seconds(90));
  });
  FunctionConfig nap = Config("nap", "nap");
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
  Drain();                         // n0 ends (90 s in); its slot goes to n2
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[1].first, "arn:ok");
  EXPECT_EQ(sent_[1].second["requestPayload"].at("n"), 0);
  EXPECT_EQ(sent_[2].first, "arn:ok");
  EXPECT_EQ(sent_[2].second["requestPayload"].at("n"), 2);
}

TEST_F(EventInvokeTest, ThrottledEventsWaitUntilTheyAreTooOld) {
  Create(Config("echo", "echo"));
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
  Create(Config("echo", "echo"));
  EXPECT_EQ(service_.InvokeEvent("echo", std::string(1024 * 1024 + 1, 'x'))
                .status()
                .code(),
            lambda::kRequestTooLargeException);
  EXPECT_EQ(service_.InvokeEvent("nope", "{}").status().code(),
            lambda::kResourceNotFoundException);
  EXPECT_EQ(service_.PutEventInvokeConfig("echo", {.maximum_retry_attempts = 3})
                .code(),
            lambda::kInvalidParameterValueException);
  EXPECT_EQ(
      service_.PutEventInvokeConfig("echo", {.maximum_event_age_seconds = 59})
          .code(),
      lambda::kInvalidParameterValueException);
  auto defaults = service_.GetEventInvokeConfig("echo");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->maximum_retry_attempts, 2);
  EXPECT_EQ(defaults->maximum_event_age_seconds, 21600);
}

// What only a real process shows, end to end through the PosixLauncher
// (the fanlab-test-function binary): a whole process group killed at the
// deadline, the memory a process actually uses, logs on their own pipe.
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

class FunctionServiceProcessTest : public ::testing::Test {
 protected:
  FunctionServiceProcessTest()
      : service_(clock_, launcher_, ids_,
                 {.endpoint = "inproc://engine",
                  .global_concurrency = 200,
                  .kill_grace = milliseconds(50),
                  .idle_timeout = minutes(5)}) {
    service_.SetRecordCallback(
        [this](const InvocationRecord& r) { records_.push_back(r); });
  }

  FunctionConfig Config(std::string name, std::vector<std::string> args) {
    FunctionConfig c;
    c.name = std::move(name);
    c.command = {kTestFunction};
    for (auto& a : args) c.command.push_back(std::move(a));
    return c;
  }

  void Create(FunctionConfig c) {
    auto r = service_.CreateFunction(std::move(c));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

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

  boost::asio::io_context io_;
  VirtualClock clock_;
  PosixLauncher launcher_{io_};
  IdGenerator ids_{42};
  FunctionService service_;
  std::vector<InvocationRecord> records_;
};

TEST_F(FunctionServiceProcessTest, ARealProcessGetsItsEventAndAnswers) {
  Create(Config("echo", {"echo"}));
  InvokeResult r = Invoke("echo", R"({"hello":"world"})");
  EXPECT_EQ(r.status_code, 200);
  EXPECT_FALSE(r.function_error.has_value());
  EXPECT_EQ(r.payload, R"({"hello":"world"})");
  ASSERT_EQ(records_.size(), 1u);
  EXPECT_EQ(records_[0].outcome, InvocationRecord::Outcome::kSuccess);
  EXPECT_EQ(service_.running(), 0);
}

TEST_F(FunctionServiceProcessTest, TimeoutKillsTheWholeGroupBeforeAnswering) {
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

TEST_F(FunctionServiceProcessTest, MemoryLimitIsOnMemoryUsed) {
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

TEST_F(FunctionServiceProcessTest, LogsComeBackButNeverMixWithTheResult) {
  Create(Config("flood", {"flood-stdout", "200000"}));
  InvokeResult r = Invoke("flood");
  EXPECT_EQ(r.payload, R"({"flooded":200000})");
  EXPECT_LE(r.log_tail.size(), 4096u);
  EXPECT_GT(r.log_tail.size(), 1000u);
}

}  // namespace
}  // namespace fanlab::compute
