// EventBridge's rule actions through the one dispatcher
// (emulator/api/schedule_actions.cc): the request and response shapes of
// PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule,
// PutTargets, RemoveTargets and ListTargetsByRule, their error bodies
// (com.amazonaws.events#..., HTTP 400), protocol faults, and a rule put
// over the API firing on the virtual clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "emulator/api/dispatcher.h"
#include "emulator/core/clock.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/ids.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/schedule_service.h"
#include "tests/api/dispatch_once.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using std::chrono::minutes;

constexpr std::string_view kEvents = "com.amazonaws.events#";
constexpr std::string_view kSerialization =
    "com.amazon.coral.service#SerializationException";
constexpr const char* kFunctionArn =
    "arn:aws:lambda:us-east-1:000000000000:function:";

const std::vector<std::string> kActions = {
    "DeleteRule", "DescribeRule", "DisableRule",
    "EnableRule", "ListRules",    "ListTargetsByRule",
    "PutRule",    "PutTargets",   "RemoveTargets"};

class ScheduleActionsTest : public ::testing::Test {
 protected:
  ScheduleActionsTest() {
    schedules_.SetDelivery(
        [this](const services::Target& t, const std::string& payload) {
          delivered_.push_back(t.id + " " + payload);
          return Status::Ok();
        });
  }

  ApiResponse Call(std::string_view action, std::string_view body) {
    return DispatchOnce(dispatcher_, action, body);
  }
  ApiResponse Call(std::string_view action, const json::object& body) {
    return Call(action, json::serialize(body));
  }

  json::object Ok(std::string_view action, const json::object& body) {
    ApiResponse r = Call(action, body);
    EXPECT_TRUE(r.ok) << action << " -> " << r.body;
    EXPECT_EQ(r.http_status, 200);
    return r.ok ? json::parse(r.body).as_object() : json::object{};
  }

  // Requires an error of type `name` in the events namespace (or the full
  // type when it holds a '#'); returns its message.
  std::string Error(std::string_view action, const json::value& body,
                    std::string_view name) {
    ApiResponse r =
        Call(action, body.is_object() ? json::serialize(body)
                                      : std::string(body.as_string()));
    EXPECT_FALSE(r.ok) << action << " unexpectedly succeeded: " << r.body;
    EXPECT_EQ(r.http_status, 400) << r.body;
    json::object e = json::parse(r.body).as_object();
    std::string type(e.at("__type").as_string());
    std::string want = name.find('#') == std::string_view::npos
                           ? std::string(kEvents) + std::string(name)
                           : std::string(name);
    EXPECT_EQ(type, want) << r.body;
    return std::string(e.at("message").as_string());
  }

  void PutRule(const std::string& name, const std::string& expression) {
    Ok("PutRule", {{"Name", name}, {"ScheduleExpression", expression}});
  }

  VirtualClock clock_;
  IdGenerator ids_{7};
  queue::QueueService queues_{clock_};
  services::ScheduleService schedules_{clock_, ids_};
  Dispatcher dispatcher_{Services{.sqs = queues_, .schedules = &schedules_}};
  std::vector<std::string> delivered_;
};

TEST_F(ScheduleActionsTest, ServesTheRuleActionsOnlyWithASchedulesService) {
  std::vector<std::string> served = dispatcher_.Actions();
  for (const std::string& action : kActions) {
    EXPECT_NE(std::find(served.begin(), served.end(), action), served.end())
        << action;
  }
  Dispatcher sqs_only(Services{.sqs = queues_});
  served = sqs_only.Actions();
  for (const std::string& action : kActions) {
    EXPECT_EQ(std::find(served.begin(), served.end(), action), served.end())
        << action;
  }
  int calls = 0;
  sqs_only.Dispatch("PutRule", R"({"Name":"r"})", [&](ApiResponse r) {
    ++calls;
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.code, common::kUnknownOperationException);
  });
  EXPECT_EQ(calls, 1);
}

