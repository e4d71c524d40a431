// SinkService on a virtual clock: sinks answer as configured and record
// every request, with the clock's time, up to the history cap.
#include "emulator/services/sink_service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "emulator/compute/lambda_errors.h"

namespace fanlab::services {
namespace {

namespace json = boost::json;

struct Events : ServiceObserver {
  void OnServiceEvent(const ServiceEvent& e) override {
    seen.push_back(std::string(e.kind) + " " + std::string(e.resource) + " " +
                   std::string(e.key));
  }
  std::vector<std::string> seen;
};

class SinkServiceTest : public ::testing::Test {
 protected:
  SinkServiceTest() { sinks_.SetObserver(&events_); }

  static HttpRequest Post(std::string path, std::string body) {
    size_t q = path.find('?');
    HttpRequest r{.method = "POST",
                  .path = path.substr(0, q),
                  .headers = {{"Content-Type", "application/json"}},
                  .body = std::move(body),
                  .source_ip = "127.0.0.1"};
    if (q != std::string::npos) r.query = path.substr(q + 1);
    return r;
  }

  VirtualClock clock_;
  Events events_;
  SinkService sinks_{clock_, {.max_requests = 3}};
};

TEST_F(SinkServiceTest, CreateValidatesAndListsByName) {
  EXPECT_EQ(sinks_.CreateSink({.name = ""}).status().code(),
            lambda::kInvalidParameterValueException);
  EXPECT_EQ(sinks_.CreateSink({.name = "a/b"}).status().code(),
            lambda::kInvalidParameterValueException);
  EXPECT_EQ(sinks_.CreateSink({.name = std::string(81, 'a')}).status().code(),
            lambda::kInvalidParameterValueException);
  EXPECT_EQ(sinks_.CreateSink({.name = "x", .status_code = 99}).status().code(),
            lambda::kInvalidParameterValueException);
  EXPECT_EQ(sinks_.CreateSink({.name = "x", .headers = {{"X-A", "1\r\nB: 2"}}})
                .status()
                .code(),
            lambda::kInvalidParameterValueException);

  auto created = sinks_.CreateSink({.name = "cb-2", .body = "thanks"});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->status_code, 200);
  // A body without a Content-Type is text/plain.
  EXPECT_EQ(*FindHeader(created->headers, "content-type"), "text/plain");
  EXPECT_EQ(sinks_.CreateSink({.name = "cb-2"}).status().code(),
            lambda::kResourceConflictException);
  ASSERT_TRUE(sinks_.CreateSink({.name = "a_1", .status_code = 500}).ok());
  auto all = sinks_.ListSinks();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a_1");
  EXPECT_EQ(all[1].name, "cb-2");

  EXPECT_TRUE(sinks_.DeleteSink("a_1").ok());
  EXPECT_EQ(sinks_.DeleteSink("a_1").code(),
            lambda::kResourceNotFoundException);
  EXPECT_EQ(sinks_.GetRequests("a_1").status().code(),
            lambda::kResourceNotFoundException);
  EXPECT_EQ(sinks_.ClearRequests("a_1").code(),
            lambda::kResourceNotFoundException);
  EXPECT_EQ(events_.seen,
            (std::vector<std::string>{"SinkCreated cb-2 ", "SinkCreated a_1 ",
                                      "SinkDeleted a_1 "}));
}

TEST_F(SinkServiceTest, RecordsRequestsAndAnswersAsConfigured) {
  ASSERT_TRUE(sinks_
                  .CreateSink({.name = "cb",
                               .status_code = 202,
                               .body = R"({"ok":true})",
                               .headers = {{"Content-Type", "application/json"},
                                           {"X-Sink", "cb"}}})
                  .ok());
  clock_.Advance(std::chrono::seconds(5));
  HttpResponse r = sinks_.Handle(Post("/_sinks/cb/job/7?x=1", "first"));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(*FindHeader(r.headers, "X-Sink"), "cb");
  EXPECT_EQ(*FindHeader(r.headers, "Content-Type"), "application/json");
  clock_.Advance(std::chrono::seconds(1));
  sinks_.Handle({.method = "GET", .path = "/_sinks/cb"});

  auto got = sinks_.GetRequests("cb");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->records.size(), 2u);
  const SinkRecord& first = got->records[0];
  EXPECT_EQ(first.sequence, 1u);
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(first.path, "/_sinks/cb/job/7");
  EXPECT_EQ(first.query, "x=1");
  EXPECT_EQ(first.body, "first");
  EXPECT_EQ(first.source_ip, "127.0.0.1");
  EXPECT_EQ(*FindHeader(first.headers, "content-type"), "application/json");
  EXPECT_EQ(first.time, VirtualClock::kDefaultStart + std::chrono::seconds(5));
  EXPECT_EQ(got->records[1].method, "GET");
  EXPECT_EQ(got->records[1].time,
            VirtualClock::kDefaultStart + std::chrono::seconds(6));
  EXPECT_EQ(got->dropped, 0u);
  EXPECT_EQ(events_.seen.back(), "SinkRequest cb 2");
}

TEST_F(SinkServiceTest, UnknownSinksAre404AndRecordNothing) {
  HttpResponse r = sinks_.Handle(Post("/_sinks/none", "x"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body).at("message"), "No sink named none.");
  EXPECT_EQ(sinks_.Handle(Post("/_sinks/", "x")).status, 404);
  EXPECT_TRUE(SinkService::IsSinkPath("/_sinks/a"));
  EXPECT_TRUE(SinkService::IsSinkPath("/_sinks"));
  EXPECT_FALSE(SinkService::IsSinkPath("/_sinksx"));
  EXPECT_FALSE(SinkService::IsSinkPath("/a/_sinks/b"));
}

