// The typed SQS client (emulator/transport/sqs_client.h) against a real
// Engine on its own thread, over inproc:// and tcp://127.0.0.1:*: every one
// of the 18 actions, engine errors as Statuses, the batch helpers (split
// into batches of ten, merged in input order, ids defaulting to indexes),
// and a call nobody answers.
//
// The engine runs on the virtual clock: time moves only when the engine is
// idle with a timer pending (a parked long poll), so a message received
// stays in flight for the whole test unless a test makes it visible.
#include "emulator/transport/sqs_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator/core/common_errors.h"
#include "emulator/core/digest.h"
#include "emulator/engine.h"
#include "emulator/queue/sqs_errors.h"
#include "tests/test_util.h"

namespace fanlab::transport {
namespace {

using namespace fanlab::queue;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

enum class Transport { kInproc, kTcp };

constexpr std::string_view kUrlBase = "http://localhost/000000000000/";

std::string QueueUrl(const std::string& name) {
  return std::string(kUrlBase) + name;
}

// An Engine served on its own thread, on the virtual clock.
class EngineThread {
 public:
  explicit EngineThread(Transport transport) {
    EngineOptions options;
    options.virtual_clock = true;
    engine_ = std::make_unique<Engine>(options, context_);
    static std::atomic<int> counter{0};
    std::string endpoint =
        transport == Transport::kInproc
            ? "inproc://sqs-client-test-" + std::to_string(counter++)
            : "tcp://127.0.0.1:*";
    auto bound = engine_->Bind(endpoint);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    endpoint_ = bound.ok() ? *bound : "";
    thread_ = std::thread([this] { engine_->Run(); });
  }
  ~EngineThread() {
    engine_->Stop();
    thread_.join();
  }

