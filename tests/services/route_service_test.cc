// RouteService with a fake invoker and a virtual clock: templates and
// matching, the proxy event, the reply mapping and its errors, the
// integration timeout, API keys. No sockets, no processes, no sleeps.
#include "emulator/services/route_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/base64.h"
#include "tests/test_util.h"

namespace fanlab::services {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

struct RecordingObserver : ServiceObserver {
  struct Seen {
    std::string kind, resource, key, detail;
  };
  void OnServiceEvent(const ServiceEvent& e) override {
    EXPECT_EQ(e.service, "http");
    seen.push_back({std::string(e.kind), std::string(e.resource),
                    std::string(e.key), std::string(e.detail)});
  }
  std::vector<Seen> seen;
};

class RouteServiceTest : public ::testing::Test {
 protected:
  struct Call {
    std::string function;
    std::string payload;
    RouteService::InvokeDone done;
  };

  RouteServiceTest()
      : routes_(clock_, ids_,
                [this](const std::string& name, std::string payload,
                       RouteService::InvokeDone done) {
                  calls_.push_back({name, std::move(payload), std::move(done)});
                }) {
    routes_.SetObserver(&observer_);
  }

  Route Add(std::string method, std::string path, std::string function = "fn") {
    auto r = routes_.CreateRoute({.method = std::move(method),
                                  .path = std::move(path),
                                  .function = std::move(function)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Route{};
  }

  // The template and parameters serving `method path`, or "-".
  std::string Matched(std::string_view method, std::string_view path) {
    auto m = routes_.Match(method, path);
    if (!m) return "-";
    std::string out = m->route->method + " " + m->route->path;
    for (const auto& [k, v] : m->path_parameters) out += " " + k + "=" + v;
    return out;
  }

  // Sends a request; the answer lands in the returned slot.
  std::shared_ptr<std::optional<HttpResponse>> Send(HttpRequest request) {
    auto slot = std::make_shared<std::optional<HttpResponse>>();
    routes_.Handle(request, [slot](HttpResponse r) {
      ASSERT_FALSE(slot->has_value()) << "answered twice";
      *slot = std::move(r);
    });
    return slot;
  }

  static HttpRequest Get(std::string path, std::string query = "") {
    return {.method = "GET",
            .path = std::move(path),
            .query = std::move(query),
            .headers = {{"Host", "127.0.0.1:8080"}},
            .source_ip = "127.0.0.1"};
  }

  // Answers the last invocation with a successful `payload`.
  void Reply(std::string payload) {
    ASSERT_FALSE(calls_.empty());
    auto done = std::move(calls_.back().done);
    done(compute::InvokeResult{.payload = std::move(payload)});
  }

  static std::string Header(const HttpResponse& r, std::string_view name) {
    const std::string* v = FindHeader(r.headers, name);
    return v != nullptr ? *v : "<none>";
  }

  VirtualClock clock_;
  IdGenerator ids_{7};
  std::vector<Call> calls_;
  RecordingObserver observer_;
  RouteService routes_;
};

TEST_F(RouteServiceTest, CreateValidatesMethodPathAndKeys) {
  auto error = [&](Route r) {
    auto created = routes_.CreateRoute(std::move(r));
    EXPECT_FALSE(created.ok());
    return created.ok() ? "" : std::string(created.status().name());
  };
  const std::string kInvalid = "InvalidParameterValueException";
  EXPECT_EQ(error({.method = "FETCH", .path = "/a", .function = "f"}),
            kInvalid);
  for (const char* bad :
       {"", "a", "/a/", "//a", "/a b", "/{}", "/{a", "/{a b}", "/{p+}/x",
        "/{a}/{a}", "/_sinks/x", "/_sinks", "/_fanlab/sleep", "/_fanlab",
        "/caf\xC3\xA9", "/a?b"}) {
    EXPECT_EQ(error({.method = "GET", .path = bad, .function = "f"}), kInvalid)
        << bad;
  }
  EXPECT_EQ(error({.method = "GET", .path = "/a", .function = ""}), kInvalid);
  EXPECT_EQ(error({.method = "GET",
                   .path = "/a",
                   .function = "f",
                   .api_key_required = true}),
            kInvalid);

  Route r = Add("get", "/user/{username}/schedules");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.resource_id.size(), 6u);
  // Same path, other method: same resource id.
  EXPECT_EQ(Add("POST", "/user/{username}/schedules").resource_id,
            r.resource_id);
  EXPECT_EQ(error({.method = "GET",
                   .path = "/user/{username}/schedules",
                   .function = "g"}),
            "ResourceConflictException");
  // Another name for the variable part at the same level is refused.
  EXPECT_EQ(error({.method = "GET", .path = "/user/{id}", .function = "f"}),
            kInvalid);
  Add("ANY", "/");
  Add("GET", "/files/{path+}");
  EXPECT_EQ(routes_.ListRoutes().size(), 4u);
}

// Regression: templates had no limit and every tree node kept its whole
// prefix, so memory grew with the square of the length: 100,000 "/a"
// segments took 9.8 GB, then the node chain overflowed the stack when
// freed; 20,000 "{pN}" segments blocked the loop for 5.5 s (a quadratic
// duplicate-name check).
TEST_F(RouteServiceTest, TemplatesOverTheLimitsAreRefused) {
  auto repeat = [](size_t n, auto segment) {
    std::string path;
    for (size_t i = 0; i < n; ++i) path += segment(i);
    return path;
  };
  auto param = [](size_t i) { return "/{p" + std::to_string(i) + "}"; };
  auto literal = [](size_t) { return std::string("/a"); };
  for (const std::string& bad : {repeat(100000, literal), repeat(20000, param),
                                 repeat(kMaxRouteSegments + 1, literal),
                                 "/" + std::string(kMaxRoutePathBytes, 'a')}) {
    auto created =
        routes_.CreateRoute({.method = "GET", .path = bad, .function = "f"});
    EXPECT_EQ(created.status().code(), lambda::kInvalidParameterValueException)
        << bad.size();
    EXPECT_EQ(routes_.DeleteRoute("GET", bad).code(),
              lambda::kResourceNotFoundException);
  }
  EXPECT_TRUE(routes_.ListRoutes().empty());

  // At the limits: accepted, served, deleted.
  std::string deepest = repeat(kMaxRouteSegments, param);
  EXPECT_EQ(Add("GET", deepest).path, deepest);
  std::string longest = "/" + std::string(kMaxRoutePathBytes - 1, 'b');
  EXPECT_EQ(Add("GET", longest).path, longest);
  std::string request;
  for (size_t i = 0; i < kMaxRouteSegments; ++i) {
    request += "/v" + std::to_string(i);
  }
  auto m = routes_.Match("GET", request);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->path_parameters.size(), kMaxRouteSegments);
  EXPECT_EQ(m->path_parameters["p99"], "v99");
  EXPECT_EQ(Matched("GET", longest), "GET " + longest);
  EXPECT_TRUE(routes_.DeleteRoute("GET", deepest).ok());
  EXPECT_TRUE(routes_.DeleteRoute("GET", longest).ok());
  EXPECT_TRUE(routes_.ListRoutes().empty());
  // A name used twice is found however far apart the two are.
  EXPECT_FALSE(routes_
                   .CreateRoute({.method = "GET",
                                 .path = repeat(98, param) + "/x/{p0}",
                                 .function = "f"})
                   .ok());
}

TEST_F(RouteServiceTest, LiteralBeatsParamBeatsGreedyAndMethodBeatsAny) {
  Add("GET", "/users/me", "me");
  Add("GET", "/users/{id}", "user");
  Add("ANY", "/users/{id}", "any-user");
  Add("GET", "/{proxy+}", "proxy");
  Add("GET", "/users/{id}/pets/{pet}", "pet");

  EXPECT_EQ(Matched("GET", "/users/me"), "GET /users/me");
  EXPECT_EQ(Matched("GET", "/users/bob"), "GET /users/{id} id=bob");
  EXPECT_EQ(Matched("DELETE", "/users/bob"), "ANY /users/{id} id=bob");
  // /users/me has no DELETE: the next most specific route serves it.
  EXPECT_EQ(Matched("DELETE", "/users/me"), "ANY /users/{id} id=me");
  EXPECT_EQ(Matched("GET", "/users/bob/pets/rex"),
            "GET /users/{id}/pets/{pet} id=bob pet=rex");
  // No literal or param path reaches the end: the greedy one takes it all.
  EXPECT_EQ(Matched("GET", "/users/bob/cars/1"),
            "GET /{proxy+} proxy=users/bob/cars/1");
  EXPECT_EQ(Matched("GET", "/a%20b/c"), "GET /{proxy+} proxy=a b/c");
  EXPECT_EQ(Matched("POST", "/users/bob/cars/1"), "-");
  // The greedy parameter needs at least one segment.
  EXPECT_EQ(Matched("GET", "/"), "-");
  // A trailing slash is the same resource; path parameters are decoded.
  EXPECT_EQ(Matched("GET", "/users/me/"), "GET /users/me");
  EXPECT_EQ(Matched("GET", "/users/j%C3%B6rg"),
            "GET /users/{id} id=j\xC3\xB6rg");
}

TEST_F(RouteServiceTest, DeleteRemovesTheMethodAndPrunesTheTree) {
  Add("GET", "/user/{username}");
  EXPECT_EQ(routes_.DeleteRoute("GET", "/user/{other}").code(),
            lambda::kResourceNotFoundException);
  EXPECT_EQ(routes_.DeleteRoute("POST", "/user/{username}").code(),
            lambda::kResourceNotFoundException);
  EXPECT_TRUE(routes_.DeleteRoute("get", "/user/{username}").ok());
  EXPECT_EQ(Matched("GET", "/user/bob"), "-");
  EXPECT_TRUE(routes_.ListRoutes().empty());
  // The variable part is free again.
  Add("GET", "/user/{id}");
  EXPECT_EQ(Matched("GET", "/user/bob"), "GET /user/{id} id=bob");
  ASSERT_GE(observer_.seen.size(), 3u);
  EXPECT_EQ(observer_.seen[1].kind, "RouteDeleted");
  EXPECT_EQ(observer_.seen[1].resource, "GET /user/{username}");
}

TEST_F(RouteServiceTest, EventHasApiGatewaysProxyShape) {
  Add("POST", "/user/{username}/schedules", "schedules");
  clock_.Advance(std::chrono::milliseconds(1234));
  HttpRequest req{.method = "POST",
                  .path = "/user/b%C3%B6b/schedules",
                  .query = "a=1&b=x%20y&a=2&flag",
                  .headers = {{"Host", "127.0.0.1:8080"},
                              {"User-Agent", "curl/8.0"},
                              {"X-Multi", "one"},
                              {"x-multi", "two"}},
                  .body = R"({"algorithm":"sum"})",
                  .source_ip = "127.0.0.1"};
  auto answer = Send(req);
  ASSERT_EQ(calls_.size(), 1u);
  EXPECT_FALSE(answer->has_value());
  EXPECT_EQ(calls_[0].function, "schedules");
  json::object e = json::parse(calls_[0].payload).as_object();

  EXPECT_EQ(e["resource"], "/user/{username}/schedules");
  EXPECT_EQ(e["path"], "/user/b%C3%B6b/schedules");
  EXPECT_EQ(e["httpMethod"], "POST");
  EXPECT_EQ(e["headers"].at("Host"), "127.0.0.1:8080");
  // Repeated header names (any case): the last value, and all of them.
  EXPECT_EQ(e["headers"].at("X-Multi"), "two");
  EXPECT_EQ(e["multiValueHeaders"].at("X-Multi"), (json::array{"one", "two"}));
  EXPECT_EQ(e["queryStringParameters"],
            (json::object{{"a", "2"}, {"b", "x y"}, {"flag", ""}}));
  EXPECT_EQ(e["multiValueQueryStringParameters"].at("a"),
            (json::array{"1", "2"}));
  EXPECT_EQ(e["pathParameters"], (json::object{{"username",
                                                "b\xC3\xB6"
                                                "b"}}));
  EXPECT_TRUE(e["stageVariables"].is_null());
  EXPECT_EQ(e["body"], R"({"algorithm":"sum"})");
  EXPECT_EQ(e["isBase64Encoded"], false);

  json::object& c = e["requestContext"].as_object();
  EXPECT_EQ(c["resourcePath"], "/user/{username}/schedules");
  EXPECT_EQ(c["resourceId"].as_string(), routes_.ListRoutes()[0].resource_id);
  EXPECT_EQ(c["httpMethod"], "POST");
  EXPECT_EQ(c["stage"], "prod");
  EXPECT_EQ(c["path"], "/prod/user/b%C3%B6b/schedules");
  EXPECT_EQ(c["accountId"], "000000000000");
  EXPECT_EQ(c["protocol"], "HTTP/1.1");
  EXPECT_EQ(c["requestTimeEpoch"], 1767225601234);
  EXPECT_EQ(c["requestTime"], "01/Jan/2026:00:00:01 +0000");
  EXPECT_TRUE(testing::IsUuidV4(c["requestId"].as_string()));
  EXPECT_EQ(c["domainName"], "127.0.0.1:8080");
  EXPECT_EQ(c["identity"].at("sourceIp"), "127.0.0.1");
  EXPECT_EQ(c["identity"].at("userAgent"), "curl/8.0");
  EXPECT_FALSE(c["identity"].as_object().contains("apiKey"));

  Reply(R"({"statusCode":201,"body":"made"})");
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->status, 201);
  EXPECT_EQ((*answer)->body, "made");
  EXPECT_EQ(Header(**answer, "x-amzn-RequestId"), c["requestId"].as_string());
}

