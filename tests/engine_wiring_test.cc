// Each connection of emulator/engine_wiring.h on its own, over real
// services on a virtual clock and a launcher that records what it is asked
// to start (and starts nothing).
#include "emulator/engine_wiring.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "emulator/compute/lambda_errors.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::wiring {
namespace {

namespace json = boost::json;

class RecordingLauncher : public compute::Launcher {
 public:
  Result<std::shared_ptr<compute::FunctionProcess>> Launch(
      const compute::LaunchSpec& spec, compute::ProcessCallbacks) override {
    launched.push_back(spec.argv.empty() ? "" : spec.argv[0]);
    return Status(sqs::kInvalidParameterValue, "no processes here");
  }
  std::vector<std::string> launched;
};

class RecordingPoster : public services::HttpPoster {
 public:
  void Post(std::string url, services::HttpHeaders, std::string body,
            Done done) override {
    posts.emplace_back(std::move(url), std::move(body));
    done(204);
  }
  std::vector<std::pair<std::string, std::string>> posts;
};

class WiringTest : public ::testing::Test {
 protected:
  WiringTest() {
    topics_ = std::make_unique<services::TopicService>(
        clock_, ids_, services::TopicServiceOptions{},
        TopicTargets(sqs_, functions_, poster_));
  }
  std::string Queue(const std::string& name, bool fifo = false) {
    queue::AttributeMap attrs;
    if (fifo) {
      attrs["FifoQueue"] = "true";
      attrs["ContentBasedDeduplication"] = "true";
    }
    EXPECT_TRUE(sqs_.CreateQueue({name, attrs, {}}).ok());
    return sqs_.QueueArn(name);
  }
  std::vector<queue::Message> Drain(const std::string& name) {
    clock_.RunDue();
    auto r = sqs_.ReceiveMessageNow({.queue_url = sqs_.QueueUrl(name),
                                     .attribute_names = {"All"},
                                     .message_attribute_names = {"All"},
                                     .max_number_of_messages = 10});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->messages : std::vector<queue::Message>{};
  }
  void Function(const std::string& name) {
    auto r = functions_.CreateFunction(
        compute::FunctionConfig{.name = name, .command = {"/bin/true"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  VirtualClock clock_;
  IdGenerator ids_{11};
  RecordingLauncher launcher_;
  RecordingPoster poster_;
  queue::QueueService sqs_{clock_};
  compute::FunctionService functions_{clock_, launcher_, ids_,
                                      compute::FunctionServiceOptions{}};
  std::unique_ptr<services::TopicService> topics_;
};

TEST_F(WiringTest, SendToQueueByArnCarriesAttributesAndGroups) {
  Queue("plain");
  Queue("ordered.fifo", /*fifo=*/true);
  services::SnsMessageAttributes attributes{
      {"team", {.data_type = "String", .string_value = "red"}},
      {"blob", {.data_type = "Binary", .binary_value = "\x01\x02"}}};
  ASSERT_TRUE(
      SendToQueueByArn(sqs_, sqs_.QueueArn("plain"), "hello", attributes).ok());
  std::vector<queue::Message> got = Drain("plain");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "hello");
  EXPECT_EQ(got[0].message_attributes.at("team").string_value, "red");
  EXPECT_EQ(got[0].message_attributes.at("blob").binary_value, "\x01\x02");

  EXPECT_TRUE(SendToQueueByArn(sqs_, sqs_.QueueArn("ordered.fifo"), "first", {},
                               std::string("g1"))
                  .ok());
  got = Drain("ordered.fifo");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attributes.at("MessageGroupId"), "g1");

  EXPECT_EQ(SendToQueueByArn(sqs_, sqs_.QueueArn("missing"), "x").code(),
            sqs::kQueueDoesNotExist);
}

TEST_F(WiringTest, InvokeByArnTakesFunctionArnsOnly) {
  Function("worker");
  EXPECT_TRUE(
      InvokeByArn(functions_,
                  "arn:aws:lambda:us-east-1:000000000000:function:worker", "{}")
          .ok());
  EXPECT_EQ(
      InvokeByArn(functions_,
                  "arn:aws:lambda:us-east-1:000000000000:function:nope", "{}")
          .code(),
      lambda::kResourceNotFoundException);
  for (const char* bad : {"worker", "arn:aws:sqs:us-east-1:000000000000:worker",
                          "arn:aws:lambda:us-east-1:000000000000:layer:x"}) {
    Status s = InvokeByArn(functions_, bad, "{}");
    EXPECT_EQ(s.code(), lambda::kInvalidParameterValueException) << bad;
    EXPECT_NE(s.message().find(bad), std::string::npos) << s.message();
  }
}

TEST_F(WiringTest, DestinationsGoToTopicsOrQueues) {
  auto send = Destinations(sqs_, *topics_);
  std::string direct = Queue("direct");
  std::string fanned = Queue("fanned");
  auto topic = topics_->CreateTopic("done");
  ASSERT_TRUE(topic.ok());
  ASSERT_TRUE(
      topics_
          ->Subscribe(*topic, "sqs", fanned, {{"RawMessageDelivery", "true"}})
          .ok());
  EXPECT_TRUE(send(direct, R"({"to":"queue"})").ok());
  EXPECT_TRUE(send(*topic, R"({"to":"topic"})").ok());
  ASSERT_EQ(Drain("direct").size(), 1u);
  std::vector<queue::Message> via_topic = Drain("fanned");
  ASSERT_EQ(via_topic.size(), 1u);
  EXPECT_EQ(via_topic[0].body, R"({"to":"topic"})");
  EXPECT_FALSE(send(sqs_.QueueArn("missing"), "{}").ok());
  EXPECT_FALSE(send("arn:aws:sns:us-east-1:000000000000:missing", "{}").ok());
}

TEST_F(WiringTest, TopicTargetsReachQueuesFunctionsAndHttp) {
  services::TopicTargets t = TopicTargets(sqs_, functions_, poster_);
  Queue("q");
  EXPECT_TRUE(t.send_to_queue(sqs_.QueueArn("q"), "m", {}).ok());
  EXPECT_EQ(Drain("q").size(), 1u);
  Function("f");
  EXPECT_TRUE(t.invoke_function(
                   "arn:aws:lambda:us-east-1:000000000000:function:f", "{}")
                  .ok());
  EXPECT_EQ(t.invoke_function("f", "{}").code(),
            lambda::kInvalidParameterValueException);
  int status = 0;
  t.post_http("http://127.0.0.1:9/hook", {}, "payload",
              [&](Result<int> r) { status = r.ok() ? *r : -1; });
  ASSERT_EQ(poster_.posts.size(), 1u);
  EXPECT_EQ(poster_.posts[0].first, "http://127.0.0.1:9/hook");
  EXPECT_EQ(poster_.posts[0].second, "payload");
  EXPECT_EQ(status, 204);
}

TEST_F(WiringTest, ScheduleDeliveryInvokesOrSends) {
  auto deliver = ScheduleDelivery(sqs_, functions_);
  std::string fifo = Queue("ticks.fifo", /*fifo=*/true);
  services::Target to_queue{.id = "q", .arn = fifo};
  to_queue.kind = services::TargetKind::kQueue;
  to_queue.message_group_id = "ticks";
  EXPECT_TRUE(deliver(to_queue, R"({"tick":1})").ok());
  std::vector<queue::Message> got = Drain("ticks.fifo");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].attributes.at("MessageGroupId"), "ticks");

