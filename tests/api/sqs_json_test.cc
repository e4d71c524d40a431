// The SQS shapes on the wire (emulator/api/sqs_json.h): for every shape of
// the FANLAB_SQS_SHAPES list, a fully populated value writes exactly the
// AWS JSON 1.0 body (field names, order, base64 for binary values), a
// default value writes only what is always sent (Emit::kEvenEmpty), and
// both read back to the same body. Then the reader's faults, each naming
// its path, and the error bodies (WriteError / ParseError).
#include "emulator/api/sqs_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/api/error_registry.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/status.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/queue/types.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using namespace fanlab::queue;
using ::testing::HasSubstr;

const std::string kUrl = "http://localhost/000000000000/jobs";
const std::string kUrlJson = "\"" + kUrl + "\"";

// Bytes that base64 must carry: a NUL and a 0xff among them.
const std::string kRawBytes("\x00\x01\xfe\xff", 4);
constexpr std::string_view kRawBytesBase64 = "AAH+/w==";

// One attribute of each data type (a map is ordered by name: b, n, s).
MessageAttributeMap Attrs() {
  return {
      {"b", {"Binary", std::nullopt, kRawBytes}},
      {"n", {"Number", "-12.5e3", std::nullopt}},
      {"s", {"String", "text \"q\"", std::nullopt}},
  };
}
const std::string kAttrsJson =
    R"({"b":{"DataType":"Binary","BinaryValue":"AAH+/w=="},)"
    R"("n":{"DataType":"Number","StringValue":"-12.5e3"},)"
    R"("s":{"DataType":"String","StringValue":"text \"q\""}})";

MessageAttributeMap SysAttrs() {
  return {{"AWSTraceHeader", {"String", "Root=1-5759e988", std::nullopt}}};
}
const std::string kSysAttrsJson = R"({"AWSTraceHeader":{"DataType":"String",)"
                                  R"("StringValue":"Root=1-5759e988"}})";

// ------------------------------------------------------------ one case per
// shape: Full() sets every field (optionals set, containers non-empty);
// Json() is its exact body; Minimal() the body of a default value.

template <typename T>
struct Case;

template <>
struct Case<Empty> {
  static Empty Full() { return {}; }
  static std::string Json() { return "{}"; }
  static std::string Minimal() { return "{}"; }
};

template <>
struct Case<CreateQueueRequest> {
  static CreateQueueRequest Full() {
    return {"jobs",
            {{"DelaySeconds", "5"}, {"VisibilityTimeout", "60"}},
            {{"env", "dev"}, {"team", "core"}}};
  }
  static std::string Json() {
    return R"({"QueueName":"jobs",)"
           R"("Attributes":{"DelaySeconds":"5","VisibilityTimeout":"60"},)"
           R"("tags":{"env":"dev","team":"core"}})";
  }
  static std::string Minimal() { return R"({"QueueName":""})"; }
};

template <>
struct Case<CreateQueueResponse> {
  static CreateQueueResponse Full() { return {kUrl}; }
  static std::string Json() { return R"({"QueueUrl":)" + kUrlJson + "}"; }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<GetQueueUrlRequest> {
  static GetQueueUrlRequest Full() { return {"jobs", "123456789012"}; }
  static std::string Json() {
    return R"({"QueueName":"jobs","QueueOwnerAWSAccountId":"123456789012"})";
  }
  static std::string Minimal() { return R"({"QueueName":""})"; }
};

template <>
struct Case<GetQueueUrlResponse> {
  static GetQueueUrlResponse Full() { return {kUrl}; }
  static std::string Json() { return R"({"QueueUrl":)" + kUrlJson + "}"; }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<ListQueuesRequest> {
  static ListQueuesRequest Full() { return {"a-", "tok1", 5}; }
  static std::string Json() {
    return R"({"QueueNamePrefix":"a-","NextToken":"tok1","MaxResults":5})";
  }
  static std::string Minimal() { return "{}"; }
};

template <>
struct Case<ListQueuesResponse> {
  static ListQueuesResponse Full() { return {{kUrl, kUrl + "2"}, "tok2"}; }
  static std::string Json() {
    return R"({"QueueUrls":[)" + kUrlJson + R"(,")" + kUrl +
           R"(2"],"NextToken":"tok2"})";
  }
  static std::string Minimal() { return R"({"QueueUrls":[]})"; }
};

template <>
struct Case<DeleteQueueRequest> {
  static DeleteQueueRequest Full() { return {kUrl}; }
  static std::string Json() { return R"({"QueueUrl":)" + kUrlJson + "}"; }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<PurgeQueueRequest> {
  static PurgeQueueRequest Full() { return {kUrl}; }
  static std::string Json() { return R"({"QueueUrl":)" + kUrlJson + "}"; }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<GetQueueAttributesRequest> {
  static GetQueueAttributesRequest Full() {
    return {kUrl, {"All", "VisibilityTimeout"}};
  }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"AttributeNames":["All","VisibilityTimeout"]})";
  }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<GetQueueAttributesResponse> {
  static GetQueueAttributesResponse Full() {
    return {{{"ApproximateNumberOfMessages", "3"},
             {"QueueArn", "arn:aws:sqs:us-east-1:000000000000:jobs"}}};
  }
  static std::string Json() {
    return R"({"Attributes":{"ApproximateNumberOfMessages":"3",)"
           R"("QueueArn":"arn:aws:sqs:us-east-1:000000000000:jobs"}})";
  }
  static std::string Minimal() { return R"({"Attributes":{}})"; }
};

template <>
struct Case<SetQueueAttributesRequest> {
  static SetQueueAttributesRequest Full() {
    return {kUrl, {{"VisibilityTimeout", "120"}}};
  }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"Attributes":{"VisibilityTimeout":"120"}})";
  }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<SendMessageRequest> {
  static SendMessageRequest Full() {
    return {kUrl,       "hello \"world\"\n", 5,        Attrs(),
            SysAttrs(), "dedup-1",           "group-1"};
  }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"MessageBody":"hello \"world\"\n","DelaySeconds":5,)"
           R"("MessageAttributes":)" +
           kAttrsJson + R"(,"MessageSystemAttributes":)" + kSysAttrsJson +
           R"(,"MessageDeduplicationId":"dedup-1","MessageGroupId":"group-1"})";
  }
  static std::string Minimal() { return R"({"QueueUrl":"","MessageBody":""})"; }
};

