// SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch:
// request-level faults fail the call, every other fault is reported per
// entry (docs/queue-semantics.md, "Batches").
#include <gtest/gtest.h>

#include <algorithm>
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

constexpr size_t kOneMiB = 1048576;

// --- Request-level rules, shared by the three batch actions ------------------

enum class BatchAction { kSend, kDelete, kChangeVisibility };

// Ten messages received (so ten live receipt handles) before each test; the
// batch under test then sends, deletes or makes visible (timeout 0).
class BatchRequestTest : public QueueServiceTest,
                         public ::testing::WithParamInterface<BatchAction> {
 protected:
  struct Outcome {
    Status status;
    size_t successful = 0;
    size_t failed = 0;
  };

  void SetUp() override {
    url_ = Create("batch");
    for (int i = 0; i < 10; ++i) Send(url_, "m" + std::to_string(i));
    for (const Message& m : Receive(url_, 10)) {
      handles_.push_back(m.receipt_handle);
    }
    ASSERT_EQ(handles_.size(), 10u);
    observer_.events.clear();
  }

  // Runs the action under test with one entry per id.
  Outcome Run(const std::vector<std::string>& ids) { return RunOn(url_, ids); }

  Outcome RunOn(const std::string& url, const std::vector<std::string>& ids) {
    switch (GetParam()) {
      case BatchAction::kSend: {
        SendMessageBatchRequest req{url, {}};
        for (size_t i = 0; i < ids.size(); ++i) {
          SendMessageBatchRequestEntry e;
          e.id = ids[i];
          e.message_body = "body-" + std::to_string(i);
          req.entries.push_back(e);
        }
        return Summarize(service_.SendMessageBatch(req));
      }
      case BatchAction::kDelete: {
        DeleteMessageBatchRequest req{url, {}};
        for (size_t i = 0; i < ids.size(); ++i) {
          req.entries.push_back({ids[i], handles_[i % handles_.size()]});
        }
        return Summarize(service_.DeleteMessageBatch(req));
      }
      case BatchAction::kChangeVisibility: {
        ChangeMessageVisibilityBatchRequest req{url, {}};
        for (size_t i = 0; i < ids.size(); ++i) {
          req.entries.push_back({ids[i], handles_[i % handles_.size()], 0});
        }
        return Summarize(service_.ChangeMessageVisibilityBatch(req));
      }
    }
    return {};
  }

  template <typename Response>
  static Outcome Summarize(const Result<Response>& r) {
    if (!r.ok()) return Outcome{r.status(), 0, 0};
    return {Status::Ok(), r->successful.size(), r->failed.size()};
  }

  // A refused request changed nothing: the ten messages are still in flight
  // and no other message arrived.
  void ExpectUntouched() {
    QueueDepth d = Depth("batch");
    EXPECT_EQ(d.visible, 0u);
    EXPECT_EQ(d.in_flight, 10u);
    EXPECT_EQ(d.delayed, 0u);
    EXPECT_TRUE(observer_.events.empty());
  }

  static std::vector<std::string> Ids(size_t n) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < n; ++i) ids.push_back("e" + std::to_string(i));
    return ids;
  }

  std::string url_;
  std::vector<std::string> handles_;
};

TEST_P(BatchRequestTest, EmptyBatchIsEmptyBatchRequest) {
  Outcome o = Run({});
  EXPECT_EQ(o.status.code(), sqs::kEmptyBatchRequest) << o.status.ToString();
  ExpectUntouched();
}

TEST_P(BatchRequestTest, TenEntriesAreAccepted) {
  Outcome o = Run(Ids(10));
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.successful, 10u);
  EXPECT_EQ(o.failed, 0u);
  QueueDepth d = Depth("batch");
  switch (GetParam()) {
    case BatchAction::kSend:
      EXPECT_EQ(d.visible, 10u);
      EXPECT_EQ(d.in_flight, 10u);
      break;
    case BatchAction::kDelete:
      EXPECT_EQ(d.visible, 0u);
      EXPECT_EQ(d.in_flight, 0u);
      break;
    case BatchAction::kChangeVisibility:
      EXPECT_EQ(d.visible, 10u);
      EXPECT_EQ(d.in_flight, 0u);
      break;
  }
}

TEST_P(BatchRequestTest, ElevenEntriesAreTooManyEntriesInBatchRequest) {
  Outcome o = Run(Ids(11));
  EXPECT_EQ(o.status.code(), sqs::kTooManyEntriesInBatchRequest)
      << o.status.ToString();
  ExpectUntouched();
}

