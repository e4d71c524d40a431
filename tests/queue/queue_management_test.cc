// Queue-level actions: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue,
// PurgeQueue, Get/SetQueueAttributes, tags, and the in-flight limit
// (docs/queue-semantics.md, "Queues", "Queue attributes", "Receiving").
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "emulator/queue/sqs_errors.h"
#include "tests/queue/queue_fixture.h"

namespace fanlab::queue::testing {
namespace {

using std::chrono::microseconds;

constexpr char kUrlBase[] = "http://localhost/000000000000/";

class QueueManagementTest : public QueueServiceTest {
 protected:
  Status CreateStatus(const std::string& name, AttributeMap attrs = {},
                      TagMap tags = {}) {
    return service_.CreateQueue({name, std::move(attrs), std::move(tags)})
        .status();
  }

  Status SetAttributes(const std::string& url, AttributeMap attrs) {
    return service_.SetQueueAttributes({url, std::move(attrs)}).status();
  }

  Result<GetQueueAttributesResponse> GetAttributes(
      const std::string& url, std::vector<std::string> names) {
    return service_.GetQueueAttributes({url, std::move(names)});
  }

  Result<ListQueuesResponse> List(
      std::optional<std::string> prefix,
      std::optional<int64_t> max = std::nullopt,
      std::optional<std::string> token = std::nullopt) {
    return service_.ListQueues({std::move(prefix), std::move(token), max});
  }