template <>
struct Case<SendMessageResponse> {
  static SendMessageResponse Full() {
    return {
        "5d41402abc4b2a76b9719d911017c592", "19e27d4e946b072f3f58da80d94fd778",
        "0123456789abcdef0123456789abcdef", "mid-1", "18849496460467696128"};
  }
  static std::string Json() {
    return R"({"MD5OfMessageBody":"5d41402abc4b2a76b9719d911017c592",)"
           R"("MD5OfMessageAttributes":"19e27d4e946b072f3f58da80d94fd778",)"
           R"("MD5OfMessageSystemAttributes":)"
           R"("0123456789abcdef0123456789abcdef",)"
           R"("MessageId":"mid-1","SequenceNumber":"18849496460467696128"})";
  }
  static std::string Minimal() {
    return R"({"MD5OfMessageBody":"","MessageId":""})";
  }
};

template <>
struct Case<SendMessageBatchRequest> {
  static SendMessageBatchRequest Full() {
    SendMessageBatchRequest r;
    r.queue_url = kUrl;
    r.entries.push_back({"e1", "body1", 7, Attrs(), SysAttrs(), "d1", "g1"});
    r.entries.push_back({"e2", "body2", {}, {}, {}, {}, {}});
    return r;
  }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"Entries":[{"Id":"e1","MessageBody":"body1","DelaySeconds":7,)"
           R"("MessageAttributes":)" +
           kAttrsJson + R"(,"MessageSystemAttributes":)" + kSysAttrsJson +
           R"(,"MessageDeduplicationId":"d1","MessageGroupId":"g1"},)"
           R"({"Id":"e2","MessageBody":"body2"}]})";
  }
  static std::string Minimal() { return R"({"QueueUrl":"","Entries":[]})"; }
};

template <>
struct Case<SendMessageBatchResponse> {
  static SendMessageBatchResponse Full() {
    SendMessageBatchResponse r;
    r.successful.push_back({"e1", "mid1", "md5a", "md5b", "md5c", "seq1"});
    r.failed.push_back({"e2", true, "InvalidParameterValue", "bad"});
    r.failed.push_back({"e3", false, "InternalError", "oops"});
    return r;
  }
  static std::string Json() {
    return R"({"Successful":[{"Id":"e1","MessageId":"mid1",)"
           R"("MD5OfMessageBody":"md5a","MD5OfMessageAttributes":"md5b",)"
           R"("MD5OfMessageSystemAttributes":"md5c","SequenceNumber":"seq1"}],)"
           R"("Failed":[{"Id":"e2","SenderFault":true,)"
           R"("Code":"InvalidParameterValue","Message":"bad"},)"
           R"({"Id":"e3","SenderFault":false,"Code":"InternalError",)"
           R"("Message":"oops"}]})";
  }
  static std::string Minimal() { return R"({"Successful":[],"Failed":[]})"; }
};

template <>
struct Case<ReceiveMessageRequest> {
  static ReceiveMessageRequest Full() {
    return {kUrl,
            {"All"},
            {"SentTimestamp", "ApproximateReceiveCount"},
            {"color", "size.*"},
            10,
            30,
            20,
            "attempt-1"};
  }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"AttributeNames":["All"],)"
           R"("MessageSystemAttributeNames":)"
           R"(["SentTimestamp","ApproximateReceiveCount"],)"
           R"("MessageAttributeNames":["color","size.*"],)"
           R"("MaxNumberOfMessages":10,"VisibilityTimeout":30,)"
           R"("WaitTimeSeconds":20,"ReceiveRequestAttemptId":"attempt-1"})";
  }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<ReceiveMessageResponse> {
  static ReceiveMessageResponse Full() {
    ReceiveMessageResponse r;
    r.messages.push_back(
        {"mid1",
         "rh1",
         "md5body",
         "body one",
         {{"ApproximateReceiveCount", "1"}, {"SentTimestamp", "1700000000000"}},
         "md5attrs",
         Attrs()});
    r.messages.push_back(
        {"mid2", "rh2", "md5b2", "body two", {}, std::nullopt, {}});
    return r;
  }
  static std::string Json() {
    return R"({"Messages":[{"MessageId":"mid1","ReceiptHandle":"rh1",)"
           R"("MD5OfBody":"md5body","Body":"body one",)"
           R"("Attributes":{"ApproximateReceiveCount":"1",)"
           R"("SentTimestamp":"1700000000000"},)"
           R"("MD5OfMessageAttributes":"md5attrs","MessageAttributes":)" +
           kAttrsJson +
           R"(},{"MessageId":"mid2","ReceiptHandle":"rh2","MD5OfBody":"md5b2",)"
           R"("Body":"body two"}]})";
  }
  static std::string Minimal() { return "{}"; }
};

template <>
struct Case<DeleteMessageRequest> {
  static DeleteMessageRequest Full() { return {kUrl, "rh1"}; }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson + R"(,"ReceiptHandle":"rh1"})";
  }
  static std::string Minimal() {
    return R"({"QueueUrl":"","ReceiptHandle":""})";
  }
};

template <>
struct Case<DeleteMessageBatchRequest> {
  static DeleteMessageBatchRequest Full() {
    return {kUrl, {{"a", "rh1"}, {"b", "rh2"}}};
  }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"Entries":[{"Id":"a","ReceiptHandle":"rh1"},)"
           R"({"Id":"b","ReceiptHandle":"rh2"}]})";
  }
  static std::string Minimal() { return R"({"QueueUrl":"","Entries":[]})"; }
};

