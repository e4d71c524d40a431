#include "emulator/persist/record.h"

namespace fanlab::persist {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutBytes(std::string& out, std::string_view bytes) {
  PutVarint(out, bytes.size());
  out.append(bytes);
}

// Zigzag: instants before the epoch (none in practice) stay small too.
void PutTime(std::string& out, TimePoint t) {
  int64_t us = t.time_since_epoch().count();
  PutVarint(out,
            (static_cast<uint64_t>(us) << 1) ^ static_cast<uint64_t>(us >> 63));
}

bool Decoder::Varint(uint64_t& v) {
  uint64_t result = 0;
  for (size_t i = 0; i < in_.size() && i < 10; ++i) {
    uint8_t b = static_cast<uint8_t>(in_[i]);
    result |= uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) {
      in_.remove_prefix(i + 1);
      v = result;
      return true;
    }
  }
  return false;
}

bool Decoder::Varint32(uint32_t& v) {
  uint64_t wide;
  if (!Varint(wide) || wide > UINT32_MAX) return false;
  v = static_cast<uint32_t>(wide);
  return true;
}

bool Decoder::Byte(uint8_t& v) {
  if (in_.empty()) return false;
  v = static_cast<uint8_t>(in_[0]);
  in_.remove_prefix(1);
  return true;
}

bool Decoder::Bytes(std::string_view& v) {
  uint64_t n;
  std::string_view saved = in_;
  if (!Varint(n) || n > in_.size()) {
    in_ = saved;
    return false;
  }
  v = in_.substr(0, n);
  in_.remove_prefix(n);
  return true;
}

bool Decoder::Bytes(std::string& v) {
  std::string_view view;
  if (!Bytes(view)) return false;
  v.assign(view);
  return true;
}

bool Decoder::Time(TimePoint& t) {
  uint64_t z;
  if (!Varint(z)) return false;
  int64_t us = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  t = TimePoint(std::chrono::microseconds(us));
  return true;
}

void EncodePayload(const GenerationRecord& r, std::string& out) {
  PutVarint(out, r.generation);
}

void EncodePayload(const QueueRecord& r, std::string& out) {
  PutVarint(out, r.uid);
  PutBytes(out, r.name);
  PutBytes(out, r.config);
  PutVarint(out, r.next_seq);
  PutVarint(out, r.next_receipt);
  PutVarint(out, r.next_sequence_number);
}

void EncodePayload(const QueueRefRecord& r, std::string& out) {
  PutVarint(out, r.uid);
}

void EncodePayload(const MessageStateRecord& r, std::string& out) {
  PutVarint(out, r.uid);
  PutVarint(out, r.seq);
  out.push_back(static_cast<char>(r.state));
  PutTime(out, r.visible_at);
  PutTime(out, r.first_receive_at);
  PutTime(out, r.in_flight_since);
  PutVarint(out, r.receipt);
  PutVarint(out, r.receive_count);
}

void EncodePayload(const MessageRecord& r, std::string& out) {
  EncodePayload(r.state, out);
  PutBytes(out, r.id);
  PutBytes(out, r.body_md5);
  PutBytes(out, r.body);
  PutTime(out, r.sent_at);
  PutBytes(out, r.extras);
}

void EncodePayload(const MessageRefRecord& r, std::string& out) {
  PutVarint(out, r.uid);
  PutVarint(out, r.seq);
}

void EncodePayload(const DedupRecord& r, std::string& out) {
  PutVarint(out, r.uid);
  PutBytes(out, r.key);
  PutBytes(out, r.message_id);
  PutBytes(out, r.sequence_number);
  PutTime(out, r.expires_at);
}

void EncodePayload(const PutRecord& r, std::string& out) {
  PutBytes(out, r.space);
  PutBytes(out, r.key);
  PutBytes(out, r.value);
}

void EncodePayload(const EraseRecord& r, std::string& out) {
  PutBytes(out, r.space);
  PutBytes(out, r.key);
}

namespace {

bool DecodeState(Decoder& d, MessageStateRecord& r) {
  return d.Varint(r.uid) && d.Varint(r.seq) && d.Byte(r.state) &&
         d.Time(r.visible_at) && d.Time(r.first_receive_at) &&
         d.Time(r.in_flight_since) && d.Varint(r.receipt) &&
         d.Varint32(r.receive_count);
}

}  // namespace

bool DecodePayload(std::string_view in, GenerationRecord& r) {
  Decoder d(in);
  return d.Varint(r.generation) && d.done();
}

bool DecodePayload(std::string_view in, QueueRecord& r) {
  Decoder d(in);
  return d.Varint(r.uid) && d.Bytes(r.name) && d.Bytes(r.config) &&
         d.Varint(r.next_seq) && d.Varint(r.next_receipt) &&
         d.Varint(r.next_sequence_number) && d.done();
}

bool DecodePayload(std::string_view in, QueueRefRecord& r) {
  Decoder d(in);
  return d.Varint(r.uid) && d.done();
}

bool DecodePayload(std::string_view in, MessageStateRecord& r) {
  Decoder d(in);
  return DecodeState(d, r) && d.done();
}

bool DecodePayload(std::string_view in, MessageRecord& r) {
  Decoder d(in);
  return DecodeState(d, r.state) && d.Bytes(r.id) && d.Bytes(r.body_md5) &&
         d.Bytes(r.body) && d.Time(r.sent_at) && d.Bytes(r.extras) && d.done();
}

bool DecodePayload(std::string_view in, MessageRefRecord& r) {
  Decoder d(in);
  return d.Varint(r.uid) && d.Varint(r.seq) && d.done();
}

bool DecodePayload(std::string_view in, DedupRecord& r) {
  Decoder d(in);
  return d.Varint(r.uid) && d.Bytes(r.key) && d.Bytes(r.message_id) &&
         d.Bytes(r.sequence_number) && d.Time(r.expires_at) && d.done();
}

bool DecodePayload(std::string_view in, PutRecord& r) {
  Decoder d(in);
  return d.Bytes(r.space) && d.Bytes(r.key) && d.Bytes(r.value) && d.done();
}

bool DecodePayload(std::string_view in, EraseRecord& r) {
  Decoder d(in);
  return d.Bytes(r.space) && d.Bytes(r.key) && d.done();
}

}  // namespace fanlab::persist
