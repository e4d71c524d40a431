// SNS's actions through the dispatcher: request and response shapes, the
// error bodies (com.amazonaws.sns#..., HTTP 404 for NotFound), batch
// checks, and ListEmails. Deliveries go to fakes; the engine test covers
// real queues and functions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "emulator/api/dispatcher.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/sns_errors.h"
#include "emulator/services/topic_service.h"
#include "tests/api/dispatch_once.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using ::testing::Contains;
using ::testing::HasSubstr;

class TopicActionsTest : public ::testing::Test {
 protected:
  TopicActionsTest()
      : queues_(clock_, {}),
        topics_(clock_, ids_, {},
                services::TopicTargets{
                    .send_to_queue =
                        [this](const std::string& arn, const std::string& body,
                               const services::SnsMessageAttributes& attrs) {
                          sent_.emplace_back(arn, body);
                          attrs_ = attrs;
                          return Status::Ok();
                        }}),
        dispatcher_(Services{.sqs = queues_, .topics = &topics_}) {}

  ApiResponse Call(std::string_view action, std::string_view body) {
    return DispatchOnce(dispatcher_, action, body);
  }
  json::object Ok(std::string_view action, const json::value& body) {
    ApiResponse r = Call(action, json::serialize(body));
    EXPECT_TRUE(r.ok) << action << ": " << r.body;
    return r.ok ? json::parse(r.body).as_object() : json::object{};
  }
  ApiResponse Error(std::string_view action, const json::value& body) {
    ApiResponse r = Call(action, json::serialize(body));
    EXPECT_FALSE(r.ok) << action << " unexpectedly succeeded: " << r.body;
    return r;
  }
  std::string Type(const ApiResponse& r) {
    return std::string(json::parse(r.body).at("__type").as_string());
  }
  std::string NewTopic(std::string name = "alerts") {
    return std::string(
        Ok("CreateTopic", {{"Name", name}})["TopicArn"].as_string());
  }

  VirtualClock clock_;
  IdGenerator ids_{7};
  queue::QueueService queues_;
  std::vector<std::pair<std::string, std::string>> sent_;
  services::SnsMessageAttributes attrs_;
  services::TopicService topics_;
  Dispatcher dispatcher_;
};

TEST_F(TopicActionsTest, TopicActionsAreServedOnlyWithATopicService) {
  EXPECT_THAT(dispatcher_.Actions(), Contains("Publish"));
  EXPECT_THAT(dispatcher_.Actions(), Contains("ListEmails"));
  Dispatcher sqs_only(queues_);
  auto actions = sqs_only.Actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "Publish"), 0);
  ApiResponse r;
  sqs_only.Dispatch("Publish", "{}", [&](ApiResponse a) { r = a; });
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.body, HasSubstr("UnknownOperationException"));
}

TEST_F(TopicActionsTest, CreateListAndDescribeTopics) {
  std::string arn = NewTopic("alerts");
  EXPECT_EQ(arn, "arn:aws:sns:us-east-1:000000000000:alerts");
  json::object list = Ok("ListTopics", json::object{});
  ASSERT_EQ(list["Topics"].as_array().size(), 1u);
  EXPECT_EQ(list["Topics"].as_array()[0].at("TopicArn").as_string(), arn);
  Ok("SetTopicAttributes", {{"TopicArn", arn},
                            {"AttributeName", "DisplayName"},
                            {"AttributeValue", "Alerts"}});
  Ok("Subscribe", {{"TopicArn", arn},
                   {"Protocol", "email"},
                   {"Endpoint", "ops@example.com"}});
  json::object attrs =
      Ok("GetTopicAttributes", {{"TopicArn", arn}})["Attributes"].as_object();
  EXPECT_EQ(attrs["TopicArn"].as_string(), arn);
  EXPECT_EQ(attrs["DisplayName"], "Alerts");
  EXPECT_EQ(attrs["Owner"], "000000000000");
  EXPECT_EQ(attrs["SubscriptionsConfirmed"], "1");
  Ok("DeleteTopic", {{"TopicArn", arn}});
  EXPECT_TRUE(Ok("ListTopics", json::object{})["Topics"].as_array().empty());
}

