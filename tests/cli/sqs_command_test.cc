// `fanlab sqs`: the translation of each subcommand's flags to an action and
// JSON body (no sockets), and whole sessions against an in-process Engine
// over inproc://.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "emulator/cli/service_command.h"
#include "emulator/engine.h"

namespace fanlab::cli {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Parses `args` (the words after `fanlab sqs`) and translates them; returns
// the action and the body, parsed.
std::pair<std::string, json::object> Translate(
    const std::vector<std::string>& args) {
  std::ostringstream out, err;
  auto parsed = ParseSqsArgs(args, out, err);
  EXPECT_TRUE(std::holds_alternative<SqsInvocation>(parsed)) << err.str();
  if (!std::holds_alternative<SqsInvocation>(parsed)) return {};
  auto request = TranslateSqs(std::get<SqsInvocation>(parsed).args);
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  if (!request.ok()) return {};
  return {request->action, json::parse(request->body).as_object()};
}

// The error message of a translation that must fail.
std::string TranslateError(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  auto parsed = ParseSqsArgs(args, out, err);
  EXPECT_TRUE(std::holds_alternative<SqsInvocation>(parsed)) << err.str();
  if (!std::holds_alternative<SqsInvocation>(parsed)) return {};
  auto request = TranslateSqs(std::get<SqsInvocation>(parsed).args);
  EXPECT_FALSE(request.ok());
  return request.ok() ? "" : request.status().message();
}

// Exit code and stderr of a command line that must not parse.
std::pair<int, std::string> ParseFailure(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  auto parsed = ParseSqsArgs(args, out, err);
  EXPECT_TRUE(std::holds_alternative<int>(parsed));
  if (!std::holds_alternative<int>(parsed)) return {};
  return {std::get<int>(parsed), err.str()};
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/sqs_command_test_" + name;
  std::ofstream(path) << text;
  return path;
}

constexpr const char* kUrl = "http://localhost/000000000000/jobs";

TEST(SqsTranslateTest, CreateQueueShorthandAttributesAndTags) {
  auto [action, body] = Translate(
      {"create-queue", "--queue-name", "jobs", "--attributes",
       "VisibilityTimeout=60,DelaySeconds=5", "--tags", "team=core,env=dev"});
  EXPECT_EQ(action, "CreateQueue");
  EXPECT_EQ(body, json::parse(R"({"QueueName":"jobs",
      "Attributes":{"VisibilityTimeout":"60","DelaySeconds":"5"},
      "tags":{"team":"core","env":"dev"}})")
                      .as_object());
}

TEST(SqsTranslateTest, CreateQueueJsonAttributes) {
  auto [action, body] =
      Translate({"create-queue", "--queue-name", "jobs", "--attributes",
                 R"({"VisibilityTimeout":"60","MaximumMessageSize":1024,
           "RedrivePolicy":{"deadLetterTargetArn":"arn:x","maxReceiveCount":3}})"});
  EXPECT_EQ(action, "CreateQueue");
  const auto& attributes = body.at("Attributes").as_object();
  EXPECT_EQ(attributes.at("VisibilityTimeout"), "60");
  // SQS wants strings: numbers and objects are sent as their JSON text.
  EXPECT_EQ(attributes.at("MaximumMessageSize"), "1024");
  EXPECT_EQ(json::parse(attributes.at("RedrivePolicy").as_string()),
            json::parse(R"({"deadLetterTargetArn":"arn:x",
                            "maxReceiveCount":3})"));
  EXPECT_FALSE(body.contains("tags"));
}

TEST(SqsTranslateTest, ShorthandValueMayHoldCommas) {
  auto [action, body] = Translate(
      {"set-queue-attributes", "--queue-url", kUrl, "--attributes",
       R"(RedrivePolicy={"deadLetterTargetArn":"arn:d","maxReceiveCount":"2"},DelaySeconds=1)"});
  EXPECT_EQ(action, "SetQueueAttributes");
  EXPECT_EQ(body.at("QueueUrl"), kUrl);
  EXPECT_EQ(body.at("Attributes").at("RedrivePolicy"),
            R"({"deadLetterTargetArn":"arn:d","maxReceiveCount":"2"})");
  EXPECT_EQ(body.at("Attributes").at("DelaySeconds"), "1");
}

