// Regression tests, one per defect found in review, named after the bug.
#include <gtest/gtest.h>

#include "emulator/queue/sqs_errors.h"
#include "tests/queue/queue_fixture.h"

namespace fanlab::queue::testing {
namespace {

class RegressionTest : public QueueServiceTest {
 protected:
  std::optional<Message> ReceiveWith(const std::string& url,
                                     std::optional<std::string> attempt,
                                     int64_t visibility = 30) {
    ReceiveMessageRequest req;
    req.queue_url = url;
    req.visibility_timeout = visibility;
    req.receive_request_attempt_id = std::move(attempt);
    auto r = service_.ReceiveMessageNow(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->messages.empty()) return std::nullopt;
    return r->messages.front();
  }
};

// A standard DLQ ordered moved-in messages by the expiry computed with the
// retention in force when they arrived; after a retention change an
// already-expired message hid behind a later one and stayed receivable.
TEST_F(RegressionTest, DeadLetterRetentionOrderSurvivesRetentionChange) {
  const TimePoint t0 = clock_.Now();
  std::string dlq = Create("dlq", {{"MessageRetentionPeriod", "100"}});
  std::string src = Create(
      "src",
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1})"}});
  clock_.AdvanceTo(t0 + seconds(10));
  Send(src, "B");
  clock_.AdvanceTo(t0 + seconds(50));
  Send(src, "A");
  auto b = ReceiveWith(src, std::nullopt, 1000);
  ASSERT_TRUE(b && b->body == "B");
  auto a = ReceiveWith(src, std::nullopt, 0);
  ASSERT_TRUE(a && a->body == "A");
  clock_.AdvanceTo(t0 + seconds(55));
  EXPECT_FALSE(ReceiveWith(src, std::nullopt));  // moves A to the DLQ
  clock_.AdvanceTo(t0 + seconds(56));
  ASSERT_TRUE(
      service_.SetQueueAttributes({dlq, {{"MessageRetentionPeriod", "1000"}}})
          .ok());
  clock_.AdvanceTo(t0 + seconds(57));
  ASSERT_TRUE(ChangeVisibility(src, b->receipt_handle, 0).ok());
  EXPECT_FALSE(ReceiveWith(src, std::nullopt));  // moves B to the DLQ
  ASSERT_EQ(Depth("dlq").visible, 2u);
  // B was enqueued at 10 s: it expires at 1010 s; A (50 s) at 1050 s.
  clock_.AdvanceTo(t0 + seconds(1010));
  EXPECT_EQ(Depth("dlq").visible, 1u);
  auto left = ReceiveWith(dlq, std::nullopt);
  ASSERT_TRUE(left.has_value());
  EXPECT_EQ(left->body, "A");
}

// A retried receive returned the same messages even after one had its
// visibility changed, which SQS treats as a modification.
TEST_F(RegressionTest, AttemptIdRetryAfterVisibilityChangeIsAFreshReceive) {
  std::string url = Create("q.fifo");
  Send(url, "a", "g");
  Send(url, "b", "g");
  auto first = ReceiveWith(url, "attempt-1");
  ASSERT_TRUE(first && first->body == "a");
  ASSERT_TRUE(ChangeVisibility(url, first->receipt_handle, 600).ok());
  // Fresh receive: the group is locked by `a`, so nothing comes back.
  EXPECT_FALSE(ReceiveWith(url, "attempt-1"));
}

// A retried receive must restart the visibility timeout of what it returns.
TEST_F(RegressionTest, AttemptIdRetryResetsVisibilityTimeout) {
  std::string url = Create("q.fifo");
  Send(url, "a", "g");
  const TimePoint t0 = clock_.Now();
  auto first = ReceiveWith(url, "attempt-1");
  ASSERT_TRUE(first.has_value());
  clock_.AdvanceTo(t0 + seconds(20));
  auto retry = ReceiveWith(url, "attempt-1");
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->receipt_handle, first->receipt_handle);
  clock_.AdvanceTo(t0 + seconds(49));
  EXPECT_FALSE(ReceiveWith(url, std::nullopt)) << "still held until 50 s";
  clock_.AdvanceTo(t0 + seconds(50));
  EXPECT_TRUE(ReceiveWith(url, std::nullopt).has_value());
}