TEST_P(BatchRequestTest, DuplicateEntryIdsAreBatchEntryIdsNotDistinct) {
  Outcome o = Run({"a", "b", "a"});
  EXPECT_EQ(o.status.code(), sqs::kBatchEntryIdsNotDistinct)
      << o.status.ToString();
  ExpectUntouched();
}

TEST_P(BatchRequestTest, MalformedEntryIdIsInvalidBatchEntryId) {
  for (const std::string& bad : std::vector<std::string>{
           "a b", std::string(81, 'x'), "", "a.b", "caf\xc3\xa9", "a/b"}) {
    SCOPED_TRACE("id \"" + bad + "\"");
    Outcome o = Run({"good", bad});
    EXPECT_EQ(o.status.code(), sqs::kInvalidBatchEntryId)
        << o.status.ToString();
  }
  ExpectUntouched();
}

TEST_P(BatchRequestTest, EntryIdOf80AllowedCharsIsAccepted) {
  std::string longest = "AZaz09_-";
  longest += std::string(80 - longest.size(), 'q');
  Outcome o = Run({longest, "b"});
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.successful, 2u);
  EXPECT_EQ(o.failed, 0u);
}

TEST_P(BatchRequestTest, MissingQueueIsQueueDoesNotExist) {
  Outcome o = RunOn("http://localhost/000000000000/missing", Ids(2));
  EXPECT_EQ(o.status.code(), sqs::kQueueDoesNotExist) << o.status.ToString();
  ExpectUntouched();
}

INSTANTIATE_TEST_SUITE_P(
    Actions, BatchRequestTest,
    ::testing::Values(BatchAction::kSend, BatchAction::kDelete,
                      BatchAction::kChangeVisibility),
    [](const ::testing::TestParamInfo<BatchAction>& param_info) -> std::string {
      switch (param_info.param) {
        case BatchAction::kSend:
          return "Send";
        case BatchAction::kDelete:
          return "Delete";
        case BatchAction::kChangeVisibility:
          return "ChangeVisibility";
      }
      return "Unknown";
    });

// --- SendMessageBatch --------------------------------------------------------

class BatchTest : public QueueServiceTest {
 protected:
  void SetUp() override { url_ = Create("batch"); }

  static SendMessageBatchRequestEntry Entry(const std::string& id,
                                            std::string body) {
    SendMessageBatchRequestEntry e;
    e.id = id;
    e.message_body = std::move(body);
    return e;
  }

  template <typename Response>
  static std::map<std::string, BatchResultErrorEntry> FailedById(
      const Response& r) {
    std::map<std::string, BatchResultErrorEntry> by_id;
    for (const BatchResultErrorEntry& e : r.failed) by_id[e.id] = e;
    return by_id;
  }

  template <typename Response>
  static std::vector<std::string> SuccessfulIds(const Response& r) {
    std::vector<std::string> ids;
    for (const auto& e : r.successful) ids.push_back(e.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  static void ExpectFailure(
      const std::map<std::string, BatchResultErrorEntry>& failed,
      const std::string& id, const std::string& code) {
    auto it = failed.find(id);
    ASSERT_NE(it, failed.end()) << "entry " << id << " not in Failed";
    EXPECT_EQ(it->second.code, code) << "entry " << id;
    EXPECT_TRUE(it->second.sender_fault) << "entry " << id;
    EXPECT_FALSE(it->second.message.empty()) << "entry " << id;
  }

  std::string url_;
};

using Strings = std::vector<std::string>;

TEST_F(BatchTest, TotalSizeOverOneMiBIsBatchRequestTooLong) {
  // Each entry alone is well under the limit; together they are not.
  SendMessageBatchRequest req{url_,
                              {Entry("a", std::string(600 * 1024, 'a')),
                               Entry("b", std::string(600 * 1024, 'b'))}};
  auto r = service_.SendMessageBatch(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kBatchRequestTooLong)
      << r.status().ToString();
  EXPECT_EQ(Depth("batch").visible, 0u);
}

TEST_F(BatchTest, TotalSizeOfExactlyOneMiBIsAcceptedOneByteMoreIsNot) {
  SendMessageBatchRequest exact{url_,
                                {Entry("a", std::string(kOneMiB / 2, 'a')),
                                 Entry("b", std::string(kOneMiB / 2, 'b'))}};
  auto ok = service_.SendMessageBatch(exact);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->successful.size(), 2u);

  SendMessageBatchRequest over{url_,
                               {Entry("a", std::string(kOneMiB / 2, 'a')),
                                Entry("b", std::string(kOneMiB / 2 + 1, 'b'))}};
  auto r = service_.SendMessageBatch(over);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kBatchRequestTooLong)
      << r.status().ToString();
  EXPECT_EQ(Depth("batch").visible, 2u);
}

