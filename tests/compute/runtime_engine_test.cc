// Runtime API functions inside the engine: declared through the Lambda
// actions (Runtime, Handler), served by the engine's listeners, and handed
// the HTTP front as AWS_ENDPOINT_URL (bound on demand when `serve` was not
// given one), which a call from the function reaches.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "tests/engine_fixture.h"

namespace fanlab {
namespace {

namespace json = boost::json;

// Answers each event with its environment and the status of an SQS call
// to AWS_ENDPOINT_URL signed with nothing but the environment's key id.
constexpr const char* kRuntime = R"PY(
import http.client, json, os, urllib.parse
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
api = http.client.HTTPConnection(host, int(port))
while True:
    api.request("GET", "/2018-06-01/runtime/invocation/next")
    r = api.getresponse()
    r.read()
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    front = urllib.parse.urlparse(os.environ["AWS_ENDPOINT_URL"])
    c = http.client.HTTPConnection(front.hostname, front.port)
    c.request("POST", "/", "{}", {
        "X-Amz-Target": "AmazonSQS.ListQueues",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=" +
            os.environ["AWS_ACCESS_KEY_ID"] + "/20250101/us-east-1/sqs/aws4_request"})
    s = c.getresponse()
    s.read()
    out = {"env": dict(os.environ), "sqs_status": s.status}
    api.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid,
                json.dumps(out))
    api.getresponse().read()
)PY";

class RuntimeEngineTest : public testing::EngineFixture {
 protected:
  RuntimeEngineTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("fanlab-rt-engine-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "runtime.py") << kRuntime;
  }
  ~RuntimeEngineTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::filesystem::path dir_;
};

TEST_F(RuntimeEngineTest, TheSdkEndpointIsBoundOnDemandAndReachable) {
  json::object created =
      Ok("CreateFunction",
         {{"FunctionName", "rt"},
          {"Runtime", "provided.al2023"},
          {"Handler", "app.handler"},
          {"Code",
           {{"Command", {"python3", (dir_ / "runtime.py").string()}},
            {"WorkingDirectory", dir_.string()}}}});
  EXPECT_EQ(created["Runtime"], "provided.al2023");
  EXPECT_EQ(created["Handler"], "app.handler");
  EXPECT_EQ(created["Mode"], "warm");  // a Lambda runtime keeps its env

  json::object r = Ok("Invoke", {{"FunctionName", "rt"}, {"Payload", "{}"}});
  ASSERT_FALSE(r.contains("FunctionError")) << json::serialize(r);
  json::object out = json::parse(r["Payload"].as_string()).as_object();
  std::string url(out["env"].at("AWS_ENDPOINT_URL").as_string());
  EXPECT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
  EXPECT_NE(url, "http://127.0.0.1:0");
  EXPECT_EQ(out["env"].at("_HANDLER"), "app.handler");
  EXPECT_EQ(out["sqs_status"], 200);

  json::object got = Ok("GetFunction", {{"FunctionName", "rt"}});
  EXPECT_EQ(got["Configuration"].at("Runtime"), "provided.al2023");
  EXPECT_EQ(got["Configuration"].at("Handler"), "app.handler");

  // An unknown runtime is refused as Lambda refuses it.
  transport::Reply bad =
      Call("CreateFunction", {{"FunctionName", "bad"},
                              {"Runtime", "cobol85"},
                              {"Code", {{"WorkingDirectory", dir_.string()}}}});
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.body.find("InvalidParameterValueException"), std::string::npos)
      << bad.body;
}

}  // namespace
}  // namespace fanlab
