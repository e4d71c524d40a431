// FIFO deduplication: by MessageDeduplicationId or by content (SHA-256 of
// the body), for 5 minutes after the first send, whatever happened to the
// original since (docs/queue-semantics.md, "FIFO queues").
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/status.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/queue/types.h"
#include "tests/queue/queue_fixture.h"

namespace fanlab::queue::testing {
namespace {

using std::chrono::minutes;

class DedupTest : public QueueServiceTest {
 protected:
  void SetUp() override { url_ = Create("dedup.fifo"); }

  static SendMessageRequest Request(const std::string& url,
                                    const std::string& body,
                                    const std::string& group,
                                    std::optional<std::string> dedup) {
    SendMessageRequest req;
    req.queue_url = url;
    req.message_body = body;
    req.message_group_id = group;
    req.message_deduplication_id = std::move(dedup);
    return req;
  }

  // The message ids of the kMessageDeduplicated events so far.
  std::vector<std::string> DeduplicatedIds() const {
    std::vector<std::string> ids;
    for (const RecordedEvent& e : observer_.events) {
      if (e.kind == QueueEventKind::kMessageDeduplicated) {
        ids.push_back(e.message_id);
      }
    }
    return ids;
  }

  std::string url_;
};

// --- The five-minute window -------------------------------------------------

TEST_F(DedupTest, DuplicateAt4m59sIsSuppressed) {
  SendMessageResponse first = Send(url_, "order-1", "g", "d-1");
  Advance(minutes(4) + seconds(59));
  SendMessageResponse dup = Send(url_, "order-1", "g", "d-1");

  EXPECT_EQ(dup.message_id, first.message_id);
  EXPECT_EQ(dup.sequence_number, first.sequence_number);
  EXPECT_EQ(dup.md5_of_message_body, first.md5_of_message_body);
  EXPECT_EQ(Depth("dedup.fifo").visible, 1u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageSent), 1u);
  EXPECT_EQ(DeduplicatedIds(), std::vector<std::string>{first.message_id});

  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message_id, first.message_id);
}

TEST_F(DedupTest, IdIsFreeAgainAtExactlyFiveMinutes) {
  SendMessageResponse first = Send(url_, "order-1", "g", "d-1");
  Advance(minutes(5));
  SendMessageResponse second = Send(url_, "order-1", "g", "d-1");

  EXPECT_NE(second.message_id, first.message_id);
  EXPECT_GT(second.sequence_number, first.sequence_number);
  EXPECT_EQ(Depth("dedup.fifo").visible, 2u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageSent), 2u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeduplicated), 0u);
}

TEST_F(DedupTest, IdIsFreeAgainAt5m01s) {
  SendMessageResponse first = Send(url_, "order-1", "g", "d-1");
  Advance(minutes(5) + seconds(1));
  SendMessageResponse second = Send(url_, "order-1", "g", "d-1");

  EXPECT_NE(second.message_id, first.message_id);
  EXPECT_EQ(Depth("dedup.fifo").visible, 2u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeduplicated), 0u);
}

TEST_F(DedupTest, WindowCountsFromTheFirstSendNotFromDuplicates) {
  SendMessageResponse first = Send(url_, "order-1", "g", "d-1");
  Advance(minutes(4));
  EXPECT_EQ(Send(url_, "order-1", "g", "d-1").message_id, first.message_id);

  Advance(minutes(1));  // 5:00 after the first send, 1:00 after the duplicate
  EXPECT_NE(Send(url_, "order-1", "g", "d-1").message_id, first.message_id);
  EXPECT_EQ(Depth("dedup.fifo").visible, 2u);
}

TEST_F(DedupTest, DuplicateWithADifferentBodyIsStillSuppressed) {
  SendMessageResponse first = Send(url_, "order-1", "g", "d-1");
  SendMessageResponse dup = Send(url_, "something else", "g", "d-1");

  EXPECT_EQ(dup.message_id, first.message_id);
  EXPECT_EQ(Depth("dedup.fifo").visible, 1u);
  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "order-1");
}

// goaws forgets a deduplication id once its message is deleted, so a retried
// send after a fast consumer is delivered twice. SQS (and fanlab) remember
// the id for the whole window.
TEST_F(DedupTest, DedupSurvivesDeleteOfOriginal) {
  SendMessageResponse first = Send(url_, "order-1", "g", "d-1");
  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(Delete(url_, got[0].receipt_handle).ok());
  QueueDepth empty = Depth("dedup.fifo");
  ASSERT_EQ(empty.visible + empty.in_flight + empty.delayed, 0u);

  Advance(minutes(4) + seconds(59));
  SendMessageResponse dup = Send(url_, "order-1", "g", "d-1");
  EXPECT_EQ(dup.message_id, first.message_id);
  EXPECT_EQ(dup.sequence_number, first.sequence_number);
  QueueDepth after = Depth("dedup.fifo");
  EXPECT_EQ(after.visible + after.in_flight + after.delayed, 0u);
  EXPECT_TRUE(Receive(url_).empty());
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageSent), 1u);
  EXPECT_EQ(DeduplicatedIds(), std::vector<std::string>{first.message_id});

  // The window still ends 5 minutes after the first send.
  Advance(seconds(1));
  EXPECT_NE(Send(url_, "order-1", "g", "d-1").message_id, first.message_id);
  EXPECT_EQ(Depth("dedup.fifo").visible, 1u);
}

