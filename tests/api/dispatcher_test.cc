// The action dispatcher (emulator/api/dispatcher.h) end to end through JSON:
// every SQS action with AWS's JSON 1.0 request and response shapes, the
// error bodies ({"__type", "message"} plus HTTP status and query error),
// protocol faults (SerializationException naming the field path,
// UnknownOperationException), long polls that answer later, and a sweep of
// garbage bodies that must each get exactly one answer.
#include "emulator/api/dispatcher.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/status.h"
#include "emulator/queue/queue_service.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::api::testing {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

constexpr std::string_view kUrlBase = "http://localhost/000000000000/";
constexpr std::string_view kSqsType = "com.amazonaws.sqs#";
constexpr std::string_view kSerialization =
    "com.amazon.coral.service#SerializationException";
constexpr std::string_view kUnknownOperation =
    "com.amazon.coral.service#UnknownOperationException";

// The 18 SQS actions the dispatcher serves.
const std::vector<std::string>& AllActions() {
  static const std::vector<std::string> actions = {
      "ChangeMessageVisibility",
      "ChangeMessageVisibilityBatch",
      "CreateQueue",
      "DeleteMessage",
      "DeleteMessageBatch",
      "DeleteQueue",
      "GetQueueAttributes",
      "GetQueueUrl",
      "ListDeadLetterSourceQueues",
      "ListQueueTags",
      "ListQueues",
      "PurgeQueue",
      "ReceiveMessage",
      "SendMessage",
      "SendMessageBatch",
      "SetQueueAttributes",
      "TagQueue",
      "UntagQueue",
  };
  return actions;
}

std::string J(const json::object& o) { return json::serialize(o); }

// A response that may arrive later (a parked long poll).
struct Pending {
  int calls = 0;
  ApiResponse response;
};

class DispatcherTest : public ::testing::Test {
 protected:
  // Dispatches and requires the callback to have run exactly once, before
  // Dispatch returned.
  ApiResponse Call(std::string_view action, std::string_view body) {
    int calls = 0;
    ApiResponse out;
    dispatcher_.Dispatch(action, body, [&](ApiResponse r) {
      ++calls;
      out = std::move(r);
    });
    EXPECT_EQ(calls, 1) << action << " " << body;
    return out;
  }
  ApiResponse Call(std::string_view action, const json::object& body) {
    return Call(action, J(body));
  }

  // Dispatches without requiring an answer yet (long polls).
  std::shared_ptr<Pending> Start(std::string_view action,
                                 const json::object& body) {
    auto p = std::make_shared<Pending>();
    dispatcher_.Dispatch(action, J(body), [p](ApiResponse r) {
      ++p->calls;
      p->response = std::move(r);
    });
    return p;
  }

  // The response body as an object (fails the test when it is not one).
  static json::object Body(const ApiResponse& r) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    EXPECT_FALSE(ec) << "not JSON: " << r.body;
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << r.body;
      return {};
    }
    return v.as_object();
  }

  // Calls and requires success; returns the body.
  json::object Ok(std::string_view action, const json::object& body) {
    ApiResponse r = Call(action, body);
    EXPECT_TRUE(r.ok) << action << " -> " << r.body;
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.code, ErrorCode::kOk);
    return Body(r);
  }

  // Requires an error of JSON type `type` (full "__type"); returns the
  // error message.
  static std::string ExpectError(const ApiResponse& r, std::string_view type) {
    EXPECT_FALSE(r.ok) << r.body;
    json::object b = Body(r);
    EXPECT_TRUE(b.contains("__type")) << r.body;
    EXPECT_TRUE(b.contains("message")) << r.body;
    if (b.contains("__type") && b.at("__type").is_string()) {
      EXPECT_EQ(std::string_view(b.at("__type").as_string()), type) << r.body;
    }
    if (b.contains("message") && b.at("message").is_string()) {
      return std::string(b.at("message").as_string());
    }
    return "";
  }
  static std::string ExpectSqsError(const ApiResponse& r,
                                    std::string_view name) {
    return ExpectError(r, std::string(kSqsType) + std::string(name));
  }

  std::string CreateQueue(const std::string& name,
                          const json::object& attributes = {}) {
    json::object req{{"QueueName", name}};
    if (!attributes.empty()) req["Attributes"] = attributes;
    json::object b = Ok("CreateQueue", req);
    EXPECT_TRUE(b.contains("QueueUrl")) << J(b);
    return b.contains("QueueUrl") ? std::string(b.at("QueueUrl").as_string())
                                  : "";
  }

  json::object Send(const std::string& url, const std::string& body) {
    return Ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", body}});
  }

  // ReceiveMessage (no wait) with extra fields; returns "Messages" (empty
  // when absent).
  json::array Receive(const std::string& url, json::object extra = {}) {
    extra["QueueUrl"] = url;
    if (!extra.contains("MaxNumberOfMessages")) {
      extra["MaxNumberOfMessages"] = 10;
    }
    json::object b = Ok("ReceiveMessage", extra);
    if (!b.contains("Messages")) return {};
    EXPECT_TRUE(b.at("Messages").is_array());
    return b.at("Messages").as_array();
  }

  std::string Attribute(const std::string& url, const std::string& name) {
    json::object b = Ok("GetQueueAttributes",
                        {{"QueueUrl", url}, {"AttributeNames", {name}}});
    if (!b.contains("Attributes")) return "<none>";
    const auto& attrs = b.at("Attributes").as_object();
    auto it = attrs.find(name);
    return it == attrs.end() ? "<none>" : std::string(it->value().as_string());
  }

  static std::string Str(const json::value& v, std::string_view key) {
    if (!v.is_object() || !v.as_object().contains(key) ||
        !v.as_object().at(key).is_string()) {
      ADD_FAILURE() << "no string " << key << " in " << json::serialize(v);
      return "";
    }
    return std::string(v.as_object().at(key).as_string());
  }

  VirtualClock clock_;
  queue::QueueService sqs_{clock_};
  Dispatcher dispatcher_{sqs_};
};

// ------------------------------------------------------------- actions

TEST_F(DispatcherTest, QualifiedAndTargetFormsNameTheService) {
  ApiResponse r = Call("sqs:CreateQueue", R"({"QueueName":"qualified"})");
  EXPECT_TRUE(r.ok) << r.body;
  EXPECT_EQ(r.service, ApiService::kSqs);
  r = Call("AmazonSQS.GetQueueUrl", R"({"QueueName":"qualified"})");
  EXPECT_TRUE(r.ok) << r.body;
  // The right name in the wrong service is not that service's action.
  r = Call("sns:CreateQueue", "{}");
  EXPECT_EQ(r.code, common::kUnknownOperationException);
  r = Call("sqs:Publish", "{}");
  EXPECT_NE(r.body.find("Unknown action 'Publish' for sqs."), std::string::npos)
      << r.body;
  r = Call("AWSEvents.CreateQueue", "{}");
  EXPECT_EQ(r.code, common::kUnknownOperationException);
  r = Call("nosuch:CreateQueue", "{}");
  EXPECT_EQ(r.code, common::kUnknownOperationException);
  EXPECT_NE(r.body.find("Unknown service 'nosuch'"), std::string::npos);
  // A service this engine does not serve.
  r = Call("lambda:Invoke", "{}");
  EXPECT_EQ(r.code, common::kUnknownOperationException);
  EXPECT_NE(r.body.find("does not serve"), std::string::npos);
}