TEST_F(BatchTest, TotalSizeCountsMessageAttributes) {
  // Bodies of exactly 1 MiB together, plus a 20-byte attribute
  // ("n" + "String" + 13 bytes).
  SendMessageBatchRequestEntry b = Entry("b", std::string(kOneMiB / 2, 'b'));
  b.message_attributes["n"] = {"String", std::string(13, 'v'), std::nullopt};
  SendMessageBatchRequest req{url_,
                              {Entry("a", std::string(kOneMiB / 2, 'a')), b}};
  auto r = service_.SendMessageBatch(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kBatchRequestTooLong)
      << r.status().ToString();
  EXPECT_EQ(Depth("batch").visible, 0u);
}

TEST_F(BatchTest, SendBatchReportsFaultsPerEntry) {
  SendMessageBatchRequestEntry late = Entry("late", "delayed too long");
  late.delay_seconds = 901;
  SendMessageBatchRequestEntry numeric = Entry("nan", "bad attribute");
  numeric.message_attributes["n"] = {"Number", "not-a-number", std::nullopt};
  SendMessageBatchRequest req{
      url_,
      {Entry("ok1", "hello"), Entry("ctl", "bad\x01"), Entry("empty", ""), late,
       numeric, Entry("ok2", "world")}};
  auto r = service_.SendMessageBatch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  EXPECT_EQ(SuccessfulIds(*r), (Strings{"ok1", "ok2"}));
  auto failed = FailedById(*r);
  EXPECT_EQ(failed.size(), 4u);
  ExpectFailure(failed, "ctl", "InvalidMessageContents");
  ExpectFailure(failed, "empty", "MissingParameter");
  ExpectFailure(failed, "late", "InvalidParameterValue");
  ExpectFailure(failed, "nan", "InvalidParameterValue");

  EXPECT_EQ(Depth("batch").visible, 2u);
  Strings bodies;
  for (const Message& m : Receive(url_)) bodies.push_back(m.body);
  std::sort(bodies.begin(), bodies.end());
  EXPECT_EQ(bodies, (Strings{"hello", "world"}));
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageSent), 2u);
}

TEST_F(BatchTest, SendBatchReturnsMd5sAndIdsPerEntry) {
  SendMessageBatchRequestEntry with_attrs = Entry("attrs", "derp");
  // The vector AWS returns for this attribute (pinned by moto's tests).
  with_attrs.message_attributes["timestamp"] = {"Number", "1493147359900",
                                                std::nullopt};
  SendMessageBatchRequest req{url_, {Entry("plain", "hello"), with_attrs}};
  auto r = service_.SendMessageBatch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->successful.size(), 2u);
  EXPECT_TRUE(r->failed.empty());

  std::map<std::string, SendMessageBatchResultEntry> by_id;
  for (const auto& e : r->successful) by_id[e.id] = e;
  const auto& plain = by_id["plain"];
  const auto& attrs = by_id["attrs"];
  EXPECT_EQ(plain.md5_of_message_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_FALSE(plain.md5_of_message_attributes.has_value());
  EXPECT_EQ(attrs.md5_of_message_body, "58fd9edd83341c29f1aebba81c31e257");
  EXPECT_EQ(attrs.md5_of_message_attributes,
            "235c5c510d26fb653d073faed50ae77c");
  EXPECT_FALSE(plain.message_id.empty());
  EXPECT_NE(plain.message_id, attrs.message_id);
  EXPECT_FALSE(plain.sequence_number.has_value());

  // The ids are those of the stored messages.
  std::map<std::string, std::string> body_by_message_id;
  for (const Message& m : Receive(url_)) {
    body_by_message_id[m.message_id] = m.body;
    EXPECT_EQ(m.md5_of_body, m.body == "hello"
                                 ? "5d41402abc4b2a76b9719d911017c592"
                                 : "58fd9edd83341c29f1aebba81c31e257");
  }
  EXPECT_EQ(body_by_message_id[plain.message_id], "hello");
  EXPECT_EQ(body_by_message_id[attrs.message_id], "derp");
}

