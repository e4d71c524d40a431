// Long polling: ReceiveMessage with WaitTimeSeconds (or the queue's
// ReceiveMessageWaitTimeSeconds) parks until a message becomes available or
// the wait ends (docs/queue-semantics.md, "Receiving"). The VirtualClock
// fires the service's timers as the tests advance it.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "tests/queue/queue_fixture.h"

namespace fanlab::queue::testing {
namespace {

using std::chrono::microseconds;

// What one ReceiveMessage callback saw.
struct Outcome {
  int calls = 0;
  std::optional<Result<ReceiveMessageResponse>> result;
  TimePoint at{};

  bool called() const { return calls > 0; }
  ErrorCode code() const {
    return result ? result->status().code() : common::kInternalError;
  }
  size_t size() const {
    return result && result->ok() ? (*result)->messages.size() : 0;
  }
  const Message& message(size_t i) const { return (*result)->messages.at(i); }
};

class LongPollTest : public QueueServiceTest {
 protected:
  // Starts a receive; the outcome fills in whenever the callback runs.
  std::shared_ptr<Outcome> Poll(
      const std::string& url, std::optional<int64_t> wait, int max = 1,
      std::optional<int64_t> visibility = std::nullopt) {
    ReceiveMessageRequest req;
    req.queue_url = url;
    req.wait_time_seconds = wait;
    req.max_number_of_messages = max;
    req.visibility_timeout = visibility;
    req.message_system_attribute_names = {"All"};
    auto out = std::make_shared<Outcome>();
    service_.ReceiveMessage(req, [this, out](Result<ReceiveMessageResponse> r) {
      ++out->calls;
      out->result.emplace(std::move(r));
      out->at = clock_.Now();
    });
    return out;
  }
};

TEST_F(LongPollTest, ReceiveWithWaitParksWhenQueueIsEmpty) {
  std::string url = Create("q");
  auto out = Poll(url, 5);
  EXPECT_FALSE(out->called());
  EXPECT_EQ(service_.ParkedReceives(), 1u);
}

TEST_F(LongPollTest, ReceiveWithoutWaitAnswersAtOnceWhenEmpty) {
  std::string url = Create("q");
  auto out = Poll(url, 0);
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->code(), ErrorCode::kOk);
  EXPECT_EQ(out->size(), 0u);
  EXPECT_EQ(service_.ParkedReceives(), 0u);
}

TEST_F(LongPollTest, ReceiveWithWaitAnswersAtOnceWhenMessageAvailable) {
  std::string url = Create("q");
  Send(url, "m");
  auto out = Poll(url, 20);
  ASSERT_TRUE(out->called());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(out->message(0).body, "m");
  EXPECT_EQ(service_.ParkedReceives(), 0u);
}

TEST_F(LongPollTest, SendWakesParkedReceiveWithinTheSendCall) {
  std::string url = Create("q");
  auto out = Poll(url, 20);
  ASSERT_FALSE(out->called());
  Advance(seconds(3));
  TimePoint sent_at = clock_.Now();
  Send(url, "hello");
  // No clock movement: the send itself served the waiter.
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->at, sent_at);
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(out->message(0).body, "hello");
  EXPECT_EQ(out->message(0).attributes.at("ApproximateReceiveCount"), "1");
  EXPECT_EQ(service_.ParkedReceives(), 0u);
  EXPECT_EQ(Depth("q").in_flight, 1u);
  EXPECT_EQ(Depth("q").visible, 0u);
}

TEST_F(LongPollTest, WokenReceiveRunsExactlyOnce) {
  std::string url = Create("q");
  auto out = Poll(url, 5);
  Send(url, "m");
  ASSERT_EQ(out->calls, 1);
  Advance(seconds(60));
  for (int i = 0; i < 100 && clock_.AdvanceToNextTimer(); ++i) {
  }
  EXPECT_EQ(out->calls, 1) << "the wait-end timer fired a second time";
}

TEST_F(LongPollTest, WokenReceiveHonoursItsVisibilityTimeout) {
  std::string url = Create("q");
  auto out = Poll(url, 20, 1, 7);
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  ASSERT_EQ(out->size(), 1u);
  clock_.AdvanceTo(t0 + seconds(7) - kTick);
  EXPECT_EQ(Depth("q").in_flight, 1u);
  clock_.AdvanceTo(t0 + seconds(7));
  EXPECT_EQ(Depth("q").visible, 1u);
}

