// Functions speaking the Lambda Runtime API, end to end: real processes (a
// small Python runtime written for these tests, and Node), the engine's
// HTTP listeners, a virtual clock. Every misuse gets Lambda's error and the
// service serves on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "emulator/compute/function_service.h"
#include "emulator/compute/lambda_errors.h"
#include "emulator/engine.h"

namespace fanlab::compute {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A runtime with one behaviour per argv[1], on python3's http.client only.
// Whatever it saw that the test checks ("notes") rides on its next answer.
constexpr const char* kPythonRuntime = R"PY(
import http.client, json, os, socket, sys, threading

mode = sys.argv[1] if len(sys.argv) > 1 else "echo"
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
notes = []

def call(method, path, body=None, headers=None):
    c = http.client.HTTPConnection(host, int(port))
    c.request(method, "/2018-06-01/runtime/" + path, body=body,
              headers=headers or {})
    r = c.getresponse()
    data = r.read()
    out = (r.status, dict(r.getheaders()), data)
    c.close()
    return out

def respond(rid, obj):
    return call("POST", "invocation/%s/response" % rid, json.dumps(obj))

if mode == "nonext":
    threading.Event().wait()
if mode == "initerror":
    s, _, b = call("POST", "init/error",
                   json.dumps({"errorMessage": "Unable to import module 'app'",
                               "errorType": "Runtime.ImportModuleError",
                               "stackTrace": []}),
                   {"Lambda-Runtime-Function-Error-Type":
                    "Runtime.ImportModuleError"})
    print("init error answered", s, flush=True)
    sys.exit(1)

while True:
    if mode == "flood":
        results = []
        def one():
            results.append(call("GET", "invocation/next"))
        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got = [r for r in results if r[0] == 200]
        notes.append(sorted(r[0] for r in results))
        status, headers, body = got[0]
    else:
        status, headers, body = call("GET", "invocation/next")
    rid = headers["Lambda-Runtime-Aws-Request-Id"]
    event = json.loads(body)
    print("handling", rid, flush=True)
    if mode == "echo":
        respond(rid, {"event": event, "notes": notes,
                      "deadline": headers["Lambda-Runtime-Deadline-Ms"],
                      "arn": headers["Lambda-Runtime-Invoked-Function-Arn"],
                      "trace": headers.get("Lambda-Runtime-Trace-Id", "")})
    elif mode == "env":
        respond(rid, dict(os.environ))
    elif mode == "twice":
        respond(rid, {"event": event, "notes": notes})
        s, _, b = respond(rid, {"again": True})
        notes.append([s, json.loads(b)])
    elif mode == "unknown":
        s, _, b = respond("no-such-id", {})
        notes.append([s, json.loads(b)])
        respond(rid, {"event": event, "notes": notes})
    elif mode == "big":
        if event.get("big"):
            s, _, b = call("POST", "invocation/%s/response" % rid,
                           '"' + "x" * (7 * 1024 * 1024) + '"')
            notes.append([s, json.loads(b)])
        else:
            respond(rid, {"event": event, "notes": notes})
    elif mode == "error":
        call("POST", "invocation/%s/error" % rid,
             json.dumps({"errorMessage": "bad input", "errorType": "ValueError",
                         "stackTrace": ["app.py:1"]}),
             {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
    elif mode == "die":
        if event.get("die"):
            os.kill(os.getpid(), 9)
        respond(rid, {"event": event})
    elif mode == "exit":
        sys.exit(4)
    elif mode == "malformed":
        s = socket.create_connection((host, int(port)))
        s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
        reply = s.recv(4096).decode("latin-1")
        s.close()
        notes.append(reply.split("\r\n")[0])
        respond(rid, {"event": event, "notes": notes})
    elif mode == "flood":
        respond(rid, {"event": event, "notes": notes})
    elif mode == "alloc":
        hog = bytearray(int(event["mb"]) * 1024 * 1024)
        for i in range(0, len(hog), 4096):
            hog[i] = 1
        respond(rid, {"allocated": len(hog)})
    elif mode == "sleep":
        threading.Event().wait()
)PY";

// The same for Node (echo only): Node starts within 128 MB.
constexpr const char* kNodeRuntime = R"JS(
import http from "node:http";
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({host, port, method,
                              path: "/2018-06-01/runtime/" + path}, (res) => {
      let data = "";
      res.on("data", (c) => (data += c));
      res.on("end", () => resolve({status: res.statusCode,
                                   headers: res.headers, body: data}));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
for (;;) {
  const next = await call("GET", "invocation/next");
  const id = next.headers["lambda-runtime-aws-request-id"];
  await call("POST", `invocation/${id}/response`,
             JSON.stringify({node: process.version, event: JSON.parse(next.body)}));
}
)JS";

class RuntimeFunctionsTest : public ::testing::Test {
 protected:
  explicit RuntimeFunctionsTest(bool start_ahead = false)
      : service_(clock_, launcher_, ids_,
                 {.endpoint = "inproc://engine",
                  .http_endpoint = "http://127.0.0.1:9",
                  .global_concurrency = 200,
                  .kill_grace = milliseconds(50),
                  .idle_timeout = std::chrono::minutes(5),
                  .start_ahead = start_ahead}) {
    service_.SetRuntimeApiListeners(&listeners_);
    service_.SetRecordCallback(
        [this](const InvocationRecord& r) { records_.push_back(r); });
    dir_ = std::filesystem::temp_directory_path() /
           ("fanlab-rt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "runtime.py") << kPythonRuntime;
    std::ofstream(dir_ / "runtime.mjs") << kNodeRuntime;
  }
  ~RuntimeFunctionsTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  FunctionConfig Python(std::string name, std::string mode) {
    FunctionConfig c;
    c.name = std::move(name);
    c.runtime = "provided.al2023";
    c.command = {"python3", (dir_ / "runtime.py").string(), std::move(mode)};
    c.working_dir = dir_.string();
    c.mode = Mode::kWarm;
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

  template <typename Pred>
  void RunUntil(Pred done) {
    auto limit = std::chrono::steady_clock::now() + seconds(30);
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

  static json::value Parse(const std::string& payload) {
    boost::system::error_code ec;
    json::value v = json::parse(payload, ec);
    EXPECT_FALSE(ec) << payload.substr(0, 200);
    return v;
  }
  static std::string Str(const json::value& v, const char* key) {
    const json::value* f = v.as_object().if_contains(key);
    if (f == nullptr) return "<absent>";
    return f->is_string() ? std::string(f->get_string()) : json::serialize(*f);
  }

  boost::asio::io_context io_;
  VirtualClock clock_;
  PosixLauncher launcher_{io_};
  RuntimeApiHttpListeners listeners_{io_};
  IdGenerator ids_{42};
  FunctionService service_;
  std::vector<InvocationRecord> records_;
  std::filesystem::path dir_;
};

TEST_F(RuntimeFunctionsTest, ValidationFollowsLambda) {
  FunctionConfig bad = Python("bad", "echo");
  bad.runtime = "java21";
  auto r = service_.CreateFunction(bad);
  EXPECT_EQ(r.status().code(), lambda::kInvalidParameterValueException);
  EXPECT_NE(r.status().message().find("Runtime 'java21' is not supported"),
            std::string::npos);
  FunctionConfig py;
  py.name = "py";
  py.runtime = "python3.12";
  py.working_dir = dir_.string();
  EXPECT_NE(service_.CreateFunction(py).status().message().find(
                "Handler is required"),
            std::string::npos);
  py.handler = "app.handler";
  py.command = {"python3"};
  EXPECT_NE(service_.CreateFunction(py).status().message().find(
                "cannot be given with Runtime"),
            std::string::npos);
  py.command.clear();
  py.handler = "has space.handler";
  EXPECT_NE(service_.CreateFunction(py).status().message().find("whitespace"),
            std::string::npos);
  py.handler = std::string(129, 'h');
  EXPECT_NE(service_.CreateFunction(py).status().message().find("128"),
            std::string::npos);
  py.handler = "app.handler";
  py.working_dir.clear();
  EXPECT_NE(service_.CreateFunction(py).status().message().find("Code.ZipFile"),
            std::string::npos);
  py.code_dir = dir_.string();
  EXPECT_TRUE(service_.CreateFunction(py).ok());
  FunctionConfig none;
  none.name = "none";
  EXPECT_NE(service_.CreateFunction(none).status().message().find(
                "Runtime is required"),
            std::string::npos);
}

TEST_F(RuntimeFunctionsTest, WarmRoundTripsWithInitOnlyOnTheColdStart) {
  // As the engine does: the clock follows real time while a function runs,
  // so init and durations are measured.
  service_.SetStartCallback([this] { clock_.FollowRealTime(true); });
  Create(Python("echo", "echo"));
  InvokeResult first = Invoke("echo", R"({"n":1})");
  EXPECT_FALSE(first.function_error.has_value()) << first.payload;
  json::value v = Parse(first.payload);
  EXPECT_EQ(Str(v, "event"), R"({"n":1})");
  EXPECT_EQ(Str(v, "arn"),
            "arn:aws:lambda:us-east-1:000000000000:function:echo");
  int64_t now_ms =
      std::chrono::duration_cast<milliseconds>(clock_.Now().time_since_epoch())
          .count();
  EXPECT_NEAR(std::stoll(Str(v, "deadline")), now_ms + 3000, 1000);
  EXPECT_TRUE(Str(v, "trace").starts_with("Root=1-"));
  InvokeResult second = Invoke("echo", R"({"n":2})");
  EXPECT_EQ(Str(Parse(second.payload), "event"), R"({"n":2})");
  ASSERT_EQ(records_.size(), 2u);
  EXPECT_TRUE(records_[0].cold);
  EXPECT_GT(records_[0].init.count(), 0);
  EXPECT_FALSE(records_[1].cold);
  EXPECT_EQ(service_.environments("echo"), 1u);
  // Ready again once its runtime waits in `next`.
  RunUntil([&] { return service_.ready_environments("echo") == 1; });

  // LogResult: Lambda's lines around the function's own logs; Init
  // Duration on the cold start only.
  EXPECT_TRUE(first.log_tail.starts_with(
      "START RequestId: " + first.request_id + " Version: $LATEST\n"))
      << first.log_tail;
  EXPECT_NE(first.log_tail.find("handling " + first.request_id),
            std::string::npos);
  EXPECT_NE(first.log_tail.find("END RequestId: " + first.request_id + "\n"),
            std::string::npos);
  EXPECT_NE(first.log_tail.find("REPORT RequestId: " + first.request_id +
                                "\tDuration: "),
            std::string::npos);
  EXPECT_NE(first.log_tail.find("\tMemory Size: 128 MB\tMax Memory Used: "),
            std::string::npos);
  EXPECT_NE(first.log_tail.find("\tInit Duration: "), std::string::npos);
  EXPECT_EQ(second.log_tail.find("\tInit Duration: "), std::string::npos);
  // The warm call's logs are its own.
  EXPECT_EQ(second.log_tail.find("handling " + first.request_id),
            std::string::npos)
      << second.log_tail;
  EXPECT_GT(records_[0].max_memory_used_mb, 1);
}

TEST_F(RuntimeFunctionsTest, EnvironmentCarriesTheRuntimeAndSdkVariables) {
  FunctionConfig c = Python("env", "env");
  c.handler = "app.handler";
  Create(c);
  InvokeResult a = Invoke("env");
  json::value env = Parse(a.payload);
  EXPECT_EQ(Str(env, "_HANDLER"), "app.handler");
  EXPECT_EQ(Str(env, "LAMBDA_TASK_ROOT"), dir_.string());
  EXPECT_EQ(Str(env, "AWS_ENDPOINT_URL"), "http://127.0.0.1:9");
  EXPECT_EQ(Str(env, "AWS_REGION"), "us-east-1");
  EXPECT_EQ(Str(env, "AWS_DEFAULT_REGION"), "us-east-1");
  EXPECT_EQ(Str(env, "AWS_EXECUTION_ENV"), "AWS_Lambda_provided.al2023");
  EXPECT_TRUE(Str(env, "AWS_LAMBDA_RUNTIME_API").starts_with("127.0.0.1:"));
  EXPECT_EQ(Str(env, "FANLAB_RESULT_FD"), "<absent>");
  std::string key = Str(env, "AWS_ACCESS_KEY_ID");
  EXPECT_EQ(key.size(), 20u);
  EXPECT_TRUE(key.starts_with("FLENV"));
  EXPECT_NE(Str(env, "AWS_SECRET_ACCESS_KEY"), "<absent>");
  EXPECT_NE(Str(env, "AWS_SESSION_TOKEN"), "<absent>");

  // The key names the environment (and its invocation while one runs).
  auto who = service_.WhoCalled(key);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->function, "env");
  EXPECT_EQ(who->request_id, "");  // idle now
  EXPECT_FALSE(service_.WhoCalled("AKIAIOSFODNN7EXAMPLE").has_value());

  // Two environments at once have two keys.
  Create(Python("sleepy", "sleep"));
  auto s1 = Start("sleepy");
  auto s2 = Start("sleepy");
  RunUntil([&] { return service_.environments("sleepy") == 2; });
  auto k1 = service_.WhoCalled(FunctionService::AccessKeyFor(2));
  auto k2 = service_.WhoCalled(FunctionService::AccessKeyFor(3));
  ASSERT_TRUE(k1.has_value() && k2.has_value());
  EXPECT_EQ(k1->function, "sleepy");
  EXPECT_NE(k1->request_id, k2->request_id);
  EXPECT_FALSE(k1->request_id.empty());
  clock_.Advance(seconds(3));
  RunUntil([&] { return s1->has_value() && s2->has_value(); });
  RunUntil([&] { return service_.environments("sleepy") == 0; });
  EXPECT_FALSE(service_.WhoCalled(FunctionService::AccessKeyFor(2)));
}

TEST_F(RuntimeFunctionsTest, FunctionErrorsComeBackAsLambdaShapesThem) {
  Create(Python("err", "error"));
  InvokeResult r = Invoke("err");
  EXPECT_EQ(r.function_error, "Unhandled");
  json::value v = Parse(r.payload);
  EXPECT_EQ(Str(v, "errorType"), "ValueError");
  EXPECT_EQ(Str(v, "errorMessage"), "bad input");
  EXPECT_EQ(records_.back().error_type, "ValueError");
  // The environment is kept: an error is an answer.
  Invoke("err");
  EXPECT_FALSE(records_.back().cold);
}

TEST_F(RuntimeFunctionsTest, AnsweringTwiceIsAnInvalidRequestId) {
  Create(Python("twice", "twice"));
  Invoke("twice", "1");
  InvokeResult second = Invoke("twice", "2");
  json::value notes = Parse(second.payload).as_object().at("notes");
  ASSERT_EQ(notes.as_array().size(), 1u) << second.payload;
  EXPECT_EQ(notes.as_array()[0].as_array()[0], 400);
  EXPECT_EQ(Str(notes.as_array()[0].as_array()[1], "errorType"),
            "InvalidRequestID");
}

TEST_F(RuntimeFunctionsTest, AnsweringAnUnknownIdIsAnInvalidRequestId) {
  Create(Python("unknown", "unknown"));
  InvokeResult r = Invoke("unknown");
  json::value notes = Parse(r.payload).as_object().at("notes");
  EXPECT_EQ(notes.as_array()[0].as_array()[0], 400);
  EXPECT_EQ(Str(notes.as_array()[0].as_array()[1], "errorMessage"),
            "Invalid request ID");
}

TEST_F(RuntimeFunctionsTest, SevenMegabytesFailWithResponseSizeTooLarge) {
  Create(Python("big", "big"));
  InvokeResult r = Invoke("big", R"({"big":true})");
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Str(Parse(r.payload), "errorType"),
            "Function.ResponseSizeTooLarge");
  // The runtime was told 413 and serves on.
  InvokeResult next = Invoke("big", "{}");
  json::value notes = Parse(next.payload).as_object().at("notes");
  EXPECT_EQ(notes.as_array()[0].as_array()[0], 413);
  EXPECT_EQ(Str(notes.as_array()[0].as_array()[1], "errorType"),
            "RequestEntityTooLarge");
}

TEST_F(RuntimeFunctionsTest, ARuntimeThatNeverCallsNextTimesOut) {
  FunctionConfig c = Python("nonext", "nonext");
  c.timeout_seconds = 2;
  Create(c);
  auto slot = Start("nonext");
  RunUntil([&] { return service_.environments("nonext") == 1; });
  clock_.Advance(seconds(2));
  RunUntil([&] { return slot->has_value(); });
  const InvokeResult& r = (**slot).value();
  EXPECT_EQ(Str(Parse(r.payload), "errorType"), "Sandbox.Timedout");
  EXPECT_EQ(Str(Parse(r.payload), "errorMessage"),
            "RequestId: " + r.request_id +
                " Error: Task timed out after 2.00 seconds");
  EXPECT_EQ(records_.back().outcome, InvocationRecord::Outcome::kTimeout);
  RunUntil([&] { return service_.environments("nonext") == 0; });
}

TEST_F(RuntimeFunctionsTest, DyingMidInvocationIsAnExitErrorAndANewEnvFollows) {
  Create(Python("die", "die"));
  InvokeResult r = Invoke("die", R"({"die":true})");
  json::value v = Parse(r.payload);
  EXPECT_EQ(Str(v, "errorType"), "Runtime.ExitError");
  EXPECT_EQ(Str(v, "errorMessage"),
            "RequestId: " + r.request_id +
                " Error: Runtime exited with error: signal: killed");
  InvokeResult ok = Invoke("die", "{}");
  EXPECT_FALSE(ok.function_error.has_value());
  EXPECT_TRUE(records_.back().cold);

  Create(Python("exit", "exit"));
  InvokeResult exited = Invoke("exit");
  EXPECT_EQ(Str(Parse(exited.payload), "errorMessage"),
            "RequestId: " + exited.request_id +
                " Error: Runtime exited with error: exit status 4");
}

TEST_F(RuntimeFunctionsTest, MalformedHttpIsA400AndTheRuntimeServesOn) {
  Create(Python("malformed", "malformed"));
  InvokeResult r = Invoke("malformed");
  EXPECT_FALSE(r.function_error.has_value()) << r.payload;
  json::value notes = Parse(r.payload).as_object().at("notes");
  EXPECT_TRUE(
      std::string(notes.as_array()[0].as_string()).starts_with("HTTP/1.1 400"))
      << r.payload;
  Invoke("malformed");
  EXPECT_FALSE(records_.back().cold);
}

TEST_F(RuntimeFunctionsTest, AFloodOfNextKeepsOneAndRefusesTheRest) {
  Create(Python("flood", "flood"));
  InvokeResult r = Invoke("flood");
  json::value notes = Parse(r.payload).as_object().at("notes");
  json::array statuses = notes.as_array()[0].as_array();
  ASSERT_EQ(statuses.size(), 6u) << r.payload;
  EXPECT_EQ(statuses[0], 200);
  for (size_t i = 1; i < statuses.size(); ++i) EXPECT_EQ(statuses[i], 403);
}

TEST_F(RuntimeFunctionsTest, AHandlerThatCannotLoadIsTheRuntimesInitError) {
  Create(Python("init", "initerror"));
  InvokeResult r = Invoke("init");
  EXPECT_EQ(r.function_error, "Unhandled");
  json::value v = Parse(r.payload);
  EXPECT_EQ(Str(v, "errorType"), "Runtime.ImportModuleError");
  EXPECT_EQ(Str(v, "errorMessage"), "Unable to import module 'app'");
  EXPECT_EQ(records_.back().error_type, "Runtime.ImportModuleError");
  RunUntil([&] { return service_.environments("init") == 0; });
  // And again: a fresh environment each time, the same answer.
  InvokeResult again = Invoke("init");
  EXPECT_EQ(Str(Parse(again.payload), "errorType"),
            "Runtime.ImportModuleError");
}

// Deterministic runs start one environment of a runtime function as it is
// created: its init runs ahead, and nothing else shows it.
class StartAheadTest : public RuntimeFunctionsTest {
 protected:
  StartAheadTest() : RuntimeFunctionsTest(/*start_ahead=*/true) {}
};

TEST_F(StartAheadTest, TheFirstInvocationIsStillTheColdOneWithItsInit) {
  Create(Python("echo", "echo"));
  // Started and waiting in `next` before anything invokes it.
  RunUntil([&] { return service_.ready_environments("echo") == 1; });
  InvokeResult first = Invoke("echo", R"({"n":1})");
  InvokeResult second = Invoke("echo", R"({"n":2})");
  EXPECT_EQ(Str(Parse(first.payload), "event"), R"({"n":1})");
  EXPECT_EQ(Str(Parse(second.payload), "event"), R"({"n":2})");
  ASSERT_EQ(records_.size(), 2u);
  EXPECT_TRUE(records_[0].cold);
  EXPECT_FALSE(records_[1].cold);
  EXPECT_EQ(service_.environments("echo"), 1u);
  // The cold invocation's logs hold the init's, as on an on-demand start.
  EXPECT_NE(first.log_tail.find("\tInit Duration: "), std::string::npos);
  EXPECT_EQ(second.log_tail.find("\tInit Duration: "), std::string::npos);
}

TEST_F(StartAheadTest, AnInitThatFailsAheadIsReportedByTheInvocation) {
  Create(Python("init", "initerror"));
  // The environment started ahead fails its init and is gone, unreported.
  RunUntil([&] { return service_.environments("init") == 0; });
  EXPECT_TRUE(records_.empty());
  // The invocation starts one of its own, whose init error it reports.
  InvokeResult r = Invoke("init");
  EXPECT_EQ(Str(Parse(r.payload), "errorType"), "Runtime.ImportModuleError");
  ASSERT_EQ(records_.size(), 1u);
  EXPECT_TRUE(records_[0].cold);
}

TEST_F(StartAheadTest, NoneIsKeptForAFunctionThatCannotRun) {
  Create(Python("echo", "echo"));
  RunUntil([&] { return service_.ready_environments("echo") == 1; });
  ASSERT_TRUE(service_.PutFunctionConcurrency("echo", 0).ok());
  RunUntil([&] { return service_.environments("echo") == 0; });
  // Back to a reservation of one: its invocation starts cold, on demand.
  ASSERT_TRUE(service_.PutFunctionConcurrency("echo", 1).ok());
  Invoke("echo");
  ASSERT_EQ(records_.size(), 1u);
  EXPECT_TRUE(records_[0].cold);
}

TEST_F(StartAheadTest, AnUpdateStartsOneOfTheNewVersion) {
  Create(Python("echo", "echo"));
  RunUntil([&] { return service_.ready_environments("echo") == 1; });
  FunctionConfig c = Python("echo", "echo");
  c.timeout_seconds = 5;
  ASSERT_TRUE(service_.UpdateFunctionConfiguration(c).ok());
  // The old one retires; one of the new version waits in `next`.
  RunUntil([&] {
    return service_.environments("echo") == 1 &&
           service_.ready_environments("echo") == 1;
  });
  Invoke("echo");
  ASSERT_EQ(records_.size(), 1u);
  EXPECT_TRUE(records_[0].cold);
}

TEST_F(RuntimeFunctionsTest, MemoryUsedPastMemorySizeIsOutOfMemory) {
  FunctionConfig c = Python("hog", "alloc");
  c.memory_mb = 128;
  Create(c);
  // 64 MB fits (python3 starts and runs at 128 MB).
  InvokeResult fits = Invoke("hog", R"({"mb":64})");
  EXPECT_FALSE(fits.function_error.has_value()) << fits.payload;
  InvokeResult r = Invoke("hog", R"({"mb":300})");
  EXPECT_EQ(r.function_error, "Unhandled");
  json::value v = Parse(r.payload);
  EXPECT_EQ(Str(v, "errorType"), "Runtime.OutOfMemory");
  EXPECT_EQ(Str(v, "errorMessage"),
            "RequestId: " + r.request_id +
                " Error: Runtime exited with error: signal: killed");
  EXPECT_GE(records_.back().max_memory_used_mb, 128);
  EXPECT_NE(r.log_tail.find("Max Memory Used: "), std::string::npos);
}

TEST_F(RuntimeFunctionsTest, NodeStartsAndRunsAt128Megabytes) {
  if (::access("/usr/bin/node", X_OK) != 0 &&
      ::access("/usr/local/bin/node", X_OK) != 0) {
    GTEST_SKIP() << "no node on /usr/local/bin:/usr/bin";
  }
  FunctionConfig c = Python("node", "echo");
  c.command = {"node", (dir_ / "runtime.mjs").string()};
  c.memory_mb = 128;
  Create(c);
  InvokeResult r = Invoke("node", R"({"n":1})");
  EXPECT_FALSE(r.function_error.has_value()) << r.payload << r.log_tail;
  EXPECT_EQ(Str(Parse(r.payload), "event"), R"({"n":1})");
}

TEST_F(RuntimeFunctionsTest, ReservedConcurrencyAndColdModeHoldAsForFrames) {
  FunctionConfig c = Python("slow", "sleep");
  c.timeout_seconds = 5;
  Create(c);
  ASSERT_TRUE(service_.PutFunctionConcurrency("slow", 1).ok());
  auto a = Start("slow");
  auto b = Start("slow");
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->status().code(), lambda::kTooManyRequestsException);
  clock_.Advance(seconds(5));
  RunUntil([&] { return a->has_value(); });
  EXPECT_EQ(Str(Parse((**a)->payload), "errorType"), "Sandbox.Timedout");

  FunctionConfig cold = Python("cold", "echo");
  cold.mode = Mode::kCold;
  Create(cold);
  Invoke("cold");
  Invoke("cold");
  EXPECT_TRUE(records_.back().cold);
}

TEST_F(RuntimeFunctionsTest, EventRetriesAndDestinationsHoldAsForFrames) {
  std::vector<json::object> sent;
  service_.SetDestinationSender(
      [&](const std::string&, const std::string& body) {
        sent.push_back(json::parse(body).as_object());
        return Status::Ok();
      });
  Create(Python("err", "error"));
  ASSERT_TRUE(
      service_
          .PutEventInvokeConfig("err", {.maximum_retry_attempts = 1,
                                        .on_failure = "arn:aws:sqs:us-east-1:"
                                                      "000000000000:failures"})
          .ok());
  ASSERT_TRUE(service_.InvokeEvent("err", R"({"n":1})").ok());
  // Play the engine: run processes, jump the clock when nothing runs.
  auto limit = std::chrono::steady_clock::now() + seconds(30);
  while (service_.pending_events() > 0 &&
         std::chrono::steady_clock::now() < limit) {
    if (io_.stopped()) io_.restart();
    if (service_.running() > 0) {
      io_.run_one_for(milliseconds(10));
      continue;
    }
    io_.poll();
    if (service_.running() == 0) clock_.AdvanceToNextTimer();
  }
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0]["requestContext"].at("condition"), "RetriesExhausted");
  EXPECT_EQ(sent[0]["requestContext"].at("approximateInvokeCount"), 2);
  EXPECT_EQ(sent[0]["responsePayload"].at("errorType"), "ValueError");
  EXPECT_EQ(records_.size(), 2u);
  EXPECT_FALSE(records_[1].cold);  // the retry ran in the same environment
}

}  // namespace
}  // namespace fanlab::compute
