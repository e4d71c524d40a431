// Dead-letter queues: RedrivePolicy, moves on the (maxReceiveCount+1)-th
// receive, ListDeadLetterSourceQueues (docs/queue-semantics.md, "Queue
// attributes" and "Dead-letter queues").
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "emulator/queue/sqs_errors.h"
#include "tests/queue/queue_fixture.h"

namespace fanlab::queue::testing {
namespace {

using std::chrono::microseconds;

class DeadLetterTest : public QueueServiceTest {
 protected:
  std::string Policy(const std::string& dlq_name, int64_t max_receive) {
    return R"({"deadLetterTargetArn":")" + service_.QueueArn(dlq_name) +
           R"(","maxReceiveCount":)" + std::to_string(max_receive) + "}";
  }

  Status CreateStatus(const std::string& name, AttributeMap attrs) {
    if (name.ends_with(".fifo")) attrs.emplace("FifoQueue", "true");
    return service_.CreateQueue({name, std::move(attrs), {}}).status();
  }

  Status SetPolicy(const std::string& url, const std::string& policy) {
    return service_.SetQueueAttributes({url, {{"RedrivePolicy", policy}}})
        .status();
  }

  // Receives with visibility 0, so the message is at once receivable again.
  std::vector<Message> ReceiveAgain(const std::string& url, int max = 1) {
    return Receive(url, max, 0);
  }

  size_t Total(const std::string& name) {
    QueueDepth d = Depth(name);
    return d.visible + d.in_flight + d.delayed;
  }

  size_t CountEvents(QueueEventKind kind, const std::string& queue) const {
    return std::count_if(observer_.events.begin(), observer_.events.end(),
                         [&](const RecordedEvent& e) {
                           return e.kind == kind && e.queue == queue;
                         });
  }
};

// A refusal of a RedrivePolicy whose JSON is well formed but whose target
// is unusable. The doc names no single code for these: SQS answers
// InvalidParameterValue, the attribute rules say InvalidAttributeValue.
bool IsRefusedPolicy(const Status& s) {
  return s.code() == sqs::kInvalidAttributeValue ||
         s.code() == sqs::kInvalidParameterValue;
}

TEST_F(DeadLetterTest, RedrivePolicySetByCreateQueueIsReturned) {
  Create("dlq");
  std::string url = Create("src", {{"RedrivePolicy", Policy("dlq", 3)}});
  std::string got = Attribute(url, "RedrivePolicy");
  EXPECT_NE(got.find(service_.QueueArn("dlq")), std::string::npos) << got;
  EXPECT_NE(got.find("maxReceiveCount"), std::string::npos) << got;
  EXPECT_NE(got.find('3'), std::string::npos) << got;
}

TEST_F(DeadLetterTest, MovesOnReceiveAfterMaxReceiveCount) {
  Create("dlq");
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 3)}});
  SendMessageResponse sent = Send(src, "payload");
  for (int i = 1; i <= 3; ++i) {
    std::vector<Message> got = ReceiveAgain(src);
    ASSERT_EQ(got.size(), 1u) << "receive " << i << " must still deliver";
    EXPECT_EQ(got[0].attributes["ApproximateReceiveCount"], std::to_string(i));
  }
  // The 4th receive moves it instead of returning it.
  EXPECT_TRUE(ReceiveAgain(src).empty());
  EXPECT_EQ(Total("src"), 0u);
  EXPECT_EQ(Depth("dlq").visible, 1u);

  std::vector<Message> dead = Receive(service_.QueueUrl("dlq"));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message_id, sent.message_id);
  EXPECT_EQ(dead[0].body, "payload");
  EXPECT_EQ(dead[0].md5_of_body, sent.md5_of_message_body);
  // The receive count restarts at 0 in the DLQ: this is its first receive.
  EXPECT_EQ(dead[0].attributes["ApproximateReceiveCount"], "1");
}

