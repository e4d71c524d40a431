// get-user-schedules: GET /user/{username}/schedules (HTTP API, payload
// format 2.0). Queries the schedules table for the user and answers the
// list itself: an HTTP API turns an answer without statusCode into a 200
// JSON body.
#include "schedule.h"

int main() {
  using namespace scheduler;
  return sdk::Run([](const std::string& text, const sdk::Context& ctx) {
    json::object event = sdk::ParseObject(text, "The event");
    std::string user = Username(event);
    if (user.empty()) {
      return Reply(400,
                   json::object{{"message", "username must be in the path"}});
    }
    std::vector<json::object> items =
        AllItems("Query",
                 {{"TableName", Table()},
                  {"KeyConditionExpression", "#u = :u"},
                  {"ExpressionAttributeNames", {{"#u", "username"}}},
                  {"ExpressionAttributeValues", {{":u", {{"S", user}}}}}},
                 ctx);
    json::array schedules;
    for (const json::object& item : items) {
      schedules.push_back(ToJson(FromItem(item)));
    }
    return json::serialize(schedules);
  });
}