TEST_F(DispatcherTest, ARequestCarriesItsCallerAndEndpoint) {
  ApiRequest request;
  request.action = "CreateQueue";
  request.service = ApiService::kSqs;
  request.body = R"({"QueueName":"where"})";
  request.access_key_id = "AKIDCALLER";
  request.endpoint = "http://127.0.0.1:4566";
  std::optional<ApiResponse> out;
  dispatcher_.Dispatch(request, [&](ApiResponse r) { out = std::move(r); });
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(json::parse(out->body).at("QueueUrl"),
            "http://127.0.0.1:4566/000000000000/where");
  // Without an endpoint, the queue service's own URLs.
  ApiResponse r = Call("GetQueueUrl", R"({"QueueName":"where"})");
  EXPECT_EQ(json::parse(r.body).at("QueueUrl"),
            "http://localhost/000000000000/where");
  request.action = "ListQueues";
  request.body = "{}";
  dispatcher_.Dispatch(request, [&](ApiResponse x) { out = std::move(x); });
  EXPECT_EQ(json::parse(out->body).at("QueueUrls").at(0),
            "http://127.0.0.1:4566/000000000000/where");
}

TEST_F(DispatcherTest, ActionsListsTheEighteenSqsActions) {
  std::vector<std::string> got = dispatcher_.Actions();
  std::set<std::string> got_set(got.begin(), got.end());
  std::set<std::string> want(AllActions().begin(), AllActions().end());
  EXPECT_EQ(got_set, want);
  EXPECT_EQ(got.size(), 18u);
}

TEST_F(DispatcherTest, CreateQueueWithAttributesAndTags) {
  json::object b =
      Ok("CreateQueue",
         {{"QueueName", "orders"},
          {"Attributes", {{"VisibilityTimeout", "45"}, {"DelaySeconds", "2"}}},
          {"tags", {{"team", "payments"}, {"env", "test"}}}});
  ASSERT_TRUE(b.contains("QueueUrl"));
  const std::string url(b.at("QueueUrl").as_string());
  EXPECT_EQ(url, std::string(kUrlBase) + "orders");
  EXPECT_EQ(b.size(), 1u) << J(b);

  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "45");
  EXPECT_EQ(Attribute(url, "DelaySeconds"), "2");
  EXPECT_EQ(Attribute(url, "QueueArn"),
            "arn:aws:sqs:us-east-1:000000000000:orders");

  json::object tags = Ok("ListQueueTags", {{"QueueUrl", url}});
  ASSERT_TRUE(tags.contains("Tags")) << J(tags);
  EXPECT_EQ(tags.at("Tags"),
            json::value(json::object{{"env", "test"}, {"team", "payments"}}));

  // Same attributes: idempotent, same URL.
  json::object again = Ok(
      "CreateQueue",
      {{"QueueName", "orders"}, {"Attributes", {{"VisibilityTimeout", "45"}}}});
  EXPECT_EQ(Str(again, "QueueUrl"), url);

  // Different attributes: QueueNameExists, QueueAlreadyExists on the wire.
  ApiResponse clash = Call(
      "CreateQueue",
      {{"QueueName", "orders"}, {"Attributes", {{"VisibilityTimeout", "46"}}}});
  ExpectSqsError(clash, "QueueNameExists");
  EXPECT_EQ(clash.code, sqs::kQueueNameExists);
  EXPECT_EQ(clash.http_status, 400);
  EXPECT_EQ(clash.query_error, "QueueAlreadyExists;Sender");
}

TEST_F(DispatcherTest, CreateQueueRejectsABadNameAsInvalidParameterValue) {
  ApiResponse r = Call("CreateQueue", {{"QueueName", "bad name!"}});
  ExpectSqsError(r, "InvalidParameterValue");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.query_error, "InvalidParameterValue;Sender");
}

TEST_F(DispatcherTest, GetQueueUrl) {
  const std::string url = CreateQueue("jobs");
  json::object b = Ok("GetQueueUrl", {{"QueueName", "jobs"}});
  EXPECT_EQ(Str(b, "QueueUrl"), url);
  json::object owned =
      Ok("GetQueueUrl",
         {{"QueueName", "jobs"}, {"QueueOwnerAWSAccountId", "000000000000"}});
  EXPECT_EQ(Str(owned, "QueueUrl"), url);

  ApiResponse missing = Call("GetQueueUrl", {{"QueueName", "nope"}});
  ExpectSqsError(missing, "QueueDoesNotExist");
  EXPECT_EQ(missing.query_error,
            "AWS.SimpleQueueService.NonExistentQueue;Sender");
}

TEST_F(DispatcherTest, ListQueuesWithPrefixMaxResultsAndNextToken) {
  for (const char* name : {"a-1", "a-2", "a-3", "b-1"}) CreateQueue(name);

  json::object all = Ok("ListQueues", json::object{});
  ASSERT_TRUE(all.contains("QueueUrls"));
  EXPECT_EQ(all.at("QueueUrls").as_array().size(), 4u);
  EXPECT_FALSE(all.contains("NextToken"));

  json::object page1 =
      Ok("ListQueues", {{"QueueNamePrefix", "a-"}, {"MaxResults", 2}});
  ASSERT_TRUE(page1.contains("QueueUrls"));
  const auto& urls1 = page1.at("QueueUrls").as_array();
  ASSERT_EQ(urls1.size(), 2u);
  EXPECT_EQ(urls1[0], json::value(std::string(kUrlBase) + "a-1"));
  EXPECT_EQ(urls1[1], json::value(std::string(kUrlBase) + "a-2"));
  ASSERT_TRUE(page1.contains("NextToken")) << J(page1);
  ASSERT_TRUE(page1.at("NextToken").is_string());

  json::object page2 = Ok("ListQueues", {{"QueueNamePrefix", "a-"},
                                         {"MaxResults", 2},
                                         {"NextToken", page1.at("NextToken")}});
  ASSERT_TRUE(page2.contains("QueueUrls"));
  const auto& urls2 = page2.at("QueueUrls").as_array();
  ASSERT_EQ(urls2.size(), 1u);
  EXPECT_EQ(urls2[0], json::value(std::string(kUrlBase) + "a-3"));
  EXPECT_FALSE(page2.contains("NextToken"));

  ExpectSqsError(Call("ListQueues", {{"MaxResults", 0}}),
                 "InvalidParameterValue");
}

TEST_F(DispatcherTest, DeleteQueue) {
  const std::string url = CreateQueue("doomed");
  json::object b = Ok("DeleteQueue", {{"QueueUrl", url}});
  EXPECT_TRUE(b.empty()) << J(b);
  ExpectSqsError(Call("GetQueueUrl", {{"QueueName", "doomed"}}),
                 "QueueDoesNotExist");
  ExpectSqsError(Call("DeleteQueue", {{"QueueUrl", url}}), "QueueDoesNotExist");
}

