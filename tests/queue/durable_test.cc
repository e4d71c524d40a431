// Queues under a data dir (queue_journal.cc over persist/): after a
// restart every queue, message and in-flight state is as it was, on both
// sides of every deadline; a handle issued before the restart still works
// while its message stays in flight; FIFO deduplication, group order and
// sequence numbers carry on; and a snapshot rebuilds the same state as the
// log it replaces.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/persist/store.h"
#include "emulator/queue/queue_service.h"
#include "emulator/queue/sqs_errors.h"
#include "tests/persist/persist_fixture.h"

namespace fanlab::queue {
namespace {

using std::chrono::seconds;
constexpr Duration kTick = Duration(1);

class DurableQueueTest : public persist::testing::TempDirTest {
 protected:
  DurableQueueTest() { Start(); }
  ~DurableQueueTest() override { Stop(); }

  void Start() {
    auto store = persist::Store::Open(
        dir_,
        {.warn = [this](const std::string& w) { warnings_.push_back(w); }});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    // Each run draws other message ids, as the real clock's engine does.
    service_ = std::make_unique<QueueService>(
        clock_, QueueServiceOptions{.seed = ++runs_ * 7919});
    Status restored = service_->Restore(store_->image());
    ASSERT_TRUE(restored.ok()) << restored.ToString();
    store_->ReleaseImage();
    service_->SetJournal(&store_->log());
  }
  // Flushes (what the engine does before answering) and stops.
  void Stop() {
    if (store_) {
      EXPECT_TRUE(store_->Flush().ok());
    }
    service_.reset();
    store_.reset();
  }
  // A crash after the last acknowledged change.
  void Restart() {
    Stop();
    Start();
  }
  // Replaces log and snapshot by a snapshot of the live state.
  void Compact() {
    ASSERT_TRUE(store_->Flush().ok());
    ASSERT_TRUE(
        store_
            ->Compact([this](persist::LogWriter& out) { service_->Dump(out); })
            .ok());
  }

  QueueService& sqs() { return *service_; }

