// The table "Visibility and receipt handles" of docs/queue-semantics.md,
// row by row, for standard and FIFO queues. Rows whose outcome is the same
// for both kinds are TEST_P over the queue kind; the rows that differ have
// one test per kind.
#include "emulator/queue/receipt_handle.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "emulator/queue/sqs_errors.h"
#include "tests/queue/queue_fixture.h"

namespace fanlab::queue::testing {
namespace {

using std::chrono::microseconds;

enum class QueueKind { kStandard, kFifo };

void PrintTo(QueueKind kind, std::ostream* os) {
  *os << (kind == QueueKind::kStandard ? "standard" : "FIFO");
}

std::string KindName(const ::testing::TestParamInfo<QueueKind>& info) {
  return info.param == QueueKind::kStandard ? "Standard" : "Fifo";
}

class ReceiptHandleTestBase : public QueueServiceTest {
 protected:
  size_t Total(const std::string& name) {
    QueueDepth d = Depth(name);
    return d.visible + d.in_flight + d.delayed;
  }
};

// ---------------------------------------------------------------------------
// Rows shared by standard and FIFO queues.

class ReceiptHandleTest : public ReceiptHandleTestBase,
                          public ::testing::WithParamInterface<QueueKind> {
 protected:
  bool fifo() const { return GetParam() == QueueKind::kFifo; }
  // "<base>" or "<base>.fifo" according to the parameter.
  std::string Name(const std::string& base) const {
    return fifo() ? base + ".fifo" : base;
  }
};

INSTANTIATE_TEST_SUITE_P(BothKinds, ReceiptHandleTest,
                         ::testing::Values(QueueKind::kStandard,
                                           QueueKind::kFifo),
                         KindName);

TEST_P(ReceiptHandleTest, MalformedHandleIsReceiptHandleIsInvalid) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  for (const std::string& bad :
       {std::string("not-a-receipt-handle"), std::string(64, 'A'),
        std::string("AQEB") + std::string(200, 'x')}) {
    Status d = Delete(url, bad);
    EXPECT_EQ(d.code(), sqs::kReceiptHandleIsInvalid)
        << "DeleteMessage(" << bad << "): " << d.ToString();
    Status c = ChangeVisibility(url, bad, 0);
    EXPECT_EQ(c.code(), sqs::kReceiptHandleIsInvalid)
        << "ChangeMessageVisibility(" << bad << "): " << c.ToString();
  }
  EXPECT_EQ(Depth(name).in_flight, 1u) << "a bad handle touched the message";
}

TEST_P(ReceiptHandleTest, HandleOfAnotherQueueIsReceiptHandleIsInvalid) {
  std::string name_a = Name("a");
  std::string name_b = Name("b");
  std::string url_a = Create(name_a);
  std::string url_b = Create(name_b);
  Send(url_a, "in a");
  Send(url_b, "in b");
  auto from_a = ReceiveOne(url_a);
  auto from_b = ReceiveOne(url_b);
  ASSERT_TRUE(from_a.has_value());
  ASSERT_TRUE(from_b.has_value());

  Status d = Delete(url_b, from_a->receipt_handle);
  EXPECT_EQ(d.code(), sqs::kReceiptHandleIsInvalid) << d.ToString();
  Status c = ChangeVisibility(url_b, from_a->receipt_handle, 0);
  EXPECT_EQ(c.code(), sqs::kReceiptHandleIsInvalid) << c.ToString();

  EXPECT_EQ(Depth(name_a).in_flight, 1u);
  EXPECT_EQ(Depth(name_b).in_flight, 1u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeleted), 0u);
}

TEST_P(ReceiptHandleTest, HandleOfDeletedAndRecreatedQueueIsNotValidThere) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(service_.DeleteQueue({url}).ok());
  Advance(seconds(60));
  url = Create(name);
  Send(url, "new");
  auto fresh = ReceiveOne(url);
  ASSERT_TRUE(fresh.has_value());
  // The old handle names another queue (the deleted one): it must not
  // delete what the new queue's consumer holds.
  Status d = Delete(url, m->receipt_handle);
  EXPECT_EQ(d.code(), sqs::kReceiptHandleIsInvalid) << d.ToString();
  EXPECT_EQ(Depth(name).in_flight, 1u);
}

