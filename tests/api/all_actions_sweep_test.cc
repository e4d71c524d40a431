// Every action of every service the dispatcher serves (Lambda's apart: they
// need processes, and lambda_actions_test sweeps them) against a sweep of
// malformed bodies and of every field name set to every JSON type: each
// call answers exactly once, never crashes, and an error is a well-formed
// body whose __type names a known error (never InternalError: a client's
// input is never the emulator's fault).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "emulator/api/error_registry.h"
#include "emulator/api/in_process_services.h"
#include "emulator/compute/lambda_errors.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/status.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;

// The fields the services read, across all of them.
const char* const kFields[] = {"Bucket",
                               "Key",
                               "Body",
                               "Range",
                               "Prefix",
                               "Delimiter",
                               "MaxKeys",
                               "ContinuationToken",
                               "StartAfter",
                               "Metadata",
                               "ContentType",
                               "TableName",
                               "Item",
                               "Key",
                               "AttributeDefinitions",
                               "KeySchema",
                               "BillingMode",
                               "ConditionExpression",
                               "UpdateExpression",
                               "KeyConditionExpression",
                               "FilterExpression",
                               "ProjectionExpression",
                               "ExpressionAttributeNames",
                               "ExpressionAttributeValues",
                               "ReturnValues",
                               "Limit",
                               "ExclusiveStartKey",
                               "ScanIndexForward",
                               "Select",
                               "Name",
                               "TopicArn",
                               "TargetArn",
                               "Protocol",
                               "Endpoint",
                               "Attributes",
                               "Message",
                               "Subject",
                               "PhoneNumber",
                               "MessageStructure",
                               "MessageAttributes",
                               "PublishBatchRequestEntries",
                               "SubscriptionArn",
                               "AttributeName",
                               "AttributeValue",
                               "ScheduleExpression",
                               "State",
                               "Rule",
                               "Targets",
                               "Ids",
                               "NamePrefix",
                               "Method",
                               "Path",
                               "FunctionName",
                               "ApiKeyRequired",
                               "ApiKeys",
                               "StatusCode",
                               "QueueUrl",
                               "QueueName",
                               "Entries",
                               "NextToken"};

std::vector<json::value> Values() {
  return {json::value(nullptr),
          json::value(true),
          json::value(-1),
          json::value(0),
          json::value(1e300),
          json::value(""),
          json::value("x"),
          json::value(std::string(5000, 'a')),
          json::value(json::array{}),
          json::parse(R"([1,"a",null])"),
          json::value(json::object{}),
          json::parse(R"({"S":1})"),
          json::parse(R"({"a":{"b":[]}})")};
}

// Every service but Lambda's, on a virtual clock, behind one dispatcher.
// Two built alike answer a sequence of calls alike.
class Emulator {
 public:
  // The answer, which must come exactly once.
  ApiResponse Call(std::string_view action, std::string_view body) {
    int answers = 0;
    ApiResponse response;
    services_.dispatcher().Dispatch(action, body, [&](ApiResponse r) {
      ++answers;
      response = std::move(r);
    });
    EXPECT_EQ(answers, 1) << action << " " << body;
    return response;
  }

  // Some resources, so that requests get past the lookups.
  void AddResources() {
    ASSERT_TRUE(services_.buckets().CreateBucket("bkt").ok());
    ApiResponse table = Call(
        "CreateTable",
        R"({"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",)"
        R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],)"
        R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]})");
    ASSERT_TRUE(table.ok) << table.body;
    ASSERT_TRUE(services_.topics().CreateTopic("tpc").ok());
  }

  Dispatcher& dispatcher() { return services_.dispatcher(); }

 private:
  InProcessServices services_;
};

// A body naming the resources Emulator::AddResources made.
json::object BaseBody() {
  return {{"Bucket", "bkt"},
          {"TableName", "tbl"},
          {"TopicArn", "arn:aws:sns:us-east-1:000000000000:tpc"},
          {"Name", "n"},
          {"Rule", "n"},
          {"Key", {{"pk", {{"S", "a"}}}}},
          {"Item", {{"pk", {{"S", "a"}}}}}};
}

class AllActionsSweepTest : public ::testing::Test {
 protected:
  // Dispatches and checks the answer's form.
  void Check(const std::string& action, const std::string& body) {
    ApiResponse response = emulator_.Call(action, body);
    boost::system::error_code ec;
    json::value v = json::parse(response.body, ec);
    ASSERT_FALSE(ec) << action << " " << body << " -> " << response.body;
    if (response.ok) return;
    ASSERT_TRUE(v.is_object() && v.as_object().contains("__type"))
        << action << " " << body << " -> " << response.body;
    std::string type(v.at("__type").as_string());
    std::string name = type.substr(type.find('#') + 1);
    EXPECT_NE(api::FindError(name), ErrorCode::kOk)
        << action << " " << body << " -> " << response.body;
    EXPECT_NE(response.code, common::kInternalError)
        << action << " " << body << " -> " << response.body;
  }