  Context& context() { return context_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  Context context_;
  std::unique_ptr<Engine> engine_;
  std::string endpoint_;
  std::thread thread_;
};

class SqsClientTest : public ::testing::TestWithParam<Transport> {
 protected:
  // Creates a queue and returns its URL (fails the test on an error).
  std::string Create(const std::string& name, AttributeMap attributes = {}) {
    auto r = client_.CreateQueue({name, std::move(attributes), {}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->queue_url : "";
  }

  // One queue attribute, read through the client.
  std::string Attribute(const std::string& url, const std::string& name) {
    auto r = client_.GetQueueAttributes({url, {name}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "<error>";
    auto it = r->attributes.find(name);
    return it == r->attributes.end() ? "<none>" : it->second;
  }

  // Receives until `n` messages came back or a receive returns none.
  std::vector<Message> ReceiveAll(const std::string& url, size_t n) {
    std::vector<Message> out;
    while (out.size() < n) {
      ReceiveMessageRequest req;
      req.queue_url = url;
      req.max_number_of_messages = 10;
      req.wait_time_seconds = 0;
      auto r = client_.ReceiveMessage(req);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok() || r->messages.empty()) break;
      for (auto& m : r->messages) out.push_back(std::move(m));
    }
    return out;
  }

  std::vector<std::string> Bodies(size_t n, const std::string& prefix) {
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
    return out;
  }

  // How many requests the client sends for `fn`: the gap in the request
  // ids of two probes around it.
  template <typename F>
  uint64_t RequestsSentBy(F fn) {
    Client& raw = client_.raw();
    uint64_t before = raw.Send("ListQueues", "{}");
    EXPECT_TRUE(raw.Receive(seconds(10)).has_value());
    fn();
    uint64_t after = raw.Send("ListQueues", "{}");
    EXPECT_TRUE(raw.Receive(seconds(10)).has_value());
    return after - before - 1;
  }

  EngineThread engine_{GetParam()};
  SqsClient client_{engine_.context(), engine_.endpoint(), seconds(10)};
};

// ------------------------------------------------------------ the actions

TEST_P(SqsClientTest, CreateQueueGetQueueUrlListQueuesDeleteQueue) {
  auto created = client_.CreateQueue(
      {"jobs", {{"VisibilityTimeout", "45"}}, {{"team", "core"}}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->queue_url, QueueUrl("jobs"));
  EXPECT_EQ(Attribute(created->queue_url, "VisibilityTimeout"), "45");
  Create("jobs-2");
  Create("other");

  auto url = client_.GetQueueUrl({"jobs", std::nullopt});
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->queue_url, QueueUrl("jobs"));

  auto all = client_.ListQueues({});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(
      std::set<std::string>(all->queue_urls.begin(), all->queue_urls.end()),
      (std::set<std::string>{QueueUrl("jobs"), QueueUrl("jobs-2"),
                             QueueUrl("other")}));
  EXPECT_FALSE(all->next_token.has_value());

  auto page1 = client_.ListQueues({"jobs", std::nullopt, 1});
  ASSERT_TRUE(page1.ok()) << page1.status().ToString();
  ASSERT_EQ(page1->queue_urls.size(), 1u);
  ASSERT_TRUE(page1->next_token.has_value());
  auto page2 = client_.ListQueues({"jobs", page1->next_token, 1});
  ASSERT_TRUE(page2.ok()) << page2.status().ToString();
  ASSERT_EQ(page2->queue_urls.size(), 1u);
  EXPECT_EQ(std::set<std::string>({page1->queue_urls[0], page2->queue_urls[0]}),
            (std::set<std::string>{QueueUrl("jobs"), QueueUrl("jobs-2")}));

  EXPECT_TRUE(client_.DeleteQueue({QueueUrl("jobs")}).ok());
  Status gone = client_.GetQueueUrl({"jobs", std::nullopt}).status();
  EXPECT_EQ(gone.code(), sqs::kQueueDoesNotExist);
  EXPECT_EQ(gone.message(), "The specified queue does not exist.");
  EXPECT_EQ(client_.DeleteQueue({QueueUrl("jobs")}).code(),
            sqs::kQueueDoesNotExist);
}

TEST_P(SqsClientTest, GetAndSetQueueAttributes) {
  const std::string url = Create("attrs");
  EXPECT_TRUE(client_
                  .SetQueueAttributes({url,
                                       {{"VisibilityTimeout", "120"},
                                        {"MessageRetentionPeriod", "600"}}})
                  .ok());
  auto some = client_.GetQueueAttributes(
      {url, {"VisibilityTimeout", "MessageRetentionPeriod", "QueueArn"}});
  ASSERT_TRUE(some.ok()) << some.status().ToString();
  EXPECT_EQ(
      some->attributes,
      (AttributeMap{{"MessageRetentionPeriod", "600"},
                    {"QueueArn", "arn:aws:sqs:us-east-1:000000000000:attrs"},
                    {"VisibilityTimeout", "120"}}));
  auto all = client_.GetQueueAttributes({url, {"All"}});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->attributes.at("ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(all->attributes.at("VisibilityTimeout"), "120");

  Status bad = client_.SetQueueAttributes({url, {{"VisibilityTimeout", "x"}}});
  EXPECT_EQ(bad.code(), sqs::kInvalidAttributeValue) << bad.ToString();
  EXPECT_FALSE(bad.message().empty());
  EXPECT_EQ(
      client_.GetQueueAttributes({url, {"NoSuchAttribute"}}).status().code(),
      sqs::kInvalidAttributeName);
}

TEST_P(SqsClientTest, SendReceiveDeleteWithEveryAttributeType) {
  const std::string url = Create("typed");
  const std::string raw("\x00\x01\xfe\xff", 4);
  SendMessageRequest send;
  send.queue_url = url;
  send.message_body = "hello";
  send.message_attributes = {
      {"b", {"Binary", std::nullopt, raw}},
      {"n", {"Number", "-12.5", std::nullopt}},
      {"s", {"String", "text", std::nullopt}},
  };
  auto sent = client_.SendMessage(send);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->md5_of_message_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_TRUE(fanlab::testing::IsUuidV4(sent->message_id)) << sent->message_id;
  ASSERT_TRUE(sent->md5_of_message_attributes.has_value());
  EXPECT_EQ(sent->md5_of_message_attributes->size(), 32u);
  EXPECT_FALSE(sent->sequence_number.has_value());

  ReceiveMessageRequest receive;
  receive.queue_url = url;
  receive.message_attribute_names = {"All"};
  receive.message_system_attribute_names = {"ApproximateReceiveCount"};
  auto got = client_.ReceiveMessage(receive);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->messages.size(), 1u);
  const Message& m = got->messages[0];
  EXPECT_EQ(m.message_id, sent->message_id);
  EXPECT_EQ(m.body, "hello");
  EXPECT_EQ(m.md5_of_body, sent->md5_of_message_body);
  EXPECT_EQ(m.md5_of_message_attributes, sent->md5_of_message_attributes);
  EXPECT_EQ(m.message_attributes, send.message_attributes);
  ASSERT_TRUE(m.message_attributes.at("b").binary_value.has_value());
  EXPECT_EQ(*m.message_attributes.at("b").binary_value, raw);
  EXPECT_EQ(m.attributes, (AttributeMap{{"ApproximateReceiveCount", "1"}}));
  EXPECT_FALSE(m.receipt_handle.empty());
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "1");

  EXPECT_TRUE(client_.DeleteMessage({url, m.receipt_handle}).ok());
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");

  Status bad = client_.DeleteMessage({url, "garbage"});
  EXPECT_EQ(bad.code(), sqs::kReceiptHandleIsInvalid) << bad.ToString();
}

TEST_P(SqsClientTest, FifoSendReturnsASequenceNumberAndDeduplicates) {
  const std::string url = Create("jobs.fifo", {{"FifoQueue", "true"}});
  SendMessageRequest send;
  send.queue_url = url;
  send.message_body = "first";
  send.message_group_id = "g";
  send.message_deduplication_id = "d1";
  auto a = client_.SendMessage(send);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(a->sequence_number.has_value());
  EXPECT_FALSE(a->sequence_number->empty());
  auto again = client_.SendMessage(send);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->message_id, a->message_id);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "1");