TEST_F(LongPollTest, DelayedMessageWakesParkedReceiveWhenDelayEnds) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  SendMessageRequest req;
  req.queue_url = url;
  req.message_body = "delayed";
  req.delay_seconds = 3;
  ASSERT_TRUE(service_.SendMessage(req).ok());

  auto out = Poll(url, 10);
  ASSERT_FALSE(out->called()) << "a delayed message was delivered early";
  clock_.AdvanceTo(t0 + seconds(3) - kTick);
  EXPECT_FALSE(out->called());
  clock_.AdvanceTo(t0 + seconds(3));
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->at, t0 + seconds(3));
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(out->message(0).body, "delayed");
}

TEST_F(LongPollTest, DelayedMessageSentWhileParkedWakesAtDelayEnd) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  auto out = Poll(url, 20);
  SendMessageRequest req;
  req.queue_url = url;
  req.message_body = "delayed";
  req.delay_seconds = 4;
  ASSERT_TRUE(service_.SendMessage(req).ok());
  EXPECT_FALSE(out->called()) << "woken by a message still delayed";
  ASSERT_TRUE(clock_.AdvanceToNextTimer());
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->at, t0 + seconds(4));
  EXPECT_EQ(out->size(), 1u);
}

TEST_F(LongPollTest, QueueDelayWakesViaAdvanceToNextTimer) {
  std::string url = Create("q", {{"DelaySeconds", "2"}});
  TimePoint t0 = clock_.Now();
  Send(url, "m");
  auto out = Poll(url, 20);
  ASSERT_FALSE(out->called());
  // Bounded: a timer that re-arms itself forever must fail, not hang.
  for (int i = 0; i < 100 && !out->called() && clock_.AdvanceToNextTimer();
       ++i) {
  }
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->at, t0 + seconds(2));
  EXPECT_EQ(out->size(), 1u);
}

TEST_F(LongPollTest, VisibilityTimeoutWakesParkedReceive) {
  std::string url = Create("q");
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  ASSERT_EQ(Receive(url, 1, 5).size(), 1u);

  auto out = Poll(url, 20);
  ASSERT_FALSE(out->called());
  clock_.AdvanceTo(t0 + seconds(5) - kTick);
  EXPECT_FALSE(out->called());
  clock_.AdvanceTo(t0 + seconds(5));
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->at, t0 + seconds(5));
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(out->message(0).attributes.at("ApproximateReceiveCount"), "2");
}

TEST_F(LongPollTest, ChangeVisibilityZeroWakesParkedReceive) {
  std::string url = Create("q");
  Send(url, "m");
  std::vector<Message> held = Receive(url, 1);
  ASSERT_EQ(held.size(), 1u);
  auto out = Poll(url, 20);
  ASSERT_FALSE(out->called());
  ASSERT_TRUE(ChangeVisibility(url, held[0].receipt_handle, 0).ok());
  // The message is available now: the waiter gets it without time passing
  // (at the latest once the clock runs what is due now).
  clock_.RunDue();
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->size(), 1u);
}

TEST_F(LongPollTest, WaitEndsWithEmptyListExactlyAtWaitEnd) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  auto out = Poll(url, 20);
  clock_.AdvanceTo(t0 + seconds(20) - kTick);
  EXPECT_FALSE(out->called()) << "the wait ended early";
  EXPECT_EQ(service_.ParkedReceives(), 1u);
  clock_.AdvanceTo(t0 + seconds(20));
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->at, t0 + seconds(20));
  EXPECT_EQ(out->code(), ErrorCode::kOk);
  EXPECT_EQ(out->size(), 0u);
  EXPECT_EQ(service_.ParkedReceives(), 0u);
  clock_.Advance(seconds(60));
  EXPECT_EQ(out->calls, 1);
}

TEST_F(LongPollTest, WaitEndViaAdvanceToNextTimer) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  auto out = Poll(url, 1);
  ASSERT_TRUE(clock_.AdvanceToNextTimer());
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->at, t0 + seconds(1));
  EXPECT_EQ(out->size(), 0u);
}

