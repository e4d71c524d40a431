// Reads result frames off a function's descriptor 3 (docs/functions.md):
// a JSON header line {"status": "ok" | "error" | "ready", "length": N}
// followed by N payload bytes. Bytes arrive in arbitrary chunks; Feed()
// returns every frame they complete. In cold mode the last frame may omit
// `length`: its payload then runs to the end of the stream (Finish()).
//
// Anything else on the channel is a protocol error naming what was wrong
// and where (byte offset); the reader then stops.
//
// A payload longer than the limit (Lambda's 6291556 bytes by default) is
// refused as soon as it is announced (a header's `length`) or, open-ended,
// as soon as it grows past it: the reader stops and holds at most the limit
// plus one chunk, however much the function writes. too_large() tells this
// failure apart: Lambda's Function.ResponseSizeTooLarge.
//
// Thread safety: a plain value.
#ifndef FANLAB_EMULATOR_COMPUTE_RESULT_READER_H_
#define FANLAB_EMULATOR_COMPUTE_RESULT_READER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fanlab::compute {

struct ResultFrame {
  enum class Kind { kReady, kOk, kError };
  Kind kind = Kind::kOk;
  std::string payload;
};

class ResultReader {
 public:
  // Lambda's limit on a function's response (and error) payload.
  static constexpr uint64_t kMaxPayloadBytes = 6291556;

  explicit ResultReader(uint64_t max_payload = kMaxPayloadBytes)
      : max_payload_(max_payload) {}

  // Frames completed by `bytes`. After an error, returns nothing more.
  std::vector<ResultFrame> Feed(std::string_view bytes);
  // The stream ended: the open-ended frame (no `length`) if one was
  // started; an error if the stream stopped inside a frame.
  std::optional<ResultFrame> Finish();

  // Empty while the channel is well-formed. When too_large(), Lambda's
  // message: "Response payload size exceeded maximum allowed payload size
  // (6291556 bytes)."
  const std::string& error() const { return error_; }
  // The failure was a payload over the limit.
  bool too_large() const { return too_large_; }
  // Bytes held for an unfinished frame (bounded by the limit plus the
  // largest chunk fed).
  size_t buffered() const { return buffer_.size(); }
  // True when bytes of an unfinished frame are buffered.
  bool InFrame() const { return !buffer_.empty() || header_.has_value(); }

 private:
  struct Header {
    ResultFrame::Kind kind;
    std::optional<uint64_t> length;  // nullopt: to the end of the stream
  };
  bool ParseHeader(std::string_view line);
  void Fail(std::string what);
  void FailTooLarge();

  std::string buffer_;
  std::optional<Header> header_;
  uint64_t offset_ = 0;  // stream offset of buffer_[0]
  std::string error_;
  uint64_t max_payload_;
  bool too_large_ = false;
};

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_RESULT_READER_H_
