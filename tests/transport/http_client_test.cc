// HttpClient against an HttpServer on the same io_context, run by the
// test thread: requests and answers, the HttpPoster face, errors (bad
// URL, refused, timeout), abandoning calls. ParseHttpUrl's cases.
#include "emulator/transport/http_client.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/transport/http_server.h"

namespace fanlab::transport {
namespace {

using std::chrono::milliseconds;

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() {
    server_ = std::make_unique<HttpServer>(
        io_, [this](services::HttpRequest r, HttpServer::Respond respond) {
          seen_.push_back(r);
          if (r.path == "/never") {
            held_.push_back(std::move(respond));
            return;
          }
          services::HttpResponse out;
          out.status = r.path == "/missing" ? 404 : 200;
          out.headers = {{"X-Echo-Method", r.method}};
          out.body = r.method + " " + r.path + "?" + r.query + " " + r.body;
          respond(std::move(out));
        });
    auto url = server_->Bind("127.0.0.1:0");
    EXPECT_TRUE(url.ok());
    base_ = url.ok() ? *url : "";
  }

  // Runs the loop until `slot` is filled (hang guard: 10 s).
  template <typename T>
  void RunUntil(const std::optional<T>& slot) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!slot && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_for(milliseconds(100));
    }
    ASSERT_TRUE(slot.has_value()) << "no answer within 10 s";
  }

  Result<services::HttpResponse> Call(HttpCall call) {
    std::optional<Result<services::HttpResponse>> got;
    client_.Request(std::move(call), [&](Result<services::HttpResponse> r) {
      got = std::move(r);
    });
    EXPECT_FALSE(got.has_value()) << "answered inside Request";
    RunUntil(got);
    if (!got) return Status(common::kInternalError, "no answer");
    return std::move(*got);
  }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::vector<services::HttpRequest> seen_;
  std::vector<HttpServer::Respond> held_;
  HttpClient client_{io_};
};

TEST_F(HttpClientTest, SendsAndReadsARequest) {
  auto r = Call({.method = "PUT",
                 .url = base_ + "/things/1?x=y",
                 .headers = {{"X-Custom", "v"}, {"Content-Length", "999"}},
                 .body = "payload"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "PUT /things/1?x=y payload");
  EXPECT_EQ(*services::FindHeader(r->headers, "x-echo-method"), "PUT");
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(*services::FindHeader(seen_[0].headers, "X-Custom"), "v");
  // The client's own framing headers win over the caller's.
  EXPECT_EQ(*services::FindHeader(seen_[0].headers, "Content-Length"), "7");
  EXPECT_EQ(*services::FindHeader(seen_[0].headers, "Host"),
            base_.substr(std::string("http://").size()));
  EXPECT_EQ(client_.pending(), 0u);
  // A host name goes through the resolver.
  std::string port = base_.substr(base_.rfind(':'));
  r = Call({.method = "GET", .url = "http://localhost" + port + "/named"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "GET /named? ");
}

TEST_F(HttpClientTest, PostAnswersTheStatusOfAnyReply) {
  std::optional<Result<int>> got;
  services::HttpPoster& poster = client_;
  poster.Post(base_ + "/missing", {{"Content-Type", "text/plain"}}, "hi",
              [&](Result<int> r) { got = std::move(r); });
  RunUntil(got);
  ASSERT_TRUE(got->ok());
  EXPECT_EQ(**got, 404);
  EXPECT_EQ(seen_.back().method, "POST");
  EXPECT_EQ(seen_.back().body, "hi");
}

TEST_F(HttpClientTest, BadUrlsFailLaterWithInvalidParameterValue) {
  for (const char* url : {"https://127.0.0.1/", "ftp://x/", "http:///path",
                          "http://h:0/", "http://h:99999/", "http://a b/"}) {
    auto r = Call({.url = url});
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue) << url;
  }
  auto r = Call({.method = "BREW", .url = base_});
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue);
}