TEST_F(DedupTest, DedupSurvivesRetentionExpiryOfOriginal) {
  const std::string url =
      Create("short.fifo", {{"MessageRetentionPeriod", "60"}});
  SendMessageResponse first = Send(url, "order-1", "g", "d-1");
  Advance(seconds(61));
  QueueDepth gone = Depth("short.fifo");
  ASSERT_EQ(gone.visible + gone.in_flight + gone.delayed, 0u);

  EXPECT_EQ(Send(url, "order-1", "g", "d-1").message_id, first.message_id);
  EXPECT_TRUE(Receive(url).empty());
}

TEST_F(DedupTest, DuplicateOfAnInFlightMessageChangesNothing) {
  SendMessageResponse first = Send(url_, "order-1", "g", "d-1");
  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 1u);

  EXPECT_EQ(Send(url_, "order-1", "g", "d-1").message_id, first.message_id);
  QueueDepth d = Depth("dedup.fifo");
  EXPECT_EQ(d.visible, 0u);
  EXPECT_EQ(d.in_flight, 1u);
  // The holder's handle still works.
  EXPECT_TRUE(Delete(url_, got[0].receipt_handle).ok());
}

TEST_F(DedupTest, RefusedSendDoesNotTakeTheDedupId) {
  auto bad = service_.SendMessage(Request(url_, "bad\x01", "g", "d-1"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), sqs::kInvalidMessageContents);

  auto good = service_.SendMessage(Request(url_, "good", "g", "d-1"));
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(Depth("dedup.fifo").visible, 1u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeduplicated), 0u);
}

// --- Content-based deduplication ---------------------------------------------

TEST_F(DedupTest, ContentBasedDedupHashesTheBodyOnly) {
  const std::string url =
      Create("cbd.fifo", {{"ContentBasedDeduplication", "true"}});
  SendMessageRequest req = Request(url, "same body", "g", std::nullopt);
  req.message_attributes["k"] = {"String", "1", std::nullopt};
  auto first = service_.SendMessage(req);
  ASSERT_TRUE(first.ok()) << first.status().ToString();

  // Same body, different attributes and group: still a duplicate.
  SendMessageRequest same = Request(url, "same body", "other", std::nullopt);
  same.message_attributes["k"] = {"String", "2", std::nullopt};
  same.message_attributes["extra"] = {"Number", "7", std::nullopt};
  auto dup = service_.SendMessage(same);
  ASSERT_TRUE(dup.ok()) << dup.status().ToString();
  EXPECT_EQ(dup->message_id, first->message_id);
  EXPECT_EQ(Depth("cbd.fifo").visible, 1u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeduplicated), 1u);

  // A different body is a different message.
  auto other =
      service_.SendMessage(Request(url, "same body!", "g", std::nullopt));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_NE(other->message_id, first->message_id);
  EXPECT_EQ(Depth("cbd.fifo").visible, 2u);
}

TEST_F(DedupTest, ContentBasedDedupWindowIsFiveMinutes) {
  const std::string url =
      Create("cbd.fifo", {{"ContentBasedDeduplication", "true"}});
  auto first = service_.SendMessage(Request(url, "tick", "g", std::nullopt));
  ASSERT_TRUE(first.ok()) << first.status().ToString();

  Advance(minutes(4) + seconds(59));
  auto dup = service_.SendMessage(Request(url, "tick", "g", std::nullopt));
  ASSERT_TRUE(dup.ok()) << dup.status().ToString();
  EXPECT_EQ(dup->message_id, first->message_id);

  Advance(seconds(1));
  auto fresh = service_.SendMessage(Request(url, "tick", "g", std::nullopt));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_NE(fresh->message_id, first->message_id);
  EXPECT_EQ(Depth("cbd.fifo").visible, 2u);
}

TEST_F(DedupTest, NeitherDedupIdNorContentBasedDedupIsInvalid) {
  auto r = service_.SendMessage(Request(url_, "x", "g", std::nullopt));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue)
      << r.status().ToString();
  EXPECT_EQ(Depth("dedup.fifo").visible, 0u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageSent), 0u);
}