  send.message_group_id.reset();
  EXPECT_EQ(client_.SendMessage(send).status().code(), sqs::kMissingParameter);
}

TEST_P(SqsClientTest, ChangeMessageVisibilityMakesAMessageVisibleAgain) {
  const std::string url = Create("visibility");
  ASSERT_TRUE(client_.SendMessage({url, "m", {}, {}, {}, {}, {}}).ok());
  std::vector<Message> first = ReceiveAll(url, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(ReceiveAll(url, 1).empty());  // in flight

  EXPECT_TRUE(
      client_.ChangeMessageVisibility({url, first[0].receipt_handle, 0}).ok());
  ReceiveMessageRequest receive;
  receive.queue_url = url;
  receive.message_system_attribute_names = {"ApproximateReceiveCount"};
  auto second = client_.ReceiveMessage(receive);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_EQ(second->messages.size(), 1u);
  EXPECT_EQ(second->messages[0].message_id, first[0].message_id);
  EXPECT_EQ(second->messages[0].attributes.at("ApproximateReceiveCount"), "2");

  Status negative = client_.ChangeMessageVisibility(
      {url, second->messages[0].receipt_handle, -1});
  EXPECT_EQ(negative.code(), sqs::kInvalidParameterValue)
      << negative.ToString();
}

TEST_P(SqsClientTest, TheThreeBatchActions) {
  const std::string url = Create("batch");
  SendMessageBatchRequest send;
  send.queue_url = url;
  send.entries = {{"ok-1", "first", {}, {}, {}, {}, {}},
                  {"bad", "second", 901, {}, {}, {}, {}},
                  {"ok-2", "third", {}, {}, {}, {}, {}}};
  auto sent = client_.SendMessageBatch(send);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->successful.size(), 2u);
  EXPECT_EQ(sent->successful[0].id, "ok-1");
  EXPECT_EQ(sent->successful[0].md5_of_message_body, Md5Hex("first"));
  EXPECT_EQ(sent->successful[1].id, "ok-2");
  EXPECT_EQ(sent->successful[1].md5_of_message_body, Md5Hex("third"));
  ASSERT_EQ(sent->failed.size(), 1u);
  EXPECT_EQ(sent->failed[0].id, "bad");
  EXPECT_EQ(sent->failed[0].code, "InvalidParameterValue");
  EXPECT_TRUE(sent->failed[0].sender_fault);
  EXPECT_FALSE(sent->failed[0].message.empty());

  std::vector<Message> got = ReceiveAll(url, 2);
  ASSERT_EQ(got.size(), 2u);

  auto changed =
      client_.ChangeMessageVisibilityBatch({url,
                                            {{"x", got[0].receipt_handle, 0},
                                             {"y", got[1].receipt_handle, 0},
                                             {"z", "garbage", 0}}});
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  ASSERT_EQ(changed->successful.size(), 2u);
  EXPECT_EQ(changed->successful[0].id, "x");
  EXPECT_EQ(changed->successful[1].id, "y");
  ASSERT_EQ(changed->failed.size(), 1u);
  EXPECT_EQ(changed->failed[0].id, "z");
  EXPECT_EQ(changed->failed[0].code, "ReceiptHandleIsInvalid");

  got = ReceiveAll(url, 2);
  ASSERT_EQ(got.size(), 2u);
  std::set<std::string> bodies{got[0].body, got[1].body};
  EXPECT_EQ(bodies, (std::set<std::string>{"first", "third"}));

  auto deleted = client_.DeleteMessageBatch({url,
                                             {{"a", got[0].receipt_handle},
                                              {"b", got[1].receipt_handle},
                                              {"c", "garbage"}}});
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  ASSERT_EQ(deleted->successful.size(), 2u);
  EXPECT_EQ(deleted->successful[0].id, "a");
  EXPECT_EQ(deleted->successful[1].id, "b");
  ASSERT_EQ(deleted->failed.size(), 1u);
  EXPECT_EQ(deleted->failed[0].id, "c");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");

  // Request-level faults are the Status.
  Status empty = client_.DeleteMessageBatch({url, {}}).status();
  EXPECT_EQ(empty.code(), sqs::kEmptyBatchRequest) << empty.ToString();
  Status dup = client_
                   .SendMessageBatch({url,
                                      {{"a", "1", {}, {}, {}, {}, {}},
                                       {"a", "2", {}, {}, {}, {}, {}}}})
                   .status();
  EXPECT_EQ(dup.code(), sqs::kBatchEntryIdsNotDistinct) << dup.ToString();
}

TEST_P(SqsClientTest, TagQueueUntagQueueListQueueTags) {
  const std::string url = Create("tagged");
  auto none = client_.ListQueueTags({url});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->tags.empty());

