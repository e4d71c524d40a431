// The aws CLI's habits in `fanlab <service>`: --endpoint-url over HTTP or
// ZeroMQ chosen by scheme, an unreachable endpoint reported at once, the
// shorthand syntax with the model's types, --output text and table, outfile
// arguments, --cli-input-json, fileb://, an argv after `--`, and aws's
// error line and exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "emulator/cli/endpoint.h"
#include "emulator/cli/output.h"
#include "emulator/cli/service_command.h"
#include "emulator/cli/service_spec.h"
#include "emulator/cli/shorthand.h"
#include "emulator/queue/sqs_errors.h"
#include "tests/engine_fixture.h"

namespace fanlab::cli {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ShorthandTest, StructuresListsAndQuotes) {
  auto v = ParseShorthand(
      "Id=1, MessageBody='a, b', Attrs={k={DataType=String,StringValue=v}},"
      "Ids=[x,y],Expr=a=b");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(json::serialize(*v),
            R"({"Id":"1","MessageBody":"a, b","Attrs":{"k":{"DataType":)"
            R"("String","StringValue":"v"}},"Ids":["x","y"],"Expr":"a=b"})");
}

TEST(ShorthandTest, ErrorsNameTheOffset) {
  for (const char* bad : {"Id", "Id=1,", "A={B=1", "A='x", "=1", "A=[1,2"}) {
    auto v = ParseShorthand(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_THAT(v.status().message(), HasSubstr("at offset")) << bad;
    EXPECT_EQ(v.status().code(), sqs::kInvalidParameterValue);
  }
}

TEST(ShorthandTest, EntriesTakeOneStructureEachWithTheModelsTypes) {
  auto r = TranslateSqs(
      {"send-message-batch",
       {{"queue-url", {"http://q"}},
        {"entries",
         {"Id=1,MessageBody=a", "Id=2,MessageBody=007,DelaySeconds=5"}}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // DelaySeconds is an integer in SQS's model; MessageBody stays a string.
  EXPECT_EQ(r->body,
            R"({"QueueUrl":"http://q","Entries":[{"Id":"1","MessageBody":"a"},)"
            R"({"Id":"2","MessageBody":"007","DelaySeconds":5}]})");
}

TEST(ShorthandTest, ObjectsTakeShorthandToo) {
  auto r = TranslateService(
      DynamoDbService(),
      {"get-item", {{"table-name", {"T"}}, {"key", {"id={S=42}"}}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, R"({"TableName":"T","Key":{"id":{"S":"42"}}})");
}

TEST(OutputTest, TextFollowsTheAwsCliRules) {
  json::value v = json::parse(R"({"QueueUrls":["http://a","http://b"],
      "Count":2,"Ok":true,
      "Messages":[{"MessageId":"m1","Body":"x"},{"MessageId":"m2","Body":"y",
                   "Extra":"e"}]})");
  EXPECT_EQ(FormatText(v),
            "2\tTrue\n"
            "MESSAGES\tx\t\tm1\n"
            "MESSAGES\ty\te\tm2\n"
            "QUEUEURLS\thttp://a\n"
            "QUEUEURLS\thttp://b\n");
}

TEST(OutputTest, TableHasTheOperationAsTitleAndAHeaderPerList) {
  json::value v =
      json::parse(R"({"Messages":[{"MessageId":"m1","Body":"x"}],"Count":1})");
  std::string t = FormatTable(v, "ReceiveMessage");
  EXPECT_THAT(t, HasSubstr("ReceiveMessage"));
  EXPECT_THAT(t, HasSubstr("| Count | 1"));
  EXPECT_THAT(t, HasSubstr("| Body | MessageId |"));
  EXPECT_THAT(t, HasSubstr("| x    | m1        |"));
}

TEST(EndpointTest, SchemesPickTheTransportOrSayWhatWorks) {
  EXPECT_EQ(*TransportOf("http://127.0.0.1:4566"), Transport::kHttp);
  EXPECT_EQ(*TransportOf("tcp://127.0.0.1:9400"), Transport::kZeroMq);
  EXPECT_EQ(*TransportOf("ipc:///tmp/x"), Transport::kZeroMq);
  EXPECT_EQ(*TransportOf("unix:///tmp/x"), Transport::kZeroMq);
  for (const char* bad :
       {"127.0.0.1:9400", "https://x:1", "inproc://x", "udp://x:1"}) {
    auto t = TransportOf(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_THAT(t.status().message(), HasSubstr("use http://")) << bad;
  }
}

// A port nothing listens on: bound, read back, closed.
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(EndpointTest, NothingListeningIsExit2WithWhatWasTried) {
  for (std::string scheme : {"http", "tcp"}) {
    std::string endpoint =
        scheme + "://127.0.0.1:" + std::to_string(ClosedPort());
    std::ostringstream out, err;
    EXPECT_EQ(RunSqs({"list-queues", "--endpoint-url", endpoint}, out, err),
              kExitNoEndpoint);
    EXPECT_THAT(err.str(), HasSubstr("cannot reach " + endpoint));
    EXPECT_THAT(err.str(), HasSubstr("Connection refused"));
    EXPECT_THAT(err.str(), HasSubstr("fanlab serve"));
  }
  std::ostringstream out, err;
  EXPECT_EQ(RunSqs({"list-queues", "--endpoint-url",
                    "ipc://" + ::testing::TempDir() + "no-such-socket"},
                   out, err),
            kExitNoEndpoint);
  EXPECT_EQ(RunSqs({"list-queues", "--endpoint-url", "https://x:1"}, out, err),
            kExitNoEndpoint);
}

class AwsHabitsTest : public testing::EngineFixture {
 protected:
  AwsHabitsTest() : EngineFixture(Options()) {}
  static testing::EngineFixtureOptions Options() {
    testing::EngineFixtureOptions o;
    o.http = true;
    o.ipc = true;
    return o;
  }
  // Runs `fanlab <service> args...` connecting by itself, as the shell does.
  int Shell(const ServiceSpec& service, std::vector<std::string> args,
            std::string* out_text, std::string* err_text = nullptr) {
    std::ostringstream out, err;
    int code = RunService(service, args, out, err);
    *out_text = out.str();
    if (err_text != nullptr) *err_text = err.str();
    return code;
  }
};

TEST_F(AwsHabitsTest, EveryServiceAnswersOverTheHttpEndpoint) {
  std::string out, err;
  ASSERT_EQ(
      Shell(SqsService(),
            {"create-queue", "--queue-name", "q", "--endpoint-url", base_url()},
            &out, &err),
      0)
      << err;
  EXPECT_THAT(out, HasSubstr(base_url() + "/000000000000/q"));
  ASSERT_EQ(
      Shell(S3Service(),
            {"create-bucket", "--bucket", "bkt", "--endpoint-url", base_url()},
            &out, &err),
      0)
      << err;
  ASSERT_EQ(Shell(SnsService(),
                  {"create-topic", "--name", "t", "--endpoint-url", base_url(),
                   "--output", "text"},
                  &out, &err),
            0)
      << err;
  EXPECT_EQ(out, "arn:aws:sns:us-east-1:000000000000:t\n");
  // An error reply over HTTP: the aws CLI's line, exit 254.
  EXPECT_EQ(Shell(SqsService(),
                  {"get-queue-url", "--queue-name", "nope", "--endpoint-url",
                   base_url()},
                  &out, &err),
            kExitService);
  EXPECT_THAT(err, StartsWith("An error occurred (QueueDoesNotExist) when "
                              "calling the GetQueueUrl operation: "));
}

TEST_F(AwsHabitsTest, FanlabEndpointEnvironmentNamesTheEndpoint) {
  ::setenv("FANLAB_ENDPOINT", base_url().c_str(), 1);
  std::string out, err;
  EXPECT_EQ(Shell(SqsService(), {"list-queues"}, &out, &err), 0) << err;
  ::unsetenv("FANLAB_ENDPOINT");
}

// What a function's environment names (FANLAB_ENDPOINT=unix://PATH): a
// command run by the function calls the engine that runs it.
TEST_F(AwsHabitsTest, TheFunctionSocketServesTheCommands) {
  const std::string endpoint = "unix://" + function_socket();
  std::ostringstream out, err;
  EXPECT_EQ(RunSqs({"create-queue", "--queue-name", "by-socket",
                    "--endpoint-url", endpoint},
                   out, err),
            0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("/000000000000/by-socket"));
  ::setenv("FANLAB_ENDPOINT", endpoint.c_str(), 1);
  std::ostringstream listed, none;
  EXPECT_EQ(RunSqs({"list-queues"}, listed, none), 0) << none.str();
  ::unsetenv("FANLAB_ENDPOINT");
  EXPECT_THAT(listed.str(), HasSubstr("by-socket"));
  // Nothing there: exit 2, saying what was tried.
  std::ostringstream out2, err2;
  EXPECT_EQ(RunSqs({"list-queues", "--endpoint-url", "unix:///nonexistent/s"},
                   out2, err2),
            kExitNoEndpoint);
  EXPECT_THAT(err2.str(), HasSubstr("cannot reach unix:///nonexistent/s"));
}

TEST_F(AwsHabitsTest, OutfilesGetThePayloadAndTheBodyBytes) {
  std::string out, err;
  std::string dir = ::testing::TempDir();
  ASSERT_EQ(
      Shell(LambdaService(),
            {"create-function", "--function-name", "echo", "--endpoint-url",
             base_url(), "--", FANLAB_TEST_FUNCTION, "echo"},
            &out, &err),
      0)
      << err;
  std::string payload_file = dir + "aws_habits_payload.json";
  ASSERT_EQ(Shell(LambdaService(),
                  {"invoke", "--function-name", "echo", "--payload",
                   R"({"hi":1})", "--endpoint-url", base_url(), payload_file},
                  &out, &err),
            0)
      << err;
  std::ifstream payload(payload_file);
  std::string written((std::istreambuf_iterator<char>(payload)), {});
  EXPECT_EQ(written, R"({"hi":1})");
  EXPECT_THAT(out, HasSubstr("\"StatusCode\": 200"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("Payload")));

  std::string body_file = dir + "aws_habits_body.bin";
  std::ofstream(body_file, std::ios::binary) << std::string("a\0b\xff", 4);
  ASSERT_EQ(
      Shell(S3Service(),
            {"create-bucket", "--bucket", "bkt", "--endpoint-url", base_url()},
            &out, &err),
      0)
      << err;
  ASSERT_EQ(Shell(S3Service(),
                  {"put-object", "--bucket", "bkt", "--key", "k", "--body",
                   "fileb://" + body_file, "--endpoint-url", base_url()},
                  &out, &err),
            0)
      << err;
  std::string got_file = dir + "aws_habits_got.bin";
  ASSERT_EQ(Shell(S3Service(),
                  {"get-object", "--bucket", "bkt", "--key", "k",
                   "--endpoint-url", base_url(), got_file},
                  &out, &err),
            0)
      << err;
  std::ifstream got(got_file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(got)), {});
  EXPECT_EQ(bytes, std::string("a\0b\xff", 4));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("\"Body\"")));
}

TEST_F(AwsHabitsTest, CliInputJsonGivesTheRequestAndFlagsOverrideIt) {
  std::string out, err;
  ASSERT_EQ(
      Shell(SqsService(),
            {"create-queue", "--cli-input-json",
             R"({"QueueName":"from-json","Attributes":{"DelaySeconds":"3"}})",
             "--endpoint-url", base_url()},
            &out, &err),
      0)
      << err;
  EXPECT_THAT(out, HasSubstr("/from-json"));
  ASSERT_EQ(
      Shell(SqsService(),
            {"create-queue", "--cli-input-json", R"({"QueueName":"from-json"})",
             "--queue-name", "flag-wins", "--endpoint-url", base_url()},
            &out, &err),
      0)
      << err;
  EXPECT_THAT(out, HasSubstr("/flag-wins"));
  // Neither: the required flag is named.
  EXPECT_EQ(Shell(SqsService(), {"create-queue", "--endpoint-url", base_url()},
                  &out, &err),
            kExitUsage);
  EXPECT_THAT(err, HasSubstr("--queue-name is required"));
}

TEST_F(AwsHabitsTest, WordsAfterDashesAreAnArgvOnlyWhereOneIsTaken) {
  std::string out, err;
  EXPECT_EQ(Shell(SqsService(),
                  {"list-queues", "--endpoint-url", base_url(), "--", "x"},
                  &out, &err),
            kExitUsage);
  EXPECT_THAT(err, HasSubstr("takes none"));
}

}  // namespace
}  // namespace fanlab::cli
