// An engine with a data dir (EngineOptions::data_dir), over ZeroMQ as
// `fanlab serve --data-dir` is: queues and messages, functions with their
// configuration and event source mappings, routes and sinks, tables and
// their items, topics and subscriptions, rules and their targets, bucket
// notification configurations are there after a restart; what was deleted
// stays deleted; the answers come after the write (a copy of the data dir
// taken while the engine runs, as a kill -9 leaves it, holds every
// acknowledged change).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "emulator/engine.h"
#include "emulator/transport/client.h"
#include "tests/persist/persist_fixture.h"

namespace fanlab {
namespace {

namespace json = boost::json;
constexpr const char* kTestFunction = FANLAB_TEST_FUNCTION;

class EngineDurableTest : public persist::testing::TempDirTest {
 protected:
  EngineDurableTest() { Start(); }
  ~EngineDurableTest() override { Stop(); }

  void Start() {
    EngineOptions o;
    o.virtual_clock = true;
    o.data_dir = data_dir_;
    o.functions.kill_grace = std::chrono::milliseconds(50);
    o.compact_bytes = compact_bytes_;
    auto created = Engine::Create(o, context_);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    engine_ = std::move(*created);
    auto bound = engine_->Bind("inproc://durable-" + std::to_string(++runs_));
    ASSERT_TRUE(bound.ok());
    client_ = std::make_unique<transport::Client>(context_, *bound);
    thread_ = std::thread([this] { engine_->Run(); });
  }
  void Stop() {
    client_.reset();
    if (engine_) engine_->Stop();
    if (thread_.joinable()) thread_.join();
    engine_.reset();
  }
  void Restart() {
    Stop();
    Start();
  }
  // As a kill -9 now would: the data dir is copied while the engine runs
  // (nothing flushed at exit), and a new engine starts on the copy.
  void Crash() {
    std::string copy = dir_ + "/crash-" + std::to_string(runs_);
    std::filesystem::copy(data_dir_, copy,
                          std::filesystem::copy_options::recursive);
    Stop();
    data_dir_ = copy;
    Start();
  }

  json::object Ok(std::string_view action, const json::value& body) {
    auto r = client_->Call(action, json::serialize(body),
                           std::chrono::milliseconds(20000));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_TRUE(r->ok) << action << ": " << r->body;
    return r->ok ? json::parse(r->body).as_object() : json::object{};
  }
  std::string Fails(std::string_view action, const json::value& body) {
    auto r = client_->Call(action, json::serialize(body),
                           std::chrono::milliseconds(20000));
    EXPECT_TRUE(r.ok() && !r->ok) << action << " succeeded";
    if (!r.ok() || r->ok) return "";
    std::string type(json::parse(r->body).at("__type").as_string());
    return type.substr(type.find('#') + 1);
  }