  EXPECT_TRUE(client_.TagQueue({url, {{"a", "1"}, {"b", "2"}}}).ok());
  auto listed = client_.ListQueueTags({url});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->tags, (TagMap{{"a", "1"}, {"b", "2"}}));

  EXPECT_TRUE(client_.UntagQueue({url, {"a"}}).ok());
  listed = client_.ListQueueTags({url});
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->tags, (TagMap{{"b", "2"}}));

  EXPECT_EQ(client_.TagQueue({QueueUrl("ghost"), {{"a", "1"}}}).code(),
            sqs::kQueueDoesNotExist);
  EXPECT_EQ(client_.UntagQueue({QueueUrl("ghost"), {"a"}}).code(),
            sqs::kQueueDoesNotExist);
}

TEST_P(SqsClientTest, ListDeadLetterSourceQueues) {
  const std::string dlq = Create("dlq");
  const std::string policy =
      R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq",)"
      R"("maxReceiveCount":3})";
  const std::string src = Create("source", {{"RedrivePolicy", policy}});
  Create("unrelated");

  auto sources = client_.ListDeadLetterSourceQueues({dlq, {}, {}});
  ASSERT_TRUE(sources.ok()) << sources.status().ToString();
  EXPECT_THAT(sources->queue_urls, ElementsAre(src));
  EXPECT_FALSE(sources->next_token.has_value());

  auto none = client_.ListDeadLetterSourceQueues({src, {}, {}});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->queue_urls.empty());

  EXPECT_EQ(client_.ListDeadLetterSourceQueues({QueueUrl("ghost"), {}, {}})
                .status()
                .code(),
            sqs::kQueueDoesNotExist);
}