TEST_F(DispatcherTest, PurgeQueue) {
  const std::string url = CreateQueue("purged");
  Send(url, "one");
  Send(url, "two");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "2");
  json::object b = Ok("PurgeQueue", {{"QueueUrl", url}});
  EXPECT_TRUE(b.empty()) << J(b);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_TRUE(Receive(url).empty());
  ExpectSqsError(Call("PurgeQueue", {{"QueueUrl", url}}),
                 "PurgeQueueInProgress");
}

TEST_F(DispatcherTest, GetAndSetQueueAttributes) {
  const std::string url = CreateQueue("attrs");
  json::object set =
      Ok("SetQueueAttributes",
         {{"QueueUrl", url},
          {"Attributes",
           {{"VisibilityTimeout", "120"}, {"MessageRetentionPeriod", "600"}}}});
  EXPECT_TRUE(set.empty()) << J(set);

  json::object some =
      Ok("GetQueueAttributes",
         {{"QueueUrl", url},
          {"AttributeNames", {"VisibilityTimeout", "MessageRetentionPeriod"}}});
  ASSERT_TRUE(some.contains("Attributes"));
  EXPECT_EQ(some.at("Attributes"),
            json::value(json::object{{"MessageRetentionPeriod", "600"},
                                     {"VisibilityTimeout", "120"}}));

  json::object all = Ok("GetQueueAttributes",
                        {{"QueueUrl", url}, {"AttributeNames", {"All"}}});
  ASSERT_TRUE(all.contains("Attributes"));
  const auto& attrs = all.at("Attributes").as_object();
  EXPECT_TRUE(attrs.contains("QueueArn"));
  EXPECT_TRUE(attrs.contains("ApproximateNumberOfMessages"));
  EXPECT_EQ(attrs.at("VisibilityTimeout"), json::value("120"));
  for (const auto& kv : attrs) {
    EXPECT_TRUE(kv.value().is_string()) << kv.key();
  }

  ExpectSqsError(Call("SetQueueAttributes",
                      {{"QueueUrl", url},
                       {"Attributes", {{"VisibilityTimeout", "43201"}}}}),
                 "InvalidAttributeValue");
  ExpectSqsError(
      Call("GetQueueAttributes",
           {{"QueueUrl", url}, {"AttributeNames", {"NoSuchAttribute"}}}),
      "InvalidAttributeName");
}

TEST_F(DispatcherTest, SendMessageWithStringNumberAndBinaryAttributes) {
  const std::string url = CreateQueue("typed");
  const std::string raw("\x00\x01\xfe\xff", 4);
  const std::string b64 = "AAH+/w==";
  json::object sent =
      Ok("SendMessage",
         {{"QueueUrl", url},
          {"MessageBody", "hello"},
          {"MessageAttributes",
           {{"s", {{"DataType", "String"}, {"StringValue", "text"}}},
            {"n", {{"DataType", "Number"}, {"StringValue", "-12.5e3"}}},
            {"b", {{"DataType", "Binary"}, {"BinaryValue", b64}}}}}});
  EXPECT_EQ(Str(sent, "MD5OfMessageBody"), "5d41402abc4b2a76b9719d911017c592");
  const std::string message_id = Str(sent, "MessageId");
  EXPECT_EQ(message_id.size(), 36u);
  const std::string md5_attrs = Str(sent, "MD5OfMessageAttributes");
  EXPECT_EQ(md5_attrs.size(), 32u);
  EXPECT_FALSE(sent.contains("SequenceNumber"));

  json::array got = Receive(url, {{"MessageAttributeNames", {"All"}}});
  ASSERT_EQ(got.size(), 1u);
  const json::object& m = got[0].as_object();
  EXPECT_EQ(Str(m, "MessageId"), message_id);
  EXPECT_EQ(Str(m, "Body"), "hello");
  EXPECT_EQ(Str(m, "MD5OfBody"), "5d41402abc4b2a76b9719d911017c592");
  EXPECT_FALSE(Str(m, "ReceiptHandle").empty());
  EXPECT_EQ(Str(m, "MD5OfMessageAttributes"), md5_attrs);
  ASSERT_TRUE(m.contains("MessageAttributes"));
  const json::object& attrs = m.at("MessageAttributes").as_object();
  EXPECT_EQ(attrs.at("s"), json::value(json::object{{"DataType", "String"},
                                                    {"StringValue", "text"}}));
  EXPECT_EQ(attrs.at("n"),
            json::value(json::object{{"DataType", "Number"},
                                     {"StringValue", "-12.5e3"}}));
  EXPECT_EQ(attrs.at("b"), json::value(json::object{{"DataType", "Binary"},
                                                    {"BinaryValue", b64}}));

  // The bytes really went through base64: the service holds the raw bytes.
  auto direct = sqs_.ReceiveMessageNow(
      {.queue_url = url, .message_attribute_names = {"All"}});
  ASSERT_TRUE(direct.ok());
  EXPECT_TRUE(direct->messages.empty());  // still in flight
  ASSERT_TRUE(
      sqs_.ChangeMessageVisibility({url, Str(m, "ReceiptHandle"), 0}).ok());
  direct = sqs_.ReceiveMessageNow(
      {.queue_url = url, .message_attribute_names = {"All"}});
  ASSERT_TRUE(direct.ok());
  ASSERT_EQ(direct->messages.size(), 1u);
  const auto& bin = direct->messages[0].message_attributes.at("b");
  ASSERT_TRUE(bin.binary_value.has_value());
  EXPECT_EQ(*bin.binary_value, raw);
}

TEST_F(DispatcherTest, Md5OfMessageAttributesMatchesTheAwsVector) {
  const std::string url = CreateQueue("md5");
  json::object sent =
      Ok("SendMessage",
         {{"QueueUrl", url},
          {"MessageBody", "x"},
          {"MessageAttributes",
           {{"attribName1",
             {{"DataType", "String"}, {"StringValue", "attribValue 1"}}}}}});
  EXPECT_EQ(Str(sent, "MD5OfMessageAttributes"),
            "19e27d4e946b072f3f58da80d94fd778");
  json::array got = Receive(url, {{"MessageAttributeNames", {"attribName1"}}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Str(got[0], "MD5OfMessageAttributes"),
            "19e27d4e946b072f3f58da80d94fd778");
}

TEST_F(DispatcherTest, SendMessageWithoutAttributesHasNoAttributeDigest) {
  const std::string url = CreateQueue("plain");
  json::object sent = Send(url, "hello");
  EXPECT_FALSE(sent.contains("MD5OfMessageAttributes")) << J(sent);
  json::array got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].as_object().contains("MessageAttributes"));
  EXPECT_FALSE(got[0].as_object().contains("Attributes"));
}

