#include "emulator/queue/receipt_handle.h"

#include "emulator/core/base64.h"

namespace fanlab::queue {
namespace {

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t CheckWord(const ReceiptHandle& h, uint64_t key) {
  return Mix(key ^ Mix(h.epoch ^ 0x2545f4914f6cdd1dULL) ^
             Mix(h.queue_uid + 0x9e3779b97f4a7c15ULL) ^
             Mix(h.message_seq * 0xc2b2ae3d27d4eb4fULL) ^
             Mix(h.receipt + 0x165667b19e3779f9ULL));
}

void Put(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>(v >> (8 * i));
}

uint64_t Get(std::string_view in, size_t pos) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | uint8_t(in[pos + i]);
  return v;
}

}  // namespace

std::string EncodeReceiptHandle(const ReceiptHandle& h, uint64_t key) {
  std::string raw;
  raw.reserve(41);
  raw += '\x02';  // format version
  Put(raw, h.epoch);
  Put(raw, h.queue_uid);
  Put(raw, h.message_seq);
  Put(raw, h.receipt);
  Put(raw, CheckWord(h, key));
  return Base64Encode(raw);
}

std::optional<ReceiptHandle> DecodeReceiptHandle(std::string_view text,
                                                 uint64_t key) {
  if (text.size() != 56) return std::nullopt;
  auto raw = Base64Decode(text);
  if (!raw || raw->size() != 41 || (*raw)[0] != '\x02') return std::nullopt;
  ReceiptHandle h{Get(*raw, 1), Get(*raw, 9), Get(*raw, 17), Get(*raw, 25)};
  if (Get(*raw, 33) != CheckWord(h, key)) return std::nullopt;
  return h;
}

}  // namespace fanlab::queue