  transport::Context context_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<transport::Client> client_;
  std::thread thread_;
  int runs_ = 0;
  std::string data_dir_ = dir_ + "/data";
  uint64_t compact_bytes_ = uint64_t{64} << 20;
};

TEST_F(EngineDurableTest, QueuesFunctionsAndMappingsSurviveARestart) {
  std::string url(
      Ok("CreateQueue", {{"QueueName", "jobs"}})["QueueUrl"].as_string());
  Ok("SendMessage", {{"QueueUrl", url}, {"MessageBody", "hello"}});
  json::array echo{kTestFunction, "echo"};
  Ok("CreateFunction",
     {{"FunctionName", "f"},
      {"Code", {{"Command", echo}}},
      {"Timeout", 7},
      {"MemorySize", 256},
      {"Environment", {{"Variables", {{"K", "v"}}}}},
      {"DeadLetterConfig",
       {{"TargetArn", "arn:aws:sqs:us-east-1:000000000000:jobs"}}}});
  Ok("PutFunctionConcurrency",
     {{"FunctionName", "f"}, {"ReservedConcurrentExecutions", 3}});
  std::string queue_arn = "arn:aws:sqs:us-east-1:000000000000:jobs";
  std::string uuid(
      Ok("CreateEventSourceMapping", {{"FunctionName", "f"},
                                      {"EventSourceArn", queue_arn},
                                      {"BatchSize", 5},
                                      {"Enabled", false}})["UUID"]
          .as_string());
  Ok("CreateFunction",
     {{"FunctionName", "gone"}, {"Code", {{"Command", echo}}}});
  Ok("DeleteFunction", {{"FunctionName", "gone"}});
  Restart();

  json::object fn = Ok("GetFunction", {{"FunctionName", "f"}});
  json::object config = fn["Configuration"].as_object();
  EXPECT_EQ(config["Timeout"].as_int64(), 7);
  EXPECT_EQ(config["MemorySize"].as_int64(), 256);
  EXPECT_EQ(config["Environment"].at("Variables").at("K"), "v");
  EXPECT_EQ(config["DeadLetterConfig"].at("TargetArn"),
            "arn:aws:sqs:us-east-1:000000000000:jobs");
  EXPECT_EQ(fn["Concurrency"].at("ReservedConcurrentExecutions").as_int64(), 3);
  EXPECT_EQ(Fails("GetFunction", {{"FunctionName", "gone"}}),
            "ResourceNotFoundException");
  json::object mapping = Ok("GetEventSourceMapping", {{"UUID", uuid}});
  EXPECT_EQ(mapping["BatchSize"].as_int64(), 5);
  EXPECT_EQ(mapping["State"], "Disabled");
  EXPECT_EQ(mapping["EventSourceArn"].as_string(), queue_arn);
  json::object got = Ok("ReceiveMessage", {{"QueueUrl", url}});
  ASSERT_TRUE(got.contains("Messages"));
  EXPECT_EQ(got["Messages"].as_array()[0].at("Body"), "hello");

  // A mapping deleted after a restart stays deleted.
  Ok("DeleteEventSourceMapping", {{"UUID", uuid}});
  Restart();
  EXPECT_EQ(Fails("GetEventSourceMapping", {{"UUID", uuid}}),
            "ResourceNotFoundException");
  Ok("GetFunction", {{"FunctionName", "f"}});
}

TEST_F(EngineDurableTest, RoutesAndSinksSurviveARestart) {
  json::array echo{kTestFunction, "echo"};
  Ok("CreateFunction", {{"FunctionName", "f"}, {"Code", {{"Command", echo}}}});
  Ok("CreateRoute", {{"Method", "POST"},
                     {"Path", "/orders/{id}"},
                     {"FunctionName", "f"},
                     {"PayloadFormatVersion", "2.0"}});
  Ok("CreateSink", {{"Name", "callback"}, {"StatusCode", 202}, {"Body", "ok"}});
  Ok("CreateSink", {{"Name", "gone"}});
  Ok("DeleteSink", {{"Name", "gone"}});
  Restart();

  json::array routes = Ok("ListRoutes", json::object{})["Routes"].as_array();
  ASSERT_EQ(routes.size(), 1u);
  EXPECT_EQ(routes[0].at("Path"), "/orders/{id}");
  EXPECT_EQ(routes[0].at("FunctionName"), "f");
  EXPECT_EQ(routes[0].at("PayloadFormatVersion"), "2.0");
  json::array sinks = Ok("ListSinks", json::object{})["Sinks"].as_array();
  ASSERT_EQ(sinks.size(), 1u);
  EXPECT_EQ(sinks[0].at("Name"), "callback");
  EXPECT_EQ(sinks[0].at("StatusCode").as_int64(), 202);
  Ok("DeleteRoute", {{"Method", "POST"}, {"Path", "/orders/{id}"}});
  Restart();
  EXPECT_TRUE(Ok("ListRoutes", json::object{})["Routes"].as_array().empty());
}

TEST_F(EngineDurableTest, TheLogIsCompactedIntoASnapshotAsItGrows) {
  compact_bytes_ = 4096;
  Restart();
  std::string url(
      Ok("CreateQueue", {{"QueueName", "jobs"}})["QueueUrl"].as_string());
  json::array echo{kTestFunction, "echo"};
  Ok("CreateFunction", {{"FunctionName", "f"}, {"Code", {{"Command", echo}}}});
  for (int i = 0; i < 200; ++i) {
    Ok("SendMessage",
       {{"QueueUrl", url}, {"MessageBody", "m" + std::to_string(i)}});
  }
  for (int i = 0; i < 150; ++i) {
    json::object got = Ok("ReceiveMessage", {{"QueueUrl", url}});
    ASSERT_TRUE(got.contains("Messages"));
    Ok("DeleteMessage",
       {{"QueueUrl", url},
        {"ReceiptHandle", got["Messages"].as_array()[0].at("ReceiptHandle")}});
  }
  Restart();
  EXPECT_TRUE(std::filesystem::exists(data_dir_ + "/state/snapshot"));
  EXPECT_FALSE(std::filesystem::exists(data_dir_ + "/state/log-0"));
  json::object attrs = Ok(
      "GetQueueAttributes",
      {{"QueueUrl", url}, {"AttributeNames", {"ApproximateNumberOfMessages"}}});
  EXPECT_EQ(attrs["Attributes"].at("ApproximateNumberOfMessages"), "50");
  Ok("GetFunction", {{"FunctionName", "f"}});
}

constexpr const char* kUsers = R"({
  "TableName": "users",
  "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"},
                           {"AttributeName": "n", "AttributeType": "N"}],
  "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"},
                {"AttributeName": "n", "KeyType": "RANGE"}],
  "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2}
})";