TEST_P(ReceiptHandleTest, CurrentHandleDeletesInFlightMessage) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  Status d = Delete(url, m->receipt_handle);
  ASSERT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(Total(name), 0u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeleted), 1u);
  Advance(seconds(30));
  EXPECT_TRUE(NothingReceivable(url));
}

TEST_P(ReceiptHandleTest, CurrentHandleDeletesJustBeforeVisibilityEnds) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  clock_.AdvanceTo(t0 + seconds(30) - kTick);
  Status d = Delete(url, m->receipt_handle);
  ASSERT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(Total(name), 0u);
}

TEST_P(ReceiptHandleTest, CurrentHandleChangesVisibilityFromNow) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  clock_.AdvanceTo(t0 + seconds(10));
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 60).ok());
  clock_.AdvanceTo(t0 + seconds(70) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t0 + seconds(70));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_P(ReceiptHandleTest, CurrentHandleChangeVisibilityZeroIsVisibleNow) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 0).ok());
  EXPECT_EQ(Depth(name).visible, 1u);
  auto again = ReceiveOne(url);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->message_id, m->message_id);
}

TEST_P(ReceiptHandleTest, ChangeVisibilityPastTwelveHoursIsRefused) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  TimePoint t0 = clock_.Now();
  auto m = ReceiveOne(url, 3600);
  ASSERT_TRUE(m.has_value());
  clock_.AdvanceTo(t0 + seconds(200));
  Status past = ChangeVisibility(url, m->receipt_handle, 43001);
  EXPECT_EQ(past.code(), sqs::kInvalidParameterValue) << past.ToString();
  Status at_cap = ChangeVisibility(url, m->receipt_handle, 43000);
  EXPECT_TRUE(at_cap.ok()) << at_cap.ToString();
}

TEST_P(ReceiptHandleTest, DeleteTwiceIsIdempotent) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(Delete(url, m->receipt_handle).ok());
  Status again = Delete(url, m->receipt_handle);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeleted), 1u);
}

TEST_P(ReceiptHandleTest, ChangeVisibilityOfDeletedMessageIsInvalidParameter) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(Delete(url, m->receipt_handle).ok());
  Status c = ChangeVisibility(url, m->receipt_handle, 10);
  EXPECT_EQ(c.code(), sqs::kInvalidParameterValue) << c.ToString();
  Status zero = ChangeVisibility(url, m->receipt_handle, 0);
  EXPECT_EQ(zero.code(), sqs::kInvalidParameterValue) << zero.ToString();
  EXPECT_EQ(Total(name), 0u) << "a deleted message came back";
}

TEST_P(ReceiptHandleTest, HandleOfPurgedMessage) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(service_.PurgeQueue({url}).ok());
  Status c = ChangeVisibility(url, m->receipt_handle, 10);
  EXPECT_EQ(c.code(), sqs::kInvalidParameterValue) << c.ToString();
  Status d = Delete(url, m->receipt_handle);
  EXPECT_TRUE(d.ok()) << d.ToString();
}

TEST_P(ReceiptHandleTest, HandleOfMessageExpiredInFlight) {
  std::string name = Name("q");
  std::string url = Create(name, {{"MessageRetentionPeriod", "60"}});
  Send(url, "m");
  auto m = ReceiveOne(url, 120);
  ASSERT_TRUE(m.has_value());
  Advance(seconds(60));
  Status c = ChangeVisibility(url, m->receipt_handle, 10);
  EXPECT_EQ(c.code(), sqs::kInvalidParameterValue) << c.ToString();
  Status d = Delete(url, m->receipt_handle);
  EXPECT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(Total(name), 0u);
}

