// Visibility timeouts, ChangeMessageVisibility and the per-message receive
// attributes (docs/queue-semantics.md, "Receiving" and "Visibility and
// receipt handles"). Receipt-handle validity has its own file
// (receipt_handle_test.cc).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/queue/sqs_errors.h"
#include "tests/queue/queue_fixture.h"

namespace fanlab::queue::testing {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

class VisibilityTest : public QueueServiceTest {
 protected:
  Status ReceiveWithVisibility(const std::string& url, int64_t visibility) {
    ReceiveMessageRequest req;
    req.queue_url = url;
    req.visibility_timeout = visibility;
    return service_.ReceiveMessageNow(req).status();
  }

  std::string EpochMillis(TimePoint t) {
    return std::to_string(ToEpochMillis(t));
  }
};

TEST_F(VisibilityTest, DefaultVisibilityTimeoutIs30Seconds) {
  std::string url = Create("q");
  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "30");
}

TEST_F(VisibilityTest, MessageReappearsExactlyAtDefaultExpiry) {
  std::string url = Create("q");
  Send(url, "hello");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(ReceiveOne(url).has_value());

  clock_.AdvanceTo(t0 + seconds(30) - kTick);
  EXPECT_EQ(Depth("q").in_flight, 1u);
  EXPECT_EQ(Depth("q").visible, 0u);
  EXPECT_TRUE(NothingReceivable(url)) << "visible before 30 s";

  clock_.AdvanceTo(t0 + seconds(30));
  EXPECT_EQ(Depth("q").in_flight, 0u);
  EXPECT_EQ(Depth("q").visible, 1u);
  auto again = ReceiveOne(url);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->body, "hello");
}

TEST_F(VisibilityTest, QueueVisibilityTimeoutAttributeIsTheDefault) {
  std::string url = Create("q", {{"VisibilityTimeout", "5"}});
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(ReceiveOne(url).has_value());
  clock_.AdvanceTo(t0 + seconds(5) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(5));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_F(VisibilityTest, VisibilityTimeoutChangedBySetQueueAttributes) {
  std::string url = Create("q");
  ASSERT_TRUE(
      service_.SetQueueAttributes({url, {{"VisibilityTimeout", "7"}}}).ok());
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(ReceiveOne(url).has_value());
  clock_.AdvanceTo(t0 + seconds(7) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(7));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_F(VisibilityTest, ReceiveOverrideAppliesToThatReceiveOnly) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(ReceiveOne(url, 10).has_value());
  clock_.AdvanceTo(t0 + seconds(10) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(10));

  // The next receive gives no override: the queue's 30 s applies again.
  TimePoint t1 = clock_.Now();
  ASSERT_TRUE(ReceiveOne(url).has_value());
  clock_.AdvanceTo(t1 + seconds(30) - kTick);
  EXPECT_TRUE(NothingReceivable(url)) << "override leaked to a later receive";
  clock_.AdvanceTo(t1 + seconds(30));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_F(VisibilityTest, ReceiveOverrideDoesNotChangeQueueAttribute) {
  std::string url = Create("q");
  Send(url, "m");
  ASSERT_TRUE(ReceiveOne(url, 600).has_value());
  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "30");
}

TEST_F(VisibilityTest, ReceiveOverrideZeroLeavesMessageVisible) {
  std::string url = Create("q");
  Send(url, "m");
  auto first = ReceiveOne(url, 0);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Depth("q").visible, 1u);
  EXPECT_EQ(Depth("q").in_flight, 0u);
  auto second = ReceiveOne(url, 0);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->message_id, first->message_id);
  EXPECT_EQ(second->attributes["ApproximateReceiveCount"], "2");
}