TEST_F(RouteServiceTest, AbsentPartsAreNullAndBinaryBodiesBase64) {
  Add("GET", "/plain");
  Send(Get("/plain"));
  json::object e = json::parse(calls_.back().payload).as_object();
  EXPECT_TRUE(e["queryStringParameters"].is_null());
  EXPECT_TRUE(e["multiValueQueryStringParameters"].is_null());
  EXPECT_TRUE(e["pathParameters"].is_null());
  EXPECT_TRUE(e["body"].is_null());

  Add("PUT", "/blob");
  std::string bytes("\x00\xFF\xFEpng", 6);
  Send({.method = "PUT", .path = "/blob", .body = bytes});
  e = json::parse(calls_.back().payload).as_object();
  EXPECT_EQ(e["isBase64Encoded"], true);
  EXPECT_EQ(Base64Decode(e["body"].as_string()), bytes);
  // Invalid UTF-8 in a header or parameter still makes valid JSON.
  Add("GET", "/x/{id}");
  Send({.method = "GET", .path = "/x/%FF", .headers = {{"X-Bad", "\xC3("}}});
  e = json::parse(calls_.back().payload).as_object();
  EXPECT_EQ(e["pathParameters"].at("id"), "\xEF\xBF\xBD");
}

TEST_F(RouteServiceTest, ReplyHeadersMergeAndBase64BodiesDecode) {
  Add("GET", "/r");
  auto answer = Send(Get("/r"));
  Reply(R"({"statusCode":200,
            "headers":{"X-One":"1","Set-Cookie":"lost=1","X-Num":5,
                       "Content-Length":"99"},
            "multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},
            "body":")" +
        Base64Encode(std::string("\x01\x02", 2)) +
        R"(","isBase64Encoded":true})");
  ASSERT_TRUE(answer->has_value());
  const HttpResponse& r = **answer;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string("\x01\x02", 2));
  EXPECT_EQ(Header(r, "X-One"), "1");
  EXPECT_EQ(Header(r, "X-Num"), "5");
  // For a name in both, multiValueHeaders wins.
  std::vector<std::string> cookies;
  for (const auto& [k, v] : r.headers) {
    if (k == "Set-Cookie") cookies.push_back(v);
  }
  EXPECT_EQ(cookies, (std::vector<std::string>{"a=1", "b=2"}));
  // Framing headers are passed on renamed, never as themselves.
  EXPECT_EQ(Header(r, "Content-Length"), "<none>");
  EXPECT_EQ(Header(r, "x-amzn-Remapped-Content-Length"), "99");
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");  // the default
}

