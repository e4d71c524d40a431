// A function's code as AWS tools ship it, through a running Engine
// (virtual clock): Code.ZipFile (a provided runtime's bootstrap, a Python
// handler), Code.S3Bucket/S3Key from the engine's own buckets, fanlab's
// Code.Directory, and UpdateFunctionCode swapping what the next
// invocation runs. Lambda's errors for a corrupt zip, a missing object
// and a request too large, over the REST-JSON codec of the HTTP front
// where the error's wire shape matters. A Python handler's remaining time
// on the virtual clock (Lambda-Runtime-Fanlab-Now-Ms) is the timeout less
// the real time elapsed.
#include <fanlab/http.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "emulator/compute/function_service.h"
#include "emulator/compute/launcher.h"
#include "emulator/core/base64.h"
#include "emulator/core/clock.h"
#include "emulator/core/digest.h"
#include "emulator/core/ids.h"
#include "tests/engine_fixture.h"

namespace fanlab {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

struct ZipEntry {
  std::string name;
  std::string data;
  uint32_t mode = S_IFREG | 0644;
};

// A zip of `entries`, in memory, made by libzip.
std::string MakeZip(const std::vector<ZipEntry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_t* za = zip_open_from_source(out, ZIP_TRUNCATE, &error);
  EXPECT_NE(za, nullptr) << zip_error_strerror(&error);
  zip_source_keep(out);
  for (const ZipEntry& e : entries) {
    zip_source_t* data = zip_source_buffer(za, e.data.data(), e.data.size(), 0);
    zip_int64_t index =
        zip_file_add(za, e.name.c_str(), data, ZIP_FL_ENC_UTF_8);
    EXPECT_GE(index, 0) << e.name << ": " << zip_strerror(za);
    zip_file_set_external_attributes(za, index, 0, ZIP_OPSYS_UNIX,
                                     static_cast<zip_uint32_t>(e.mode) << 16);
  }
  EXPECT_EQ(zip_close(za), 0);
  zip_stat_t st;
  zip_source_stat(out, &st);
  std::string bytes(st.size, '\0');
  zip_source_open(out);
  EXPECT_EQ(zip_source_read(out, bytes.data(), bytes.size()),
            static_cast<zip_int64_t>(bytes.size()));
  zip_source_close(out);
  zip_source_free(out);
  zip_error_fini(&error);
  return bytes;
}

std::string S(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

std::string Sha256Base64(std::string_view bytes) {
  Sha256Digest d = Sha256(bytes);
  return Base64Encode(
      std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

// A provided runtime's bootstrap on python3's http.client: answers each
// event with {"bootstrap": <VERSION>, "event": <the event>}.
std::string Bootstrap(std::string_view version) {
  return R"(#!/usr/bin/env python3
import http.client, json, os
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
api = http.client.HTTPConnection(host, int(port))
while True:
    api.request("GET", "/2018-06-01/runtime/invocation/next")
    r = api.getresponse()
    event = json.loads(r.read())
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    out = {"bootstrap": ")" +
         std::string(version) + R"(", "event": event}
    api.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid,
                json.dumps(out))
    api.getresponse().read()
)";
}

// A Python handler (index.handler) answering its version, the event, its
// task root and the remaining time.
std::string PythonHandler(std::string_view version) {
  return R"(import os
def handler(event, context):
    return {"version": ")" +
         std::string(version) + R"(", "event": event,
            "root": os.environ["LAMBDA_TASK_ROOT"], "cwd": os.getcwd(),
            "remaining": context.get_remaining_time_in_millis()}
)";
}

testing::EngineFixtureOptions CodeOptions(std::string data_dir = "") {
  testing::EngineFixtureOptions o;
  o.engine.data_dir = std::move(data_dir);
  o.http = true;
  // The runtime clients of the source tree (the build copies them next to
  // the fanlab executable, not the test binary).
  o.engine.functions.runtimes_dir =
      (fs::path(FANLAB_SCENARIOS_DIR) / ".." / "functions" / "runtimes")
          .lexically_normal()
          .string();
  return o;
}

class LambdaCodeTest : public testing::EngineFixture {
 protected:
  LambdaCodeTest() : EngineFixture(CodeOptions()) {
    dir_ = fs::temp_directory_path() /
           ("fanlab-lambda-code-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  ~LambdaCodeTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  json::object Python(std::string name, json::object code,
                      int64_t timeout = 30) {
    return {{"FunctionName", name},
            {"Runtime", "python3.12"},
            {"Handler", "index.handler"},
            {"Timeout", timeout},
            {"Code", std::move(code)}};
  }

  // The function's answer, parsed.
  json::object Invoke(std::string name, std::string payload = "{}") {
    json::object r =
        Ok("Invoke", {{"FunctionName", name}, {"Payload", payload}});
    EXPECT_FALSE(r.contains("FunctionError")) << json::serialize(r);
    return json::parse(r.at("Payload").as_string()).as_object();
  }

  // A Lambda REST call to the HTTP front, signed for Lambda's scope.
  sdk::HttpResult Rest(const std::string& method, const std::string& path,
                       const std::string& body) {
    return sdk::HttpRequest(
        method, base_url() + path, body,
        {{"Content-Type", "application/json"},
         {"Authorization",
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/"
          "lambda/aws4_request, SignedHeaders=host, Signature=abc"}},
        30000);
  }

  fs::path dir_;
};

TEST_F(LambdaCodeTest, AZipWithABootstrapRunsAndGetFunctionDescribesIt) {
  std::string zip = MakeZip(
      {{"bootstrap", Bootstrap("one"), S_IFREG | 0755}, {"lib/data.txt", "x"}});
  json::object created =
      Ok("CreateFunction", {{"FunctionName", "shell"},
                            {"Runtime", "provided.al2023"},
                            {"Handler", "unused"},
                            {"Code", {{"ZipFile", Base64Encode(zip)}}}});
  EXPECT_EQ(S(created["CodeSha256"]), Sha256Base64(zip));
  EXPECT_EQ(created["CodeSize"], static_cast<int64_t>(zip.size()));
  EXPECT_EQ(created["Runtime"], "provided.al2023");
  EXPECT_EQ(created["Handler"], "unused");
  EXPECT_EQ(created["PackageType"], "Zip");

  json::object answer = Invoke("shell", R"({"n":1})");
  EXPECT_EQ(answer["bootstrap"], "one");
  EXPECT_EQ(answer["event"].at("n"), 1);

  json::object got = Ok("GetFunction", {{"FunctionName", "shell"}});
  EXPECT_EQ(S(got["Configuration"].at("CodeSha256")), Sha256Base64(zip));
  EXPECT_EQ(got["Code"].at("RepositoryType"), "S3");
  std::string location(got["Code"].at("Location").as_string());
  ASSERT_TRUE(location.starts_with("file://")) << location;
  fs::path unpacked = location.substr(7);
  EXPECT_TRUE(fs::is_regular_file(unpacked / "lib" / "data.txt"));
  // A private directory for packages, since the engine has no data dir.
  EXPECT_TRUE(
      unpacked.parent_path().filename().string().starts_with("fanlab-code-"))
      << unpacked;
}

TEST_F(LambdaCodeTest, AZipWithAPythonHandlerSeesTheVirtualClocksTime) {
  std::string zip = MakeZip({{"index.py", PythonHandler("v1")}});
  Ok("CreateFunction", Python("py", {{"ZipFile", Base64Encode(zip)}}, 30));
  auto before = std::chrono::steady_clock::now();
  json::object answer = Invoke("py", R"({"k":"v"})");
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - before)
                     .count();
  EXPECT_EQ(answer["version"], "v1");
  EXPECT_EQ(answer["event"].at("k"), "v");
  EXPECT_EQ(answer["root"], answer["cwd"]);
  // The virtual clock starts in January 2026, far from the wall clock: a
  // deadline compared with the wall clock would leave 0 (or months). The
  // time left is the 30 s timeout less at most the real time the call
  // took (the start of python3 included).
  int64_t remaining = answer["remaining"].as_int64();
  EXPECT_LE(remaining, 30000);
  EXPECT_GE(remaining, 30000 - elapsed - 50) << "elapsed " << elapsed;
}

TEST_F(LambdaCodeTest, CodeFromTheEnginesOwnBucket) {
  std::string zip = MakeZip({{"index.py", PythonHandler("s3")}});
  Ok("CreateBucket", {{"Bucket", "code"}});
  Ok("PutObject",
     {{"Bucket", "code"}, {"Key", "fn.zip"}, {"Body", Base64Encode(zip)}});
  json::object created =
      Ok("CreateFunction",
         Python("s3fn", {{"S3Bucket", "code"}, {"S3Key", "fn.zip"}}));
  EXPECT_EQ(S(created["CodeSha256"]), Sha256Base64(zip));
  EXPECT_EQ(Invoke("s3fn")["version"], "s3");

  EXPECT_EQ(Error("CreateFunction", Python("missing", {{"S3Bucket", "code"},
                                                       {"S3Key", "no.zip"}})),
            std::make_pair(std::string("InvalidParameterValueException"),
                           std::string("Error occurred while GetObject. S3 "
                                       "Error Code: NoSuchKey. S3 Error "
                                       "Message: The specified key does not "
                                       "exist.")));
  EXPECT_EQ(
      Error("CreateFunction",
            Python("nobucket", {{"S3Bucket", "nope"}, {"S3Key", "fn.zip"}}))
          .second,
      "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error "
      "Message: The specified bucket does not exist");
  EXPECT_EQ(
      Error("CreateFunction", Python("half", {{"S3Bucket", "code"}})).first,
      "InvalidParameterValueException");
  EXPECT_EQ(Error("GetFunction", {{"FunctionName", "missing"}}).first,
            "ResourceNotFoundException");
}

TEST_F(LambdaCodeTest, ADirectoryIsUsedInPlace) {
  std::ofstream(dir_ / "index.py") << PythonHandler("dir");
  json::object created =
      Ok("CreateFunction", Python("dirfn", {{"Directory", dir_.string()}}));
  EXPECT_EQ(created["CodeSize"], 0);
  json::object answer = Invoke("dirfn");
  EXPECT_EQ(answer["version"], "dir");
  EXPECT_EQ(S(answer["root"]), dir_.string());
  json::object got = Ok("GetFunction", {{"FunctionName", "dirfn"}});
  EXPECT_EQ(S(got["Code"].at("Location")), "file://" + dir_.string());

  for (std::string bad :
       {std::string("relative/dir"), (dir_ / "absent").string(),
        (dir_ / "index.py").string()}) {
    EXPECT_EQ(Error("CreateFunction", Python("bad", {{"Directory", bad}})),
              std::make_pair(std::string("InvalidParameterValueException"),
                             "Code.Directory '" + bad +
                                 "' must be the absolute path of an existing "
                                 "directory."));
  }
  EXPECT_EQ(
      Error("CreateFunction", Python("two", {{"Directory", dir_.string()},
                                             {"ZipFile", Base64Encode("PK")}}))
          .first,
      "InvalidParameterValueException");
}

TEST_F(LambdaCodeTest, ACorruptZipIsLambdasErrorOverRest) {
  json::object body = Python("bad", {{"ZipFile", Base64Encode("not a zip")}});
  sdk::HttpResult r =
      Rest("POST", "/2015-03-31/functions", json::serialize(body));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("x-amzn-ErrorType"), "InvalidParameterValueException");
  std::string message(json::parse(r.body).at("message").as_string());
  EXPECT_TRUE(message.starts_with(
      "Could not unzip uploaded file. Please check your file, then try to "
      "upload again."))
      << message;
  // Base64 that is not base64 names the field.
  body = Python("bad", {{"ZipFile", "@@@"}});
  r = Rest("POST", "/2015-03-31/functions", json::serialize(body));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("Code.ZipFile"), std::string::npos) << r.body;
  EXPECT_EQ(Error("GetFunction", {{"FunctionName", "bad"}}).first,
            "ResourceNotFoundException");
}