TEST_F(DispatcherTest, SendMessageBatchReportsAPerEntryFailure) {
  const std::string url = CreateQueue("batch");
  json::object b = Ok(
      "SendMessageBatch",
      {{"QueueUrl", url},
       {"Entries",
        {{{"Id", "ok-1"}, {"MessageBody", "first"}},
         {{"Id", "bad"}, {"MessageBody", "second"}, {"DelaySeconds", 901}},
         {{"Id", "ok-2"},
          {"MessageBody", "third"},
          {"MessageAttributes",
           {{"attribName1",
             {{"DataType", "String"}, {"StringValue", "attribValue 1"}}}}}}}}});
  ASSERT_TRUE(b.contains("Successful"));
  ASSERT_TRUE(b.contains("Failed"));
  const auto& ok = b.at("Successful").as_array();
  const auto& failed = b.at("Failed").as_array();
  ASSERT_EQ(ok.size(), 2u);
  ASSERT_EQ(failed.size(), 1u);

  EXPECT_EQ(Str(ok[0], "Id"), "ok-1");
  EXPECT_EQ(Str(ok[0], "MessageId").size(), 36u);
  EXPECT_EQ(Str(ok[0], "MD5OfMessageBody"),
            "8b04d5e3775d298e78455efc5ca404d5");  // md5("first")
  EXPECT_FALSE(ok[0].as_object().contains("MD5OfMessageAttributes"));
  EXPECT_EQ(Str(ok[1], "Id"), "ok-2");
  EXPECT_EQ(Str(ok[1], "MD5OfMessageAttributes"),
            "19e27d4e946b072f3f58da80d94fd778");

  const json::object& f = failed[0].as_object();
  EXPECT_EQ(Str(f, "Id"), "bad");
  EXPECT_EQ(Str(f, "Code"), "InvalidParameterValue");
  EXPECT_FALSE(Str(f, "Message").empty());
  ASSERT_TRUE(f.contains("SenderFault"));
  EXPECT_EQ(f.at("SenderFault"), json::value(true));

  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "2");
}

