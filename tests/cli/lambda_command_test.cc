// `fanlab lambda`: flags to Lambda actions (no sockets), and a session
// against an in-process Engine over inproc:// with the real test function.
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

json::object Body(const SqsArgs& args, std::string* action = nullptr) {
  auto r = TranslateLambda(args);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  if (action != nullptr) *action = r->action;
  return json::parse(r->body).as_object();
}

TEST(LambdaTranslateTest, CreateFunctionNestsCodeAndEnvironment) {
  std::string action;
  json::object b = Body({"create-function",
                         {{"function-name", {"f"}},
                          {"command", {"/bin/fn", "--flag", "x"}},
                          {"working-directory", {"/srv"}},
                          {"mode", {"warm"}},
                          {"timeout", {"30"}},
                          {"memory-size", {"512"}},
                          {"environment", {"Variables={A=1,B=x,y}"}}}},
                        &action);
  EXPECT_EQ(action, "CreateFunction");
  EXPECT_EQ(
      json::serialize(b),
      R"({"FunctionName":"f","Code":{"Command":["/bin/fn","--flag","x"],)"
      R"("WorkingDirectory":"/srv"},"Mode":"warm","Timeout":30,)"
      R"("MemorySize":512,"Environment":{"Variables":{"A":"1","B":"x,y"}}})");
}

TEST(LambdaTranslateTest, EnvironmentAlsoTakesJsonAndEmptyShorthand) {
  json::object json_env =
      Body({"update-function-configuration",
            {{"function-name", {"f"}},
             {"environment", {R"({"Variables":{"K":"v"}})"}}}});
  EXPECT_EQ(json::serialize(json_env["Environment"]),
            R"({"Variables":{"K":"v"}})");
  json::object empty =
      Body({"update-function-configuration",
            {{"function-name", {"f"}}, {"environment", {"Variables={}"}}}});
  EXPECT_EQ(json::serialize(empty["Environment"]), R"({"Variables":{}})");
  auto bad =
      TranslateLambda({"update-function-configuration",
                       {{"function-name", {"f"}}, {"environment", {"A=1"}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--environment"));
}

TEST(LambdaTranslateTest, InvokeTakesAnyJsonPayloadOrAFile) {
  json::object b = Body({"invoke",
                         {{"function-name", {"f"}},
                          {"payload", {"[1,2]"}},
                          {"log-type", {"Tail"}}}});
  EXPECT_EQ(json::serialize(b["Payload"]), "[1,2]");
  EXPECT_EQ(b["LogType"], "Tail");
  std::string path = ::testing::TempDir() + "/lambda_command_test_event.json";
  std::ofstream(path) << R"({"from":"file"})";
  json::object from_file = Body(
      {"invoke", {{"function-name", {"f"}}, {"payload", {"file://" + path}}}});
  EXPECT_EQ(json::serialize(from_file["Payload"]), R"({"from":"file"})");
  auto bad = TranslateLambda(
      {"invoke", {{"function-name", {"f"}}, {"payload", {"{oops"}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--payload: invalid JSON"));
}

TEST(LambdaTranslateTest, RequiredFlagsAndUnknownCommands) {
  auto missing =
      TranslateLambda({"create-function", {{"function-name", {"f"}}}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "--command is required");
  auto unknown = TranslateLambda({"frobnicate", {}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unknown command 'frobnicate'");
}

TEST(LambdaCommandTest, SessionAgainstAnEngine) {
  transport::Context context;
  EngineOptions options;
  options.virtual_clock = true;
  Engine engine(options, context);
  static std::atomic<int> counter{0};
  auto bound = engine.Bind("inproc://lambda-cli-" + std::to_string(counter++));
  ASSERT_TRUE(bound.ok());
  std::thread loop([&] { engine.Run(); });
  {
    transport::Client client(context, *bound);
    auto run = [&](std::vector<std::string> args, std::string* out_text) {
      std::ostringstream out, err;
      int code = RunLambda(args, client, out, err);
      if (out_text != nullptr) *out_text = out.str() + err.str();
      return code;
    };
    std::string out;
    EXPECT_EQ(run({"create-function", "--function-name", "echo", "--command",
                   FANLAB_TEST_FUNCTION, "echo"},
                  &out),
              0)
        << out;
    EXPECT_EQ(
        run({"invoke", "--function-name", "echo", "--payload", R"({"hi":1})"},
            &out),
        0)
        << out;
    EXPECT_THAT(out, HasSubstr(R"("Payload": "{\"hi\":1}")"));
    EXPECT_EQ(run({"invoke", "--function-name", "nope"}, &out), kExitService);
    EXPECT_THAT(out, HasSubstr("ResourceNotFoundException"));
    EXPECT_EQ(run({"invoke"}, &out),
              kExitUsage);  // --function-name is required
  }
  engine.Stop();
  loop.join();
}

}  // namespace
}  // namespace fanlab::cli
