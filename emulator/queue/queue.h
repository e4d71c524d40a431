// Queue: one SQS queue's messages and the algorithms on them. Internal to
// the queue engine: QueueService validates requests, resolves names and
// handles long polls; a Queue stores, delivers and forgets messages.
//
// Time-driven transitions are lazy: every operation first calls
// Advance(now), which applies every delay end, visibility-timeout end and
// retention expiry due by `now`, in time order. Nothing runs between calls,
// so an idle queue costs nothing.
//
// Storage, per message: one hash-table node (the message), plus 8 bytes in
// a ready heap (standard) or group list (FIFO), plus a transition-heap
// entry while delayed or in flight. Attributes and FIFO fields live in an
// optional side block so plain messages stay small.
#ifndef FANLAB_EMULATOR_QUEUE_QUEUE_H_
#define FANLAB_EMULATOR_QUEUE_QUEUE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/digest.h"
#include "emulator/core/ids.h"
#include "emulator/core/status.h"
#include "emulator/queue/observer.h"
#include "emulator/queue/queue_attributes.h"
#include "emulator/queue/receipt_handle.h"
#include "emulator/queue/types.h"

namespace fanlab::persist {
class LogWriter;
}

namespace fanlab::queue {

enum class MessageState : uint8_t { kDelayed, kReady, kInFlight };

// What a message carries beyond a plain body.
struct MessageExtras {
  MessageAttributeMap attributes;
  std::string attributes_md5;  // of all attributes; empty when none
  MessageAttributeMap system_attributes;
  std::string group_id;
  std::string dedup_id;
  std::string sequence_number;  // FIFO: 20 digits
  std::string dead_letter_source_arn;
  std::optional<TimePoint> retention_base;  // when not sent_at
};

struct StoredMessage {
  uint64_t seq = 0;  // queue-local, increasing in send order
  Uuid id{};
  Md5Digest body_md5{};
  std::string body;
  std::unique_ptr<MessageExtras> extras;
  TimePoint sent_at{};
  TimePoint visible_at{};        // delay end or visibility-timeout end
  TimePoint first_receive_at{};  // epoch 0: never received
  TimePoint in_flight_since{};   // start of the current in-flight period
  uint64_t receipt = 0;          // serial of the newest receipt handle
  uint32_t receive_count = 0;
  MessageState state = MessageState::kReady;

  TimePoint RetentionBase() const {
    return extras && extras->retention_base ? *extras->retention_base : sent_at;
  }
};

// A message as the service hands it to Queue::Store.
struct NewMessage {
  Uuid id{};
  std::string body;
  Md5Digest body_md5{};
  std::unique_ptr<MessageExtras> extras;  // may be null
  Duration delay{};
  TimePoint sent_at{};
  uint32_t receive_count = 0;               // DLQ moves keep history out
  std::optional<TimePoint> retention_base;  // DLQ moves (standard)
};

// Result of a receive for one message: the engine's record, and the handle.
struct Delivery {
  const StoredMessage* message;
  ReceiptHandle handle;
};

class Queue {
 public:
  // Moves a message that exceeded maxReceiveCount out of this queue.
  using DeadLetterSink = std::function<void(Queue& from, StoredMessage&& m)>;

  Queue(std::string name, std::string arn, std::string url, uint64_t uid,
        QueueConfig config, TimePoint now, QueueObserver*& observer);

  const std::string& name() const { return name_; }
  const std::string& arn() const { return arn_; }
  const std::string& url() const { return url_; }
  uint64_t uid() const { return uid_; }
  bool fifo() const { return config_.fifo; }
  QueueConfig& config() { return config_; }
  const QueueConfig& config() const { return config_; }
  TagMap& tags() { return tags_; }
  TimePoint created_at() const { return created_at_; }
  TimePoint last_modified_at() const { return last_modified_at_; }
  void Touch(TimePoint now) { last_modified_at_ = now; }
  std::optional<TimePoint> last_purge_at;

  // Applies every transition due by `now`.
  void Advance(TimePoint now);