TEST_F(BatchTest, SendBatchOnFifoKeepsEntryOrderAndSequenceNumbers) {
  const std::string url = Create("batch.fifo");
  SendMessageBatchRequest req{url, {}};
  for (int i = 0; i < 4; ++i) {
    SendMessageBatchRequestEntry e =
        Entry("e" + std::to_string(i), "m" + std::to_string(i));
    e.message_group_id = "g";
    e.message_deduplication_id = "d" + std::to_string(i);
    req.entries.push_back(e);
  }
  req.entries[2].message_group_id.reset();  // per-entry MissingParameter
  auto r = service_.SendMessageBatch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  EXPECT_EQ(SuccessfulIds(*r), (Strings{"e0", "e1", "e3"}));
  auto failed = FailedById(*r);
  EXPECT_EQ(failed.size(), 1u);
  ExpectFailure(failed, "e2", "MissingParameter");

  std::map<std::string, std::string> seq;
  for (const auto& e : r->successful) {
    ASSERT_TRUE(e.sequence_number.has_value()) << e.id;
    seq[e.id] = *e.sequence_number;
  }
  EXPECT_LT(seq["e0"], seq["e1"]);
  EXPECT_LT(seq["e1"], seq["e3"]);

  Strings bodies;
  for (const Message& m : Receive(url)) bodies.push_back(m.body);
  EXPECT_EQ(bodies, (Strings{"m0", "m1", "m3"}));
}

// --- DeleteMessageBatch ------------------------------------------------------

TEST_F(BatchTest, DeleteBatchReportsInvalidHandlePerEntry) {
  const std::string other_url = Create("other");
  Send(other_url, "elsewhere");
  auto foreign = Receive(other_url);
  ASSERT_EQ(foreign.size(), 1u);

  Send(url_, "m1");
  Send(url_, "m2");
  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 2u);

  DeleteMessageBatchRequest req{url_,
                                {{"d1", got[0].receipt_handle},
                                 {"garbage", "not-a-receipt-handle"},
                                 {"foreign", foreign[0].receipt_handle},
                                 {"d2", got[1].receipt_handle}}};
  auto r = service_.DeleteMessageBatch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  EXPECT_EQ(SuccessfulIds(*r), (Strings{"d1", "d2"}));
  auto failed = FailedById(*r);
  EXPECT_EQ(failed.size(), 2u);
  ExpectFailure(failed, "garbage", "ReceiptHandleIsInvalid");
  ExpectFailure(failed, "foreign", "ReceiptHandleIsInvalid");

  QueueDepth d = Depth("batch");
  EXPECT_EQ(d.visible + d.in_flight, 0u);
  EXPECT_EQ(Depth("other").in_flight, 1u);  // the foreign message survived
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeleted), 2u);
}

// --- ChangeMessageVisibilityBatch --------------------------------------------

TEST_F(BatchTest, ChangeVisibilityBatchAppliesAndFailsPerEntry) {
  Send(url_, "m1");
  Send(url_, "m2");
  Send(url_, "m3");
  auto got = Receive(url_, 10, /*visibility=*/30);
  ASSERT_EQ(got.size(), 3u);

  ChangeMessageVisibilityBatchRequest req{
      url_,
      {{"now", got[0].receipt_handle, 0},
       {"later", got[1].receipt_handle, 120},
       {"garbage", "not-a-receipt-handle", 10},
       {"too-long", got[2].receipt_handle, 43201}}};
  auto r = service_.ChangeMessageVisibilityBatch(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  EXPECT_EQ(SuccessfulIds(*r), (Strings{"later", "now"}));
  auto failed = FailedById(*r);
  EXPECT_EQ(failed.size(), 2u);
  ExpectFailure(failed, "garbage", "ReceiptHandleIsInvalid");
  ExpectFailure(failed, "too-long", "InvalidParameterValue");

  // m1 is visible now; m3 keeps its 30 s; m2 returns 120 s after the call.
  QueueDepth d = Depth("batch");
  EXPECT_EQ(d.visible, 1u);
  EXPECT_EQ(d.in_flight, 2u);

  Advance(seconds(30));
  d = Depth("batch");
  EXPECT_EQ(d.visible, 2u);
  EXPECT_EQ(d.in_flight, 1u);

  Advance(seconds(89));
  EXPECT_EQ(Depth("batch").in_flight, 1u);
  Advance(seconds(1));
  d = Depth("batch");
  EXPECT_EQ(d.visible, 3u);
  EXPECT_EQ(d.in_flight, 0u);
}

}  // namespace
}  // namespace fanlab::queue::testing