TEST_P(SqsClientTest, PurgeQueue) {
  const std::string url = Create("purged");
  auto sent = client_.SendBodies(url, {"one", "two"});
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "2");
  EXPECT_TRUE(client_.PurgeQueue({url}).ok());
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_TRUE(ReceiveAll(url, 1).empty());
  // The clock has not moved: a second purge is too soon.
  Status again = client_.PurgeQueue({url});
  EXPECT_EQ(again.code(), sqs::kPurgeQueueInProgress) << again.ToString();
  EXPECT_THAT(again.message(), HasSubstr("purged"));
}

// A long poll's wait is virtual time: an empty 20 s poll answers at once.
TEST_P(SqsClientTest, LongPollOnAnEmptyQueueAnswersEmpty) {
  const std::string url = Create("poll");
  ReceiveMessageRequest req;
  req.queue_url = url;
  req.wait_time_seconds = 20;
  auto start = std::chrono::steady_clock::now();
  auto r = client_.ReceiveMessage(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->messages.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

// ------------------------------------------------------------ errors

TEST_P(SqsClientTest, EngineErrorsComeBackAsStatusesWithTheirCode) {
  Status missing = client_.GetQueueUrl({"missing", std::nullopt}).status();
  EXPECT_EQ(missing.code(), sqs::kQueueDoesNotExist);
  EXPECT_EQ(missing.message(), "The specified queue does not exist.");

  Status send =
      client_.SendMessage({QueueUrl("ghost"), "m", {}, {}, {}, {}, {}})
          .status();
  EXPECT_EQ(send.code(), sqs::kQueueDoesNotExist) << send.ToString();

  Status bad_name = client_.CreateQueue({"bad name!", {}, {}}).status();
  EXPECT_EQ(bad_name.code(), sqs::kInvalidParameterValue)
      << bad_name.ToString();
  EXPECT_FALSE(bad_name.message().empty());

  const std::string url = Create("errors");
  ReceiveMessageRequest too_many;
  too_many.queue_url = url;
  too_many.max_number_of_messages = 11;
  Status r = client_.ReceiveMessage(too_many).status();
  EXPECT_EQ(r.code(), sqs::kInvalidParameterValue) << r.ToString();
  EXPECT_THAT(r.message(), HasSubstr("MaxNumberOfMessages"));

  Status clash =
      client_.CreateQueue({"errors", {{"VisibilityTimeout", "99"}}, {}})
          .status();
  EXPECT_EQ(clash.code(), sqs::kQueueNameExists) << clash.ToString();

  // The client goes on working after errors.
  auto ok = client_.GetQueueUrl({"errors", std::nullopt});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->queue_url, url);
}

// ------------------------------------------------------------ batch helpers

TEST_P(SqsClientTest, SendBodiesSplitsIntoBatchesOfTenAndMerges) {
  const std::string url = Create("bodies");
  const std::vector<std::string> bodies = Bodies(25, "body-");
  std::optional<Result<SendMessageBatchResponse>> sent;
  EXPECT_EQ(RequestsSentBy([&] { sent = client_.SendBodies(url, bodies); }),
            3u);
  ASSERT_TRUE(sent.has_value());
  ASSERT_TRUE(sent->ok()) << sent->status().ToString();
  const SendMessageBatchResponse& r = sent->value();
  EXPECT_TRUE(r.failed.empty());
  ASSERT_EQ(r.successful.size(), 25u);
  std::set<std::string> message_ids;
  for (size_t i = 0; i < 25; ++i) {
    EXPECT_EQ(r.successful[i].id, std::to_string(i));
    EXPECT_EQ(r.successful[i].md5_of_message_body, Md5Hex(bodies[i])) << i;
    message_ids.insert(r.successful[i].message_id);
  }
  EXPECT_EQ(message_ids.size(), 25u);

  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "25");
  std::vector<Message> got = ReceiveAll(url, 25);
  ASSERT_EQ(got.size(), 25u);
  std::set<std::string> got_bodies, got_ids;
  for (const Message& m : got) {
    got_bodies.insert(m.body);
    got_ids.insert(m.message_id);
  }
  EXPECT_EQ(got_bodies, std::set<std::string>(bodies.begin(), bodies.end()));
  EXPECT_EQ(got_ids, message_ids);
}