TEST(SqsTranslateTest, FileUrlsAreRead) {
  std::string attributes =
      WriteTempFile("attributes.json", R"({"FifoQueue":"true"})");
  std::string shorthand = WriteTempFile("tags.txt", "a=1,b=2");
  std::string entries = WriteTempFile(
      "entries.json", R"([{"Id":"1","MessageBody":"x","DelaySeconds":2}])");
  std::string message_attributes =
      WriteTempFile("message_attributes.json",
                    R"({"Task":{"DataType":"Number","StringValue":"3"}})");

  auto [action, body] =
      Translate({"create-queue", "--queue-name", "q.fifo", "--attributes",
                 "file://" + attributes, "--tags", "file://" + shorthand});
  EXPECT_EQ(body.at("Attributes"), json::parse(R"({"FifoQueue":"true"})"));
  EXPECT_EQ(body.at("tags"), json::parse(R"({"a":"1","b":"2"})"));

  std::tie(action, body) = Translate({"send-message-batch", "--queue-url", kUrl,
                                      "--entries", "file://" + entries});
  EXPECT_EQ(action, "SendMessageBatch");
  EXPECT_EQ(body.at("Entries"),
            json::parse(R"([{"Id":"1","MessageBody":"x","DelaySeconds":2}])"));

  std::tie(action, body) =
      Translate({"send-message", "--queue-url", kUrl, "--message-body", "b",
                 "--message-attributes", "file://" + message_attributes});
  EXPECT_EQ(body.at("MessageAttributes").at("Task").at("StringValue"), "3");

  EXPECT_THAT(TranslateError({"send-message-batch", "--queue-url", kUrl,
                              "--entries", "file:///no/such/file.json"}),
              HasSubstr("--entries: cannot read file '/no/such/file.json'"));
}

TEST(SqsTranslateTest, ListQueuesAndGetQueueUrl) {
  auto [action, body] = Translate({"list-queues", "--queue-name-prefix", "jo",
                                   "--max-results", "5", "--next-token", "t"});
  EXPECT_EQ(action, "ListQueues");
  EXPECT_EQ(body, json::parse(R"({"QueueNamePrefix":"jo","MaxResults":5,
                                  "NextToken":"t"})")
                      .as_object());
  std::tie(action, body) = Translate({"list-queues"});
  EXPECT_EQ(body, json::object{});

  std::tie(action, body) =
      Translate({"get-queue-url", "--queue-name", "jobs",
                 "--queue-owner-aws-account-id", "000000000000"});
  EXPECT_EQ(action, "GetQueueUrl");
  EXPECT_EQ(body, json::parse(R"({"QueueName":"jobs",
                                  "QueueOwnerAWSAccountId":"000000000000"})")
                      .as_object());
}

TEST(SqsTranslateTest, SendMessageNumbersAreNumbers) {
  auto [action, body] = Translate(
      {"send-message", "--queue-url", kUrl, "--message-body", "hello",
       "--delay-seconds", "7", "--message-attributes",
       R"({"Task":{"DataType":"String","StringValue":"t"}})",
       "--message-system-attributes",
       R"({"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1"}})",
       "--message-deduplication-id", "d1", "--message-group-id", "g1"});
  EXPECT_EQ(action, "SendMessage");
  EXPECT_EQ(body, json::parse(R"({"QueueUrl":")" + std::string(kUrl) + R"(",
      "MessageBody":"hello","DelaySeconds":7,
      "MessageAttributes":{"Task":{"DataType":"String","StringValue":"t"}},
      "MessageSystemAttributes":
          {"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1"}},
      "MessageDeduplicationId":"d1","MessageGroupId":"g1"})")
                      .as_object());
  EXPECT_TRUE(body.at("DelaySeconds").is_int64());
}

TEST(SqsTranslateTest, ReceiveMessageListsAndNumbers) {
  auto [action, body] = Translate({"receive-message",
                                   "--queue-url",
                                   kUrl,
                                   "--attribute-names",
                                   "All",
                                   "--attribute-names",
                                   "SentTimestamp",
                                   "--message-attribute-names",
                                   "a",
                                   "b",
                                   "--message-system-attribute-names",
                                   "SenderId",
                                   "--max-number-of-messages",
                                   "10",
                                   "--visibility-timeout",
                                   "30",
                                   "--wait-time-seconds",
                                   "0",
                                   "--receive-request-attempt-id",
                                   "r1"});
  EXPECT_EQ(action, "ReceiveMessage");
  EXPECT_EQ(body, json::parse(R"({"QueueUrl":")" + std::string(kUrl) + R"(",
      "AttributeNames":["All","SentTimestamp"],
      "MessageAttributeNames":["a","b"],
      "MessageSystemAttributeNames":["SenderId"],
      "MaxNumberOfMessages":10,"VisibilityTimeout":30,"WaitTimeSeconds":0,
      "ReceiveRequestAttemptId":"r1"})")
                      .as_object());
}