template <>
struct Case<DeleteMessageBatchResponse> {
  static DeleteMessageBatchResponse Full() {
    return {{{"a"}}, {{"b", true, "ReceiptHandleIsInvalid", "bad handle"}}};
  }
  static std::string Json() {
    return R"({"Successful":[{"Id":"a"}],"Failed":[{"Id":"b",)"
           R"("SenderFault":true,"Code":"ReceiptHandleIsInvalid",)"
           R"("Message":"bad handle"}]})";
  }
  static std::string Minimal() { return R"({"Successful":[],"Failed":[]})"; }
};

template <>
struct Case<ChangeMessageVisibilityRequest> {
  static ChangeMessageVisibilityRequest Full() { return {kUrl, "rh1", 300}; }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"ReceiptHandle":"rh1","VisibilityTimeout":300})";
  }
  // The required integer is always sent, even at 0.
  static std::string Minimal() {
    return R"({"QueueUrl":"","ReceiptHandle":"","VisibilityTimeout":0})";
  }
};

template <>
struct Case<ChangeMessageVisibilityBatchRequest> {
  static ChangeMessageVisibilityBatchRequest Full() {
    return {kUrl, {{"a", "rh1", 0}, {"b", "rh2", std::nullopt}}};
  }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"Entries":[{"Id":"a","ReceiptHandle":"rh1",)"
           R"("VisibilityTimeout":0},{"Id":"b","ReceiptHandle":"rh2"}]})";
  }
  static std::string Minimal() { return R"({"QueueUrl":"","Entries":[]})"; }
};

template <>
struct Case<ChangeMessageVisibilityBatchResponse> {
  static ChangeMessageVisibilityBatchResponse Full() {
    return {{{"a"}, {"c"}}, {{"b", true, "ReceiptHandleIsInvalid", "bad"}}};
  }
  static std::string Json() {
    return R"({"Successful":[{"Id":"a"},{"Id":"c"}],"Failed":[{"Id":"b",)"
           R"("SenderFault":true,"Code":"ReceiptHandleIsInvalid",)"
           R"("Message":"bad"}]})";
  }
  static std::string Minimal() { return R"({"Successful":[],"Failed":[]})"; }
};

template <>
struct Case<TagQueueRequest> {
  static TagQueueRequest Full() { return {kUrl, {{"a", "1"}, {"b", ""}}}; }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson + R"(,"Tags":{"a":"1","b":""}})";
  }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<UntagQueueRequest> {
  static UntagQueueRequest Full() { return {kUrl, {"a", "b"}}; }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson + R"(,"TagKeys":["a","b"]})";
  }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<ListQueueTagsRequest> {
  static ListQueueTagsRequest Full() { return {kUrl}; }
  static std::string Json() { return R"({"QueueUrl":)" + kUrlJson + "}"; }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<ListQueueTagsResponse> {
  static ListQueueTagsResponse Full() { return {{{"env", "dev"}}}; }
  static std::string Json() { return R"({"Tags":{"env":"dev"}})"; }
  static std::string Minimal() { return "{}"; }
};

template <>
struct Case<ListDeadLetterSourceQueuesRequest> {
  static ListDeadLetterSourceQueuesRequest Full() { return {kUrl, "tok", 10}; }
  static std::string Json() {
    return R"({"QueueUrl":)" + kUrlJson +
           R"(,"NextToken":"tok","MaxResults":10})";
  }
  static std::string Minimal() { return R"({"QueueUrl":""})"; }
};

template <>
struct Case<ListDeadLetterSourceQueuesResponse> {
  static ListDeadLetterSourceQueuesResponse Full() { return {{kUrl}, "tok"}; }
  static std::string Json() {
    return R"({"queueUrls":[)" + kUrlJson + R"(],"NextToken":"tok"})";
  }
  static std::string Minimal() { return R"({"queueUrls":[]})"; }
};

// Every shape of FANLAB_SQS_SHAPES (sqs_json.cc), in its order.
using AllShapes = ::testing::Types<
    Empty, CreateQueueRequest, CreateQueueResponse, GetQueueUrlRequest,
    GetQueueUrlResponse, ListQueuesRequest, ListQueuesResponse,
    DeleteQueueRequest, PurgeQueueRequest, GetQueueAttributesRequest,
    GetQueueAttributesResponse, SetQueueAttributesRequest, SendMessageRequest,
    SendMessageResponse, SendMessageBatchRequest, SendMessageBatchResponse,
    ReceiveMessageRequest, ReceiveMessageResponse, DeleteMessageRequest,
    DeleteMessageBatchRequest, DeleteMessageBatchResponse,
    ChangeMessageVisibilityRequest, ChangeMessageVisibilityBatchRequest,
    ChangeMessageVisibilityBatchResponse, TagQueueRequest, UntagQueueRequest,
    ListQueueTagsRequest, ListQueueTagsResponse,
    ListDeadLetterSourceQueuesRequest, ListDeadLetterSourceQueuesResponse>;

// Readable test names: the shape's name.
struct ShapeName {
  template <typename T>
  static std::string GetName(int) {
    std::string name = ::testing::internal::GetTypeName<T>();
    if (size_t colon = name.rfind(':'); colon != std::string::npos) {
      name = name.substr(colon + 1);
    }
    return name;
  }
};

template <typename T>
class SqsJsonShapeTest : public ::testing::Test {};
TYPED_TEST_SUITE(SqsJsonShapeTest, AllShapes, ShapeName);

// The JSON text, parsed strictly (fails the test when it is not an object).
json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message() << ": " << text;
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << text;
    return {};
  }
  return v.as_object();
}

TYPED_TEST(SqsJsonShapeTest, FullValueWritesExactlyTheAwsBody) {
  const std::string got = WriteShape(Case<TypeParam>::Full());
  EXPECT_EQ(got, Case<TypeParam>::Json());
  ParseObject(got);  // strict JSON (valid UTF-8, no trailing garbage)
}

