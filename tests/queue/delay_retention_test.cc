// Delays (queue DelaySeconds, per-message DelaySeconds) and retention
// (MessageRetentionPeriod): docs/queue-semantics.md, "Queue attributes",
// "Messages" and "Delays and retention".
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "emulator/queue/sqs_errors.h"
#include "tests/queue/queue_fixture.h"

namespace fanlab::queue::testing {
namespace {

using std::chrono::microseconds;

class DelayRetentionTest : public QueueServiceTest {
 protected:
  Status SendDelayed(const std::string& url, const std::string& body,
                     std::optional<int64_t> delay) {
    SendMessageRequest req;
    req.queue_url = url;
    req.message_body = body;
    req.delay_seconds = delay;
    return service_.SendMessage(req).status();
  }

  Status CreateStatus(const std::string& name, AttributeMap attrs) {
    return service_.CreateQueue({name, std::move(attrs), {}}).status();
  }

  Status SetAttribute(const std::string& url, const std::string& name,
                      const std::string& value) {
    return service_.SetQueueAttributes({url, {{name, value}}}).status();
  }

  size_t Total(const std::string& name) {
    QueueDepth d = Depth(name);
    return d.visible + d.in_flight + d.delayed;
  }

  // The `at` of every kMessageExpired event, in delivery order.
  std::vector<TimePoint> ExpiryInstants() const {
    std::vector<TimePoint> out;
    for (const auto& e : observer_.events) {
      if (e.kind == QueueEventKind::kMessageExpired) out.push_back(e.at);
    }
    return out;
  }
};

// --- Delays ---------------------------------------------------------------

TEST_F(DelayRetentionTest, DefaultDelayIsZero) {
  std::string url = Create("q");
  EXPECT_EQ(Attribute(url, "DelaySeconds"), "0");
  Send(url, "m");
  EXPECT_EQ(Depth("q").delayed, 0u);
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(DelayRetentionTest, QueueDelayBecomesReceivableExactlyAtSentPlusDelay) {
  std::string url = Create("q", {{"DelaySeconds", "10"}});
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  EXPECT_EQ(Depth("q").delayed, 1u);
  EXPECT_EQ(Depth("q").visible, 0u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesDelayed"), "1");

  clock_.AdvanceTo(t0 + seconds(10) - kTick);
  EXPECT_TRUE(NothingReceivable(url)) << "delivered before the delay ended";
  EXPECT_EQ(Depth("q").delayed, 1u);

  clock_.AdvanceTo(t0 + seconds(10));
  EXPECT_EQ(Depth("q").delayed, 0u);
  EXPECT_EQ(Depth("q").visible, 1u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesDelayed"), "0");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "1");
  std::vector<Message> got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "m");
}

TEST_F(DelayRetentionTest, PerMessageDelayOnStandardQueue) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(SendDelayed(url, "late", 5).ok());
  Send(url, "now");
  std::vector<Message> got = Receive(url, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "now");
  clock_.AdvanceTo(t0 + seconds(5) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(5));
  got = Receive(url, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "late");
}

TEST_F(DelayRetentionTest, PerMessageDelayOverridesQueueDelay) {
  std::string url = Create("q", {{"DelaySeconds", "10"}});
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(SendDelayed(url, "zero", 0).ok());
  ASSERT_TRUE(SendDelayed(url, "twenty", 20).ok());
  ASSERT_TRUE(SendDelayed(url, "queue-default", std::nullopt).ok());

  std::vector<Message> got = Receive(url, 10);
  ASSERT_EQ(got.size(), 1u) << "DelaySeconds=0 must override the queue's 10";
  EXPECT_EQ(got[0].body, "zero");
  EXPECT_EQ(Depth("q").delayed, 2u);

  clock_.AdvanceTo(t0 + seconds(10));
  got = Receive(url, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "queue-default");

  clock_.AdvanceTo(t0 + seconds(20) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(20));
  got = Receive(url, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "twenty");
}

TEST_F(DelayRetentionTest, PerMessageDelayBounds) {
  std::string url = Create("q");
  EXPECT_TRUE(SendDelayed(url, "max", 900).ok());
  for (int64_t bad : {int64_t{901}, int64_t{-1}}) {
    Status s = SendDelayed(url, "bad", bad);
    EXPECT_EQ(s.code(), sqs::kInvalidParameterValue)
        << bad << ": " << s.ToString();
  }
  EXPECT_EQ(Depth("q").delayed, 1u) << "a refused message was stored";
}

TEST_F(DelayRetentionTest, MaximumPerMessageDelayEndsExactlyAt900Seconds) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(SendDelayed(url, "m", 900).ok());
  clock_.AdvanceTo(t0 + seconds(900) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(900));
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(DelayRetentionTest, QueueDelaySecondsBounds) {
  EXPECT_TRUE(CreateStatus("max", {{"DelaySeconds", "900"}}).ok());
  EXPECT_TRUE(CreateStatus("min", {{"DelaySeconds", "0"}}).ok());
  for (const char* bad : {"901", "-1", "ten"}) {
    Status s = CreateStatus("bad", {{"DelaySeconds", bad}});
    EXPECT_EQ(s.code(), sqs::kInvalidAttributeValue)
        << bad << ": " << s.ToString();
  }
  std::string url = Create("q");
  EXPECT_TRUE(SetAttribute(url, "DelaySeconds", "900").ok());
  EXPECT_EQ(Attribute(url, "DelaySeconds"), "900");
  Status s = SetAttribute(url, "DelaySeconds", "901");
  EXPECT_EQ(s.code(), sqs::kInvalidAttributeValue) << s.ToString();
  EXPECT_EQ(Attribute(url, "DelaySeconds"), "900");
}

TEST_F(DelayRetentionTest, QueueDelaySetLaterAppliesToNewMessages) {
  std::string url = Create("q");
  ASSERT_TRUE(SetAttribute(url, "DelaySeconds", "30").ok());
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  clock_.AdvanceTo(t0 + seconds(30) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(30));
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(DelayRetentionTest, FifoQueueLevelDelay) {
  std::string url = Create("q.fifo", {{"DelaySeconds", "15"}});
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  EXPECT_EQ(Depth("q.fifo").delayed, 1u);
  clock_.AdvanceTo(t0 + seconds(15) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(15));
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(DelayRetentionTest, DelayedMessageSentTimestampIsTheSendInstant) {
  std::string url = Create("q");
  std::string sent_ms = std::to_string(ToEpochMillis(clock_.Now()));
  ASSERT_TRUE(SendDelayed(url, "m", 60).ok());
  Advance(seconds(60));
  std::vector<Message> got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attributes["SentTimestamp"], sent_ms);
}

// --- Retention --------------------------------------------------------------

TEST_F(DelayRetentionTest, DefaultRetentionIsFourDays) {
  std::string url = Create("q");
  EXPECT_EQ(Attribute(url, "MessageRetentionPeriod"), "345600");
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  clock_.AdvanceTo(t0 + seconds(345600) - kTick);
  EXPECT_EQ(Depth("q").visible, 1u);
  clock_.AdvanceTo(t0 + seconds(345600));
  EXPECT_EQ(Depth("q").visible, 0u);
}

TEST_F(DelayRetentionTest, RetentionBounds) {
  EXPECT_TRUE(CreateStatus("min", {{"MessageRetentionPeriod", "60"}}).ok());
  EXPECT_TRUE(
      CreateStatus("max", {{"MessageRetentionPeriod", "1209600"}}).ok());
  for (const char* bad : {"59", "1209601", "0", "-60", "x"}) {
    Status s = CreateStatus("bad", {{"MessageRetentionPeriod", bad}});
    EXPECT_EQ(s.code(), sqs::kInvalidAttributeValue)
        << bad << ": " << s.ToString();
  }
  std::string url = Create("q");
  Status s59 = SetAttribute(url, "MessageRetentionPeriod", "59");
  EXPECT_EQ(s59.code(), sqs::kInvalidAttributeValue) << s59.ToString();
  Status s_big = SetAttribute(url, "MessageRetentionPeriod", "1209601");
  EXPECT_EQ(s_big.code(), sqs::kInvalidAttributeValue) << s_big.ToString();
  EXPECT_EQ(Attribute(url, "MessageRetentionPeriod"), "345600");
}

TEST_F(DelayRetentionTest, MessageExpiresExactlyAtSentPlusRetention) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "60"}});
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  clock_.AdvanceTo(t0 + seconds(59));
  EXPECT_EQ(Depth("q").visible, 1u);
  clock_.AdvanceTo(t0 + seconds(60) - kTick);
  EXPECT_EQ(Depth("q").visible, 1u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "1");