TEST_F(VisibilityTest, ReceiveOverrideBoundsAccepted) {
  std::string url = Create("q");
  Send(url, "m");
  EXPECT_TRUE(ReceiveWithVisibility(url, 43200).ok());
  EXPECT_EQ(Depth("q").in_flight, 1u);
  TimePoint t0 = clock_.Now();
  clock_.AdvanceTo(t0 + seconds(43200) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(43200));
  EXPECT_TRUE(ReceiveWithVisibility(url, 0).ok());
}

TEST_F(VisibilityTest, ReceiveOverrideOutOfRangeIsInvalidParameterValue) {
  std::string url = Create("q");
  Send(url, "m");
  for (int64_t bad : {int64_t{-1}, int64_t{43201}}) {
    Status s = ReceiveWithVisibility(url, bad);
    EXPECT_EQ(s.code(), sqs::kInvalidParameterValue)
        << bad << ": " << s.ToString();
  }
  // A refused receive receives nothing.
  EXPECT_EQ(Depth("q").visible, 1u);
  EXPECT_EQ(Depth("q").in_flight, 0u);
}

TEST_F(VisibilityTest, ChangeVisibilityCountsFromTheCall) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  clock_.AdvanceTo(t0 + seconds(20));
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 15).ok());
  // Visible at 20 + 15 = 35 s, not at 15 s nor at 30 s.
  clock_.AdvanceTo(t0 + seconds(35) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(35));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_F(VisibilityTest, ChangeVisibilityCanShortenTheTimeout) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 5).ok());
  clock_.AdvanceTo(t0 + seconds(5) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(5));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_F(VisibilityTest, ChangeVisibilityZeroMakesMessageVisibleNow) {
  std::string url = Create("q");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 0).ok());
  EXPECT_EQ(Depth("q").visible, 1u);
  EXPECT_EQ(Depth("q").in_flight, 0u);
  auto again = ReceiveOne(url);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->message_id, m->message_id);
}

TEST_F(VisibilityTest, ChangeVisibilityPublishesNewVisibleAt) {
  std::string url = Create("q");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  Advance(seconds(3));
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 100).ok());
  EXPECT_EQ(observer_.Count(QueueEventKind::kVisibilityChanged), 1u);
}

TEST_F(VisibilityTest, ChangeVisibilityUpToTwelveHoursFromReceiveIsAccepted) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url, 3600);  // still in flight at 100 s
  ASSERT_TRUE(m.has_value());
  clock_.AdvanceTo(t0 + seconds(100));
  // 100 + 43100 = 43200 s after the receive: exactly the cap.
  Status s = ChangeVisibility(url, m->receipt_handle, 43100);
  ASSERT_TRUE(s.ok()) << s.ToString();
  clock_.AdvanceTo(t0 + seconds(43200) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(43200));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_F(VisibilityTest, ChangeVisibilityPastTwelveHoursIsRejectedNotClamped) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  clock_.AdvanceTo(t0 + seconds(10));
  // 10 + 43191 = 43201 s after the receive: one second past the cap.
  Status s = ChangeVisibility(url, m->receipt_handle, 43191);
  EXPECT_EQ(s.code(), sqs::kInvalidParameterValue) << s.ToString();
  EXPECT_EQ(observer_.Count(QueueEventKind::kVisibilityChanged), 0u);
  // Not clamped to the cap: the original 30 s timeout still holds.
  clock_.AdvanceTo(t0 + seconds(30) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(30));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_F(VisibilityTest, TwelveHourCapCountsFromReceiveNotFromLastChange) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url, 3600);
  ASSERT_TRUE(m.has_value());
  clock_.AdvanceTo(t0 + seconds(1000));
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 1000).ok());
  clock_.AdvanceTo(t0 + seconds(1500));
  // 1500 + 41700 = 43200: accepted; 1500 + 41701: refused.
  EXPECT_TRUE(ChangeVisibility(url, m->receipt_handle, 41700).ok());
  Status s = ChangeVisibility(url, m->receipt_handle, 41701);
  EXPECT_EQ(s.code(), sqs::kInvalidParameterValue) << s.ToString();
}