TEST_P(ReceiptHandleTest, HandleOfMessageMovedToDeadLetterQueue) {
  std::string dlq_name = Name("dlq");
  Create(dlq_name);
  std::string policy = R"({"deadLetterTargetArn":")" +
                       service_.QueueArn(dlq_name) +
                       R"(","maxReceiveCount":1})";
  std::string name = Name("q");
  std::string url = Create(name, {{"RedrivePolicy", policy}});
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  Advance(seconds(30));
  EXPECT_TRUE(NothingReceivable(url));  // 2nd receive moves it to the DLQ
  ASSERT_EQ(Depth(dlq_name).visible, 1u);

  Status c = ChangeVisibility(url, m->receipt_handle, 10);
  EXPECT_EQ(c.code(), sqs::kInvalidParameterValue) << c.ToString();
  Status d = Delete(url, m->receipt_handle);
  EXPECT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(Depth(dlq_name).visible, 1u)
      << "the source handle reached the DLQ copy";
}

TEST_P(ReceiptHandleTest, StaleHandleNeverDeletesMessageHeldByAnotherConsumer) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto first = ReceiveOne(url);  // consumer 1
  ASSERT_TRUE(first.has_value());
  Advance(seconds(30));
  auto second = ReceiveOne(url);  // consumer 2, after the timeout
  ASSERT_TRUE(second.has_value());
  ASSERT_NE(first->receipt_handle, second->receipt_handle);

  Status stale = Delete(url, first->receipt_handle);
  if (fifo()) {
    EXPECT_EQ(stale.code(), sqs::kInvalidParameterValue) << stale.ToString();
  } else {
    EXPECT_TRUE(stale.ok()) << stale.ToString();
  }
  EXPECT_EQ(Depth(name).in_flight, 1u) << "stale handle deleted the message";
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageDeleted), 0u);

  // Consumer 2's handle still works.
  Status current = Delete(url, second->receipt_handle);
  EXPECT_TRUE(current.ok()) << current.ToString();
  EXPECT_EQ(Total(name), 0u);
}

TEST_P(ReceiptHandleTest,
       StaleHandleNeverChangesVisibilityOfMessageHeldByAnotherConsumer) {
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  auto first = ReceiveOne(url);
  ASSERT_TRUE(first.has_value());
  Advance(seconds(30));
  TimePoint t1 = clock_.Now();
  auto second = ReceiveOne(url);
  ASSERT_TRUE(second.has_value());

  Status stale = ChangeVisibility(url, first->receipt_handle, 0);
  if (fifo()) {
    EXPECT_EQ(stale.code(), sqs::kMessageNotInflight) << stale.ToString();
  } else {
    EXPECT_TRUE(stale.ok()) << stale.ToString();
  }
  EXPECT_EQ(Depth(name).in_flight, 1u) << "stale handle released the message";
  EXPECT_EQ(observer_.Count(QueueEventKind::kVisibilityChanged), 0u);
  // Nor extends it: consumer 2's 30 s hold ends on time.
  (void)ChangeVisibility(url, first->receipt_handle, 600);
  clock_.AdvanceTo(t1 + seconds(30) - kTick);
  EXPECT_TRUE(NothingReceivable(url));
  clock_.AdvanceTo(t1 + seconds(30));
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_P(ReceiptHandleTest, StaleHandleAfterRedeliveryWithManyReceives) {
  // Three consumers in turn; only the last handle may delete.
  std::string name = Name("q");
  std::string url = Create(name);
  Send(url, "m");
  std::vector<std::string> handles;
  for (int i = 0; i < 3; ++i) {
    auto m = ReceiveOne(url);
    ASSERT_TRUE(m.has_value());
    handles.push_back(m->receipt_handle);
    if (i < 2) Advance(seconds(30));
  }
  for (int i = 0; i < 2; ++i) {
    (void)Delete(url, handles[i]);
    EXPECT_EQ(Depth(name).in_flight, 1u) << "handle " << i << " deleted it";
  }
  EXPECT_TRUE(Delete(url, handles[2]).ok());
  EXPECT_EQ(Total(name), 0u);
}

// ---------------------------------------------------------------------------
// Standard queue rows.

class StandardReceiptHandleTest : public ReceiptHandleTestBase {};

TEST_F(StandardReceiptHandleTest, ExpiredCurrentHandleStillDeletes) {
  std::string url = Create("q");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  Advance(seconds(30));
  ASSERT_EQ(Depth("q").visible, 1u);
  Status d = Delete(url, m->receipt_handle);
  EXPECT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(Total("q"), 0u) << "not received again: the handle deletes";
}

TEST_F(StandardReceiptHandleTest, ExpiredCurrentHandleChangeVisibilityIsNoOp) {
  std::string url = Create("q");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  Advance(seconds(30));
  Status c = ChangeVisibility(url, m->receipt_handle, 600);
  EXPECT_TRUE(c.ok()) << c.ToString();
  EXPECT_EQ(Depth("q").visible, 1u) << "expired handle hid the message";
  EXPECT_EQ(Depth("q").in_flight, 0u);
  EXPECT_TRUE(ReceiveOne(url).has_value());
}

TEST_F(StandardReceiptHandleTest, HandleAfterChangeVisibilityZeroStillDeletes) {
  std::string url = Create("q");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 0).ok());
  Status d = Delete(url, m->receipt_handle);
  EXPECT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(Total("q"), 0u);
}

