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
// {statusCode, headers, body}. It calls the emulator with the SDK's
// CallJson (fanlab/json_client.h; FANLAB_ENDPOINT) and HttpPost.
#include <fanlab/function.h>
#include <fanlab/json_client.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
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

std::string Handle(const std::string& event_text,
                   const fanlab::sdk::Context& ctx) {
  namespace sdk = fanlab::sdk;
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

  // Each call waits no longer than the invocation has left; a refusal
  // throws sdk::ServiceError, which fails the invocation with the
  // service's error type unless caught.
  try {
    sdk::CallJson("PutItem",
                  {{"TableName", sdk::EnvOr("TABLE")},
                   {"Item",
                    {{"id", {{"S", id}}},
                     {"item", {{"S", item}}},
                     {"body", {{"S", body}}}}},
                   {"ConditionExpression", "attribute_not_exists(id)"}},
                  ctx);
  } catch (const sdk::ServiceError& e) {
    if (e.type() != "ConditionalCheckFailedException") throw;
    return Reply(409, {{"message", "Order " + id + " exists already"}});
  }
  sdk::CallJson("PutObject",
                {{"Bucket", sdk::EnvOr("BUCKET")},
                 {"Key", "orders/" + id + ".json"},
                 {"Body", sdk::Base64Encode(body)},
                 {"ContentType", "application/json"}},
                ctx);
  const json::object published =
      sdk::CallJson("Publish",
                    {{"TopicArn", sdk::EnvOr("TOPIC_ARN")},
                     {"Message", "Order " + id + ": " + item},
                     {"Subject", "Order " + id}},
                    ctx);
  std::string message_id(published.at("MessageId").as_string());
  if (std::string url = sdk::EnvOr("CALLBACK_URL"); !url.empty()) {
    sdk::HttpResult r = sdk::HttpPost(
        url, json::serialize(json::object{{"id", id}, {"status", "accepted"}}),
        {{"Content-Type", "application/json"}},
        sdk::CallTimeoutMs(std::min<int64_t>(ctx.RemainingTimeMs(), 10000)));
    if (!r.ok()) throw sdk::Error("CallbackFailed", r.error);
  }
  return Reply(201, {{"id", id}, {"messageId", message_id}});
}

}  // namespace

int main() { return fanlab::sdk::Run(Handle); }
