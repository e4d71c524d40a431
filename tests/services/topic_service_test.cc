// TopicService on a virtual clock with fake targets: topics and
// subscriptions, SNS's envelope and Lambda event shapes, raw delivery,
// the email outbox and .eml files, HTTP retries, and Publish's checks.
#include "emulator/services/topic_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/services/sns_errors.h"

namespace fanlab::services {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kQueueArn = "arn:aws:sqs:us-east-1:000000000000:inbox";
constexpr const char* kFunctionArn =
    "arn:aws:lambda:us-east-1:000000000000:function:notify";

struct Sent {
  std::string arn;
  std::string body;
  SnsMessageAttributes attributes;
};

struct Post {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::function<void(Result<int>)> done;
};

class Recorder : public ServiceObserver {
 public:
  void OnServiceEvent(const ServiceEvent& e) override {
    kinds.emplace_back(e.kind);
  }
  std::vector<std::string> kinds;
};

class TopicServiceTest : public ::testing::Test {
 protected:
  TopicServiceTest() { Make({}); }

  void Make(TopicServiceOptions options) {
    TopicTargets targets;
    targets.send_to_queue = [this](const std::string& arn,
                                   const std::string& body,
                                   const SnsMessageAttributes& attributes) {
      sent_.push_back({arn, body, attributes});
      return queue_status_;
    };
    targets.invoke_function = [this](const std::string& arn,
                                     const std::string& event) {
      invoked_.push_back({arn, event, {}});
      return Status::Ok();
    };
    targets.post_http =
        [this](const std::string& url,
               std::vector<std::pair<std::string, std::string>> headers,
               std::string body, std::function<void(Result<int>)> done) {
          posts_.push_back(
              {url, std::move(headers), std::move(body), std::move(done)});
        };
    topics_ = std::make_unique<TopicService>(clock_, ids_, options,
                                             std::move(targets));
    topics_->SetObserver(&recorder_);
  }

  std::string NewTopic(const std::string& name = "alerts") {
    auto arn = topics_->CreateTopic(name);
    EXPECT_TRUE(arn.ok()) << arn.status().ToString();
    return arn.ok() ? *arn : "";
  }

  std::string MustSubscribe(const std::string& topic,
                            const std::string& protocol,
                            const std::string& endpoint,
                            std::map<std::string, std::string> attrs = {}) {
    auto arn = topics_->Subscribe(topic, protocol, endpoint, attrs);
    EXPECT_TRUE(arn.ok()) << arn.status().ToString();
    return arn.ok() ? *arn : "";
  }

  std::string MustPublish(PublishInput in) {
    auto id = topics_->Publish(in);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }

  static std::string Header(const Post& p, std::string_view name) {
    for (const auto& [k, v] : p.headers) {
      if (k == name) return v;
    }
    return "";
  }

  VirtualClock clock_;
  IdGenerator ids_{42};
  Recorder recorder_;
  Status queue_status_;
  std::vector<Sent> sent_;
  std::vector<Sent> invoked_;
  std::vector<Post> posts_;
  std::unique_ptr<TopicService> topics_;
};

TEST_F(TopicServiceTest, CreateTopicIsIdempotentAndAnswersTheArn) {
  std::string arn = NewTopic("alerts");
  EXPECT_EQ(arn, "arn:aws:sns:us-east-1:000000000000:alerts");
  EXPECT_EQ(NewTopic("alerts"), arn);
  ASSERT_EQ(topics_->ListTopics().size(), 1u);
  EXPECT_EQ(topics_->ListTopics()[0].name, "alerts");
}

TEST_F(TopicServiceTest, CreateTopicRefusesBadNamesFifoAndOtherAttributes) {
  for (const std::string& name : std::vector<std::string>{
           "", "has space", "dot.name", std::string(257, 'a')}) {
    auto r = topics_->CreateTopic(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), sns::kInvalidParameterException);
  }
  EXPECT_EQ(topics_->CreateTopic("jobs.fifo").status().code(),
            sns::kInvalidParameterException);
  EXPECT_EQ(topics_->CreateTopic("t", {{"Nope", "x"}}).status().code(),
            sns::kInvalidParameterException);
  ASSERT_TRUE(topics_->CreateTopic("t", {{"DisplayName", "A"}}).ok());
  auto again = topics_->CreateTopic("t", {{"DisplayName", "B"}});
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.status().message(), HasSubstr("different attributes"));
}