TYPED_TEST(SqsJsonShapeTest, FullValueRoundTrips) {
  const std::string once = WriteShape(Case<TypeParam>::Full());
  Result<TypeParam> parsed = ParseShape<TypeParam>(once);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << " for " << once;
  EXPECT_EQ(WriteShape(*parsed), once);
}

TYPED_TEST(SqsJsonShapeTest, DefaultValueWritesOnlyWhatIsAlwaysSent) {
  const std::string once = WriteShape(TypeParam{});
  EXPECT_EQ(once, Case<TypeParam>::Minimal());
  Result<TypeParam> parsed = ParseShape<TypeParam>(once);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << " for " << once;
  EXPECT_EQ(WriteShape(*parsed), once);
}

// Field order on input does not matter: the body with its top-level keys
// reversed reads to the same value.
TYPED_TEST(SqsJsonShapeTest, ReadingIgnoresFieldOrder) {
  const std::string want = Case<TypeParam>::Json();
  json::object obj = ParseObject(want);
  json::object reversed;
  for (auto it = obj.end(); it != obj.begin();) {
    --it;
    reversed[it->key()] = it->value();
  }
  const std::string body = json::serialize(reversed);
  Result<TypeParam> parsed = ParseShape<TypeParam>(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << " for " << body;
  EXPECT_EQ(WriteShape(*parsed), want);
}

// Unknown fields at the top level are ignored.
TYPED_TEST(SqsJsonShapeTest, UnknownFieldsAreIgnored) {
  json::object obj = ParseObject(Case<TypeParam>::Json());
  obj["NoSuchField"] = json::object{{"deep", json::array{1, 2, "x"}}};
  obj["queueurl"] = 5;  // case matters: not QueueUrl
  const std::string body = json::serialize(obj);
  Result<TypeParam> parsed = ParseShape<TypeParam>(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << " for " << body;
  EXPECT_EQ(WriteShape(*parsed), Case<TypeParam>::Json());
}

// ------------------------------------------------------------ values read

TEST(SqsJsonTest, SendMessageRequestReadsEveryField) {
  Result<SendMessageRequest> r =
      ParseShape<SendMessageRequest>(Case<SendMessageRequest>::Json());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->queue_url, kUrl);
  EXPECT_EQ(r->message_body, "hello \"world\"\n");
  EXPECT_EQ(r->delay_seconds, 5);
  EXPECT_EQ(r->message_attributes, Attrs());
  ASSERT_EQ(r->message_attributes.count("b"), 1u);
  EXPECT_EQ(r->message_attributes.at("b").binary_value, kRawBytes);
  EXPECT_EQ(r->message_attributes.at("b").binary_value->size(), 4u);
  EXPECT_FALSE(r->message_attributes.at("b").string_value.has_value());
  EXPECT_EQ(r->message_attributes.at("s").string_value, "text \"q\"");
  EXPECT_EQ(r->message_system_attributes, SysAttrs());
  EXPECT_EQ(r->message_deduplication_id, "dedup-1");
  EXPECT_EQ(r->message_group_id, "group-1");
}

TEST(SqsJsonTest, BatchEntriesAndResultsReadInOrder) {
  auto req = ParseShape<SendMessageBatchRequest>(
      Case<SendMessageBatchRequest>::Json());
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  ASSERT_EQ(req->entries.size(), 2u);
  EXPECT_EQ(req->entries[0].id, "e1");
  EXPECT_EQ(req->entries[0].delay_seconds, 7);
  EXPECT_EQ(req->entries[0].message_attributes, Attrs());
  EXPECT_EQ(req->entries[1].id, "e2");
  EXPECT_FALSE(req->entries[1].delay_seconds.has_value());
  EXPECT_TRUE(req->entries[1].message_attributes.empty());
  EXPECT_FALSE(req->entries[1].message_group_id.has_value());

  auto res = ParseShape<SendMessageBatchResponse>(
      Case<SendMessageBatchResponse>::Json());
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  ASSERT_EQ(res->successful.size(), 1u);
  EXPECT_EQ(res->successful[0].sequence_number, "seq1");
  ASSERT_EQ(res->failed.size(), 2u);
  EXPECT_EQ(res->failed[0].id, "e2");
  EXPECT_TRUE(res->failed[0].sender_fault);
  EXPECT_EQ(res->failed[1].id, "e3");
  EXPECT_FALSE(res->failed[1].sender_fault);
  EXPECT_EQ(res->failed[1].code, "InternalError");

  auto cmv = ParseShape<ChangeMessageVisibilityBatchRequest>(
      Case<ChangeMessageVisibilityBatchRequest>::Json());
  ASSERT_TRUE(cmv.ok()) << cmv.status().ToString();
  ASSERT_EQ(cmv->entries.size(), 2u);
  EXPECT_EQ(cmv->entries[0].visibility_timeout, 0);  // present, zero
  EXPECT_FALSE(cmv->entries[1].visibility_timeout.has_value());
}

TEST(SqsJsonTest, ListDeadLetterSourceQueuesResponseUsesLowerCaseQueueUrls) {
  const std::string body = WriteShape(ListDeadLetterSourceQueuesResponse{
      {kUrl + "-a", kUrl + "-b"}, std::nullopt});
  json::object obj = ParseObject(body);
  EXPECT_FALSE(obj.contains("QueueUrls")) << body;
  ASSERT_TRUE(obj.contains("queueUrls")) << body;
  EXPECT_EQ(obj.at("queueUrls").as_array().size(), 2u);
  // And the upper-case spelling does not read as it.
  auto r =
      ParseShape<ListDeadLetterSourceQueuesResponse>(R"({"QueueUrls":["x"]})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->queue_urls.empty());
}

TEST(SqsJsonTest, CreateQueueRequestTagsAreLowerCase) {
  CreateQueueRequest req;
  req.queue_name = "q";
  req.tags = {{"k", "v"}};
  EXPECT_EQ(WriteShape(req), R"({"QueueName":"q","tags":{"k":"v"}})");
  auto upper =
      ParseShape<CreateQueueRequest>(R"({"QueueName":"q","Tags":{"k":"v"}})");
  ASSERT_TRUE(upper.ok());
  EXPECT_TRUE(upper->tags.empty());
  auto lower =
      ParseShape<CreateQueueRequest>(R"({"QueueName":"q","tags":{"k":"v"}})");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->tags, (TagMap{{"k", "v"}}));
}

TEST(SqsJsonTest, BinaryValueIsBase64OnTheWire) {
  for (const std::string& bytes :
       {std::string(), std::string(1, '\0'), std::string("\xff", 1),
        std::string("\x00\xff\x00", 3), kRawBytes,
        std::string("\xff\xfe\xfd\xfc\x00\x80", 6)}) {
    SendMessageRequest req;
    req.queue_url = "u";
    req.message_body = "m";
    req.message_attributes["x"] = {"Binary", std::nullopt, bytes};
    const std::string body = WriteShape(req);
    json::object obj = ParseObject(body);
    const json::value& value =
        obj.at("MessageAttributes").at("x").at("BinaryValue");
    ASSERT_TRUE(value.is_string()) << body;
    std::string text(value.as_string());
    EXPECT_EQ(text.size(), (bytes.size() + 2) / 3 * 4) << body;
    auto back = ParseShape<SendMessageRequest>(body);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_TRUE(back->message_attributes.at("x").binary_value.has_value());
    EXPECT_EQ(*back->message_attributes.at("x").binary_value, bytes);
  }
  SendMessageRequest req;
  req.message_attributes["x"] = {"Binary", std::nullopt, kRawBytes};
  EXPECT_THAT(WriteShape(req),
              HasSubstr(R"("BinaryValue":")" + std::string(kRawBytesBase64)));
}

// ------------------------------------------------------------ emission

TEST(SqsJsonTest, EmptyContainersAreOmittedUnlessAlwaysSent) {
  // Omitted when empty.
  SendMessageRequest send;
  send.queue_url = "u";
  send.message_body = "m";
  EXPECT_EQ(WriteShape(send), R"({"QueueUrl":"u","MessageBody":"m"})");
  EXPECT_EQ(WriteShape(ReceiveMessageResponse{}), "{}");
  EXPECT_EQ(WriteShape(ListQueueTagsResponse{}), "{}");
  EXPECT_EQ(WriteShape(CreateQueueRequest{"q", {}, {}}),
            R"({"QueueName":"q"})");
  EXPECT_EQ(WriteShape(GetQueueAttributesRequest{"u", {}}),
            R"({"QueueUrl":"u"})");
  EXPECT_EQ(WriteShape(UntagQueueRequest{"u", {}}), R"({"QueueUrl":"u"})");
  Message m{"id", "rh", "md5", "b", {}, std::nullopt, {}};
  EXPECT_EQ(WriteShape(ReceiveMessageResponse{{m}}),
            R"({"Messages":[{"MessageId":"id","ReceiptHandle":"rh",)"
            R"("MD5OfBody":"md5","Body":"b"}]})");

  // Sent even when empty.
  EXPECT_EQ(WriteShape(ListQueuesResponse{}), R"({"QueueUrls":[]})");
  EXPECT_EQ(WriteShape(GetQueueAttributesResponse{}), R"({"Attributes":{}})");
  EXPECT_EQ(WriteShape(ListDeadLetterSourceQueuesResponse{}),
            R"({"queueUrls":[]})");
  EXPECT_EQ(WriteShape(SendMessageBatchRequest{"u", {}}),
            R"({"QueueUrl":"u","Entries":[]})");
  EXPECT_EQ(WriteShape(DeleteMessageBatchRequest{"u", {}}),
            R"({"QueueUrl":"u","Entries":[]})");
  EXPECT_EQ(WriteShape(ChangeMessageVisibilityBatchRequest{"u", {}}),
            R"({"QueueUrl":"u","Entries":[]})");
  // A batch with only successes still sends Failed, and the other way.
  SendMessageBatchResponse only_ok;
  only_ok.successful.push_back({"a", "mid", "md5", {}, {}, {}});
  EXPECT_EQ(WriteShape(only_ok),
            R"({"Successful":[{"Id":"a","MessageId":"mid",)"
            R"("MD5OfMessageBody":"md5"}],"Failed":[]})");
  DeleteMessageBatchResponse only_failed;
  only_failed.failed.push_back({"a", true, "ReceiptHandleIsInvalid", "x"});
  EXPECT_EQ(WriteShape(only_failed),
            R"({"Successful":[],"Failed":[{"Id":"a","SenderFault":true,)"
            R"("Code":"ReceiptHandleIsInvalid","Message":"x"}]})");
  ChangeMessageVisibilityBatchResponse cmv_ok;
  cmv_ok.successful.push_back({"a"});
  EXPECT_EQ(WriteShape(cmv_ok), R"({"Successful":[{"Id":"a"}],"Failed":[]})");
}

TEST(SqsJsonTest, EmptyContainersReadBackEmpty) {
  auto r = ParseShape<SendMessageRequest>(
      R"({"QueueUrl":"u","MessageBody":"m","MessageAttributes":{},)"
      R"("MessageSystemAttributes":{}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->message_attributes.empty());
  EXPECT_EQ(WriteShape(*r), R"({"QueueUrl":"u","MessageBody":"m"})");
  auto l = ParseShape<ListQueuesResponse>(R"({"QueueUrls":[]})");
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(l->queue_urls.empty());
  EXPECT_FALSE(l->next_token.has_value());
}

// ------------------------------------------------------------ body faults

template <typename T>
Status ParseStatus(std::string_view body) {
  return ParseShape<T>(body).status();
}

TEST(SqsJsonTest, BodyThatIsNotJsonIsASerializationException) {
  for (std::string_view body :
       {"{", "not json", R"({"QueueUrl":)", R"({"a":1,})", "{'a':1}",
        R"({"QueueUrl":"x"} trailing)", "\xff"}) {
    Status s = ParseStatus<DeleteQueueRequest>(body);
    EXPECT_EQ(s.code(), common::kSerializationException) << body;
    EXPECT_THAT(s.message(), HasSubstr("not valid JSON")) << body;
  }
}

TEST(SqsJsonTest, BodyThatIsNotAnObjectIsASerializationException) {
  for (std::string_view body :
       {"[]", R"([{"QueueUrl":"u"}])", R"("u")", "42", "null", "true"}) {
    Status s = ParseStatus<DeleteQueueRequest>(body);
    EXPECT_EQ(s.code(), common::kSerializationException) << body;
    EXPECT_THAT(s.message(), HasSubstr("must be a JSON object")) << body;
  }
}

TEST(SqsJsonTest, EmptyBodyReadsAsAnEmptyObject) {
  auto list = ParseShape<ListQueuesRequest>("");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_FALSE(list->queue_name_prefix.has_value());
  EXPECT_FALSE(list->max_results.has_value());
  EXPECT_TRUE(ParseShape<Empty>("").ok());
  auto del = ParseShape<DeleteQueueRequest>("");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->queue_url, "");
  // Like {}: the one required integer is then missing.
  EXPECT_EQ(ParseStatus<ChangeMessageVisibilityRequest>("").code(),
            sqs::kMissingParameter);
}

// ------------------------------------------------------------ type faults

// The message of a read that must fail with a SerializationException.
template <typename T>
std::string SerializationMessage(std::string_view body) {
  Status s = ParseStatus<T>(body);
  EXPECT_EQ(s.code(), common::kSerializationException)
      << body << " -> " << s.ToString();
  return s.message();
}

TEST(SqsJsonTest, WrongTypesNameTheirPath) {
  EXPECT_EQ(SerializationMessage<SendMessageBatchRequest>(
                R"({"QueueUrl":"u","Entries":[)"
                R"({"Id":"a","MessageBody":"m","DelaySeconds":1},)"
                R"({"Id":"b","MessageBody":"m"},)"
                R"({"Id":"c","MessageBody":"m","DelaySeconds":"5"}]})"),
            "Field Entries[2].DelaySeconds must be an integer.");
  EXPECT_EQ(SerializationMessage<SetQueueAttributesRequest>(
                R"({"QueueUrl":"u","Attributes":{"DelaySeconds":"1",)"
                R"("VisibilityTimeout":30}})"),
            "Field Attributes.VisibilityTimeout must be a string.");
  EXPECT_EQ(SerializationMessage<SendMessageRequest>(
                R"({"QueueUrl":"u","MessageBody":"m","MessageAttributes":)"
                R"({"a":{"DataType":1,"StringValue":"v"}}})"),
            "Field MessageAttributes.a.DataType must be a string.");
  EXPECT_EQ(SerializationMessage<GetQueueAttributesRequest>(
                R"({"QueueUrl":"u","AttributeNames":["All",7]})"),
            "Field AttributeNames[1] must be a string.");
  EXPECT_EQ(SerializationMessage<DeleteQueueRequest>(R"({"QueueUrl":12})"),
            "Field QueueUrl must be a string.");
  EXPECT_EQ(SerializationMessage<ListQueuesRequest>(R"({"MaxResults":"5"})"),
            "Field MaxResults must be an integer.");
  EXPECT_EQ(SerializationMessage<SendMessageBatchRequest>(
                R"({"QueueUrl":"u","Entries":"x"})"),
            "Field Entries must be a list of objects.");
  EXPECT_EQ(SerializationMessage<DeleteMessageBatchRequest>(
                R"({"QueueUrl":"u","Entries":[{"Id":"a"},"x"]})"),
            "Field Entries[1] must be an object.");
  EXPECT_EQ(
      SerializationMessage<SendMessageBatchResponse>(
          R"({"Successful":[],"Failed":[{"Id":"a","SenderFault":"yes"}]})"),
      "Field Failed[0].SenderFault must be a boolean.");
  EXPECT_EQ(SerializationMessage<CreateQueueRequest>(
                R"({"QueueName":"q","Attributes":["a"]})"),
            "Field Attributes must be a map of strings.");
  EXPECT_EQ(SerializationMessage<TagQueueRequest>(
                R"({"QueueUrl":"u","Tags":{"k":1}})"),
            "Field Tags.k must be a string.");
  EXPECT_EQ(SerializationMessage<GetQueueAttributesRequest>(
                R"({"QueueUrl":"u","AttributeNames":"All"})"),
            "Field AttributeNames must be a list of strings.");
  EXPECT_EQ(SerializationMessage<SendMessageRequest>(
                R"({"QueueUrl":"u","MessageAttributes":[]})"),
            "Field MessageAttributes must be a map of attribute values.");
  EXPECT_EQ(SerializationMessage<SendMessageRequest>(
                R"({"QueueUrl":"u","MessageAttributes":{"x":"String"}})"),
            "Field MessageAttributes.x must be an attribute value object.");
  EXPECT_EQ(SerializationMessage<ReceiveMessageResponse>(
                R"({"Messages":[{"MessageId":"m","Attributes":{"a":"1"}},)"
                R"({"MessageId":"n","MessageAttributes":)"
                R"({"k":{"DataType":"String","StringValue":5}}}]})"),
            "Field Messages[1].MessageAttributes.k.StringValue must be a "
            "string.");
  EXPECT_EQ(SerializationMessage<SendMessageBatchRequest>(
                R"({"QueueUrl":"u","Entries":[{"Id":"a","MessageAttributes":)"
                R"({"x":{"DataType":"Binary","BinaryValue":"%%%"}}}]})"),
            "Field Entries[0].MessageAttributes.x.BinaryValue must be "
            "base64-encoded bytes.");
}

TEST(SqsJsonTest, TheFirstFaultIsTheOneReported) {
  EXPECT_EQ(SerializationMessage<SendMessageRequest>(
                R"({"QueueUrl":1,"MessageBody":2,"DelaySeconds":"x"})"),
            "Field QueueUrl must be a string.");
  EXPECT_EQ(SerializationMessage<SendMessageBatchRequest>(
                R"({"QueueUrl":"u","Entries":[{"Id":1},{"Id":2}]})"),
            "Field Entries[0].Id must be a string.");
}

TEST(SqsJsonTest, IntegralDoublesAreIntegersOthersAreNot) {
  struct Accepted {
    std::string_view text;
    int64_t value;
  };
  for (const Accepted& a : std::vector<Accepted>{
           {"5.0", 5},
           {"-3.0", -3},
           {"0.0", 0},
           {"-0.0", 0},
           {"5e0", 5},
           {"1e18", 1000000000000000000},
           {"9223372036854775807", std::numeric_limits<int64_t>::max()},
           {"-9223372036854775808", std::numeric_limits<int64_t>::min()}}) {
    const std::string body =
        R"({"QueueUrl":"u","MessageBody":"m","DelaySeconds":)" +
        std::string(a.text) + "}";
    auto r = ParseShape<SendMessageRequest>(body);
    ASSERT_TRUE(r.ok()) << body << " -> " << r.status().ToString();
    EXPECT_EQ(r->delay_seconds, a.value) << body;
  }
  for (std::string_view text :
       {"5.5", "-0.5", "1e30", "-1e30", "1e19", "9223372036854775808",
        "18446744073709551615", "1e400", "\"5\"", "true", "[5]", "{}"}) {
    const std::string body =
        R"({"QueueUrl":"u","MessageBody":"m","DelaySeconds":)" +
        std::string(text) + "}";
    EXPECT_EQ(SerializationMessage<SendMessageRequest>(body),
              "Field DelaySeconds must be an integer.")
        << body;
  }
}

TEST(SqsJsonTest, InvalidBase64BinaryValueIsRejected) {
  for (std::string_view b64 : {"not base64!!", "%%%%", "AAH+/w=", "AAH+/w",
                               "AAH+/w=x", "A===", "AAH+_w=="}) {
    const std::string body =
        R"({"QueueUrl":"u","MessageBody":"m","MessageAttributes":)"
        R"({"x":{"DataType":"Binary","BinaryValue":")" +
        std::string(b64) + R"("}}})";
    EXPECT_EQ(SerializationMessage<SendMessageRequest>(body),
              "Field MessageAttributes.x.BinaryValue must be base64-encoded "
              "bytes.")
        << b64;
  }
  // A BinaryValue of the wrong JSON type is a type fault too.
  EXPECT_EQ(SerializationMessage<SendMessageRequest>(
                R"({"MessageAttributes":{"x":{"DataType":"Binary",)"
                R"("BinaryValue":[1]}}})"),
            "Field MessageAttributes.x.BinaryValue must be a string.");
}

