// The queue engine's side of durable state: how a queue and its messages
// become persist records (persist/record.h) and come back from a replay.
// Everything here runs only with a journal set (fanlab serve --data-dir);
// the in-memory path never calls it.
#include <algorithm>
#include <charconv>

#include "emulator/core/common_errors.h"
#include "emulator/persist/image.h"
#include "emulator/persist/log_writer.h"
#include "emulator/queue/queue.h"
#include "emulator/queue/queue_attributes.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::queue {
namespace {

using persist::Decoder;
using persist::PutBytes;
using persist::PutTime;
using persist::PutVarint;

template <size_t N>
std::string Raw(const std::array<uint8_t, N>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

template <size_t N>
bool FromRaw(std::string_view raw, std::array<uint8_t, N>& out) {
  if (raw.size() != N) return false;
  std::copy(raw.begin(), raw.end(), out.begin());
  return true;
}

void PutAttributes(std::string& out, const MessageAttributeMap& map) {
  PutVarint(out, map.size());
  for (const auto& [name, v] : map) {
    PutBytes(out, name);
    PutBytes(out, v.data_type);
    // 0: absent, 1: present (an empty string is a value).
    PutVarint(out, (v.string_value ? 1u : 0u) | (v.binary_value ? 2u : 0u));
    if (v.string_value) PutBytes(out, *v.string_value);
    if (v.binary_value) PutBytes(out, *v.binary_value);
  }
}

bool GetAttributes(Decoder& d, MessageAttributeMap& map) {
  uint64_t n;
  if (!d.Varint(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string name;
    MessageAttributeValue v;
    uint64_t present;
    if (!d.Bytes(name) || !d.Bytes(v.data_type) || !d.Varint(present)) {
      return false;
    }
    if (present & 1) {
      v.string_value.emplace();
      if (!d.Bytes(*v.string_value)) return false;
    }
    if (present & 2) {
      v.binary_value.emplace();
      if (!d.Bytes(*v.binary_value)) return false;
    }
    map.emplace(std::move(name), std::move(v));
  }
  return true;
}

void PutStringMap(std::string& out,
                  const std::map<std::string, std::string>& m) {
  PutVarint(out, m.size());
  for (const auto& [k, v] : m) {
    PutBytes(out, k);
    PutBytes(out, v);
  }
}

bool GetStringMap(Decoder& d, std::map<std::string, std::string>& m) {
  uint64_t n;
  if (!d.Varint(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!d.Bytes(k) || !d.Bytes(v)) return false;
    m.emplace(std::move(k), std::move(v));
  }
  return true;
}

std::string EncodeExtras(const MessageExtras& x) {
  std::string out;
  PutAttributes(out, x.attributes);
  PutBytes(out, x.attributes_md5);
  PutAttributes(out, x.system_attributes);
  PutBytes(out, x.group_id);
  PutBytes(out, x.dedup_id);
  PutBytes(out, x.sequence_number);
  PutBytes(out, x.dead_letter_source_arn);
  PutVarint(out, x.retention_base ? 1 : 0);
  if (x.retention_base) PutTime(out, *x.retention_base);
  return out;
}

bool DecodeExtras(std::string_view blob, MessageExtras& x) {
  Decoder d(blob);
  uint64_t has_base;
  if (!GetAttributes(d, x.attributes) || !d.Bytes(x.attributes_md5) ||
      !GetAttributes(d, x.system_attributes) || !d.Bytes(x.group_id) ||
      !d.Bytes(x.dedup_id) || !d.Bytes(x.sequence_number) ||
      !d.Bytes(x.dead_letter_source_arn) || !d.Varint(has_base)) {
    return false;
  }
  if (has_base) {
    TimePoint t;
    if (!d.Time(t)) return false;
    x.retention_base = t;
  }
  return d.done();
}

persist::MessageStateRecord StateOf(uint64_t uid, const StoredMessage& m) {
  return {.uid = uid,
          .seq = m.seq,
          .state = static_cast<uint8_t>(m.state),
          .visible_at = m.visible_at,
          .first_receive_at = m.first_receive_at,
          .in_flight_since = m.in_flight_since,
          .receipt = m.receipt,
          .receive_count = m.receive_count};
}

persist::MessageRecord RecordOf(uint64_t uid, const StoredMessage& m) {
  return {.state = StateOf(uid, m),
          .id = Raw(m.id),
          .body_md5 = Raw(m.body_md5),
          .body = m.body,
          .sent_at = m.sent_at,
          .extras = m.extras ? EncodeExtras(*m.extras) : std::string()};
}

uint64_t SequenceNumberValue(std::string_view text) {
  uint64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

}  // namespace

void Queue::LogStored(const StoredMessage& m) {
  journal_->Add(persist::RecordKind::kMessagePut, RecordOf(uid_, m));
}

void Queue::LogState(const StoredMessage& m) {
  journal_->Add(persist::RecordKind::kMessageState, StateOf(uid_, m));
}

void Queue::LogRemoved(const StoredMessage& m) {
  journal_->Add(persist::RecordKind::kMessageDelete,
                persist::MessageRefRecord{uid_, m.seq});
}

std::string Queue::EncodeConfig() const {
  std::string out;
  PutTime(out, created_at_);
  PutTime(out, last_modified_at_);
  PutVarint(out, last_purge_at ? 1 : 0);
  if (last_purge_at) PutTime(out, *last_purge_at);
  AttributeMap attributes;
  for (const std::string& name : ConfigAttributeNames(config_.fifo)) {
    if (auto v = ConfigAttribute(config_, name)) attributes[name] = *v;
  }
  PutStringMap(out, attributes);
  PutStringMap(out, tags_);
  return out;
}

bool Queue::DecodeConfig(std::string_view blob, SavedConfig& out) {
  Decoder d(blob);
  uint64_t has_purge;
  if (!d.Time(out.created_at) || !d.Time(out.last_modified_at) ||
      !d.Varint(has_purge)) {
    return false;
  }
  if (has_purge) {
    TimePoint t;
    if (!d.Time(t)) return false;
    out.last_purge_at = t;
  }
  return GetStringMap(d, out.attributes) && GetStringMap(d, out.tags) &&
         d.done();
}

void Queue::LogConfig() {
  if (journal_ == nullptr) return;
  journal_->Add(persist::RecordKind::kQueuePut,
                persist::QueueRecord{
                    .uid = uid_, .name = name_, .config = EncodeConfig()});
}

void Queue::Restore(StoredMessage in) {
  const uint64_t seq = in.seq;
  if (messages_.empty()) oldest_seq_ = seq;
  auto [it, inserted] = messages_.try_emplace(seq, std::move(in));
  if (!inserted) return;
  StoredMessage& m = it->second;
  next_seq_ = std::max(next_seq_, seq + 1);
  next_receipt_ = std::max(next_receipt_, m.receipt + 1);
  if (m.extras && m.extras->retention_base) {
    late_expiry_.emplace(*m.extras->retention_base, seq);
  }
  if (m.extras && !m.extras->sequence_number.empty()) {
    next_sequence_number_ =
        std::max(next_sequence_number_,
                 SequenceNumberValue(m.extras->sequence_number) + 1);
  }
  switch (m.state) {
    case MessageState::kReady:
      ++n_ready_;
      if (!config_.fifo) ready_.push(seq);
      break;
    case MessageState::kDelayed:
      ++n_delayed_;
      transitions_.push({m.visible_at, seq, m.receipt});
      break;
    case MessageState::kInFlight:
      ++n_in_flight_;
      transitions_.push({m.visible_at, seq, m.receipt});
      break;
  }
  if (config_.fifo) {
    Group& g = groups_[m.extras ? m.extras->group_id : std::string()];
    g.seqs.push_back(seq);
    if (m.state == MessageState::kInFlight) ++g.in_flight;
  }
}

void Queue::RestoreDedup(std::string key, DedupRecord record) {
  next_sequence_number_ = std::max(
      next_sequence_number_, SequenceNumberValue(record.sequence_number) + 1);
  RecordDedup(std::move(key), std::move(record));
}

void Queue::FinishRestore(uint64_t next_seq, uint64_t next_receipt,
                          uint64_t next_sequence_number) {
  next_seq_ = std::max(next_seq_, next_seq);
  if (messages_.empty()) oldest_seq_ = next_seq_;
  next_receipt_ = std::max(next_receipt_, next_receipt);
  next_sequence_number_ = std::max(next_sequence_number_, next_sequence_number);
  std::vector<std::string> names;
  for (const auto& [name, g] : groups_) names.push_back(name);
  for (const std::string& name : names) {
    auto it = groups_.find(name);
    if (it != groups_.end()) RefreshGroup(it->first, it->second);
  }
}

void Queue::Dump(persist::LogWriter& out) const {
  out.Add(persist::RecordKind::kQueuePut,
          persist::QueueRecord{.uid = uid_,
                               .name = name_,
                               .config = EncodeConfig(),
                               .next_seq = next_seq_,
                               .next_receipt = next_receipt_,
                               .next_sequence_number = next_sequence_number_});
  for (const StoredMessage* m : Messages()) {
    out.Add(persist::RecordKind::kMessagePut, RecordOf(uid_, *m));
  }
  for (const auto& [key, r] : dedup_) {
    out.Add(persist::RecordKind::kDedup,
            persist::DedupRecord{.uid = uid_,
                                 .key = key,
                                 .message_id = Raw(r.message_id),
                                 .sequence_number = r.sequence_number,
                                 .expires_at = r.expires_at});
  }
}

// ------------------------------------------------------------- service

namespace {

constexpr const char* kIdentitySpace = "sqs";
constexpr const char* kIdentityKey = "identity";

}  // namespace

void QueueService::SetJournal(persist::LogWriter* journal) {
  journal_ = journal;
  for (auto& [name, q] : queues_) q->SetJournal(journal);
  if (journal_ != nullptr) LogIdentity(*journal_);
}

void QueueService::LogIdentity(persist::LogWriter& out) const {
  std::string value;
  PutVarint(value, handle_key_);
  PutVarint(value, epoch_);
  PutVarint(value, next_queue_uid_);
  out.Add(persist::RecordKind::kPut,
          persist::PutRecord{kIdentitySpace, kIdentityKey, std::move(value)});
}

Status QueueService::Restore(const persist::Image& image) {
  const auto& identity = image.Space(kIdentitySpace);
  if (auto it = identity.find(kIdentityKey); it != identity.end()) {
    // Handles issued before the restart stay valid: same key, same epoch.
    Decoder d(it->second);
    uint64_t next_uid = 0;
    if (!d.Varint(handle_key_) || !d.Varint(epoch_) || !d.Varint(next_uid)) {
      return Status(common::kInternalError,
                    "The stored queue identity does not decode.");
    }
    next_queue_uid_ = std::max(next_queue_uid_, next_uid);
  }
  next_queue_uid_ = std::max(next_queue_uid_, image.max_queue_uid + 1);
  for (const auto& [uid, qi] : image.queues) {
    Queue::SavedConfig saved;
    QueueConfig config;
    const std::string& name = qi.queue.name;
    if (!Queue::DecodeConfig(qi.queue.config, saved) ||
        !ApplyQueueAttributes(saved.attributes, /*creating=*/true, config)
             .ok()) {
      return Status(
          common::kInternalError,
          "The stored configuration of queue " + name + " does not decode.");
    }
    auto q =
        std::make_unique<Queue>(name, QueueArn(name), QueueUrl(name), uid,
                                std::move(config), saved.created_at, observer_);
    q->tags() = std::move(saved.tags);
    q->Touch(saved.last_modified_at);
    q->last_purge_at = saved.last_purge_at;
    for (const auto& [seq, r] : qi.messages) {
      StoredMessage m;
      m.seq = seq;
      m.body = r.body;
      m.sent_at = r.sent_at;
      m.visible_at = r.state.visible_at;
      m.first_receive_at = r.state.first_receive_at;
      m.in_flight_since = r.state.in_flight_since;
      m.receipt = r.state.receipt;
      m.receive_count = r.state.receive_count;
      m.state = static_cast<MessageState>(std::min<uint8_t>(r.state.state, 2));
      bool ok = FromRaw(r.id, m.id) && FromRaw(r.body_md5, m.body_md5);
      if (ok && !r.extras.empty()) {
        m.extras = std::make_unique<MessageExtras>();
        ok = DecodeExtras(r.extras, *m.extras);
      }
      if (!ok || (q->fifo() && !m.extras)) {
        return Status(common::kInternalError, "A stored message of queue " +
                                                  name + " does not decode.");
      }
      q->Restore(std::move(m));
    }
    for (const auto& [key, r] : qi.dedup) {
      Queue::DedupRecord d;
      if (!FromRaw(r.message_id, d.message_id)) continue;
      d.sequence_number = r.sequence_number;
      d.expires_at = r.expires_at;
      q->RestoreDedup(key, std::move(d));
    }
    q->FinishRestore(std::max(qi.queue.next_seq, qi.max_seq + 1),
                     std::max(qi.queue.next_receipt, qi.max_receipt + 1),
                     qi.queue.next_sequence_number);
    q->SetJournal(journal_);
    queues_[name] = std::move(q);
  }
  return Status::Ok();
}

void QueueService::Dump(persist::LogWriter& out) const {
  LogIdentity(out);
  std::vector<const Queue*> sorted;
  for (const auto& [name, q] : queues_) sorted.push_back(q.get());
  std::sort(sorted.begin(), sorted.end(),
            [](const Queue* a, const Queue* b) { return a->uid() < b->uid(); });
  for (const Queue* q : sorted) q->Dump(out);
}

}  // namespace fanlab::queue
