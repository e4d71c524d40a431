// Every state change of the queue engine is published to a QueueObserver:
// the harness's event log and invariant checks hang on this.
//
// Events are delivered synchronously on the engine thread, in the order
// the changes happen, after the change is applied. Transitions the engine
// evaluates lazily (a message's visibility timeout or delay ending, a
// retention expiry) are published when the engine next looks at the queue;
// their `at` is the instant the transition really took effect, which may
// be earlier than the event before them in delivery order.
#ifndef FANLAB_EMULATOR_QUEUE_OBSERVER_H_
#define FANLAB_EMULATOR_QUEUE_OBSERVER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"

namespace fanlab::queue {

enum class QueueEventKind {
  kQueueCreated,
  kQueueDeleted,
  kQueuePurged,  // count = messages removed
  kQueueAttributesChanged,
  kMessageSent,          // a new message was stored
  kMessageDeduplicated,  // a FIFO send suppressed as a duplicate
  kMessageReceived,      // receive_count is the new count
  kMessageDeleted,
  kVisibilityChanged,    // visible_at is the new instant
  kMessageVisibleAgain,  // visibility timeout ended, message not deleted
  kMessageExpired,       // retention period ended
  kMessageMovedToDeadLetterQueue,  // detail = target queue name
  kMessageMovedFromSourceQueue,    // on the DLQ side; detail = source queue
};

std::string_view QueueEventKindName(QueueEventKind kind);

struct QueueEvent {
  QueueEventKind kind;
  TimePoint at;
  std::string_view queue;       // queue name
  std::string_view message_id;  // empty for queue-level events
  std::string_view group_id;    // FIFO message group, else empty
  uint64_t sequence = 0;        // the message's place in its queue's send order
  uint64_t receipt = 0;  // the receive this concerns: a queue-wide serial,
                         // increasing; 0 before the first receive
  uint32_t receive_count = 0;
  TimePoint visible_at{};  // kMessageReceived / kVisibilityChanged
  uint64_t count = 0;      // kQueuePurged
  std::string_view detail;
};

class QueueObserver {
 public:
  virtual ~QueueObserver() = default;
  // Must not call back into the QueueService.
  virtual void OnQueueEvent(const QueueEvent& event) = 0;
};

// Hands every event to several observers, in the order they were added.
class ObserverList : public QueueObserver {
 public:
  void Add(QueueObserver* observer) { observers_.push_back(observer); }
  void OnQueueEvent(const QueueEvent& event) override {
    for (QueueObserver* o : observers_) o->OnQueueEvent(event);
  }

 private:
  std::vector<QueueObserver*> observers_;
};

}  // namespace fanlab::queue

#endif  // FANLAB_EMULATOR_QUEUE_OBSERVER_H_