  size_t Total(const std::string& name) {
    QueueDepth d = Depth(name);
    return d.visible + d.in_flight + d.delayed;
  }
};

// --- Names -----------------------------------------------------------------

TEST_F(QueueManagementTest, NameOf80CharactersIsAccepted) {
  std::string name(80, 'a');
  Status s = CreateStatus(name);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(QueueManagementTest, NameOf81CharactersIsRefused) {
  Status s = CreateStatus(std::string(81, 'a'));
  EXPECT_EQ(s.code(), sqs::kInvalidParameterValue) << s.ToString();
  EXPECT_TRUE(service_.QueueNames().empty());
}

TEST_F(QueueManagementTest, FifoSuffixCountsTowardTheLimit) {
  Status ok =
      CreateStatus(std::string(75, 'f') + ".fifo", {{"FifoQueue", "true"}});
  EXPECT_TRUE(ok.ok()) << ok.ToString();
  Status bad =
      CreateStatus(std::string(76, 'f') + ".fifo", {{"FifoQueue", "true"}});
  EXPECT_EQ(bad.code(), sqs::kInvalidParameterValue) << bad.ToString();
}

TEST_F(QueueManagementTest, NameCharacters) {
  EXPECT_TRUE(CreateStatus("Az09_-").ok());
  EXPECT_TRUE(CreateStatus("x").ok());
  for (const char* bad :
       {"a.b", "a b", "a/b", "a:b", "caf\xc3\xa9", "q*", "a.fifo.x"}) {
    Status s = CreateStatus(bad);
    EXPECT_EQ(s.code(), sqs::kInvalidParameterValue)
        << bad << ": " << s.ToString();
  }
}

TEST_F(QueueManagementTest, EmptyNameIsRefused) {
  Status s = CreateStatus("");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.code() == sqs::kInvalidParameterValue ||
              s.code() == sqs::kMissingParameter)
      << s.ToString();
}

TEST_F(QueueManagementTest, FifoSuffixRequiresFifoQueueTrue) {
  Status no_attr = CreateStatus("q.fifo");
  EXPECT_EQ(no_attr.code(), sqs::kInvalidParameterValue) << no_attr.ToString();
  Status false_attr = CreateStatus("q.fifo", {{"FifoQueue", "false"}});
  EXPECT_EQ(false_attr.code(), sqs::kInvalidParameterValue)
      << false_attr.ToString();
  EXPECT_TRUE(service_.QueueNames().empty());
}

TEST_F(QueueManagementTest, FifoQueueTrueRequiresFifoSuffix) {
  Status s = CreateStatus("q", {{"FifoQueue", "true"}});
  EXPECT_EQ(s.code(), sqs::kInvalidParameterValue) << s.ToString();
  EXPECT_TRUE(service_.QueueNames().empty());
}

TEST_F(QueueManagementTest, FifoQueueFalseIsAcceptedForStandardQueue) {
  Status s = CreateStatus("q", {{"FifoQueue", "false"}});
  EXPECT_TRUE(s.ok()) << s.ToString();
}

// --- CreateQueue idempotence ---------------------------------------------

TEST_F(QueueManagementTest, CreateQueueIsIdempotentForEqualAttributes) {
  auto first = service_.CreateQueue({"q", {{"VisibilityTimeout", "60"}}, {}});
  ASSERT_TRUE(first.ok());
  auto second = service_.CreateQueue({"q", {{"VisibilityTimeout", "60"}}, {}});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->queue_url, first->queue_url);
  EXPECT_EQ(observer_.Count(QueueEventKind::kQueueCreated), 1u);
}

TEST_F(QueueManagementTest, CreateQueueDoesNotResetExistingQueue) {
  std::string url = Create("q");
  Send(url, "m");
  auto again = service_.CreateQueue({"q", {}, {}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Depth("q").visible, 1u);
}

TEST_F(QueueManagementTest, CreateQueueWithDifferentAttributeIsNameExists) {
  Create("q", {{"VisibilityTimeout", "60"}});
  Status s = CreateStatus("q", {{"VisibilityTimeout", "61"}});
  EXPECT_EQ(s.code(), sqs::kQueueNameExists) << s.ToString();
  EXPECT_EQ(WireCode(s.code()), "QueueAlreadyExists");
  EXPECT_EQ(Attribute(service_.QueueUrl("q"), "VisibilityTimeout"), "60");
}

TEST_F(QueueManagementTest, CreateQueueComparesOnlyAttributesGiven) {
  Create("q", {{"VisibilityTimeout", "60"}});
  EXPECT_TRUE(CreateStatus("q").ok());
  EXPECT_TRUE(CreateStatus("q", {{"DelaySeconds", "0"}}).ok())
      << "DelaySeconds=0 equals the queue's default";
  Status s = CreateStatus("q", {{"DelaySeconds", "5"}});
  EXPECT_EQ(s.code(), sqs::kQueueNameExists) << s.ToString();
}

TEST_F(QueueManagementTest, CreateQueueComparesAgainstCurrentValues) {
  std::string url = Create("q");
  ASSERT_TRUE(SetAttributes(url, {{"VisibilityTimeout", "45"}}).ok());
  EXPECT_TRUE(CreateStatus("q", {{"VisibilityTimeout", "45"}}).ok());
  Status s = CreateStatus("q", {{"VisibilityTimeout", "30"}});
  EXPECT_EQ(s.code(), sqs::kQueueNameExists) << s.ToString();
}

TEST_F(QueueManagementTest, CreateFifoQueueIsIdempotent) {
  std::string url = Create("q.fifo");
  auto again = service_.CreateQueue({"q.fifo", {{"FifoQueue", "true"}}, {}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->queue_url, url);
}

// --- Deleting and re-creating ---------------------------------------------

TEST_F(QueueManagementTest, DeleteQueueDropsQueueAndMessages) {
  std::string url = Create("q");
  Send(url, "m");
  ASSERT_TRUE(service_.DeleteQueue({url}).ok());
  EXPECT_TRUE(service_.QueueNames().empty());
  EXPECT_EQ(observer_.Count(QueueEventKind::kQueueDeleted), 1u);
  EXPECT_FALSE(service_.Depth("q").ok());
  Status again = service_.DeleteQueue({url}).status();
  EXPECT_EQ(again.code(), sqs::kQueueDoesNotExist) << again.ToString();
  auto url_r = service_.GetQueueUrl({"q", std::nullopt});
  EXPECT_EQ(url_r.status().code(), sqs::kQueueDoesNotExist);
}

TEST_F(QueueManagementTest, RecreateWithin60SecondsIsQueueDeletedRecently) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(service_.DeleteQueue({url}).ok());
  Status now = CreateStatus("q");
  EXPECT_EQ(now.code(), sqs::kQueueDeletedRecently) << now.ToString();
  clock_.AdvanceTo(t0 + seconds(60) - kTick);
  Status almost = CreateStatus("q");
  EXPECT_EQ(almost.code(), sqs::kQueueDeletedRecently) << almost.ToString();
  clock_.AdvanceTo(t0 + seconds(60));
  Status later = CreateStatus("q");
  EXPECT_TRUE(later.ok()) << later.ToString();
}

TEST_F(QueueManagementTest, RecreatedQueueStartsEmptyWithDefaults) {
  std::string url = Create("q", {{"VisibilityTimeout", "90"}});
  Send(url, "m");
  ASSERT_TRUE(service_.DeleteQueue({url}).ok());
  Advance(seconds(60));
  url = Create("q");
  EXPECT_EQ(Total("q"), 0u);
  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "30");
}

TEST_F(QueueManagementTest, DeletedRecentlyDoesNotBlockOtherNames) {
  std::string url = Create("q");
  ASSERT_TRUE(service_.DeleteQueue({url}).ok());
  EXPECT_TRUE(CreateStatus("q2").ok());
}

// --- URLs and ARNs ----------------------------------------------------------

TEST_F(QueueManagementTest, UrlAndArnShapes) {
  std::string url = Create("orders");
  EXPECT_EQ(url, std::string(kUrlBase) + "orders");
  EXPECT_EQ(service_.QueueUrl("orders"), url);
  EXPECT_EQ(service_.QueueArn("orders"),
            "arn:aws:sqs:us-east-1:000000000000:orders");
  EXPECT_EQ(Attribute(url, "QueueArn"),
            "arn:aws:sqs:us-east-1:000000000000:orders");
  std::string fifo = Create("orders.fifo");
  EXPECT_EQ(fifo, std::string(kUrlBase) + "orders.fifo");
  EXPECT_EQ(Attribute(fifo, "QueueArn"),
            "arn:aws:sqs:us-east-1:000000000000:orders.fifo");
}

TEST_F(QueueManagementTest, GetQueueUrl) {
  std::string url = Create("q");
  auto r = service_.GetQueueUrl({"q", std::nullopt});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->queue_url, url);
  auto owned = service_.GetQueueUrl({"q", "000000000000"});
  ASSERT_TRUE(owned.ok()) << owned.status().ToString();
  EXPECT_EQ(owned->queue_url, url);