  std::string Create(const std::string& name, AttributeMap attrs = {},
                     TagMap tags = {}) {
    if (name.ends_with(".fifo")) attrs.emplace("FifoQueue", "true");
    auto r = sqs().CreateQueue({name, attrs, tags});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->queue_url : "";
  }
  SendMessageResponse Send(const std::string& url, const std::string& body,
                           std::optional<std::string> group = std::nullopt,
                           std::optional<std::string> dedup = std::nullopt,
                           std::optional<int64_t> delay = std::nullopt) {
    SendMessageRequest req;
    req.queue_url = url;
    req.message_body = body;
    req.message_group_id = group;
    req.message_deduplication_id = dedup;
    req.delay_seconds = delay;
    req.message_attributes["color"] = {"String", "blue", std::nullopt};
    req.message_attributes["blob"] = {"Binary", std::nullopt,
                                      std::string("\0\1", 2)};
    auto r = sqs().SendMessage(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : SendMessageResponse{};
  }
  std::vector<Message> Receive(const std::string& url, int max = 10,
                               std::optional<int64_t> visibility = {}) {
    ReceiveMessageRequest req;
    req.queue_url = url;
    req.max_number_of_messages = max;
    req.visibility_timeout = visibility;
    req.message_system_attribute_names = {"All"};
    req.message_attribute_names = {"All"};
    auto r = sqs().ReceiveMessageNow(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->messages : std::vector<Message>{};
  }
  Status Delete(const std::string& url, const std::string& handle) {
    return sqs().DeleteMessage({url, handle}).status();
  }
  QueueDepth Depth(const std::string& name) {
    auto r = sqs().Depth(name);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : QueueDepth{};
  }
  std::string Attribute(const std::string& url, const std::string& name) {
    auto r = sqs().GetQueueAttributes({url, {name}});
    if (!r.ok()) return "";
    auto it = r->attributes.find(name);
    return it == r->attributes.end() ? "" : it->second;
  }

  VirtualClock clock_;
  std::unique_ptr<persist::Store> store_;
  std::unique_ptr<QueueService> service_;
  std::vector<std::string> warnings_;
  uint64_t runs_ = 0;
};

TEST_F(DurableQueueTest, QueuesWithTheirAttributesTagsAndMessagesSurvive) {
  std::string url =
      Create("orders",
             {{"VisibilityTimeout", "45"}, {"MessageRetentionPeriod", "3600"}},
             {{"team", "a"}});
  ASSERT_TRUE(sqs().TagQueue({url, {{"env", "dev"}}}).ok());
  std::string created = Attribute(url, "CreatedTimestamp");
  auto a = Send(url, "first");
  auto b = Send(url, "second");
  clock_.Advance(seconds(10));
  Restart();

  EXPECT_EQ(sqs().QueueNames(), std::vector<std::string>{"orders"});
  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "45");
  EXPECT_EQ(Attribute(url, "MessageRetentionPeriod"), "3600");
  EXPECT_EQ(Attribute(url, "CreatedTimestamp"), created);
  auto tags = sqs().ListQueueTags({url});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->tags, (TagMap{{"env", "dev"}, {"team", "a"}}));
  auto got = Receive(url);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].message_id, a.message_id);
  EXPECT_EQ(got[0].body, "first");
  EXPECT_EQ(got[0].md5_of_body, a.md5_of_message_body);
  EXPECT_EQ(got[0].md5_of_message_attributes, a.md5_of_message_attributes);
  EXPECT_EQ(got[0].message_attributes.at("color").string_value, "blue");
  EXPECT_EQ(got[0].message_attributes.at("blob").binary_value,
            std::string("\0\1", 2));
  EXPECT_EQ(got[1].message_id, b.message_id);
  EXPECT_EQ(got[0].attributes.at("SentTimestamp"),
            std::to_string(ToEpochMillis(VirtualClock::kDefaultStart)));
  // Retention still counts from the original send.
  clock_.Advance(seconds(3600 - 10) - kTick);
  EXPECT_EQ(Depth("orders").visible, 2u);
  clock_.Advance(kTick);
  EXPECT_EQ(Depth("orders").in_flight + Depth("orders").visible, 0u);
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(DurableQueueTest, AnInFlightMessageKeepsItsHandleCountAndDeadline) {
  std::string url = Create("work");
  auto sent = Send(url, "job");
  auto got = Receive(url, 1, 300);
  ASSERT_EQ(got.size(), 1u);
  clock_.Advance(seconds(100));
  Restart();

  // Still held for the rest of its 300 s: up to the tick before.
  EXPECT_EQ(Depth("work").in_flight, 1u);
  clock_.Advance(seconds(200) - kTick);
  EXPECT_TRUE(Receive(url).empty());
  clock_.Advance(kTick);
  auto again = Receive(url, 1, 300);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].message_id, sent.message_id);
  EXPECT_EQ(again[0].attributes.at("ApproximateReceiveCount"), "2");
  EXPECT_EQ(again[0].attributes.at("ApproximateFirstReceiveTimestamp"),
            got[0].attributes.at("ApproximateFirstReceiveTimestamp"));
  // The superseded handle no longer deletes; the current one does, across
  // another restart.
  Restart();
  Status stale = Delete(url, got[0].receipt_handle);
  EXPECT_TRUE(stale.ok()) << "SQS accepts a superseded handle silently";
  EXPECT_EQ(Depth("work").in_flight, 1u);
  EXPECT_TRUE(Delete(url, again[0].receipt_handle).ok());
  Restart();
  EXPECT_EQ(Depth("work").in_flight + Depth("work").visible, 0u);
}

TEST_F(DurableQueueTest, AHandleFromBeforeARestartDeletesItsMessage) {
  std::string url = Create("q");
  Send(url, "a");
  Send(url, "b");
  auto got = Receive(url, 2, 300);
  ASSERT_EQ(got.size(), 2u);
  Restart();
  EXPECT_TRUE(Delete(url, got[0].receipt_handle).ok());
  ASSERT_TRUE(
      sqs().ChangeMessageVisibility({url, got[1].receipt_handle, 0}).ok());
  auto now = Receive(url);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].body, "b");
}

