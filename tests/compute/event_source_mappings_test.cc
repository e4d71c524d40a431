// Queue -> function mappings on a virtual clock, with scripted fake
// processes (FakeLauncher): a function records the batches it gets and
// answers as the test says; the test settles the engine's work by firing
// the Clock's timers, and visibility timeouts pass by advancing the clock.
// Nothing waits on a real process.
#include "emulator/compute/event_source_mappings.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emulator/compute/lambda_errors.h"
#include "tests/compute/fake_launcher.h"

namespace fanlab::compute {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class MappingsTest : public ::testing::Test {
 protected:
  MappingsTest()
      : sqs_(clock_, {}),
        functions_(clock_, launcher_, ids_, {.kill_grace = milliseconds(50)}),
        mappings_(clock_, sqs_, functions_, ids_) {
    sqs_.SetObserver(&mappings_);
    functions_.SetRecordCallback(
        [this](const InvocationRecord& r) { records_.push_back(r); });
    // Records each event it gets and answers {}.
    launcher_.Define("rec", [this](const FakeEvent& e) {
      events_.push_back(e.payload);
      return FakeReply::Result("{}");
    });
    launcher_.Define("fail", [](const FakeEvent&) {
      return FakeReply::Error("TestError", "failing on purpose");
    });
  }

