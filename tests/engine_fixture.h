// One fixture for tests that talk to a running Engine: a virtual-clock
// engine on its own thread, bound to a fresh inproc:// endpoint (plus, on
// request, an ipc:// one and the HTTP front on 127.0.0.1:0), with its
// function socket open, and a client with JSON helpers.
#ifndef FANLAB_TESTS_ENGINE_FIXTURE_H_
#define FANLAB_TESTS_ENGINE_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "emulator/engine.h"
#include "emulator/transport/client.h"

namespace fanlab::testing {

struct EngineFixtureOptions {
  EngineOptions engine = [] {
    EngineOptions o;
    o.virtual_clock = true;
    o.functions.kill_grace = std::chrono::milliseconds(50);
    return o;
  }();
  bool ipc = false;   // also bind ipc://
  bool http = false;  // also bind the HTTP front (base_url())
};

class EngineFixture : public ::testing::Test {
 protected:
  explicit EngineFixture(EngineFixtureOptions options = {}) {
    static std::atomic<int> counter{0};
    std::string id =
        std::to_string(::getpid()) + "-" + std::to_string(counter++);
    engine_ = std::make_unique<Engine>(options.engine, context_);
    auto bound = engine_->Bind("inproc://engine-fixture-" + id);
    EXPECT_TRUE(bound.ok()) << bound.status().ToString();
    if (options.ipc) {
      auto ipc = engine_->Bind("ipc://" + ::testing::TempDir() +
                               "engine-fixture-" + id);
      EXPECT_TRUE(ipc.ok()) << ipc.status().ToString();
    }
    if (options.http) {
      auto http = engine_->BindHttp("127.0.0.1:0");
      EXPECT_TRUE(http.ok()) << http.status().ToString();
      if (http.ok()) base_url_ = *http;
    }
    auto socket = engine_->FunctionSocket();
    EXPECT_TRUE(socket.ok()) << socket.status().ToString();
    if (socket.ok()) function_socket_ = *socket;
    client_ =
        std::make_unique<transport::Client>(context_, bound.ok() ? *bound : "");
    thread_ = std::thread([this] { engine_->Run(); });
  }
  ~EngineFixture() override {
    client_.reset();
    engine_->Stop();
    thread_.join();
  }

  // The raw reply to `action`.
  transport::Reply Call(std::string_view action,
                        const boost::json::value& body) {
    auto r = client_->Call(action, boost::json::serialize(body),
                           std::chrono::milliseconds(20000));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : transport::Reply{};
  }
  // The answer to an action expected to succeed ({} after a failure).
  boost::json::object Ok(std::string_view action,
                         const boost::json::value& body) {
    transport::Reply r = Call(action, body);
    EXPECT_TRUE(r.ok) << action << ": " << r.body;
    return r.ok ? boost::json::parse(r.body).as_object()
                : boost::json::object{};
  }
  // The error's type name (after '#') and message, for an action expected
  // to fail.
  std::pair<std::string, std::string> Error(std::string_view action,
                                            const boost::json::value& body) {
    transport::Reply r = Call(action, body);
    EXPECT_FALSE(r.ok) << action << " unexpectedly succeeded: " << r.body;
    if (r.ok) return {};
    boost::json::object e = boost::json::parse(r.body).as_object();
    std::string type(e.at("__type").as_string());
    return {type.substr(type.find('#') + 1),
            std::string(e.at("message").as_string())};
  }

  Engine& engine() { return *engine_; }
  transport::Client& client() { return *client_; }
  transport::Context& context() { return context_; }
  const std::string& base_url() const { return base_url_; }
  // The engine's function socket (a path; functions' FANLAB_SOCKET).
  const std::string& function_socket() const { return function_socket_; }

 private:
  transport::Context context_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<transport::Client> client_;
  std::string base_url_;
  std::string function_socket_;
  std::thread thread_;
};

}  // namespace fanlab::testing

#endif  // FANLAB_TESTS_ENGINE_FIXTURE_H_
