// The bucket actions through the one Dispatcher (emulator/api/
// bucket_actions.cc): S3's field names, base64 bodies, quoted ETags, ISO
// 8601 times, S3's error names in the com.amazonaws.s3# namespace with
// S3's HTTP statuses, and SerializationException for malformed requests.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "emulator/api/dispatcher.h"
#include "emulator/core/base64.h"
#include "emulator/core/clock.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/bucket_service.h"
#include "tests/api/dispatch_once.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

class BucketActionsTest : public ::testing::Test {
 protected:
  BucketActionsTest()
      : buckets_(clock_, {.max_object_bytes = 64}),
        dispatcher_(Services{.sqs = queues_, .buckets = &buckets_}) {}

  ApiResponse Call(std::string_view action, std::string_view body) {
    return DispatchOnce(dispatcher_, action, body);
  }
  ApiResponse Call(std::string_view action, const json::object& body) {
    return Call(action, json::serialize(body));
  }
  json::object Ok(std::string_view action, const json::object& body) {
    ApiResponse r = Call(action, body);
    EXPECT_TRUE(r.ok) << action << " -> " << r.body;
    EXPECT_EQ(r.http_status, 200);
    json::value v = json::parse(r.body);
    return v.is_object() ? v.as_object() : json::object{};
  }
  // Expects an error; returns {type after '#', message}, checking the
  // namespace and the HTTP status.
  std::pair<std::string, std::string> Error(std::string_view action,
                                            const json::object& body,
                                            int http_status) {
    ApiResponse r = Call(action, body);
    EXPECT_FALSE(r.ok) << action << " unexpectedly succeeded: " << r.body;
    EXPECT_EQ(r.http_status, http_status) << r.body;
    json::object e = json::parse(r.body).as_object();
    std::string type(e.at("__type").as_string());
    size_t hash = type.find('#');
    if (type.rfind("com.amazon.coral.service#", 0) != 0) {
      EXPECT_EQ(type.substr(0, hash), "com.amazonaws.s3") << type;
    }
    return {type.substr(hash + 1), std::string(e.at("message").as_string())};
  }
  static std::string S(const json::value& v) {
    return std::string(v.as_string());
  }

  VirtualClock clock_;
  queue::QueueService queues_{clock_};
  services::BucketService buckets_;
  Dispatcher dispatcher_;
};

TEST_F(BucketActionsTest, AllActionsAreServed) {
  auto actions = dispatcher_.Actions();
  for (auto name :
       {"CreateBucket", "DeleteBucket", "HeadBucket", "ListBuckets",
        "PutObject", "GetObject", "HeadObject", "DeleteObject", "ListObjectsV2",
        "ListObjects", "CopyObject", "DeleteObjects", "CreateMultipartUpload",
        "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload",
        "ListParts", "ListMultipartUploads"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), name), actions.end())
        << name;
  }
  // Without a bucket service they are unknown.
  Dispatcher sqs_only(queues_);
  int calls = 0;
  sqs_only.Dispatch("PutObject", "{}", [&](ApiResponse r) {
    ++calls;
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.body.find("UnknownOperationException"), std::string::npos);
  });
  EXPECT_EQ(calls, 1);
}

