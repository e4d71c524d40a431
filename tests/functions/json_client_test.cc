// The SDK's Boost.JSON calls (functions/sdk/fanlab/json_client.h) against
// a function socket the test answers by hand: CallJson's answer object, a
// refusal as ServiceError (the service's type and message, the action),
// the wait bounded by the Context's remaining time (on the emulator's
// clock), CallJsonAll's first failure, and ParseObject's error.
#include <fanlab/json_client.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/functions/function_socket_peer.h"

namespace fanlab::sdk {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

// A Context whose deadline is `left_ms` away on an emulator clock that is
// not the wall clock.
Context ContextWithMs(int64_t left_ms) {
  Context ctx;
  ctx.deadline_ms = 5000000 + left_ms;
  ctx.emulator_now_ms = 5000000;
  ctx.received = std::chrono::steady_clock::now();
  return ctx;
}

class JsonClientTest : public ::testing::Test,
                       public testing::FunctionSocketPeer {
 protected:
  JsonClientTest() { client_.emplace(endpoint_); }

  // Answers the next request with `status` and `body`; returns the request.
  std::thread AnswerNext(std::string status, std::string body,
                         std::vector<std::string>* request) {
    return std::thread([this, status, body, request] {
      *request = Receive();
      if (request->size() != 3) return;
      Send({(*request)[0], status, body});
    });
  }

  std::optional<Client> client_;
};

TEST_F(JsonClientTest, CallJsonSendsTheObjectAndReturnsTheAnswer) {
  std::vector<std::string> request;
  std::thread server = AnswerNext("ok", R"({"QueueUrl":"http://q"})", &request);
  const json::object answer = CallJson(
      *client_, "CreateQueue", {{"QueueName", "q"}}, ContextWithMs(10000));
  server.join();
  ASSERT_EQ(request.size(), 3u);
  EXPECT_EQ(request[1], "CreateQueue");
  EXPECT_EQ(json::parse(request[2]), json::parse(R"({"QueueName":"q"})"));
  EXPECT_EQ(answer.at("QueueUrl"), "http://q");

  // An answer that is not an object (an action that answers nothing).
  server = AnswerNext("ok", "", &request);
  EXPECT_TRUE(
      CallJson(*client_, "DeleteQueue", {}, ContextWithMs(10000)).empty());
  server.join();
}

TEST_F(JsonClientTest, ARefusalIsAServiceErrorWithTheServicesTypeAndMessage) {
  std::vector<std::string> request;
  std::thread server =
      AnswerNext("error",
                 R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist",)"
                 R"("message":"The specified queue does not exist."})",
                 &request);
  try {
    CallJson(*client_, "GetQueueUrl", {{"QueueName", "nope"}},
             ContextWithMs(10000));
    ADD_FAILURE() << "no exception";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.type(), "QueueDoesNotExist");
    EXPECT_EQ(e.action(), "GetQueueUrl");
    EXPECT_EQ(e.service_message(), "The specified queue does not exist.");
    EXPECT_EQ(e.message(), "GetQueueUrl: The specified queue does not exist.");
    EXPECT_STREQ(e.what(), e.message().c_str());
  }
  server.join();
}

TEST(ServiceErrorTest, FromBodiesWithoutATypeOrAMessage) {
  ServiceError upper = ServiceError::FromBody(
      "PutObject", R"({"__type":"NoSuchBucket","Message":"gone"})");
  EXPECT_EQ(upper.type(), "NoSuchBucket");
  EXPECT_EQ(upper.service_message(), "gone");
  ServiceError bare = ServiceError::FromBody("X", "not json");
  EXPECT_EQ(bare.type(), "ServiceError");
  EXPECT_EQ(bare.message(), "X: not json");
  // A ServiceError is an sdk::Error: a handler that lets it escape fails
  // with the service's type.
  const Error& base = bare;
  EXPECT_EQ(base.type(), "ServiceError");
}

TEST_F(JsonClientTest, TheWaitIsTheInvocationsRemainingTime) {
  // 150 ms left on the emulator's clock (the wall clock would say the
  // deadline is 56 years past): nobody answers, the call gives up after
  // about that long with InternalError.
  const auto start = std::chrono::steady_clock::now();
  try {
    CallJson(*client_, "Slow", {}, ContextWithMs(150));
    ADD_FAILURE() << "no exception";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.type(), "InternalError");
    EXPECT_THAT(e.message(), HasSubstr("No answer to Slow within 1"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // Past the deadline: 1 ms, never a negative or endless wait.
  try {
    CallJson(*client_, "Late", {}, ContextWithMs(-5000));
    ADD_FAILURE() << "no exception";
  } catch (const ServiceError& e) {
    EXPECT_THAT(e.message(), HasSubstr("within 1 ms"));
  }
}

TEST_F(JsonClientTest, CallJsonAllThrowsTheFirstFailureNamingHowMany) {
  std::thread server([&] {
    std::vector<std::vector<std::string>> requests;
    for (int i = 0; i < 3; ++i) requests.push_back(Receive());
    for (const auto& r : requests) {
      if (r.size() != 3) return;
    }
    Send({requests[0][0], "ok", "{}"});
    for (int i = 1; i < 3; ++i) {
      Send({requests[i][0], "error",
            R"({"__type":"x#TooManyRequestsException","message":"m)" +
                std::to_string(i) + "\"}"});
    }
  });
  try {
    CallJsonAll(*client_, "Invoke", {{{"i", 0}}, {{"i", 1}}, {{"i", 2}}},
                ContextWithMs(10000));
    ADD_FAILURE() << "no exception";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.type(), "TooManyRequestsException");
    EXPECT_EQ(e.message(), "Invoke: call 1 (2 of 3 failed): m1");
  }
  server.join();

  server = std::thread([&] {
    std::vector<std::string> a = Receive(), b = Receive();
    if (a.size() != 3 || b.size() != 3) return;
    Send({b[0], "ok", R"({"n":1})"});
    Send({a[0], "ok", R"({"n":0})"});
  });
  const std::vector<json::object> answers = CallJsonAll(
      *client_, "Invoke", {{{"i", 0}}, {{"i", 1}}}, ContextWithMs(10000));
  server.join();
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].at("n"), 0);
  EXPECT_EQ(answers[1].at("n"), 1);
}

TEST(ParseObjectTest, AnythingButAnObjectIsInvalidInputNamingWhat) {
  EXPECT_EQ(ParseObject(R"({"a":1})", "the event").at("a"), 1);
  for (const char* bad : {"[1]", "nope", ""}) {
    try {
      ParseObject(bad, "the event");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.type(), "InvalidInput");
      EXPECT_EQ(e.message(),
                std::string("the event must be a JSON object: ") + bad);
    }
  }
}

}  // namespace
}  // namespace fanlab::sdk
