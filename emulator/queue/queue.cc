#include "emulator/queue/queue.h"

#include <algorithm>
#include <cstdio>

#include "emulator/persist/log_writer.h"

namespace fanlab::queue {

Queue::Queue(std::string name, std::string arn, std::string url, uint64_t uid,
             QueueConfig config, TimePoint now, QueueObserver*& observer)
    : name_(std::move(name)),
      arn_(std::move(arn)),
      url_(std::move(url)),
      uid_(uid),
      config_(std::move(config)),
      created_at_(now),
      last_modified_at_(now),
      observer_(observer) {}

void Queue::Emit(QueueEventKind kind, TimePoint at, const StoredMessage* m,
                 std::string_view detail, uint64_t count) {
  if (observer_ == nullptr) return;
  std::string id;
  QueueEvent e{};
  e.kind = kind;
  e.at = at;
  e.queue = name_;
  e.detail = detail;
  e.count = count;
  if (m != nullptr) {
    id = FormatUuid(m->id);
    e.message_id = id;
    if (m->extras) e.group_id = m->extras->group_id;
    e.sequence = m->seq;
    e.receipt = m->receipt;
    e.receive_count = m->receive_count;
    e.visible_at = m->visible_at;
  }
  observer_->OnQueueEvent(e);
}

void Queue::SetState(StoredMessage& m, MessageState s) {
  auto counter = [this](MessageState st) -> uint64_t& {
    switch (st) {
      case MessageState::kDelayed:
        return n_delayed_;
      case MessageState::kInFlight:
        return n_in_flight_;
      case MessageState::kReady:
        break;
    }
    return n_ready_;
  };
  --counter(m.state);
  ++counter(s);
  m.state = s;
}

void Queue::RefreshGroup(const std::string& group_id_ref, Group& g) {
  std::optional<uint64_t> want;
  if (g.in_flight == 0 && !g.seqs.empty()) {
    auto it = messages_.find(g.seqs.front());
    if (it != messages_.end() && it->second.state == MessageState::kReady) {
      want = g.seqs.front();
    }
  }
  if (g.available_key == want && !(g.seqs.empty() && g.in_flight == 0)) {
    return;
  }
  std::string group_id = group_id_ref;  // may alias the map key erased below
  if (g.available_key) available_groups_.erase({*g.available_key, group_id});
  g.available_key = want;
  if (want) available_groups_.emplace(*want, group_id);
  if (g.seqs.empty() && g.in_flight == 0) groups_.erase(group_id);
}

void Queue::MakeReady(StoredMessage& m, TimePoint at) {
  bool was_in_flight = m.state == MessageState::kInFlight;
  SetState(m, MessageState::kReady);
  m.visible_at = at;
  if (!config_.fifo) {
    ready_.push(m.seq);
  } else {
    auto git = groups_.find(m.extras->group_id);
    if (git != groups_.end()) {
      if (was_in_flight) --git->second.in_flight;
      RefreshGroup(git->first, git->second);
    }
  }
  if (was_in_flight) Emit(QueueEventKind::kMessageVisibleAgain, at, &m);
}

StoredMessage Queue::Remove(StoredMessage& m) {
  if (config_.fifo) {
    auto git = groups_.find(m.extras->group_id);
    if (git != groups_.end()) {
      Group& g = git->second;
      auto pos = std::find(g.seqs.begin(), g.seqs.end(), m.seq);
      if (pos != g.seqs.end()) g.seqs.erase(pos);
      if (m.state == MessageState::kInFlight) --g.in_flight;
      // Drop the key first: the message (and its group-id string) stays
      // alive until the node is erased below.
      RefreshGroup(git->first, g);
    }
  }
  switch (m.state) {
    case MessageState::kDelayed:
      --n_delayed_;
      break;
    case MessageState::kInFlight:
      --n_in_flight_;
      break;
    case MessageState::kReady:
      --n_ready_;
      break;
  }
  if (journal_ != nullptr) LogRemoved(m);
  StoredMessage out = std::move(m);
  messages_.erase(out.seq);
  CompactTransitions();
  CompactReady();
  return out;
}

void Queue::Expire(StoredMessage& m, TimePoint at) {
  Emit(QueueEventKind::kMessageExpired, at, &m);
  Remove(m);
}

StoredMessage* Queue::Find(uint64_t seq) {
  auto it = messages_.find(seq);
  return it == messages_.end() ? nullptr : &it->second;
}

StoredMessage* Queue::Oldest() {
  while (oldest_seq_ < next_seq_ && !messages_.contains(oldest_seq_)) {
    ++oldest_seq_;
  }
  return Find(oldest_seq_);
}

void Queue::Advance(TimePoint now) {
  const Duration retention = Retention();
  while (true) {
    // The three sources of due work; take the earliest, so that events come
    // out in time order.
    std::optional<TimePoint> t_transition, t_oldest, t_late;
    if (!transitions_.empty() && transitions_.top().at <= now) {
      t_transition = transitions_.top().at;
    }
    StoredMessage* oldest = Oldest();
    if (oldest != nullptr && oldest->RetentionBase() + retention <= now) {
      t_oldest = oldest->RetentionBase() + retention;
    }
    while (!late_expiry_.empty() && !Find(late_expiry_.top().second)) {
      late_expiry_.pop();
    }
    if (!late_expiry_.empty() && late_expiry_.top().first + retention <= now) {
      t_late = late_expiry_.top().first + retention;
    }
    if (!t_transition && !t_oldest && !t_late) return;

    // Expiry first at equal instants: an expired message never reappears.
    if (t_oldest && (!t_transition || *t_oldest <= *t_transition) &&
        (!t_late || *t_oldest <= *t_late)) {
      Expire(*oldest, *t_oldest);
    } else if (t_late && (!t_transition || *t_late <= *t_transition)) {
      StoredMessage* m = Find(late_expiry_.top().second);
      late_expiry_.pop();
      Expire(*m, *t_late);
    } else {
      Transition t = transitions_.top();
      transitions_.pop();
      StoredMessage* m = Find(t.seq);
      if (m == nullptr || m->state == MessageState::kReady ||
          m->visible_at != t.at || m->receipt != t.receipt) {
        continue;  // stale: deleted, or its visibility was changed since
      }
      MakeReady(*m, t.at);
    }
  }
}

void Queue::CompactTransitions() {
  size_t live = n_in_flight_ + n_delayed_;
  if (transitions_.size() < kCompactFloor || transitions_.size() < 2 * live) {
    return;
  }
  std::vector<Transition> keep;
  keep.reserve(live);
  while (!transitions_.empty()) {
    Transition t = transitions_.top();
    transitions_.pop();
    StoredMessage* m = Find(t.seq);
    if (m != nullptr && m->state != MessageState::kReady &&
        m->visible_at == t.at && m->receipt == t.receipt) {
      keep.push_back(t);
    }
  }
  transitions_ = decltype(transitions_)(std::greater<>(), std::move(keep));
}

void Queue::CompactReady() {
  if (config_.fifo || ready_.size() < kCompactFloor ||
      ready_.size() < 2 * n_ready_) {
    return;
  }
  std::vector<uint64_t> keep;
  keep.reserve(n_ready_);
  while (!ready_.empty()) {
    uint64_t seq = ready_.top();
    ready_.pop();
    StoredMessage* m = Find(seq);
    if (m != nullptr && m->state == MessageState::kReady) keep.push_back(seq);
  }
  ready_ = decltype(ready_)(std::greater<>(), std::move(keep));
}

uint64_t Queue::Store(NewMessage in, TimePoint now) {
  uint64_t seq = next_seq_++;
  auto [it, inserted] = messages_.try_emplace(seq);
  StoredMessage& m = it->second;
  m.seq = seq;
  m.id = in.id;
  m.body = std::move(in.body);
  m.body_md5 = in.body_md5;
  m.extras = std::move(in.extras);
  m.sent_at = in.sent_at;
  m.receive_count = in.receive_count;
  if (in.retention_base) {
    if (!m.extras) m.extras = std::make_unique<MessageExtras>();
    m.extras->retention_base = in.retention_base;
    late_expiry_.emplace(*in.retention_base, seq);
  }
  if (in.delay > Duration::zero()) {
    m.state = MessageState::kDelayed;
    ++n_delayed_;
    m.visible_at = now + in.delay;
    transitions_.push({m.visible_at, seq, 0});
  } else {
    m.state = MessageState::kReady;
    ++n_ready_;
    m.visible_at = now;
    if (!config_.fifo) ready_.push(seq);
  }
  if (config_.fifo) {
    const std::string& group_id = m.extras->group_id;
    Group& g = groups_[group_id];
    g.seqs.push_back(seq);
    RefreshGroup(group_id, g);
  }
  if (journal_ != nullptr) LogStored(m);
  return seq;
}

void Queue::Deliver(StoredMessage& m, Duration visibility, TimePoint now,
                    std::vector<Delivery>& out) {
  m.receipt = next_receipt_++;
  ++m.receive_count;
  if (m.first_receive_at == TimePoint{}) m.first_receive_at = now;
  m.in_flight_since = now;
  m.visible_at = now + visibility;
  SetState(m, MessageState::kInFlight);
  transitions_.push({m.visible_at, m.seq, m.receipt});
  if (journal_ != nullptr) LogState(m);
  Emit(QueueEventKind::kMessageReceived, now, &m);
  out.push_back(
      {&m, ReceiptHandle{
               .queue_uid = uid_, .message_seq = m.seq, .receipt = m.receipt}});
}

std::vector<Delivery> Queue::Receive(size_t max, Duration visibility,
                                     TimePoint now, const DeadLetterSink& dlq) {
  std::vector<Delivery> out;
  const int64_t max_receives =
      config_.redrive_policy ? config_.redrive_policy->max_receive_count : 0;
  auto exhausted = [&](const StoredMessage& m) {
    return max_receives > 0 && m.receive_count >= max_receives;
  };

  if (!config_.fifo) {
    while (out.size() < max && !ready_.empty()) {
      uint64_t seq = ready_.top();
      ready_.pop();
      StoredMessage* m = Find(seq);
      if (m == nullptr || m->state != MessageState::kReady) continue;
      if (exhausted(*m)) {
        dlq(*this, Remove(*m));
        continue;
      }
      Deliver(*m, visibility, now, out);
    }
    return out;
  }

  // FIFO: as many messages of one group as possible, in order, then the
  // group whose head is next oldest. Each step delivers or removes one
  // message, so the loop ends.
  while (out.size() < max && !available_groups_.empty()) {
    std::string group_id = available_groups_.begin()->second;
    size_t delivered = 0;
    while (out.size() < max) {
      auto git = groups_.find(group_id);
      if (git == groups_.end() || delivered >= git->second.seqs.size()) break;
      StoredMessage* m = Find(git->second.seqs[delivered]);
      if (m == nullptr || m->state != MessageState::kReady) break;
      if (exhausted(*m)) {
        dlq(*this, Remove(*m));
        continue;
      }
      ++git->second.in_flight;
      Deliver(*m, visibility, now, out);
      ++delivered;
    }
    auto git = groups_.find(group_id);
    if (git != groups_.end()) RefreshGroup(group_id, git->second);
  }
  return out;
}

void Queue::SetVisibility(StoredMessage& m, TimePoint visible_at,
                          TimePoint now) {
  m.visible_at = visible_at;
  if (journal_ != nullptr) LogState(m);
  Emit(QueueEventKind::kVisibilityChanged, now, &m);
  if (visible_at <= now) {
    MakeReady(m, now);
  } else {
    transitions_.push({visible_at, m.seq, m.receipt});
  }
}

uint64_t Queue::Purge() {
  uint64_t n = messages_.size();
  if (journal_ != nullptr) {
    journal_->Add(persist::RecordKind::kQueuePurge,
                  persist::QueueRefRecord{uid_});
  }
  messages_.clear();
  transitions_ = {};
  ready_ = {};
  late_expiry_ = {};
  groups_.clear();
  available_groups_.clear();
  attempts_.clear();
  attempt_order_.clear();
  n_ready_ = n_in_flight_ = n_delayed_ = 0;
  oldest_seq_ = next_seq_;
  return n;
}

bool Queue::HasDeliverable() const {
  return config_.fifo ? !available_groups_.empty() : n_ready_ > 0;
}

std::optional<TimePoint> Queue::NextWake() {
  std::optional<TimePoint> next;
  auto consider = [&](TimePoint t) {
    if (!next || t < *next) next = t;
  };
  if (!transitions_.empty()) consider(transitions_.top().at);
  if (StoredMessage* oldest = Oldest()) {
    consider(oldest->RetentionBase() + Retention());
  }
  if (!late_expiry_.empty()) consider(late_expiry_.top().first + Retention());
  return next;
}

Queue::Attempt* Queue::FindAttempt(const std::string& id, TimePoint now) {
  while (!attempt_order_.empty() && attempt_order_.front().first <= now) {
    auto it = attempts_.find(attempt_order_.front().second);
    if (it != attempts_.end() && it->second.expires_at <= now) {
      attempts_.erase(it);
    }
    attempt_order_.pop_front();
  }
  auto it = attempts_.find(id);
  return it == attempts_.end() ? nullptr : &it->second;
}

void Queue::RecordAttempt(const std::string& id, Attempt attempt) {
  attempt_order_.emplace_back(attempt.expires_at, id);
  attempts_[id] = std::move(attempt);
}

const Queue::DedupRecord* Queue::FindDuplicate(const std::string& key,
                                               TimePoint now) {
  while (!dedup_order_.empty() && dedup_order_.front().first <= now) {
    auto it = dedup_.find(dedup_order_.front().second);
    if (it != dedup_.end() && it->second.expires_at <= now) dedup_.erase(it);
    dedup_order_.pop_front();
  }
  auto it = dedup_.find(key);
  if (it == dedup_.end() || it->second.expires_at <= now) return nullptr;
  return &it->second;
}

void Queue::RecordDedup(std::string key, DedupRecord record) {
  if (journal_ != nullptr) {
    journal_->Add(persist::RecordKind::kDedup,
                  persist::DedupRecord{
                      .uid = uid_,
                      .key = key,
                      .message_id = std::string(record.message_id.begin(),
                                                record.message_id.end()),
                      .sequence_number = record.sequence_number,
                      .expires_at = record.expires_at});
  }
  dedup_order_.emplace_back(record.expires_at, key);
  dedup_[std::move(key)] = std::move(record);
}

std::string Queue::NextSequenceNumber() {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu",
                static_cast<unsigned long long>(next_sequence_number_++));
  return buf;
}

std::vector<const StoredMessage*> Queue::Messages() const {
  std::vector<const StoredMessage*> out;
  out.reserve(messages_.size());
  for (const auto& [seq, m] : messages_) out.push_back(&m);
  std::sort(out.begin(), out.end(),
            [](const StoredMessage* a, const StoredMessage* b) {
              return a->seq < b->seq;
            });
  return out;
}

}  // namespace fanlab::queue