  auto missing = service_.GetQueueUrl({"nope", std::nullopt});
  EXPECT_EQ(missing.status().code(), sqs::kQueueDoesNotExist);
  auto other_owner = service_.GetQueueUrl({"q", "123456789012"});
  EXPECT_EQ(other_owner.status().code(), sqs::kQueueDoesNotExist);
}

TEST_F(QueueManagementTest, UrlWithAnotherHostStillResolves) {
  Create("q");
  for (const std::string& url :
       {std::string("https://sqs.us-east-1.amazonaws.com/000000000000/q"),
        std::string("http://127.0.0.1:4566/000000000000/q"),
        std::string("http://fanlab:9324/queue/000000000000/q")}) {
    auto r = GetAttributes(url, {"QueueArn"});
    ASSERT_TRUE(r.ok()) << url << ": " << r.status().ToString();
    EXPECT_EQ(r->attributes["QueueArn"],
              "arn:aws:sqs:us-east-1:000000000000:q");
    auto sent = service_.SendMessage({.queue_url = url, .message_body = "m"});
    EXPECT_TRUE(sent.ok()) << url << ": " << sent.status().ToString();
  }
  EXPECT_EQ(Depth("q").visible, 3u);
}

TEST_F(QueueManagementTest, UrlOfUnknownQueueOrAccountIsQueueDoesNotExist) {
  Create("q");
  for (const std::string& url :
       {std::string(kUrlBase) + "nope",
        std::string("http://localhost/123456789012/q")}) {
    auto r = GetAttributes(url, {"All"});
    EXPECT_EQ(r.status().code(), sqs::kQueueDoesNotExist)
        << "'" << url << "': " << r.status().ToString();
  }
}

TEST_F(QueueManagementTest, ActionsOnMissingQueueAreQueueDoesNotExist) {
  std::string url = std::string(kUrlBase) + "missing";
  EXPECT_EQ(service_.SendMessage({.queue_url = url, .message_body = "m"})
                .status()
                .code(),
            sqs::kQueueDoesNotExist);
  ReceiveMessageRequest rreq;
  rreq.queue_url = url;
  EXPECT_EQ(service_.ReceiveMessageNow(rreq).status().code(),
            sqs::kQueueDoesNotExist);
  EXPECT_EQ(SetAttributes(url, {{"DelaySeconds", "1"}}).code(),
            sqs::kQueueDoesNotExist);
  EXPECT_EQ(service_.PurgeQueue({url}).status().code(),
            sqs::kQueueDoesNotExist);
  EXPECT_EQ(service_.DeleteQueue({url}).status().code(),
            sqs::kQueueDoesNotExist);
  EXPECT_EQ(service_.ListQueueTags({url}).status().code(),
            sqs::kQueueDoesNotExist);
  EXPECT_EQ(service_.TagQueue({url, {{"k", "v"}}}).status().code(),
            sqs::kQueueDoesNotExist);
}