TEST_F(VisibilityTest, TwelveHourCapWithMaximalReceiveOverride) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url, 43200);
  ASSERT_TRUE(m.has_value());
  clock_.AdvanceTo(t0 + seconds(1));
  EXPECT_TRUE(ChangeVisibility(url, m->receipt_handle, 43199).ok());
  Status s = ChangeVisibility(url, m->receipt_handle, 43200);
  EXPECT_EQ(s.code(), sqs::kInvalidParameterValue) << s.ToString();
}

TEST_F(VisibilityTest, TwelveHourCapRestartsWithEveryInFlightPeriod) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(ReceiveOne(url).has_value());
  clock_.AdvanceTo(t0 + seconds(30));
  // A new in-flight period starts with this receive at 30 s.
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  Status ok = ChangeVisibility(url, m->receipt_handle, 43200);
  EXPECT_TRUE(ok.ok()) << "cap must count from the receive at 30 s: "
                       << ok.ToString();
  clock_.AdvanceTo(t0 + seconds(31));
  Status s = ChangeVisibility(url, m->receipt_handle, 43200);
  EXPECT_EQ(s.code(), sqs::kInvalidParameterValue) << s.ToString();
}

TEST_F(VisibilityTest, ChangeVisibilityOutOfRangeIsInvalidParameterValue) {
  std::string url = Create("q");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  for (int64_t bad : {int64_t{-1}, int64_t{43201}}) {
    Status s = ChangeVisibility(url, m->receipt_handle, bad);
    EXPECT_EQ(s.code(), sqs::kInvalidParameterValue)
        << bad << ": " << s.ToString();
  }
  EXPECT_EQ(Depth("q").in_flight, 1u);
}

TEST_F(VisibilityTest, EveryReceiveIssuesANewReceiptHandle) {
  std::string url = Create("q");
  Send(url, "m");
  std::set<std::string> handles;
  std::string id;
  for (int i = 0; i < 5; ++i) {
    auto m = ReceiveOne(url, 0);
    ASSERT_TRUE(m.has_value());
    if (i == 0) id = m->message_id;
    EXPECT_EQ(m->message_id, id);
    EXPECT_FALSE(m->receipt_handle.empty());
    handles.insert(m->receipt_handle);
  }
  EXPECT_EQ(handles.size(), 5u);
}

TEST_F(VisibilityTest, ReceiptHandlesDifferAcrossMessages) {
  std::string url = Create("q");
  Send(url, "a");
  Send(url, "b");
  std::vector<Message> got = Receive(url, 10);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].receipt_handle, got[1].receipt_handle);
  EXPECT_NE(got[0].message_id, got[1].message_id);
}

TEST_F(VisibilityTest, ApproximateReceiveCountCountsEveryReceive) {
  std::string url = Create("q");
  Send(url, "m");
  for (int i = 1; i <= 4; ++i) {
    auto m = ReceiveOne(url);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->attributes["ApproximateReceiveCount"], std::to_string(i));
    Advance(seconds(30));
  }
}

TEST_F(VisibilityTest, FirstReceiveTimestampIsKeptOnLaterReceives) {
  std::string url = Create("q");
  Send(url, "m");
  Advance(milliseconds(1234));
  std::string first_ms = EpochMillis(clock_.Now());
  auto m1 = ReceiveOne(url);
  ASSERT_TRUE(m1.has_value());
  EXPECT_EQ(m1->attributes["ApproximateFirstReceiveTimestamp"], first_ms);

  Advance(seconds(45));
  auto m2 = ReceiveOne(url);
  ASSERT_TRUE(m2.has_value());
  EXPECT_EQ(m2->attributes["ApproximateFirstReceiveTimestamp"], first_ms);
  EXPECT_EQ(m2->attributes["ApproximateReceiveCount"], "2");
}

