// The Engine's injected parts (EngineParts: its Clock and Launcher) and
// Engine::Dispatch's whole answer, on an engine that is never run: every
// call here answers before Dispatch returns.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "emulator/compute/lambda_errors.h"
#include "emulator/engine.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/transport/context.h"

namespace fanlab {
namespace {

class RecordingLauncher : public compute::Launcher {
 public:
  explicit RecordingLauncher(std::vector<std::string>& launched)
      : launched_(launched) {}
  Result<std::shared_ptr<compute::FunctionProcess>> Launch(
      const compute::LaunchSpec& spec, compute::ProcessCallbacks) override {
    launched_.push_back(spec.argv.empty() ? "" : spec.argv[0]);
    return Status(sqs::kInvalidParameterValue, "no processes here");
  }

 private:
  std::vector<std::string>& launched_;
};

class EnginePartsTest : public ::testing::Test {
 protected:
  EnginePartsTest() {
    auto clock = std::make_unique<VirtualClock>();
    clock_ = clock.get();
    EngineParts parts;
    parts.clock = std::move(clock);
    parts.launcher = [this](boost::asio::io_context&) {
      return std::make_unique<RecordingLauncher>(launched_);
    };
    engine_ =
        std::make_unique<Engine>(EngineOptions{}, context_, std::move(parts));
  }
  api::ApiResponse Call(const std::string& action, const std::string& body) {
    std::optional<api::ApiResponse> answer;
    engine_->Dispatch(action, body,
                      [&](api::ApiResponse r) { answer = std::move(r); });
    EXPECT_TRUE(answer.has_value()) << action << " did not answer at once";
    return answer.value_or(api::ApiResponse{});
  }

  transport::Context context_;
  std::vector<std::string> launched_;
  VirtualClock* clock_ = nullptr;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EnginePartsTest, TheInjectedClockAndLauncherAreUsed) {
  EXPECT_EQ(&engine_->clock(), clock_);
  api::ApiResponse created =
      Call("CreateFunction",
           R"({"FunctionName":"f","Code":{"Command":["/bin/fanlab-none"]}})");
  ASSERT_TRUE(created.ok) << created.body;
  Call("Invoke", R"({"FunctionName":"f","InvocationType":"Event"})");
  engine_->RunUntil(clock_->Now() + std::chrono::seconds(1));
  EXPECT_EQ(launched_, std::vector<std::string>{"/bin/fanlab-none"});
}

TEST_F(EnginePartsTest, DispatchAnswersTheWholeResponse) {
  api::ApiResponse ok = Call("CreateQueue", R"({"QueueName":"q"})");
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.http_status, 200);
  EXPECT_EQ(ok.service, api::ApiService::kSqs);
  EXPECT_NE(ok.body.find("QueueUrl"), std::string::npos) << ok.body;

  api::ApiResponse missing = Call("GetQueueUrl", R"({"QueueName":"nope"})");
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.code, sqs::kQueueDoesNotExist);
  EXPECT_EQ(missing.error_type, "QueueDoesNotExist");
  EXPECT_EQ(missing.http_status, 400);
  EXPECT_EQ(missing.service, api::ApiService::kSqs);

  api::ApiResponse no_function =
      Call("GetFunction", R"({"FunctionName":"nope"})");
  EXPECT_FALSE(no_function.ok);
  EXPECT_EQ(no_function.code, lambda::kResourceNotFoundException);
  EXPECT_EQ(no_function.error_type, "ResourceNotFoundException");
  EXPECT_EQ(no_function.http_status, 404);
  EXPECT_EQ(no_function.service, api::ApiService::kLambda);

  api::ApiResponse no_topic = Call(
      "sns:Publish",
      R"({"TopicArn":"arn:aws:sns:us-east-1:000000000000:none","Message":"m"})");
  EXPECT_FALSE(no_topic.ok);
  EXPECT_EQ(no_topic.error_type, "NotFoundException");
  EXPECT_EQ(no_topic.service, api::ApiService::kSns);
}

TEST_F(EnginePartsTest, CallsFromOutsideAnyFunctionHaveNoCaller) {
  std::optional<std::optional<compute::Caller>> seen;
  api::ApiRequest request{.action = "CreateQueue",
                          .body = R"({"QueueName":"q"})",
                          .access_key_id = "AKIDEXAMPLE"};
  engine_->Dispatch(std::move(request),
                    [&](api::ApiResponse) { seen = engine_->caller(); });
  ASSERT_TRUE(seen.has_value());
  EXPECT_FALSE(seen->has_value());
  EXPECT_FALSE(engine_->caller().has_value());
}

}  // namespace
}  // namespace fanlab
