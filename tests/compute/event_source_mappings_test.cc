// Queue -> function mappings with real processes on a virtual clock: the
// test settles the engine's work by running the io_context while functions
// run and firing Clock timers that are due; visibility timeouts pass by
// advancing the clock, never by waiting.
#include "emulator/compute/event_source_mappings.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fanlab::compute {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kTestFunction = FANLAB_TEST_FUNCTION;

class MappingsTest : public ::testing::Test {
 protected:
  MappingsTest()
      : sqs_(clock_, {}),
        functions_(clock_, launcher_, ids_, {.kill_grace = milliseconds(50)}),
        mappings_(clock_, sqs_, functions_, ids_) {
    sqs_.SetObserver(&mappings_);
    functions_.SetRecordCallback(
        [this](const InvocationRecord& r) { records_.push_back(r); });
    dir_ = std::filesystem::temp_directory_path() /
           ("fanlab-esm-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  ~MappingsTest() override { std::filesystem::remove_all(dir_); }

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
  void Function(const std::string& name, std::vector<std::string> argv,
                int64_t timeout = 3) {
    FunctionConfig c{.name = name, .command = std::move(argv)};
    c.timeout_seconds = timeout;
    auto r = functions_.CreateFunction(c);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  // A shell function that appends each event to `log` (one per line) and
  // answers with `answer`.
  std::vector<std::string> Recorder(const std::string& log,
                                    const std::string& answer = "{}") {
    return {"/bin/sh", "-c",
            "read -r header; event=$(cat); printf '%s\\n' \"$event\" >> " +
                (dir_ / log).string() + "; printf '{\"status\":\"ok\"}\\n" +
                answer + "' >&3"};
  }
  std::vector<std::string> Lines(const std::string& log) {
    std::ifstream in(dir_ / log);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  EventSourceMapping Map(const std::string& arn, const std::string& fn,
                         int64_t batch = 10) {
    EventSourceMapping m{.event_source_arn = arn, .function_name = fn};
    m.batch_size = batch;
    auto r = mappings_.Create(m);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : m;
  }
  // Runs until no function runs and no timer is due now.
  void Settle() {
    auto limit = std::chrono::steady_clock::now() + seconds(20);
    while (std::chrono::steady_clock::now() < limit) {
      // poll() stops an io_context that ran out of work; new work (a
      // process launched by a timer) needs it running again.
      if (io_.stopped()) io_.restart();
      io_.poll();
      clock_.AdvanceTo(clock_.Now());
      if (functions_.running() > 0) {
        io_.run_one_for(milliseconds(10));
        continue;
      }
      auto next = clock_.NextDeadline();
      if (io_.stopped()) io_.restart();
      if (io_.poll() == 0 && (!next || *next > clock_.Now())) return;
    }
    FAIL() << "did not settle";
  }
  uint64_t Depth(const std::string& queue) {
    auto d = sqs_.Depth(queue);
    return d.ok() ? d->visible + d->in_flight + d->delayed : 999;
  }

  boost::asio::io_context io_;
  VirtualClock clock_;
  PosixLauncher launcher_{io_};
  IdGenerator ids_{7};
  queue::QueueService sqs_;
  FunctionService functions_;
  EventSourceMappings mappings_;
  std::vector<InvocationRecord> records_;
  std::filesystem::path dir_;
};

TEST_F(MappingsTest, CreateValidatesAsLambdaDoes) {
  std::string q = Queue("jobs", {{"VisibilityTimeout", "30"}});
  std::string fifo = Queue("jobs.fifo", {{"FifoQueue", "true"}});
  Function("ok", {kTestFunction, "echo"}, 30);
  Function("slow", {kTestFunction, "echo"}, 60);
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
            ErrorCode::kInvalidParameterValueException);
  EXPECT_EQ(create({.event_source_arn = q + "x", .function_name = "ok"})
                .status()
                .code(),
            ErrorCode::kResourceNotFoundException);
  EXPECT_EQ(
      create({.event_source_arn = q, .function_name = "nope"}).status().code(),
      ErrorCode::kResourceNotFoundException);
  EXPECT_EQ(mappings_.List("ok", "").size(), 1u);
}

TEST_F(MappingsTest, DeliversBatchesAndDeletesWhatSucceeded) {
  std::string q = Queue("jobs");
  Function("rec", Recorder("events"));
  for (int i = 0; i < 25; ++i) Send("jobs", "m" + std::to_string(i));
  Map(q, "rec", 10);
  Settle();
  EXPECT_EQ(Depth("jobs"), 0u);
  std::vector<std::string> events = Lines("events");
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
  Function("rec", Recorder("events"));
  Map(q, "rec", 10);
  Settle();
  EXPECT_TRUE(Lines("events").empty());
  Send("jobs", "late");
  Settle();
  ASSERT_EQ(Lines("events").size(), 1u);
  EXPECT_EQ(Depth("jobs"), 0u);
}

TEST_F(MappingsTest, FailuresReturnAfterTheVisibilityTimeoutThenGoToTheDlq) {
  Queue("dlq");
  std::string q = Queue(
      "jobs",
      {{"VisibilityTimeout", "30"},
       {"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"2"})"}});
  Function("fail", {kTestFunction, "fail"});
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
  Function("rec", Recorder("events"));
  for (const char* body : {"a1", "b1", "a2", "a3", "b2"}) {
    Send("jobs.fifo", body, std::string(1, body[0]));
  }
  Map(q, "rec", 1);
  Settle();
  std::vector<std::string> order;
  for (const auto& e : Lines("events")) {
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
  Function("partial",
           {"/bin/sh", "-c",
            "read -r header; event=$(cat); id=$(printf '%s' \"$event\" | "
            "sed 's/.*\"messageId\":\"\\([^\"]*\\)\".*/\\1/'); "
            "printf '{\"status\":\"ok\"}\\n{\"batchItemFailures\":"
            "[{\"itemIdentifier\":\"%s\"}]}' \"$id\" >&3"});
  for (int i = 0; i < 3; ++i) Send("jobs", "m" + std::to_string(i));
  EventSourceMapping m{.event_source_arn = q, .function_name = "partial"};
  m.batch_size = 3;
  m.report_batch_item_failures = true;
  ASSERT_TRUE(mappings_.Create(m).ok());
  Settle();
  EXPECT_EQ(records_.size(), 1u);
  EXPECT_EQ(Depth("jobs"), 1u);  // the one reported failed
}

TEST_F(MappingsTest, AMalformedBatchItemFailuresAnswerFailsTheBatch) {
  std::string q = Queue("jobs", {{"VisibilityTimeout", "30"}});
  Function("liar",
           Recorder("events",
                    R"({"batchItemFailures":[{"itemIdentifier":"nope"}]})"));
  for (int i = 0; i < 3; ++i) Send("jobs", "m" + std::to_string(i));
  EventSourceMapping m{.event_source_arn = q, .function_name = "liar"};
  m.batch_size = 3;
  m.report_batch_item_failures = true;
  ASSERT_TRUE(mappings_.Create(m).ok());
  Settle();
  EXPECT_EQ(Depth("jobs"), 3u);
}

TEST_F(MappingsTest, DeleteStopsDelivery) {
  std::string q = Queue("jobs");
  Function("rec", Recorder("events"));
  EventSourceMapping created = Map(q, "rec");
  ASSERT_TRUE(mappings_.Delete(created.uuid).ok());
  EXPECT_EQ(mappings_.Get(created.uuid).status().code(),
            ErrorCode::kResourceNotFoundException);
  Send("jobs", "x");
  Settle();
  EXPECT_TRUE(Lines("events").empty());
  EXPECT_EQ(Depth("jobs"), 1u);
}

}  // namespace
}  // namespace fanlab::compute