TEST_F(ScheduleActionsTest, RuleLifecycleShapes) {
  json::object put =
      Ok("AWSEvents.PutRule",  // the X-Amz-Target form
         {{"Name", "nightly"},
          {"ScheduleExpression", "cron(0 2 * * ? *)"},
          {"State", "DISABLED"},
          {"Description", "the nightly run"},
          {"RoleArn", "arn:aws:iam::000000000000:role/r"},
          {"EventBusName", "default"},
          {"Tags", json::array{{{"Key", "team"}, {"Value", "data"}}}}});
  EXPECT_EQ(
      put,
      (json::object{
          {"RuleArn", "arn:aws:events:us-east-1:000000000000:rule/nightly"}}));

  json::object described = Ok("DescribeRule", {{"Name", "nightly"}});
  EXPECT_EQ(described,
            (json::object{
                {"Name", "nightly"},
                {"Arn", "arn:aws:events:us-east-1:000000000000:rule/nightly"},
                {"ScheduleExpression", "cron(0 2 * * ? *)"},
                {"State", "DISABLED"},
                {"Description", "the nightly run"},
                {"RoleArn", "arn:aws:iam::000000000000:role/r"},
                {"EventBusName", "default"},
                {"CreatedBy", "000000000000"}}));

  EXPECT_EQ(Ok("EnableRule", {{"Name", "nightly"}}), json::object{});
  EXPECT_EQ(Ok("DescribeRule", {{"Name", "nightly"}}).at("State"), "ENABLED");
  EXPECT_EQ(Ok("DisableRule", {{"Name", "nightly"}}), json::object{});

  PutRule("hourly", "rate(1 hour)");
  json::object list = Ok("ListRules", {});
  ASSERT_EQ(list.at("Rules").as_array().size(), 2u);
  EXPECT_FALSE(list.contains("NextToken"));
  EXPECT_EQ(list.at("Rules").as_array()[0],
            (json::object{
                {"Name", "hourly"},
                {"Arn", "arn:aws:events:us-east-1:000000000000:rule/hourly"},
                {"ScheduleExpression", "rate(1 hour)"},
                {"State", "ENABLED"},
                {"EventBusName", "default"}}));

  json::object page = Ok("ListRules", {{"Limit", 1}});
  ASSERT_EQ(page.at("Rules").as_array().size(), 1u);
  ASSERT_TRUE(page.contains("NextToken"));
  json::object rest =
      Ok("ListRules", {{"Limit", 1}, {"NextToken", page.at("NextToken")}});
  EXPECT_EQ(rest.at("Rules").as_array()[0].at("Name"), "nightly");
  EXPECT_EQ(
      Ok("ListRules", {{"NamePrefix", "night"}}).at("Rules").as_array().size(),
      1u);

  EXPECT_EQ(Ok("DeleteRule", {{"Name", "hourly"}, {"Force", false}}),
            json::object{});
  EXPECT_EQ(Ok("DeleteRule", {{"Name", "hourly"}}), json::object{});
  EXPECT_EQ(Error("DescribeRule", json::object{{"Name", "hourly"}},
                  "ResourceNotFoundException"),
            "Rule hourly does not exist on EventBus default.");
}