TEST_F(DispatcherTest, SendMessageBatchRequestLevelErrors) {
  const std::string url = CreateQueue("batch-errors");
  ExpectSqsError(
      Call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", json::array{}}}),
      "EmptyBatchRequest");
  ApiResponse dup =
      Call("SendMessageBatch", {{"QueueUrl", url},
                                {"Entries",
                                 {{{"Id", "a"}, {"MessageBody", "1"}},
                                  {{"Id", "a"}, {"MessageBody", "2"}}}}});
  ExpectSqsError(dup, "BatchEntryIdsNotDistinct");
  EXPECT_EQ(dup.query_error,
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct;Sender");
  json::array eleven;
  for (int i = 0; i < 11; ++i) {
    eleven.push_back(
        json::object{{"Id", "e" + std::to_string(i)}, {"MessageBody", "m"}});
  }
  ExpectSqsError(
      Call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", eleven}}),
      "TooManyEntriesInBatchRequest");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(DispatcherTest, ReceiveMessageReturnsOnlyTheAttributesAskedFor) {
  const std::string url = CreateQueue("receive");
  Ok("SendMessage",
     {{"QueueUrl", url},
      {"MessageBody", "body"},
      {"MessageAttributes",
       {{"color", {{"DataType", "String"}, {"StringValue", "red"}}},
        {"size", {{"DataType", "Number"}, {"StringValue", "3"}}}}}});

  json::array got =
      Receive(url, {{"AttributeNames", {"ApproximateReceiveCount"}},
                    {"MessageSystemAttributeNames", {"SentTimestamp"}},
                    {"MessageAttributeNames", {"color"}}});
  ASSERT_EQ(got.size(), 1u);
  const json::object& m = got[0].as_object();
  ASSERT_TRUE(m.contains("Attributes")) << J(m);
  const json::object& attrs = m.at("Attributes").as_object();
  EXPECT_EQ(attrs.size(), 2u) << J(m);
  EXPECT_EQ(Str(attrs, "ApproximateReceiveCount"), "1");
  EXPECT_EQ(Str(attrs, "SentTimestamp"),
            std::to_string(ToEpochMillis(VirtualClock::kDefaultStart)));
  ASSERT_TRUE(m.contains("MessageAttributes")) << J(m);
  const json::object& mattrs = m.at("MessageAttributes").as_object();
  EXPECT_EQ(mattrs.size(), 1u) << J(m);
  EXPECT_TRUE(mattrs.contains("color"));

  // All of them on the next receive.
  clock_.Advance(seconds(30));
  got = Receive(url, {{"MessageSystemAttributeNames", {"All"}},
                      {"MessageAttributeNames", {"All"}}});
  ASSERT_EQ(got.size(), 1u);
  const json::object& all = got[0].as_object().at("Attributes").as_object();
  EXPECT_EQ(Str(all, "ApproximateReceiveCount"), "2");
  EXPECT_TRUE(all.contains("SenderId"));
  EXPECT_TRUE(all.contains("ApproximateFirstReceiveTimestamp"));
  EXPECT_EQ(got[0].as_object().at("MessageAttributes").as_object().size(), 2u);
}

TEST_F(DispatcherTest, ReceiveMessageOnAnEmptyQueueHasNoMessagesKey) {
  const std::string url = CreateQueue("empty");
  json::object b = Ok("ReceiveMessage", {{"QueueUrl", url}});
  EXPECT_FALSE(b.contains("Messages")) << J(b);
  ExpectSqsError(
      Call("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 11}}),
      "InvalidParameterValue");
  ExpectSqsError(
      Call("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 21}}),
      "InvalidParameterValue");
}

TEST_F(DispatcherTest, DeleteMessage) {
  const std::string url = CreateQueue("delete");
  Send(url, "m");
  json::array got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  json::object b =
      Ok("DeleteMessage",
         {{"QueueUrl", url}, {"ReceiptHandle", Str(got[0], "ReceiptHandle")}});
  EXPECT_TRUE(b.empty()) << J(b);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  clock_.Advance(seconds(31));
  EXPECT_TRUE(Receive(url).empty());

  ApiResponse bad =
      Call("DeleteMessage", {{"QueueUrl", url}, {"ReceiptHandle", "garbage"}});
  ExpectSqsError(bad, "ReceiptHandleIsInvalid");
  EXPECT_EQ(bad.http_status, 400);
}

TEST_F(DispatcherTest, DeleteMessageBatch) {
  const std::string url = CreateQueue("delete-batch");
  Send(url, "a");
  Send(url, "b");
  json::array got = Receive(url);
  ASSERT_EQ(got.size(), 2u);
  json::object b =
      Ok("DeleteMessageBatch",
         {{"QueueUrl", url},
          {"Entries",
           {{{"Id", "one"}, {"ReceiptHandle", Str(got[0], "ReceiptHandle")}},
            {{"Id", "two"}, {"ReceiptHandle", Str(got[1], "ReceiptHandle")}},
            {{"Id", "three"}, {"ReceiptHandle", "garbage"}}}}});
  ASSERT_TRUE(b.contains("Successful"));
  ASSERT_TRUE(b.contains("Failed"));
  const auto& ok = b.at("Successful").as_array();
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0], json::value(json::object{{"Id", "one"}}));
  EXPECT_EQ(ok[1], json::value(json::object{{"Id", "two"}}));
  const auto& failed = b.at("Failed").as_array();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(Str(failed[0], "Id"), "three");
  EXPECT_EQ(Str(failed[0], "Code"), "ReceiptHandleIsInvalid");
  EXPECT_EQ(failed[0].as_object().at("SenderFault"), json::value(true));
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
}

TEST_F(DispatcherTest, ChangeMessageVisibility) {
  const std::string url = CreateQueue("visibility");
  Send(url, "m");
  json::array got = Receive(url, {{"VisibilityTimeout", 30}});
  ASSERT_EQ(got.size(), 1u);
  json::object b = Ok("ChangeMessageVisibility",
                      {{"QueueUrl", url},
                       {"ReceiptHandle", Str(got[0], "ReceiptHandle")},
                       {"VisibilityTimeout", 100}});
  EXPECT_TRUE(b.empty()) << J(b);
  clock_.Advance(seconds(99));
  EXPECT_TRUE(Receive(url).empty());
  clock_.Advance(seconds(1));
  got = Receive(url);
  ASSERT_EQ(got.size(), 1u);

  // 0 makes it visible at once.
  Ok("ChangeMessageVisibility",
     {{"QueueUrl", url},
      {"ReceiptHandle", Str(got[0], "ReceiptHandle")},
      {"VisibilityTimeout", 0}});
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(DispatcherTest,
       ChangeMessageVisibilityWithoutTimeoutIsMissingParameter) {
  const std::string url = CreateQueue("visibility-missing");
  Send(url, "m");
  json::array got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  ApiResponse r = Call(
      "ChangeMessageVisibility",
      {{"QueueUrl", url}, {"ReceiptHandle", Str(got[0], "ReceiptHandle")}});
  std::string message = ExpectSqsError(r, "MissingParameter");
  EXPECT_NE(message.find("VisibilityTimeout"), std::string::npos) << message;
  EXPECT_EQ(r.code, sqs::kMissingParameter);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.query_error, "MissingParameter;Sender");
}

TEST_F(DispatcherTest, ChangeMessageVisibilityNegativeIsInvalidParameterValue) {
  // -1 is a value out of range, not a missing parameter.
  const std::string url = CreateQueue("visibility-negative");
  Send(url, "m");
  json::array got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  for (int64_t v : {-1, -2}) {
    ApiResponse r = Call("ChangeMessageVisibility",
                         {{"QueueUrl", url},
                          {"ReceiptHandle", Str(got[0], "ReceiptHandle")},
                          {"VisibilityTimeout", v}});
    ExpectSqsError(r, "InvalidParameterValue");
  }
}

TEST_F(DispatcherTest, ChangeMessageVisibilityBatch) {
  const std::string url = CreateQueue("visibility-batch");
  Send(url, "a");
  Send(url, "b");
  json::array got = Receive(url);
  ASSERT_EQ(got.size(), 2u);
  json::object b = Ok("ChangeMessageVisibilityBatch",
                      {{"QueueUrl", url},
                       {"Entries",
                        {{{"Id", "x"},
                          {"ReceiptHandle", Str(got[0], "ReceiptHandle")},
                          {"VisibilityTimeout", 0}},
                         {{"Id", "y"},
                          {"ReceiptHandle", Str(got[1], "ReceiptHandle")},
                          {"VisibilityTimeout", 0}},
                         {{"Id", "z"},
                          {"ReceiptHandle", "garbage"},
                          {"VisibilityTimeout", 0}}}}});
  const auto& ok = b.at("Successful").as_array();
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(ok[0], json::value(json::object{{"Id", "x"}}));
  EXPECT_EQ(ok[1], json::value(json::object{{"Id", "y"}}));
  const auto& failed = b.at("Failed").as_array();
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(Str(failed[0], "Id"), "z");
  EXPECT_EQ(Str(failed[0], "Code"), "ReceiptHandleIsInvalid");
  EXPECT_EQ(Receive(url).size(), 2u);
}

TEST_F(DispatcherTest, TagUntagAndListQueueTags) {
  const std::string url = CreateQueue("tagged");
  json::object none = Ok("ListQueueTags", {{"QueueUrl", url}});
  EXPECT_TRUE(!none.contains("Tags") || none.at("Tags").as_object().empty());

  json::object t =
      Ok("TagQueue", {{"QueueUrl", url}, {"Tags", {{"a", "1"}, {"b", "2"}}}});
  EXPECT_TRUE(t.empty()) << J(t);
  json::object listed = Ok("ListQueueTags", {{"QueueUrl", url}});
  EXPECT_EQ(listed.at("Tags"),
            json::value(json::object{{"a", "1"}, {"b", "2"}}));

  json::object u = Ok("UntagQueue", {{"QueueUrl", url}, {"TagKeys", {"a"}}});
  EXPECT_TRUE(u.empty()) << J(u);
  listed = Ok("ListQueueTags", {{"QueueUrl", url}});
  EXPECT_EQ(listed.at("Tags"), json::value(json::object{{"b", "2"}}));
}

TEST_F(DispatcherTest, ListDeadLetterSourceQueuesUsesLowerCaseQueueUrls) {
  const std::string dlq = CreateQueue("dlq");
  const std::string policy =
      J({{"deadLetterTargetArn", "arn:aws:sqs:us-east-1:000000000000:dlq"},
         {"maxReceiveCount", 3}});
  const std::string src = CreateQueue("source", {{"RedrivePolicy", policy}});
  CreateQueue("unrelated");

  json::object b = Ok("ListDeadLetterSourceQueues", {{"QueueUrl", dlq}});
  EXPECT_FALSE(b.contains("QueueUrls")) << J(b);
  ASSERT_TRUE(b.contains("queueUrls")) << J(b);
  EXPECT_EQ(b.at("queueUrls"), json::value(json::array{json::value(src)}));

  json::object none = Ok("ListDeadLetterSourceQueues", {{"QueueUrl", src}});
  ASSERT_TRUE(none.contains("queueUrls"));
  EXPECT_TRUE(none.at("queueUrls").as_array().empty());
}

TEST_F(DispatcherTest, TargetFormAmazonSqsPrefix) {
  const std::string url = CreateQueue("target");
  ApiResponse r = Call("AmazonSQS.SendMessage",
                       J({{"QueueUrl", url}, {"MessageBody", "via target"}}));
  ASSERT_TRUE(r.ok) << r.body;
  EXPECT_TRUE(Body(r).contains("MessageId"));
  json::array got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Str(got[0], "Body"), "via target");
  ExpectError(Call("AmazonSQS.NoSuchAction", "{}"), kUnknownOperation);
  ExpectError(Call("AmazonSNS.Publish", "{}"), kUnknownOperation);
}

TEST_F(DispatcherTest, EveryActionWorksInTheTargetForm) {
  for (const std::string& action : AllActions()) {
    ApiResponse r = Call("AmazonSQS." + action, "{}");
    if (!r.ok) {
      std::string type = Str(Body(r), "__type");
      EXPECT_NE(type, kUnknownOperation) << action;
      EXPECT_NE(type, kSerialization) << action;
    }
  }
}

// ------------------------------------------------------------- errors

TEST_F(DispatcherTest, UnknownActionIsUnknownOperationException) {
  for (std::string_view action :
       {"Frobnicate", "", "sendmessage", "SendMessage ", "AmazonSQS."}) {
    ApiResponse r = Call(action, "{}");
    ExpectError(r, kUnknownOperation);
    EXPECT_EQ(r.code, common::kUnknownOperationException) << action;
    EXPECT_EQ(r.http_status, 400) << action;
  }
}

TEST_F(DispatcherTest, MalformedJsonIsSerializationException) {
  const std::string url = CreateQueue("malformed");
  for (std::string_view body :
       {"{", "{\"QueueUrl\": ", "not json", "{\"a\":1,}", "{'a': 1}",
        "{\"QueueUrl\":\"x\"} trailing"}) {
    ApiResponse r = Call("SendMessage", body);
    ExpectError(r, kSerialization);
    EXPECT_EQ(r.code, common::kSerializationException) << body;
    EXPECT_EQ(r.http_status, 400) << body;
  }
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(DispatcherTest, BodyThatIsNotAnObjectIsSerializationException) {
  for (std::string_view body :
       {"[]", "[{\"QueueName\":\"q\"}]", "\"q\"", "42", "null", "true"}) {
    ExpectError(Call("CreateQueue", body), kSerialization);
  }
  EXPECT_TRUE(sqs_.QueueNames().empty());
}

TEST_F(DispatcherTest, EmptyBodyIsAnEmptyObject) {
  CreateQueue("q1");
  ApiResponse list = Call("ListQueues", "");
  ASSERT_TRUE(list.ok) << list.body;
  EXPECT_EQ(Body(list).at("QueueUrls").as_array().size(), 1u);

  // A required field is then missing: a service error, not a protocol one.
  ApiResponse send = Call("SendMessage", "");
  ExpectSqsError(send, "MissingParameter");
}

TEST_F(DispatcherTest, QueueUrlOfTheWrongTypeNamesTheField) {
  ApiResponse r =
      Call("SendMessage", R"({"QueueUrl": 12, "MessageBody": "m"})");
  std::string message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("QueueUrl"), std::string::npos) << message;
}

TEST_F(DispatcherTest, DelaySecondsAsAStringNamesTheField) {
  const std::string url = CreateQueue("types");
  ApiResponse r =
      Call("SendMessage",
           {{"QueueUrl", url}, {"MessageBody", "m"}, {"DelaySeconds", "5"}});
  std::string message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("DelaySeconds"), std::string::npos) << message;
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesDelayed"), "0");
}

