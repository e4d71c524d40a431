// REST-JSON (Lambda's API: paths, query and header members, JSON bodies) and,
// unsigned, the routes and sinks through the HTTP front and the dispatcher. An
// input is up to 16 requests separated by "\n%%\n"; each is a request as text
// (see fuzz::ParseTextRequest: "POST /2015-03-31/functions/f/invocations",
// header lines, an empty line, the body). A request without a Host gets
// "localhost:4566"; one without an Authorization header is signed for "lambda"
// unless its first line ends in " UNSIGNED" (dropped). The virtual clock moves
// 31 s after each.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_emulator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fanlab::fuzz::SendRestRequests(data, size, "lambda");
  return 0;
}