  services::Target to_function{
      .id = "f", .arn = "arn:aws:lambda:us-east-1:000000000000:function:job"};
  to_function.kind = services::TargetKind::kFunction;
  to_function.resource = "job";
  EXPECT_EQ(deliver(to_function, "{}").code(),
            lambda::kResourceNotFoundException);
  Function("job");
  EXPECT_TRUE(deliver(to_function, "{}").ok());
}

TEST_F(WiringTest, RouteInvokerCallsTheFunctionSynchronously) {
  auto invoke = RouteInvoker(functions_);
  std::optional<Status> answer;
  invoke("nope", "{}",
         [&](Result<compute::InvokeResult> r) { answer = r.status(); });
  clock_.RunDue();
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->code(), lambda::kResourceNotFoundException);
}

TEST_F(WiringTest, ConnectMappingsShareTheQueueEventsWithOtherObservers) {
  struct Counter : queue::QueueObserver {
    void OnQueueEvent(const queue::QueueEvent&) override { ++events; }
    int events = 0;
  } counter;
  compute::EventSourceMappings mappings(clock_, sqs_, functions_, ids_);
  queue::ObserverList observers;
  ConnectMappings(sqs_, observers, mappings);
  observers.Add(&counter);
  std::string q = Queue("jobs");
  Function("worker");
  ASSERT_TRUE(mappings
                  .Create(compute::EventSourceMapping{
                      .event_source_arn = q, .function_name = "worker"})
                  .ok());
  ASSERT_TRUE(SendToQueueByArn(sqs_, q, "work").ok());
  EXPECT_GT(counter.events, 0);
  // The message woke the mapping, which invoked its function.
  for (int i = 0; i < 10 && launcher_.launched.empty(); ++i) {
    clock_.AdvanceToNextTimer();
  }
  EXPECT_EQ(launcher_.launched, std::vector<std::string>{"/bin/true"});
  sqs_.SetObserver(nullptr);
}

TEST_F(WiringTest, CallerOfKnowsOnlyEnvironmentKeys) {
  EXPECT_FALSE(CallerOf(functions_, api::ApiRequest{.action = "ListQueues"}));
  EXPECT_FALSE(CallerOf(
      functions_,
      api::ApiRequest{.action = "ListQueues", .access_key_id = "AKIDEXAMPLE"}));
  EXPECT_FALSE(
      CallerOf(functions_,
               api::ApiRequest{.action = "ListQueues",
                               .access_key_id =
                                   compute::FunctionService::AccessKeyFor(1)}));
}

}  // namespace
}  // namespace fanlab::wiring
