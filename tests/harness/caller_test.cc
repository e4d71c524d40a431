// Which invocation made each call: a function signs its SDK calls with its
// environment's own access key, and the run's event log names the
// invocation (function and request id) on the events those calls cause.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/testing/matchers.h"
#include "tests/harness/harness_test_util.h"

namespace fanlab::harness {
namespace {

namespace json = boost::json;

// A provided.al2023 bootstrap that, for each event, sends {"n": event.n}
// to the queue named by the event, over the HTTP front with a SigV4-shaped
// Authorization header (what an AWS SDK sends; nothing checks the
// signature), and answers the send's status.
constexpr const char* kBootstrap = R"PY(#!/usr/bin/env python3
import http.client, json, os, urllib.parse
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
api = http.client.HTTPConnection(host, int(port))
front = urllib.parse.urlparse(os.environ["AWS_ENDPOINT_URL"])
auth = ("AWS4-HMAC-SHA256 Credential=" + os.environ["AWS_ACCESS_KEY_ID"] +
        "/20261206/" + os.environ["AWS_REGION"] + "/sqs/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=00")
def sqs(action, body):
    c = http.client.HTTPConnection(front.hostname, front.port)
    c.request("POST", "/", json.dumps(body), {
        "X-Amz-Target": "AmazonSQS." + action,
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": auth})
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"{}")
while True:
    api.request("GET", "/2018-06-01/runtime/invocation/next")
    r = api.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    _, url = sqs("GetQueueUrl", {"QueueName": event["queue"]})
    status, _ = sqs("SendMessage", {"QueueUrl": url["QueueUrl"],
                                    "MessageBody": json.dumps({"n": event["n"]})})
    api.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid,
                json.dumps({"status": status}))
    api.getresponse().read()
)PY";

class CallerTest : public ::testing::Test {
 protected:
  CallerTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("fanlab-caller-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "code");
    std::filesystem::path bootstrap = dir_ / "code" / "bootstrap";
    std::ofstream(bootstrap) << kBootstrap;
    std::filesystem::permissions(bootstrap, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add);
  }
  ~CallerTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::filesystem::path dir_;
};

TEST_F(CallerTest, EventsOfAFunctionsCallsNameItsInvocation) {
  // Created by a call step: Code.Command runs the bootstrap as a
  // provided.al2023 runtime would.
  std::string bootstrap = (dir_ / "code" / "bootstrap").string();
  std::string yaml = R"(name: caller
resources:
  queues: [{name: out}]
timeline:
  - id: create
    call:
      action: CreateFunction
      body: {FunctionName: sender, Runtime: provided.al2023,
             Code: {Command: [)" +
                     bootstrap +
                     R"(]}}
  - id: first
    call: {action: Invoke, body: {FunctionName: sender, Payload: '{"queue":"out","n":1}'}}
  - id: second
    call: {action: Invoke, body: {FunctionName: sender, Payload: '{"queue":"out","n":2}'}}
  - {id: outside, send: {queue: out, json: {n: 3}}}
expect:
  - {name: created, response: {step: create}}
  - {name: first sent, response: {step: first, json: {Payload: '{"status": 200}'}}}
  - {name: second sent, response: {step: second, json: {Payload: '{"status": 200}'}}}
)";
  Scenario s = testing::ParseForTest(yaml, {}, (dir_ / "s.yaml").string());
  ScenarioResult r = RunScenario(s);
  std::string why;
  for (const auto& d : r.errors) why += d.ToString() + "\n";
  for (const auto& e : r.expectations) {
    if (!e.passed) why += e.label + ": found " + e.found + "\n";
  }
  ASSERT_TRUE(r.passed()) << why;

  std::vector<std::string> invocations;  // request ids, in order
  std::vector<const Event*> sent;
  for (const Event& e : r.events) {
    if (e.service == "lambda" && e.kind == "Invocation") {
      invocations.push_back(e.key);
    }
    if (e.service == "sqs" && e.kind == "MessageSent") sent.push_back(&e);
  }
  ASSERT_EQ(invocations.size(), 2u);
  ASSERT_EQ(sent.size(), 3u);
  std::set<std::string> callers;
  int outside = 0;
  for (const Event* e : sent) {
    json::object j = e->ToJson();
    if (!e->caller) {
      // The harness's own send has none.
      ++outside;
      EXPECT_FALSE(j.contains("caller"));
      continue;
    }
    EXPECT_EQ(e->caller->function, "sender");
    callers.insert(e->caller->request_id);
    EXPECT_EQ(j["caller"].at("function"), "sender");
    EXPECT_EQ(j["caller"].at("requestId"), json::value(e->caller->request_id));
  }
  EXPECT_EQ(outside, 1);
  EXPECT_EQ(callers,
            std::set<std::string>(invocations.begin(), invocations.end()));
}

// The C++ SDK's calls over fanlab's frames: `fanlab-test-function call
// SendMessage` sends its event as a SendMessage over ZeroMQ. Each
// invocation lasts 200ms of virtual time, so the second starts (in an
// environment of its own) and calls while the first still runs.
constexpr const char* kTwoSenders = R"(name: frames
resources:
  queues: [{name: out}]
  functions:
    - {name: sender, command: [@CMD@], duration: 200ms, retries: 0}
timeline:
  - invoke: {function: sender, type: Event, payload: {QueueUrl: "${queue_url:out}", MessageBody: a}}
  - invoke: {function: sender, type: Event, payload: {QueueUrl: "${queue_url:out}", MessageBody: b}}
@FAULTS@)";

// kTwoSenders with `command` and `faults` filled in.
Scenario TwoSenders(const std::string& command,
                    const std::string& faults = "") {
  std::string yaml = kTwoSenders;
  yaml.replace(yaml.find("@CMD@"), 5, command);
  yaml.replace(yaml.find("@FAULTS@"), 8, faults);
  return testing::ParseForTest(test_util::WithTestFunction(yaml), {},
                               "frames.yaml");
}

struct Seen {
  std::map<std::string, std::string> outcomes;          // request id -> outcome
  std::vector<std::optional<compute::Caller>> senders;  // per MessageSent
  std::vector<const Event*> faults;
};

Seen Look(const ScenarioResult& r) {
  Seen seen;
  for (const Event& e : r.events) {
    if (e.service == "lambda" && e.kind == "Invocation") {
      seen.outcomes[e.key] =
          json::value_to<std::string>(e.detail.at("outcome"));
    }
    if (e.service == "sqs" && e.kind == "MessageSent") {
      seen.senders.push_back(e.caller);
    }
    if (e.kind == "FaultFired") seen.faults.push_back(&e);
  }
  return seen;
}

TEST(FrameCallerTest, InvocationsRunningAtOnceEachNameTheirOwnCalls) {
  ScenarioResult r = RunScenario(TwoSenders("@TF@, call, SendMessage"));
  ASSERT_TRUE(r.passed()) << r.failure;
  Seen seen = Look(r);
  ASSERT_EQ(seen.outcomes.size(), 2u);
  ASSERT_EQ(seen.senders.size(), 2u);
  std::set<std::string> callers;
  for (const auto& caller : seen.senders) {
    ASSERT_TRUE(caller.has_value());
    EXPECT_EQ(caller->function, "sender");
    EXPECT_EQ(seen.outcomes[caller->request_id], "success")
        << caller->request_id;
    callers.insert(caller->request_id);
  }
  EXPECT_EQ(callers.size(), 2u);
}

TEST(FrameCallerTest, ACrashAtACallKillsTheInvocationThatMadeIt) {
  // The second SendMessage, made while both invocations run, kills its
  // caller before it takes effect: that invocation fails, the other one's
  // message is the only one sent, and the fault names the victim.
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    RunOptions options;
    options.seed = seed;
    ScenarioResult r =
        RunScenario(TwoSenders("@TF@, call, SendMessage",
                               "faults:\n  - {fault: crash, function: sender, "
                               "action: SendMessage, nth: 2}\n"),
                    options);
    ASSERT_TRUE(r.passed()) << r.failure;
    Seen seen = Look(r);
    ASSERT_EQ(seen.faults.size(), 1u) << "seed " << seed;
    const std::string victim = seen.faults[0]->key;
    ASSERT_EQ(seen.outcomes.count(victim), 1u) << victim;
    EXPECT_EQ(seen.outcomes[victim], "error");
    ASSERT_EQ(seen.senders.size(), 1u);
    ASSERT_TRUE(seen.senders[0].has_value());
    EXPECT_NE(seen.senders[0]->request_id, victim);
    EXPECT_EQ(seen.outcomes[seen.senders[0]->request_id], "success");
  }
}

TEST(FrameCallerTest, FramesWithoutAKeyAreTheOnlyRunningInvocations) {
  // Without AWS_ACCESS_KEY_ID the SDK sends no access-key-id frame: the
  // first call, made while only its invocation runs, is that one's; the
  // second, made while both run, is nobody's.
  ScenarioResult r = RunScenario(TwoSenders(
      "/usr/bin/env, -u, AWS_ACCESS_KEY_ID, @TF@, call, SendMessage"));
  ASSERT_TRUE(r.passed()) << r.failure;
  Seen seen = Look(r);
  ASSERT_EQ(seen.outcomes.size(), 2u);
  for (const auto& [id, outcome] : seen.outcomes) EXPECT_EQ(outcome, "success");
  ASSERT_EQ(seen.senders.size(), 2u);
  ASSERT_TRUE(seen.senders[0].has_value());
  EXPECT_EQ(seen.outcomes.count(seen.senders[0]->request_id), 1u);
  EXPECT_FALSE(seen.senders[1].has_value());
}

}  // namespace
}  // namespace fanlab::harness