TEST(SqsTranslateTest, MessageAndQueueCommands) {
  std::string entries = R"([{"Id":"a","ReceiptHandle":"h"}])";
  struct Case {
    std::vector<std::string> args;
    std::string action;
    std::string body;
  };
  std::string url = std::string(R"("QueueUrl":")") + kUrl + "\"";
  std::vector<Case> cases = {
      {{"delete-message", "--queue-url", kUrl, "--receipt-handle", "h"},
       "DeleteMessage",
       "{" + url + R"(,"ReceiptHandle":"h"})"},
      {{"delete-message-batch", "--queue-url", kUrl, "--entries", entries},
       "DeleteMessageBatch",
       "{" + url + R"(,"Entries":)" + entries + "}"},
      {{"change-message-visibility", "--queue-url", kUrl, "--receipt-handle",
        "h", "--visibility-timeout", "0"},
       "ChangeMessageVisibility",
       "{" + url + R"(,"ReceiptHandle":"h","VisibilityTimeout":0})"},
      {{"change-message-visibility-batch", "--queue-url", kUrl, "--entries",
        R"([{"Id":"a","ReceiptHandle":"h","VisibilityTimeout":5}])"},
       "ChangeMessageVisibilityBatch",
       "{" + url +
           R"(,"Entries":[{"Id":"a","ReceiptHandle":"h","VisibilityTimeout":5}]})"},
      {{"get-queue-attributes", "--queue-url", kUrl, "--attribute-names",
        "QueueArn", "VisibilityTimeout"},
       "GetQueueAttributes",
       "{" + url + R"(,"AttributeNames":["QueueArn","VisibilityTimeout"]})"},
      {{"get-queue-attributes", "--queue-url", kUrl},
       "GetQueueAttributes",
       "{" + url + "}"},
      {{"set-queue-attributes", "--queue-url", kUrl, "--attributes",
        "DelaySeconds=3"},
       "SetQueueAttributes",
       "{" + url + R"(,"Attributes":{"DelaySeconds":"3"}})"},
      {{"purge-queue", "--queue-url", kUrl}, "PurgeQueue", "{" + url + "}"},
      {{"delete-queue", "--queue-url", kUrl}, "DeleteQueue", "{" + url + "}"},
      {{"tag-queue", "--queue-url", kUrl, "--tags", "k=v"},
       "TagQueue",
       "{" + url + R"(,"Tags":{"k":"v"}})"},
      {{"untag-queue", "--queue-url", kUrl, "--tag-keys", "k", "l"},
       "UntagQueue",
       "{" + url + R"(,"TagKeys":["k","l"]})"},
      {{"list-queue-tags", "--queue-url", kUrl},
       "ListQueueTags",
       "{" + url + "}"},
      {{"list-dead-letter-source-queues", "--queue-url", kUrl, "--max-results",
        "2"},
       "ListDeadLetterSourceQueues",
       "{" + url + R"(,"MaxResults":2})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args.front());
    auto [action, body] = Translate(c.args);
    EXPECT_EQ(action, c.action);
    EXPECT_EQ(body, json::parse(c.body).as_object());
  }
}

TEST(SqsTranslateTest, TranslatesArgsBuiltByHand) {
  SqsArgs args{"send-message",
               {{"queue-url", {kUrl}},
                {"message-body", {"x"}},
                {"delay-seconds", {"4"}}}};
  auto request = TranslateSqs(args);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(request->action, "SendMessage");
  EXPECT_EQ(json::parse(request->body).at("DelaySeconds"), 4);

  args.flags["delay-seconds"] = {"four"};
  request = TranslateSqs(args);
  ASSERT_FALSE(request.ok());
  EXPECT_THAT(request.status().message(), HasSubstr("--delay-seconds"));

  args.flags.erase("delay-seconds");
  args.flags.erase("message-body");
  request = TranslateSqs(args);
  ASSERT_FALSE(request.ok());
  EXPECT_THAT(request.status().message(), HasSubstr("--message-body"));

  request = TranslateSqs({"no-such-command", {}});
  EXPECT_FALSE(request.ok());
}

TEST(SqsTranslateTest, BadJsonNamesTheFlag) {
  EXPECT_THAT(TranslateError({"send-message-batch", "--queue-url", kUrl,
                              "--entries", "[{\"Id\":"}),
              HasSubstr("--entries: invalid JSON"));
  EXPECT_THAT(TranslateError({"send-message-batch", "--queue-url", kUrl,
                              "--entries", R"({"Id":"1"})"}),
              HasSubstr("--entries: expected a JSON array"));
  EXPECT_THAT(TranslateError({"create-queue", "--queue-name", "q",
                              "--attributes", "{VisibilityTimeout"}),
              HasSubstr("--attributes: invalid JSON"));
  EXPECT_THAT(TranslateError({"create-queue", "--queue-name", "q",
                              "--attributes", "VisibilityTimeout"}),
              HasSubstr("--attributes: expected JSON or Key=Value"));
  EXPECT_THAT(
      TranslateError({"send-message", "--queue-url", kUrl, "--message-body",
                      "b", "--message-attributes", "nope"}),
      HasSubstr("--message-attributes: invalid JSON"));

  // RunSqs reports it as a usage error, before sending anything.
  transport::Context context;
  transport::Client client(context, "inproc://sqs-command-test-nobody");
  std::ostringstream out, err;
  EXPECT_EQ(
      RunSqs({"send-message-batch", "--queue-url", kUrl, "--entries", "[oops"},
             client, out, err),
      kExitUsage);
  EXPECT_THAT(err.str(), HasSubstr("--entries: invalid JSON"));
  EXPECT_EQ(out.str(), "");
}

TEST(SqsParseTest, BadCommandLinesExitWithTheUsageCode) {
  auto [code, message] =
      ParseFailure({"send-message", "--queue-url", kUrl, "--message-body", "b",
                    "--delay-seconds", "1.5"});
  EXPECT_EQ(code, kExitUsage);
  EXPECT_THAT(message, HasSubstr("--delay-seconds"));
  EXPECT_THAT(message, HasSubstr("not an integer"));

  std::tie(code, message) = ParseFailure({"purge-queue"});
  EXPECT_EQ(code, kExitUsage);
  EXPECT_THAT(message, HasSubstr("--queue-url is required"));

  std::tie(code, message) =
      ParseFailure({"purge-queue", "--queue-url", kUrl, "--bogus", "1"});
  EXPECT_EQ(code, kExitUsage);

  std::tie(code, message) = ParseFailure({"no-such-command"});
  EXPECT_EQ(code, kExitUsage);

  std::tie(code, message) = ParseFailure({});
  EXPECT_EQ(code, kExitUsage);

  std::tie(code, message) = ParseFailure({"list-queues", "--timeout-ms", "0"});
  EXPECT_EQ(code, kExitUsage);
}

TEST(SqsParseTest, HelpExits0OnOut) {
  std::ostringstream out, err;
  auto parsed = ParseSqsArgs({"--help"}, out, err);
  ASSERT_TRUE(std::holds_alternative<int>(parsed));
  EXPECT_EQ(std::get<int>(parsed), 0);
  EXPECT_THAT(out.str(), HasSubstr("change-message-visibility-batch"));

  out.str("");
  parsed = ParseSqsArgs({"receive-message", "--help"}, out, err);
  ASSERT_TRUE(std::holds_alternative<int>(parsed));
  EXPECT_EQ(std::get<int>(parsed), 0);
  EXPECT_THAT(out.str(), HasSubstr("--wait-time-seconds"));
}

TEST(SqsParseTest, EndpointAndTimeout) {
  std::ostringstream out, err;
  auto parsed = ParseSqsArgs({"list-queues"}, out, err);
  ASSERT_TRUE(std::holds_alternative<SqsInvocation>(parsed));
  EXPECT_EQ(std::get<SqsInvocation>(parsed).endpoint, "tcp://127.0.0.1:9400");
  EXPECT_EQ(std::get<SqsInvocation>(parsed).timeout_ms, 30000);
  parsed = ParseSqsArgs(
      {"list-queues", "--endpoint", "ipc:///tmp/x", "--timeout-ms", "500"}, out,
      err);
  ASSERT_TRUE(std::holds_alternative<SqsInvocation>(parsed));
  EXPECT_EQ(std::get<SqsInvocation>(parsed).endpoint, "ipc:///tmp/x");
  EXPECT_EQ(std::get<SqsInvocation>(parsed).timeout_ms, 500);
  EXPECT_TRUE(std::get<SqsInvocation>(parsed).args.flags.empty());
}

TEST(SqsPrettyJsonTest, TwoSpaceIndent) {
  EXPECT_EQ(PrettyJson(R"({"a":[1,{"b":"c"}],"d":{},"e":[]})"),
            "{\n"
            "  \"a\": [\n"
            "    1,\n"
            "    {\n"
            "      \"b\": \"c\"\n"
            "    }\n"
            "  ],\n"
            "  \"d\": {},\n"
            "  \"e\": []\n"
            "}");
  EXPECT_EQ(PrettyJson("not json"), "not json");
}

// An Engine served over a unique inproc:// endpoint on its own thread.
class SqsEndToEndTest : public ::testing::Test {
 protected:
  SqsEndToEndTest() {
    engine_ = std::make_unique<Engine>(EngineOptions{}, context_);
    static std::atomic<int> counter{0};
    auto bound =
        engine_->Bind("inproc://sqs-command-test-" + std::to_string(counter++));
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    endpoint_ = bound.ok() ? *bound : "";
    thread_ = std::thread([this] { engine_->Run(); });
    client_ = std::make_unique<transport::Client>(context_, endpoint_);
  }
  ~SqsEndToEndTest() override {
    client_.reset();
    engine_->Stop();
    thread_.join();
  }

  // Runs a command that must succeed; returns the printed JSON.
  json::object Ok(std::vector<std::string> args) {
    args.push_back("--timeout-ms");
    args.push_back("10000");
    std::ostringstream out, err;
    int code = RunSqs(args, *client_, out, err);
    EXPECT_EQ(code, 0) << args.front() << ": " << err.str();
    EXPECT_EQ(err.str(), "");
    boost::system::error_code ec;
    json::value value = json::parse(out.str(), ec);
    EXPECT_FALSE(ec) << out.str();
    return ec || !value.is_object() ? json::object{} : value.as_object();
  }

  std::string Url(const std::string& name) {
    return Ok({"get-queue-url", "--queue-name", name})
        .at("QueueUrl")
        .as_string()
        .c_str();
  }

  transport::Context context_;
  std::unique_ptr<Engine> engine_;
  std::string endpoint_;
  std::thread thread_;
  std::unique_ptr<transport::Client> client_;
};

TEST_F(SqsEndToEndTest, MessageLifecycle) {
  auto created = Ok({"create-queue", "--queue-name", "jobs", "--attributes",
                     "VisibilityTimeout=60", "--tags", "team=core"});
  std::string url(created.at("QueueUrl").as_string());
  EXPECT_EQ(url, kUrl);
  EXPECT_EQ(Url("jobs"), url);

  auto sent = Ok({"send-message", "--queue-url", url, "--message-body", "hello",
                  "--message-attributes",
                  R"({"Task":{"DataType":"Number","StringValue":"3"}})"});
  EXPECT_EQ(sent.at("MD5OfMessageBody"), "5d41402abc4b2a76b9719d911017c592");

  auto got =
      Ok({"receive-message", "--queue-url", url, "--message-attribute-names",
          "All", "--attribute-names", "All", "--max-number-of-messages", "10"});
  auto& messages = got.at("Messages").as_array();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].at("Body"), "hello");
  EXPECT_EQ(messages[0].at("MessageId"), sent.at("MessageId"));
  EXPECT_EQ(messages[0].at("MessageAttributes").at("Task").at("StringValue"),
            "3");
  EXPECT_EQ(messages[0].at("Attributes").at("ApproximateReceiveCount"), "1");
  std::string handle(messages[0].at("ReceiptHandle").as_string());

  // Made visible again at once, received a second time.
  Ok({"change-message-visibility", "--queue-url", url, "--receipt-handle",
      handle, "--visibility-timeout", "0"});
  got = Ok({"receive-message", "--queue-url", url, "--attribute-names",
            "ApproximateReceiveCount"});
  ASSERT_EQ(got.at("Messages").as_array().size(), 1u);
  EXPECT_EQ(
      got.at("Messages").at(0).at("Attributes").at("ApproximateReceiveCount"),
      "2");
  handle = got.at("Messages").at(0).at("ReceiptHandle").as_string().c_str();

  Ok({"delete-message", "--queue-url", url, "--receipt-handle", handle});
  auto attributes = Ok(
      {"get-queue-attributes", "--queue-url", url, "--attribute-names", "All"});
  EXPECT_EQ(attributes.at("Attributes").at("ApproximateNumberOfMessages"), "0");
  EXPECT_EQ(
      attributes.at("Attributes").at("ApproximateNumberOfMessagesNotVisible"),
      "0");
  EXPECT_EQ(attributes.at("Attributes").at("VisibilityTimeout"), "60");
  EXPECT_EQ(Ok({"list-queue-tags", "--queue-url", url}).at("Tags"),
            json::parse(R"({"team":"core"})"));

  // Batches, then purge and delete.
  auto batch = Ok({"send-message-batch", "--queue-url", url, "--entries",
                   R"([{"Id":"a","MessageBody":"1"},
                       {"Id":"b","MessageBody":"2","DelaySeconds":0}])"});
  EXPECT_EQ(batch.at("Successful").as_array().size(), 2u);
  attributes = Ok({"get-queue-attributes", "--queue-url", url,
                   "--attribute-names", "ApproximateNumberOfMessages"});
  EXPECT_EQ(attributes.at("Attributes").at("ApproximateNumberOfMessages"), "2");
  Ok({"purge-queue", "--queue-url", url});
  attributes = Ok({"get-queue-attributes", "--queue-url", url,
                   "--attribute-names", "ApproximateNumberOfMessages"});
  EXPECT_EQ(attributes.at("Attributes").at("ApproximateNumberOfMessages"), "0");
  EXPECT_FALSE(
      Ok({"receive-message", "--queue-url", url}).contains("Messages"));
  Ok({"delete-queue", "--queue-url", url});
  auto listed = Ok({"list-queues"});
  EXPECT_TRUE(!listed.contains("QueueUrls") ||
              listed.at("QueueUrls").as_array().empty())
      << json::serialize(listed);
}