TEST_P(SqsClientTest, BatchSizesAtTheBoundaries) {
  const std::string url = Create("sizes");
  for (size_t n : {1u, 9u, 10u, 11u, 20u, 21u}) {
    std::optional<Result<SendMessageBatchResponse>> sent;
    uint64_t requests =
        RequestsSentBy([&] { sent = client_.SendBodies(url, Bodies(n, "m")); });
    EXPECT_EQ(requests, (n + 9) / 10) << n;
    ASSERT_TRUE(sent.has_value());
    ASSERT_TRUE(sent->ok()) << n << ": " << sent->status().ToString();
    ASSERT_EQ((*sent)->successful.size(), n);
    EXPECT_EQ((*sent)->successful.back().id, std::to_string(n - 1));
  }
}

TEST_P(SqsClientTest, SendMessagesKeepsExplicitIds) {
  const std::string url = Create("ids");
  std::vector<SendMessageBatchRequestEntry> entries(13);
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].message_body = "m" + std::to_string(i);
  }
  entries[0].id = "alpha";
  entries[1].id = "beta";
  entries[11].id = "gamma";
  auto sent = client_.SendMessages(url, entries);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->successful.size(), 13u);
  std::vector<std::string> ids;
  for (const auto& e : sent->successful) ids.push_back(e.id);
  EXPECT_THAT(ids, ElementsAre("alpha", "beta", "2", "3", "4", "5", "6", "7",
                               "8", "9", "10", "gamma", "12"));
  EXPECT_EQ(sent->successful[11].md5_of_message_body, Md5Hex("m11"));
}

TEST_P(SqsClientTest, OneInvalidEntryFailsAloneTheRestSucceed) {
  const std::string url = Create("one-bad");
  std::vector<SendMessageBatchRequestEntry> entries(15);
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].message_body = "m" + std::to_string(i);
  }
  entries[12].delay_seconds = 1000;  // > 900
  auto sent = client_.SendMessages(url, entries);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->failed.size(), 1u);
  EXPECT_EQ(sent->failed[0].id, "12");
  EXPECT_EQ(sent->failed[0].code, "InvalidParameterValue");
  EXPECT_TRUE(sent->failed[0].sender_fault);
  EXPECT_THAT(sent->failed[0].message, HasSubstr("DelaySeconds"));
  ASSERT_EQ(sent->successful.size(), 14u);
  for (size_t i = 0; i < 14; ++i) {
    EXPECT_EQ(sent->successful[i].id, std::to_string(i < 12 ? i : i + 1));
  }
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "14");
}

TEST_P(SqsClientTest, BatchHelpersOnAnUnknownQueueAreQueueDoesNotExist) {
  Status s = client_.SendBodies(QueueUrl("ghost"), Bodies(12, "m")).status();
  EXPECT_EQ(s.code(), sqs::kQueueDoesNotExist) << s.ToString();
  EXPECT_EQ(s.message(), "The specified queue does not exist.");
  Status d = client_
                 .DeleteMessages(
                     QueueUrl("ghost"),
                     std::vector<DeleteMessageBatchRequestEntry>{{"", "h"}})
                 .status();
  EXPECT_EQ(d.code(), sqs::kQueueDoesNotExist) << d.ToString();
  Status c =
      client_.ChangeMessageVisibilities(QueueUrl("ghost"), {{"", "h", 0}})
          .status();
  EXPECT_EQ(c.code(), sqs::kQueueDoesNotExist) << c.ToString();
}