TEST_F(DurableQueueTest, ADelayedMessageStaysDelayedUntilItsDeadline) {
  std::string url = Create("later");
  Send(url, "soon", std::nullopt, std::nullopt, 60);
  clock_.Advance(seconds(20));
  Restart();
  EXPECT_EQ(Depth("later").delayed, 1u);
  clock_.Advance(seconds(40) - kTick);
  EXPECT_TRUE(Receive(url).empty());
  clock_.Advance(kTick);
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(DurableQueueTest, DeletesPurgesAndDeletedQueuesStayGone) {
  std::string keep = Create("keep");
  std::string purged = Create("purged");
  std::string gone = Create("gone");
  Send(keep, "1");
  Send(keep, "2");
  Send(purged, "x");
  Send(gone, "y");
  auto got = Receive(keep, 1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(Delete(keep, got[0].receipt_handle).ok());
  ASSERT_TRUE(sqs().PurgeQueue({purged}).ok());
  auto held = Receive(gone, 1, 300);
  ASSERT_TRUE(sqs().DeleteQueue({gone}).ok());
  Restart();
  EXPECT_EQ(sqs().QueueNames().size(), 2u);
  EXPECT_EQ(Depth("keep").visible, 1u);
  EXPECT_EQ(Depth("purged").visible, 0u);
  // Purging again within 60 s is still refused.
  EXPECT_EQ(sqs().PurgeQueue({purged}).status().code(),
            sqs::kPurgeQueueInProgress);
  // A queue of the same name later is another queue: the old handle does
  // not reach into it.
  clock_.Advance(seconds(61));
  std::string again = Create("gone");
  Send(again, "z");
  Receive(again, 1, 300);
  Status stale = Delete(again, held[0].receipt_handle);
  EXPECT_EQ(stale.code(), sqs::kReceiptHandleIsInvalid) << stale.ToString();
}

TEST_F(DurableQueueTest, NumbersIssuedBeforeARestartAreNeverReissued) {
  std::string url = Create("q");
  Send(url, "a");
  auto got = Receive(url, 1, 300);
  ASSERT_TRUE(Delete(url, got[0].receipt_handle).ok());
  Restart();
  // The only message was deleted: the next one must not take its number
  // (the old handle would then point at it).
  Send(url, "b");
  auto next = Receive(url, 1, 300);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_NE(next[0].receipt_handle, got[0].receipt_handle);
  EXPECT_TRUE(Delete(url, got[0].receipt_handle).ok());
  EXPECT_EQ(Depth("q").in_flight, 1u);  // the stale handle deleted nothing
}

TEST_F(DurableQueueTest, FifoDedupOrderAndSequenceNumbersCarryOn) {
  std::string url = Create("f.fifo");
  auto first = Send(url, "1", "g", "d1");
  auto second = Send(url, "2", "g", "d2");
  Send(url, "other", "h", "d3");
  auto got = Receive(url, 1, 300);  // "1" in flight: group g is held
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].body, "1");
  Restart();

  // The dedup window still holds: the same id and sequence number back.
  auto dup = Send(url, "1 again", "g", "d1");
  EXPECT_EQ(dup.message_id, first.message_id);
  EXPECT_EQ(dup.sequence_number, first.sequence_number);
  // Group g stays blocked behind its in-flight head; h is available.
  auto now = Receive(url, 10, 300);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].body, "other");
  // Sequence numbers go on from the last one issued.
  auto next = Send(url, "3", "g", "d4");
  ASSERT_TRUE(next.sequence_number && second.sequence_number);
  EXPECT_GT(*next.sequence_number, *second.sequence_number);
  EXPECT_TRUE(Delete(url, got[0].receipt_handle).ok());
  auto rest = Receive(url, 10, 300);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].body, "2");
  EXPECT_EQ(rest[1].body, "3");
  // Past the 5-minute window the id is new again.
  clock_.Advance(std::chrono::minutes(5));
  Restart();
  auto fresh = Send(url, "1", "g", "d1");
  EXPECT_NE(fresh.message_id, first.message_id);
}

TEST_F(DurableQueueTest, ARedriveAndItsMovedMessageSurvive) {
  std::string dlq = Create("dead");
  std::string src =
      Create("src", {{"RedrivePolicy", "{\"deadLetterTargetArn\":\"" +
                                           sqs().QueueArn("dead") +
                                           "\",\"maxReceiveCount\":\"1\"}"}});
  auto sent = Send(src, "poison");
  Receive(src, 1, 5);
  Restart();
  clock_.Advance(seconds(5));
  EXPECT_TRUE(Receive(src).empty());  // moved on this receive
  Restart();
  auto moved = Receive(dlq);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].message_id, sent.message_id);
  EXPECT_EQ(moved[0].attributes.at("DeadLetterQueueSourceArn"),
            sqs().QueueArn("src"));
}

TEST_F(DurableQueueTest, ASnapshotRebuildsWhatTheLogDid) {
  std::string url = Create("q", {{"VisibilityTimeout", "100"}});
  std::string fifo = Create("f.fifo");
  for (int i = 0; i < 20; ++i) Send(url, "m" + std::to_string(i));
  Send(fifo, "f", "g", "d");
  auto held = Receive(url, 5, 300);
  ASSERT_TRUE(Delete(url, held[0].receipt_handle).ok());
  Compact();
  Send(url, "after the snapshot");
  Restart();
  QueueDepth d = Depth("q");
  EXPECT_EQ(d.in_flight, 4u);
  EXPECT_EQ(d.visible, 16u);
  EXPECT_TRUE(Delete(url, held[1].receipt_handle).ok());
  EXPECT_EQ(Send(fifo, "f", "g", "d").sequence_number,
            Receive(fifo)[0].attributes.at("SequenceNumber"));
  EXPECT_TRUE(warnings_.empty());
}

}  // namespace
}  // namespace fanlab::queue