TEST(SqsJsonTest, ListValuesInAMessageAttributeAreInvalidParameterValue) {
  for (std::string_view field : {"StringListValues", "BinaryListValues"}) {
    const std::string body =
        R"({"QueueUrl":"u","MessageBody":"m","MessageAttributes":)"
        R"({"x":{"DataType":"String","StringValue":"v",")" +
        std::string(field) + R"(":["a"]}}})";
    Status s = ParseStatus<SendMessageRequest>(body);
    EXPECT_EQ(s.code(), sqs::kInvalidParameterValue) << body;
    EXPECT_THAT(s.message(), HasSubstr("MessageAttributes.x")) << body;
  }
  // In a batch entry, the path says which.
  Status s = ParseStatus<SendMessageBatchRequest>(
      R"({"QueueUrl":"u","Entries":[{"Id":"a","MessageBody":"m"},)"
      R"({"Id":"b","MessageBody":"m","MessageAttributes":{"y":{)"
      R"("DataType":"String","StringListValues":["a"]}}}]})");
  EXPECT_EQ(s.code(), sqs::kInvalidParameterValue);
  EXPECT_THAT(s.message(), HasSubstr("Entries[1].MessageAttributes.y"));
  // Null list values are absent.
  auto ok = ParseShape<SendMessageRequest>(
      R"({"MessageAttributes":{"x":{"DataType":"String","StringValue":"v",)"
      R"("StringListValues":null,"BinaryListValues":null}}})");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->message_attributes.at("x").string_value, "v");
}

