// fanlab-example-orders: a function behind an HTTP route that touches
// every service of the emulator, the one docs/services.md walks through.
//
//   POST /orders/{id}   body {"item": "...", ...}
//     1. PutItem on the table $TABLE, {id, item, body}, only if no order
//        with this id exists (ConditionExpression attribute_not_exists);
//        a second order with the same id answers 409;
//     2. PutObject $BUCKET/orders/{id}.json with the request body;
//     3. Publish "Order {id}: {item}" (Subject "Order {id}") to $TOPIC_ARN;
//     4. POSTs {"id", "status": "accepted"} to $CALLBACK_URL when set;
//   and answers 201 {"id": ..., "messageId": ...}.
//
// The event is API Gateway's REST proxy event; the reply is its
// {statusCode, headers, body}. It calls the emulator with the SDK's Client
// (FANLAB_ENDPOINT) and HttpPost.
#include <fanlab/function.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <string>

namespace {

namespace json = boost::json;

std::string Reply(int status, const json::object& body) {
  return json::serialize(
      json::object{{"statusCode", status},
                   {"headers", {{"Content-Type", "application/json"}}},
                   {"body", json::serialize(body)}});
}

std::string Handle(const std::string& event_text, const fanlab::sdk::Context&) {
  json::object event = json::parse(event_text).as_object();
  std::string id(event.at("pathParameters").at("id").as_string());
  std::string body = event.at("body").is_string()
                         ? std::string(event.at("body").as_string())
                         : "{}";
  boost::system::error_code ec;
  json::value order = json::parse(body, ec);
  if (ec || !order.is_object() || !order.as_object().contains("item") ||
      !order.at("item").is_string()) {
    return Reply(400, {{"message", "The body must be {\"item\": \"...\"}"}});
  }
  std::string item(order.at("item").as_string());

  fanlab::sdk::Client client;
  auto call = [&](const char* action, const json::object& request) {
    return client.Call(action, json::serialize(request));
  };
  auto put =
      call("PutItem", {{"TableName", fanlab::sdk::EnvOr("TABLE")},
                       {"Item",
                        {{"id", {{"S", id}}},
                         {"item", {{"S", item}}},
                         {"body", {{"S", body}}}}},
                       {"ConditionExpression", "attribute_not_exists(id)"}});
  if (!put.ok) {
    if (fanlab::sdk::ErrorTypeOf(put.body) ==
        "ConditionalCheckFailedException") {
      return Reply(409, {{"message", "Order " + id + " exists already"}});
    }
    throw fanlab::sdk::Error("PutItemFailed", put.body);
  }
  auto object = call("PutObject", {{"Bucket", fanlab::sdk::EnvOr("BUCKET")},
                                   {"Key", "orders/" + id + ".json"},
                                   {"Body", fanlab::sdk::Base64Encode(body)},
                                   {"ContentType", "application/json"}});
  if (!object.ok) throw fanlab::sdk::Error("PutObjectFailed", object.body);
  auto published =
      call("Publish", {{"TopicArn", fanlab::sdk::EnvOr("TOPIC_ARN")},
                       {"Message", "Order " + id + ": " + item},
                       {"Subject", "Order " + id}});
  if (!published.ok) throw fanlab::sdk::Error("PublishFailed", published.body);
  std::string message_id(
      json::parse(published.body).at("MessageId").as_string());
  if (std::string url = fanlab::sdk::EnvOr("CALLBACK_URL"); !url.empty()) {
    fanlab::sdk::HttpResult r = fanlab::sdk::HttpPost(
        url, json::serialize(json::object{{"id", id}, {"status", "accepted"}}),
        {{"Content-Type", "application/json"}});
    if (!r.ok()) throw fanlab::sdk::Error("CallbackFailed", r.error);
  }
  return Reply(201, {{"id", id}, {"messageId", message_id}});
}

}  // namespace

int main() { return fanlab::sdk::Run(Handle); }