TEST_F(SqsEndToEndTest, BatchDeleteAndChangeVisibility) {
  std::string url(
      Ok({"create-queue", "--queue-name", "jobs"}).at("QueueUrl").as_string());
  Ok({"send-message-batch", "--queue-url", url, "--entries",
      R"([{"Id":"a","MessageBody":"1"},{"Id":"b","MessageBody":"2"}])"});
  auto got = Ok({"receive-message", "--queue-url", url,
                 "--max-number-of-messages", "10"});
  auto& messages = got.at("Messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  json::array entries;
  for (size_t i = 0; i < messages.size(); ++i) {
    entries.push_back(
        json::object{{"Id", "e" + std::to_string(i)},
                     {"ReceiptHandle", messages[i].at("ReceiptHandle")},
                     {"VisibilityTimeout", 0}});
  }
  auto changed = Ok({"change-message-visibility-batch", "--queue-url", url,
                     "--entries", json::serialize(entries)});
  EXPECT_EQ(changed.at("Successful").as_array().size(), 2u);
  got = Ok({"receive-message", "--queue-url", url, "--max-number-of-messages",
            "10"});
  ASSERT_EQ(got.at("Messages").as_array().size(), 2u);
  entries.clear();
  for (size_t i = 0; i < 2; ++i) {
    entries.push_back(json::object{
        {"Id", "e" + std::to_string(i)},
        {"ReceiptHandle", got.at("Messages").at(i).at("ReceiptHandle")}});
  }
  auto deleted = Ok({"delete-message-batch", "--queue-url", url, "--entries",
                     json::serialize(entries)});
  EXPECT_EQ(deleted.at("Successful").as_array().size(), 2u);
  EXPECT_FALSE(
      Ok({"receive-message", "--queue-url", url}).contains("Messages"));
}

TEST_F(SqsEndToEndTest, FifoQueueDeduplicates) {
  std::string url(Ok({"create-queue", "--queue-name", "jobs.fifo",
                      "--attributes", "FifoQueue=true"})
                      .at("QueueUrl")
                      .as_string());
  auto first =
      Ok({"send-message", "--queue-url", url, "--message-body", "a",
          "--message-group-id", "g", "--message-deduplication-id", "d1"});
  auto second =
      Ok({"send-message", "--queue-url", url, "--message-body", "a",
          "--message-group-id", "g", "--message-deduplication-id", "d1"});
  EXPECT_EQ(first.at("MessageId"), second.at("MessageId"));
  EXPECT_TRUE(first.contains("SequenceNumber"));
  Ok({"send-message", "--queue-url", url, "--message-body", "b",
      "--message-group-id", "g", "--message-deduplication-id", "d2"});

  auto got = Ok({"receive-message", "--queue-url", url,
                 "--max-number-of-messages", "10", "--attribute-names", "All",
                 "--receive-request-attempt-id", "attempt-1"});
  auto& messages = got.at("Messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("Body"), "a");
  EXPECT_EQ(messages[1].at("Body"), "b");
  EXPECT_EQ(messages[0].at("Attributes").at("MessageGroupId"), "g");
  EXPECT_EQ(messages[0].at("Attributes").at("MessageDeduplicationId"), "d1");
}

TEST_F(SqsEndToEndTest, RedrivePolicyMovesToDeadLetterQueue) {
  std::string dlq(Ok({"create-queue", "--queue-name", "jobs-dlq"})
                      .at("QueueUrl")
                      .as_string());
  std::string arn(Ok({"get-queue-attributes", "--queue-url", dlq,
                      "--attribute-names", "QueueArn"})
                      .at("Attributes")
                      .at("QueueArn")
                      .as_string());
  std::string policy = WriteTempFile(
      "redrive.json", json::serialize(json::object{
                          {"RedrivePolicy", json::serialize(json::object{
                                                {"deadLetterTargetArn", arn},
                                                {"maxReceiveCount", "1"}})}}));
  std::string url(Ok({"create-queue", "--queue-name", "jobs", "--attributes",
                      "file://" + policy})
                      .at("QueueUrl")
                      .as_string());
  auto attributes = Ok({"get-queue-attributes", "--queue-url", url,
                        "--attribute-names", "RedrivePolicy"});
  EXPECT_EQ(
      json::parse(attributes.at("Attributes").at("RedrivePolicy").as_string())
          .at("deadLetterTargetArn"),
      json::value(arn));

  auto sent =
      Ok({"send-message", "--queue-url", url, "--message-body", "poison"});
  auto got = Ok({"receive-message", "--queue-url", url});
  ASSERT_EQ(got.at("Messages").as_array().size(), 1u);
  Ok({"change-message-visibility", "--queue-url", url, "--receipt-handle",
      std::string(got.at("Messages").at(0).at("ReceiptHandle").as_string()),
      "--visibility-timeout", "0"});
  // The second receive would exceed maxReceiveCount: the message moves.
  EXPECT_FALSE(
      Ok({"receive-message", "--queue-url", url}).contains("Messages"));
  got = Ok({"receive-message", "--queue-url", dlq});
  ASSERT_EQ(got.at("Messages").as_array().size(), 1u);
  EXPECT_EQ(got.at("Messages").at(0).at("MessageId"), sent.at("MessageId"));
  EXPECT_EQ(Ok({"list-dead-letter-source-queues", "--queue-url", dlq})
                .at("queueUrls"),
            json::array{json::value(url)});
}

TEST_F(SqsEndToEndTest, ErrorReplyIsTheAwsCliLineWithExit254) {
  std::ostringstream out, err;
  EXPECT_EQ(
      RunSqs({"get-queue-url", "--queue-name", "missing"}, *client_, out, err),
      kExitService);
  EXPECT_EQ(out.str(), "");
  EXPECT_THAT(err.str(),
              StartsWith("An error occurred (QueueDoesNotExist) when calling "
                         "the GetQueueUrl operation: "));
}

TEST(SqsNoServerTest, NoReplyExits255WithHint) {
  transport::Context context;
  // Nothing is bound there: the request is never answered.
  transport::Client client(context, "inproc://sqs-command-test-no-server");
  std::ostringstream out, err;
  EXPECT_EQ(RunSqs({"list-queues", "--timeout-ms", "50", "--endpoint",
                    "inproc://sqs-command-test-no-server"},
                   client, out, err),
            kExitOther);
  EXPECT_THAT(err.str(), HasSubstr("fanlab serve"));
  EXPECT_THAT(err.str(), HasSubstr("inproc://sqs-command-test-no-server"));
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace fanlab::cli