TEST_F(DeadLetterTest, MaxReceiveCountReachedIsNotExceeded) {
  Create("dlq");
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 1)}});
  Send(src, "m");
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);  // 1st receive: N reached
  EXPECT_EQ(Depth("src").visible, 1u);
  EXPECT_EQ(Total("dlq"), 0u) << "moved before maxReceiveCount was exceeded";
  EXPECT_TRUE(ReceiveAgain(src).empty());  // 2nd: N exceeded
  EXPECT_EQ(Depth("dlq").visible, 1u);
}

TEST_F(DeadLetterTest, MovesAfterVisibilityTimeoutRedeliveries) {
  Create("dlq");
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 2)}});
  Send(src, "m");
  ASSERT_EQ(Receive(src).size(), 1u);
  Advance(seconds(30));
  ASSERT_EQ(Receive(src).size(), 1u);
  Advance(seconds(30));
  EXPECT_EQ(Depth("src").visible, 1u) << "visible, not moved, until received";
  EXPECT_TRUE(Receive(src).empty());
  EXPECT_EQ(Depth("dlq").visible, 1u);
}

TEST_F(DeadLetterTest, ReceiveCarriesOnWithTheNextMessage) {
  Create("dlq");
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 1)}});
  Send(src, "poison");
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  Advance(seconds(1));
  Send(src, "good");
  std::vector<Message> got = ReceiveAgain(src);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "good");
  EXPECT_EQ(Depth("dlq").visible, 1u);
}

TEST_F(DeadLetterTest, MoveHappensInTheInstantOfTheReceive) {
  Create("dlq");
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 1)}});
  SendMessageResponse sent = Send(src, "m");
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  Advance(seconds(17));
  TimePoint moved_at = clock_.Now();
  EXPECT_TRUE(ReceiveAgain(src).empty());

  ASSERT_EQ(CountEvents(QueueEventKind::kMessageMovedToDeadLetterQueue, "src"),
            1u);
  EXPECT_EQ(CountEvents(QueueEventKind::kMessageMovedFromSourceQueue, "dlq"),
            1u);
  for (const auto& e : observer_.events) {
    if (e.kind == QueueEventKind::kMessageMovedToDeadLetterQueue ||
        e.kind == QueueEventKind::kMessageMovedFromSourceQueue) {
      EXPECT_EQ(e.at, moved_at);
      EXPECT_EQ(e.message_id, sent.message_id);
    }
  }
  // Moving is not a receive in the source.
  EXPECT_EQ(CountEvents(QueueEventKind::kMessageReceived, "src"), 1u);
}

TEST_F(DeadLetterTest, MovedMessageKeepsMessageAttributes) {
  Create("dlq");
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 1)}});
  SendMessageRequest req;
  req.queue_url = src;
  req.message_body = "m";
  req.message_attributes["Task"] = {"Number", "7", std::nullopt};
  req.message_attributes["Status"] = {"String", "Complete", std::nullopt};
  auto sent = service_.SendMessage(req);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  ASSERT_TRUE(ReceiveAgain(src).empty());

  std::vector<Message> dead = Receive(service_.QueueUrl("dlq"));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message_attributes, req.message_attributes);
  EXPECT_EQ(dead[0].md5_of_message_attributes, sent->md5_of_message_attributes);
}

TEST_F(DeadLetterTest, RedrivePolicySetBySetQueueAttributes) {
  Create("dlq");
  std::string src = Create("src");
  Status s = SetPolicy(src, Policy("dlq", 2));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_NE(Attribute(src, "RedrivePolicy").find(service_.QueueArn("dlq")),
            std::string::npos);
  Send(src, "m");
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  EXPECT_TRUE(ReceiveAgain(src).empty());
  EXPECT_EQ(Depth("dlq").visible, 1u);
}

