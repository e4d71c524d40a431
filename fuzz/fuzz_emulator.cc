#include "fuzz/fuzz_emulator.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "fuzz/fuzz_input.h"

namespace fanlab::fuzz {

namespace {

// A broken invariant: say which, then abort so that libFuzzer keeps the
// input.
[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace

FuzzEmulator::FuzzEmulator()
    : front_(
          [this](api::ApiRequest r, api::ApiCallback done) {
            services_.dispatcher().Dispatch(std::move(r), std::move(done));
          },
          &services_.routes(), &services_.sinks()) {
  Setup("CreateQueue", R"({"QueueName":"q"})");
  Setup("CreateQueue",
        R"({"QueueName":"q.fifo","Attributes":{"FifoQueue":"true"}})");
  Setup("CreateBucket", R"({"Bucket":"bkt"})");
  Setup(
      "CreateTable",
      R"({"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",)"
      R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],)"
      R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]})");
  Setup("sns:CreateTopic", R"({"Name":"tpc"})");
  Setup("PutRule",
        R"j({"Name":"rule","ScheduleExpression":"rate(5 minutes)"})j");
}

void FuzzEmulator::Setup(std::string_view action, std::string_view body) {
  bool ok = false;
  services_.dispatcher().Dispatch(action, body,
                                  [&](api::ApiResponse r) { ok = r.ok; });
  if (!ok) Broken("a setup call failed");
}

void FuzzEmulator::Send(services::HttpRequest request) {
  // Shared, so that an answer that comes after this call (a long poll the
  // clock releases later) still finds it.
  auto answers = std::make_shared<int>(0);
  front_.Handle(std::move(request), [answers](services::HttpResponse r) {
    if (++*answers > 1) Broken("a request answered twice");
    if (r.status < 100 || r.status > 599) Broken("an HTTP status out of range");
    for (const auto& [name, value] : r.headers) {
      if (!services::ValidHeaderName(name)) Broken("a bad header name");
      if (!services::ValidHeaderValue(value)) Broken("a bad header value");
    }
  });
}

void SendRestRequests(const uint8_t* data, size_t size,
                      std::string_view service) {
  FuzzInput in(data, size);
  FuzzEmulator emulator;
  for (int i = 0; i < 16 && !in.empty(); ++i) {
    services::HttpRequest request = ParseTextRequest(in.Until("\n%%\n"));
    bool sign = true;
    constexpr std::string_view kUnsigned = " UNSIGNED";
    if (request.query.ends_with(kUnsigned)) {
      request.query.resize(request.query.size() - kUnsigned.size());
      sign = false;
    } else if (request.path.ends_with(kUnsigned)) {
      request.path.resize(request.path.size() - kUnsigned.size());
      sign = false;
    }
    if (!services::FindHeader(request.headers, "Host")) {
      request.headers.emplace_back("Host", "localhost:4566");
    }
    if (sign && !services::FindHeader(request.headers, "Authorization")) {
      request.headers.emplace_back(
          "Authorization",
          "AWS4-HMAC-SHA256 Credential=AK/20261206/us-east-1/" +
              std::string(service) +
              "/aws4_request, SignedHeaders=host, "
              "Signature=0");
    }
    emulator.Send(std::move(request));
    emulator.Advance(std::chrono::seconds(31));
  }
}

}  // namespace fanlab::fuzz