TEST_F(LambdaCodeTest, ARequestOverLambdasLimitIsRequestEntityTooLarge) {
  // 69905067 bytes is Lambda's limit on the request (a 50 MB zip in
  // base64): one byte more of ZipFile is refused before decoding.
  std::string zip64(69'905'068, 'A');
  json::object body = Python("big", {{"ZipFile", zip64}});
  EXPECT_EQ(Error("CreateFunction", body),
            std::make_pair(std::string("RequestEntityTooLargeException"),
                           std::string("Request must be smaller than 69905067 "
                                       "bytes for the CreateFunction "
                                       "operation")));
  Ok("CreateFunction",
     Python("small",
            {{"ZipFile", Base64Encode(MakeZip({{"index.py", "x=1"}}))}}));
  EXPECT_EQ(Error("UpdateFunctionCode",
                  {{"FunctionName", "small"}, {"ZipFile", zip64}})
                .first,
            "RequestEntityTooLargeException");
  // Over REST the answer is 413.
  sdk::HttpResult r = Rest("PUT", "/2015-03-31/functions/small/code",
                           json::serialize(json::object{{"ZipFile", zip64}}));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.status, 413);
}

TEST_F(LambdaCodeTest, UpdateFunctionCodeSwapsWhatTheNextInvocationRuns) {
  std::string v1 = MakeZip({{"index.py", PythonHandler("v1")}});
  std::string v2 = MakeZip({{"index.py", PythonHandler("v2")}});
  Ok("CreateFunction", Python("swap", {{"ZipFile", Base64Encode(v1)}}));
  EXPECT_EQ(Invoke("swap")["version"], "v1");
  EXPECT_EQ(Invoke("swap")["version"], "v1");  // the warm environment

  // Through the REST-JSON codec: PUT /2015-03-31/functions/{name}/code.
  sdk::HttpResult r =
      Rest("PUT", "/2015-03-31/functions/swap/code",
           json::serialize(json::object{{"ZipFile", Base64Encode(v2)}}));
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.status, 200) << r.body;
  json::object updated = json::parse(r.body).as_object();
  EXPECT_EQ(S(updated["CodeSha256"]), Sha256Base64(v2));
  EXPECT_EQ(updated["CodeSize"], static_cast<int64_t>(v2.size()));
  EXPECT_EQ(updated["Handler"], "index.handler");
  EXPECT_EQ(Invoke("swap")["version"], "v2");

  // DryRun checks without swapping; a bad zip leaves the code as it was.
  Ok("UpdateFunctionCode", {{"FunctionName", "swap"},
                            {"ZipFile", Base64Encode(v1)},
                            {"DryRun", true}});
  EXPECT_EQ(Error("UpdateFunctionCode",
                  {{"FunctionName", "swap"}, {"ZipFile", Base64Encode("no")}})
                .first,
            "InvalidParameterValueException");
  EXPECT_EQ(Invoke("swap")["version"], "v2");

  // From a directory, then nothing named.
  std::ofstream(dir_ / "index.py") << PythonHandler("v3");
  Ok("UpdateFunctionCode",
     {{"FunctionName", "swap"}, {"Directory", dir_.string()}});
  EXPECT_EQ(Invoke("swap")["version"], "v3");
  EXPECT_EQ(Error("UpdateFunctionCode", {{"FunctionName", "swap"}}).first,
            "InvalidParameterValueException");
  EXPECT_EQ(Error("UpdateFunctionCode",
                  {{"FunctionName", "nope"}, {"ZipFile", Base64Encode(v1)}})
                .first,
            "ResourceNotFoundException");
}