TEST_F(TopicActionsTest, ErrorsCarrySnsTypesAndStatuses) {
  ApiResponse missing =
      Error("Publish", {{"TopicArn", "arn:aws:sns:us-east-1:000000000000:nope"},
                        {"Message", "m"}});
  EXPECT_EQ(Type(missing), "com.amazonaws.sns#NotFoundException");
  EXPECT_EQ(missing.http_status, 404);
  ApiResponse no_name = Error("CreateTopic", json::object{});
  EXPECT_EQ(Type(no_name), "com.amazonaws.sns#InvalidParameterException");
  EXPECT_EQ(no_name.http_status, 400);
  EXPECT_THAT(no_name.body, HasSubstr("Name"));
  ApiResponse wrong_type = Error("CreateTopic", {{"Name", 5}});
  EXPECT_THAT(Type(wrong_type), HasSubstr("SerializationException"));
  ApiResponse garbage = Call("ListTopics", "{nope");
  EXPECT_FALSE(garbage.ok);
  EXPECT_THAT(garbage.body, HasSubstr("SerializationException"));
}

TEST_F(TopicActionsTest, SubscribePublishAndDeliverWithAttributes) {
  std::string arn = NewTopic();
  std::string queue = "arn:aws:sqs:us-east-1:000000000000:inbox";
  json::object sub =
      Ok("Subscribe", {{"TopicArn", arn},
                       {"Protocol", "sqs"},
                       {"Endpoint", queue},
                       {"Attributes", {{"RawMessageDelivery", "true"}}}});
  std::string sub_arn(sub["SubscriptionArn"].as_string());
  json::object published =
      Ok("Publish",
         {{"TopicArn", arn},
          {"Message", "hello"},
          {"Subject", "Hi"},
          {"MessageAttributes",
           {{"Task", {{"DataType", "Number"}, {"StringValue", "4"}}},
            {"Bin", {{"DataType", "Binary"}, {"BinaryValue", "aGk="}}}}}});
  EXPECT_EQ(published["MessageId"].as_string().size(), 36u);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].first, queue);
  EXPECT_EQ(sent_[0].second, "hello");
  EXPECT_EQ(attrs_.at("Task").string_value, "4");
  EXPECT_EQ(attrs_.at("Bin").binary_value, "hi");

  json::object attrs = Ok("GetSubscriptionAttributes",
                          {{"SubscriptionArn", sub_arn}})["Attributes"]
                           .as_object();
  EXPECT_EQ(attrs["RawMessageDelivery"], "true");
  EXPECT_EQ(attrs["Protocol"], "sqs");
  EXPECT_EQ(attrs["PendingConfirmation"], "false");
  Ok("SetSubscriptionAttributes", {{"SubscriptionArn", sub_arn},
                                   {"AttributeName", "RawMessageDelivery"},
                                   {"AttributeValue", "false"}});
  Ok("Publish", {{"TargetArn", arn}, {"Message", "again"}});
  ASSERT_EQ(sent_.size(), 2u);
  EXPECT_EQ(json::parse(sent_[1].second).at("Message"), "again");

  json::object by_topic = Ok("ListSubscriptionsByTopic", {{"TopicArn", arn}});
  ASSERT_EQ(by_topic["Subscriptions"].as_array().size(), 1u);
  json::object s0 = by_topic["Subscriptions"].as_array()[0].as_object();
  EXPECT_EQ(s0["Endpoint"].as_string(), queue);
  EXPECT_EQ(s0["Owner"], "000000000000");
  Ok("Unsubscribe", {{"SubscriptionArn", sub_arn}});
  EXPECT_TRUE(Ok("ListSubscriptions", json::object{})["Subscriptions"]
                  .as_array()
                  .empty());
  EXPECT_EQ(Type(Error("Unsubscribe", {{"SubscriptionArn", sub_arn}})),
            "com.amazonaws.sns#NotFoundException");
}