  // Stores a message (after validation and deduplication). Returns its seq.
  uint64_t Store(NewMessage m, TimePoint now);

  // Receives up to `max` messages, in flight until now + visibility. Moves
  // messages past maxReceiveCount to `dlq` on the way.
  // REQUIRES: Advance(now) was called.
  std::vector<Delivery> Receive(size_t max, Duration visibility, TimePoint now,
                                const DeadLetterSink& dlq);

  // The message a handle points at, when it still exists.
  StoredMessage* Find(uint64_t seq);
  // Removes a message for good (delete, DLQ move). Returns it.
  StoredMessage Remove(StoredMessage& m);
  // Puts an in-flight message back at `visible_at` (== now: visible now).
  void SetVisibility(StoredMessage& m, TimePoint visible_at, TimePoint now);
  // Drops every message. Returns how many.
  uint64_t Purge();

  uint64_t ready() const { return n_ready_; }
  uint64_t in_flight() const { return n_in_flight_; }
  uint64_t delayed() const { return n_delayed_; }
  bool HasDeliverable() const;
  // Every stored message, in send order (for inspection: the harness).
  std::vector<const StoredMessage*> Messages() const;
  // The earliest instant at which a message may become deliverable: a
  // delay or visibility timeout ending, or a retention expiry (which can
  // unlock a FIFO group). May be early (stale entries): waking then finds
  // nothing to do.
  std::optional<TimePoint> NextWake();
  // What the queue holds internally (QueueFootprint, types.h).
  QueueFootprint footprint() const {
    return {messages_.size(), ready_.size(), transitions_.size(),
            late_expiry_.size(), groups_.size()};
  }
  // The earliest pending delay or visibility end (may be stale).
  std::optional<TimePoint> NextTransition() const {
    if (transitions_.empty()) return std::nullopt;
    return transitions_.top().at;
  }

  // FIFO deduplication: the message a dedup key maps to within the window.
  struct DedupRecord {
    Uuid message_id;
    std::string sequence_number;
    TimePoint expires_at;
  };
  const DedupRecord* FindDuplicate(const std::string& key, TimePoint now);
  void RecordDedup(std::string key, DedupRecord record);
  std::string NextSequenceNumber();

  // FIFO ReceiveRequestAttemptId: the deliveries a retried receive repeats,
  // as long as none of them was deleted or had its visibility changed.
  struct AttemptEntry {
    uint64_t seq;
    uint64_t receipt;
    TimePoint visible_at;
  };
  struct Attempt {
    TimePoint expires_at;
    std::vector<AttemptEntry> entries;
  };
  // The attempt recorded under `id`, unless its window ended by `now`.
  // Forgets every attempt whose window ended.
  Attempt* FindAttempt(const std::string& id, TimePoint now);
  void RecordAttempt(const std::string& id, Attempt attempt);
  void ForgetAttempt(const std::string& id) { attempts_.erase(id); }

  // Publishes an event about this queue (m == nullptr: queue-level).
  void Emit(QueueEventKind kind, TimePoint at, const StoredMessage* m,
            std::string_view detail = {}, uint64_t count = 0);

  // --- Durable state (queue_journal.cc). ---
  // Every change from here on is written to `journal` as a record
  // (persist/record.h); null: none (the default, in memory only). What
  // time alone changes (a delay or visibility timeout ending) is not
  // written: the deadlines are, and a replay reaches the same state.
  void SetJournal(persist::LogWriter* journal) { journal_ = journal; }
  // Writes the queue's configuration, whole (after it changed).
  void LogConfig();
  // Puts back a message as a replay left it. REQUIRES: before any other
  // operation, in increasing seq order; FinishRestore() after the last.
  void Restore(StoredMessage m);
  void RestoreDedup(std::string key, DedupRecord record);
  // Numbers issued before a restart are never issued again.
  void FinishRestore(uint64_t next_seq, uint64_t next_receipt,
                     uint64_t next_sequence_number);
  // Writes every record a replay needs to rebuild this queue as it is:
  // the queue (with its counters), its messages, its dedup records.
  void Dump(persist::LogWriter& out) const;
  // The configuration blob of a queue record, and back (false: malformed).
  std::string EncodeConfig() const;
  struct SavedConfig {
    TimePoint created_at{}, last_modified_at{};
    std::optional<TimePoint> last_purge_at;
    AttributeMap attributes;
    TagMap tags;
  };
  static bool DecodeConfig(std::string_view blob, SavedConfig& out);

