// The Runtime API as a pure unit: requests in, answers and events out, no
// socket.
#include "emulator/compute/runtime_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fanlab::compute {
namespace {

namespace json = boost::json;

constexpr const char* kNext = "/2018-06-01/runtime/invocation/next";

std::string HeaderOf(const RuntimeApiResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

class RuntimeApiTest : public ::testing::Test {
 protected:
  RuntimeApiTest()
      : api_(RuntimeApiEvents{
            .on_next = [this] { ++nexts_; },
            .on_response =
                [this](const std::string& id, std::string body) {
                  responses_.push_back({id, std::move(body)});
                },
            .on_error =
                [this](const std::string& id, std::string type,
                       std::string payload) {
                  errors_.push_back({id, std::move(type), std::move(payload)});
                },
            .on_init_error =
                [this](std::string type, std::string payload) {
                  init_errors_.push_back({std::move(type), std::move(payload)});
                }}) {}

  // Sends a request; the answer (if any yet) lands in the returned slot.
  std::shared_ptr<std::optional<RuntimeApiResponse>> Send(
      std::string method, std::string path, std::string body = "",
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto slot = std::make_shared<std::optional<RuntimeApiResponse>>();
    api_.Handle({.method = std::move(method),
                 .path = std::move(path),
                 .headers = std::move(headers),
                 .body = std::move(body)},
                [slot](RuntimeApiResponse r) { *slot = std::move(r); });
    return slot;
  }

  RuntimeApiResponse Now(
      std::string method, std::string path, std::string body = "",
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto slot = Send(std::move(method), std::move(path), std::move(body),
                     std::move(headers));
    EXPECT_TRUE(slot->has_value());
    return slot->value_or(RuntimeApiResponse{.status = 0});
  }

  static std::string Path(const std::string& id, const std::string& what) {
    return "/2018-06-01/runtime/invocation/" + id + "/" + what;
  }

  static RuntimeApiInvocation Invocation(std::string id) {
    return {.request_id = std::move(id),
            .deadline_ms = 1700000003000,
            .function_arn = "arn:aws:lambda:us-east-1:000000000000:function:f",
            .trace_id = "Root=1-00000000-000000000000000000000000",
            .payload = R"({"n":1})"};
  }

  static std::pair<std::string, std::string> ErrorOf(
      const RuntimeApiResponse& r) {
    json::object o = json::parse(r.body).as_object();
    return {std::string(o.at("errorType").as_string()),
            std::string(o.at("errorMessage").as_string())};
  }

  struct Error {
    std::string id, type, payload;
  };
  RuntimeApi api_;
  int nexts_ = 0;
  std::vector<std::pair<std::string, std::string>> responses_;
  std::vector<Error> errors_;
  std::vector<std::pair<std::string, std::string>> init_errors_;
};

TEST_F(RuntimeApiTest, NextWaitsForAnInvocationAndCarriesLambdasHeaders) {
  auto next = Send("GET", kNext);
  EXPECT_FALSE(next->has_value());
  EXPECT_TRUE(api_.waiting());
  EXPECT_TRUE(api_.started());
  EXPECT_EQ(nexts_, 1);
  RuntimeApiInvocation inv = Invocation("r1");
  inv.client_context = R"({"custom":{}})";
  api_.Assign(inv);
  ASSERT_TRUE(next->has_value());
  const RuntimeApiResponse& r = **next;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"n":1})");
  EXPECT_EQ(HeaderOf(r, "Lambda-Runtime-Aws-Request-Id"), "r1");
  EXPECT_EQ(HeaderOf(r, "Lambda-Runtime-Deadline-Ms"), "1700000003000");
  EXPECT_EQ(HeaderOf(r, "Lambda-Runtime-Invoked-Function-Arn"),
            "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(HeaderOf(r, "Lambda-Runtime-Trace-Id"),
            "Root=1-00000000-000000000000000000000000");
  EXPECT_EQ(HeaderOf(r, "Lambda-Runtime-Client-Context"), R"({"custom":{}})");
  EXPECT_EQ(HeaderOf(r, "Lambda-Runtime-Cognito-Identity"), "<absent>");

  RuntimeApiResponse ok = Now("POST", Path("r1", "response"), "[1,2]");
  EXPECT_EQ(ok.status, 202);
  EXPECT_EQ(ok.body, R"({"status":"OK"})");
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0],
            std::make_pair(std::string("r1"), std::string("[1,2]")));
  EXPECT_FALSE(api_.busy());
}

