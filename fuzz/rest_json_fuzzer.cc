// REST-JSON (Lambda's API: paths, query and header members, JSON bodies) and,
// unsigned, the routes and sinks through the HTTP front and the dispatcher. An
// input is up to 16 requests separated by "\n%%\n"; each is a request as text
// (see fuzz::ParseTextRequest: "POST /2015-03-31/functions/f/invocations",
// header lines, an empty line, the body). A request without a Host gets
// "localhost:4566"; one without an Authorization header is signed for "lambda"
// unless its first line ends in " UNSIGNED" (dropped). The virtual clock moves
// 31 s after each.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_emulator.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fanlab;
  fuzz::FuzzInput in(data, size);
  fuzz::FuzzEmulator emulator;
  for (int i = 0; i < 16 && !in.empty(); ++i) {
    services::HttpRequest request = fuzz::ParseTextRequest(in.Until("\n%%\n"));
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
          "AWS4-HMAC-SHA256 Credential=AK/20261206/us-east-1/lambda/"
          "aws4_request, SignedHeaders=host, Signature=0");
    }
    emulator.Send(std::move(request));
    emulator.Advance(std::chrono::seconds(31));
  }
  return 0;
}