TEST_F(TopicActionsTest, PublishRefusesBadAttributesAndSms) {
  std::string arn = NewTopic();
  EXPECT_THAT(
      Error("Publish", {{"TopicArn", arn},
                        {"Message", "m"},
                        {"MessageAttributes", {{"k", {{"StringValue", "v"}}}}}})
          .body,
      HasSubstr("MessageAttributes.k.DataType"));
  EXPECT_THAT(
      Error("Publish",
            {{"TopicArn", arn},
             {"Message", "m"},
             {"MessageAttributes",
              {{"k", {{"DataType", "Binary"}, {"BinaryValue", "!!"}}}}}})
          .body,
      HasSubstr("base64"));
  EXPECT_THAT(
      Error("Publish", {{"PhoneNumber", "+15550100"}, {"Message", "m"}}).body,
      HasSubstr("TopicArn"));
  EXPECT_THAT(Error("Publish", {{"TopicArn", arn}}).body, HasSubstr("Message"));
}

TEST_F(TopicActionsTest, PublishBatchAnswersPerEntry) {
  std::string arn = NewTopic();
  Ok("Subscribe", {{"TopicArn", arn},
                   {"Protocol", "sqs"},
                   {"Endpoint", "arn:aws:sqs:us-east-1:000000000000:q"}});
  json::object r =
      Ok("PublishBatch",
         {{"TopicArn", arn},
          {"PublishBatchRequestEntries",
           {{{"Id", "a"}, {"Message", "one"}},
            {{"Id", "b"}, {"Message", "two"}, {"Subject", "bad\nsubject"}},
            {{"Id", "c"}, {"Message", "three"}}}}});
  ASSERT_EQ(r["Successful"].as_array().size(), 2u);
  EXPECT_EQ(r["Successful"].as_array()[0].at("Id"), "a");
  EXPECT_EQ(r["Successful"].as_array()[1].at("Id"), "c");
  ASSERT_EQ(r["Failed"].as_array().size(), 1u);
  EXPECT_EQ(r["Failed"].as_array()[0].at("Id"), "b");
  EXPECT_EQ(r["Failed"].as_array()[0].at("Code"), "InvalidParameterException");
  EXPECT_EQ(r["Failed"].as_array()[0].at("SenderFault"), true);
  EXPECT_EQ(sent_.size(), 2u);
}

TEST_F(TopicActionsTest, PublishBatchChecksTheBatchAsAWhole) {
  std::string arn = NewTopic();
  auto type = [&](json::value entries) {
    return Type(
        Error("PublishBatch",
              {{"TopicArn", arn}, {"PublishBatchRequestEntries", entries}}));
  };
  EXPECT_EQ(type(json::array{}),
            "com.amazonaws.sns#EmptyBatchRequestException");
  json::array eleven;
  for (int i = 0; i < 11; ++i) {
    eleven.push_back({{"Id", "e" + std::to_string(i)}, {"Message", "m"}});
  }
  EXPECT_EQ(type(eleven),
            "com.amazonaws.sns#TooManyEntriesInBatchRequestException");
  EXPECT_EQ(
      type({{{"Id", "x"}, {"Message", "m"}}, {{"Id", "x"}, {"Message", "n"}}}),
      "com.amazonaws.sns#BatchEntryIdsNotDistinctException");
  EXPECT_EQ(type({{{"Id", "no spaces"}, {"Message", "m"}}}),
            "com.amazonaws.sns#InvalidBatchEntryIdException");
  EXPECT_EQ(Type(Error("PublishBatch", {{"TopicArn", arn + "x"},
                                        {"PublishBatchRequestEntries",
                                         {{{"Id", "a"}, {"Message", "m"}}}}})),
            "com.amazonaws.sns#NotFoundException");
  EXPECT_TRUE(sent_.empty());
}