// A parked FIFO receive was not woken when the retention expiry of an
// in-flight group head unlocked the group.
TEST_F(RegressionTest, FifoLongPollWakesWhenRetentionExpiryUnlocksGroup) {
  std::string url = Create("q.fifo", {{"MessageRetentionPeriod", "60"}});
  const TimePoint t0 = clock_.Now();
  Send(url, "A", "g");
  ASSERT_TRUE(ReceiveWith(url, std::nullopt, 600).has_value());
  clock_.AdvanceTo(t0 + seconds(30));
  Send(url, "B", "g");
  clock_.AdvanceTo(t0 + seconds(50));
  std::optional<TimePoint> answered_at;
  std::vector<Message> got;
  ReceiveMessageRequest req;
  req.queue_url = url;
  req.wait_time_seconds = 20;
  service_.ReceiveMessage(req, [&](Result<ReceiveMessageResponse> r) {
    ASSERT_TRUE(r.ok());
    answered_at = clock_.Now();
    got = r->messages;
  });
  ASSERT_FALSE(answered_at.has_value());
  clock_.AdvanceTo(t0 + seconds(70));
  ASSERT_TRUE(answered_at.has_value());
  EXPECT_EQ(*answered_at, t0 + seconds(60));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "B");
}

// Deleted messages with long visibility timeouts left their heap entries
// behind; compaction must drop only stale ones.
TEST_F(RegressionTest, ManyDeletesWithLongVisibilityKeepLiveTimersExact) {
  std::string url = Create("q");
  for (int i = 0; i < 3000; ++i) Send(url, "m" + std::to_string(i));
  std::vector<std::string> keep;
  for (int round = 0; round < 300; ++round) {
    for (const Message& m : Receive(url, 10, 43200)) {
      if (keep.size() < 5) {
        keep.push_back(m.receipt_handle);
      } else {
        ASSERT_TRUE(Delete(url, m.receipt_handle).ok());
      }
    }
  }
  EXPECT_EQ(Depth("q").in_flight, 5u);
  Advance(seconds(43200) - Duration(1));
  EXPECT_EQ(Depth("q").visible, 0u);
  Advance(Duration(1));
  EXPECT_EQ(Depth("q").visible, 5u);
}

// CreateQueue took tags without SQS's key/value limits (TagQueue had them).
TEST_F(RegressionTest, CreateQueueChecksTagLimitsLikeTagQueue) {
  auto r = service_.CreateQueue({"q", {}, {{std::string(129, 'k'), "v"}}});
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue);
  r = service_.CreateQueue({"q", {}, {{"k", std::string(257, 'v')}}});
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue);
  r = service_.CreateQueue({"q", {}, {{"k", std::string(256, 'v')}}});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
}

// A rate(1 minute) rule into a queue nobody read grew the emulator's memory
// steadily while the depth stayed at 1: each message that expired unread
// left its entry in the ready heap, which only a receive ever trimmed.
TEST_F(RegressionTest, MessagesExpiringUnreadLeaveNoEntriesBehind) {
  std::string url = Create("unread", {{"MessageRetentionPeriod", "60"}});
  constexpr int kTicks = 20000;  // two weeks of minutes
  for (int i = 0; i < kTicks; ++i) {
    Send(url, "tick");
    clock_.Advance(seconds(60));
  }
  auto depth = service_.Depth("unread");
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(depth->visible, 0u);
  auto f = service_.Footprint("unread");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->messages, 0u);
  // Within the compaction floor (1024), not one entry per message ever sent.
  EXPECT_LE(f->ready_index, 1024u);
  EXPECT_LE(f->transitions, 1024u);
  EXPECT_EQ(f->late_expiries, 0u);

  // The same with delayed messages (a transition entry each) and a FIFO
  // queue (a group each).
  std::string delayed = Create(
      "delayed", {{"MessageRetentionPeriod", "60"}, {"DelaySeconds", "30"}});
  std::string fifo = Create("unread.fifo", {{"MessageRetentionPeriod", "60"}});
  for (int i = 0; i < kTicks / 4; ++i) {
    Send(delayed, "tick");
    Send(fifo, "tick", "group-" + std::to_string(i));
    clock_.Advance(seconds(60));
  }
  auto fd = service_.Footprint("delayed");
  auto ff = service_.Footprint("unread.fifo");
  ASSERT_TRUE(fd.ok() && ff.ok());
  EXPECT_EQ(fd->messages, 0u);
  EXPECT_LE(fd->ready_index, 1024u);
  EXPECT_LE(fd->transitions, 1024u);
  EXPECT_EQ(ff->messages, 0u);
  EXPECT_EQ(ff->groups, 0u);
}

}  // namespace
}  // namespace fanlab::queue::testing
