#include "bench/http_bench.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <thread>

#include "bench/tcp_floor.h"
#include "emulator/engine.h"
#include "emulator/transport/context.h"
#include "emulator/transport/http_server.h"

namespace fanlab::bench {
namespace {

using std::chrono::milliseconds;

HttpBenchOptions Short() {
  HttpBenchOptions o;
  o.connections = 4;
  o.duration = milliseconds(200);
  o.warmup = milliseconds(50);
  return o;
}

// A small run: both loads answer, every figure is measured, the JSON has
// its names. (Speed targets are the bench's to print, not this test's.)
TEST(HttpBenchTest, SmallRunMeasuresSendMessageAndTheEcho) {
  std::string error;
  HttpBenchResult r = RunHttpBench(Short(), error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(r.endpoint, "embedded");
  EXPECT_GT(r.send.requests, 0u);
  EXPECT_GT(r.echo.requests, 0u);
  EXPECT_GE(r.send.p99_us, r.send.p50_us);
  EXPECT_GT(r.send.p50_us, 0);
  EXPECT_GT(r.send_vs_echo, 0);
  EXPECT_GT(r.send.client_cpu, 0);
  EXPECT_GE(r.send.server_cpu, 0);
  // The raw TCP floors answered under the same load (io_uring's where
  // this build and kernel have it).
  EXPECT_GT(r.raw.requests, 0u);
  EXPECT_GT(r.raw.server_cpu_us_per_request, 0);
  EXPECT_EQ(r.io_uring, TcpFloorServer::IoUringAvailable());
  if (r.io_uring) {
    EXPECT_GT(r.raw_uring.requests, 0u);
  }
  std::string json = FormatHttpBench(r, true);
  for (const char* key :
       {"send_message_requests_per_second", "echo_requests_per_second",
        "send_message_vs_echo", "send_server_cpu", "send_client_cpu",
        "send_server_cpu_us_per_request", "send_message_p99_us",
        "raw_tcp_server_cpu_us_per_request", "io_uring",
        "raw_uring_server_cpu_us_per_request"}) {
    EXPECT_NE(json.find(std::string("\"") + key + "\""), std::string::npos)
        << key;
  }
}

// --endpoint loads a running server with SendMessage alone, reading the
// queue's URL from CreateQueue; --server-pid gives its CPU per request.
TEST(HttpBenchTest, AnEndpointIsLoadedWithSendMessage) {
  transport::Context context;
  Engine engine(EngineOptions{}, context);
  auto url = engine.BindHttp("127.0.0.1:0");
  ASSERT_TRUE(url.ok());
  std::thread serving([&] { engine.Run(); });
  HttpBenchOptions o = Short();
  o.endpoint = *url;
  o.server_pid = getpid();
  std::string error;
  HttpBenchResult r = RunHttpBench(o, error);
  engine.Stop();
  serving.join();
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(r.endpoint, *url);
  EXPECT_GT(r.send.requests, 0u);
  EXPECT_EQ(r.echo.requests, 0u);
  EXPECT_GE(r.send.server_cpu_us_per_request, 0);
}

TEST(HttpBenchTest, OnlyLoopbackEndpointsAreLoaded) {
  for (const char* endpoint :
       {"http://10.0.0.1:80", "https://127.0.0.1:443", "127.0.0.1:8080",
        "http://127.0.0.1:0", "http://127.0.0.1:99999"}) {
    HttpBenchOptions o = Short();
    o.endpoint = endpoint;
    std::string error;
    RunHttpBench(o, error);
    EXPECT_EQ(error, std::string("--endpoint ") + endpoint +
                         ": want http://127.0.0.1:PORT");
  }
}

TEST(HttpBenchTest, AMissingServerPidIsAClearError) {
  // A process id above the kernel's limit (pid_max is at most 2^22).
  HttpBenchOptions o = Short();
  o.endpoint = "http://127.0.0.1:9";
  o.server_pid = 1 << 23;
  std::string error;
  RunHttpBench(o, error);
  EXPECT_EQ(error, "--server-pid 8388608: no such process");
}

// A server that answers CreateQueue with an error stops the run, with
// the status and the body.
TEST(HttpBenchTest, AnErrorAnswerNamesItsStatusAndBody) {
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  auto server = std::make_unique<transport::HttpServer>(
      io, [](services::HttpRequest, transport::HttpServer::Respond respond) {
        respond({.status = 503, .body = "busy"});
      });
  auto url = server->Bind("127.0.0.1:0");
  ASSERT_TRUE(url.ok());
  std::thread serving([&] { io.run(); });
  HttpBenchOptions o = Short();
  o.endpoint = *url;
  std::string error;
  RunHttpBench(o, error);
  boost::asio::post(io, [&] {
    server.reset();
    guard.reset();
  });
  serving.join();
  EXPECT_EQ(error, "AmazonSQS.CreateQueue: status 503: busy");
}

}  // namespace
}  // namespace fanlab::bench