  std::vector<std::string> Actions() {
    return emulator_.dispatcher().Actions();
  }

  Emulator emulator_;
};

TEST_F(AllActionsSweepTest, MalformedBodiesAreAnsweredOnceWithAKnownError) {
  const std::vector<std::string> bodies = {
      "",         "{}",
      "[]",       "null",
      "1",        "\"s\"",
      "{",        "{\"a\":",
      "{}{}",     std::string("{\"\0\":1}", 8),
      "\xff\xfe", "{\"a\":[[[[[[[[[[]]]]]]]]]]}"};
  size_t calls = 0;
  for (const std::string& action : Actions()) {
    for (const std::string& body : bodies) {
      Check(action, body);
      ++calls;
    }
  }
  EXPECT_GT(calls, 60u * bodies.size());  // every service's actions ran
}

TEST_F(AllActionsSweepTest, EveryFieldOfEveryTypeIsAnsweredOnce) {
  emulator_.AddResources();
  const json::object base = BaseBody();
  std::vector<json::value> values = Values();
  for (const std::string& action : Actions()) {
    for (const char* field : kFields) {
      for (const json::value& v : values) {
        json::object body = base;
        body[field] = v;
        Check(action, json::serialize(body));
      }
    }
  }
}

// Null means absent, in every service: each field set to null is answered
// as if it were left out (two emulators, built alike, answer in lockstep).
TEST(AllActionsNullTest, ANullFieldIsAnAbsentField) {
  Emulator with_null, without;
  with_null.AddResources();
  without.AddResources();
  json::object base = BaseBody();
  base["Message"] = "m";  // so that Publish gets to its optional fields
  for (const std::string& action : with_null.dispatcher().Actions()) {
    for (const char* field : kFields) {
      json::object nulled = base;
      nulled[field] = nullptr;
      json::object left_out = base;
      left_out.erase(field);
      ApiResponse a = with_null.Call(action, json::serialize(nulled));
      ApiResponse b = without.Call(action, json::serialize(left_out));
      EXPECT_EQ(a.ok, b.ok)
          << action << " " << field << ": " << a.body << " vs " << b.body;
      if (!a.ok || !b.ok) {
        EXPECT_EQ(a.body, b.body) << action << " " << field;
      }
    }
  }
}

// One integer rule in every service: JSON integers and integral numbers
// (2.0) within int64 are integers; 2.5, 1e19 and 2^64 - 1 are not (S3 used
// to clamp 2^64 - 1, the others refused 2^62 and up, the HTTP actions 2.0).
TEST(AllActionsIntegerTest, EveryServiceReadsIntegersAlike) {
  struct Case {
    const char* action;
    const char* field;
  };
  const Case cases[] = {
      {"ListQueues", "MaxResults"},
      {"ListBuckets", "MaxBuckets"},
      {"ListObjectsV2", "MaxKeys"},
      {"ListTables", "Limit"},
      {"Scan", "Limit"},
      {"ListRules", "Limit"},
      {"ListTargetsByRule", "Limit"},
      {"CreateSink", "StatusCode"},
  };
  Emulator emulator;
  emulator.AddResources();
  for (const Case& c : cases) {
    for (const char* integer : {"2", "2.0", "4611686018427387904"}) {
      json::object body = BaseBody();
      body[c.field] = json::parse(integer);
      ApiResponse r = emulator.Call(c.action, json::serialize(body));
      EXPECT_NE(r.code, common::kSerializationException)
          << c.action << " " << c.field << "=" << integer << ": " << r.body;
    }
    for (const char* not_integer :
         {"2.5", "1e19", "9223372036854775808", "18446744073709551615"}) {
      json::object body = BaseBody();
      body[c.field] = json::parse(not_integer);
      ApiResponse r = emulator.Call(c.action, json::serialize(body));
      EXPECT_EQ(r.code, common::kSerializationException)
          << c.action << " " << c.field << "=" << not_integer << ": " << r.body;
      EXPECT_NE(
          r.body.find("Field " + std::string(c.field) + " must be an integer."),
          std::string::npos)
          << r.body;
    }
  }
}

}  // namespace
}  // namespace fanlab::api
