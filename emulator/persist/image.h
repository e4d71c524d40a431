// Image: the state a replay of the snapshot and the log rebuilds, as
// plain records, before the services take it over. Applying a record is
// what replaying it means: a message put replaces any earlier one with the
// same queue and number, a state record updates it, a delete drops it.
// The largest numbers ever seen (queue uids, message numbers, receipt
// serials) are kept even for what was deleted since, so a restarted
// engine never issues them again.
//
// Thread safety: none.
#ifndef FANLAB_EMULATOR_PERSIST_IMAGE_H_
#define FANLAB_EMULATOR_PERSIST_IMAGE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "emulator/persist/record.h"

namespace fanlab::persist {

struct QueueImage {
  QueueRecord queue;
  std::map<uint64_t, MessageRecord> messages;  // by seq
  std::map<std::string, DedupRecord> dedup;    // by key
  uint64_t max_seq = 0;      // the largest message number seen
  uint64_t max_receipt = 0;  // the largest receipt serial seen
};

struct Image {
  std::map<uint64_t, QueueImage> queues;  // by uid
  uint64_t max_queue_uid = 0;
  // The other services' objects: space -> key -> value.
  std::map<std::string, std::map<std::string, std::string>> spaces;
  // From the snapshot's first record: which log follows it.
  uint64_t generation = 0;

  // Applies one record; false when its payload does not decode. Records
  // about a queue that does not exist (deleted since) are ignored.
  bool Apply(RecordKind kind, std::string_view payload);
  // The objects of one space (empty when none).
  const std::map<std::string, std::string>& Space(
      const std::string& space) const;
};

}  // namespace fanlab::persist

#endif  // FANLAB_EMULATOR_PERSIST_IMAGE_H_