TEST_F(TopicServiceTest, DeleteTopicDropsItsSubscriptionsAndIgnoresUnknown) {
  std::string topic = NewTopic();
  std::string sub = MustSubscribe(topic, "sqs", kQueueArn);
  ASSERT_TRUE(topics_->DeleteTopic(topic).ok());
  EXPECT_TRUE(topics_->ListTopics().empty());
  EXPECT_EQ(topics_->GetSubscription(sub).status().code(),
            sns::kNotFoundException);
  EXPECT_TRUE(topics_->DeleteTopic(topic).ok());  // SNS: not an error
  EXPECT_EQ(
      topics_->Publish({.topic_arn = topic, .message = "x"}).status().code(),
      sns::kNotFoundException);
}

TEST_F(TopicServiceTest, SubscribeChecksProtocolEndpointAndAttributes) {
  std::string topic = NewTopic();
  struct Case {
    std::string protocol, endpoint;
    std::map<std::string, std::string> attrs;
  };
  for (const Case& c : std::vector<Case>{
           {"smtp", "a@b.c", {}},
           {"https", "https://example.com/", {}},
           {"sqs", "not-an-arn", {}},
           {"sqs", kFunctionArn, {}},
           {"lambda", kQueueArn, {}},
           {"email", "nobody", {}},
           {"http", "ftp://x", {}},
           {"email", "a@b.c", {{"RawMessageDelivery", "true"}}},
           {"sqs", kQueueArn, {{"RawMessageDelivery", "yes"}}},
           {"sqs", kQueueArn, {{"FilterPolicy", "{}"}}},
           {"sqs", kQueueArn, {{"FilterPolicyScope", "Body"}}},
           {"sqs", kQueueArn, {{"Colour", "red"}}},
       }) {
    auto r = topics_->Subscribe(topic, c.protocol, c.endpoint, c.attrs);
    ASSERT_FALSE(r.ok()) << c.protocol << " " << c.endpoint;
    EXPECT_EQ(r.status().code(), sns::kInvalidParameterException);
  }
  EXPECT_EQ(topics_->Subscribe(topic + "x", "sqs", kQueueArn).status().code(),
            sns::kNotFoundException);
}

TEST_F(TopicServiceTest, SubscribingTwiceAnswersTheSameSubscription) {
  std::string topic = NewTopic();
  std::string a = MustSubscribe(topic, "sqs", kQueueArn);
  EXPECT_TRUE(a.starts_with(topic + ":"));
  EXPECT_EQ(MustSubscribe(topic, "sqs", kQueueArn), a);
  EXPECT_NE(MustSubscribe(topic, "email", "ops@example.com"), a);
  EXPECT_EQ(topics_->ListSubscriptionsByTopic(topic)->size(), 2u);
  ASSERT_TRUE(topics_->Unsubscribe(a).ok());
  EXPECT_EQ(topics_->ListSubscriptions().size(), 1u);
  EXPECT_EQ(topics_->Unsubscribe(a).code(), sns::kNotFoundException);
}

TEST_F(TopicServiceTest, QueuesGetTheNotificationEnvelope) {
  std::string topic = NewTopic();
  MustSubscribe(topic, "sqs", kQueueArn);
  clock_.Advance(std::chrono::milliseconds(1500));
  std::string id = MustPublish(
      {.topic_arn = topic,
       .message = "run 7 done",
       .subject = "Summary",
       .attributes = {
           {"Run", {.data_type = "String", .string_value = "7"}},
           {"Blob", {.data_type = "Binary", .binary_value = "hi"}}}});
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].arn, kQueueArn);
  EXPECT_TRUE(sent_[0].attributes.empty());
  json::object e = json::parse(sent_[0].body).as_object();
  EXPECT_EQ(e["Type"], "Notification");
  EXPECT_EQ(e["MessageId"].as_string(), id);
  EXPECT_EQ(e["TopicArn"].as_string(), topic);
  EXPECT_EQ(e["Subject"], "Summary");
  EXPECT_EQ(e["Message"], "run 7 done");
  EXPECT_EQ(e["Timestamp"], "2026-01-01T00:00:01.500Z");
  EXPECT_EQ(e["SignatureVersion"], "1");
  EXPECT_TRUE(e.contains("Signature"));
  EXPECT_TRUE(e.contains("SigningCertURL"));
  EXPECT_THAT(std::string(e["UnsubscribeURL"].as_string()),
              HasSubstr("Action=Unsubscribe"));
  EXPECT_EQ(e["MessageAttributes"].at("Run").at("Type"), "String");
  EXPECT_EQ(e["MessageAttributes"].at("Run").at("Value"), "7");
  EXPECT_EQ(e["MessageAttributes"].at("Blob").at("Value"), "aGk=");
}