// Nothing to send still sends one (empty) batch: the engine's answer is
// EmptyBatchRequest, as SQS's would be.
TEST_P(SqsClientTest, EmptyInputIsTheEnginesEmptyBatchRequest) {
  const std::string url = Create("empty-input");
  std::optional<Result<SendMessageBatchResponse>> sent;
  EXPECT_EQ(RequestsSentBy([&] { sent = client_.SendBodies(url, {}); }), 1u);
  ASSERT_TRUE(sent.has_value());
  Status s = sent->status();
  EXPECT_EQ(s.code(), sqs::kEmptyBatchRequest) << s.ToString();
  EXPECT_EQ(s.message(),
            "There should be at least one SendMessageBatchRequestEntry in the "
            "request.");
  Status d = client_.DeleteMessages(url, std::vector<Message>{}).status();
  EXPECT_EQ(d.code(), sqs::kEmptyBatchRequest) << d.ToString();
  EXPECT_THAT(d.message(), HasSubstr("DeleteMessageBatchRequestEntry"));
  Status c = client_.ChangeMessageVisibilities(url, {}).status();
  EXPECT_EQ(c.code(), sqs::kEmptyBatchRequest) << c.ToString();
  EXPECT_THAT(c.message(),
              HasSubstr("ChangeMessageVisibilityBatchRequestEntry"));
}

// A whole batch refused (duplicate ids within it) is the Status, even when
// the other batches went through.
TEST_P(SqsClientTest, ABatchRefusedAsAWholeIsTheStatus) {
  const std::string url = Create("dup");
  std::vector<SendMessageBatchRequestEntry> entries(12);
  for (auto& e : entries) e.message_body = "m";
  entries[10].id = "x";
  entries[11].id = "x";  // both in the second batch
  Status s = client_.SendMessages(url, entries).status();
  EXPECT_EQ(s.code(), sqs::kBatchEntryIdsNotDistinct) << s.ToString();
  // The first batch was sent anyway.
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "10");
}

TEST_P(SqsClientTest, DeleteMessagesDeletesWhatReceiveMessageReturned) {
  const std::string url = Create("delete-many");
  ASSERT_TRUE(client_.SendBodies(url, Bodies(23, "d")).ok());
  std::vector<Message> got = ReceiveAll(url, 23);
  ASSERT_EQ(got.size(), 23u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "23");

  std::optional<Result<DeleteMessageBatchResponse>> deleted;
  EXPECT_EQ(RequestsSentBy([&] { deleted = client_.DeleteMessages(url, got); }),
            3u);
  ASSERT_TRUE(deleted.has_value());
  ASSERT_TRUE(deleted->ok()) << deleted->status().ToString();
  EXPECT_TRUE((*deleted)->failed.empty());
  ASSERT_EQ((*deleted)->successful.size(), 23u);
  for (size_t i = 0; i < 23; ++i) {
    EXPECT_EQ((*deleted)->successful[i].id, std::to_string(i));
  }
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");

  // Deleting with stale handles is not an error in SQS; garbage is, per
  // entry.
  std::vector<DeleteMessageBatchRequestEntry> entries = {
      {"", got[0].receipt_handle}, {"", "garbage"}};
  auto again = client_.DeleteMessages(url, entries);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->failed.size(), 1u);
  EXPECT_EQ(again->failed[0].id, "1");
  EXPECT_EQ(again->failed[0].code, "ReceiptHandleIsInvalid");
}