TEST_F(LongPollTest, QueueWaitTimeAttributeUsedWhenRequestGivesNone) {
  std::string url = Create("q", {{"ReceiveMessageWaitTimeSeconds", "7"}});
  TimePoint t0 = clock_.Now();
  auto out = Poll(url, std::nullopt);
  EXPECT_FALSE(out->called()) << "the queue's wait time was ignored";
  EXPECT_EQ(service_.ParkedReceives(), 1u);
  clock_.AdvanceTo(t0 + seconds(7) - kTick);
  EXPECT_FALSE(out->called());
  clock_.AdvanceTo(t0 + seconds(7));
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->size(), 0u);
}

TEST_F(LongPollTest, RequestWaitTimeOverridesQueueAttribute) {
  std::string url = Create("q", {{"ReceiveMessageWaitTimeSeconds", "7"}});
  auto now = Poll(url, 0);
  ASSERT_TRUE(now->called()) << "WaitTimeSeconds=0 must not park";
  EXPECT_EQ(now->size(), 0u);

  TimePoint t0 = clock_.Now();
  auto longer = Poll(url, 12);
  clock_.AdvanceTo(t0 + seconds(12) - kTick);
  EXPECT_FALSE(longer->called());
  clock_.AdvanceTo(t0 + seconds(12));
  EXPECT_TRUE(longer->called());
}

TEST_F(LongPollTest, ReceiveMessageNowNeverParks) {
  std::string url = Create("q", {{"ReceiveMessageWaitTimeSeconds", "20"}});
  ReceiveMessageRequest req;
  req.queue_url = url;
  req.wait_time_seconds = 20;
  auto r = service_.ReceiveMessageNow(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->messages.empty());
  EXPECT_EQ(service_.ParkedReceives(), 0u);
}

TEST_F(LongPollTest, WaitTimeSecondsBounds) {
  std::string url = Create("q");
  for (int64_t bad : {int64_t{21}, int64_t{-1}}) {
    auto out = Poll(url, bad);
    ASSERT_TRUE(out->called()) << bad;
    EXPECT_EQ(out->code(), sqs::kInvalidParameterValue) << bad;
  }
  EXPECT_EQ(service_.ParkedReceives(), 0u);
  auto max = Poll(url, 20);
  EXPECT_FALSE(max->called());
  EXPECT_EQ(service_.ParkedReceives(), 1u);
}

TEST_F(LongPollTest, QueueWaitTimeAttributeBounds) {
  auto bad = service_.CreateQueue(
      {"bad", {{"ReceiveMessageWaitTimeSeconds", "21"}}, {}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), sqs::kInvalidAttributeValue);
  std::string url = Create("q", {{"ReceiveMessageWaitTimeSeconds", "20"}});
  EXPECT_EQ(Attribute(url, "ReceiveMessageWaitTimeSeconds"), "20");
}

TEST_F(LongPollTest, ParkedReceivesAreServedOldestFirst) {
  std::string url = Create("q");
  auto first = Poll(url, 20);  // parked first, waits longest
  Advance(seconds(1));
  auto second = Poll(url, 5);
  EXPECT_EQ(service_.ParkedReceives(), 2u);

  Send(url, "one");
  ASSERT_TRUE(first->called());
  EXPECT_FALSE(second->called());
  EXPECT_EQ(first->size(), 1u);
  EXPECT_EQ(service_.ParkedReceives(), 1u);

  Send(url, "two");
  ASSERT_TRUE(second->called());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ(second->message(0).body, "two");
  EXPECT_EQ(service_.ParkedReceives(), 0u);
}

TEST_F(LongPollTest, WaitersWithDifferentWaitsEndIndependently) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  auto shorter = Poll(url, 5);
  auto longer = Poll(url, 10);
  clock_.AdvanceTo(t0 + seconds(5));
  EXPECT_TRUE(shorter->called());
  EXPECT_FALSE(longer->called());
  EXPECT_EQ(service_.ParkedReceives(), 1u);
  Send(url, "m");
  ASSERT_TRUE(longer->called());
  EXPECT_EQ(longer->size(), 1u);
}