TEST_F(DedupTest, DedupIdOf128CharsIsAcceptedAnd129Refused) {
  auto ok =
      service_.SendMessage(Request(url_, "x", "g", std::string(128, 'd')));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();

  for (const std::string& bad :
       std::vector<std::string>{std::string(129, 'd'), "with space"}) {
    SCOPED_TRACE(bad);
    auto r = service_.SendMessage(Request(url_, "y", "g", bad));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue)
        << r.status().ToString();
  }
  EXPECT_EQ(Depth("dedup.fifo").visible, 1u);
}

// --- DeduplicationScope ------------------------------------------------------

TEST_F(DedupTest, MessageGroupScopeDedupsWithinAGroupOnly) {
  const std::string url =
      Create("scoped.fifo", {{"DeduplicationScope", "messageGroup"}});
  SendMessageResponse in_a = Send(url, "x", "A", "d-1");
  SendMessageResponse in_b = Send(url, "x", "B", "d-1");
  EXPECT_NE(in_b.message_id, in_a.message_id);
  EXPECT_EQ(Depth("scoped.fifo").visible, 2u);

  SendMessageResponse again_a = Send(url, "x", "A", "d-1");
  EXPECT_EQ(again_a.message_id, in_a.message_id);
  EXPECT_EQ(Depth("scoped.fifo").visible, 2u);
}

TEST_F(DedupTest, QueueScopeDedupsAcrossGroups) {
  const std::string url =
      Create("scoped.fifo", {{"DeduplicationScope", "queue"}});
  SendMessageResponse in_a = Send(url, "x", "A", "d-1");
  SendMessageResponse in_b = Send(url, "x", "B", "d-1");
  EXPECT_EQ(in_b.message_id, in_a.message_id);
  EXPECT_EQ(Depth("scoped.fifo").visible, 1u);
}

TEST_F(DedupTest, DefaultScopeIsTheQueue) {
  SendMessageResponse in_a = Send(url_, "x", "A", "d-1");
  SendMessageResponse in_b = Send(url_, "x", "B", "d-1");
  EXPECT_EQ(in_b.message_id, in_a.message_id);
  EXPECT_EQ(Depth("dedup.fifo").visible, 1u);
}

// --- SendMessageBatch --------------------------------------------------------

TEST_F(DedupTest, SendMessageBatchDeduplicatesWithinAndAcrossRequests) {
  SendMessageResponse earlier = Send(url_, "earlier", "g", "d-0");

  SendMessageBatchRequest batch;
  batch.queue_url = url_;
  batch.entries = {
      {"e1", "one", std::nullopt, {}, {}, "d-1", "g"},
      {"e2", "one again", std::nullopt, {}, {}, "d-1", "g"},
      {"e3", "earlier again", std::nullopt, {}, {}, "d-0", "g"},
      {"e4", "two", std::nullopt, {}, {}, "d-2", "g"},
  };
  auto r = service_.SendMessageBatch(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->failed.empty());
  ASSERT_EQ(r->successful.size(), 4u);

  std::map<std::string, SendMessageBatchResultEntry> by_id;
  for (const auto& e : r->successful) by_id[e.id] = e;
  ASSERT_EQ(by_id.size(), 4u);
  EXPECT_EQ(by_id["e2"].message_id, by_id["e1"].message_id);
  EXPECT_EQ(by_id["e2"].sequence_number, by_id["e1"].sequence_number);
  EXPECT_EQ(by_id["e3"].message_id, earlier.message_id);
  EXPECT_NE(by_id["e4"].message_id, by_id["e1"].message_id);
  EXPECT_NE(by_id["e4"].message_id, earlier.message_id);

  EXPECT_EQ(Depth("dedup.fifo").visible, 3u);  // earlier, one, two
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeduplicated), 2u);

  std::vector<std::string> bodies;
  for (const Message& m : Receive(url_)) bodies.push_back(m.body);
  EXPECT_EQ(bodies, (std::vector<std::string>{"earlier", "one", "two"}));
}

TEST_F(DedupTest, SendMessageBatchUsesContentBasedDedup) {
  const std::string url =
      Create("cbd.fifo", {{"ContentBasedDeduplication", "true"}});
  SendMessageBatchRequest batch;
  batch.queue_url = url;
  batch.entries = {
      {"e1", "same", std::nullopt, {}, {}, std::nullopt, "g"},
      {"e2", "same", std::nullopt, {}, {}, std::nullopt, "g"},
  };
  auto r = service_.SendMessageBatch(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->successful.size(), 2u);
  EXPECT_EQ(r->successful[0].message_id, r->successful[1].message_id);
  EXPECT_EQ(Depth("cbd.fifo").visible, 1u);
}

}  // namespace
}  // namespace fanlab::queue::testing
