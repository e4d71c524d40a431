// S3 event notifications: rule validation and matching, the event record,
// and the BucketService sending one record per matching rule for each
// object created (Put, Copy, CompleteMultipartUpload) or deleted. On a
// VirtualClock; no sleeps.
#include "emulator/services/bucket_notifications.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emulator/services/bucket_service.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kFunctionArn[] =
    "arn:aws:lambda:us-east-1:000000000000:function:thumbs";
constexpr char kQueueArn[] = "arn:aws:sqs:us-east-1:000000000000:uploads";

NotificationRule Rule(std::vector<std::string> events, std::string prefix = "",
                      std::string suffix = "") {
  return {.id = "",
          .kind = NotificationTargetKind::kFunction,
          .arn = kFunctionArn,
          .events = std::move(events),
          .prefix = std::move(prefix),
          .suffix = std::move(suffix)};
}

TEST(BucketNotificationsTest, RulesMatchEventsAndKeyFilters) {
  NotificationRule created = Rule({"s3:ObjectCreated:*"}, "images/", ".jpg");
  EXPECT_TRUE(
      NotificationMatches(created, "ObjectCreated:Put", "images/a.jpg"));
  EXPECT_TRUE(
      NotificationMatches(created, "ObjectCreated:Copy", "images/a.jpg"));
  EXPECT_FALSE(
      NotificationMatches(created, "ObjectRemoved:Delete", "images/a.jpg"));
  EXPECT_FALSE(NotificationMatches(created, "ObjectCreated:Put", "a.jpg"));
  EXPECT_FALSE(
      NotificationMatches(created, "ObjectCreated:Put", "images/a.png"));
  NotificationRule put = Rule({"s3:ObjectCreated:Put", "s3:ObjectRemoved:*"});
  EXPECT_TRUE(NotificationMatches(put, "ObjectCreated:Put", "x"));
  EXPECT_FALSE(NotificationMatches(put, "ObjectCreated:Copy", "x"));
  EXPECT_TRUE(NotificationMatches(put, "ObjectRemoved:Delete", "x"));
}

TEST(BucketNotificationsTest, BadConfigurationsNameWhatIsWrong) {
  auto error = [](NotificationConfiguration c) {
    Status s = ValidateNotificationConfiguration(c);
    EXPECT_EQ(s.code(), s3::kInvalidArgument);
    return s.message();
  };
  EXPECT_THAT(error({{Rule({})}}), HasSubstr("names no Events"));
  EXPECT_THAT(error({{Rule({"s3:ObjectCreated:Bogus"})}}),
              HasSubstr("s3:ObjectCreated:Bogus"));
  NotificationRule queue_as_function = Rule({"s3:ObjectCreated:*"});
  queue_as_function.arn = kQueueArn;
  EXPECT_THAT(error({{queue_as_function}}), HasSubstr(kQueueArn));
  NotificationRule a = Rule({"s3:ObjectCreated:*"});
  a.id = "same";
  EXPECT_THAT(error({{a, a}}), HasSubstr("Id same"));
  NotificationConfiguration many;
  many.rules.resize(kMaxNotificationRules + 1, Rule({"s3:ObjectCreated:*"}));
  for (size_t i = 0; i < many.rules.size(); ++i) {
    many.rules[i].id = std::to_string(i);
  }
  EXPECT_THAT(error(many), HasSubstr("at most"));
  many.rules.pop_back();
  EXPECT_TRUE(ValidateNotificationConfiguration(many).ok());
}

TEST(BucketNotificationsTest, KeysAreUrlEncodedAsS3Writes) {
  EXPECT_EQ(S3EventKey("images/my photo+1.jpg"), "images/my+photo%2B1.jpg");
  EXPECT_EQ(S3EventKey("caf\xC3\xA9?&="), "caf%C3%A9%3F%26%3D");
  EXPECT_EQ(S3EventSequencer(255), "00000000000000FF");
}

class NotifyingBucketTest : public ::testing::Test {
 protected:
  NotifyingBucketTest() : svc_(clock_) {
    EXPECT_TRUE(svc_.CreateBucket("uploads").ok());
    svc_.SetNotifier([this](const NotificationRule& rule,
                            const std::string& record) -> Status {
      sent_.push_back({rule.id, json::parse(record).as_object()});
      return refuse_ ? Status(s3::kInvalidArgument, "refused") : Status::Ok();
    });
  }
  // eventName of each record sent, with its rule's id.
  std::vector<std::string> Sent() const {
    std::vector<std::string> out;
    for (const auto& [id, record] : sent_) {
      out.push_back(
          id + " " +
          std::string(record.at("Records").at(0).at("eventName").as_string()));
    }
    return out;
  }

  VirtualClock clock_;
  BucketService svc_;
  std::vector<std::pair<std::string, json::object>> sent_;
  bool refuse_ = false;
};

