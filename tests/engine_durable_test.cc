// An engine with a data dir (EngineOptions::data_dir), over ZeroMQ as
// `fanlab serve --data-dir` is: queues and messages, functions with their
// configuration and event source mappings are there after a restart; what
// was deleted stays deleted; the answers come after the write.
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
    o.data_dir = dir_;
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
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/state/snapshot"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state/log-0"));
  json::object attrs = Ok(
      "GetQueueAttributes",
      {{"QueueUrl", url}, {"AttributeNames", {"ApproximateNumberOfMessages"}}});
  EXPECT_EQ(attrs["Attributes"].at("ApproximateNumberOfMessages"), "50");
  Ok("GetFunction", {{"FunctionName", "f"}});
}

}  // namespace
}  // namespace fanlab