// --- ListQueues -------------------------------------------------------------

TEST_F(QueueManagementTest, ListQueuesSortedByName) {
  for (const char* name : {"gamma", "alpha-2", "beta", "alpha"}) Create(name);
  auto r = List(std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string b = kUrlBase;
  EXPECT_EQ(r->queue_urls, (std::vector<std::string>{b + "alpha", b + "alpha-2",
                                                     b + "beta", b + "gamma"}));
  EXPECT_FALSE(r->next_token.has_value())
      << "NextToken only when MaxResults is given";
}

TEST_F(QueueManagementTest, ListQueuesEmpty) {
  auto r = List(std::nullopt);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->queue_urls.empty());
}

TEST_F(QueueManagementTest, ListQueuesByPrefix) {
  for (const char* name : {"gamma", "alpha-2", "beta", "alpha", "Alpha"}) {
    Create(name);
  }
  std::string b = kUrlBase;
  auto r = List("alpha");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->queue_urls,
            (std::vector<std::string>{b + "alpha", b + "alpha-2"}));
  auto none = List("zeta");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->queue_urls.empty());
}

TEST_F(QueueManagementTest, ListQueuesPages) {
  for (const char* name : {"q1", "q2", "q3", "q4", "q5"}) Create(name);
  std::string b = kUrlBase;
  auto p1 = List(std::nullopt, 2);
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  EXPECT_EQ(p1->queue_urls, (std::vector<std::string>{b + "q1", b + "q2"}));
  ASSERT_TRUE(p1->next_token.has_value());

  auto p2 = List(std::nullopt, 2, p1->next_token);
  ASSERT_TRUE(p2.ok()) << p2.status().ToString();
  EXPECT_EQ(p2->queue_urls, (std::vector<std::string>{b + "q3", b + "q4"}));
  ASSERT_TRUE(p2->next_token.has_value());

  auto p3 = List(std::nullopt, 2, p2->next_token);
  ASSERT_TRUE(p3.ok()) << p3.status().ToString();
  EXPECT_EQ(p3->queue_urls, (std::vector<std::string>{b + "q5"}));
  EXPECT_FALSE(p3->next_token.has_value());
}

TEST_F(QueueManagementTest, ListQueuesNoTokenWhenPageEndsExactly) {
  for (const char* name : {"q1", "q2", "q3", "q4"}) Create(name);
  auto p1 = List(std::nullopt, 2);
  ASSERT_TRUE(p1.ok());
  ASSERT_TRUE(p1->next_token.has_value());
  auto p2 = List(std::nullopt, 2, p1->next_token);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->queue_urls.size(), 2u);
  EXPECT_FALSE(p2->next_token.has_value()) << "nothing remains";
  auto all = List(std::nullopt, 4);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->queue_urls.size(), 4u);
  EXPECT_FALSE(all->next_token.has_value());
}

TEST_F(QueueManagementTest, ListQueuesPagesWithPrefix) {
  for (const char* name : {"a1", "b1", "a2", "b2", "a3"}) Create(name);
  std::string b = kUrlBase;
  auto p1 = List("a", 2);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->queue_urls, (std::vector<std::string>{b + "a1", b + "a2"}));
  ASSERT_TRUE(p1->next_token.has_value());
  auto p2 = List("a", 2, p1->next_token);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->queue_urls, (std::vector<std::string>{b + "a3"}));
  EXPECT_FALSE(p2->next_token.has_value());
}

TEST_F(QueueManagementTest, ListQueuesMaxResultsBounds) {
  Create("q");
  EXPECT_TRUE(List(std::nullopt, 1).ok());
  EXPECT_TRUE(List(std::nullopt, 1000).ok());
  for (int64_t bad : {int64_t{0}, int64_t{1001}, int64_t{-1}}) {
    auto r = List(std::nullopt, bad);
    EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue) << bad;
  }
}

// --- Get/SetQueueAttributes -------------------------------------------------

