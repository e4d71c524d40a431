#include "emulator/api/protocol_query.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emulator/api/xml.h"
#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/services/sns_errors.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;

const ServiceModel& Sqs() { return ServiceModel::Get("sqs-query"); }
const ServiceModel& Sns() { return ServiceModel::Get("sns"); }

json::value Read(const ServiceModel& model, std::string_view action,
                 std::string_view form) {
  auto params = ParseForm(form);
  EXPECT_TRUE(params.ok()) << params.status().message();
  auto body = QueryToJson(*model.FindOperation(action), *params);
  EXPECT_TRUE(body.ok()) << body.status().message();
  return json::parse(body.ok() ? *body : "{}");
}

TEST(QueryProtocolTest, FormDecodingTreatsPlusAsSpace) {
  auto p = ParseForm("a=x+y%21&b=&c&&d=%2B");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)["a"], "x y!");
  EXPECT_EQ((*p)["b"], "");
  EXPECT_EQ((*p)["c"], "");
  EXPECT_EQ((*p)["d"], "+");
}

TEST(QueryProtocolTest, AParameterTwiceAndTheLimitsAreErrors) {
  EXPECT_EQ(ParseForm("a=1&a=2").status().code(),
            common::kSerializationException);
  std::string many;
  for (size_t i = 0; i <= kMaxFormParams; ++i) {
    many += "p" + std::to_string(i) + "=1&";
  }
  EXPECT_FALSE(ParseForm(many).ok());
  EXPECT_FALSE(ParseForm(std::string(kMaxFormBytes + 1, 'a')).ok());
}

TEST(QueryProtocolTest, SqsFlattenedMapsAndListsReadByTheModel) {
  json::value v = Read(Sqs(), "CreateQueue",
                       "Action=CreateQueue&QueueName=q&"
                       "Attribute.1.Name=DelaySeconds&Attribute.1.Value=5&"
                       "Attribute.2.Name=FifoQueue&Attribute.2.Value=true&"
                       "Tag.1.Key=team&Tag.1.Value=a");
  EXPECT_EQ(v.at("QueueName"), "q");
  EXPECT_EQ(v.at("Attributes").at("DelaySeconds"), "5");
  EXPECT_EQ(v.at("Attributes").at("FifoQueue"), "true");
  EXPECT_EQ(v.at("tags").at("team"), "a");

  v = Read(Sqs(), "ReceiveMessage",
           "QueueUrl=u&AttributeName.1=All&MessageAttributeName.1=a&"
           "MessageAttributeName.2=b&MaxNumberOfMessages=10");
  EXPECT_EQ(v.at("AttributeNames"), json::parse(R"(["All"])"));
  EXPECT_EQ(v.at("MessageAttributeNames"), json::parse(R"(["a","b"])"));
  EXPECT_EQ(v.at("MaxNumberOfMessages"), 10);
}

TEST(QueryProtocolTest, SqsBatchEntriesAndMessageAttributes) {
  json::value v = Read(
      Sqs(), "SendMessageBatch",
      "QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&"
      "SendMessageBatchRequestEntry.1.MessageBody=one&"
      "SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&"
      "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType="
      "String&"
      "SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=v&"
      "SendMessageBatchRequestEntry.2.Id=b&"
      "SendMessageBatchRequestEntry.2.MessageBody=two&"
      "SendMessageBatchRequestEntry.4.Id=skipped");
  auto& entries = v.at("Entries").as_array();
  ASSERT_EQ(entries.size(), 2u);  // reading stops at the first gap
  EXPECT_EQ(entries[0].at("MessageAttributes").at("k").at("StringValue"), "v");
  EXPECT_EQ(entries[1].at("MessageBody"), "two");
}