TEST_F(NotifyingBucketTest, EachChangeSendsTheRecordOfItsEvent) {
  NotificationRule all = Rule({"s3:ObjectCreated:*", "s3:ObjectRemoved:*"});
  NotificationRule jpg = Rule({"s3:ObjectCreated:Put"}, "", ".jpg");
  jpg.id = "jpg";
  ASSERT_TRUE(
      svc_.PutBucketNotificationConfiguration("uploads", {{all, jpg}}).ok());
  // A rule without an Id got one.
  auto config = svc_.GetBucketNotificationConfiguration("uploads");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->rules[0].id, "Notification1");

  clock_.Advance(std::chrono::milliseconds(1500));
  ASSERT_TRUE(
      svc_.PutObject(
              {.bucket = "uploads", .key = "in/my photo.jpg", .body = "hello"})
          .ok());
  ASSERT_EQ(sent_.size(), 2u);
  const json::object& r = sent_[0].second.at("Records").at(0).as_object();
  EXPECT_EQ(r.at("eventVersion"), "2.1");
  EXPECT_EQ(r.at("eventSource"), "aws:s3");
  EXPECT_EQ(r.at("awsRegion"), "us-east-1");
  EXPECT_EQ(r.at("eventTime"), "2026-01-01T00:00:01.500Z");
  EXPECT_EQ(r.at("eventName"), "ObjectCreated:Put");
  const json::object& s3 = r.at("s3").as_object();
  EXPECT_EQ(s3.at("s3SchemaVersion"), "1.0");
  EXPECT_EQ(s3.at("configurationId"), "Notification1");
  EXPECT_EQ(s3.at("bucket").at("name"), "uploads");
  EXPECT_EQ(s3.at("bucket").at("arn"), "arn:aws:s3:::uploads");
  EXPECT_EQ(s3.at("object").at("key"), "in/my+photo.jpg");
  EXPECT_EQ(s3.at("object").at("size"), 5);
  EXPECT_EQ(s3.at("object").at("eTag"), "5d41402abc4b2a76b9719d911017c592");
  std::string first_sequencer(s3.at("object").at("sequencer").as_string());

  ASSERT_TRUE(svc_.CopyObject({.source_bucket = "uploads",
                               .source_key = "in/my photo.jpg",
                               .bucket = "uploads",
                               .key = "copy.png"})
                  .ok());
  ASSERT_TRUE(svc_.DeleteObject("uploads", "copy.png").ok());
  ASSERT_TRUE(svc_.DeleteObject("uploads", "never-there").ok());  // nothing
  auto upload = svc_.CreateMultipartUpload({.bucket = "uploads", .key = "big"});
  ASSERT_TRUE(upload.ok());
  auto part = svc_.UploadPart({.bucket = "uploads",
                               .key = "big",
                               .upload_id = upload->upload_id,
                               .part_number = 1,
                               .body = "x"});
  ASSERT_TRUE(part.ok());
  ASSERT_TRUE(svc_.CompleteMultipartUpload({.bucket = "uploads",
                                            .key = "big",
                                            .upload_id = upload->upload_id,
                                            .parts = {{1, part->etag, ""}}})
                  .ok());
  EXPECT_THAT(Sent(), ElementsAre("Notification1 ObjectCreated:Put",
                                  "jpg ObjectCreated:Put",
                                  "Notification1 ObjectCreated:Copy",
                                  "Notification1 ObjectRemoved:Delete",
                                  "Notification1 "
                                  "ObjectCreated:CompleteMultipartUpload"));
  // A removed object's record has no size or eTag; sequencers increase.
  const json::object& removed =
      sent_[3].second.at("Records").at(0).at("s3").at("object").as_object();
  EXPECT_FALSE(removed.contains("size"));
  EXPECT_FALSE(removed.contains("eTag"));
  EXPECT_GT(std::string(removed.at("sequencer").as_string()), first_sequencer);
}

TEST_F(NotifyingBucketTest, ARefusedDeliveryIsPublished) {
  struct Seen : ServiceObserver {
    void OnServiceEvent(const ServiceEvent& e) override {
      if (e.kind == "NotificationFailed")
        failed.push_back(std::string(e.detail));
    }
    std::vector<std::string> failed;
  } seen;
  svc_.SetObserver(&seen);
  ASSERT_TRUE(svc_.PutBucketNotificationConfiguration(
                      "uploads", {{Rule({"s3:ObjectCreated:*"})}})
                  .ok());
  refuse_ = true;
  ASSERT_TRUE(svc_.PutObject({.bucket = "uploads", .key = "k", .body = "b"})
                  .ok());  // the object is stored all the same
  ASSERT_EQ(seen.failed.size(), 1u);
  EXPECT_THAT(seen.failed[0], HasSubstr(kFunctionArn));
  EXPECT_THAT(seen.failed[0], HasSubstr("refused"));
}

TEST_F(NotifyingBucketTest, ConfigurationsNeedTheirBucketAndGoWithIt) {
  EXPECT_EQ(svc_.PutBucketNotificationConfiguration("nope", {}).code(),
            s3::kNoSuchBucket);
  EXPECT_EQ(svc_.GetBucketNotificationConfiguration("nope").status().code(),
            s3::kNoSuchBucket);
  ASSERT_TRUE(svc_.PutBucketNotificationConfiguration(
                      "uploads", {{Rule({"s3:ObjectCreated:*"})}})
                  .ok());
  // An empty configuration removes the rules.
  ASSERT_TRUE(svc_.PutBucketNotificationConfiguration("uploads", {}).ok());
  ASSERT_TRUE(
      svc_.PutObject({.bucket = "uploads", .key = "k", .body = "b"}).ok());
  EXPECT_TRUE(sent_.empty());
  ASSERT_TRUE(svc_.PutBucketNotificationConfiguration(
                      "uploads", {{Rule({"s3:ObjectCreated:*"})}})
                  .ok());
  ASSERT_TRUE(svc_.DeleteObject("uploads", "k").ok());
  ASSERT_TRUE(svc_.DeleteBucket("uploads").ok());
  ASSERT_TRUE(svc_.CreateBucket("uploads").ok());
  EXPECT_TRUE(
      svc_.GetBucketNotificationConfiguration("uploads")->rules.empty());
}

}  // namespace
}  // namespace fanlab::services