TEST_F(ScheduleActionsTest, TargetShapes) {
  PutRule("r", "rate(1 day)");
  json::object put = Ok(
      "PutTargets",
      {{"Rule", "r"},
       {"Targets",
        json::array{
            {{"Id", "fn"},
             {"Arn", std::string(kFunctionArn) + "worker"},
             {"Input", R"({"k":1})"}},
            {{"Id", "q"},
             {"Arn", "arn:aws:sqs:us-east-1:000000000000:jobs.fifo"},
             {"InputPath", "$.detail"},
             {"SqsParameters", {{"MessageGroupId", "g"}}}},
            {{"Id", "topic"}, {"Arn", "arn:aws:sns:us-east-1:000000000000:t"}},
            {{"Id", "xf"},
             {"Arn", std::string(kFunctionArn) + "worker"},
             {"InputTransformer", {{"InputTemplate", "\"x\""}}},
             {"RetryPolicy", nullptr}}}}});
  EXPECT_EQ(put.at("FailedEntryCount"), 2);
  json::array failed = put.at("FailedEntries").as_array();
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0].at("TargetId"), "topic");
  EXPECT_EQ(failed[0].at("ErrorCode"), "ValidationException");
  EXPECT_EQ(failed[1].at("TargetId"), "xf");
  EXPECT_EQ(failed[1].at("ErrorMessage"),
            "Target xf: fanlab does not support InputTransformer on schedule "
            "targets.");

  json::object list = Ok("ListTargetsByRule", {{"Rule", "r"}});
  EXPECT_EQ(
      list,
      (json::object{
          {"Targets",
           json::array{{{"Id", "fn"},
                        {"Arn", std::string(kFunctionArn) + "worker"},
                        {"Input", R"({"k":1})"}},
                       {{"Id", "q"},
                        {"Arn", "arn:aws:sqs:us-east-1:000000000000:jobs.fifo"},
                        {"InputPath", "$.detail"},
                        {"SqsParameters", {{"MessageGroupId", "g"}}}}}}}));
  json::object page = Ok("ListTargetsByRule", {{"Rule", "r"}, {"Limit", 1}});
  EXPECT_EQ(page.at("NextToken"), "q");

  EXPECT_EQ(
      Error("DeleteRule", json::object{{"Name", "r"}}, "ValidationException"),
      "Rule can't be deleted since it has targets.");
  json::object removed =
      Ok("RemoveTargets", {{"Rule", "r"}, {"Ids", json::array{"fn", "q"}}});
  EXPECT_EQ(removed, (json::object{{"FailedEntryCount", 0},
                                   {"FailedEntries", json::array{}}}));
  EXPECT_EQ(Ok("DeleteRule", {{"Name", "r"}}), json::object{});
}

TEST_F(ScheduleActionsTest, ARulePutOverTheApiFiresOnTheVirtualClock) {
  PutRule("tick", "cron(0/1 * * * ? *)");
  Ok("PutTargets",
     {{"Rule", "tick"},
      {"Targets", json::array{{{"Id", "f"},
                               {"Arn", std::string(kFunctionArn) + "f"},
                               {"InputPath", "$.time"}}}}});
  clock_.AdvanceTo(VirtualClock::kDefaultStart + minutes(3));
  EXPECT_EQ(delivered_,
            (std::vector<std::string>{"f \"2026-01-01T00:01:00Z\"",
                                      "f \"2026-01-01T00:02:00Z\"",
                                      "f \"2026-01-01T00:03:00Z\""}));
}

TEST_F(ScheduleActionsTest, ServiceErrorsCarryEventBridgeNames) {
  EXPECT_EQ(Error("PutRule",
                  json::object{{"Name", "r"},
                               {"ScheduleExpression", "cron(0 0 * * * *)"}},
                  "ValidationException"),
            "Parameter ScheduleExpression is not valid. cron(0 0 * * * *): "
            "one of day-of-month and day-of-week must be '?' (you can't "
            "specify both).");
  EXPECT_EQ(Error("PutRule",
                  json::object{{"Name", "r"},
                               {"EventPattern", R"({"source":["x"]})"}},
                  "ValidationException"),
            "Only schedule rules are supported: fanlab does not match "
            "EventPattern (give a ScheduleExpression instead).");
  EXPECT_EQ(Error("PutRule",
                  json::object{{"Name", "r"},
                               {"ScheduleExpression", "rate(1 day)"},
                               {"EventBusName", "orders"}},
                  "ResourceNotFoundException"),
            "Event bus orders does not exist.");
  for (const char* action : {"EnableRule", "DisableRule", "DescribeRule"}) {
    EXPECT_EQ(Error(action, json::object{{"Name", "nope"}},
                    "ResourceNotFoundException"),
              "Rule nope does not exist on EventBus default.");
  }
  for (const char* action : {"RemoveTargets", "ListTargetsByRule"}) {
    EXPECT_EQ(Error(action, json::object{{"Rule", "nope"}, {"Ids", {"a"}}},
                    "ResourceNotFoundException"),
              "Rule nope does not exist on EventBus default.");
  }
  EXPECT_EQ(
      Error("PutTargets",
            json::object{{"Rule", "nope"},
                         {"Targets", json::array{{{"Id", "a"}, {"Arn", "x"}}}}},
            "ResourceNotFoundException"),
      "Rule nope does not exist on EventBus default.");
  EXPECT_EQ(
      Error("ListRules", json::object{{"Limit", 0}}, "ValidationException"),
      "1 validation error detected: Value '0' at 'limit' failed to "
      "satisfy constraint: Member must have value greater than or "
      "equal to 1");
}