TEST_F(StandardReceiptHandleTest, StaleHandleDeleteSucceedsWithoutDeleting) {
  std::string url = Create("q");
  Send(url, "m");
  auto first = ReceiveOne(url, 0);
  ASSERT_TRUE(first.has_value());
  auto second = ReceiveOne(url);  // received again at once
  ASSERT_TRUE(second.has_value());
  Status d = Delete(url, first->receipt_handle);
  EXPECT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(Depth("q").in_flight, 1u);
}

TEST_F(StandardReceiptHandleTest, StaleHandleOfVisibleMessageDoesNotDelete) {
  // Received twice, then the second hold ended too: the message is
  // visible, and the first handle is still stale.
  std::string url = Create("q");
  Send(url, "m");
  auto first = ReceiveOne(url);
  ASSERT_TRUE(first.has_value());
  Advance(seconds(30));
  ASSERT_TRUE(ReceiveOne(url).has_value());
  Advance(seconds(30));
  Status d = Delete(url, first->receipt_handle);
  EXPECT_TRUE(d.ok()) << d.ToString();
  EXPECT_EQ(Depth("q").visible, 1u);
}

// ---------------------------------------------------------------------------
// FIFO queue rows.

class FifoReceiptHandleTest : public ReceiptHandleTestBase {};

TEST_F(FifoReceiptHandleTest, ExpiredHandleDeleteIsInvalidParameterValue) {
  std::string url = Create("q.fifo");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  Advance(seconds(30));
  Status d = Delete(url, m->receipt_handle);
  EXPECT_EQ(d.code(), sqs::kInvalidParameterValue) << d.ToString();
  EXPECT_EQ(Depth("q.fifo").visible, 1u) << "expired handle deleted it";
}

TEST_F(FifoReceiptHandleTest,
       ExpiredHandleChangeVisibilityIsMessageNotInflight) {
  std::string url = Create("q.fifo");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  Advance(seconds(30));
  Status c = ChangeVisibility(url, m->receipt_handle, 600);
  EXPECT_EQ(c.code(), sqs::kMessageNotInflight) << c.ToString();
  EXPECT_EQ(Depth("q.fifo").visible, 1u);
}

TEST_F(FifoReceiptHandleTest, HandleExpiresExactlyAtVisibilityEnd) {
  std::string url = Create("q.fifo");
  Send(url, "a");
  Send(url, "b");
  TimePoint t0 = clock_.Now();
  std::vector<Message> got = Receive(url, 2);
  ASSERT_EQ(got.size(), 2u);
  clock_.AdvanceTo(t0 + seconds(30) - kTick);
  EXPECT_TRUE(Delete(url, got[0].receipt_handle).ok());
  clock_.AdvanceTo(t0 + seconds(30));
  Status d = Delete(url, got[1].receipt_handle);
  EXPECT_EQ(d.code(), sqs::kInvalidParameterValue) << d.ToString();
  EXPECT_EQ(Depth("q.fifo").visible, 1u);
}