TEST_F(QueueManagementTest, GetAllAttributesOfStandardQueue) {
  std::string url = Create("q");
  auto r = GetAttributes(url, {"All"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  AttributeMap& a = r->attributes;
  EXPECT_EQ(a["DelaySeconds"], "0");
  EXPECT_EQ(a["MaximumMessageSize"], "1048576");
  EXPECT_EQ(a["MessageRetentionPeriod"], "345600");
  EXPECT_EQ(a["ReceiveMessageWaitTimeSeconds"], "0");
  EXPECT_EQ(a["VisibilityTimeout"], "30");
  EXPECT_EQ(a["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:q");
  EXPECT_EQ(a["ApproximateNumberOfMessages"], "0");
  EXPECT_EQ(a["ApproximateNumberOfMessagesNotVisible"], "0");
  EXPECT_EQ(a["ApproximateNumberOfMessagesDelayed"], "0");
  std::string created =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                         clock_.Now().time_since_epoch())
                         .count());
  EXPECT_EQ(a["CreatedTimestamp"], created);
  EXPECT_EQ(a["LastModifiedTimestamp"], created);
  EXPECT_EQ(r->attributes.count("RedrivePolicy"), 0u);
}

TEST_F(QueueManagementTest, GetAllAttributesOfFifoQueue) {
  std::string url = Create("q.fifo");
  auto r = GetAttributes(url, {"All"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  AttributeMap& a = r->attributes;
  EXPECT_EQ(a["FifoQueue"], "true");
  EXPECT_EQ(a["ContentBasedDeduplication"], "false");
  EXPECT_EQ(a["DeduplicationScope"], "queue");
  EXPECT_EQ(a["FifoThroughputLimit"], "perQueue");
  EXPECT_EQ(a["VisibilityTimeout"], "30");
}

TEST_F(QueueManagementTest, GetNamedAttributesReturnsOnlyThose) {
  std::string url = Create("q");
  auto r = GetAttributes(url, {"VisibilityTimeout", "DelaySeconds"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attributes,
            (AttributeMap{{"DelaySeconds", "0"}, {"VisibilityTimeout", "30"}}));
}

TEST_F(QueueManagementTest, UnknownAttributeNameIsInvalidAttributeName) {
  std::string url = Create("q");
  auto get = GetAttributes(url, {"VisibilityTimeout", "Bogus"});
  EXPECT_EQ(get.status().code(), sqs::kInvalidAttributeName);
  Status set = SetAttributes(url, {{"Bogus", "1"}});
  EXPECT_EQ(set.code(), sqs::kInvalidAttributeName) << set.ToString();
  Status create = CreateStatus("other", {{"Bogus", "1"}});
  EXPECT_EQ(create.code(), sqs::kInvalidAttributeName) << create.ToString();
}

TEST_F(QueueManagementTest, SetQueueAttributesChangesValues) {
  std::string url = Create("q");
  Advance(seconds(100));
  Status s = SetAttributes(url, {{"VisibilityTimeout", "45"},
                                 {"DelaySeconds", "3"},
                                 {"MaximumMessageSize", "2048"}});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "45");
  EXPECT_EQ(Attribute(url, "DelaySeconds"), "3");
  EXPECT_EQ(Attribute(url, "MaximumMessageSize"), "2048");
  std::string now_s =
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                         clock_.Now().time_since_epoch())
                         .count());
  EXPECT_EQ(Attribute(url, "LastModifiedTimestamp"), now_s);
  EXPECT_NE(Attribute(url, "CreatedTimestamp"), now_s);
  EXPECT_EQ(observer_.Count(QueueEventKind::kQueueAttributesChanged), 1u);
}

TEST_F(QueueManagementTest, AttributeBoundariesAreAccepted) {
  std::string url = Create("q");
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{
           {"VisibilityTimeout", "0"},
           {"VisibilityTimeout", "43200"},
           {"DelaySeconds", "0"},
           {"DelaySeconds", "900"},
           {"MaximumMessageSize", "1024"},
           {"MaximumMessageSize", "1048576"},
           {"MessageRetentionPeriod", "60"},
           {"MessageRetentionPeriod", "1209600"},
           {"ReceiveMessageWaitTimeSeconds", "0"},
           {"ReceiveMessageWaitTimeSeconds", "20"},
           {"KmsDataKeyReusePeriodSeconds", "60"},
           {"KmsDataKeyReusePeriodSeconds", "86400"}}) {
    Status s = SetAttributes(url, {{name, value}});
    EXPECT_TRUE(s.ok()) << name << "=" << value << ": " << s.ToString();
    EXPECT_EQ(Attribute(url, name), value);
  }
}

