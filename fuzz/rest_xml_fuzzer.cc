// REST-XML (S3, path or virtual-host style: paths, query and header members,
// XML bodies, aws-chunked uploads) through the HTTP front and the dispatcher.
// An input is up to 16 requests separated by "\n%%\n"; each is a request as
// text (see fuzz::ParseTextRequest: "PUT /bkt/key", header lines, an empty
// line, the body). A request without a Host gets "localhost:4566"; one
// without an Authorization header is signed for "s3" unless its first
// line ends in " UNSIGNED" (dropped). The virtual clock moves 31 s after
// each.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_emulator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fanlab::fuzz::SendRestRequests(data, size, "s3");
  return 0;
}
