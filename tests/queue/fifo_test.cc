// FIFO queues: strict order per MessageGroupId, the group lock,
// SequenceNumber, the FIFO-only send parameters and ReceiveRequestAttemptId
// (docs/queue-semantics.md, "FIFO queues"). Deduplication is in
// dedup_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
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

class FifoTest : public QueueServiceTest {
 protected:
  void SetUp() override { url_ = Create("orders.fifo"); }

  // A FIFO send request with a fresh deduplication id.
  SendMessageRequest Request(const std::string& body,
                             std::optional<std::string> group) {
    SendMessageRequest req;
    req.queue_url = url_;
    req.message_body = body;
    req.message_group_id = std::move(group);
    req.message_deduplication_id = "fifo-test-" + std::to_string(++sends_);
    return req;
  }

  // A receive (never waiting) carrying `attempt` as ReceiveRequestAttemptId.
  Result<ReceiveMessageResponse> ReceiveWithAttempt(
      const std::string& attempt, int max = 10,
      std::optional<int64_t> visibility = std::nullopt) {
    ReceiveMessageRequest req;
    req.queue_url = url_;
    req.max_number_of_messages = max;
    req.visibility_timeout = visibility;
    req.message_system_attribute_names = {"All"};
    req.receive_request_attempt_id = attempt;
    return service_.ReceiveMessageNow(req);
  }

  static std::vector<std::string> Bodies(const std::vector<Message>& msgs) {
    std::vector<std::string> bodies;
    for (const Message& m : msgs) bodies.push_back(m.body);
    return bodies;
  }

  static std::vector<std::string> Handles(const std::vector<Message>& msgs) {
    std::vector<std::string> handles;
    for (const Message& m : msgs) handles.push_back(m.receipt_handle);
    return handles;
  }

  static std::vector<std::string> Ids(const std::vector<Message>& msgs) {
    std::vector<std::string> ids;
    for (const Message& m : msgs) ids.push_back(m.message_id);
    return ids;
  }

  static std::string Attr(const Message& m, const std::string& name) {
    auto it = m.attributes.find(name);
    return it == m.attributes.end() ? "<absent>" : it->second;
  }

  std::string url_;
  int sends_ = 0;
};

using Strings = std::vector<std::string>;

// --- Order and the group lock ---------------------------------------------

TEST_F(FifoTest, OneReceiveReturnsEveryAvailableMessageOfAGroupInOrder) {
  Send(url_, "a1", "A");
  Send(url_, "a2", "A");
  Send(url_, "a3", "A");

  EXPECT_EQ(Bodies(Receive(url_, 10)), (Strings{"a1", "a2", "a3"}));
  EXPECT_EQ(Depth("orders.fifo").in_flight, 3u);
}

TEST_F(FifoTest, OrderIsStrictWithinAGroupAcrossReceives) {
  for (int i = 1; i <= 5; ++i) Send(url_, "a" + std::to_string(i), "A");

  auto first = Receive(url_, 2);
  ASSERT_EQ(Bodies(first), (Strings{"a1", "a2"}));
  for (const Message& m : first)
    ASSERT_TRUE(Delete(url_, m.receipt_handle).ok());
  auto second = Receive(url_, 2);
  ASSERT_EQ(Bodies(second), (Strings{"a3", "a4"}));
  for (const Message& m : second) {
    ASSERT_TRUE(Delete(url_, m.receipt_handle).ok());
  }
  EXPECT_EQ(Bodies(Receive(url_, 2)), (Strings{"a5"}));
}

TEST_F(FifoTest, ReceiveTakesWholeGroupsOldestHeadFirst) {
  Send(url_, "a1", "A");
  Send(url_, "b1", "B");
  Send(url_, "a2", "A");
  Send(url_, "b2", "B");
  Send(url_, "a3", "A");

  EXPECT_EQ(Bodies(Receive(url_, 10)), (Strings{"a1", "a2", "a3", "b1", "b2"}));
}