json::object Item(std::string_view id, int n, std::string_view v) {
  return {{"id", {{"S", id}}},
          {"n", {{"N", std::to_string(n)}}},
          {"v", {{"S", v}}}};
}
json::object Key(std::string_view id, int n) {
  return {{"id", {{"S", id}}}, {"n", {{"N", std::to_string(n)}}}};
}

TEST_F(EngineDurableTest, TablesAndTheirItemsSurviveAKill) {
  json::object created =
      Ok("CreateTable", json::parse(kUsers))["TableDescription"].as_object();
  Ok("PutItem", {{"TableName", "users"}, {"Item", Item("a", 1, "one")}});
  Ok("PutItem", {{"TableName", "users"}, {"Item", Item("a", 2, "two")}});
  Ok("PutItem", {{"TableName", "users"}, {"Item", Item("b", 1, "gone")}});
  Ok("UpdateItem", {{"TableName", "users"},
                    {"Key", Key("a", 2)},
                    {"UpdateExpression", "SET v = :v, w = :w"},
                    {"ExpressionAttributeValues",
                     {{":v", {{"S", "TWO"}}},
                      {":w", {{"L", json::array{{{"N", "1.50"}}}}}}}}});
  Ok("DeleteItem", {{"TableName", "users"}, {"Key", Key("b", 1)}});
  Ok("CreateTable",
     {{"TableName", "temp"},
      {"AttributeDefinitions",
       {{{"AttributeName", "k"}, {"AttributeType", "S"}}}},
      {"KeySchema", {{{"AttributeName", "k"}, {"KeyType", "HASH"}}}},
      {"BillingMode", "PAY_PER_REQUEST"}});
  Ok("PutItem", {{"TableName", "temp"}, {"Item", {{"k", {{"S", "x"}}}}}});
  Ok("DeleteTable", {{"TableName", "temp"}});
  Crash();

  json::object d =
      Ok("DescribeTable", {{"TableName", "users"}})["Table"].as_object();
  EXPECT_EQ(d["TableId"], created["TableId"]);
  EXPECT_EQ(d["CreationDateTime"], created["CreationDateTime"]);
  EXPECT_EQ(d["KeySchema"], created["KeySchema"]);
  EXPECT_EQ(d["ProvisionedThroughput"].at("WriteCapacityUnits").as_int64(), 2);
  EXPECT_EQ(d["ItemCount"].as_int64(), 2);
  json::object got =
      Ok("GetItem", {{"TableName", "users"}, {"Key", Key("a", 2)}});
  EXPECT_EQ(got["Item"].at("v"), json::parse(R"({"S":"TWO"})"));
  EXPECT_EQ(got["Item"].at("w"), json::parse(R"({"L":[{"N":"1.5"}]})"));
  EXPECT_FALSE(Ok("GetItem", {{"TableName", "users"}, {"Key", Key("b", 1)}})
                   .contains("Item"));
  EXPECT_EQ(Fails("DescribeTable", {{"TableName", "temp"}}),
            "ResourceNotFoundException");

  // A table deleted and made again starts empty, after a restart too.
  Ok("DeleteTable", {{"TableName", "users"}});
  Ok("CreateTable", json::parse(kUsers));
  Ok("PutItem", {{"TableName", "users"}, {"Item", Item("c", 3, "three")}});
  Crash();
  json::object scan = Ok("Scan", {{"TableName", "users"}});
  ASSERT_EQ(scan["Count"].as_int64(), 1);
  EXPECT_EQ(scan["Items"].as_array()[0].at("id").at("S"), "c");
}