TEST_P(SqsClientTest, ChangeMessageVisibilitiesMakesThemVisibleAgain) {
  const std::string url = Create("change-many");
  ASSERT_TRUE(client_.SendBodies(url, Bodies(12, "c")).ok());
  std::vector<Message> got = ReceiveAll(url, 12);
  ASSERT_EQ(got.size(), 12u);
  EXPECT_TRUE(ReceiveAll(url, 1).empty());

  std::vector<ChangeMessageVisibilityBatchRequestEntry> entries;
  for (const Message& m : got) entries.push_back({"", m.receipt_handle, 0});
  entries.push_back({"bad-one", "garbage", 0});
  auto changed = client_.ChangeMessageVisibilities(url, entries);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  ASSERT_EQ(changed->successful.size(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(changed->successful[i].id, std::to_string(i));
  }
  ASSERT_EQ(changed->failed.size(), 1u);
  EXPECT_EQ(changed->failed[0].id, "bad-one");
  EXPECT_EQ(changed->failed[0].code, "ReceiptHandleIsInvalid");

  std::vector<Message> again = ReceiveAll(url, 12);
  ASSERT_EQ(again.size(), 12u);
  std::set<std::string> first_ids, second_ids;
  for (const Message& m : got) first_ids.insert(m.message_id);
  for (const Message& m : again) second_ids.insert(m.message_id);
  EXPECT_EQ(first_ids, second_ids);
}

INSTANTIATE_TEST_SUITE_P(Transports, SqsClientTest,
                         ::testing::Values(Transport::kInproc, Transport::kTcp),
                         [](const auto& param_info) {
                           return param_info.param == Transport::kInproc
                                      ? "Inproc"
                                      : "Tcp";
                         });

// ------------------------------------------------------------ no answer

// Nobody serves the endpoint: each call waits its timeout (a real 100 ms,
// give or take the millisecond zmq_poll rounds to) and is an InternalError
// naming the action.
TEST(SqsClientNoAnswerTest, UnservedEndpointIsAnInternalErrorNamingTheAction) {
  Context context;
  SqsClient client(context, "inproc://sqs-client-test-nobody",
                   milliseconds(100));

  auto start = std::chrono::steady_clock::now();
  Status list = client.ListQueues({}).status();
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(list.code(), common::kInternalError);
  EXPECT_THAT(list.message(), HasSubstr("ListQueues"));
  EXPECT_THAT(list.message(), HasSubstr("100 ms"));
  EXPECT_GE(waited, milliseconds(90));  // zmq_poll's clock is coarse
  EXPECT_LT(waited, seconds(5));

  Status del = client.DeleteQueue({QueueUrl("q")});
  EXPECT_EQ(del.code(), common::kInternalError);
  EXPECT_THAT(del.message(), HasSubstr("DeleteQueue"));

  // A receive without a long poll waits just the timeout.
  ReceiveMessageRequest receive;
  receive.queue_url = QueueUrl("q");
  receive.wait_time_seconds = 0;
  start = std::chrono::steady_clock::now();
  Status got = client.ReceiveMessage(receive).status();
  EXPECT_EQ(got.code(), common::kInternalError);
  EXPECT_THAT(got.message(), HasSubstr("ReceiveMessage"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));

  // The batch helpers too, for the whole call.
  start = std::chrono::steady_clock::now();
  Status batch = client.SendBodies(QueueUrl("q"), {"a", "b"}).status();
  waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(batch.code(), common::kInternalError);
  EXPECT_THAT(batch.message(), HasSubstr("SendMessageBatch"));
  EXPECT_GE(waited, milliseconds(90));  // zmq_poll's clock is coarse
  EXPECT_LT(waited, seconds(5));
}

// Clients on their own threads share one engine; each batch helper gets
// exactly its own answers.
TEST(SqsClientThreadsTest, ClientsOnTheirOwnThreadsEachGetTheirAnswers) {
  EngineThread engine(Transport::kInproc);
  {
    SqsClient setup(engine.context(), engine.endpoint(), seconds(10));
    ASSERT_TRUE(setup.CreateQueue({"shared", {}, {}}).ok());
  }
  constexpr int kThreads = 3, kEach = 30;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SqsClient c(engine.context(), engine.endpoint(), seconds(10));
      std::vector<std::string> bodies;
      for (int i = 0; i < kEach; ++i) {
        bodies.push_back("t" + std::to_string(t) + "-" + std::to_string(i));
      }
      auto r = c.SendBodies(QueueUrl("shared"), bodies);
      if (!r.ok() || r->successful.size() != size_t(kEach)) return;
      for (int i = 0; i < kEach; ++i) {
        if (r->successful[i].md5_of_message_body != Md5Hex(bodies[i])) return;
      }
      ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads);
  SqsClient check(engine.context(), engine.endpoint(), seconds(10));
  auto attrs = check.GetQueueAttributes(
      {QueueUrl("shared"), {"ApproximateNumberOfMessages"}});
  ASSERT_TRUE(attrs.ok()) << attrs.status().ToString();
  EXPECT_EQ(attrs->attributes.at("ApproximateNumberOfMessages"),
            std::to_string(kThreads * kEach));
}

}  // namespace
}  // namespace fanlab::transport