TEST_F(FifoTest, ReceiveFillsUpFromTheNextGroupAndLocksIt) {
  Send(url_, "a1", "A");
  Send(url_, "a2", "A");
  Send(url_, "b1", "B");
  Send(url_, "b2", "B");

  auto first = Receive(url_, 3);
  ASSERT_EQ(Bodies(first), (Strings{"a1", "a2", "b1"}));
  // b2 waits behind b1, which is in flight.
  EXPECT_TRUE(Receive(url_, 10).empty());
  ASSERT_TRUE(Delete(url_, first[2].receipt_handle).ok());
  EXPECT_EQ(Bodies(Receive(url_, 10)), (Strings{"b2"}));
}

TEST_F(FifoTest, ReceiveStopsAtMaxNumberOfMessagesWithinAGroup) {
  for (int i = 1; i <= 12; ++i) Send(url_, "a" + std::to_string(i), "A");

  auto first = Receive(url_, 10);
  ASSERT_EQ(first.size(), 10u);
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].body, "a" + std::to_string(i + 1));
  }
  // a11 and a12 wait behind the ten in flight.
  EXPECT_TRUE(Receive(url_, 10).empty());

  for (const Message& m : first)
    ASSERT_TRUE(Delete(url_, m.receipt_handle).ok());
  EXPECT_EQ(Bodies(Receive(url_, 10)), (Strings{"a11", "a12"}));
}

TEST_F(FifoTest, InFlightMessageLocksItsGroupButNotOthers) {
  Send(url_, "a1", "A");
  Send(url_, "a2", "A");
  Send(url_, "b1", "B");
  Send(url_, "b2", "B");

  auto a = Receive(url_, 1);
  ASSERT_EQ(Bodies(a), (Strings{"a1"}));

  // a2 is held back while a1 is in flight; group B is served.
  EXPECT_EQ(Bodies(Receive(url_, 10)), (Strings{"b1", "b2"}));
  EXPECT_TRUE(Receive(url_, 10).empty());
  EXPECT_EQ(Depth("orders.fifo").visible, 1u);  // a2: stored, not deliverable

  ASSERT_TRUE(Delete(url_, a[0].receipt_handle).ok());
  EXPECT_EQ(Bodies(Receive(url_, 10)), (Strings{"a2"}));
}

TEST_F(FifoTest, VisibilityExpiryReturnsTheSameHeadFirst) {
  const std::string a1_id = Send(url_, "a1", "A").message_id;
  Send(url_, "a2", "A");

  auto first = Receive(url_, 1, /*visibility=*/30);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].message_id, a1_id);
  EXPECT_EQ(Attr(first[0], "ApproximateReceiveCount"), "1");

  Advance(seconds(29));
  EXPECT_TRUE(Receive(url_, 10).empty()) << "a2 must wait behind a1";

  Advance(seconds(1));
  auto again = Receive(url_, 10);
  ASSERT_EQ(Bodies(again), (Strings{"a1", "a2"}));
  EXPECT_EQ(again[0].message_id, a1_id);
  EXPECT_EQ(Attr(again[0], "ApproximateReceiveCount"), "2");
  EXPECT_NE(again[0].receipt_handle, first[0].receipt_handle);
  EXPECT_EQ(Attr(again[1], "ApproximateReceiveCount"), "1");
}

TEST_F(FifoTest, VisibilityChangedToZeroReturnsTheSameHeadFirst) {
  const std::string a1_id = Send(url_, "a1", "A").message_id;
  Send(url_, "a2", "A");

  auto first = Receive(url_, 1);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(ChangeVisibility(url_, first[0].receipt_handle, 0).ok());

  auto again = Receive(url_, 10);
  ASSERT_EQ(Bodies(again), (Strings{"a1", "a2"}));
  EXPECT_EQ(again[0].message_id, a1_id);
  EXPECT_EQ(Attr(again[0], "ApproximateReceiveCount"), "2");
}