TEST_F(QueueManagementTest, BadAttributeValuesAreInvalidAttributeValue) {
  std::string url = Create("q");
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{
           {"VisibilityTimeout", "-1"},
           {"VisibilityTimeout", "43201"},
           {"VisibilityTimeout", "abc"},
           {"VisibilityTimeout", ""},
           {"VisibilityTimeout", "1.5"},
           {"DelaySeconds", "901"},
           {"MaximumMessageSize", "1023"},
           {"MaximumMessageSize", "1048577"},
           {"MessageRetentionPeriod", "59"},
           {"MessageRetentionPeriod", "1209601"},
           {"ReceiveMessageWaitTimeSeconds", "21"},
           {"KmsDataKeyReusePeriodSeconds", "59"},
           {"KmsDataKeyReusePeriodSeconds", "86401"}}) {
    Status set = SetAttributes(url, {{name, value}});
    EXPECT_EQ(set.code(), sqs::kInvalidAttributeValue)
        << "Set " << name << "=" << value << ": " << set.ToString();
    Status create = CreateStatus("new", {{name, value}});
    EXPECT_EQ(create.code(), sqs::kInvalidAttributeValue)
        << "Create " << name << "=" << value << ": " << create.ToString();
  }
  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "30");
  EXPECT_EQ(observer_.Count(QueueEventKind::kQueueAttributesChanged), 0u);
}

TEST_F(QueueManagementTest, ReadOnlyAttributeSetIsInvalidAttributeName) {
  std::string url = Create("q");
  for (const char* name : {"QueueArn", "ApproximateNumberOfMessages",
                           "ApproximateNumberOfMessagesNotVisible",
                           "ApproximateNumberOfMessagesDelayed",
                           "CreatedTimestamp", "LastModifiedTimestamp"}) {
    Status s = SetAttributes(url, {{name, "1"}});
    EXPECT_EQ(s.code(), sqs::kInvalidAttributeName)
        << name << ": " << s.ToString();
  }
}

TEST_F(QueueManagementTest, FifoOnlyAttributeOnStandardIsInvalidAttributeName) {
  std::string url = Create("q");
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{
           {"ContentBasedDeduplication", "true"},
           {"DeduplicationScope", "queue"},
           {"FifoThroughputLimit", "perQueue"}}) {
    Status s = SetAttributes(url, {{name, value}});
    EXPECT_EQ(s.code(), sqs::kInvalidAttributeName)
        << name << ": " << s.ToString();
  }
}

TEST_F(QueueManagementTest, StoredOnlyAttributesAreReturned) {
  std::string policy = R"({"Version":"2012-10-17","Statement":[]})";
  std::string url = Create("q", {{"Policy", policy},
                                 {"KmsMasterKeyId", "alias/aws/sqs"},
                                 {"SqsManagedSseEnabled", "true"}});
  EXPECT_EQ(Attribute(url, "Policy"), policy);
  EXPECT_EQ(Attribute(url, "KmsMasterKeyId"), "alias/aws/sqs");
  EXPECT_EQ(Attribute(url, "SqsManagedSseEnabled"), "true");
}

// --- PurgeQueue --------------------------------------------------------------

TEST_F(QueueManagementTest, PurgeRemovesStoredDelayedAndInFlightMessages) {
  std::string url = Create("q");
  Send(url, "in-flight");
  Send(url, "stored");
  SendMessageRequest delayed;
  delayed.queue_url = url;
  delayed.message_body = "delayed";
  delayed.delay_seconds = 100;
  ASSERT_TRUE(service_.SendMessage(delayed).ok());
  std::vector<Message> held = Receive(url, 1);
  ASSERT_EQ(held.size(), 1u);
  QueueDepth before = Depth("q");
  ASSERT_EQ(before.visible, 1u);
  ASSERT_EQ(before.in_flight, 1u);
  ASSERT_EQ(before.delayed, 1u);

  Status s = service_.PurgeQueue({url}).status();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Total("q"), 0u);
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesNotVisible"), "0");
  EXPECT_EQ(Attribute(url, "ApproximateNumberOfMessagesDelayed"), "0");
  EXPECT_EQ(observer_.Count(QueueEventKind::kQueuePurged), 1u);

  // Nothing comes back: not the in-flight one, not the delayed one.
  Advance(seconds(200));
  EXPECT_TRUE(Receive(url).empty());
  Status cmv = ChangeVisibility(url, held[0].receipt_handle, 10);
  EXPECT_EQ(cmv.code(), sqs::kInvalidParameterValue) << cmv.ToString();
}