TEST_F(DeadLetterTest, PolicyAppliesToMessagesAlreadyReceived) {
  Create("dlq");
  std::string src = Create("src");
  Send(src, "m");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  ASSERT_TRUE(SetPolicy(src, Policy("dlq", 3)).ok());
  EXPECT_TRUE(ReceiveAgain(src).empty());  // would be its 4th receive
  EXPECT_EQ(Depth("dlq").visible, 1u);
}

TEST_F(DeadLetterTest, EmptyRedrivePolicyRemovesIt) {
  Create("dlq");
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 1)}});
  Status s = SetPolicy(src, "");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Attribute(src, "RedrivePolicy"), "");
  Send(src, "m");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ReceiveAgain(src).size(), 1u) << "receive " << i + 1;
  }
  EXPECT_EQ(Total("dlq"), 0u);
}

TEST_F(DeadLetterTest, MaxReceiveCountBounds) {
  Create("dlq");
  EXPECT_TRUE(CreateStatus("one", {{"RedrivePolicy", Policy("dlq", 1)}}).ok());
  EXPECT_TRUE(
      CreateStatus("thousand", {{"RedrivePolicy", Policy("dlq", 1000)}}).ok());
  for (int64_t bad : {int64_t{0}, int64_t{1001}, int64_t{-1}}) {
    Status c = CreateStatus("bad", {{"RedrivePolicy", Policy("dlq", bad)}});
    EXPECT_EQ(c.code(), sqs::kInvalidAttributeValue)
        << bad << ": " << c.ToString();
  }
  std::string src = Create("src");
  for (int64_t bad : {int64_t{0}, int64_t{1001}}) {
    Status s = SetPolicy(src, Policy("dlq", bad));
    EXPECT_EQ(s.code(), sqs::kInvalidAttributeValue)
        << bad << ": " << s.ToString();
  }
  EXPECT_EQ(Attribute(src, "RedrivePolicy"), "");
}

TEST_F(DeadLetterTest, MaxReceiveCountAsJsonStringIsAccepted) {
  // AWS's own examples write the count as a string.
  Create("dlq");
  std::string policy = R"({"deadLetterTargetArn":")" +
                       service_.QueueArn("dlq") + R"(","maxReceiveCount":"2"})";
  std::string src = Create("src", {{"RedrivePolicy", policy}});
  Send(src, "m");
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  EXPECT_TRUE(ReceiveAgain(src).empty());
  EXPECT_EQ(Depth("dlq").visible, 1u);
}

TEST_F(DeadLetterTest, MalformedRedrivePolicyIsInvalidAttributeValue) {
  Create("dlq");
  std::string arn = service_.QueueArn("dlq");
  for (const std::string& bad :
       {std::string("not json"), std::string("{}"),
        std::string(R"({"maxReceiveCount":3})"),
        R"({"deadLetterTargetArn":")" + arn + R"("})",
        R"({"deadLetterTargetArn":")" + arn + R"(","maxReceiveCount":"x"})"}) {
    Status s = CreateStatus("src", {{"RedrivePolicy", bad}});
    EXPECT_EQ(s.code(), sqs::kInvalidAttributeValue)
        << bad << ": " << s.ToString();
  }
}

TEST_F(DeadLetterTest, MissingTargetIsRefused) {
  std::string policy = R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:)"
                       R"(000000000000:nowhere","maxReceiveCount":3})";
  Status c = CreateStatus("src", {{"RedrivePolicy", policy}});
  EXPECT_TRUE(IsRefusedPolicy(c)) << c.ToString();
  EXPECT_TRUE(service_.QueueNames().empty()) << "refused queue was created";

  std::string src = Create("src");
  Status s = SetPolicy(src, policy);
  EXPECT_TRUE(IsRefusedPolicy(s)) << s.ToString();
  EXPECT_EQ(Attribute(src, "RedrivePolicy"), "");
}

TEST_F(DeadLetterTest, QueueCannotBeItsOwnDeadLetterQueue) {
  std::string src = Create("src");
  Status s = SetPolicy(src, Policy("src", 3));
  EXPECT_TRUE(IsRefusedPolicy(s)) << s.ToString();
}