  clock_.AdvanceTo(t0 + seconds(60));
  EXPECT_EQ(Total("q"), 0u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_TRUE(NothingReceivable(url));
  ASSERT_EQ(ExpiryInstants().size(), 1u);
  EXPECT_EQ(ExpiryInstants()[0], t0 + seconds(60));
}

TEST_F(DelayRetentionTest, ReceivableJustBeforeExpiry) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "60"}});
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  clock_.AdvanceTo(t0 + seconds(60) - kTick);
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(DelayRetentionTest, MessageExpiresWhileInFlight) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "60"}});
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  clock_.AdvanceTo(t0 + seconds(59));
  std::vector<Message> got = Receive(url, 1, 300);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(Depth("q").in_flight, 1u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "1");

  clock_.AdvanceTo(t0 + seconds(60));
  EXPECT_EQ(Depth("q").in_flight, 0u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  Status c = ChangeVisibility(url, got[0].receipt_handle, 10);
  EXPECT_EQ(c.code(), sqs::kInvalidParameterValue) << c.ToString();
  ASSERT_EQ(ExpiryInstants().size(), 1u);
  EXPECT_EQ(ExpiryInstants()[0], t0 + seconds(60));
  // Its in-flight period would have ended at 359 s: it must not come back.
  clock_.AdvanceTo(t0 + seconds(400));
  EXPECT_TRUE(NothingReceivable(url));
}

