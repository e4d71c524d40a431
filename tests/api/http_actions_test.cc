// The HTTP front's actions through the one Dispatcher, on pure services
// (a fake invoker, a virtual clock): shapes, URLs, errors.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emulator/api/dispatcher.h"
#include "emulator/core/base64.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/route_service.h"
#include "emulator/services/sink_service.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;

class HttpActionsTest : public ::testing::Test {
 protected:
  HttpActionsTest()
      : sqs_(clock_, {}),
        routes_(clock_, ids_,
                [](const std::string&, std::string,
                   services::RouteService::InvokeDone) {}),
        sinks_(clock_),
        dispatcher_(
            Services{.sqs = sqs_, .routes = &routes_, .sinks = &sinks_}) {}

  ApiResponse Call(std::string_view action, std::string_view body) {
    std::optional<ApiResponse> out;
    dispatcher_.Dispatch(action, body, [&](ApiResponse r) { out = r; });
    EXPECT_TRUE(out.has_value());
    return out.value_or(ApiResponse{});
  }
  json::object Ok(std::string_view action, const json::object& body) {
    ApiResponse r = Call(action, json::serialize(body));
    EXPECT_TRUE(r.ok) << action << ": " << r.body;
    return json::parse(r.body).as_object();
  }
  // "<__type>" and the HTTP status of an error answer.
  std::pair<std::string, int> Error(std::string_view action,
                                    std::string_view body) {
    ApiResponse r = Call(action, body);
    EXPECT_FALSE(r.ok) << action << " succeeded: " << r.body;
    return {std::string(json::parse(r.body).at("__type").as_string()),
            r.http_status};
  }

  VirtualClock clock_;
  IdGenerator ids_{1};
  queue::QueueService sqs_;
  services::RouteService routes_;
  services::SinkService sinks_;
  Dispatcher dispatcher_;
};

TEST_F(HttpActionsTest, EveryActionIsServed) {
  auto actions = dispatcher_.Actions();
  for (const char* a :
       {"CreateRoute", "DeleteRoute", "ListRoutes", "CreateSink", "DeleteSink",
        "ListSinks", "GetSinkRequests", "ClearSinkRequests"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), a), actions.end()) << a;
  }
  // Without the services, the actions are unknown.
  Dispatcher bare(Services{.sqs = sqs_});
  std::optional<ApiResponse> r;
  bare.Dispatch("ListSinks", "{}", [&](ApiResponse a) { r = a; });
  EXPECT_NE(r->body.find("UnknownOperationException"), std::string::npos);
}

TEST_F(HttpActionsTest, RoutesCreateListDelete) {
  json::object created =
      Ok("CreateRoute", {{"Method", "post"},
                         {"Path", "/user/{username}/schedules"},
                         {"FunctionName", "schedules"},
                         {"ApiKeyRequired", true},
                         {"ApiKeys", json::array{"k1"}}});
  EXPECT_EQ(created["Method"], "POST");
  EXPECT_EQ(created["Path"], "/user/{username}/schedules");
  EXPECT_EQ(created["FunctionName"], "schedules");
  EXPECT_EQ(created["ApiKeyRequired"], true);
  EXPECT_EQ(created["ApiKeys"], json::array{"k1"});
  EXPECT_EQ(created["ResourceId"].as_string().size(), 6u);
  EXPECT_FALSE(created.contains("Url"));  // the front is not bound

  routes_.SetBaseUrl("http://127.0.0.1:4000");
  json::object listed = Ok("ListRoutes", {});
  EXPECT_EQ(listed["Url"], "http://127.0.0.1:4000");
  ASSERT_EQ(listed["Routes"].as_array().size(), 1u);
  EXPECT_EQ(listed["Routes"].at(0).at("Url"),
            "http://127.0.0.1:4000/user/{username}/schedules");

  EXPECT_EQ(Error("CreateRoute", R"({"Method":"POST",
                                     "Path":"/user/{username}/schedules",
                                     "FunctionName":"x"})"),
            (std::pair<std::string, int>{
                "com.fanlab.http#ResourceConflictException", 409}));
  Ok("DeleteRoute",
     {{"Method", "POST"}, {"Path", "/user/{username}/schedules"}});
  EXPECT_EQ(Error("DeleteRoute",
                  R"({"Method":"POST","Path":"/user/{username}/schedules"})"),
            (std::pair<std::string, int>{
                "com.fanlab.http#ResourceNotFoundException", 404}));
  EXPECT_TRUE(Ok("ListRoutes", {})["Routes"].as_array().empty());
}