TEST_F(EngineDurableTest, TopicsAndSubscriptionsSurviveAKill) {
  std::string url(
      Ok("CreateQueue", {{"QueueName", "q"}})["QueueUrl"].as_string());
  std::string topic(
      Ok("CreateTopic", {{"Name", "orders"},
                         {"Attributes", {{"DisplayName", "Or"}}}})["TopicArn"]
          .as_string());
  std::string gone(
      Ok("CreateTopic", {{"Name", "gone"}})["TopicArn"].as_string());
  Ok("DeleteTopic", {{"TopicArn", gone}});
  std::string sub(
      Ok("Subscribe",
         {{"TopicArn", topic},
          {"Protocol", "sqs"},
          {"Endpoint", "arn:aws:sqs:us-east-1:000000000000:q"},
          {"Attributes",
           {{"RawMessageDelivery", "true"},
            {"FilterPolicy", R"({"kind": ["big"]})"}}}})["SubscriptionArn"]
          .as_string());
  std::string other(
      Ok("Subscribe", {{"TopicArn", topic},
                       {"Protocol", "email"},
                       {"Endpoint", "a@example.com"}})["SubscriptionArn"]
          .as_string());
  Ok("Unsubscribe", {{"SubscriptionArn", other}});
  Ok("SetTopicAttributes", {{"TopicArn", topic},
                            {"AttributeName", "DisplayName"},
                            {"AttributeValue", "Orders"}});
  Crash();

  json::object attrs =
      Ok("GetTopicAttributes", {{"TopicArn", topic}})["Attributes"].as_object();
  EXPECT_EQ(attrs["DisplayName"], "Orders");
  EXPECT_EQ(Fails("GetTopicAttributes", {{"TopicArn", gone}}),
            "NotFoundException");
  json::array subs =
      Ok("ListSubscriptionsByTopic", {{"TopicArn", topic}})["Subscriptions"]
          .as_array();
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].at("SubscriptionArn").as_string(), sub);
  json::object sattrs =
      Ok("GetSubscriptionAttributes", {{"SubscriptionArn", sub}})["Attributes"]
          .as_object();
  EXPECT_EQ(sattrs["RawMessageDelivery"], "true");
  EXPECT_EQ(json::parse(sattrs["FilterPolicy"].as_string()),
            json::parse(R"({"kind": ["big"]})"));

  // The filter policy still filters: only "big" reaches the queue, raw.
  auto publish = [&](std::string_view kind, std::string_view message) {
    Ok("Publish",
       {{"TopicArn", topic},
        {"Message", message},
        {"MessageAttributes",
         {{"kind", {{"DataType", "String"}, {"StringValue", kind}}}}}});
  };
  publish("small", "no");
  publish("big", "yes");
  json::object got =
      Ok("ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}});
  ASSERT_TRUE(got.contains("Messages"));
  ASSERT_EQ(got["Messages"].as_array().size(), 1u);
  EXPECT_EQ(got["Messages"].as_array()[0].at("Body"), "yes");
}

TEST_F(EngineDurableTest, RulesAndTheirTargetsSurviveAKill) {
  Ok("CreateQueue", {{"QueueName", "ticks"}});
  Ok("PutRule", {{"Name", "every-minute"},
                 {"ScheduleExpression", "rate(1 minute)"},
                 {"Description", "ticks"}});
  Ok("PutTargets", {{"Rule", "every-minute"},
                    {"Targets",
                     {{{"Id", "q"},
                       {"Arn", "arn:aws:sqs:us-east-1:000000000000:ticks"},
                       {"Input", R"({"tick": true})"}}}}});
  Ok("PutRule",
     {{"Name", "off"}, {"ScheduleExpression", "cron(0 12 * * ? *)"}});
  Ok("DisableRule", {{"Name", "off"}});
  Ok("PutRule", {{"Name", "gone"}, {"ScheduleExpression", "rate(5 minutes)"}});
  Ok("DeleteRule", {{"Name", "gone"}});
  Crash();

  json::object rule = Ok("DescribeRule", {{"Name", "every-minute"}});
  EXPECT_EQ(rule["ScheduleExpression"], "rate(1 minute)");
  EXPECT_EQ(rule["State"], "ENABLED");
  EXPECT_EQ(rule["Description"], "ticks");
  EXPECT_EQ(Ok("DescribeRule", {{"Name", "off"}})["State"], "DISABLED");
  EXPECT_EQ(Fails("DescribeRule", {{"Name", "gone"}}),
            "ResourceNotFoundException");
  json::array targets =
      Ok("ListTargetsByRule", {{"Rule", "every-minute"}})["Targets"].as_array();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].at("Id"), "q");
  EXPECT_EQ(targets[0].at("Input"), R"({"tick": true})");

  // Disabled after the restart: it stays so.
  Ok("DisableRule", {{"Name", "every-minute"}});
  Crash();
  EXPECT_EQ(Ok("DescribeRule", {{"Name", "every-minute"}})["State"],
            "DISABLED");
}