  std::string Queue(const std::string& name, queue::AttributeMap attrs = {}) {
    auto r = sqs_.CreateQueue({name, attrs, {}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return "arn:aws:sqs:us-east-1:000000000000:" + name;
  }
  std::string Url(const std::string& name) {
    return "http://localhost/000000000000/" + name;
  }
  void Send(const std::string& queue, const std::string& body,
            std::optional<std::string> group = std::nullopt) {
    queue::SendMessageRequest req{.queue_url = Url(queue),
                                  .message_body = body};
    if (group) {
      req.message_group_id = group;
      req.message_deduplication_id = body;
    }
    auto r = sqs_.SendMessage(req);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void Function(const std::string& name, const std::string& program,
                int64_t timeout = 3) {
    FunctionConfig c{.name = name, .command = {program}};
    c.timeout_seconds = timeout;
    auto r = functions_.CreateFunction(c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  EventSourceMapping Map(const std::string& arn, const std::string& fn,
                         int64_t batch = 10) {
    EventSourceMapping m{.event_source_arn = arn, .function_name = fn};
    m.batch_size = batch;
    auto r = mappings_.Create(m);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : m;
  }
  // Fires what is due now and, while a function runs, the timers it waits
  // on; returns when no function runs and nothing is due now.
  void Settle() {
    for (int i = 0; i < 100000; ++i) {
      clock_.AdvanceTo(clock_.Now());
      if (functions_.running() == 0) return;
      if (!clock_.AdvanceToNextTimer()) break;
    }
    FAIL() << "did not settle";
  }
  uint64_t Depth(const std::string& queue) {
    auto d = sqs_.Depth(queue);
    return d.ok() ? d->visible + d->in_flight + d->delayed : 999;
  }
  // The bodies of an event's records.
  static std::vector<std::string> Bodies(const std::string& event) {
    std::vector<std::string> out;
    json::value parsed = json::parse(event);
    for (const auto& r : parsed.at("Records").as_array()) {
      out.push_back(std::string(r.at("body").as_string()));
    }
    return out;
  }

  VirtualClock clock_;
  FakeLauncher launcher_{clock_};
  IdGenerator ids_{7};
  queue::QueueService sqs_;
  FunctionService functions_;
  EventSourceMappings mappings_;
  std::vector<InvocationRecord> records_;
  std::vector<std::string> events_;  // what "rec" got, in order
};

TEST_F(MappingsTest, CreateValidatesAsLambdaDoes) {
  std::string q = Queue("jobs", {{"VisibilityTimeout", "30"}});
  std::string fifo = Queue("jobs.fifo", {{"FifoQueue", "true"}});
  Function("ok", "rec", 30);
  Function("slow", "rec", 60);
  auto create = [&](EventSourceMapping m) { return mappings_.Create(m); };
  EXPECT_EQ(create({.event_source_arn = q, .function_name = "slow"})
                .status()
                .message(),
            "Queue visibility timeout: 30 seconds is less than Function "
            "timeout: 60 seconds");
  EventSourceMapping big{.event_source_arn = q, .function_name = "ok"};
  big.batch_size = 100;
  EXPECT_EQ(create(big).status().message(),
            "Maximum batch window in seconds must be greater than 0 if "
            "maximum batch size is greater than 10");
  big.maximum_batching_window_seconds = 1;
  EXPECT_TRUE(create(big).ok());
  EventSourceMapping fifo_big{.event_source_arn = fifo, .function_name = "ok"};
  fifo_big.batch_size = 11;
  EXPECT_EQ(create(fifo_big).status().code(),
            lambda::kInvalidParameterValueException);
  EXPECT_EQ(create({.event_source_arn = q + "x", .function_name = "ok"})
                .status()
                .code(),
            lambda::kResourceNotFoundException);
  EXPECT_EQ(
      create({.event_source_arn = q, .function_name = "nope"}).status().code(),
      lambda::kResourceNotFoundException);
  EXPECT_EQ(mappings_.List("ok", "").size(), 1u);
}

TEST_F(MappingsTest, DeliversBatchesAndDeletesWhatSucceeded) {
  std::string q = Queue("jobs");
  Function("rec", "rec");
  for (int i = 0; i < 25; ++i) Send("jobs", "m" + std::to_string(i));
  Map(q, "rec", 10);
  Settle();
  EXPECT_EQ(Depth("jobs"), 0u);
  std::vector<std::string> events = events_;
  ASSERT_EQ(events.size(), 3u);
  size_t records = 0;
  for (const auto& e : events) {
    records += json::parse(e).at("Records").as_array().size();
  }
  EXPECT_EQ(records, 25u);
  // AWS's SQS event shape.
  json::object r = json::parse(events[0]).at("Records").at(0).as_object();
  for (const char* key :
       {"messageId", "receiptHandle", "body", "attributes", "messageAttributes",
        "md5OfBody", "eventSource", "eventSourceARN", "awsRegion"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_EQ(r["eventSource"], "aws:sqs");
  EXPECT_EQ(std::string(r["eventSourceARN"].as_string()), q);
  EXPECT_EQ(r["attributes"].at("ApproximateReceiveCount"), "1");
  EXPECT_TRUE(r["attributes"].as_object().contains("SentTimestamp"));
}

TEST_F(MappingsTest, NewMessagesWakeTheMapping) {
  std::string q = Queue("jobs");
  Function("rec", "rec");
  Map(q, "rec", 10);
  Settle();
  EXPECT_TRUE(events_.empty());
  Send("jobs", "late");
  Settle();
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(Depth("jobs"), 0u);
}

TEST_F(MappingsTest, FailuresReturnAfterTheVisibilityTimeoutThenGoToTheDlq) {
  Queue("dlq");
  std::string q = Queue(
      "jobs",
      {{"VisibilityTimeout", "30"},
       {"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"2"})"}});
  Function("fail", "fail");
  Send("jobs", "poison");
  Map(q, "fail", 1);
  Settle();
  EXPECT_EQ(records_.size(), 1u);
  EXPECT_EQ(Depth("jobs"), 1u);  // in flight until its timeout
  clock_.Advance(seconds(30));
  Settle();
  EXPECT_EQ(records_.size(), 2u);
  clock_.Advance(seconds(30));
  Settle();
  // Third receive: maxReceiveCount exceeded, the message moved.
  EXPECT_EQ(records_.size(), 2u);
  EXPECT_EQ(Depth("jobs"), 0u);
  EXPECT_EQ(Depth("dlq"), 1u);
}

TEST_F(MappingsTest, FifoGroupsKeepTheirOrder) {
  std::string q = Queue("jobs.fifo", {{"FifoQueue", "true"}});
  Function("rec", "rec");
  for (const char* body : {"a1", "b1", "a2", "a3", "b2"}) {
    Send("jobs.fifo", body, std::string(1, body[0]));
  }
  Map(q, "rec", 1);
  Settle();
  std::vector<std::string> order;
  for (const auto& e : events_) {
    order.push_back(
        std::string(json::parse(e).at("Records").at(0).at("body").as_string()));
  }
  ASSERT_EQ(order.size(), 5u);
  auto pos = [&](const char* b) {
    return std::find(order.begin(), order.end(), b) - order.begin();
  };
  EXPECT_LT(pos("a1"), pos("a2"));
  EXPECT_LT(pos("a2"), pos("a3"));
  EXPECT_LT(pos("b1"), pos("b2"));
}

TEST_F(MappingsTest, ReportBatchItemFailuresKeepsOnlyTheFailedItems) {
  std::string q = Queue("jobs", {{"VisibilityTimeout", "30"}});
  // Fails the first record of each batch.
  launcher_.Define("partial", [](const FakeEvent& e) {
    json::value id = json::parse(e.payload).at("Records").at(0).at("messageId");
    return FakeReply::Result(R"({"batchItemFailures":[{"itemIdentifier":)" +
                             json::serialize(id) + "}]}");
  });
  Function("partial", "partial");
  for (int i = 0; i < 3; ++i) Send("jobs", "m" + std::to_string(i));
  EventSourceMapping m{.event_source_arn = q, .function_name = "partial"};
  m.batch_size = 3;
  m.report_batch_item_failures = true;
  ASSERT_TRUE(mappings_.Create(m).ok());
  Settle();
  EXPECT_EQ(records_.size(), 1u);
  EXPECT_EQ(Depth("jobs"), 1u);  // the one reported failed
  // It comes back alone after its visibility timeout.
  clock_.Advance(seconds(30));
  Settle();
  EXPECT_EQ(records_.size(), 2u);
}

TEST_F(MappingsTest, AMalformedBatchItemFailuresAnswerFailsTheBatch) {
  std::string q = Queue("jobs", {{"VisibilityTimeout", "30"}});
  launcher_.Define("liar", [](const FakeEvent&) {
    return FakeReply::Result(
        R"({"batchItemFailures":[{"itemIdentifier":"nope"}]})");
  });
  Function("liar", "liar");
  for (int i = 0; i < 3; ++i) Send("jobs", "m" + std::to_string(i));
  EventSourceMapping m{.event_source_arn = q, .function_name = "liar"};
  m.batch_size = 3;
  m.report_batch_item_failures = true;
  ASSERT_TRUE(mappings_.Create(m).ok());
  Settle();
  EXPECT_EQ(Depth("jobs"), 3u);
}

TEST_F(MappingsTest, MaximumConcurrencyBoundsTheBatchesInFlight) {
  std::string q = Queue("jobs");
  launcher_.Define("slow", [this](const FakeEvent& e) {
    events_.push_back(e.payload);
    return FakeReply::Result("{}").After(seconds(1));
  });
  Function("slow", "slow");
  for (int i = 0; i < 50; ++i) Send("jobs", "m" + std::to_string(i));
  TimePoint start = clock_.Now();
  EventSourceMapping m{.event_source_arn = q, .function_name = "slow"};
  m.maximum_concurrency = 2;
  ASSERT_TRUE(mappings_.Create(m).ok());
  Settle();
  // Five batches of ten, two at a time, each pair as the last one ends.
  ASSERT_EQ(records_.size(), 5u);
  std::vector<Duration> starts;
  for (const auto& r : records_) starts.push_back(r.start - start);
  EXPECT_EQ(starts, (std::vector<Duration>{seconds(0), seconds(0), seconds(1),
                                           seconds(1), seconds(2)}));
  for (const auto& e : events_) EXPECT_EQ(Bodies(e).size(), 10u);
  EXPECT_EQ(Depth("jobs"), 0u);
}

TEST_F(MappingsTest, TheBatchingWindowWaitsForMoreUnlessTheBatchIsFull) {
  std::string q = Queue("jobs");
  Function("rec", "rec");
  EventSourceMapping m{.event_source_arn = q, .function_name = "rec"};
  m.batch_size = 100;
  m.maximum_batching_window_seconds = 5;
  ASSERT_TRUE(mappings_.Create(m).ok());
  for (int i = 0; i < 3; ++i) Send("jobs", "m" + std::to_string(i));
  Settle();
  EXPECT_TRUE(events_.empty());
  clock_.Advance(seconds(4));
  Send("jobs", "m3");
  Settle();
  EXPECT_TRUE(events_.empty());
  clock_.Advance(seconds(1));  // five seconds since the first
  Settle();
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(Bodies(events_[0]),
            (std::vector<std::string>{"m0", "m1", "m2", "m3"}));
  // A full batch goes at once.
  for (int i = 0; i < 100; ++i) Send("jobs", "n" + std::to_string(i));
  Settle();
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(Bodies(events_[1]).size(), 100u);
  EXPECT_EQ(Depth("jobs"), 0u);
}

TEST_F(MappingsTest, ATimedOutBatchComesBackAfterTheVisibilityTimeout) {
  std::string q = Queue("jobs", {{"VisibilityTimeout", "30"}});
  int calls = 0;
  launcher_.Define("hang-once", [&calls, this](const FakeEvent& e) {
    events_.push_back(e.payload);
    return ++calls == 1 ? FakeReply::Hang() : FakeReply::Result("{}");
  });
  Function("stuck", "hang-once", 3);
  Send("jobs", "m0");
  TimePoint start = clock_.Now();
  Map(q, "stuck", 1);
  Settle();
  ASSERT_EQ(records_.size(), 1u);
  EXPECT_EQ(records_[0].outcome, InvocationRecord::Outcome::kTimeout);
  EXPECT_EQ(clock_.Now(), start + seconds(3));
  EXPECT_EQ(Depth("jobs"), 1u);
  clock_.AdvanceTo(start + seconds(30));
  Settle();
  ASSERT_EQ(records_.size(), 2u);
  EXPECT_EQ(records_[1].outcome, InvocationRecord::Outcome::kSuccess);
  EXPECT_EQ(records_[1].start, start + seconds(30));
  EXPECT_EQ(json::parse(events_[1])
                .at("Records")
                .at(0)
                .at("attributes")
                .at("ApproximateReceiveCount"),
            "2");
  EXPECT_EQ(Depth("jobs"), 0u);
}

// SQS hands a message out again once its visibility timeout lapses, even
// while the batch that holds it still runs: the mapping must look again
// then, not only when its last batch returns or the queue changes.
TEST_F(MappingsTest, AMessageWhoseVisibilityLapsesMidBatchIsDeliveredAgain) {
  std::string q = Queue("jobs", {{"VisibilityTimeout", "30"}});
  int calls = 0;
  launcher_.Define("slow-once", [&calls, this](const FakeEvent& e) {
    events_.push_back(e.payload);
    return ++calls == 1 ? FakeReply::Result("{}").After(seconds(5))
                        : FakeReply::Result("{}");
  });
  Function("slow", "slow-once", 10);
  Map(q, "slow", 1);
  // Shorter than the batch's run (the mapping checked the timeout when it
  // was made; a later change is the queue owner's business).
  auto set = sqs_.SetQueueAttributes(
      {.queue_url = Url("jobs"), .attributes = {{"VisibilityTimeout", "2"}}});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  TimePoint start = clock_.Now();
  Send("jobs", "m0");
  Settle();
  ASSERT_EQ(records_.size(), 2u);
  // The second delivery starts when the first receive's visibility lapses,
  // while the first batch still runs.
  EXPECT_EQ(records_[0].start, start + seconds(2));
  EXPECT_EQ(records_[1].start, start);
  EXPECT_EQ(json::parse(events_[1])
                .at("Records")
                .at(0)
                .at("attributes")
                .at("ApproximateReceiveCount"),
            "2");
}

TEST_F(MappingsTest, DeleteStopsDelivery) {
  std::string q = Queue("jobs");
  Function("rec", "rec");
  EventSourceMapping created = Map(q, "rec");
  ASSERT_TRUE(mappings_.Delete(created.uuid).ok());
  EXPECT_EQ(mappings_.Get(created.uuid).status().code(),
            lambda::kResourceNotFoundException);
  Send("jobs", "x");
  Settle();
  EXPECT_TRUE(events_.empty());
  EXPECT_EQ(Depth("jobs"), 1u);
}

// The ServiceEvents a mapping's life publishes, as the event log keeps
// them.
class RecordingObserver : public services::ServiceObserver {
 public:
  struct Seen {
    std::string service, kind, resource, key;
    json::object detail;
  };
  void OnServiceEvent(const services::ServiceEvent& e) override {
    seen.push_back({std::string(e.service), std::string(e.kind),
                    std::string(e.resource), std::string(e.key),
                    json::parse(e.detail).as_object()});
  }
  std::vector<Seen> seen;
};

TEST_F(MappingsTest, EveryChangeOfAMappingIsPublished) {
  RecordingObserver observer;
  mappings_.SetObserver(&observer);
  std::string q = Queue("jobs");
  Function("rec", "rec");
  EventSourceMapping created = Map(q, "rec", 5);
  EventSourceMapping changed = created;
  changed.enabled = false;
  changed.maximum_concurrency = 4;
  changed.report_batch_item_failures = true;
  ASSERT_TRUE(mappings_.Update(changed).ok());
  // A refused change publishes nothing.
  changed.batch_size = 0;
  EXPECT_FALSE(mappings_.Update(changed).ok());
  ASSERT_TRUE(mappings_.Delete(created.uuid).ok());
  EXPECT_FALSE(mappings_.Delete(created.uuid).ok());

  ASSERT_EQ(observer.seen.size(), 3u);
  const char* kinds[] = {"EventSourceMappingCreated",
                         "EventSourceMappingUpdated",
                         "EventSourceMappingDeleted"};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(observer.seen[i].service, "lambda");
    EXPECT_EQ(observer.seen[i].kind, kinds[i]);
    EXPECT_EQ(observer.seen[i].resource, "rec");
    EXPECT_EQ(observer.seen[i].key, created.uuid);
    EXPECT_EQ(observer.seen[i].detail.at("eventSourceArn"), json::value(q));
    EXPECT_EQ(observer.seen[i].detail.at("queue"), "jobs");
    EXPECT_EQ(observer.seen[i].detail.at("batchSize"), 5);
  }
  EXPECT_EQ(observer.seen[0].detail.at("enabled"), true);
  EXPECT_EQ(observer.seen[0].detail.at("maximumBatchingWindowInSeconds"), 0);
  EXPECT_FALSE(observer.seen[0].detail.contains("maximumConcurrency"));
  EXPECT_EQ(observer.seen[1].detail.at("enabled"), false);
  EXPECT_EQ(observer.seen[1].detail.at("maximumConcurrency"), 4);
  EXPECT_EQ(observer.seen[1].detail.at("functionResponseTypes"),
            json::array{"ReportBatchItemFailures"});
  EXPECT_EQ(observer.seen[2].detail.at("enabled"), false);
  mappings_.SetObserver(nullptr);
}

TEST_F(MappingsTest, AMappingWhoseQueueIsGoneIsPublishedDisabled) {
  RecordingObserver observer;
  mappings_.SetObserver(&observer);
  std::string q = Queue("jobs");
  Function("rec", "rec");
  EventSourceMapping created = Map(q, "rec");
  Settle();
  ASSERT_TRUE(sqs_.DeleteQueue({Url("jobs")}).ok());
  // The mapping finds out at its next poll.
  mappings_.OnQueueEvent(
      {.kind = queue::QueueEventKind::kMessageSent, .queue = "jobs"});
  Settle();
  ASSERT_EQ(observer.seen.size(), 2u);
  EXPECT_EQ(observer.seen[1].kind, "EventSourceMappingUpdated");
  EXPECT_EQ(observer.seen[1].key, created.uuid);
  EXPECT_EQ(observer.seen[1].detail.at("enabled"), false);
  EXPECT_EQ(std::string(
                observer.seen[1].detail.at("stateTransitionReason").as_string())
                .rfind("Queue deleted: ", 0),
            0u);
  mappings_.SetObserver(nullptr);
}

}  // namespace
}  // namespace fanlab::compute