class MalformedReplyTest : public RouteServiceTest,
                           public ::testing::WithParamInterface<const char*> {};

TEST_P(MalformedReplyTest, Is502InternalServerError) {
  Add("GET", "/r");
  auto answer = Send(Get("/r"));
  Reply(GetParam());
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->status, 502);
  EXPECT_EQ((*answer)->body, R"({"message":"Internal server error"})");
  EXPECT_EQ(Header(**answer, "x-amzn-ErrorType"),
            "InternalServerErrorException");
}

INSTANTIATE_TEST_SUITE_P(
    Replies, MalformedReplyTest,
    ::testing::Values(
        "not json", "[]", "\"text\"", "{}", R"({"body":"no status"})",
        R"({"statusCode":"200"})", R"({"statusCode":99})",
        R"({"statusCode":600})", R"({"statusCode":200,"extra":1})",
        R"({"statusCode":200,"body":{"json":"object"}})",
        R"({"statusCode":200,"headers":[]})",
        R"({"statusCode":200,"headers":{"X":{"a":1}}})",
        R"({"statusCode":200,"multiValueHeaders":{"X":"not a list"}})",
        R"({"statusCode":200,"headers":{"X":"a\r\nInjected: 1"}})",
        R"({"statusCode":200,"isBase64Encoded":"yes"})",
        R"({"statusCode":200,"body":"!!","isBase64Encoded":true})"));