TEST(QueryProtocolTest, SnsNonFlattenedListsAndMaps) {
  json::value v = Read(
      Sns(), "PublishBatch",
      "TopicArn=t&PublishBatchRequestEntries.member.1.Id=1&"
      "PublishBatchRequestEntries.member.1.Message=m&"
      "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Name=k&"
      "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value."
      "DataType=String&"
      "PublishBatchRequestEntries.member.1.MessageAttributes.entry.1.Value."
      "StringValue=v");
  auto& e = v.at("PublishBatchRequestEntries").as_array().at(0);
  EXPECT_EQ(e.at("Id"), "1");
  EXPECT_EQ(e.at("MessageAttributes").at("k").at("DataType"), "String");
  v = Read(Sns(), "Subscribe",
           "TopicArn=t&Protocol=sqs&Endpoint=e&ReturnSubscriptionArn=true&"
           "Attributes.entry.1.key=RawMessageDelivery&"
           "Attributes.entry.1.value=true");
  EXPECT_EQ(v.at("ReturnSubscriptionArn"), true);
  EXPECT_EQ(v.at("Attributes").at("RawMessageDelivery"), "true");
}

TEST(QueryProtocolTest, AValueOfTheWrongTypeNamesItsParameter) {
  auto params = ParseForm("QueueUrl=u&VisibilityTimeout=soon");
  auto body = QueryToJson(*Sqs().FindOperation("ReceiveMessage"), *params);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().code(), common::kSerializationException);
  EXPECT_NE(body.status().message().find("VisibilityTimeout"),
            std::string::npos);
  params = ParseForm("Name=t&Attributes.entry.1.value=v");
  body = QueryToJson(*Sns().FindOperation("CreateTopic"), *params);
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.status().message().find("Attributes.entry.1.key"),
            std::string::npos);
}

TEST(QueryProtocolTest, AnswersWrapTheResultAndFlattenAsTheModelSays) {
  std::string xml = QueryResponse(
      Sqs(), *Sqs().FindOperation("ReceiveMessage"),
      R"({"Messages":[{"MessageId":"m","Body":"a<b","Attributes":)"
      R"({"SenderId":"s"},"MessageAttributes":{"k":{"DataType":"String",)"
      R"("StringValue":"v"}}}]})",
      "rid");
  auto root = ParseXml(xml);
  ASSERT_TRUE(root.ok()) << xml;
  EXPECT_EQ(root->name, "ReceiveMessageResponse");
  const XmlNode* msg = root->Child("ReceiveMessageResult")->Child("Message");
  ASSERT_NE(msg, nullptr) << xml;
  EXPECT_EQ(msg->Child("Body")->text, "a<b");
  EXPECT_EQ(msg->Child("Attribute")->Child("Name")->text, "SenderId");
  EXPECT_EQ(msg->Child("MessageAttribute")
                ->Child("Value")
                ->Child("StringValue")
                ->text,
            "v");
  EXPECT_EQ(root->Child("ResponseMetadata")->Child("RequestId")->text, "rid");

  xml = QueryResponse(Sns(), *Sns().FindOperation("ListTopics"),
                      R"({"Topics":[{"TopicArn":"a"}]})", "r");
  EXPECT_NE(xml.find("<Topics><member><TopicArn>a</TopicArn></member>"),
            std::string::npos)
      << xml;
}

TEST(QueryProtocolTest, ErrorsCarryTheModelsQueryCode) {
  ApiResponse sqs =
      ErrorResponse(Status(sqs::kQueueDoesNotExist, "gone"), ApiService::kSqs);
  std::string xml = QueryError(Sqs(), sqs, "r");
  auto root = ParseXml(xml);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->name, "ErrorResponse");
  EXPECT_EQ(root->Child("Error")->Child("Code")->text,
            "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(root->Child("Error")->Child("Type")->text, "Sender");
  EXPECT_EQ(root->Child("Error")->Child("Message")->text, "gone");

  ApiResponse sns = ErrorResponse(Status(sns::kNotFoundException, "no topic"),
                                  ApiService::kSns);
  EXPECT_EQ(QueryErrorCode(Sns(), sns), "NotFound");
  EXPECT_EQ(QueryErrorCode(
                Sns(),
                ErrorResponse(Status(common::kUnknownOperationException, "x"))),
            "InvalidAction");
}

}  // namespace
}  // namespace fanlab::api