TEST_F(RuntimeApiTest, AnInvocationAssignedFirstGoesToTheNextNext) {
  api_.Assign(Invocation("r1"));
  EXPECT_TRUE(api_.busy());
  RuntimeApiResponse r = Now("GET", kNext);
  EXPECT_EQ(HeaderOf(r, "Lambda-Runtime-Aws-Request-Id"), "r1");
}

TEST_F(RuntimeApiTest, UnknownAndAlreadyAnsweredIdsAreInvalidRequestIds) {
  // Before anything is handed out.
  RuntimeApiResponse early = Now("POST", Path("r1", "response"), "{}");
  EXPECT_EQ(early.status, 400);
  EXPECT_EQ(ErrorOf(early), std::make_pair(std::string("InvalidRequestID"),
                                           std::string("Invalid request ID")));
  api_.Assign(Invocation("r1"));
  // Assigned but not handed out yet: still not the runtime's to answer.
  EXPECT_EQ(Now("POST", Path("r1", "response"), "{}").status, 400);
  Now("GET", kNext);
  EXPECT_EQ(Now("POST", Path("other", "response"), "{}").status, 400);
  EXPECT_EQ(Now("POST", Path("other", "error"), "{}").status, 400);
  EXPECT_EQ(Now("POST", Path("r1", "response"), "{}").status, 202);
  RuntimeApiResponse twice = Now("POST", Path("r1", "response"), "{}");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(ErrorOf(twice).first, "InvalidRequestID");
  EXPECT_EQ(Now("POST", Path("r1", "error"), "{}").status, 400);
  EXPECT_EQ(responses_.size(), 1u);
  EXPECT_TRUE(errors_.empty());
}

TEST_F(RuntimeApiTest, AResponseOverSixMegabytesIsRefusedAndFailsTheCall) {
  api_.Assign(Invocation("r1"));
  Now("GET", kNext);
  RuntimeApiResponse big =
      Now("POST", Path("r1", "response"),
          std::string(RuntimeApi::kMaxResponseBytes + 1, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(ErrorOf(big),
            std::make_pair(std::string("RequestEntityTooLarge"),
                           std::string("Exceeded maximum allowed payload size "
                                       "(6291556 bytes).")));
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].id, "r1");
  EXPECT_EQ(errors_[0].type, "Function.ResponseSizeTooLarge");
  EXPECT_EQ(ErrorOf({.body = errors_[0].payload}).second,
            "Response payload size exceeded maximum allowed payload size "
            "(6291556 bytes).");
  // The invocation is over: a smaller retry is too late.
  EXPECT_EQ(Now("POST", Path("r1", "response"), "{}").status, 400);

  // Exactly the limit passes.
  api_.Assign(Invocation("r2"));
  Now("GET", kNext);
  EXPECT_EQ(Now("POST", Path("r2", "response"),
                std::string(RuntimeApi::kMaxResponseBytes, 'x'))
                .status,
            202);
}

TEST_F(RuntimeApiTest, ErrorsTakeTheirTypeFromTheBodyThenTheHeader) {
  api_.Assign(Invocation("r1"));
  Now("GET", kNext);
  std::string body =
      R"({"errorMessage":"boom","errorType":"ValueError","stackTrace":[]})";
  EXPECT_EQ(Now("POST", Path("r1", "error"), body,
                {{"Lambda-Runtime-Function-Error-Type", "Unhandled"}})
                .status,
            202);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].type, "ValueError");
  EXPECT_EQ(errors_[0].payload, body);

  // Not JSON: the text becomes the message, the header the type.
  api_.Assign(Invocation("r2"));
  Now("GET", kNext);
  EXPECT_EQ(Now("POST", Path("r2", "error"), "not json",
                {{"lambda-runtime-function-error-type", "Runtime.Custom"}})
                .status,
            202);
  ASSERT_EQ(errors_.size(), 2u);
  EXPECT_EQ(errors_[1].type, "Runtime.Custom");
  EXPECT_EQ(
      ErrorOf({.body = errors_[1].payload}),
      std::make_pair(std::string("Runtime.Custom"), std::string("not json")));

  // Neither: Unhandled.
  api_.Assign(Invocation("r3"));
  Now("GET", kNext);
  Now("POST", Path("r3", "error"));
  EXPECT_EQ(errors_[2].type, "Unhandled");
}

TEST_F(RuntimeApiTest, NextWhileAnInvocationIsUnansweredIsAStateError) {
  api_.Assign(Invocation("r1"));
  Now("GET", kNext);
  RuntimeApiResponse again = Now("GET", kNext);
  EXPECT_EQ(again.status, 403);
  EXPECT_EQ(ErrorOf(again).first, "InvalidStateTransition");
  // The invocation is still the runtime's to answer.
  EXPECT_EQ(Now("POST", Path("r1", "response"), "{}").status, 202);
}