// Regression: header names were never checked and values only for CR/LF,
// so a reply could add headers to the answer (response splitting) or
// desync a keep-alive connection; and a 1xx status went out as the final
// answer, leaving the client waiting for another.
INSTANTIATE_TEST_SUITE_P(
    SplittingHeadersAndInterimStatuses, MalformedReplyTest,
    ::testing::Values(
        R"({"statusCode":100})", R"({"statusCode":101,"body":"x"})",
        R"({"statusCode":199})",
        R"({"statusCode":200,"headers":{"X\r\nSet-Cookie: a=b\r\nY":"v"}})",
        R"({"statusCode":200,"headers":{"":"v"}})",
        R"({"statusCode":200,"headers":{"X A":"v"}})",
        R"({"statusCode":200,"headers":{"X:A":"v"}})",
        R"({"statusCode":200,"headers":{"X-A":"a\u0001b"}})",
        R"({"statusCode":200,"headers":{"X-A":"a\u007f"}})",
        R"({"statusCode":200,"headers":{"X-A":"a\u0000b"}})",
        R"({"statusCode":200,"multiValueHeaders":{"X\nY":["v"]}})",
        R"({"statusCode":200,"multiValueHeaders":{"X":["ok","a\rb"]}})"));

TEST_F(RouteServiceTest, ValidOddHeadersAndStatusesPassThrough) {
  Add("GET", "/r");
  auto answer = Send(Get("/r"));
  Reply(R"({"statusCode":599,"headers":{"X-Tab":"a\tb \u00e9",
            "A1!#$%&'*+-.^_`|~":"token"}})");
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->status, 599);
  EXPECT_EQ(Header(**answer, "X-Tab"), "a\tb \xC3\xA9");
  EXPECT_EQ(Header(**answer, "A1!#$%&'*+-.^_`|~"), "token");
}