// A null field is an absent one: Subject null used to be read as "" and
// refused as an invalid subject.
TEST_F(TopicActionsTest, NullSubjectIsNoSubject) {
  std::string arn = NewTopic();
  Ok("Subscribe",
     {{"TopicArn", arn}, {"Protocol", "email"}, {"Endpoint", "x@y.z"}});
  Ok("Publish", {{"TopicArn", arn}, {"Message", "m"}, {"Subject", nullptr}});
  json::object batch =
      Ok("PublishBatch",
         {{"TopicArn", arn},
          {"PublishBatchRequestEntries",
           {{{"Id", "a"}, {"Message", "n"}, {"Subject", nullptr}}}}});
  EXPECT_EQ(batch["Successful"].as_array().size(), 1u);
  json::array emails = Ok("ListEmails", json::object{})["Emails"].as_array();
  ASSERT_EQ(emails.size(), 2u);
  EXPECT_EQ(emails[0].at("Body"), "m");
  EXPECT_EQ(emails[1].at("Body"), "n");
  // Null elsewhere too: PhoneNumber null is no SMS.
  Ok("Publish",
     {{"TopicArn", arn}, {"Message", "m"}, {"PhoneNumber", nullptr}});
}

TEST_F(TopicActionsTest, PublishBatchRefusesMoreThan256KiBInAll) {
  std::string arn = NewTopic();
  auto batch = [&](size_t message_bytes, size_t attribute_bytes) {
    json::array entries;
    for (int i = 0; i < 4; ++i) {
      entries.push_back(
          {{"Id", "e" + std::to_string(i)},
           {"Message", std::string(message_bytes, 'm')},
           {"MessageAttributes",
            {{"a",
              {{"DataType", "String"},
               {"StringValue", std::string(attribute_bytes, 'v')}}}}}});
    }
    return json::object{{"TopicArn", arn},
                        {"PublishBatchRequestEntries", entries}};
  };
  // Each entry counts its message, and its attribute's name, type and
  // value ("a", "String": 7 bytes): 4 * 65536 = 256 KiB exactly.
  json::object fits = Ok("PublishBatch", batch(60000, 65536 - 60000 - 7));
  EXPECT_EQ(fits["Successful"].as_array().size(), 4u);
  ApiResponse messages = Error("PublishBatch", batch(65530, 1));
  EXPECT_EQ(messages.code, sns::kBatchRequestTooLongException);
  EXPECT_THAT(Type(messages),
              HasSubstr("com.amazonaws.sns#BatchRequestTooLong"));
  EXPECT_EQ(messages.http_status, 400);
  EXPECT_EQ(json::parse(messages.body).at("message"),
            "The length of all the batch messages put together is more than "
            "the limit.");
  // Attributes count too.
  EXPECT_EQ(Error("PublishBatch", batch(60000, 65536 - 60000 - 6)).code,
            sns::kBatchRequestTooLongException);
}

TEST_F(TopicActionsTest, ListEmailsReadsTheOutbox) {
  std::string a = NewTopic("a");
  std::string b = NewTopic("b");
  Ok("Subscribe",
     {{"TopicArn", a}, {"Protocol", "email"}, {"Endpoint", "x@y.z"}});
  Ok("Subscribe",
     {{"TopicArn", b}, {"Protocol", "email"}, {"Endpoint", "w@y.z"}});
  Ok("Publish", {{"TopicArn", a}, {"Message", "for x"}, {"Subject", "S"}});
  Ok("Publish", {{"TopicArn", b}, {"Message", "for w"}});
  json::array all = Ok("ListEmails", json::object{})["Emails"].as_array();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].at("To"), "x@y.z");
  EXPECT_EQ(all[0].at("Subject"), "S");
  EXPECT_EQ(all[0].at("Body"), "for x");
  EXPECT_EQ(all[0].at("Time"), "2026-01-01T00:00:00.000Z");
  json::array only_b = Ok("ListEmails", {{"TopicArn", b}})["Emails"].as_array();
  ASSERT_EQ(only_b.size(), 1u);
  EXPECT_EQ(only_b[0].at("Body"), "for w");
  EXPECT_EQ(Ok("ListEmails", {{"To", "x@y.z"}})["Emails"].as_array().size(),
            1u);
}

}  // namespace
}  // namespace fanlab::api