TEST_F(BucketActionsTest, BucketLifecycle) {
  json::object created = Ok("CreateBucket", {{"Bucket", "my-bucket"}});
  EXPECT_EQ(S(created.at("Location")), "/my-bucket");
  Ok("CreateBucket",
     {{"Bucket", "other"},
      {"CreateBucketConfiguration", {{"LocationConstraint", "eu-west-1"}}}});

  json::object head = Ok("HeadBucket", {{"Bucket", "my-bucket"}});
  EXPECT_EQ(S(head.at("BucketRegion")), "us-east-1");

  clock_.Advance(seconds(5));
  json::object list = Ok("ListBuckets", {});
  json::array b = list.at("Buckets").as_array();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(S(b[0].at("Name")), "my-bucket");
  EXPECT_EQ(S(b[0].at("CreationDate")), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(S(b[1].at("Name")), "other");
  EXPECT_EQ(S(list.at("Owner").at("DisplayName")), "fanlab");
  EXPECT_EQ(list.at("Owner").at("ID").as_string().size(), 64u);
  EXPECT_FALSE(list.contains("ContinuationToken"));

  json::object page = Ok("ListBuckets", {{"MaxBuckets", 1}});
  ASSERT_EQ(page.at("Buckets").as_array().size(), 1u);
  json::object rest = Ok(
      "ListBuckets",
      {{"MaxBuckets", 1}, {"ContinuationToken", page.at("ContinuationToken")}});
  EXPECT_EQ(S(rest.at("Buckets").as_array()[0].at("Name")), "other");
  json::object prefixed = Ok("ListBuckets", {{"Prefix", "oth"}});
  EXPECT_EQ(prefixed.at("Buckets").as_array().size(), 1u);
  EXPECT_EQ(S(prefixed.at("Prefix")), "oth");

  EXPECT_EQ(Call("DeleteBucket", {{"Bucket", "other"}}).body, "{}");
  EXPECT_EQ(Ok("ListBuckets", {}).at("Buckets").as_array().size(), 1u);
}

TEST_F(BucketActionsTest, BucketErrors) {
  EXPECT_EQ(Error("HeadBucket", {{"Bucket", "nope"}}, 404),
            (std::pair<std::string, std::string>{
                "NoSuchBucket", "The specified bucket does not exist"}));
  EXPECT_EQ(Error("DeleteBucket", {{"Bucket", "nope"}}, 404).first,
            "NoSuchBucket");
  EXPECT_EQ(Error("CreateBucket", {{"Bucket", "Bad_Name"}}, 400),
            (std::pair<std::string, std::string>{
                "InvalidBucketName", "The specified bucket is not valid."}));
  Ok("CreateBucket", {{"Bucket", "taken"}});
  Ok("CreateBucket", {{"Bucket", "taken"}});  // us-east-1: 200, as in S3
  Ok("PutObject", {{"Bucket", "taken"}, {"Key", "k"}});
  EXPECT_EQ(
      Error("DeleteBucket", {{"Bucket", "taken"}}, 409),
      (std::pair<std::string, std::string>{
          "BucketNotEmpty", "The bucket you tried to delete is not empty"}));
  EXPECT_EQ(Error("CreateBucket", {}, 400).first, "InvalidArgument");
  EXPECT_EQ(Error("ListBuckets", {{"MaxBuckets", 0}}, 400).first,
            "InvalidArgument");
}

TEST_F(BucketActionsTest, PutGetHeadDeleteObject) {
  Ok("CreateBucket", {{"Bucket", "bkt"}});
  clock_.Advance(seconds(61));
  json::object put = Ok("PutObject", {{"Bucket", "bkt"},
                                      {"Key", "dir/hello.txt"},
                                      {"Body", Base64Encode("hello")},
                                      {"ContentType", "text/plain"},
                                      {"CacheControl", "no-cache"},
                                      {"Metadata", {{"Owner", "me"}}}});
  EXPECT_EQ(S(put.at("ETag")), "\"5d41402abc4b2a76b9719d911017c592\"");

  json::object got =
      Ok("GetObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}});
  EXPECT_EQ(Base64Decode(S(got.at("Body"))), "hello");
  EXPECT_EQ(got.at("ContentLength").as_int64(), 5);
  EXPECT_EQ(S(got.at("ContentType")), "text/plain");
  EXPECT_EQ(S(got.at("ETag")), "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(S(got.at("LastModified")), "2026-01-01T00:01:01.000Z");
  EXPECT_EQ(S(got.at("CacheControl")), "no-cache");
  EXPECT_EQ(S(got.at("AcceptRanges")), "bytes");
  EXPECT_EQ(got.at("Metadata"), (json::object{{"owner", "me"}}));
  EXPECT_FALSE(got.contains("ContentRange"));
  EXPECT_FALSE(got.contains("ContentEncoding"));

  json::object head =
      Ok("HeadObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}});
  EXPECT_FALSE(head.contains("Body"));
  EXPECT_EQ(head.at("ContentLength").as_int64(), 5);
  EXPECT_EQ(head.at("ETag"), got.at("ETag"));

  json::object part =
      Ok("GetObject",
         {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}, {"Range", "bytes=1-3"}});
  EXPECT_EQ(Base64Decode(S(part.at("Body"))), "ell");
  EXPECT_EQ(part.at("ContentLength").as_int64(), 3);
  EXPECT_EQ(S(part.at("ContentRange")), "bytes 1-3/5");

  EXPECT_EQ(
      Call("DeleteObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}}).body,
      "{}");
  EXPECT_EQ(
      Error("GetObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}}, 404),
      (std::pair<std::string, std::string>{
          "NoSuchKey", "The specified key does not exist."}));
  // Deleting again succeeds, as in S3.
  EXPECT_TRUE(
      Call("DeleteObject", {{"Bucket", "bkt"}, {"Key", "dir/hello.txt"}}).ok);
}

TEST_F(BucketActionsTest, ObjectBodiesAreBinarySafe) {
  Ok("CreateBucket", {{"Bucket", "bkt"}});
  std::string bytes;
  for (int i = 0; i < 64; ++i) bytes.push_back(static_cast<char>(i * 4 + 3));
  Ok("PutObject",
     {{"Bucket", "bkt"}, {"Key", "bin"}, {"Body", Base64Encode(bytes)}});
  json::object got = Ok("GetObject", {{"Bucket", "bkt"}, {"Key", "bin"}});
  EXPECT_EQ(Base64Decode(S(got.at("Body"))), bytes);
  EXPECT_EQ(S(got.at("ContentType")), "binary/octet-stream");
  // No Body at all is an empty object.
  Ok("PutObject", {{"Bucket", "bkt"}, {"Key", "empty"}});
  json::object empty = Ok("GetObject", {{"Bucket", "bkt"}, {"Key", "empty"}});
  EXPECT_EQ(S(empty.at("Body")), "");
  EXPECT_EQ(S(empty.at("ETag")), "\"d41d8cd98f00b204e9800998ecf8427e\"");
}

TEST_F(BucketActionsTest, ObjectErrors) {
  EXPECT_EQ(Error("PutObject", {{"Bucket", "nope"}, {"Key", "k"}}, 404).first,
            "NoSuchBucket");
  EXPECT_EQ(Error("GetObject", {{"Bucket", "nope"}, {"Key", "k"}}, 404).first,
            "NoSuchBucket");
  EXPECT_EQ(Error("HeadObject", {{"Bucket", "nope"}, {"Key", "k"}}, 404).first,
            "NoSuchBucket");
  EXPECT_EQ(
      Error("DeleteObject", {{"Bucket", "nope"}, {"Key", "k"}}, 404).first,
      "NoSuchBucket");
  Ok("CreateBucket", {{"Bucket", "bkt"}});
  EXPECT_EQ(Error("HeadObject", {{"Bucket", "bkt"}, {"Key", "k"}}, 404).first,
            "NoSuchKey");
  EXPECT_EQ(Error("PutObject",
                  {{"Bucket", "bkt"}, {"Key", std::string(1025, 'k')}}, 400),
            (std::pair<std::string, std::string>{"KeyTooLongError",
                                                 "Your key is too long"}));
  EXPECT_EQ(Error("PutObject",
                  {{"Bucket", "bkt"},
                   {"Key", "big"},
                   {"Body", Base64Encode(std::string(65, 'x'))}},
                  400)
                .first,
            "EntityTooLarge");
  EXPECT_EQ(
      Error("PutObject", {{"Bucket", "bkt"}}, 400),
      (std::pair<std::string, std::string>{
          "InvalidArgument", "The request must contain the parameter Key."}));
  EXPECT_EQ(Error("GetObject", {{"Key", "k"}}, 400).first, "InvalidArgument");
  Ok("PutObject", {{"Bucket", "bkt"}, {"Key", "k"}, {"Body", "YWJj"}});
  EXPECT_EQ(
      Error("GetObject",
            {{"Bucket", "bkt"}, {"Key", "k"}, {"Range", "bytes=3-"}}, 416),
      (std::pair<std::string, std::string>{
          "InvalidRange", "The requested range is not satisfiable"}));
}

TEST_F(BucketActionsTest, MalformedRequestsAreSerializationExceptions) {
  Ok("CreateBucket", {{"Bucket", "bkt"}});
  auto serialization = [&](std::string_view action, std::string_view body) {
    ApiResponse r = Call(action, body);
    EXPECT_FALSE(r.ok) << body;
    EXPECT_NE(r.body.find("SerializationException"), std::string::npos)
        << body << " -> " << r.body;
    return r.body;
  };
  serialization("PutObject", "not json");
  serialization("PutObject", "[1]");
  serialization("PutObject", R"({"Bucket": 5, "Key": "k"})");
  EXPECT_NE(serialization("PutObject",
                          R"({"Bucket": "bkt", "Key": "k", "Body": "!!"})")
                .find("Body"),
            std::string::npos);
  serialization("PutObject",
                R"({"Bucket": "bkt", "Key": "k", "Metadata": {"a": 1}})");
  serialization("PutObject", R"({"Bucket": "bkt", "Key": "k", "Metadata": 1})");
  serialization("ListObjectsV2", R"({"Bucket": "bkt", "MaxKeys": "10"})");
  serialization("ListObjectsV2", R"({"Bucket": "bkt", "FetchOwner": "yes"})");
  serialization("CreateBucket",
                R"({"Bucket": "b2b", "CreateBucketConfiguration": 3})");
  EXPECT_EQ(buckets_.ObjectCount("bkt"), 0u);
  // An empty body is {}: ListBuckets needs nothing.
  EXPECT_TRUE(Call("ListBuckets", "").ok);
}

TEST_F(BucketActionsTest, ListObjectsV2Shapes) {
  Ok("CreateBucket", {{"Bucket", "bkt"}});
  for (auto key : {"a/1", "a/2", "b", "c d"}) {
    Ok("PutObject", {{"Bucket", "bkt"}, {"Key", key}, {"Body", "eA=="}});
  }
  json::object all = Ok("ListObjectsV2", {{"Bucket", "bkt"}});
  EXPECT_EQ(S(all.at("Name")), "bkt");
  EXPECT_EQ(S(all.at("Prefix")), "");
  EXPECT_FALSE(all.contains("Delimiter"));
  EXPECT_EQ(all.at("MaxKeys").as_int64(), 1000);
  EXPECT_EQ(all.at("KeyCount").as_int64(), 4);
  EXPECT_EQ(all.at("IsTruncated").as_bool(), false);
  EXPECT_FALSE(all.contains("NextContinuationToken"));
  EXPECT_FALSE(all.contains("CommonPrefixes"));
  const json::object& first = all.at("Contents").as_array()[0].as_object();
  EXPECT_EQ(S(first.at("Key")), "a/1");
  EXPECT_EQ(S(first.at("LastModified")), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(S(first.at("ETag")), "\"9dd4e461268c8034f5c8564e155c67a6\"");
  EXPECT_EQ(first.at("Size").as_int64(), 1);
  EXPECT_EQ(S(first.at("StorageClass")), "STANDARD");
  EXPECT_FALSE(first.contains("Owner"));

  json::object rolled = Ok("ListObjectsV2", {{"Bucket", "bkt"},
                                             {"Delimiter", "/"},
                                             {"MaxKeys", 2},
                                             {"FetchOwner", true}});
  EXPECT_EQ(S(rolled.at("Delimiter")), "/");
  EXPECT_EQ(rolled.at("KeyCount").as_int64(), 2);
  EXPECT_EQ(rolled.at("IsTruncated").as_bool(), true);
  EXPECT_EQ(rolled.at("CommonPrefixes"), (json::array{{{"Prefix", "a/"}}}));
  EXPECT_EQ(S(rolled.at("Contents").as_array()[0].at("Key")), "b");
  EXPECT_EQ(
      S(rolled.at("Contents").as_array()[0].at("Owner").at("DisplayName")),
      "fanlab");
  json::value token = rolled.at("NextContinuationToken");

  json::object next = Ok("ListObjectsV2", {{"Bucket", "bkt"},
                                           {"Delimiter", "/"},
                                           {"MaxKeys", 2},
                                           {"ContinuationToken", token},
                                           {"StartAfter", "zzz"},
                                           {"EncodingType", "url"}});
  EXPECT_EQ(next.at("ContinuationToken"), token);
  EXPECT_EQ(S(next.at("StartAfter")), "zzz");
  EXPECT_EQ(S(next.at("EncodingType")), "url");
  EXPECT_EQ(next.at("KeyCount").as_int64(), 1);
  EXPECT_EQ(S(next.at("Contents").as_array()[0].at("Key")), "c%20d");
  EXPECT_FALSE(next.contains("NextContinuationToken"));

  json::object empty =
      Ok("ListObjectsV2", {{"Bucket", "bkt"}, {"Prefix", "zzz"}});
  EXPECT_EQ(empty.at("KeyCount").as_int64(), 0);
  EXPECT_FALSE(empty.contains("Contents"));

  EXPECT_EQ(
      Error("ListObjectsV2", {{"Bucket", "bkt"}, {"MaxKeys", -1}}, 400).first,
      "InvalidArgument");
  EXPECT_EQ(Error("ListObjectsV2",
                  {{"Bucket", "bkt"}, {"ContinuationToken", "bogus"}}, 400)
                .second,
            "The continuation token provided is incorrect");
  EXPECT_EQ(Error("ListObjectsV2",
                  {{"Bucket", "bkt"}, {"EncodingType", "base64"}}, 400)
                .first,
            "InvalidArgument");
  EXPECT_EQ(Error("ListObjectsV2", {{"Bucket", "nope"}}, 404).first,
            "NoSuchBucket");
}

TEST_F(BucketActionsTest, TargetPrefixedActionNamesWork) {
  EXPECT_TRUE(Call("AmazonS3.CreateBucket", R"({"Bucket": "pfx"})").ok);
  EXPECT_TRUE(buckets_.BucketExists("pfx"));
}

}  // namespace
}  // namespace fanlab::api