TEST_F(RouteServiceTest, FunctionErrorsTimeoutsAndInvokeFailures) {
  Add("GET", "/r");
  auto answer = Send(Get("/r"));
  calls_.back().done(compute::InvokeResult{
      .function_error = "Unhandled",
      .payload = R"({"errorType":"TestError","errorMessage":"boom"})"});
  EXPECT_EQ((*answer)->status, 502);

  answer = Send(Get("/r"));
  calls_.back().done(compute::InvokeResult{
      .function_error = "Unhandled",
      .payload = R"({"errorType":"Sandbox.Timedout","errorMessage":"x"})"});
  EXPECT_EQ((*answer)->status, 504);
  EXPECT_EQ((*answer)->body, R"({"message":"Endpoint request timed out"})");

  answer = Send(Get("/r"));
  calls_.back().done(Status(lambda::kTooManyRequestsException, "Rate"));
  EXPECT_EQ((*answer)->status, 500);
  EXPECT_EQ((*answer)->body, R"({"message":"Internal server error"})");

  answer = Send(Get("/r"));
  calls_.back().done(Status(lambda::kRequestTooLargeException, "big"));
  EXPECT_EQ((*answer)->status, 413);
  EXPECT_EQ(routes_.pending(), 0u);
}

TEST_F(RouteServiceTest, IntegrationTimeoutAnswers504AndDropsTheLateReply) {
  Add("GET", "/slow");
  auto answer = Send(Get("/slow"));
  EXPECT_EQ(routes_.pending(), 1u);
  clock_.Advance(std::chrono::seconds(28));
  EXPECT_FALSE(answer->has_value());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->status, 504);
  EXPECT_EQ(routes_.pending(), 0u);
  Reply(R"({"statusCode":200})");  // late: ignored (the slot asserts once)
  EXPECT_EQ((*answer)->status, 504);
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

// --- HTTP API routes (payload format 2.0) ---------------------------------