TEST_F(TopicServiceTest, RawDeliveryToAQueueSendsTheBareMessage) {
  std::string topic = NewTopic();
  MustSubscribe(topic, "sqs", kQueueArn, {{"RawMessageDelivery", "true"}});
  MustPublish({.topic_arn = topic,
               .message = "{\"runID\":\"r1\"}",
               .attributes = {{"Task", {"Number", "3", ""}}}});
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].body, "{\"runID\":\"r1\"}");
  ASSERT_EQ(sent_[0].attributes.count("Task"), 1u);
  EXPECT_EQ(sent_[0].attributes.at("Task").string_value, "3");
}

TEST_F(TopicServiceTest, FunctionsGetSnsEventRecords) {
  std::string topic = NewTopic();
  std::string sub = MustSubscribe(topic, "lambda", kFunctionArn);
  std::string id = MustPublish({.topic_arn = topic, .message = "hello"});
  ASSERT_EQ(invoked_.size(), 1u);
  EXPECT_EQ(invoked_[0].arn, kFunctionArn);
  json::object event = json::parse(invoked_[0].body).as_object();
  json::object r = event["Records"].as_array().at(0).as_object();
  EXPECT_EQ(r["EventSource"], "aws:sns");
  EXPECT_EQ(r["EventVersion"], "1.0");
  EXPECT_EQ(r["EventSubscriptionArn"].as_string(), sub);
  json::object sns = r["Sns"].as_object();
  EXPECT_EQ(sns["MessageId"].as_string(), id);
  EXPECT_EQ(sns["Message"], "hello");
  EXPECT_TRUE(sns["Subject"].is_null());  // Lambda's shape keeps the key
  EXPECT_TRUE(sns["MessageAttributes"].as_object().empty());
  EXPECT_TRUE(sns.contains("SigningCertUrl"));
  EXPECT_TRUE(sns.contains("UnsubscribeUrl"));
}

TEST_F(TopicServiceTest, EmailsLandInTheOutboxAndAsEmlFiles) {
  auto dir = std::filesystem::temp_directory_path() /
             ("fanlab-topic-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Make({.data_dir = dir.string()});
  std::string topic = NewTopic();
  MustSubscribe(topic, "email", "ops@example.com");
  MustSubscribe(topic, "email-json", "bot@example.com");
  std::string id = MustPublish(
      {.topic_arn = topic, .message = "Summary for run: r1", .subject = "Run"});
  MustPublish({.topic_arn = topic, .message = "no subject"});
  const auto& out = topics_->outbox();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].to, "ops@example.com");
  EXPECT_EQ(out[0].subject, "Run");
  EXPECT_EQ(out[0].body, "Summary for run: r1");
  EXPECT_EQ(out[0].message_id, id);
  EXPECT_EQ(json::parse(out[1].body).at("Message"), "Summary for run: r1");
  EXPECT_EQ(out[2].subject, "AWS Notification Message");
  ASSERT_FALSE(out[0].file.empty());
  std::ifstream in(out[0].file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("To: ops@example.com\r\n"));
  EXPECT_THAT(text.str(), HasSubstr("Subject: Run\r\n"));
  EXPECT_THAT(text.str(), HasSubstr("\r\n\r\nSummary for run: r1"));
  EXPECT_EQ(std::filesystem::path(out[0].file).parent_path(), dir / "emails");
  EXPECT_EQ(std::filesystem::path(out[3].file).filename(), "000004.eml");
  // A second run over the same data dir numbers on: nothing is overwritten.
  Make({.data_dir = dir.string()});
  std::string again = NewTopic();
  MustSubscribe(again, "email", "ops@example.com");
  MustPublish({.topic_arn = again, .message = "later"});
  EXPECT_EQ(std::filesystem::path(topics_->outbox().at(0).file).filename(),
            "000005.eml");
  std::filesystem::remove_all(dir);
}

