// The one record model of durable state: what the log and the snapshot
// hold, and how each record is encoded. A record is an effect (a message
// was stored, received, deleted; a queue's configuration is now this; an
// object is now this blob), never a request: replaying the records in
// order rebuilds the state without running any service logic twice.
//
// Framing on disk (log_writer.h writes it, log_reader.h checks it):
//   [u32 length][u32 CRC32C of kind+payload][u8 kind][payload]
// little-endian; length counts the kind byte and the payload.
//
// Payload encoding: unsigned LEB128 varints for integers (times as
// microseconds since the Unix epoch: wall-clock instants, so a deadline
// means the same after a restart), length-prefixed byte strings.
//
// Thread safety: none needed (plain values and functions).
#ifndef FANLAB_EMULATOR_PERSIST_RECORD_H_
#define FANLAB_EMULATOR_PERSIST_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/core/clock.h"

namespace fanlab::persist {

enum class RecordKind : uint8_t {
  kGeneration = 1,  // first record of a snapshot: which log follows it
  kQueuePut,        // a queue was created or reconfigured (whole queue)
  kQueueDelete,     // a queue and its messages are gone
  kQueuePurge,      // a queue's messages are gone
  kMessagePut,      // a message stored (whole message)
  kMessageState,    // a message received, or its visibility changed
  kMessageDelete,   // a message deleted, expired or moved away
  kDedup,           // a FIFO deduplication id recorded
  kPut,             // an object of some service is now `value`
  kErase,           // an object of some service is gone
  kEraseSpace,      // every object of one space is gone
};
// The largest kind a reader accepts.
inline constexpr uint8_t kMaxRecordKind =
    static_cast<uint8_t>(RecordKind::kEraseSpace);
// Frame header bytes: length and checksum.
inline constexpr size_t kFrameHeader = 8;
// A frame longer than this is corruption, not a record (the largest
// legal object, a Lambda code package, is far smaller).
inline constexpr uint32_t kMaxRecordBytes = uint32_t{1} << 30;

struct GenerationRecord {
  uint64_t generation = 0;
};

// A queue, whole. `attributes` and `tags` are encoded by the queue engine
// (persist does not interpret them). The counters are what a snapshot
// keeps so that numbers issued before it are never issued again; in the
// log they are 0 (replay takes the largest number seen instead).
struct QueueRecord {
  uint64_t uid = 0;
  std::string name;
  std::string config;  // opaque: the queue engine's encoding
  uint64_t next_seq = 0;
  uint64_t next_receipt = 0;
  uint64_t next_sequence_number = 0;
};

struct QueueRefRecord {  // kQueueDelete, kQueuePurge
  uint64_t uid = 0;
};

// What changes about a message after it is stored.
struct MessageStateRecord {
  uint64_t uid = 0;  // the queue's
  uint64_t seq = 0;
  uint8_t state = 0;  // queue::MessageState
  TimePoint visible_at{};
  TimePoint first_receive_at{};
  TimePoint in_flight_since{};
  uint64_t receipt = 0;
  uint32_t receive_count = 0;
};

// A message, whole: its state, and what never changes after it is
// stored (id, digest, body, sent time and the opaque extras block).
struct MessageRecord {
  MessageStateRecord state;
  std::string id;        // 16 raw bytes
  std::string body_md5;  // 16 raw bytes
  std::string body;
  TimePoint sent_at{};
  std::string extras;  // opaque: the queue engine's encoding; "" when none
};

struct MessageRefRecord {  // kMessageDelete
  uint64_t uid = 0;
  uint64_t seq = 0;
};

struct DedupRecord {
  uint64_t uid = 0;
  std::string key;  // the deduplication scope's key
  std::string message_id;
  std::string sequence_number;
  TimePoint expires_at{};
};

// Objects of the other services, by space ("lambda.function",
// "dynamodb.item/orders", ...) and key; `value` is the owning service's
// encoding.
struct PutRecord {
  std::string space;
  std::string key;
  std::string value;
};
struct EraseRecord {  // kErase; kEraseSpace leaves `key` empty
  std::string space;
  std::string key;
};

// Appends the payload of a record to `out` (no frame).
void EncodePayload(const GenerationRecord& r, std::string& out);
void EncodePayload(const QueueRecord& r, std::string& out);
void EncodePayload(const QueueRefRecord& r, std::string& out);
void EncodePayload(const MessageStateRecord& r, std::string& out);
void EncodePayload(const MessageRecord& r, std::string& out);
void EncodePayload(const MessageRefRecord& r, std::string& out);
void EncodePayload(const DedupRecord& r, std::string& out);
void EncodePayload(const PutRecord& r, std::string& out);
void EncodePayload(const EraseRecord& r, std::string& out);

// Decodes a whole payload; false when it is short, long or malformed.
bool DecodePayload(std::string_view in, GenerationRecord& r);
bool DecodePayload(std::string_view in, QueueRecord& r);
bool DecodePayload(std::string_view in, QueueRefRecord& r);
bool DecodePayload(std::string_view in, MessageStateRecord& r);
bool DecodePayload(std::string_view in, MessageRecord& r);
bool DecodePayload(std::string_view in, MessageRefRecord& r);
bool DecodePayload(std::string_view in, DedupRecord& r);
bool DecodePayload(std::string_view in, PutRecord& r);
bool DecodePayload(std::string_view in, EraseRecord& r);

// Building blocks, for the services' own opaque encodings.
void PutVarint(std::string& out, uint64_t v);
void PutBytes(std::string& out, std::string_view bytes);
void PutTime(std::string& out, TimePoint t);

// Reads from the front of a view, advancing it; every getter returns
// false (and leaves the value alone) when the input is short or bad.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool Varint(uint64_t& v);
  bool Varint32(uint32_t& v);
  bool Byte(uint8_t& v);
  bool Bytes(std::string& v);
  bool Bytes(std::string_view& v);
  bool Time(TimePoint& t);
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace fanlab::persist

#endif  // FANLAB_EMULATOR_PERSIST_RECORD_H_