TEST_F(SinkServiceTest, HistoryIsCappedOldestFirstAndClearable) {
  ASSERT_TRUE(sinks_.CreateSink({.name = "cb"}).ok());
  for (int i = 1; i <= 5; ++i) {
    sinks_.Handle(Post("/_sinks/cb", std::to_string(i)));
  }
  auto got = sinks_.GetRequests("cb");
  ASSERT_EQ(got->records.size(), 3u);
  EXPECT_EQ(got->records[0].body, "3");
  EXPECT_EQ(got->records[0].sequence, 3u);
  EXPECT_EQ(got->records[2].body, "5");
  EXPECT_EQ(got->dropped, 2u);

  EXPECT_TRUE(sinks_.ClearRequests("cb").ok());
  sinks_.Handle(Post("/_sinks/cb", "6"));
  got = sinks_.GetRequests("cb");
  ASSERT_EQ(got->records.size(), 1u);
  EXPECT_EQ(got->records[0].sequence, 6u);  // numbers are never reused
}

// Regression: a 1xx went out as the final answer and the client waited
// for another forever.
TEST_F(SinkServiceTest, InterimStatusesAreRefused) {
  for (int status : {100, 101, 103, 199, 600}) {
    EXPECT_EQ(
        sinks_.CreateSink({.name = "s", .status_code = status}).status().code(),
        lambda::kInvalidParameterValueException)
        << status;
  }
  EXPECT_TRUE(sinks_.CreateSink({.name = "low", .status_code = 200}).ok());
  EXPECT_TRUE(sinks_.CreateSink({.name = "high", .status_code = 599}).ok());
}

// Regression: names were checked only for CR, LF, ':' and ' ', values for
// CR and LF: other control characters, DEL, a tab or '(' in a name went
// out raw on every answer.
TEST_F(SinkServiceTest, HeadersThatCannotBeSentAreRefused) {
  for (const HttpHeaders& bad :
       std::vector<HttpHeaders>{{{"X\r\nSet-Cookie", "a=b"}},
                                {{"", "v"}},
                                {{"X\tA", "v"}},
                                {{"X(A)", "v"}},
                                {{"X\x01", "v"}},
                                {{"X-A", "a\x01b"}},
                                {{"X-A", "a\x7F"}},
                                {{"X-A", std::string("a\0b", 3)}},
                                {{"X-A", "a\nb"}}}) {
    auto created = sinks_.CreateSink({.name = "s", .headers = bad});
    EXPECT_EQ(created.status().code(), lambda::kInvalidParameterValueException)
        << bad[0].first;
  }
  EXPECT_TRUE(sinks_.ListSinks().empty());
  auto ok = sinks_.CreateSink(
      {.name = "s", .headers = {{"X-Tab", "a\tb \xC3\xA9"}, {"X-Tab", "2"}}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(sinks_.Handle(Post("/_sinks/s", "")).headers,
            (HttpHeaders{{"X-Tab", "a\tb \xC3\xA9"}, {"X-Tab", "2"}}));
}

// Regression: only the count was capped, so 10,000 bodies of 10 MB each
// (100 GB) could pile up in one sink.
TEST(SinkServiceBytesTest, HistoryIsCappedInBytesOldestFirst) {
  EXPECT_EQ(SinkServiceOptions{}.max_bytes, 64u * 1024 * 1024);
  VirtualClock clock;
  SinkService sinks(clock, {.max_requests = 100, .max_bytes = 3500});
  ASSERT_TRUE(sinks.CreateSink({.name = "cb"}).ok());
  auto post = [&](std::string body) {
    sinks.Handle({.method = "POST",
                  .path = "/_sinks/cb",
                  .body = std::move(body),
                  .source_ip = "127.0.0.1"});
  };
  for (int i = 1; i <= 10; ++i) post(std::string(1000, 'a' + i));
  auto got = sinks.GetRequests("cb");
  ASSERT_TRUE(got.ok());
  // 1023 bytes each (method, path, body, address): three fit in 3500.
  ASSERT_EQ(got->records.size(), 3u);
  EXPECT_EQ(SinkRecordBytes(got->records[0]), 1023u);
  EXPECT_EQ(got->records[0].sequence, 8u);
  EXPECT_EQ(got->records[2].body, std::string(1000, 'a' + 10));
  EXPECT_EQ(got->dropped, 7u);
  // One over the budget alone is still kept: the newest always is.
  post(std::string(5000, 'z'));
  got = sinks.GetRequests("cb");
  ASSERT_EQ(got->records.size(), 1u);
  EXPECT_EQ(got->records[0].body.size(), 5000u);
  EXPECT_EQ(got->dropped, 10u);
  // Clearing frees the budget: small ones fit again, nothing dropped.
  EXPECT_TRUE(sinks.ClearRequests("cb").ok());
  post("x");
  post("y");
  got = sinks.GetRequests("cb");
  EXPECT_EQ(got->records.size(), 2u);
  EXPECT_EQ(got->dropped, 10u);
}

TEST_F(SinkServiceTest, UrlsNeedABoundFront) {
  EXPECT_EQ(sinks_.Url("cb"), "");
  sinks_.SetBaseUrl("http://127.0.0.1:5555");
  EXPECT_EQ(sinks_.Url("cb"), "http://127.0.0.1:5555/_sinks/cb");
}

}  // namespace
}  // namespace fanlab::services