TEST_F(TopicServiceTest, HttpPostsCarrySnsHeadersAndCountAsDelivered) {
  std::string topic = NewTopic();
  std::string sub = MustSubscribe(topic, "http", "http://127.0.0.1:9/hook");
  std::string id = MustPublish({.topic_arn = topic, .message = "m"});
  ASSERT_EQ(posts_.size(), 1u);
  EXPECT_EQ(posts_[0].url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(Header(posts_[0], "x-amz-sns-message-type"), "Notification");
  EXPECT_EQ(Header(posts_[0], "x-amz-sns-message-id"), id);
  EXPECT_EQ(Header(posts_[0], "x-amz-sns-subscription-arn"), sub);
  EXPECT_EQ(json::parse(posts_[0].body).at("Message"), "m");
  EXPECT_EQ(topics_->GetSubscription(sub)->delivered, 0u);  // not answered
  posts_[0].done(204);
  EXPECT_EQ(topics_->GetSubscription(sub)->delivered, 1u);
}

TEST_F(TopicServiceTest, FailedHttpPostsAreRetriedThreeTimes20SecondsApart) {
  std::string topic = NewTopic();
  std::string sub = MustSubscribe(topic, "http", "http://127.0.0.1:9/hook");
  MustPublish({.topic_arn = topic, .message = "m"});
  ASSERT_EQ(posts_.size(), 1u);
  posts_[0].done(500);
  for (int retry = 1; retry <= 3; ++retry) {
    clock_.Advance(std::chrono::seconds(19));
    EXPECT_EQ(posts_.size(), static_cast<size_t>(retry)) << retry;
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_EQ(posts_.size(), static_cast<size_t>(retry + 1)) << retry;
    posts_.back().done(Status(common::kInternalError, "refused"));
  }
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(posts_.size(), 4u);
  EXPECT_EQ(topics_->GetSubscription(sub)->failed, 1u);
  EXPECT_EQ(recorder_.kinds.back(), "DeliveryFailed");
}

TEST_F(TopicServiceTest, NoHttpRetryAfterUnsubscribe) {
  std::string topic = NewTopic();
  std::string sub = MustSubscribe(topic, "http", "http://127.0.0.1:9/hook");
  MustPublish({.topic_arn = topic, .message = "m"});
  ASSERT_EQ(posts_.size(), 1u);
  posts_[0].done(503);
  ASSERT_TRUE(topics_->Unsubscribe(sub).ok());
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(posts_.size(), 1u);
}

TEST_F(TopicServiceTest, ResubscribingWithOtherAttributesIsRefused) {
  std::string topic = NewTopic();
  MustSubscribe(topic, "sqs", kQueueArn);
  auto again = topics_->Subscribe(topic, "sqs", kQueueArn,
                                  {{"RawMessageDelivery", "true"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), sns::kInvalidParameterException);
  EXPECT_THAT(again.status().message(), HasSubstr("different attributes"));
}

TEST_F(TopicServiceTest, CustomBinaryAttributeTypesKeepTheirValue) {
  std::string topic = NewTopic();
  MustSubscribe(topic, "sqs", kQueueArn);
  MustPublish({.topic_arn = topic,
               .message = "m",
               .attributes = {{"img", {"Binary.jpeg", "", "\xff\xd8"}}}});
  ASSERT_EQ(sent_.size(), 1u);
  json::object e = json::parse(sent_[0].body).as_object();
  EXPECT_EQ(e["MessageAttributes"].at("img").at("Type"), "Binary.jpeg");
  EXPECT_EQ(e["MessageAttributes"].at("img").at("Value"), "/9g=");
}

TEST_F(TopicServiceTest, FilterPoliciesChooseWhatASubscriptionGets) {
  std::string topic = NewTopic();
  std::string sub =
      MustSubscribe(topic, "sqs", kQueueArn,
                    {{"FilterPolicy", R"({"Status":["Complete"]})"}});
  MustPublish({.topic_arn = topic,
               .message = "done",
               .attributes = {{"Status", {"String", "Complete", ""}}}});
  MustPublish({.topic_arn = topic,
               .message = "failed",
               .attributes = {{"Status", {"String", "Failed", ""}}}});
  MustPublish({.topic_arn = topic, .message = "none"});
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(json::parse(sent_[0].body).at("Message"), "done");
  EXPECT_EQ(topics_->GetSubscription(sub)->filtered_out, 2u);
  EXPECT_EQ(recorder_.kinds.back(), "FilteredOut");
  // The body scope, set afterwards: the policy is read against it.
  ASSERT_TRUE(
      topics_->SetSubscriptionAttribute(sub, "FilterPolicyScope", "MessageBody")
          .ok());
  MustPublish({.topic_arn = topic, .message = R"({"Status":"Complete"})"});
  EXPECT_EQ(sent_.size(), 2u);
  // Subscribing again with another policy is refused.
  EXPECT_FALSE(topics_
                   ->Subscribe(topic, "sqs", kQueueArn,
                               {{"FilterPolicy", R"({"Status":["x"]})"}})
                   .ok());
}

TEST_F(TopicServiceTest, AFailedQueueDeliveryDoesNotFailThePublish) {
  std::string topic = NewTopic();
  std::string sub = MustSubscribe(topic, "sqs", kQueueArn);
  queue_status_ = Status(sqs::kQueueDoesNotExist, "gone");
  EXPECT_TRUE(topics_->Publish({.topic_arn = topic, .message = "m"}).ok());
  EXPECT_EQ(topics_->GetSubscription(sub)->failed, 1u);
  EXPECT_EQ(recorder_.kinds.back(), "DeliveryFailed");
}

TEST_F(TopicServiceTest, PublishChecksMessageSubjectAndAttributes) {
  std::string topic = NewTopic();
  auto code = [&](PublishInput in) {
    in.topic_arn = topic;
    if (in.message.empty()) in.message = "m";
    return topics_->Publish(in).status().code();
  };
  const ErrorCode bad = sns::kInvalidParameterException;
  EXPECT_EQ(code({.message = std::string(262144, 'a')}), ErrorCode::kOk);
  EXPECT_EQ(code({.message = std::string(262145, 'a')}), bad);
  EXPECT_EQ(code({.message = std::string(262140, 'a'),
                  .attributes = {{"Key", {"String", "value", ""}}}}),
            bad);
  EXPECT_EQ(code({.subject = std::string(101, 's')}), bad);
  EXPECT_EQ(code({.subject = "two\nlines"}), bad);
  EXPECT_EQ(code({.subject = ""}), bad);
  EXPECT_EQ(code({.attributes = {{"k", {"Colour", "x", ""}}}}), bad);
  EXPECT_EQ(code({.attributes = {{"k", {"String", "", ""}}}}), bad);
  EXPECT_EQ(code({.attributes = {{"k", {"String.Array", "nope", ""}}}}), bad);
  EXPECT_EQ(code({.attributes = {{"k", {"String.Array", "[\"a\"]", ""}}}}),
            ErrorCode::kOk);
  SnsMessageAttributes eleven;
  for (int i = 0; i < 11; ++i)
    eleven["a" + std::to_string(i)] = {"Number", "1", ""};
  EXPECT_EQ(code({.attributes = eleven}), bad);
  EXPECT_EQ(code({.message = "{\"sqs\":\"x\"}", .message_structure = "json"}),
            bad);
  EXPECT_EQ(code({.message = "not json", .message_structure = "json"}), bad);
  EXPECT_EQ(code({.message_structure = "xml"}), bad);
  auto empty = topics_->Publish({.topic_arn = topic, .message = ""});
  EXPECT_EQ(empty.status().code(), bad);
}

TEST_F(TopicServiceTest, MessageStructureJsonPicksEachProtocolsMessage) {
  std::string topic = NewTopic();
  MustSubscribe(topic, "sqs", kQueueArn, {{"RawMessageDelivery", "true"}});
  MustSubscribe(topic, "email", "ops@example.com");
  MustPublish({.topic_arn = topic,
               .message = R"({"default":"plain","sqs":"for queues"})",
               .message_structure = "json"});
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].body, "for queues");
  EXPECT_EQ(topics_->outbox().at(0).body, "plain");
}

