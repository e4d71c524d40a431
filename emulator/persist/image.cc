#include "emulator/persist/image.h"

#include <algorithm>

namespace fanlab::persist {

bool Image::Apply(RecordKind kind, std::string_view payload) {
  switch (kind) {
    case RecordKind::kGeneration: {
      GenerationRecord r;
      if (!DecodePayload(payload, r)) return false;
      generation = r.generation;
      return true;
    }
    case RecordKind::kQueuePut: {
      QueueRecord r;
      if (!DecodePayload(payload, r)) return false;
      max_queue_uid = std::max(max_queue_uid, r.uid);
      QueueImage& q = queues[r.uid];
      q.max_seq = std::max(q.max_seq, r.next_seq > 0 ? r.next_seq - 1 : 0);
      q.max_receipt =
          std::max(q.max_receipt, r.next_receipt > 0 ? r.next_receipt - 1 : 0);
      r.next_sequence_number =
          std::max(r.next_sequence_number, q.queue.next_sequence_number);
      q.queue = std::move(r);
      return true;
    }
    case RecordKind::kQueueDelete:
    case RecordKind::kQueuePurge: {
      QueueRefRecord r;
      if (!DecodePayload(payload, r)) return false;
      auto it = queues.find(r.uid);
      if (it == queues.end()) return true;
      if (kind == RecordKind::kQueueDelete) {
        queues.erase(it);
      } else {
        it->second.messages.clear();
      }
      return true;
    }
    case RecordKind::kMessagePut: {
      MessageRecord r;
      if (!DecodePayload(payload, r)) return false;
      auto it = queues.find(r.state.uid);
      if (it == queues.end()) return true;
      QueueImage& q = it->second;
      q.max_seq = std::max(q.max_seq, r.state.seq);
      q.max_receipt = std::max(q.max_receipt, r.state.receipt);
      uint64_t seq = r.state.seq;
      q.messages.insert_or_assign(seq, std::move(r));
      return true;
    }
    case RecordKind::kMessageState: {
      MessageStateRecord r;
      if (!DecodePayload(payload, r)) return false;
      auto it = queues.find(r.uid);
      if (it == queues.end()) return true;
      QueueImage& q = it->second;
      q.max_receipt = std::max(q.max_receipt, r.receipt);
      auto m = q.messages.find(r.seq);
      if (m != q.messages.end()) m->second.state = r;
      return true;
    }
    case RecordKind::kMessageDelete: {
      MessageRefRecord r;
      if (!DecodePayload(payload, r)) return false;
      auto it = queues.find(r.uid);
      if (it != queues.end()) it->second.messages.erase(r.seq);
      return true;
    }
    case RecordKind::kDedup: {
      DedupRecord r;
      if (!DecodePayload(payload, r)) return false;
      auto it = queues.find(r.uid);
      if (it == queues.end()) return true;
      std::string key = r.key;
      it->second.dedup.insert_or_assign(std::move(key), std::move(r));
      return true;
    }
    case RecordKind::kPut: {
      PutRecord r;
      if (!DecodePayload(payload, r)) return false;
      spaces[r.space].insert_or_assign(std::move(r.key), std::move(r.value));
      return true;
    }
    case RecordKind::kErase:
    case RecordKind::kEraseSpace: {
      EraseRecord r;
      if (!DecodePayload(payload, r)) return false;
      auto it = spaces.find(r.space);
      if (it == spaces.end()) return true;
      if (kind == RecordKind::kEraseSpace) {
        spaces.erase(it);
      } else {
        it->second.erase(r.key);
      }
      return true;
    }
  }
  return false;
}

const std::map<std::string, std::string>& Image::Space(
    const std::string& space) const {
  static const std::map<std::string, std::string> kEmpty;
  auto it = spaces.find(space);
  return it == spaces.end() ? kEmpty : it->second;
}

}  // namespace fanlab::persist
