// Which invocation made each call: a function signs its SDK calls with its
// environment's own access key, and the run's event log names the
// invocation (function and request id) on the events those calls cause.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "harness/testing/matchers.h"

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

}  // namespace
}  // namespace fanlab::harness