TEST_F(DelayRetentionTest, DelayedMessageExpiresBeforeItIsEverVisible) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "60"}});
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(SendDelayed(url, "m", 120).ok());
  clock_.AdvanceTo(t0 + seconds(60) - kTick);
  EXPECT_EQ(Depth("q").delayed, 1u);
  clock_.AdvanceTo(t0 + seconds(60));
  EXPECT_EQ(Depth("q").delayed, 0u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesDelayed"), "0");
  clock_.AdvanceTo(t0 + seconds(120));
  EXPECT_TRUE(NothingReceivable(url));
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageExpired), 1u);
}

TEST_F(DelayRetentionTest, RetentionCountsFromSendNotFromDelayEnd) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "60"}});
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(SendDelayed(url, "m", 30).ok());
  clock_.AdvanceTo(t0 + seconds(60) - kTick);
  EXPECT_EQ(Depth("q").visible, 1u);
  clock_.AdvanceTo(t0 + seconds(60));
  EXPECT_EQ(Total("q"), 0u);
}

TEST_F(DelayRetentionTest, MaximumRetentionExpiresExactly) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "1209600"}});
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  clock_.AdvanceTo(t0 + seconds(1209600) - kTick);
  EXPECT_EQ(Depth("q").visible, 1u);
  clock_.AdvanceTo(t0 + seconds(1209600));
  EXPECT_EQ(Depth("q").visible, 0u);
}

TEST_F(DelayRetentionTest, EachMessageExpiresAtItsOwnInstant) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "60"}});
  TimePoint t0 = clock_.Now();
  Send(url, "a");
  clock_.AdvanceTo(t0 + seconds(10));
  Send(url, "b");
  clock_.AdvanceTo(t0 + seconds(60));
  EXPECT_EQ(Depth("q").visible, 1u);
  clock_.AdvanceTo(t0 + seconds(70) - kTick);
  std::vector<Message> got = Receive(url, 10, 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "b");
  clock_.AdvanceTo(t0 + seconds(70));
  EXPECT_EQ(Total("q"), 0u);
  std::vector<TimePoint> at = ExpiryInstants();
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(at[0], t0 + seconds(60));
  EXPECT_EQ(at[1], t0 + seconds(70));
}

TEST_F(DelayRetentionTest, ExpiredMessageCannotBeDeletedOrChanged) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "60"}});
  Send(url, "m");
  std::vector<Message> got = Receive(url, 1, 0);  // stays visible
  ASSERT_EQ(got.size(), 1u);
  Advance(seconds(60));
  Status c = ChangeVisibility(url, got[0].receipt_handle, 30);
  EXPECT_EQ(c.code(), sqs::kInvalidParameterValue) << c.ToString();
  Status d = Delete(url, got[0].receipt_handle);
  EXPECT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeleted), 0u)
      << "an expired message was reported deleted";
}

TEST_F(DelayRetentionTest, ReducingRetentionAppliesToStoredMessages) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  Send(url, "old");  // age 100 s when retention drops to 60
  clock_.AdvanceTo(t0 + seconds(70));
  Send(url, "young");  // age 30 s then
  clock_.AdvanceTo(t0 + seconds(100));
  ASSERT_TRUE(SetAttribute(url, "MessageRetentionPeriod", "60").ok());

  EXPECT_EQ(Depth("q").visible, 1u) << "\"old\" is past the new retention";
  clock_.AdvanceTo(t0 + seconds(130) - kTick);
  std::vector<Message> got = Receive(url, 10, 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "young");
  clock_.AdvanceTo(t0 + seconds(130));
  EXPECT_EQ(Total("q"), 0u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageExpired), 2u);
}

TEST_F(DelayRetentionTest, ReducedRetentionExpiresInFlightMessage) {
  std::string url = Create("q");
  Send(url, "m");
  std::vector<Message> got = Receive(url, 1, 3600);
  ASSERT_EQ(got.size(), 1u);
  Advance(seconds(120));
  ASSERT_TRUE(SetAttribute(url, "MessageRetentionPeriod", "60").ok());
  EXPECT_EQ(Total("q"), 0u);
}

TEST_F(DelayRetentionTest, IncreasingRetentionAppliesToStoredMessages) {
  std::string url = Create("q", {{"MessageRetentionPeriod", "60"}});
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  clock_.AdvanceTo(t0 + seconds(30));
  ASSERT_TRUE(SetAttribute(url, "MessageRetentionPeriod", "120").ok());
  clock_.AdvanceTo(t0 + seconds(120) - kTick);
  EXPECT_EQ(Depth("q").visible, 1u) << "expired under the old retention";
  clock_.AdvanceTo(t0 + seconds(120));
  EXPECT_EQ(Depth("q").visible, 0u);
}

}  // namespace
}  // namespace fanlab::queue::testing