TEST(SqsJsonTest, ChangeMessageVisibilityWithoutVisibilityTimeoutIsMissing) {
  for (std::string_view body :
       {R"({"QueueUrl":"u","ReceiptHandle":"h"})",
        R"({"QueueUrl":"u","ReceiptHandle":"h","VisibilityTimeout":null})"}) {
    Status s = ParseStatus<ChangeMessageVisibilityRequest>(body);
    EXPECT_EQ(s.code(), sqs::kMissingParameter) << body;
    EXPECT_EQ(s.message(),
              "The request must contain the parameter VisibilityTimeout.")
        << body;
  }
  // Present but of the wrong type: a type fault, not a missing one.
  EXPECT_EQ(SerializationMessage<ChangeMessageVisibilityRequest>(
                R"({"QueueUrl":"u","ReceiptHandle":"h",)"
                R"("VisibilityTimeout":"5"})"),
            "Field VisibilityTimeout must be an integer.");
  auto r = ParseShape<ChangeMessageVisibilityRequest>(
      R"({"QueueUrl":"u","ReceiptHandle":"h","VisibilityTimeout":0})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->visibility_timeout, 0);
  // Optional in the batch entries.
  auto batch = ParseShape<ChangeMessageVisibilityBatchRequest>(
      R"({"QueueUrl":"u","Entries":[{"Id":"a","ReceiptHandle":"h"}]})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_FALSE(batch->entries[0].visibility_timeout.has_value());
}

TEST(SqsJsonTest, NullFieldsAreAbsent) {
  auto r = ParseShape<SendMessageRequest>(
      R"({"QueueUrl":null,"MessageBody":"m","DelaySeconds":null,)"
      R"("MessageAttributes":null,"MessageSystemAttributes":null,)"
      R"("MessageDeduplicationId":null,"MessageGroupId":null})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->queue_url, "");
  EXPECT_EQ(r->message_body, "m");
  EXPECT_FALSE(r->delay_seconds.has_value());
  EXPECT_TRUE(r->message_attributes.empty());
  EXPECT_FALSE(r->message_deduplication_id.has_value());
  EXPECT_FALSE(r->message_group_id.has_value());
  auto batch =
      ParseShape<SendMessageBatchRequest>(R"({"QueueUrl":"u","Entries":null})");
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_TRUE(batch->entries.empty());
  auto names = ParseShape<ReceiveMessageRequest>(
      R"({"QueueUrl":"u","AttributeNames":null,"WaitTimeSeconds":null})");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_TRUE(names->attribute_names.empty());
  EXPECT_FALSE(names->wait_time_seconds.has_value());
  auto failed = ParseShape<DeleteMessageBatchResponse>(
      R"({"Successful":[],"Failed":[{"Id":"a","SenderFault":null}]})");
  ASSERT_TRUE(failed.ok()) << failed.status().ToString();
  EXPECT_TRUE(failed->failed[0].sender_fault);  // the default stays
}

TEST(SqsJsonTest, UnknownNestedFieldsAreIgnored) {
  auto r = ParseShape<SendMessageBatchRequest>(
      R"({"QueueUrl":"u","Entries":[{"Id":"a","MessageBody":"m","x":[{}],)"
      R"("MessageAttributes":{"k":{"DataType":"String","StringValue":"v",)"
      R"("Extra":true}}}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->entries.size(), 1u);
  EXPECT_EQ(r->entries[0].message_attributes.at("k"),
            (MessageAttributeValue{"String", "v", std::nullopt}));
}

// Bodies much larger than one request's usual size still read whole.
TEST(SqsJsonTest, LargeBodiesRoundTrip) {
  SendMessageBatchRequest req;
  req.queue_url = kUrl;
  for (int i = 0; i < 500; ++i) {
    SendMessageBatchRequestEntry e;
    e.id = "e" + std::to_string(i);
    e.message_body = std::string(200 + i, static_cast<char>('a' + i % 26));
    e.message_attributes = Attrs();
    req.entries.push_back(std::move(e));
  }
  const std::string body = WriteShape(req);
  ASSERT_GT(body.size(), 100000u);
  auto back = ParseShape<SendMessageBatchRequest>(body);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->entries.size(), 500u);
  EXPECT_EQ(back->entries[499].id, "e499");
  EXPECT_EQ(back->entries[499].message_body, req.entries[499].message_body);
  EXPECT_EQ(WriteShape(*back), body);
}

// ------------------------------------------------------------ error bodies

TEST(SqsJsonErrorTest, WriteErrorUsesTheSqsOrTheProtocolNamespace) {
  EXPECT_EQ(WriteError(Status(sqs::kQueueDoesNotExist,
                              "The specified queue does not exist.")),
            R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist",)"
            R"("message":"The specified queue does not exist."})");
  EXPECT_EQ(WriteError(Status(common::kSerializationException, "bad")),
            R"({"__type":"com.amazon.coral.service#SerializationException",)"
            R"("message":"bad"})");
  EXPECT_EQ(WriteError(Status(common::kUnknownOperationException, "no")),
            R"({"__type":"com.amazon.coral.service#)"
            R"(UnknownOperationException","message":"no"})");
  EXPECT_EQ(WriteError(Status(common::kInternalError, "boom")),
            R"({"__type":"com.amazonaws.sqs#InternalError","message":"boom"})");
  EXPECT_EQ(WriteError(Status(sqs::kInvalidParameterValue, "a\"b\n")),
            R"({"__type":"com.amazonaws.sqs#InvalidParameterValue",)"
            R"("message":"a\"b\n"})");
}

TEST(SqsJsonErrorTest, EveryErrorCodeRoundTrips) {
  for (const ErrorKind* kind : AllErrors()) {
    const Status s(*kind, "message of " + std::string(kind->name) +
                              " with \"quotes\", \\ and \x01");
    const std::string body = WriteError(s);
    Status back = ParseError(body);
    // A name several services declare reads back as the first one's.
    EXPECT_EQ(back.code(), FindError(kind->name, "sqs")) << body;
    EXPECT_EQ(back.name(), s.name()) << body;
    EXPECT_EQ(back.message(), s.message()) << body;
  }
}

TEST(SqsJsonErrorTest, ParseErrorAcceptsAnyNamespace) {
  Status s = ParseError(
      R"({"__type":"com.amazonaws.sqs#PurgeQueueInProgress","message":"m"})");
  EXPECT_EQ(s, Status(sqs::kPurgeQueueInProgress, "m"));
  s = ParseError(R"({"message":"m","__type":"com.amazon.coral.service#)"
                 R"(SerializationException","extra":1})");
  EXPECT_EQ(s, Status(common::kSerializationException, "m"));
}

TEST(SqsJsonErrorTest, ParseErrorOfAMalformedBodyIsAnInternalError) {
  for (std::string_view body :
       {"garbage", "", "{}", "[]", "null", R"({"message":"m"})",
        R"({"__type":"com.amazonaws.sqs#NoSuchError","message":"m"})",
        R"({"__type":"com.amazonaws.sqs#","message":"m"})",
        R"({"__type":5,"message":"m"})",
        R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":5})",
        R"({"__type":"com.amazonaws.sqs#Ok","message":"m"})"}) {
    Status s = ParseError(body);
    EXPECT_EQ(s.code(), common::kInternalError) << body;
    EXPECT_THAT(s.message(), HasSubstr("malformed error body")) << body;
    EXPECT_THAT(s.message(), HasSubstr(std::string(body))) << body;
  }
  // A long body is quoted only in part.
  const std::string long_body(1000, 'x');
  Status s = ParseError(long_body);
  EXPECT_EQ(s.code(), common::kInternalError);
  EXPECT_THAT(s.message(), HasSubstr(std::string(200, 'x')));
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr(std::string(201, 'x'))));
}

}  // namespace
}  // namespace fanlab::api
