// The AWS JSON protocol through the HTTP front and the dispatcher: SQS,
// DynamoDB, EventBridge and every action's JSON body. An input is up to 16
// requests separated by "\n%%\n"; each is an X-Amz-Target line
// ("AmazonSQS.SendMessage") and the body. The virtual clock moves 31 s
// after each (visibility timeouts, delays, long polls fire).
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
    services::HttpRequest request;
    request.method = "POST";
    request.path = "/";
    request.source_ip = "127.0.0.1";
    request.headers = {{"Host", "localhost:4566"},
                       {"X-Amz-Target", std::string(call.Line())},
                       {"Content-Type", "application/x-amz-json-1.0"}};
    request.body = std::string(call.Rest());
    emulator.Send(std::move(request));
    emulator.Advance(std::chrono::seconds(31));
  }
  return 0;
}