TEST_F(FifoReceiptHandleTest, HandleAfterChangeVisibilityZeroHasExpired) {
  std::string url = Create("q.fifo");
  Send(url, "m");
  auto m = ReceiveOne(url);
  ASSERT_TRUE(m.has_value());
  ASSERT_TRUE(ChangeVisibility(url, m->receipt_handle, 0).ok());
  Status d = Delete(url, m->receipt_handle);
  EXPECT_EQ(d.code(), sqs::kInvalidParameterValue) << d.ToString();
  Status c = ChangeVisibility(url, m->receipt_handle, 30);
  EXPECT_EQ(c.code(), sqs::kMessageNotInflight) << c.ToString();
  EXPECT_EQ(Depth("q.fifo").visible, 1u);
}

TEST_F(FifoReceiptHandleTest, StaleHandleRefusedWhileMessageHeldAgain) {
  std::string url = Create("q.fifo");
  Send(url, "m");
  auto first = ReceiveOne(url, 0);
  ASSERT_TRUE(first.has_value());
  auto second = ReceiveOne(url);
  ASSERT_TRUE(second.has_value());
  Status d = Delete(url, first->receipt_handle);
  EXPECT_EQ(d.code(), sqs::kInvalidParameterValue) << d.ToString();
  Status c = ChangeVisibility(url, first->receipt_handle, 0);
  EXPECT_EQ(c.code(), sqs::kMessageNotInflight) << c.ToString();
  EXPECT_EQ(Depth("q.fifo").in_flight, 1u);
  EXPECT_TRUE(Delete(url, second->receipt_handle).ok());
}

// A handle carries the run (epoch) that issued it; the check word covers it.
TEST(ReceiptHandleCodecTest, TheEpochTravelsInTheHandleAndIsChecked) {
  ReceiptHandle h{
      .epoch = 0x1234, .queue_uid = 1, .message_seq = 2, .receipt = 3};
  std::string text = EncodeReceiptHandle(h, 42);
  EXPECT_EQ(text.size(), 56u);
  auto back = DecodeReceiptHandle(text, 42);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->epoch, 0x1234u);
  ReceiptHandle other = h;
  other.epoch = 0x1235;
  EXPECT_NE(EncodeReceiptHandle(other, 42), text);
  EXPECT_FALSE(DecodeReceiptHandle(text, 43).has_value());
}

// Two runs of the service (seeded differently, as the engine does on the
// real clock): the first run's handle is ReceiptHandleIsInvalid in the
// second, though queue, message number and receive are the same.
TEST(ReceiptHandleCodecTest, AHandleFromAnEarlierRunIsInvalid) {
  VirtualClock clock;
  auto run = [&](uint64_t seed, std::string* handle) {
    auto service = std::make_unique<QueueService>(
        clock, QueueServiceOptions{.seed = seed});
    auto url = service->CreateQueue({"q", {}, {}})->queue_url;
    SendMessageRequest send;
    send.queue_url = url;
    send.message_body = "m";
    EXPECT_TRUE(service->SendMessage(send).ok());
    ReceiveMessageRequest receive;
    receive.queue_url = url;
    receive.visibility_timeout = 300;
    auto got = service->ReceiveMessageNow(receive);
    EXPECT_TRUE(got.ok() && got->messages.size() == 1);
    if (handle != nullptr && got.ok() && !got->messages.empty()) {
      *handle = got->messages[0].receipt_handle;
    }
    return service;
  };
  std::string stale, fresh;
  run(1, &stale);
  auto second = run(2, &fresh);
  DeleteMessageRequest del;
  del.queue_url = second->CreateQueue({"q", {}, {}})->queue_url;
  del.receipt_handle = stale;
  auto r = second->DeleteMessage(del);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kReceiptHandleIsInvalid);
  del.receipt_handle = fresh;
  EXPECT_TRUE(second->DeleteMessage(del).ok());
}

}  // namespace
}  // namespace fanlab::queue::testing