TEST_F(LongPollTest, SendToOtherQueueDoesNotWake) {
  std::string a = Create("a");
  std::string b = Create("b");
  auto out = Poll(a, 20);
  Send(b, "m");
  EXPECT_FALSE(out->called());
  EXPECT_EQ(Depth("b").visible, 1u);
}

TEST_F(LongPollTest, DeleteQueueFailsParkedReceives) {
  std::string url = Create("q");
  auto one = Poll(url, 20);
  auto two = Poll(url, 10);
  ASSERT_TRUE(service_.DeleteQueue({url}).ok());
  ASSERT_TRUE(one->called());
  ASSERT_TRUE(two->called());
  EXPECT_EQ(one->code(), sqs::kQueueDoesNotExist);
  EXPECT_EQ(two->code(), sqs::kQueueDoesNotExist);
  EXPECT_EQ(service_.ParkedReceives(), 0u);
  clock_.Advance(seconds(30));
  EXPECT_EQ(one->calls, 1);
  EXPECT_EQ(two->calls, 1);
}

TEST_F(LongPollTest, DeleteQueueLeavesOtherQueuesWaitersParked) {
  std::string a = Create("a");
  std::string b = Create("b");
  auto on_a = Poll(a, 20);
  auto on_b = Poll(b, 20);
  ASSERT_TRUE(service_.DeleteQueue({a}).ok());
  EXPECT_TRUE(on_a->called());
  EXPECT_FALSE(on_b->called());
  EXPECT_EQ(service_.ParkedReceives(), 1u);
}

TEST_F(LongPollTest, CallbackMayCallBackIntoTheService) {
  std::string url = Create("q");
  std::string out_url = Create("out");
  Status deleted(common::kInternalError, "callback did not run");
  std::shared_ptr<Outcome> nested;

  ReceiveMessageRequest req;
  req.queue_url = url;
  req.wait_time_seconds = 20;
  service_.ReceiveMessage(req, [&](Result<ReceiveMessageResponse> r) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->messages.size(), 1u);
    deleted =
        service_.DeleteMessage({url, r->messages[0].receipt_handle}).status();
    SendMessageRequest fwd;
    fwd.queue_url = out_url;
    fwd.message_body = "forwarded:" + r->messages[0].body;
    EXPECT_TRUE(service_.SendMessage(fwd).ok());
    nested = Poll(url, 5);  // parks again from inside the callback
  });
  Send(url, "m");

  EXPECT_TRUE(deleted.ok()) << deleted.ToString();
  QueueDepth d = Depth("q");
  EXPECT_EQ(d.visible + d.in_flight, 0u);
  std::vector<Message> got = Receive(out_url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "forwarded:m");
  ASSERT_NE(nested, nullptr);
  EXPECT_FALSE(nested->called());
  EXPECT_EQ(service_.ParkedReceives(), 1u);
  Send(url, "second");
  ASSERT_TRUE(nested->called());
  EXPECT_EQ(nested->size(), 1u);
}

TEST_F(LongPollTest, TimeoutCallbackMayCallBackIntoTheService) {
  std::string url = Create("q");
  bool ran = false;
  ReceiveMessageRequest req;
  req.queue_url = url;
  req.wait_time_seconds = 2;
  service_.ReceiveMessage(req, [&](Result<ReceiveMessageResponse> r) {
    ran = true;
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(service_.DeleteQueue({url}).ok());
  });
  Advance(seconds(2));
  EXPECT_TRUE(ran);
  EXPECT_TRUE(service_.QueueNames().empty());
}

TEST_F(LongPollTest, FifoSendWakesParkedReceive) {
  std::string url = Create("q.fifo");
  auto out = Poll(url, 20, 10);
  ASSERT_FALSE(out->called());
  Send(url, "m", "group-1");
  ASSERT_TRUE(out->called());
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ(out->message(0).attributes.at("MessageGroupId"), "group-1");
}

TEST_F(LongPollTest, ParkedReceiveOnMissingQueueFailsAtOnce) {
  auto out = Poll("http://localhost/000000000000/missing", 20);
  ASSERT_TRUE(out->called());
  EXPECT_EQ(out->code(), sqs::kQueueDoesNotExist);
  EXPECT_EQ(service_.ParkedReceives(), 0u);
}

}  // namespace
}  // namespace fanlab::queue::testing