TEST_F(FifoTest, LaterMessageMadeVisibleStaysBehindItsInFlightPredecessor) {
  Send(url_, "a1", "A");
  Send(url_, "a2", "A");
  auto got = Receive(url_, 10);
  ASSERT_EQ(Bodies(got), (Strings{"a1", "a2"}));

  // a2 is visible again, but a1 still holds the group.
  ASSERT_TRUE(ChangeVisibility(url_, got[1].receipt_handle, 0).ok());
  EXPECT_TRUE(Receive(url_, 10).empty());

  ASSERT_TRUE(Delete(url_, got[0].receipt_handle).ok());
  auto again = Receive(url_, 10);
  ASSERT_EQ(Bodies(again), (Strings{"a2"}));
  EXPECT_EQ(Attr(again[0], "ApproximateReceiveCount"), "2");
}

TEST_F(FifoTest, DelayedHeadHoldsBackLaterMessagesOfItsGroup) {
  const std::string url = Create("delayed.fifo", {{"DelaySeconds", "60"}});
  Send(url, "a1", "A");
  // Later sends are not delayed, but a2 must not overtake a1.
  ASSERT_TRUE(service_.SetQueueAttributes({url, {{"DelaySeconds", "0"}}}).ok());
  Send(url, "a2", "A");
  Send(url, "b1", "B");

  auto b = Receive(url, 10);
  ASSERT_EQ(Bodies(b), (Strings{"b1"}));
  ASSERT_TRUE(Delete(url, b[0].receipt_handle).ok());
  Advance(seconds(59));
  EXPECT_TRUE(Receive(url, 10).empty());
  Advance(seconds(1));
  EXPECT_EQ(Bodies(Receive(url, 10)), (Strings{"a1", "a2"}));
}

// --- SequenceNumber and FIFO attributes -------------------------------------

TEST_F(FifoTest, SequenceNumbersHaveTwentyDigitsAndIncrease) {
  std::vector<SendMessageResponse> sent;
  for (int i = 0; i < 6; ++i) {
    sent.push_back(Send(url_, "m" + std::to_string(i), i % 2 ? "B" : "A",
                        "dedup-" + std::to_string(i)));
  }
  std::string previous;
  for (const SendMessageResponse& r : sent) {
    ASSERT_TRUE(r.sequence_number.has_value());
    const std::string& seq = *r.sequence_number;
    EXPECT_EQ(seq.size(), 20u) << seq;
    EXPECT_EQ(seq.find_first_not_of("0123456789"), std::string::npos) << seq;
    // Equal lengths: string order is numeric order.
    EXPECT_GT(seq, previous);
    previous = seq;
  }

  // ReceiveMessage reports the same SequenceNumber, group and dedup id.
  auto received = Receive(url_, 10);
  ASSERT_EQ(received.size(), sent.size());
  for (const Message& m : received) {
    int index = std::stoi(m.body.substr(1));
    EXPECT_EQ(m.message_id, sent[index].message_id);
    EXPECT_EQ(Attr(m, "SequenceNumber"), sent[index].sequence_number);
    EXPECT_EQ(Attr(m, "MessageGroupId"), index % 2 ? "B" : "A");
    EXPECT_EQ(Attr(m, "MessageDeduplicationId"),
              "dedup-" + std::to_string(index));
  }
}

TEST_F(FifoTest, StandardQueueSendHasNoSequenceNumber) {
  const std::string url = Create("plain");
  EXPECT_FALSE(Send(url, "x").sequence_number.has_value());
}

// --- FIFO send parameters ---------------------------------------------------

TEST_F(FifoTest, MissingMessageGroupIdIsMissingParameter) {
  auto r = service_.SendMessage(Request("a1", std::nullopt));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kMissingParameter) << r.status().ToString();
  EXPECT_EQ(Depth("orders.fifo").visible, 0u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageSent), 0u);
}

TEST_F(FifoTest, MessageGroupIdOf128CharsIsAcceptedAnd129Refused) {
  auto ok = service_.SendMessage(Request("a", std::string(128, 'g')));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();

  auto r = service_.SendMessage(Request("b", std::string(129, 'g')));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue)
      << r.status().ToString();
  EXPECT_EQ(Depth("orders.fifo").visible, 1u);
}