TEST_F(DeadLetterTest, FifoSourceNeedsFifoDeadLetterQueue) {
  Create("standard-dlq");
  Status c =
      CreateStatus("src.fifo", {{"RedrivePolicy", Policy("standard-dlq", 3)}});
  EXPECT_TRUE(IsRefusedPolicy(c)) << c.ToString();
  std::string src = Create("src.fifo");
  Status s = SetPolicy(src, Policy("standard-dlq", 3));
  EXPECT_TRUE(IsRefusedPolicy(s)) << s.ToString();
}

TEST_F(DeadLetterTest, StandardSourceNeedsStandardDeadLetterQueue) {
  Create("dlq.fifo");
  Status c = CreateStatus("src", {{"RedrivePolicy", Policy("dlq.fifo", 3)}});
  EXPECT_TRUE(IsRefusedPolicy(c)) << c.ToString();
  std::string src = Create("src");
  Status s = SetPolicy(src, Policy("dlq.fifo", 3));
  EXPECT_TRUE(IsRefusedPolicy(s)) << s.ToString();
}

TEST_F(DeadLetterTest, FifoToFifoKeepsGroupAndId) {
  std::string dlq = Create("dlq.fifo");
  std::string src =
      Create("src.fifo", {{"RedrivePolicy", Policy("dlq.fifo", 2)}});
  SendMessageResponse sent = Send(src, "fifo-body", "group-7");
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  EXPECT_TRUE(ReceiveAgain(src).empty());
  EXPECT_EQ(Total("src.fifo"), 0u);

  std::vector<Message> dead = Receive(dlq);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message_id, sent.message_id);
  EXPECT_EQ(dead[0].body, "fifo-body");
  EXPECT_EQ(dead[0].attributes["MessageGroupId"], "group-7");
  EXPECT_EQ(dead[0].attributes["ApproximateReceiveCount"], "1");
}

TEST_F(DeadLetterTest, FifoMoveUnblocksTheGroup) {
  Create("dlq.fifo");
  std::string src =
      Create("src.fifo", {{"RedrivePolicy", Policy("dlq.fifo", 1)}});
  Send(src, "poison", "g");
  Send(src, "next", "g");
  std::vector<Message> first = ReceiveAgain(src, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].body, "poison");
  std::vector<Message> after = ReceiveAgain(src, 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].body, "next");
  EXPECT_EQ(Depth("dlq.fifo").visible, 1u);
}

TEST_F(DeadLetterTest, StandardDeadLetterKeepsOriginalEnqueueTime) {
  Create("dlq", {{"MessageRetentionPeriod", "120"}});
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 2)}});
  TimePoint t0 = clock_.Now();
  Send(src, "m");
  ASSERT_EQ(Receive(src).size(), 1u);
  clock_.AdvanceTo(t0 + seconds(30));
  ASSERT_EQ(Receive(src).size(), 1u);
  clock_.AdvanceTo(t0 + seconds(60));
  ASSERT_TRUE(Receive(src).empty());  // moved at 60 s
  ASSERT_EQ(Depth("dlq").visible, 1u);
  // Expires at sent + 120 s, not at move + 120 s.
  clock_.AdvanceTo(t0 + seconds(120) - kTick);
  EXPECT_EQ(Depth("dlq").visible, 1u);
  clock_.AdvanceTo(t0 + seconds(120));
  EXPECT_EQ(Depth("dlq").visible, 0u);
}

TEST_F(DeadLetterTest, FifoDeadLetterRestartsRetention) {
  Create("dlq.fifo", {{"MessageRetentionPeriod", "60"}});
  std::string src =
      Create("src.fifo", {{"RedrivePolicy", Policy("dlq.fifo", 1)}});
  TimePoint t0 = clock_.Now();
  Send(src, "m");
  ASSERT_EQ(Receive(src).size(), 1u);
  clock_.AdvanceTo(t0 + seconds(30));
  ASSERT_TRUE(Receive(src).empty());  // moved at 30 s
  clock_.AdvanceTo(t0 + seconds(90) - kTick);
  EXPECT_EQ(Depth("dlq.fifo").visible, 1u) << "retention did not restart";
  clock_.AdvanceTo(t0 + seconds(90));
  EXPECT_EQ(Depth("dlq.fifo").visible, 0u);
}