  // Long-poll bookkeeping, owned by the service.
  std::deque<uint64_t> waiters;
  TimerId wake_timer = 0;
  TimePoint wake_at{};

 private:
  struct Transition {
    TimePoint at;
    uint64_t seq;
    uint64_t receipt;
    bool operator>(const Transition& o) const {
      return at != o.at ? at > o.at : seq > o.seq;
    }
  };
  struct Group {
    std::deque<uint64_t> seqs;  // every message of the group, in order
    uint32_t in_flight = 0;
    std::optional<uint64_t> available_key;  // key in available_groups_
  };

  void SetState(StoredMessage& m, MessageState s);
  // Journal records of one message (queue_journal.cc).
  void LogStored(const StoredMessage& m);
  void LogState(const StoredMessage& m);
  void LogRemoved(const StoredMessage& m);
  // Drops stale entries once they outnumber live ones, so deleted
  // messages with long visibility timeouts do not pile up in the heap.
  void CompactTransitions();
  // The same for the ready heap: messages that leave it other than by
  // being received (deleted while visible, expired unread, moved to a
  // dead-letter queue) leave entries behind.
  void CompactReady();
  // Below this many entries an index is never compacted.
  static constexpr size_t kCompactFloor = 1024;
  // The oldest live message by seq (retention order of unmoved messages).
  StoredMessage* Oldest();
  void Expire(StoredMessage& m, TimePoint at);
  void MakeReady(StoredMessage& m, TimePoint at);
  void RefreshGroup(const std::string& group_id, Group& g);
  void Deliver(StoredMessage& m, Duration visibility, TimePoint now,
               std::vector<Delivery>& out);
  Duration Retention() const {
    return std::chrono::seconds(config_.message_retention_period);
  }

  std::string name_, arn_, url_;
  uint64_t uid_;
  QueueConfig config_;
  TagMap tags_;
  TimePoint created_at_, last_modified_at_;
  QueueObserver*& observer_;
  persist::LogWriter* journal_ = nullptr;

  std::unordered_map<uint64_t, StoredMessage> messages_;
  uint64_t next_seq_ = 1;
  uint64_t oldest_seq_ = 1;  // no live message has a smaller seq
  uint64_t next_receipt_ = 1;
  uint64_t n_ready_ = 0, n_in_flight_ = 0, n_delayed_ = 0;

  std::priority_queue<Transition, std::vector<Transition>, std::greater<>>
      transitions_;
  // Standard queues: ready messages, oldest first (lazy: stale entries are
  // skipped on pop).
  std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<>> ready_;
  // Messages whose retention clock is out of seq order (moved in from a
  // source queue): (retention base, seq). Keyed by the base, not the
  // expiry, so a retention change keeps the order right.
  std::priority_queue<std::pair<TimePoint, uint64_t>,
                      std::vector<std::pair<TimePoint, uint64_t>>,
                      std::greater<>>
      late_expiry_;

  // FIFO.
  std::unordered_map<std::string, Group> groups_;
  std::set<std::pair<uint64_t, std::string>> available_groups_;
  std::unordered_map<std::string, DedupRecord> dedup_;
  std::deque<std::pair<TimePoint, std::string>> dedup_order_;
  std::unordered_map<std::string, Attempt> attempts_;
  std::deque<std::pair<TimePoint, std::string>> attempt_order_;
  uint64_t next_sequence_number_ = 18000000000000000000ULL;
};

}  // namespace fanlab::queue

#endif  // FANLAB_EMULATOR_QUEUE_QUEUE_H_