TEST_F(RouteServiceTest, PayloadFormatIsOneOrTwo) {
  EXPECT_EQ(Add("GET", "/a").payload_format, "1.0");
  auto bad = routes_.CreateRoute({.method = "GET",
                                  .path = "/b",
                                  .function = "f",
                                  .payload_format = "3.0"});
  EXPECT_EQ(bad.status().code(), lambda::kInvalidParameterValueException);
  EXPECT_THAT(bad.status().message(), HasSubstr("1.0 or 2.0"));
  auto v2 = routes_.CreateRoute({.method = "GET",
                                 .path = "/b",
                                 .function = "f",
                                 .payload_format = "2.0"});
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->payload_format, "2.0");
}

TEST_F(RouteServiceTest, VersionTwoEventHasTheHttpApiShape) {
  ASSERT_TRUE(routes_
                  .CreateRoute({.method = "POST",
                                .path = "/user/{username}/schedules",
                                .function = "schedules",
                                .payload_format = "2.0"})
                  .ok());
  clock_.Advance(std::chrono::milliseconds(1234));
  HttpRequest req{.method = "POST",
                  .path = "/user/b%C3%B6b/schedules",
                  .query = "a=1&b=x%20y&a=2",
                  .headers = {{"Host", "127.0.0.1:8080"},
                              {"User-Agent", "curl/8.0"},
                              {"X-Multi", "one"},
                              {"x-multi", "two"},
                              {"Cookie", "s=1; theme=dark"}},
                  .body = R"({"algorithm":"sum"})",
                  .source_ip = "127.0.0.1"};
  auto answer = Send(req);
  ASSERT_EQ(calls_.size(), 1u);
  json::object e = json::parse(calls_[0].payload).as_object();
  EXPECT_EQ(e["version"], "2.0");
  EXPECT_EQ(e["routeKey"], "POST /user/{username}/schedules");
  EXPECT_EQ(e["rawPath"], "/user/b%C3%B6b/schedules");
  EXPECT_EQ(e["rawQueryString"], "a=1&b=x%20y&a=2");
  EXPECT_EQ(e["cookies"], (json::array{"s=1", "theme=dark"}));
  // Lower-case names, repeats joined with commas, the cookies moved out.
  EXPECT_EQ(e["headers"], (json::object{{"host", "127.0.0.1:8080"},
                                        {"user-agent", "curl/8.0"},
                                        {"x-multi", "one,two"}}));
  EXPECT_EQ(e["queryStringParameters"],
            (json::object{{"a", "1,2"}, {"b", "x y"}}));
  EXPECT_EQ(e["pathParameters"], (json::object{{"username",
                                                "b\xC3\xB6"
                                                "b"}}));
  EXPECT_FALSE(e.contains("multiValueHeaders"));
  EXPECT_FALSE(e.contains("resource"));
  EXPECT_EQ(e["body"], R"({"algorithm":"sum"})");
  EXPECT_EQ(e["isBase64Encoded"], false);
  json::object& c = e["requestContext"].as_object();
  EXPECT_EQ(c["routeKey"], "POST /user/{username}/schedules");
  EXPECT_EQ(c["stage"], "$default");
  EXPECT_EQ(c["accountId"], "000000000000");
  EXPECT_EQ(c["apiId"], "fanlab000");
  EXPECT_EQ(c["domainName"], "127.0.0.1:8080");
  EXPECT_EQ(c["timeEpoch"], 1767225601234);
  EXPECT_EQ(c["time"], "01/Jan/2026:00:00:01 +0000");
  EXPECT_TRUE(testing::IsUuidV4(c["requestId"].as_string()));
  EXPECT_EQ(c["http"], (json::object{{"method", "POST"},
                                     {"path", "/user/b%C3%B6b/schedules"},
                                     {"protocol", "HTTP/1.1"},
                                     {"sourceIp", "127.0.0.1"},
                                     {"userAgent", "curl/8.0"}}));
  Reply(R"({"statusCode":201,"body":"made","cookies":["a=1","b=2"]})");
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->status, 201);
  EXPECT_EQ((*answer)->body, "made");
  std::vector<std::string> set_cookies;
  for (const auto& [k, v] : (*answer)->headers) {
    if (k == "Set-Cookie") set_cookies.push_back(v);
  }
  EXPECT_EQ(set_cookies, (std::vector<std::string>{"a=1", "b=2"}));
}