TEST_F(FifoTest, MessageGroupIdAlphabet) {
  // Every punctuation character SQS allows.
  const std::string punctuation = R"(!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~)";
  auto ok = service_.SendMessage(Request("a", "Az09" + punctuation));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();

  for (const std::string& bad :
       std::vector<std::string>{"a b", "tab\t", "caf\xc3\xa9"}) {
    SCOPED_TRACE(bad);
    auto r = service_.SendMessage(Request("b", bad));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue)
        << r.status().ToString();
  }
}

TEST_F(FifoTest, PerMessageDelaySecondsIsRefused) {
  SendMessageRequest req = Request("a1", "A");
  req.delay_seconds = 5;
  auto r = service_.SendMessage(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue)
      << r.status().ToString();
  QueueDepth d = Depth("orders.fifo");
  EXPECT_EQ(d.visible + d.delayed, 0u);
}

TEST_F(FifoTest, QueueLevelDelaySecondsDelaysEveryMessage) {
  const std::string url = Create("delayed.fifo", {{"DelaySeconds", "10"}});
  const std::string id = Send(url, "a1", "A").message_id;
  EXPECT_EQ(Depth("delayed.fifo").delayed, 1u);
  EXPECT_TRUE(Receive(url).empty());

  Advance(seconds(9));
  EXPECT_TRUE(Receive(url).empty());

  Advance(seconds(1));
  auto got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message_id, id);
  EXPECT_EQ(Depth("delayed.fifo").delayed, 0u);
}

TEST_F(FifoTest, MessageDeduplicationIdOnStandardQueueIsRefused) {
  const std::string url = Create("plain");
  SendMessageRequest req;
  req.queue_url = url;
  req.message_body = "x";
  req.message_deduplication_id = "d-1";
  auto r = service_.SendMessage(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue)
      << r.status().ToString();
  EXPECT_EQ(Depth("plain").visible, 0u);
}