TEST_F(QueueManagementTest, SecondPurgeWithin60SecondsIsRefused) {
  std::string url = Create("q");
  TimePoint t0 = clock_.Now();
  ASSERT_TRUE(service_.PurgeQueue({url}).ok());
  Status now = service_.PurgeQueue({url}).status();
  EXPECT_EQ(now.code(), sqs::kPurgeQueueInProgress) << now.ToString();
  clock_.AdvanceTo(t0 + seconds(60) - kTick);
  Status almost = service_.PurgeQueue({url}).status();
  EXPECT_EQ(almost.code(), sqs::kPurgeQueueInProgress) << almost.ToString();
  clock_.AdvanceTo(t0 + seconds(60));
  Status later = service_.PurgeQueue({url}).status();
  EXPECT_TRUE(later.ok()) << later.ToString();
}

TEST_F(QueueManagementTest, PurgeCooldownIsPerQueue) {
  std::string a = Create("a");
  std::string b = Create("b");
  ASSERT_TRUE(service_.PurgeQueue({a}).ok());
  EXPECT_TRUE(service_.PurgeQueue({b}).ok());
}

TEST_F(QueueManagementTest, PurgeFifoQueue) {
  std::string url = Create("q.fifo");
  Send(url, "a", "g1");
  Send(url, "b", "g1");
  Send(url, "c", "g2");
  ASSERT_EQ(Receive(url, 1).size(), 1u);
  ASSERT_TRUE(service_.PurgeQueue({url}).ok());
  EXPECT_EQ(Total("q.fifo"), 0u);
}

// --- Tags --------------------------------------------------------------------

TEST_F(QueueManagementTest, TagsFromCreateQueueAndTagQueue) {
  auto created = service_.CreateQueue({"q", {}, {{"team", "a"}, {"env", ""}}});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  std::string url = created->queue_url;
  auto tags = service_.ListQueueTags({url});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->tags, (TagMap{{"env", ""}, {"team", "a"}}));

  ASSERT_TRUE(service_.TagQueue({url, {{"team", "b"}, {"cost", "42"}}}).ok());
  tags = service_.ListQueueTags({url});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->tags, (TagMap{{"cost", "42"}, {"env", ""}, {"team", "b"}}));

  ASSERT_TRUE(service_.UntagQueue({url, {"env", "absent"}}).ok());
  tags = service_.ListQueueTags({url});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->tags, (TagMap{{"cost", "42"}, {"team", "b"}}));
}

TEST_F(QueueManagementTest, AtMost50Tags) {
  std::string url = Create("q");
  TagMap fifty;
  for (int i = 0; i < 50; ++i) fifty["k" + std::to_string(i)] = "v";
  ASSERT_TRUE(service_.TagQueue({url, fifty}).ok());
  // Overwriting an existing key keeps 50.
  EXPECT_TRUE(service_.TagQueue({url, {{"k0", "w"}}}).ok());
  Status over = service_.TagQueue({url, {{"k50", "v"}}}).status();
  EXPECT_EQ(over.code(), sqs::kInvalidParameterValue) << over.ToString();
  auto tags = service_.ListQueueTags({url});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->tags.size(), 50u);

  TagMap fifty_one = fifty;
  fifty_one["k50"] = "v";
  Status create = CreateStatus("other", {}, fifty_one);
  EXPECT_EQ(create.code(), sqs::kInvalidParameterValue) << create.ToString();
}