TEST_F(DeadLetterTest, DeletedDeadLetterQueueDropsMessagesThatWouldMove) {
  std::string dlq = Create("dlq");
  std::string src = Create("src", {{"RedrivePolicy", Policy("dlq", 1)}});
  ASSERT_TRUE(service_.DeleteQueue({dlq}).ok());
  EXPECT_NE(Attribute(src, "RedrivePolicy").find("dlq"), std::string::npos)
      << "the policy must stay in place";
  Send(src, "m");
  ASSERT_EQ(ReceiveAgain(src).size(), 1u);
  EXPECT_TRUE(ReceiveAgain(src).empty());
  EXPECT_EQ(Total("src"), 0u);
}

TEST_F(DeadLetterTest, ListDeadLetterSourceQueues) {
  std::string dlq = Create("dlq");
  Create("other-dlq");
  std::string a = Create("a", {{"RedrivePolicy", Policy("dlq", 3)}});
  std::string b = Create("b");
  ASSERT_TRUE(SetPolicy(b, Policy("dlq", 5)).ok());
  Create("c", {{"RedrivePolicy", Policy("other-dlq", 3)}});
  Create("d");

  auto r =
      service_.ListDeadLetterSourceQueues({dlq, std::nullopt, std::nullopt});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> urls = r->queue_urls;
  std::sort(urls.begin(), urls.end());
  EXPECT_EQ(urls, (std::vector<std::string>{a, b}));
  EXPECT_FALSE(r->next_token.has_value());

  // Removing a policy removes the source.
  ASSERT_TRUE(SetPolicy(b, "").ok());
  r = service_.ListDeadLetterSourceQueues({dlq, std::nullopt, std::nullopt});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->queue_urls, (std::vector<std::string>{a}));
}

TEST_F(DeadLetterTest, ListDeadLetterSourceQueuesPages) {
  std::string dlq = Create("dlq");
  std::vector<std::string> sources;
  for (const char* name : {"s1", "s2", "s3"}) {
    sources.push_back(Create(name, {{"RedrivePolicy", Policy("dlq", 3)}}));
  }
  std::vector<std::string> seen;
  std::optional<std::string> token;
  int pages = 0;
  do {
    auto r = service_.ListDeadLetterSourceQueues({dlq, token, 2});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_LE(r->queue_urls.size(), 2u);
    seen.insert(seen.end(), r->queue_urls.begin(), r->queue_urls.end());
    token = r->next_token;
    ++pages;
  } while (token && pages < 10);
  EXPECT_EQ(pages, 2);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, sources);
}

TEST_F(DeadLetterTest, ListDeadLetterSourceQueuesErrors) {
  auto missing = service_.ListDeadLetterSourceQueues(
      {"http://localhost/000000000000/missing", std::nullopt, std::nullopt});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), sqs::kQueueDoesNotExist);

  std::string dlq = Create("dlq");
  for (int64_t bad : {int64_t{0}, int64_t{1001}}) {
    auto r = service_.ListDeadLetterSourceQueues({dlq, std::nullopt, bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue) << bad;
  }
}

TEST_F(DeadLetterTest, RedriveAllowPolicyIsStoredAndReturned) {
  std::string policy = R"({"redrivePermission":"allowAll"})";
  std::string dlq = Create("dlq", {{"RedriveAllowPolicy", policy}});
  EXPECT_EQ(Attribute(dlq, "RedriveAllowPolicy"), policy);
}

}  // namespace
}  // namespace fanlab::queue::testing