TEST_F(ScheduleActionsTest, MissingRequiredFieldsAreValidationErrors) {
  auto not_null = [](std::string_view member) {
    return "1 validation error detected: Value null at '" +
           std::string(member) +
           "' failed to satisfy constraint: Member must not be null";
  };
  for (const char* action :
       {"PutRule", "DescribeRule", "DeleteRule", "EnableRule", "DisableRule"}) {
    EXPECT_EQ(Error(action, json::object{}, "ValidationException"),
              not_null("name"))
        << action;
  }
  for (const char* action :
       {"PutTargets", "RemoveTargets", "ListTargetsByRule"}) {
    EXPECT_EQ(Error(action, json::object{}, "ValidationException"),
              not_null("rule"))
        << action;
  }
  PutRule("r", "rate(1 day)");
  EXPECT_EQ(
      Error("PutTargets", json::object{{"Rule", "r"}}, "ValidationException"),
      not_null("targets"));
  EXPECT_EQ(Error("RemoveTargets", json::object{{"Rule", "r"}},
                  "ValidationException"),
            not_null("ids"));
  EXPECT_EQ(
      Error("PutRule", json::object{{"Name", "r"}}, "ValidationException"),
      "Parameter(s) EventPattern or ScheduleExpression must be "
      "specified.");
}

TEST_F(ScheduleActionsTest, WrongTypesAreSerializationErrors) {
  struct Case {
    const char* action;
    json::value body;
    const char* message;
  };
  const Case cases[] = {
      {"PutRule", json::object{{"Name", 5}}, "Field Name must be a string."},
      {"PutRule",
       json::object{{"Name", "r"}, {"ScheduleExpression", json::array{}}},
       "Field ScheduleExpression must be a string."},
      {"PutRule", json::object{{"Name", "r"}, {"Tags", "x"}},
       "Field Tags must be a list of objects."},
      {"PutRule",
       json::object{{"Name", "r"},
                    {"Tags", json::array{{{"Key", 1}, {"Value", "v"}}}}},
       "Field Tags[0].Key must be a string."},
      {"DeleteRule", json::object{{"Name", "r"}, {"Force", "yes"}},
       "Field Force must be a boolean."},
      {"ListRules", json::object{{"Limit", "10"}},
       "Field Limit must be an integer."},
      {"PutTargets", json::object{{"Rule", "r"}, {"Targets", "x"}},
       "Field Targets must be a list of objects."},
      {"PutTargets", json::object{{"Rule", "r"}, {"Targets", json::array{1}}},
       "Field Targets[0] must be an object."},
      {"PutTargets",
       json::object{{"Rule", "r"},
                    {"Targets", json::array{{{"Id", "a"}, {"Arn", true}}}}},
       "Field Targets[0].Arn must be a string."},
      {"PutTargets",
       json::object{
           {"Rule", "r"},
           {"Targets", json::array{{{"Id", "a"}, {"SqsParameters", 3}}}}},
       "Field Targets[0].SqsParameters must be an object."},
      {"RemoveTargets", json::object{{"Rule", "r"}, {"Ids", json::array{1}}},
       "Field Ids[0] must be a string."},
      {"DescribeRule", json::string("[1,2]"),
       "The request body must be a JSON object."},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Error(c.action, c.body, kSerialization), c.message) << c.action;
  }
  ApiResponse malformed = Call("PutRule", std::string_view("{\"Name\":"));
  EXPECT_FALSE(malformed.ok);
  EXPECT_EQ(malformed.code, common::kSerializationException);
}

TEST_F(ScheduleActionsTest, AnEmptyBodyIsAnEmptyRequest) {
  PutRule("r", "rate(1 day)");
  ApiResponse r = Call("ListRules", std::string_view(""));
  ASSERT_TRUE(r.ok) << r.body;
  EXPECT_EQ(json::parse(r.body).at("Rules").as_array().size(), 1u);
}

}  // namespace
}  // namespace fanlab::api