TEST_F(DispatcherTest, IntegersThatAreNotIntegersAreSerializationExceptions) {
  const std::string url = CreateQueue("ints");
  for (std::string_view value :
       {"1.5", "true", "[1]", "{}", "18446744073709551615", "1e19", "-1e19",
        "1e400", "-1e400"}) {
    std::string body = R"({"QueueUrl": ")" + url +
                       R"(", "MessageBody": "m", "DelaySeconds": )" +
                       std::string(value) + "}";
    ApiResponse r = Call("SendMessage", body);
    EXPECT_FALSE(r.ok) << body;
    std::string type = Str(Body(r), "__type");
    EXPECT_EQ(type, kSerialization) << body << " -> " << r.body;
  }
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesDelayed"), "0");
}

TEST_F(DispatcherTest, NegativeAndOutOfRangeIntegersReachTheService) {
  const std::string url = CreateQueue("ranges");
  for (std::string_view value : {"-1", "901", "-9223372036854775808"}) {
    std::string body = R"({"QueueUrl": ")" + url +
                       R"(", "MessageBody": "m", "DelaySeconds": )" +
                       std::string(value) + "}";
    ExpectSqsError(Call("SendMessage", body), "InvalidParameterValue");
  }
  // An integral double is an integer.
  ApiResponse r = Call("SendMessage", R"({"QueueUrl": ")" + url +
                                          R"(", "MessageBody": "m", )"
                                          R"("DelaySeconds": 2.0})");
  EXPECT_TRUE(r.ok) << r.body;
}

TEST_F(DispatcherTest, NullFieldsAreAbsent) {
  const std::string url = CreateQueue("nulls");
  ApiResponse r = Call("SendMessage", R"({"QueueUrl": ")" + url +
                                          R"(", "MessageBody": "m", )"
                                          R"("DelaySeconds": null, )"
                                          R"("MessageAttributes": null})");
  EXPECT_TRUE(r.ok) << r.body;
  ExpectSqsError(Call("SendMessage", {{"QueueUrl", nullptr}}),
                 "MissingParameter");
}

TEST_F(DispatcherTest, EntriesThatIsNotAListNamesTheField) {
  const std::string url = CreateQueue("entries");
  for (const json::value& entries :
       {json::value("x"), json::value(json::object{{"Id", "a"}}),
        json::value(3)}) {
    ApiResponse r =
        Call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
    std::string message = ExpectError(r, kSerialization);
    EXPECT_NE(message.find("Entries"), std::string::npos) << message;
  }
}

TEST_F(DispatcherTest, EntryThatIsNotAnObjectNamesItsIndex) {
  const std::string url = CreateQueue("entry");
  for (std::string_view action : {"SendMessageBatch", "DeleteMessageBatch",
                                  "ChangeMessageVisibilityBatch"}) {
    ApiResponse r = Call(action, {{"QueueUrl", url},
                                  {"Entries",
                                   {{{"Id", "a"}, {"MessageBody", "m"}},
                                    json::value("not an object")}}});
    std::string message = ExpectError(r, kSerialization);
    EXPECT_NE(message.find("Entries[1]"), std::string::npos)
        << action << ": " << message;
  }
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(DispatcherTest, NestedFieldOfTheWrongTypeNamesItsPath) {
  const std::string url = CreateQueue("nested");
  ApiResponse r =
      Call("SendMessageBatch",
           {{"QueueUrl", url},
            {"Entries",
             {{{"Id", "a"}, {"MessageBody", "m"}, {"DelaySeconds", 1}},
              {{"Id", "b"}, {"MessageBody", "m"}, {"DelaySeconds", "1"}}}}});
  std::string message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("Entries[1].DelaySeconds"), std::string::npos)
      << message;
  // The whole request was refused: not even entry 0 was sent.
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesDelayed"), "0");

  r = Call(
      "ChangeMessageVisibilityBatch",
      {{"QueueUrl", url},
       {"Entries",
        {{{"Id", "a"}, {"ReceiptHandle", "h"}, {"VisibilityTimeout", 1}},
         {{"Id", "b"}, {"ReceiptHandle", "h"}, {"VisibilityTimeout", "1"}}}}});
  message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("Entries[1].VisibilityTimeout"), std::string::npos)
      << message;

  r = Call("GetQueueAttributes",
           {{"QueueUrl", url}, {"AttributeNames", {"All", 7}}});
  message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("AttributeNames[1]"), std::string::npos) << message;

  r = Call("TagQueue", {{"QueueUrl", url}, {"Tags", {{"k", 1}}}});
  message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("Tags.k"), std::string::npos) << message;
}

