// `fanlab lambda`: flags to Lambda actions (no sockets), and a session
// against an in-process Engine over inproc:// with the real test function.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
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

TEST(LambdaCommandTest, CommandProgramsResolveAsScenariosResolveThem) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(::testing::TempDir()) / "fanlab-resolve-functions";
  fs::create_directories(dir);
  std::ofstream(dir / "my-fn") << "#!/bin/sh\n";
  fs::permissions(dir / "my-fn", fs::perms::owner_all);
  std::ofstream(dir / "not-runnable") << "#!/bin/sh\n";
  ::setenv("FANLAB_FUNCTIONS_DIR", dir.c_str(), 1);
  EXPECT_EQ(ResolveCommandProgram("my-fn", false), (dir / "my-fn").string());
  // Not executable: passed on as given, for the server to refuse.
  EXPECT_EQ(ResolveCommandProgram("not-runnable", false), "not-runnable");
  ::unsetenv("FANLAB_FUNCTIONS_DIR");
  // Then $PATH.
  std::string sh = ResolveCommandProgram("sh", false);
  EXPECT_TRUE(sh == "/usr/bin/sh" || sh == "/bin/sh") << sh;
  EXPECT_EQ(ResolveCommandProgram("no-such-fanlab-program", false),
            "no-such-fanlab-program");
  // Paths: relative ones against this directory, unless the function has
  // a working directory of its own.
  EXPECT_EQ(ResolveCommandProgram("/opt/fn", false), "/opt/fn");
  EXPECT_EQ(ResolveCommandProgram("./bin/fn", false),
            (fs::current_path() / "bin/fn").string());
  EXPECT_EQ(ResolveCommandProgram("./bin/fn", true), "./bin/fn");
  fs::remove_all(dir);
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

    // A program that is not there is refused at create time, in Lambda's
    // words; a bare name is found where scenarios find functions.
    EXPECT_EQ(run({"create-function", "--function-name", "gone", "--",
                   "/no/such/fanlab-program"},
                  &out),
              kExitService);
    EXPECT_THAT(out, HasSubstr("InvalidParameterValueException"));
    EXPECT_THAT(out, HasSubstr("/no/such/fanlab-program: no such file"));
    std::string dir = std::filesystem::path(FANLAB_TEST_FUNCTION).parent_path();
    ::setenv("FANLAB_FUNCTIONS_DIR", dir.c_str(), 1);
    EXPECT_EQ(run({"create-function", "--function-name", "bare", "--",
                   "fanlab-test-function", "echo"},
                  &out),
              0)
        << out;
    ::unsetenv("FANLAB_FUNCTIONS_DIR");
    EXPECT_EQ(
        run({"invoke", "--function-name", "bare", "--payload", R"({"b":2})"},
            &out),
        0)
        << out;
    EXPECT_THAT(out, HasSubstr(R"("Payload": "{\"b\":2}")"));
  }
  engine.Stop();
  loop.join();
}

}  // namespace
}  // namespace fanlab::cli
