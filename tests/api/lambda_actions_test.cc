// Lambda's actions through a running Engine (virtual clock) over
// inproc://, with the real test function: the shapes a client sees, the
// errors it gets, and virtual time following real time while a function
// runs (a 1-second timeout fires after about a real second, not at once).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "emulator/core/base64.h"
#include "tests/engine_fixture.h"

namespace fanlab {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr const char* kTestFunction = FANLAB_TEST_FUNCTION;

class LambdaActionsTest : public testing::EngineFixture {
 protected:
  json::object Function(std::string name, std::vector<std::string> args) {
    json::array command{kTestFunction};
    for (auto& a : args) command.emplace_back(a);
    return {{"FunctionName", name}, {"Code", {{"Command", command}}}};
  }
};

TEST_F(LambdaActionsTest, ErrorsCarryLambdasNamespaceAndStatus) {
  transport::Reply r = Call("GetFunction", {{"FunctionName", "nope"}});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(json::parse(r.body).at("__type"),
            "com.amazonaws.lambda#ResourceNotFoundException");
}

TEST_F(LambdaActionsTest, CreateGetListUpdateDelete) {
  json::object f = Function("echo", {"echo"});
  f["Timeout"] = 10;
  f["MemorySize"] = 256;
  f["Mode"] = "warm";
  f["Environment"] = {{"Variables", {{"K", "v"}}}};
  json::object created = Ok("CreateFunction", f);
  EXPECT_EQ(created["FunctionName"], "echo");
  EXPECT_EQ(created["FunctionArn"],
            "arn:aws:lambda:us-east-1:000000000000:function:echo");
  EXPECT_EQ(created["Timeout"], 10);
  EXPECT_EQ(created["MemorySize"], 256);
  EXPECT_EQ(created["Mode"], "warm");
  EXPECT_EQ(created["Environment"].at("Variables").at("K"), "v");

  json::object got = Ok("GetFunction", {{"FunctionName", "echo"}});
  EXPECT_EQ(got["Configuration"].at("Timeout"), 10);
  EXPECT_EQ(got["Code"].at("Command").as_array().size(), 2u);
  EXPECT_FALSE(got.contains("Concurrency"));

  Ok("PutFunctionConcurrency",
     {{"FunctionName", "echo"}, {"ReservedConcurrentExecutions", 5}});
  got = Ok("GetFunction", {{"FunctionName", "echo"}});
  EXPECT_EQ(got["Concurrency"].at("ReservedConcurrentExecutions"), 5);
  Ok("DeleteFunctionConcurrency", {{"FunctionName", "echo"}});
  got = Ok("GetFunction", {{"FunctionName", "echo"}});
  EXPECT_FALSE(got.contains("Concurrency"));

  // An update changes only what it names.
  json::object updated = Ok("UpdateFunctionConfiguration",
                            {{"FunctionName", "echo"}, {"Timeout", 20}});
  EXPECT_EQ(updated["Timeout"], 20);
  EXPECT_EQ(updated["MemorySize"], 256);
  EXPECT_EQ(updated["Mode"], "warm");

  EXPECT_EQ(Ok("ListFunctions", json::object{})["Functions"].as_array().size(),
            1u);
  Ok("DeleteFunction", {{"FunctionName", "echo"}});
  EXPECT_EQ(Error("GetFunction", {{"FunctionName", "echo"}}).first,
            "ResourceNotFoundException");
}

TEST_F(LambdaActionsTest, BadRequestsNameWhatIsWrong) {
  EXPECT_EQ(Error("CreateFunction", json::object{}),
            std::make_pair(std::string("InvalidParameterValueException"),
                           std::string("The request must contain the "
                                       "parameter FunctionName.")));
  json::object bad_arg = Function("f", {});
  bad_arg["Code"].as_object()["Command"].as_array().emplace_back(3);
  EXPECT_EQ(Error("CreateFunction", bad_arg).second,
            "Field Code.Command[1] must be a string.");
  json::object bad_mode = Function("f", {"echo"});
  bad_mode["Mode"] = "lukewarm";
  EXPECT_EQ(Error("CreateFunction", bad_mode).second,
            "Mode 'lukewarm' must be cold or warm.");
  json::object bad_timeout = Function("f", {"echo"});
  bad_timeout["Timeout"] = "3";
  EXPECT_EQ(Error("CreateFunction", bad_timeout).first,
            "SerializationException");
  Ok("CreateFunction", Function("f", {"echo"}));
  EXPECT_EQ(Error("CreateFunction", Function("f", {"echo"})).first,
            "ResourceConflictException");
  EXPECT_EQ(Error("Invoke", {{"FunctionName", "f"}, {"LogType", "All"}}).second,
            "LogType 'All' must be None or Tail.");
  EXPECT_EQ(
      Error("Invoke", {{"FunctionName", "f"}, {"InvocationType", "Bogus"}})
          .first,
      "InvalidParameterValueException");
  EXPECT_EQ(Error("Invoke", {{"FunctionName", "nope"}}).first,
            "ResourceNotFoundException");
}

// The one integer rule (api/json_fields.h): Lambda used to refuse 2^62 and
// up as not an integer, and 5.0.
TEST_F(LambdaActionsTest, IntegersFollowTheOneRule) {
  json::object f = Function("f", {"echo"});
  f["Timeout"] = 5.0;
  EXPECT_EQ(Ok("CreateFunction", f)["Timeout"], 5);
  json::object g = Function("g", {"echo"});
  g["MemorySize"] = int64_t{1} << 62;
  EXPECT_EQ(Error("CreateFunction", g).first, "InvalidParameterValueException");
  g["MemorySize"] = json::parse("18446744073709551615");
  EXPECT_EQ(
      Error("CreateFunction", g),
      std::make_pair(std::string("SerializationException"),
                     std::string("Field MemorySize must be an integer.")));
}

TEST_F(LambdaActionsTest, InvokeReturnsThePayloadAndTheLogTail) {
  Ok("CreateFunction", Function("echo", {"echo"}));
  json::object r = Ok(
      "Invoke",
      {{"FunctionName", "echo"}, {"Payload", {{"n", 1}}}, {"LogType", "Tail"}});
  EXPECT_EQ(r["StatusCode"], 200);
  EXPECT_EQ(r["Payload"], R"({"n":1})");
  EXPECT_FALSE(r.contains("FunctionError"));
  EXPECT_TRUE(r.contains("LogResult"));
  // The payload may also be given as text.
  json::object text =
      Ok("Invoke", {{"FunctionName", "echo"}, {"Payload", "[1,2]"}});
  EXPECT_EQ(text["Payload"], "[1,2]");
  EXPECT_FALSE(text.contains("LogResult"));

  Ok("CreateFunction", Function("flood", {"flood-stdout", "100"}));
  json::object logs =
      Ok("Invoke", {{"FunctionName", "flood"}, {"LogType", "Tail"}});
  auto decoded = Base64Decode(std::string(logs["LogResult"].as_string()));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_FALSE(decoded->empty());

  json::object dry =
      Ok("Invoke", {{"FunctionName", "echo"}, {"InvocationType", "DryRun"}});
  EXPECT_EQ(dry["StatusCode"], 204);
}

TEST_F(LambdaActionsTest, FunctionErrorsAndThrottles) {
  Ok("CreateFunction", Function("fail", {"fail"}));
  json::object r = Ok("Invoke", {{"FunctionName", "fail"}});
  EXPECT_EQ(r["FunctionError"], "Unhandled");
  json::object payload =
      json::parse(std::string(r["Payload"].as_string())).as_object();
  EXPECT_EQ(payload["errorType"], "TestError");

  Ok("PutFunctionConcurrency",
     {{"FunctionName", "fail"}, {"ReservedConcurrentExecutions", 0}});
  EXPECT_EQ(Error("Invoke", {{"FunctionName", "fail"}}),
            std::make_pair(std::string("TooManyRequestsException"),
                           std::string("Rate Exceeded.")));
}

TEST_F(LambdaActionsTest, VirtualTimeFollowsRealTimeWhileAFunctionRuns) {
  json::object f = Function("slow", {"sleep", "100000"});
  f["Timeout"] = 1;
  Ok("CreateFunction", f);
  auto start = std::chrono::steady_clock::now();
  json::object r = Ok("Invoke", {{"FunctionName", "slow"}});
  auto took = std::chrono::steady_clock::now() - start;
  json::object payload =
      json::parse(std::string(r["Payload"].as_string())).as_object();
  EXPECT_EQ(payload["errorType"], "Sandbox.Timedout");
  // The deadline is a real second away, not skipped to at once (the
  // virtual clock jumps only when nothing runs); no upper bound asserted.
  EXPECT_GE(took, milliseconds(900));
}

TEST_F(LambdaActionsTest, EventSourceMappingsDeliverAndAnswerInLambdasShape) {
  Ok("CreateQueue",
     {{"QueueName", "jobs"}, {"Attributes", {{"VisibilityTimeout", "30"}}}});
  const std::string arn = "arn:aws:sqs:us-east-1:000000000000:jobs";
  json::object slow = Function("slow", {"echo"});
  slow["Timeout"] = 60;
  Ok("CreateFunction", slow);
  EXPECT_EQ(Error("CreateEventSourceMapping",
                  {{"EventSourceArn", arn}, {"FunctionName", "slow"}})
                .second,
            "Queue visibility timeout: 30 seconds is less than Function "
            "timeout: 60 seconds");
  Ok("CreateFunction", Function("echo", {"echo"}));
  json::object m = Ok("CreateEventSourceMapping",
                      {{"EventSourceArn", arn},
                       {"FunctionName", "echo"},
                       {"BatchSize", 5},
                       {"FunctionResponseTypes", {"ReportBatchItemFailures"}},
                       {"ScalingConfig", {{"MaximumConcurrency", 2}}}});
  EXPECT_EQ(m["State"], "Creating");
  EXPECT_EQ(m["BatchSize"], 5);
  EXPECT_EQ(m["FunctionResponseTypes"].as_array().size(), 1u);
  EXPECT_EQ(m["ScalingConfig"].at("MaximumConcurrency"), 2);
  std::string uuid(m["UUID"].as_string());

  // A message sent now is delivered and deleted by the mapping.
  Ok("SendMessage", {{"QueueUrl", "http://localhost/000000000000/jobs"},
                     {"MessageBody", "hello"}});
  for (int i = 0; i < 200; ++i) {
    json::object attrs = Ok("GetQueueAttributes",
                            {{"QueueUrl", "http://localhost/000000000000/jobs"},
                             {"AttributeNames", {"All"}}})["Attributes"]
                             .as_object();
    if (attrs["ApproximateNumberOfMessages"] == "0" &&
        attrs["ApproximateNumberOfMessagesNotVisible"] == "0") {
      break;
    }
    std::this_thread::sleep_for(milliseconds(10));  // the function runs
  }
  json::object attrs = Ok("GetQueueAttributes",
                          {{"QueueUrl", "http://localhost/000000000000/jobs"},
                           {"AttributeNames", {"All"}}})["Attributes"]
                           .as_object();
  EXPECT_EQ(attrs["ApproximateNumberOfMessages"], "0");
  EXPECT_EQ(attrs["ApproximateNumberOfMessagesNotVisible"], "0");

  json::object listed =
      Ok("ListEventSourceMappings", {{"FunctionName", "echo"}});
  EXPECT_EQ(listed["EventSourceMappings"].as_array().size(), 1u);
  json::object updated =
      Ok("UpdateEventSourceMapping", {{"UUID", uuid}, {"BatchSize", 3}});
  EXPECT_EQ(updated["BatchSize"], 3);
  EXPECT_EQ(updated["State"], "Enabled");
  EXPECT_EQ(Ok("DeleteEventSourceMapping", {{"UUID", uuid}})["State"],
            "Deleting");
  EXPECT_EQ(Error("GetEventSourceMapping", {{"UUID", uuid}}).first,
            "ResourceNotFoundException");
}

TEST_F(LambdaActionsTest, EventInvocationsRetryThenReachTheFailureQueue) {
  Ok("CreateQueue", {{"QueueName", "failures"}});
  Ok("CreateFunction", Function("fail", {"fail"}));
  json::object config = Ok(
      "PutFunctionEventInvokeConfig",
      {{"FunctionName", "fail"},
       {"MaximumRetryAttempts", 1},
       {"DestinationConfig",
        {{"OnFailure",
          {{"Destination", "arn:aws:sqs:us-east-1:000000000000:failures"}}}}}});
  EXPECT_EQ(config["MaximumRetryAttempts"], 1);
  EXPECT_EQ(config["MaximumEventAgeInSeconds"], 21600);
  EXPECT_EQ(Error("PutFunctionEventInvokeConfig",
                  {{"FunctionName", "fail"},
                   {"DestinationConfig",
                    {{"OnSuccess", {{"Destination", "arn:aws:s3:::bucket"}}}}}})
                .first,
            "InvalidParameterValueException");

  json::object r = Ok("Invoke", {{"FunctionName", "fail"},
                                 {"InvocationType", "Event"},
                                 {"Payload", {{"job", 1}}}});
  EXPECT_EQ(r["StatusCode"], 202);
  // The retry a minute later is instant on the virtual clock: each 20 s
  // long poll that ends empty moves virtual time on, until the record
  // lands in the queue.
  json::object got;
  for (int i = 0; i < 10 && !got.contains("Messages"); ++i) {
    got = Ok("ReceiveMessage",
             {{"QueueUrl", "http://localhost/000000000000/failures"},
              {"WaitTimeSeconds", 20}});
  }
  ASSERT_TRUE(got.contains("Messages")) << json::serialize(got);
  json::object record =
      json::parse(std::string(got["Messages"].at(0).at("Body").as_string()))
          .as_object();
  EXPECT_EQ(record["requestContext"].at("condition"), "RetriesExhausted");
  EXPECT_EQ(record["requestContext"].at("approximateInvokeCount"), 2);
  EXPECT_EQ(record["requestContext"].at("requestId"), r["RequestId"]);
  EXPECT_EQ(json::serialize(record["requestPayload"]), R"({"job":1})");
}

}  // namespace
}  // namespace fanlab