TEST_F(HttpActionsTest, BadRequestsAreErrorsOfTheirKind) {
  EXPECT_EQ(Error("CreateRoute", R"({"Path":"/a","FunctionName":"f"})").first,
            "com.fanlab.http#InvalidParameterValueException");
  EXPECT_EQ(
      Error("CreateRoute", R"({"Method":"GET","Path":"a","FunctionName":"f"})"),
      (std::pair<std::string, int>{
          "com.fanlab.http#InvalidParameterValueException", 400}));
  EXPECT_EQ(Error("CreateRoute", R"({"Method":1})").first,
            "com.amazon.coral.service#SerializationException");
  EXPECT_EQ(Error("CreateRoute", R"({"Method":"GET","Path":"/a",
                                     "FunctionName":"f","ApiKeys":[1]})")
                .first,
            "com.amazon.coral.service#SerializationException");
  EXPECT_EQ(Error("CreateSink", "not json").first,
            "com.amazon.coral.service#SerializationException");
  EXPECT_EQ(Error("CreateSink", R"({"Name":"s","StatusCode":"200"})").first,
            "com.amazon.coral.service#SerializationException");
  EXPECT_EQ(Error("CreateSink", R"({"Name":"s","Headers":{"A":1}})").first,
            "com.amazon.coral.service#SerializationException");
  EXPECT_EQ(Error("GetSinkRequests", "{}").first,
            "com.fanlab.http#InvalidParameterValueException");
}

TEST_F(HttpActionsTest, SinksRecordAndReport) {
  sinks_.SetBaseUrl("http://127.0.0.1:4000");
  json::object created = Ok("CreateSink", {{"Name", "cb"},
                                           {"StatusCode", 201},
                                           {"Body", "ok"},
                                           {"Headers", {{"X-A", "b"}}}});
  EXPECT_EQ(created["Url"], "http://127.0.0.1:4000/_sinks/cb");
  EXPECT_EQ(created["StatusCode"], 201);
  EXPECT_EQ(created["Headers"].at("X-A"), "b");
  EXPECT_EQ(Ok("CreateSink", {{"Name", "plain"}})["StatusCode"], 200);
  EXPECT_EQ(Ok("ListSinks", {})["Sinks"].as_array().size(), 2u);

  clock_.Advance(std::chrono::milliseconds(1500));
  sinks_.Handle({.method = "POST",
                 .path = "/_sinks/cb/done",
                 .query = "job=1",
                 .headers = {{"Content-Type", "application/json"},
                             {"X-Rep", "1"},
                             {"x-rep", "2"}},
                 .body = R"({"status":"Success"})",
                 .source_ip = "127.0.0.1"});
  sinks_.Handle({.method = "PUT",
                 .path = "/_sinks/cb",
                 .body = std::string("\xFF\x00", 2)});

  json::object got = Ok("GetSinkRequests", {{"Name", "cb"}});
  EXPECT_EQ(got["Url"], "http://127.0.0.1:4000/_sinks/cb");
  EXPECT_EQ(got["Dropped"], 0);
  json::array& requests = got["Requests"].as_array();
  ASSERT_EQ(requests.size(), 2u);
  json::object& first = requests[0].as_object();
  EXPECT_EQ(first["Sequence"], 1);
  EXPECT_EQ(first["Method"], "POST");
  EXPECT_EQ(first["Path"], "/_sinks/cb/done");
  EXPECT_EQ(first["Query"], "job=1");
  EXPECT_EQ(first["Headers"].at("Content-Type"), "application/json");
  EXPECT_EQ(first["Headers"].at("X-Rep"), "1, 2");
  EXPECT_EQ(first["Body"], R"({"status":"Success"})");
  EXPECT_EQ(first["IsBase64Encoded"], false);
  EXPECT_EQ(first["SourceIp"], "127.0.0.1");
  EXPECT_EQ(first["Time"], "2026-01-01T00:00:01.500Z");
  EXPECT_EQ(first["TimeMs"], 1767225601500);
  json::object& second = requests[1].as_object();
  EXPECT_EQ(second["IsBase64Encoded"], true);
  EXPECT_EQ(Base64Decode(second["Body"].as_string()),
            std::string("\xFF\x00", 2));

  Ok("ClearSinkRequests", {{"Name", "cb"}});
  EXPECT_TRUE(
      Ok("GetSinkRequests", {{"Name", "cb"}})["Requests"].as_array().empty());
  Ok("DeleteSink", {{"Name", "cb"}});
  EXPECT_EQ(Error("GetSinkRequests", R"({"Name":"cb"})"),
            (std::pair<std::string, int>{
                "com.fanlab.http#ResourceNotFoundException", 404}));
  EXPECT_EQ(Error("CreateSink", R"({"Name":"plain"})").second, 409);
}

}  // namespace
}  // namespace fanlab::api