TEST_F(QueueManagementTest, TagKeyAndValueLengths) {
  std::string url = Create("q");
  EXPECT_TRUE(service_.TagQueue({url, {{std::string(128, 'k'), "v"}}}).ok());
  EXPECT_TRUE(service_.TagQueue({url, {{"k", std::string(256, 'v')}}}).ok());
  Status long_key =
      service_.TagQueue({url, {{std::string(129, 'k'), "v"}}}).status();
  EXPECT_EQ(long_key.code(), sqs::kInvalidParameterValue)
      << long_key.ToString();
  Status long_value =
      service_.TagQueue({url, {{"k", std::string(257, 'v')}}}).status();
  EXPECT_EQ(long_value.code(), sqs::kInvalidParameterValue)
      << long_value.ToString();
  Status empty_key = service_.TagQueue({url, {{"", "v"}}}).status();
  EXPECT_EQ(empty_key.code(), sqs::kInvalidParameterValue)
      << empty_key.ToString();
  auto tags = service_.ListQueueTags({url});
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->tags.at("k"), std::string(256, 'v'));
}

// --- In-flight limit ---------------------------------------------------------

class InFlightLimitTest : public QueueServiceTest {
 protected:
  InFlightLimitTest()
      : QueueServiceTest(QueueServiceOptions{.max_inflight_messages = 3}) {}

  Result<ReceiveMessageResponse> ReceiveRaw(const std::string& url, int max) {
    ReceiveMessageRequest req;
    req.queue_url = url;
    req.max_number_of_messages = max;
    return service_.ReceiveMessageNow(req);
  }
};

TEST_F(InFlightLimitTest, StandardReceiveAtTheLimitIsOverLimit) {
  std::string url = Create("q");
  for (int i = 0; i < 5; ++i) Send(url, "m" + std::to_string(i));
  std::vector<std::string> handles;
  for (int i = 0; i < 3; ++i) {
    auto r = ReceiveRaw(url, 1);
    ASSERT_TRUE(r.ok()) << i << ": " << r.status().ToString();
    ASSERT_EQ(r->messages.size(), 1u);
    handles.push_back(r->messages[0].receipt_handle);
  }
  auto over = ReceiveRaw(url, 1);
  ASSERT_FALSE(over.ok()) << "a 4th message went in flight";
  EXPECT_EQ(over.status().code(), sqs::kOverLimit);
  EXPECT_EQ(Depth("q").in_flight, 3u);
  EXPECT_EQ(Depth("q").visible, 2u);

  // Deleting one frees a slot.
  ASSERT_TRUE(Delete(url, handles[0]).ok());
  auto again = ReceiveRaw(url, 1);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->messages.size(), 1u);
}

TEST_F(InFlightLimitTest, BatchReceiveNeverExceedsTheLimit) {
  std::string url = Create("q");
  for (int i = 0; i < 5; ++i) Send(url, "m" + std::to_string(i));
  auto r = ReceiveRaw(url, 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->messages.size(), 3u);
  EXPECT_EQ(Depth("q").in_flight, 3u);
}

TEST_F(InFlightLimitTest, ExpiredVisibilityFreesTheSlots) {
  std::string url = Create("q");
  for (int i = 0; i < 4; ++i) Send(url, "m");
  ASSERT_TRUE(ReceiveRaw(url, 3).ok());
  EXPECT_EQ(ReceiveRaw(url, 1).status().code(), sqs::kOverLimit);
  Advance(seconds(30));
  auto r = ReceiveRaw(url, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->messages.size(), 1u);
}

TEST_F(InFlightLimitTest, FifoReceiveAtTheLimitReturnsNothing) {
  std::string url = Create("q.fifo");
  for (int g = 0; g < 5; ++g) Send(url, "m", "group-" + std::to_string(g));
  for (int i = 0; i < 3; ++i) {
    auto r = ReceiveRaw(url, 1);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->messages.size(), 1u) << i;
  }
  auto full = ReceiveRaw(url, 1);
  ASSERT_TRUE(full.ok()) << "FIFO must not answer OverLimit: "
                         << full.status().ToString();
  EXPECT_TRUE(full->messages.empty());
  EXPECT_EQ(Depth("q.fifo").in_flight, 3u);
  EXPECT_EQ(Depth("q.fifo").visible, 2u);
}

TEST_F(InFlightLimitTest, LimitIsPerQueue) {
  std::string a = Create("a");
  std::string b = Create("b");
  for (int i = 0; i < 3; ++i) Send(a, "m");
  Send(b, "m");
  ASSERT_TRUE(ReceiveRaw(a, 3).ok());
  auto r = ReceiveRaw(b, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->messages.size(), 1u);
}

}  // namespace
}  // namespace fanlab::queue::testing