TEST_F(DispatcherTest, BinaryValueThatIsNotBase64NamesItsPath) {
  const std::string url = CreateQueue("b64");
  ApiResponse r = Call(
      "SendMessage",
      {{"QueueUrl", url},
       {"MessageBody", "m"},
       {"MessageAttributes",
        {{"x", {{"DataType", "Binary"}, {"BinaryValue", "not base64!!"}}}}}});
  std::string message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("MessageAttributes.x.BinaryValue"), std::string::npos)
      << message;

  r = Call("SendMessageBatch",
           {{"QueueUrl", url},
            {"Entries",
             {{{"Id", "a"},
               {"MessageBody", "m"},
               {"MessageAttributes",
                {{"x", {{"DataType", "Binary"}, {"BinaryValue", "%%%"}}}}}}}}});
  message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("Entries[0].MessageAttributes.x.BinaryValue"),
            std::string::npos)
      << message;

  r = Call("SendMessage", {{"QueueUrl", url},
                           {"MessageBody", "m"},
                           {"MessageAttributes", {{"x", "String"}}}});
  message = ExpectError(r, kSerialization);
  EXPECT_NE(message.find("MessageAttributes.x"), std::string::npos) << message;
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(DispatcherTest, ListValuesOfMessageAttributesAreRefused) {
  const std::string url = CreateQueue("lists");
  for (std::string_view field : {"StringListValues", "BinaryListValues"}) {
    json::object attr{{"DataType", "String"}, {"StringValue", "v"}};
    attr[field] = json::array{"a"};
    ApiResponse r = Call("SendMessage", {{"QueueUrl", url},
                                         {"MessageBody", "m"},
                                         {"MessageAttributes", {{"x", attr}}}});
    ExpectSqsError(r, "InvalidParameterValue");
  }
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(DispatcherTest, UnknownFieldsAreIgnored) {
  const std::string url = CreateQueue("unknown-fields");
  json::object b = Ok("SendMessage", {{"QueueUrl", url},
                                      {"MessageBody", "m"},
                                      {"NoSuchField", {{"deep", {1, 2}}}},
                                      {"queueurl", 5}});
  EXPECT_TRUE(b.contains("MessageId"));
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(DispatcherTest, MissingQueueIsQueueDoesNotExistForEveryQueueAction) {
  const std::string url = std::string(kUrlBase) + "ghost";
  for (const std::string& action : AllActions()) {
    if (action == "CreateQueue" || action == "ListQueues" ||
        action == "GetQueueUrl") {
      continue;
    }
    json::object body{{"QueueUrl", url},
                      {"MessageBody", "m"},
                      {"ReceiptHandle", "h"},
                      {"VisibilityTimeout", 0},
                      {"Tags", {{"k", "v"}}},
                      {"TagKeys", {"k"}},
                      {"AttributeNames", {"All"}},
                      {"Attributes", {{"DelaySeconds", "1"}}},
                      {"Entries",
                       {{{"Id", "a"},
                         {"MessageBody", "m"},
                         {"ReceiptHandle", "h"},
                         {"VisibilityTimeout", 0}}}}};
    ApiResponse r = Call(action, body);
    std::string message = ExpectSqsError(r, "QueueDoesNotExist");
    EXPECT_FALSE(message.empty()) << action;
    EXPECT_EQ(r.code, sqs::kQueueDoesNotExist) << action;
    EXPECT_EQ(r.http_status, 400) << action;
    EXPECT_EQ(r.query_error, "AWS.SimpleQueueService.NonExistentQueue;Sender")
        << action;
  }
}

TEST_F(DispatcherTest, ErrorResponseOfAnInternalErrorIsA500Receiver) {
  ApiResponse r = ErrorResponse(Status(common::kInternalError, "boom"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.http_status, 500);
  EXPECT_TRUE(r.query_error.ends_with(";Receiver")) << r.query_error;
  EXPECT_EQ(Str(Body(r), "message"), "boom");
  EXPECT_EQ(Str(Body(r), "__type"), std::string(kSqsType) + "InternalError");
}

// ------------------------------------------------------------- long polls

TEST_F(DispatcherTest, LongPollIsCompletedByASendThroughTheDispatcher) {
  const std::string url = CreateQueue("poll");
  auto poll = Start("ReceiveMessage", {{"QueueUrl", url},
                                       {"WaitTimeSeconds", 5},
                                       {"MessageAttributeNames", {"All"}}});
  EXPECT_EQ(poll->calls, 0);
  EXPECT_EQ(sqs_.ParkedReceives(), 1u);
  clock_.Advance(seconds(2));
  EXPECT_EQ(poll->calls, 0);

  json::object sent = Send(url, "wake up");
  EXPECT_EQ(poll->calls, 1);
  ASSERT_TRUE(poll->response.ok) << poll->response.body;
  json::object b = Body(poll->response);
  ASSERT_TRUE(b.contains("Messages")) << J(b);
  const auto& messages = b.at("Messages").as_array();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(Str(messages[0], "Body"), "wake up");
  EXPECT_EQ(Str(messages[0], "MessageId"), Str(sent, "MessageId"));
  EXPECT_EQ(sqs_.ParkedReceives(), 0u);

  clock_.Advance(seconds(10));
  EXPECT_EQ(poll->calls, 1);  // exactly once
}

TEST_F(DispatcherTest, ParkedPollTimesOutWithoutMessages) {
  const std::string url = CreateQueue("poll-timeout");
  auto poll = Start("AmazonSQS.ReceiveMessage",
                    {{"QueueUrl", url}, {"WaitTimeSeconds", 5}});
  EXPECT_EQ(poll->calls, 0);
  clock_.Advance(seconds(4));
  EXPECT_EQ(poll->calls, 0);
  clock_.Advance(seconds(1));
  EXPECT_EQ(poll->calls, 1);
  ASSERT_TRUE(poll->response.ok) << poll->response.body;
  EXPECT_FALSE(Body(poll->response).contains("Messages"))
      << poll->response.body;
  clock_.Advance(seconds(30));
  EXPECT_EQ(poll->calls, 1);
}

TEST_F(DispatcherTest, ParkedPollFailsWhenItsQueueIsDeleted) {
  const std::string url = CreateQueue("poll-deleted");
  auto poll =
      Start("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}});
  EXPECT_EQ(poll->calls, 0);
  Ok("DeleteQueue", {{"QueueUrl", url}});
  clock_.Advance(seconds(20));
  EXPECT_EQ(poll->calls, 1);
  ApiResponse r = poll->response;
  ExpectSqsError(r, "QueueDoesNotExist");
  EXPECT_EQ(r.query_error, "AWS.SimpleQueueService.NonExistentQueue;Sender");
}

TEST_F(DispatcherTest, ParseErrorInALongPollAnswersAtOnce) {
  const std::string url = CreateQueue("poll-bad");
  auto poll = Start("ReceiveMessage", {{"QueueUrl", url},
                                       {"WaitTimeSeconds", 5},
                                       {"MaxNumberOfMessages", "3"}});
  EXPECT_EQ(poll->calls, 1);
  ExpectError(poll->response, kSerialization);
  EXPECT_EQ(sqs_.ParkedReceives(), 0u);
}

// ------------------------------------------------------------- robustness

// Random JSON-ish bodies: well-formed objects with hostile values, and
// broken text.
class GarbageBodies {
 public:
  explicit GarbageBodies(std::string url) : url_(std::move(url)) {}

  std::vector<std::string> Make(size_t n) {
    std::vector<std::string> out = {
        "",
        " ",
        "{",
        "}",
        "[",
        "nul",
        "{\"QueueUrl\"",
        "{\"QueueUrl\":}",
        "\xff\xfe",
        "{\"QueueUrl\":\"\xc3\x28\"}",  // invalid UTF-8
        "{\"MessageBody\":\"\\ud800\"}",
        "{\"MessageBody\":\"\\u0000\"}",
        std::string(100000, '['),
        std::string(5000, '[') + std::string(5000, ']'),
        "{\"Entries\":" + std::string(3000, '[') + std::string(3000, ']') + "}",
        "{\"MaxResults\":1e400}",
        "{\"DelaySeconds\":-1e400}",
        "{\"WaitTimeSeconds\":1e308}",
        "{\"VisibilityTimeout\":-0}",
        "{\"MaxNumberOfMessages\":99999999999999999999999999}",
        "{\"QueueUrl\":null,\"Entries\":null}",
    };
    while (out.size() < n) {
      std::string body = Object(0);
      switch (rng_() % 4) {
        case 0:  // truncated
          body.resize(rng_() % (body.size() + 1));
          break;
        case 1: {  // one byte flipped
          if (!body.empty()) body[rng_() % body.size()] = char(rng_() % 256);
          break;
        }
        default:
          break;
      }
      out.push_back(std::move(body));
    }
    return out;
  }

 private:
  std::string Key() {
    static const char* const kKeys[] = {
        "QueueUrl",
        "QueueName",
        "MessageBody",
        "DelaySeconds",
        "Entries",
        "MessageAttributes",
        "MessageSystemAttributes",
        "Attributes",
        "tags",
        "Tags",
        "TagKeys",
        "AttributeNames",
        "MessageSystemAttributeNames",
        "MessageAttributeNames",
        "MaxNumberOfMessages",
        "WaitTimeSeconds",
        "VisibilityTimeout",
        "ReceiptHandle",
        "Id",
        "MaxResults",
        "NextToken",
        "QueueNamePrefix",
        "MessageGroupId",
        "MessageDeduplicationId",
        "ReceiveRequestAttemptId",
        "DataType",
        "StringValue",
        "BinaryValue",
        "StringListValues",
        "x",
        "\\u00e9t\\u00e9",
    };
    return std::string("\"") + kKeys[rng_() % std::size(kKeys)] + "\"";
  }

  std::string Scalar() {
    static const char* const kScalars[] = {
        "null",
        "true",
        "false",
        "0",
        "-0",
        "1",
        "-1",
        "5",
        "10",
        "20",
        "21",
        "900",
        "901",
        "43200",
        "43201",
        "-9223372036854775808",
        "9223372036854775807",
        "18446744073709551615",
        "1e400",
        "-1e400",
        "1e19",
        "2.5",
        "1E2",
        "\"\"",
        "\"x\"",
        "\"All\"",
        "\"String\"",
        "\"Number\"",
        "\"Binary\"",
        "\"AAH+/w==\"",
        "\"not base64!\"",
        "\"1.5e999\"",
        "\"caf\\u00e9 \\ud83d\\ude00\"",
        "\"\\ud800\"",
        "\"\\u0001\\u0008\"",
        "\"garbage-handle\"",
        "\"{\\\"deadLetterTargetArn\\\":1}\"",
    };
    size_t pick = rng_() % (std::size(kScalars) + 3);
    if (pick == std::size(kScalars)) return "\"" + url_ + "\"";
    if (pick == std::size(kScalars) + 1) return "\"fuzz-q\"";
    if (pick == std::size(kScalars) + 2) {
      return "\"" + std::string(rng_() % 300, 'a' + char(rng_() % 26)) + "\"";
    }
    return kScalars[pick];
  }

  std::string Value(int depth) {
    int kind = depth > 4 ? 0 : int(rng_() % 5);
    if (kind == 3) {
      std::string s = "[";
      int n = int(rng_() % 12);
      for (int i = 0; i < n; ++i) {
        if (i) s += ",";
        s += Value(depth + 1);
      }
      return s + "]";
    }
    if (kind == 4) return Object(depth + 1);
    return Scalar();
  }

  std::string Object(int depth) {
    std::string s = "{";
    int n = int(rng_() % 6);
    if (depth == 0 && rng_() % 2) {
      s += "\"QueueUrl\":\"" + url_ + "\"";
      if (n) s += ",";
    }
    for (int i = 0; i < n; ++i) {
      if (i) s += ",";
      s += Key() + ":" + Value(depth);
    }
    return s + "}";
  }

  std::string url_;
  std::mt19937_64 rng_{20260101};
};

TEST_F(DispatcherTest, GarbageBodiesEachGetExactlyOneAnswer) {
  const std::string url = CreateQueue("fuzz");
  Send(url, "seed");
  std::vector<std::string> bodies = GarbageBodies(url).Make(200);
  ASSERT_GE(bodies.size(), 200u);

  std::vector<std::string> actions = AllActions();
  actions.push_back("AmazonSQS.SendMessage");
  actions.push_back("NoSuchAction");

  struct Answer {
    int calls = 0;
    ApiResponse response;
  };
  std::vector<std::shared_ptr<Answer>> answers;
  std::vector<std::string> labels;
  for (const std::string& body : bodies) {
    for (const std::string& action : actions) {
      auto a = std::make_shared<Answer>();
      dispatcher_.Dispatch(action, body, [a](ApiResponse r) {
        ++a->calls;
        a->response = std::move(r);
      });
      if (a->calls == 0) {
        EXPECT_EQ(action, "ReceiveMessage") << "no answer: " << body;
      }
      answers.push_back(a);
      labels.push_back(action + " " + body.substr(0, 200));
    }
    // Let any long poll run out (and any delay or timeout pass) now and
    // then, so later bodies see a changing service.
    if (answers.size() % 97 == 0) clock_.Advance(seconds(21));
  }
  clock_.Advance(seconds(21));

  size_t ok = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    const Answer& a = *answers[i];
    ASSERT_EQ(a.calls, 1) << labels[i];
    boost::system::error_code ec;
    json::value v = json::parse(a.response.body, ec);
    ASSERT_FALSE(ec) << labels[i] << " -> " << a.response.body;
    ASSERT_TRUE(v.is_object()) << labels[i] << " -> " << a.response.body;
    if (a.response.ok) {
      ++ok;
      EXPECT_EQ(a.response.http_status, 200) << labels[i];
    } else {
      const json::object& o = v.as_object();
      ASSERT_TRUE(o.contains("__type")) << labels[i];
      std::string type(o.at("__type").as_string());
      EXPECT_TRUE(type.starts_with("com.amazonaws.sqs#") ||
                  type.starts_with("com.amazon.coral.service#"))
          << type;
      EXPECT_TRUE(o.contains("message")) << labels[i];
      EXPECT_EQ(a.response.http_status, 400) << labels[i] << " -> " << type;
      EXPECT_NE(a.response.code, common::kInternalError) << labels[i];
    }
  }
  EXPECT_GT(ok, 0u);  // some garbage was still a valid call

  // The service still works.
  clock_.Advance(seconds(61));
  const std::string after = CreateQueue("after-fuzz");
  Send(after, "still alive");
  json::array got = Receive(after);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Str(got[0], "Body"), "still alive");
  EXPECT_EQ(sqs_.ParkedReceives(), 0u);
}

}  // namespace
}  // namespace fanlab::api::testing