TEST_F(HttpClientTest, RefusedConnectionsAndTimeoutsAreInternalErrors) {
  // A port nobody listens on: bind one, then let it go.
  std::string closed;
  {
    HttpServer gone(io_, [](services::HttpRequest, HttpServer::Respond) {});
    closed = *gone.Bind("127.0.0.1:0");
  }
  auto r = Call({.url = closed + "/x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), common::kInternalError);
  EXPECT_NE(r.status().message().find("cannot connect"), std::string::npos)
      << r.status().message();

  // A server that never answers: the call's own deadline ends it.
  r = Call({.url = base_ + "/never", .timeout = milliseconds(50)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), common::kInternalError);
  EXPECT_NE(r.status().message().find("within 50 ms"), std::string::npos)
      << r.status().message();
}

TEST_F(HttpClientTest, DestroyingTheClientAbandonsItsCalls) {
  bool called = false;
  {
    HttpClient doomed(io_);
    doomed.Request({.url = base_ + "/never"},
                   [&](Result<services::HttpResponse>) { called = true; });
    doomed.Request({.url = "nope"},
                   [&](Result<services::HttpResponse>) { called = true; });
    EXPECT_EQ(doomed.pending(), 2u);
  }
  io_.run_for(milliseconds(50));
  EXPECT_FALSE(called);
}

// Regression: Post took a std::map, so headers went out sorted by name
// and a repeated name kept one value (or two, by spelling).
TEST_F(HttpClientTest, PostSendsHeadersInOrderWithRepeats) {
  std::optional<Result<int>> got;
  client_.Post(base_ + "/h",
               {{"X-C", "1"}, {"X-A", "2"}, {"x-c", "3"}, {"X-B", "4"}}, "",
               [&](Result<int> r) { got = std::move(r); });
  RunUntil(got);
  ASSERT_TRUE(got->ok()) << got->status().ToString();
  ASSERT_EQ(seen_.size(), 1u);
  services::HttpHeaders mine;
  for (const auto& [k, v] : seen_[0].headers) {
    if (k.starts_with("X-") || k.starts_with("x-")) mine.emplace_back(k, v);
  }
  // A repeated name's lines go together, where its first one is (Beast
  // keeps them so; the order of different names carries no meaning).
  EXPECT_EQ(mine, (services::HttpHeaders{
                      {"X-C", "1"}, {"x-c", "3"}, {"X-A", "2"}, {"X-B", "4"}}));
}

// Regression: the client checked values for CR/LF only, and names not at
// all: Beast wrote "X\r\nInjected: 1" raw, adding a header.
TEST_F(HttpClientTest, HeadersThatCannotBeSentAreRefusedAndNothingIsSent) {
  for (const services::HttpHeaders& bad :
       std::vector<services::HttpHeaders>{{{"X\r\nInjected", "1"}},
                                          {{"", "v"}},
                                          {{"X A", "v"}},
                                          {{"X:A", "v"}},
                                          {{"X-A", "a\r\nInjected: 1"}},
                                          {{"X-A", "a\x01"}},
                                          {{"X-A", "a\x7F"}}}) {
    auto r = Call({.url = base_ + "/x", .headers = bad});
    ASSERT_FALSE(r.ok()) << bad[0].first;
    EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue) << bad[0].first;
  }
  std::optional<Result<int>> got;
  client_.Post(base_ + "/x", {{"Bad Name", "v"}}, "",
               [&](Result<int> r) { got = std::move(r); });
  RunUntil(got);
  EXPECT_EQ(got->status().code(), sqs::kInvalidParameterValue);
  EXPECT_TRUE(seen_.empty());
  // A tab and non-ASCII bytes are fine in a value.
  auto r = Call({.url = base_ + "/x", .headers = {{"X-A", "a\tb \xC3\xA9"}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*services::FindHeader(seen_.back().headers, "x-a"),
            "a\tb \xC3\xA9");
}

// Regression: prepare_payload ran outside the try, so a TRACE with a body
// threw out of Request.
TEST_F(HttpClientTest, TraceWithABodyIsAnErrorNotAnException) {
  auto r = Call({.method = "TRACE", .url = base_ + "/t", .body = "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sqs::kInvalidParameterValue);
  EXPECT_TRUE(seen_.empty());
}

// pending() is what an engine on a virtual clock reads to know an
// outgoing call is still waiting for real I/O. Regression: a call refused
// up front (a bad URL) did not count, though its `done` was still to run.
TEST_F(HttpClientTest, PendingCountsEveryCallUntilItsDoneRuns) {
  EXPECT_EQ(client_.pending(), 0u);
  std::optional<Result<services::HttpResponse>> held, refused;
  std::optional<size_t> pending_in_done;
  client_.Request({.url = base_ + "/never"},
                  [&](Result<services::HttpResponse> r) {
                    pending_in_done = client_.pending();
                    held = std::move(r);
                  });
  EXPECT_EQ(client_.pending(), 1u);
  client_.Request(
      {.url = "ftp://nope/"},
      [&](Result<services::HttpResponse> r) { refused = std::move(r); });
  EXPECT_EQ(client_.pending(), 2u);
  RunUntil(refused);
  EXPECT_EQ(refused->status().code(), sqs::kInvalidParameterValue);
  EXPECT_EQ(client_.pending(), 1u);
  // The held call stays pending however long the server takes...
  while (held_.empty()) io_.run_one_for(milliseconds(100));
  EXPECT_EQ(client_.pending(), 1u);
  EXPECT_FALSE(held.has_value());
  // ...until it is answered and its `done` runs (and there it no longer
  // counts itself).
  held_[0]({.status = 202});
  RunUntil(held);
  EXPECT_EQ((*held)->status, 202);
  EXPECT_EQ(pending_in_done, 0u);
  EXPECT_EQ(client_.pending(), 0u);
  // A refused Post counts too.
  std::optional<Result<int>> posted;
  client_.Post("http://h:0/", {}, "",
               [&](Result<int> r) { posted = std::move(r); });
  EXPECT_EQ(client_.pending(), 1u);
  RunUntil(posted);
  EXPECT_EQ(client_.pending(), 0u);
}

TEST(HttpHeaderTest, NamesAreTokensAndValuesHaveNoControls) {
  EXPECT_TRUE(services::HeaderNameEquals("Content-Type", "content-TYPE"));
  EXPECT_FALSE(services::HeaderNameEquals("Content-Type", "Content-Typ"));
  EXPECT_FALSE(services::HeaderNameEquals("X-\xC3", "x-\xE3"));
  for (const char* good : {"X", "x-amz-target", "A1!#$%&'*+-.^_`|~"}) {
    EXPECT_TRUE(services::ValidHeaderName(good)) << good;
  }
  for (std::string bad :
       std::vector<std::string>{"", "X A", "X:A", "X\r\nY", "X\tA", "(a)",
                                "a/b", "caf\xC3\xA9", std::string("a\0b", 3)}) {
    EXPECT_FALSE(services::ValidHeaderName(bad)) << bad;
  }
  for (const char* good : {"", "text/plain; q=1", "a\tb", "\xC3\xA9\xFF"}) {
    EXPECT_TRUE(services::ValidHeaderValue(good)) << good;
  }
  for (std::string bad : std::vector<std::string>{
           "a\rb", "a\nb", "\x01", "a\x7F", "\x1F", std::string("a\0b", 3)}) {
    EXPECT_FALSE(services::ValidHeaderValue(bad)) << bad;
  }
}

TEST(HttpUrlTest, ParsesHostPortAndTarget) {
  auto u = ParseHttpUrl("http://127.0.0.1:8080/a/b?c=d#frag");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/a/b?c=d");
  u = ParseHttpUrl("HTTP://example.com");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");
  u = ParseHttpUrl("http://[::1]:9/x");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9);
  u = ParseHttpUrl("http://h?q=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->target, "/?q=1");
  for (const char* bad : {"", "http://", "http://user@h/", "http://[::1/",
                          "http://h:x/", "http://h/a\r\nb"}) {
    EXPECT_FALSE(ParseHttpUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace fanlab::transport
