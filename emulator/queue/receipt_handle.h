// Receipt handles: opaque to clients, but carrying what the engine needs to
// judge them without a lookup table: which run of the engine (the epoch),
// which queue incarnation, which message, which receive. A keyed check word
// makes forged or mangled handles fail to decode (ReceiptHandleIsInvalid)
// instead of pointing at a random message; the epoch makes a handle kept
// from an earlier run fail the same way, even where queue and message
// numbers repeat.
#ifndef FANLAB_EMULATOR_QUEUE_RECEIPT_HANDLE_H_
#define FANLAB_EMULATOR_QUEUE_RECEIPT_HANDLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fanlab::queue {

struct ReceiptHandle {
  uint64_t epoch = 0;      // the engine run that issued it
  uint64_t queue_uid = 0;  // unique per queue incarnation
  uint64_t message_seq = 0;
  uint64_t receipt = 0;  // which receive issued it (queue-wide counter)
};

// 56 characters of base64.
std::string EncodeReceiptHandle(const ReceiptHandle& h, uint64_t key);
// nullopt when `text` was not produced by EncodeReceiptHandle with `key`.
std::optional<ReceiptHandle> DecodeReceiptHandle(std::string_view text,
                                                 uint64_t key);

}  // namespace fanlab::queue

#endif  // FANLAB_EMULATOR_QUEUE_RECEIPT_HANDLE_H_