fs::path DataDir() {
  return fs::temp_directory_path() /
         ("fanlab-lambda-data-" + std::to_string(::getpid()));
}

class LambdaCodeDataDirTest : public testing::EngineFixture {
 protected:
  LambdaCodeDataDirTest() : EngineFixture(CodeOptions(DataDir().string())) {}
  ~LambdaCodeDataDirTest() override {
    std::error_code ignored;
    fs::remove_all(DataDir(), ignored);
  }
};

// With a data dir, packages are kept under <data dir>/lambda-code.
TEST_F(LambdaCodeDataDirTest, PackagesGoUnderTheDataDir) {
  std::string zip = MakeZip({{"index.py", "x = 1"}});
  json::object created =
      Ok("CreateFunction", {{"FunctionName", "kept"},
                            {"Runtime", "python3.12"},
                            {"Handler", "index.handler"},
                            {"Code", {{"ZipFile", Base64Encode(zip)}}}});
  json::object got = Ok("GetFunction", {{"FunctionName", "kept"}});
  fs::path location(
      std::string(got["Code"].at("Location").as_string()).substr(7));
  EXPECT_EQ(location.parent_path(), DataDir() / "lambda-code");
  EXPECT_TRUE(fs::is_directory(location));
}

// Without one, they go to a private temp directory that the service
// removes when it ends.
TEST(FunctionServiceCodeTest, ThePrivateCodeRootGoesWithTheService) {
  boost::asio::io_context io;
  VirtualClock clock;
  compute::PosixLauncher launcher(io);
  IdGenerator ids(1);
  fs::path root;
  {
    compute::FunctionService service(clock, launcher, ids, {});
    auto package =
        service.UnpackCode(MakeZip({{"a.txt", "a"}}),
                           compute::CodeSource::kZipFile, "CreateFunction");
    ASSERT_TRUE(package.ok()) << package.status().ToString();
    EXPECT_TRUE(fs::is_regular_file(fs::path(package->directory) / "a.txt"));
    root = fs::path(package->directory).parent_path();
    EXPECT_TRUE(root.filename().string().starts_with("fanlab-code-")) << root;
    // The same zip again is the same directory.
    EXPECT_EQ(service
                  .UnpackCode(MakeZip({{"a.txt", "a"}}),
                              compute::CodeSource::kZipFile, "CreateFunction")
                  ->directory,
              package->directory);
  }
  EXPECT_FALSE(fs::exists(root)) << root;
}

}  // namespace
}  // namespace fanlab
