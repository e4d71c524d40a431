// The Lambda Runtime API of one execution environment
// (compute/runtime_api.h), driven through a whole conversation. An input
// is up to 32 steps separated by "\n%%\n"; a step is "ASSIGN" (hand the
// runtime invocation "req-N", N counting from 1, when none is running),
// "ABANDON" (the invocation timed out), or a request as text (see
// fuzz::ParseTextRequest: "POST /2018-06-01/runtime/invocation/req-1/
// response", header lines, an empty line, the body). Every reply comes at
// most once with a status in 100-599, and the events keep to the
// contract: a result or error only for the invocation running, an init
// error only before the first `next`.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "emulator/compute/runtime_api.h"
#include "emulator/core/clock.h"
#include "fuzz/fuzz_input.h"

namespace {

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fanlab;
  fuzz::FuzzInput in(data, size);
  VirtualClock clock;
  std::string running;  // the request id assigned and not over, or ""
  bool started = false;
  compute::RuntimeApiEvents events;
  events.on_next = [&] { started = true; };
  events.on_response = [&](const std::string& id, std::string) {
    if (id != running) Broken("a result for an invocation not running");
    running.clear();
  };
  events.on_error = [&](const std::string& id, std::string, std::string) {
    if (id != running) Broken("an error for an invocation not running");
    running.clear();
  };
  events.on_init_error = [&](std::string, std::string) {
    if (started) Broken("an init error after the first next");
  };
  compute::RuntimeApi api(events);
  api.SetClock(&clock);

  int assigned = 0;
  for (int i = 0; i < 32 && !in.empty(); ++i) {
    std::string_view step = in.Until("\n%%\n");
    if (step == "ASSIGN") {
      if (api.busy()) continue;
      compute::RuntimeApiInvocation invocation;
      invocation.request_id = "req-" + std::to_string(++assigned);
      invocation.deadline_ms = 1767225603000;
      invocation.function_arn =
          "arn:aws:lambda:us-east-1:000000000000:function:f";
      invocation.trace_id = "Root=1-00000000-000000000000000000000000";
      invocation.payload = R"({"n":1})";
      running = invocation.request_id;
      api.Assign(std::move(invocation));
      continue;
    }
    if (step == "ABANDON") {
      api.Abandon();
      running.clear();
      continue;
    }
    services::HttpRequest http = fuzz::ParseTextRequest(step);
    compute::RuntimeApiRequest request;
    request.method = std::move(http.method);
    request.path = std::move(http.path);
    request.headers = std::move(http.headers);
    request.body = std::move(http.body);
    auto replies = std::make_shared<int>(0);
    api.Handle(std::move(request), [replies](compute::RuntimeApiResponse r) {
      if (++*replies > 1) Broken("a request answered twice");
      if (r.status < 100 || r.status > 599) {
        Broken("a status out of range");
      }
    });
    if (api.busy() != !running.empty()) {
      Broken("busy() disagrees with the events");
    }
  }
  return 0;
}
