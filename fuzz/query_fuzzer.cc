// The query protocol (SQS and SNS forms) through the HTTP front and the
// dispatcher. An input is up to 16 requests separated by "\n%%\n"; each
// is a first line naming the SigV4 scope's service ("sqs", "sns"; anything
// else: unsigned), with " GET" after it for a GET whose query is the form,
// then the form ("Action=SendMessage&QueueUrl=...&MessageBody=x"). The
// virtual clock moves 31 s after each.
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
    fuzz::FuzzInput call(in.Until("\n%%\n"));
    fuzz::FuzzInput first(call.Line());
    std::string service(first.Until(" "));
    bool get = first.Rest() == "GET";
    services::HttpRequest request;
    request.method = get ? "GET" : "POST";
    request.path = "/";
    request.source_ip = "127.0.0.1";
    request.headers = {{"Host", "localhost:4566"}};
    if (service == "sqs" || service == "sns") {
      request.headers.emplace_back(
          "Authorization",
          "AWS4-HMAC-SHA256 Credential=AK/20261206/us-east-1/" + service +
              "/aws4_request, SignedHeaders=host, Signature=0");
    }
    if (get) {
      request.query = std::string(call.Rest());
    } else {
      request.headers.emplace_back("Content-Type",
                                   "application/x-www-form-urlencoded");
      request.body = std::string(call.Rest());
    }
    emulator.Send(std::move(request));
    emulator.Advance(std::chrono::seconds(31));
  }
  return 0;
}