TEST_F(EngineDurableTest, BucketNotificationConfigurationsSurviveAKill) {
  std::string url(
      Ok("CreateQueue", {{"QueueName", "uploads"}})["QueueUrl"].as_string());
  Ok("CreateBucket", {{"Bucket", "photos"}});
  Ok("CreateBucket", {{"Bucket", "plain"}});
  json::object config{
      {"QueueConfigurations",
       {{{"Id", "jpgs"},
         {"QueueArn", "arn:aws:sqs:us-east-1:000000000000:uploads"},
         {"Events", {"s3:ObjectCreated:*"}},
         {"Filter",
          {{"Key",
            {{"FilterRules", {{{"Name", "suffix"}, {"Value", ".jpg"}}}}}}}}}}}};
  Ok("PutBucketNotificationConfiguration",
     {{"Bucket", "photos"}, {"NotificationConfiguration", config}});
  Crash();

  json::object got =
      Ok("GetBucketNotificationConfiguration", {{"Bucket", "photos"}});
  ASSERT_TRUE(got.contains("QueueConfigurations")) << json::serialize(got);
  EXPECT_EQ(got["QueueConfigurations"].as_array()[0].at("Id"), "jpgs");
  // It still sends: a .jpg lands in the queue.
  Ok("PutObject", {{"Bucket", "photos"}, {"Key", "a.jpg"}, {"Body", "eA=="}});
  json::object received = Ok("ReceiveMessage", {{"QueueUrl", url}});
  ASSERT_TRUE(received.contains("Messages"));

  Ok("PutBucketNotificationConfiguration",
     {{"Bucket", "photos"}, {"NotificationConfiguration", json::object{}}});
  Crash();
  got = Ok("GetBucketNotificationConfiguration", {{"Bucket", "photos"}});
  EXPECT_FALSE(got.contains("QueueConfigurations")) << json::serialize(got);
}

TEST_F(EngineDurableTest, TheSnapshotKeepsEveryKind) {
  compact_bytes_ = 2048;
  Restart();
  Ok("CreateTable", json::parse(kUsers));
  std::string topic(Ok("CreateTopic", {{"Name", "t"}})["TopicArn"].as_string());
  Ok("PutRule", {{"Name", "r"}, {"ScheduleExpression", "rate(1 hour)"}});
  for (int i = 0; i < 100; ++i) {
    Ok("PutItem", {{"TableName", "users"},
                   {"Item", Item("k" + std::to_string(i), i, "value")}});
  }
  Crash();
  EXPECT_TRUE(std::filesystem::exists(data_dir_ + "/state/snapshot"));
  EXPECT_FALSE(std::filesystem::exists(data_dir_ + "/state/log-0"));
  EXPECT_EQ(Ok("DescribeTable", {{"TableName", "users"}})["Table"]
                .at("ItemCount")
                .as_int64(),
            100);
  Ok("GetTopicAttributes", {{"TopicArn", topic}});
  Ok("DescribeRule", {{"Name", "r"}});
}

TEST_F(EngineDurableTest, ATornTailAfterItemWritesIsCutOffAndTheRestKept) {
  Ok("CreateTable", json::parse(kUsers));
  Ok("PutItem", {{"TableName", "users"}, {"Item", Item("a", 1, "kept")}});
  Stop();
  // Half a record more: a crash in the middle of a write.
  std::string log = data_dir_ + "/state/log-0";
  std::string bytes = ReadFile(log);
  ASSERT_GT(bytes.size(), 40u);
  WriteFile(log, bytes + bytes.substr(bytes.size() - 40, 20));
  Start();
  EXPECT_EQ(
      Ok("GetItem", {{"TableName", "users"}, {"Key", Key("a", 1)}})["Item"]
          .at("v")
          .at("S"),
      "kept");
  Ok("PutItem", {{"TableName", "users"}, {"Item", Item("b", 2, "after")}});
  Restart();
  EXPECT_EQ(Ok("Scan", {{"TableName", "users"}})["Count"].as_int64(), 2);
}

}  // namespace
}  // namespace fanlab