TEST_F(TopicServiceTest, ObserverSeesEveryChangeInOrder) {
  std::string topic = NewTopic();
  std::string sub = MustSubscribe(topic, "sqs", kQueueArn);
  MustPublish({.topic_arn = topic, .message = "m"});
  ASSERT_TRUE(topics_->Unsubscribe(sub).ok());
  ASSERT_TRUE(topics_->DeleteTopic(topic).ok());
  EXPECT_THAT(recorder_.kinds,
              ElementsAre("TopicCreated", "Subscribed", "Published",
                          "Delivered", "Unsubscribed", "TopicDeleted"));
}

TEST_F(TopicServiceTest, SubscriptionAttributesCanTurnRawDeliveryOn) {
  std::string topic = NewTopic();
  std::string sub = MustSubscribe(topic, "sqs", kQueueArn);
  ASSERT_TRUE(
      topics_->SetSubscriptionAttribute(sub, "RawMessageDelivery", "true")
          .ok());
  EXPECT_TRUE(topics_->GetSubscription(sub)->raw_message_delivery);
  EXPECT_EQ(
      topics_->SetSubscriptionAttribute(sub, "RawMessageDelivery", "1").code(),
      sns::kInvalidParameterException);
  EXPECT_EQ(topics_->SetSubscriptionAttribute(sub, "FilterPolicy", "[").code(),
            sns::kInvalidParameterException);
  EXPECT_EQ(
      topics_->SetSubscriptionAttribute(sub + "0", "RawMessageDelivery", "true")
          .code(),
      sns::kNotFoundException);
}

}  // namespace
}  // namespace fanlab::services