TEST_F(RouteServiceTest, VersionTwoOmitsAbsentParts) {
  ASSERT_TRUE(routes_
                  .CreateRoute({.method = "GET",
                                .path = "/plain",
                                .function = "f",
                                .payload_format = "2.0"})
                  .ok());
  Send(Get("/plain"));
  json::object e = json::parse(calls_.back().payload).as_object();
  for (const char* absent :
       {"cookies", "queryStringParameters", "pathParameters", "body"}) {
    EXPECT_FALSE(e.contains(absent)) << absent;
  }
  EXPECT_EQ(e["rawQueryString"], "");
}

TEST_F(RouteServiceTest, VersionTwoAnswersWithoutStatusCodeAreJsonBodies) {
  ASSERT_TRUE(routes_
                  .CreateRoute({.method = "GET",
                                .path = "/r",
                                .function = "f",
                                .payload_format = "2.0"})
                  .ok());
  struct Case {
    std::string reply;
    std::string body;
  };
  for (const Case& c :
       std::vector<Case>{{R"("Hello from Lambda!")", "Hello from Lambda!"},
                         {R"([{"id":1}])", R"([{"id":1}])"},
                         {R"({"message":"hi"})", R"({"message":"hi"})"},
                         {"42", "42"}}) {
    auto answer = Send(Get("/r"));
    Reply(c.reply);
    ASSERT_TRUE(answer->has_value());
    EXPECT_EQ((*answer)->status, 200) << c.reply;
    EXPECT_EQ((*answer)->body, c.body);
    EXPECT_EQ(Header(**answer, "Content-Type"), "application/json");
  }
  // With statusCode: the 2.0 fields; headers as given, unknown fields
  // ignored (a REST API would refuse them).
  auto answer = Send(Get("/r"));
  Reply(R"({"statusCode":404,"headers":{"content-type":"text/plain"},)"
        R"("body":"aGk=","isBase64Encoded":true,"extra":1})");
  EXPECT_EQ((*answer)->status, 404);
  EXPECT_EQ((*answer)->body, "hi");
  EXPECT_EQ(Header(**answer, "content-type"), "text/plain");
}

TEST_F(RouteServiceTest, VersionTwoGatewayErrorsAreTheHttpApis) {
  ASSERT_TRUE(routes_
                  .CreateRoute({.method = "GET",
                                .path = "/r",
                                .function = "f",
                                .payload_format = "2.0"})
                  .ok());
  for (const char* malformed :
       {"not json", R"({"statusCode":"200"})", R"({"statusCode":99})",
        R"({"statusCode":200,"cookies":"a=1"})",
        R"({"statusCode":200,"headers":{"a b":"x"}})",
        R"({"statusCode":200,"body":{}})"}) {
    auto answer = Send(Get("/r"));
    Reply(malformed);
    EXPECT_EQ((*answer)->status, 500) << malformed;
    EXPECT_EQ((*answer)->body, R"({"message":"Internal Server Error"})");
  }
  auto answer = Send(Get("/r"));
  calls_.back().done(compute::InvokeResult{
      .function_error = "Unhandled",
      .payload = R"({"errorType":"TestError","errorMessage":"boom"})"});
  EXPECT_EQ((*answer)->status, 500);
  answer = Send(Get("/r"));
  calls_.back().done(compute::InvokeResult{
      .function_error = "Unhandled",
      .payload = R"({"errorType":"Sandbox.Timedout","errorMessage":"x"})"});
  EXPECT_EQ((*answer)->status, 503);
  EXPECT_EQ((*answer)->body, R"({"message":"Service Unavailable"})");
  // The integration timeout too.
  answer = Send(Get("/r"));
  clock_.Advance(std::chrono::seconds(29));
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->status, 503);
}