TEST_F(VisibilityTest, SentTimestampIsEpochMillisOfTheVirtualClock) {
  std::string url = Create("q");
  Advance(milliseconds(5500));
  std::string sent_ms = EpochMillis(clock_.Now());
  Send(url, "m");
  Advance(seconds(10));
  auto m1 = ReceiveOne(url);
  ASSERT_TRUE(m1.has_value());
  EXPECT_EQ(m1->attributes["SentTimestamp"], sent_ms);
  // The virtual clock starts on 2026-01-01: the value is in ms, not s/µs.
  EXPECT_EQ(sent_ms, std::to_string(int64_t{1767225600} * 1000 + 5500));

  Advance(seconds(30));
  auto m2 = ReceiveOne(url);
  ASSERT_TRUE(m2.has_value());
  EXPECT_EQ(m2->attributes["SentTimestamp"], sent_ms);
}

TEST_F(VisibilityTest, CountsTrackVisibleInFlightAndDelayed) {
  std::string url = Create("q");
  Send(url, "visible");
  Send(url, "in-flight");
  SendMessageRequest delayed;
  delayed.queue_url = url;
  delayed.message_body = "delayed";
  delayed.delay_seconds = 60;
  ASSERT_TRUE(service_.SendMessage(delayed).ok());

  auto m = ReceiveOne(url);  // oldest first: "visible" goes in flight
  ASSERT_TRUE(m.has_value());

  QueueDepth d = Depth("q");
  EXPECT_EQ(d.visible, 1u);
  EXPECT_EQ(d.in_flight, 1u);
  EXPECT_EQ(d.delayed, 1u);
  auto attrs = service_.GetQueueAttributes(
      {url,
       {"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed"}});
  ASSERT_TRUE(attrs.ok()) << attrs.status().ToString();
  EXPECT_EQ(attrs->attributes["ApproximateNumberOfMessages"], "1");
  EXPECT_EQ(attrs->attributes["ApproximateNumberOfMessagesNotVisible"], "1");
  EXPECT_EQ(attrs->attributes["ApproximateNumberOfMessagesDelayed"], "1");

  // Visibility over at 30 s: back to visible.
  Advance(seconds(30));
  d = Depth("q");
  EXPECT_EQ(d.visible, 2u);
  EXPECT_EQ(d.in_flight, 0u);
  EXPECT_EQ(d.delayed, 1u);

  // Delay over at 60 s.
  Advance(seconds(30));
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "3");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesDelayed"), "0");
}

TEST_F(VisibilityTest, DeleteRemovesMessageFromCounts) {
  std::string url = Create("q");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(Delete(url, m->receipt_handle).ok());
  QueueDepth d = Depth("q");
  EXPECT_EQ(d.visible + d.in_flight + d.delayed, 0u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  Advance(seconds(30));
  EXPECT_TRUE(NothingReceivable(url)) << "deleted message came back";
}

TEST_F(VisibilityTest, VisibleAgainEventCarriesTheExpiryInstant) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(ReceiveOne(url).has_value());
  clock_.AdvanceTo(t0 + seconds(45));
  EXPECT_EQ(Depth("q").visible, 1u);
  ASSERT_EQ(observer_.Count(QueueEventKind::kMessageVisibleAgain), 1u);
  for (const auto& e : observer_.events) {
    if (e.kind == QueueEventKind::kMessageVisibleAgain) {
      EXPECT_EQ(e.at, t0 + seconds(30));
    }
  }
}

TEST_F(VisibilityTest, OldestVisibleMessageIsReceivedFirstAfterReturn) {
  std::string url = Create("q");
  Send(url, "first");
  Advance(seconds(1));
  Send(url, "second");
  auto m = ReceiveOne(url, 5);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->body, "first");
  Advance(seconds(5));
  // "first" is visible again and older than "second".
  auto again = ReceiveOne(url);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->body, "first");
}

}  // namespace
}  // namespace fanlab::queue::testing