TEST_F(RuntimeApiTest, AFloodOfNextHoldsOneRequestAtMost) {
  std::vector<std::shared_ptr<std::optional<RuntimeApiResponse>>> nexts;
  for (int i = 0; i < 100; ++i) nexts.push_back(Send("GET", kNext));
  for (int i = 0; i < 99; ++i) {
    ASSERT_TRUE(nexts[i]->has_value()) << i;
    EXPECT_EQ((*nexts[i])->status, 403);
    EXPECT_EQ(ErrorOf(**nexts[i]).first, "InvalidStateTransition");
  }
  EXPECT_FALSE(nexts[99]->has_value());
  api_.Assign(Invocation("r1"));
  ASSERT_TRUE(nexts[99]->has_value());
  EXPECT_EQ((*nexts[99])->status, 200);
}

TEST_F(RuntimeApiTest, InitErrorOnlyDuringInit) {
  std::string body = R"({"errorMessage":"No module named 'app'",)"
                     R"("errorType":"Runtime.ImportModuleError"})";
  EXPECT_EQ(
      Now("POST", "/2018-06-01/runtime/init/error", body,
          {{"Lambda-Runtime-Function-Error-Type", "Runtime.ImportModuleError"}})
          .status,
      202);
  ASSERT_EQ(init_errors_.size(), 1u);
  EXPECT_EQ(init_errors_[0].first, "Runtime.ImportModuleError");
  EXPECT_EQ(init_errors_[0].second, body);
  EXPECT_EQ(Now("POST", "/2018-06-01/runtime/init/error", body).status, 403);

  RuntimeApi fresh({});
  fresh.Handle({.method = "GET", .path = kNext}, [](RuntimeApiResponse) {});
  std::optional<RuntimeApiResponse> late;
  fresh.Handle({.method = "POST", .path = "/2018-06-01/runtime/init/error"},
               [&](RuntimeApiResponse r) { late = std::move(r); });
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->status, 403);
  EXPECT_EQ(ErrorOf(*late).first, "InvalidStateTransition");
}

TEST_F(RuntimeApiTest, OtherPathsAndMethodsAreRefused) {
  EXPECT_EQ(Now("GET", "/2018-06-01/runtime/nothing").status, 404);
  EXPECT_EQ(Now("GET", "/").status, 404);
  EXPECT_EQ(Now("GET", "/2018-06-01/runtime/invocation//response").status, 404);
  EXPECT_EQ(Now("GET", "/2018-06-01/runtime/invocation/r1/other").status, 404);
  RuntimeApiResponse post_next = Now("POST", kNext);
  EXPECT_EQ(post_next.status, 405);
  EXPECT_EQ(ErrorOf(post_next).first, "MethodNotAllowed");
  EXPECT_EQ(Now("GET", Path("r1", "response")).status, 405);
  EXPECT_EQ(nexts_, 0);
}

TEST_F(RuntimeApiTest, AbandonedInvocationsCannotBeAnswered) {
  api_.Assign(Invocation("r1"));
  Now("GET", kNext);
  api_.Abandon();
  EXPECT_EQ(Now("POST", Path("r1", "response"), "{}").status, 400);
  EXPECT_TRUE(responses_.empty());
}

// Given the emulator's clock, `next` carries its now as the invocation is
// handed out (not when it was assigned): the runtime clients measure the
// time left from it, not from the wall clock.
TEST(RuntimeApiClockTest, NextCarriesTheClocksNowWhenHandedOut) {
  VirtualClock clock;
  RuntimeApi api(RuntimeApiEvents{});
  api.SetClock(&clock);
  api.Assign({.request_id = "r1", .deadline_ms = 1, .payload = "{}"});
  clock.Advance(std::chrono::milliseconds(1500));
  std::optional<RuntimeApiResponse> answer;
  api.Handle({.method = "GET", .path = kNext},
             [&](RuntimeApiResponse r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(HeaderOf(*answer, "Lambda-Runtime-Fanlab-Now-Ms"),
            std::to_string(ToEpochMillis(VirtualClock::kDefaultStart) + 1500));

  // Without a clock there is no such header.
  RuntimeApi plain(RuntimeApiEvents{});
  plain.Assign({.request_id = "r2", .payload = "{}"});
  answer.reset();
  plain.Handle({.method = "GET", .path = kNext},
               [&](RuntimeApiResponse r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(HeaderOf(*answer, "Lambda-Runtime-Fanlab-Now-Ms"), "<absent>");
}

}  // namespace
}  // namespace fanlab::compute
