// Reading a fuzzer's input: the bytes libFuzzer hands a target, cut into
// the parts the target needs (a selector byte, a line, the rest) without
// ever reading past the end. Every part is a view into the input.
//
// Thread safety: none; one input, one reader.
#ifndef FANLAB_FUZZ_FUZZ_INPUT_H_
#define FANLAB_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/services/http_poster.h"

namespace fanlab::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}
  explicit FuzzInput(std::string_view text) : rest_(text) {}

  bool empty() const { return rest_.empty(); }
  // The next byte, or 0 at the end.
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Up to the next '\n' (not included; a '\r' before it is dropped), or
  // the rest when there is none.
  std::string_view Line();
  // Up to the next occurrence of `separator` (skipped), or the rest.
  std::string_view Until(std::string_view separator);
  // Everything not read yet.
  std::string_view Rest() {
    std::string_view r = rest_;
    rest_ = {};
    return r;
  }

 private:
  std::string_view rest_;
};

// An HTTP request written as text, the way seeds are easy to write by
// hand or take from a test:
//
//   METHOD TARGET           "POST /2015-03-31/functions?x=1"
//   Name: value             any number of header lines
//                           an empty line
//   body                    everything after it, as it is
//
// Lines end in "\n" or "\r\n". TARGET is split at its first '?' into the
// path and the query. Missing parts stay empty; no input is refused.
services::HttpRequest ParseTextRequest(std::string_view text);

}  // namespace fanlab::fuzz

#endif  // FANLAB_FUZZ_FUZZ_INPUT_H_
