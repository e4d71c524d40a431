// The aws-chunked body decoder. The first line is the
// x-amz-decoded-content-length to check (decimal; empty or not a number:
// none), the rest the body. A decoded body is never longer than the
// encoded one, and matches the length given.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "emulator/services/aws_chunked.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fanlab;
  fuzz::FuzzInput in(data, size);
  std::string_view first = in.Line();
  std::optional<uint64_t> decoded_length;
  uint64_t n = 0;
  auto [end, ec] =
      std::from_chars(first.data(), first.data() + first.size(), n);
  if (ec == std::errc() && end == first.data() + first.size() &&
      !first.empty()) {
    decoded_length = n;
  }
  std::string_view body = in.Rest();
  auto decoded = services::DecodeAwsChunked(body, decoded_length);
  if (!decoded.ok()) return 0;
  if (decoded->data.size() > body.size()) std::abort();
  if (decoded_length && decoded->data.size() != *decoded_length) std::abort();
  if (decoded->trailers.size() > services::kMaxAwsChunkedTrailers) {
    std::abort();
  }
  return 0;
}