TEST_F(FifoTest, MessageGroupIdOnStandardQueueIsReturnedWithoutOrdering) {
  const std::string url = Create("plain");
  for (const std::string& body : Strings{"x1", "x2"}) {
    SendMessageRequest req;
    req.queue_url = url;
    req.message_body = body;
    req.message_group_id = "tenant-1";
    auto r = service_.SendMessage(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  auto first = Receive(url, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(Attr(first[0], "MessageGroupId"), "tenant-1");
  // No group lock on a standard queue: x2 is delivered while x1 is in flight.
  auto second = Receive(url, 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0].message_id, first[0].message_id);
  EXPECT_EQ(Attr(second[0], "MessageGroupId"), "tenant-1");
}

// --- ReceiveRequestAttemptId ------------------------------------------------

TEST_F(FifoTest, RetriedReceiveWithSameAttemptIdReturnsSameMessagesAndHandles) {
  Send(url_, "a1", "A");
  Send(url_, "a2", "A");
  Send(url_, "b1", "B");

  auto first = ReceiveWithAttempt("attempt-1", 2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(Bodies(first->messages), (Strings{"a1", "a2"}));

  Advance(seconds(10));
  auto retry = ReceiveWithAttempt("attempt-1", 2);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(Ids(retry->messages), Ids(first->messages));
  EXPECT_EQ(Handles(retry->messages), Handles(first->messages));
  for (const Message& m : retry->messages) {
    EXPECT_EQ(Attr(m, "ApproximateReceiveCount"), "1") << m.body;
  }
  // The retry took nothing new.
  QueueDepth d = Depth("orders.fifo");
  EXPECT_EQ(d.in_flight, 2u);
  EXPECT_EQ(d.visible, 1u);

  // A different attempt id is a different receive.
  auto other = ReceiveWithAttempt("attempt-2", 2);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(Bodies(other->messages), (Strings{"b1"}));
}

TEST_F(FifoTest, RetriedReceiveJustInsideFiveMinutesIsStillTheSame) {
  Send(url_, "a1", "A");
  Send(url_, "b1", "B");

  auto first = ReceiveWithAttempt("attempt-1", 1, /*visibility=*/900);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(Bodies(first->messages), (Strings{"a1"}));

  Advance(minutes(4) + seconds(59));
  auto retry = ReceiveWithAttempt("attempt-1", 1, /*visibility=*/900);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(Handles(retry->messages), Handles(first->messages));
}

TEST_F(FifoTest, RetriedReceiveAfterFiveMinutesIsAFreshReceive) {
  Send(url_, "a1", "A");
  Send(url_, "b1", "B");

  auto first = ReceiveWithAttempt("attempt-1", 1, /*visibility=*/900);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(Bodies(first->messages), (Strings{"a1"}));

  Advance(minutes(5) + seconds(1));
  auto retry = ReceiveWithAttempt("attempt-1", 1, /*visibility=*/900);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  // a1 is still in flight (group A locked): the fresh receive gets b1.
  EXPECT_EQ(Bodies(retry->messages), (Strings{"b1"}));
}

TEST_F(FifoTest, RetriedReceiveAfterADeleteIsAFreshReceive) {
  Send(url_, "a1", "A");
  Send(url_, "b1", "B");

  auto first = ReceiveWithAttempt("attempt-1", 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(Bodies(first->messages), (Strings{"a1"}));
  ASSERT_TRUE(Delete(url_, first->messages[0].receipt_handle).ok());

  auto retry = ReceiveWithAttempt("attempt-1", 1);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  ASSERT_EQ(Bodies(retry->messages), (Strings{"b1"}));
  EXPECT_NE(retry->messages[0].receipt_handle,
            first->messages[0].receipt_handle);
  EXPECT_EQ(Depth("orders.fifo").in_flight, 1u);
}

TEST_F(FifoTest, RetriedReceiveAfterAVisibilityChangeIsAFreshReceive) {
  const std::string id = Send(url_, "a1", "A").message_id;

  auto first = ReceiveWithAttempt("attempt-1", 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->messages.size(), 1u);
  ASSERT_TRUE(
      ChangeVisibility(url_, first->messages[0].receipt_handle, 0).ok());

  auto retry = ReceiveWithAttempt("attempt-1", 1);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  ASSERT_EQ(retry->messages.size(), 1u);
  EXPECT_EQ(retry->messages[0].message_id, id);
  EXPECT_NE(retry->messages[0].receipt_handle,
            first->messages[0].receipt_handle);
  EXPECT_EQ(Attr(retry->messages[0], "ApproximateReceiveCount"), "2");
}

TEST_F(FifoTest, RetriedReceiveNeverReturnsAMessageAnotherReceiveHolds) {
  Send(url_, "a1", "A");
  Send(url_, "b1", "B");

  auto first = ReceiveWithAttempt("attempt-1", 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(Bodies(first->messages), (Strings{"a1"}));
  ASSERT_TRUE(
      ChangeVisibility(url_, first->messages[0].receipt_handle, 0).ok());
  // Another consumer takes a1 (without an attempt id).
  auto other = Receive(url_, 1);
  ASSERT_EQ(Bodies(other), (Strings{"a1"}));

  // The retry must not hand out a1 under its stale handle: it is a fresh
  // receive, and group A is locked by the other consumer.
  auto retry = ReceiveWithAttempt("attempt-1", 1);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(Bodies(retry->messages), (Strings{"b1"}));
}

TEST_F(FifoTest, ReceiveRequestAttemptIdOf129CharsIsRefused) {
  Send(url_, "a1", "A");
  auto ok = ReceiveWithAttempt(std::string(128, 'r'), 1);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();

  auto r = ReceiveWithAttempt(std::string(129, 'r'), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue)
      << r.status().ToString();
}

}  // namespace
}  // namespace fanlab::queue::testing