TEST_F(RouteServiceTest, AnsweredRequestsCancelTheirTimer) {
  Add("GET", "/r");
  Send(Get("/r"));
  EXPECT_EQ(clock_.PendingTimers(), 1u);
  Reply(R"({"statusCode":204})");
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

TEST_F(RouteServiceTest, ApiKeysAreChecked) {
  ASSERT_TRUE(routes_
                  .CreateRoute({.method = "GET",
                                .path = "/secret",
                                .function = "fn",
                                .api_key_required = true,
                                .api_keys = {"key-one", "key-two"}})
                  .ok());
  auto answer = Send(Get("/secret"));
  EXPECT_EQ((*answer)->status, 403);
  EXPECT_EQ((*answer)->body, R"({"message":"Forbidden"})");
  EXPECT_EQ(Header(**answer, "x-amzn-ErrorType"), "ForbiddenException");

  HttpRequest req = Get("/secret");
  req.headers.push_back({"x-api-key", "wrong"});
  EXPECT_EQ((*Send(req))->status, 403);
  EXPECT_TRUE(calls_.empty());

  req.headers.back().second = "key-two";
  answer = Send(req);
  ASSERT_EQ(calls_.size(), 1u);
  json::object e = json::parse(calls_[0].payload).as_object();
  EXPECT_EQ(e["requestContext"].at("identity").at("apiKey"), "key-two");
  EXPECT_FALSE(
      e["requestContext"].at("identity").at("apiKeyId").as_string().empty());
}

TEST_F(RouteServiceTest, NoRouteIsMissingAuthenticationToken) {
  Add("GET", "/only");
  for (auto [method, path] :
       {std::pair{"GET", "/other"}, std::pair{"POST", "/only"}}) {
    auto answer = Send({.method = method, .path = path});
    ASSERT_TRUE(answer->has_value());
    EXPECT_EQ((*answer)->status, 403);
    EXPECT_EQ((*answer)->body, R"({"message":"Missing Authentication Token"})");
    EXPECT_EQ(Header(**answer, "x-amzn-ErrorType"),
              "MissingAuthenticationTokenException");
  }
  EXPECT_TRUE(calls_.empty());
  const auto& last = observer_.seen.back();
  EXPECT_EQ(last.kind, "RouteRequest");
  EXPECT_EQ(last.resource, "");
  EXPECT_EQ(json::parse(last.detail).at("status"), 403);
}

TEST_F(RouteServiceTest, RequestsArePublished) {
  Add("GET", "/r/{id}", "fn");
  Send(Get("/r/7"));
  Reply(R"({"statusCode":202})");
  ASSERT_EQ(observer_.seen.size(), 2u);
  EXPECT_EQ(observer_.seen[0].kind, "RouteCreated");
  EXPECT_EQ(observer_.seen[0].resource, "GET /r/{id}");
  const auto& request = observer_.seen[1];
  EXPECT_EQ(request.kind, "RouteRequest");
  EXPECT_EQ(request.resource, "/r/{id}");
  EXPECT_TRUE(testing::IsUuidV4(request.key));
  EXPECT_EQ(json::parse(request.detail),
            json::parse(R"({"method":"GET","path":"/r/7","status":202,
                            "function":"fn"})"));
}

TEST_F(RouteServiceTest, SynchronousInvokeAnswersAreServed) {
  RouteService sync(
      clock_, ids_,
      [](const std::string&, std::string, RouteService::InvokeDone done) {
        done(Status(lambda::kResourceNotFoundException, "Function not found"));
      });
  ASSERT_TRUE(
      sync.CreateRoute({.method = "GET", .path = "/", .function = "gone"})
          .ok());
  std::optional<HttpResponse> answer;
  sync.Handle(Get("/"), [&](HttpResponse r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 500);
  EXPECT_EQ(sync.pending(), 0u);
}

TEST_F(RouteServiceTest, DestroyedServiceDropsPendingRequests) {
  RouteService::InvokeDone kept;
  bool answered = false;
  {
    RouteService doomed(
        clock_, ids_,
        [&](const std::string&, std::string, RouteService::InvokeDone done) {
          kept = std::move(done);
        });
    ASSERT_TRUE(
        doomed.CreateRoute({.method = "GET", .path = "/", .function = "f"})
            .ok());
    doomed.Handle(Get("/"), [&](HttpResponse) { answered = true; });
    EXPECT_EQ(clock_.PendingTimers(), 1u);
  }
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  kept(compute::InvokeResult{.payload = R"({"statusCode":200})"});
  EXPECT_FALSE(answered);
}

TEST(RouteHelpersTest, PercentDecodeAndParseQuery) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc+d%zz%4"), "a b/c+d%zz%4");
  auto q = ParseQuery("x=1&&y&z=%41=B&");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"x", "1"}));
  EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"y", ""}));
  EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"z", "A=B"}));
  HttpResponse r = GatewayResponse(403, "Forbidden", "ForbiddenException");
  EXPECT_EQ(r.body, R"({"message":"Forbidden"})");
  EXPECT_THAT(*FindHeader(r.headers, "content-type"),
              HasSubstr("application/json"));
}

}  // namespace
}  // namespace fanlab::services
