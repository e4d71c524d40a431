// The orders example (functions/examples/orders.cc) end to end, as
// docs/services.md runs it from a shell: an HTTP route invokes a real
// function that writes a table row guarded by a condition, puts an object,
// publishes to a topic with an email and a queue subscription, and POSTs to
// a sink; every effect is then read back through the actions.
#include <fanlab/function.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "tests/engine_fixture.h"

namespace fanlab {
namespace {

namespace json = boost::json;

class OrdersExampleTest : public testing::EngineFixture {
 protected:
  // The function is another process: it calls back over ipc.
  OrdersExampleTest() : EngineFixture({.ipc = true, .http = true}) {}
};

TEST_F(OrdersExampleTest, ARouteDrivesEveryService) {
  Ok("CreateTable",
     {{"TableName", "Orders"},
      {"AttributeDefinitions",
       {{{"AttributeName", "id"}, {"AttributeType", "S"}}}},
      {"KeySchema", {{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
      {"BillingMode", "PAY_PER_REQUEST"}});
  Ok("CreateBucket", {{"Bucket", "receipts"}});
  std::string topic(
      Ok("CreateTopic", {{"Name", "orders"}})["TopicArn"].as_string());
  Ok("CreateQueue", {{"QueueName", "order-events"}});
  Ok("Subscribe",
     {{"TopicArn", topic},
      {"Protocol", "sqs"},
      {"Endpoint", "arn:aws:sqs:us-east-1:000000000000:order-events"}});
  Ok("Subscribe", {{"TopicArn", topic},
                   {"Protocol", "email"},
                   {"Endpoint", "shop@example.com"}});
  std::string sink(Ok("CreateSink", {{"Name", "callback"}})["Url"].as_string());
  Ok("CreateFunction", {{"FunctionName", "orders"},
                        {"Code", {{"Command", {FANLAB_EXAMPLE_ORDERS}}}},
                        {"Timeout", 10},
                        {"Environment",
                         {{"Variables",
                           {{"TABLE", "Orders"},
                            {"BUCKET", "receipts"},
                            {"TOPIC_ARN", topic},
                            {"CALLBACK_URL", sink}}}}}});
  Ok("CreateRoute", {{"Method", "POST"},
                     {"Path", "/orders/{id}"},
                     {"FunctionName", "orders"}});

  const std::string order = R"({"item":"espresso"})";
  sdk::HttpResult first = sdk::HttpPost(base_url() + "/orders/42", order);
  ASSERT_TRUE(first.ok()) << first.error;
  EXPECT_EQ(first.status, 201) << first.body;
  sdk::HttpResult second = sdk::HttpPost(base_url() + "/orders/42", order);
  ASSERT_TRUE(second.ok()) << second.error;
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(sdk::HttpPost(base_url() + "/orders/43", "not json").status, 400);

  json::object item = Ok(
      "GetItem", {{"TableName", "Orders"}, {"Key", {{"id", {{"S", "42"}}}}}});
  EXPECT_EQ(item["Item"].at("item").at("S"), "espresso");
  json::object object =
      Ok("GetObject", {{"Bucket", "receipts"}, {"Key", "orders/42.json"}});
  EXPECT_EQ(object["Body"], "eyJpdGVtIjoiZXNwcmVzc28ifQ==");  // the order
  json::array emails = Ok("ListEmails", json::object{})["Emails"].as_array();
  ASSERT_EQ(emails.size(), 1u);  // the refused second order sent nothing
  EXPECT_EQ(emails[0].at("Subject"), "Order 42");
  EXPECT_EQ(emails[0].at("Body"), "Order 42: espresso");
  json::object received =
      Ok("ReceiveMessage",
         {{"QueueUrl", "http://localhost/000000000000/order-events"},
          {"MaxNumberOfMessages", 10}});
  ASSERT_EQ(received["Messages"].as_array().size(), 1u);
  json::object envelope =
      json::parse(received["Messages"].as_array()[0].at("Body").as_string())
          .as_object();
  EXPECT_EQ(envelope["Message"], "Order 42: espresso");
  json::array calls =
      Ok("GetSinkRequests", {{"Name", "callback"}})["Requests"].as_array();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].at("Body"), R"({"id":"42","status":"accepted"})");
}

}  // namespace
}  // namespace fanlab
