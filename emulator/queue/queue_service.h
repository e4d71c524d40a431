// QueueService: Amazon SQS's semantics, in process, on an injected Clock.
//
// The service holds every queue of one emulated account and region and
// implements the SQS actions one method each, taking and returning the
// shapes of types.h. Failures are Status values carrying SQS's error names
// (QueueDoesNotExist, InvalidParameterValue, ...) and messages worded as
// SQS words them. docs/queue-semantics.md lists every behaviour and limit.
//
// Time: the service never reads the system clock. Visibility timeouts,
// delays, retention and deduplication windows are evaluated against
// clock.Now() whenever a queue is touched; long polls are the one thing
// that needs a wake-up, and they schedule timers on the Clock (the engine
// loop, or a test driving a VirtualClock, fires them).
//
// Thread safety: none. One engine thread owns the service
// (docs/architecture.md).
#ifndef FANLAB_EMULATOR_QUEUE_QUEUE_SERVICE_H_
#define FANLAB_EMULATOR_QUEUE_QUEUE_SERVICE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emulator/core/account.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/status.h"
#include "emulator/queue/observer.h"
#include "emulator/queue/types.h"
#include "emulator/sim/fault_injector.h"

namespace fanlab::persist {
class LogWriter;
struct Image;
}  // namespace fanlab::persist

namespace fanlab::queue {

class Queue;
struct QueueConfig;
struct StoredMessage;
struct Delivery;

struct QueueServiceOptions {
  std::string region = Account{}.region;
  std::string account_id = Account{}.id;
  // Queue URLs are "<url_base>/<account_id>/<name>". Requests are matched
  // on the last two path segments only, so any host a client rewrites the
  // URL to still names the same queue.
  std::string url_base = "http://localhost";
  // What ReceiveMessage reports as SenderId.
  std::string sender_id = "AIDAFANLABEMULATOR000";
  // Seeds message ids, the receipt-handle key and the epoch (which run of
  // the engine issued a handle). A run that must not repeat an earlier
  // one's ids and handles passes one from OsRandomSeed() (the engine does
  // on the real clock unless given a seed); equal seeds replay.
  uint64_t seed = 1;
  // SQS's limit of in-flight messages per queue (OverLimit past it).
  size_t max_inflight_messages = 120000;
  // Re-creating a deleted queue's name, and purging twice, are refused
  // within these windows (QueueDeletedRecently, PurgeQueueInProgress).
  Duration deleted_queue_cooldown = std::chrono::seconds(60);
  Duration purge_cooldown = std::chrono::seconds(60);
};

// Depths of one queue, as the Approximate* attributes report them (exact
// here: the emulator has one copy of each queue).
struct QueueDepth {
  uint64_t visible = 0;    // ApproximateNumberOfMessages
  uint64_t in_flight = 0;  // ApproximateNumberOfMessagesNotVisible
  uint64_t delayed = 0;    // ApproximateNumberOfMessagesDelayed
};

// A stored message as Peek shows it.
struct PeekedMessage {
  std::string message_id;
  std::string body;
  MessageAttributeMap attributes;  // the sender's MessageAttributes
  std::string group_id;            // FIFO
  uint32_t receive_count = 0;
  enum class State { kVisible, kInFlight, kDelayed } state = State::kVisible;
  TimePoint sent_at{};
};

class QueueService {
 public:
  using ReceiveCallback = std::function<void(Result<ReceiveMessageResponse>)>;

  // `clock` must outlive the service.
  explicit QueueService(Clock& clock, QueueServiceOptions options = {});
  ~QueueService();
  QueueService(const QueueService&) = delete;
  QueueService& operator=(const QueueService&) = delete;

  // Every state change is published to `observer` (nullptr: none). The
  // observer must outlive the service or be reset first.
  void SetObserver(QueueObserver* observer) { observer_ = observer; }
  // Consulted at every delivery (a fault may make a received message
  // visible again early); null: no faults. Must outlive the service.
  void SetFaults(sim::FaultInjector* faults) { faults_ = faults; }

  // --- Durable state (queue_journal.cc; fanlab serve --data-dir). ---
  // Takes over the queues and messages a replay rebuilt, with the
  // receipt-handle key and epoch of the run that wrote them: a handle
  // issued before the restart still works for its message while the
  // message stays in flight under it. REQUIRES: no queue exists yet.
  // InternalError when a stored record does not decode.
  Status Restore(const persist::Image& image);
  // Every change from here on is written to `journal` (null: none).
  void SetJournal(persist::LogWriter* journal);
  // Writes every record a replay needs to rebuild the service as it is
  // (a snapshot).
  void Dump(persist::LogWriter& out) const;

  // Idempotent for a name whose queue has every attribute given equal to
  // its current value; QueueNameExists otherwise.
  Result<CreateQueueResponse> CreateQueue(const CreateQueueRequest& req);
  Result<GetQueueUrlResponse> GetQueueUrl(const GetQueueUrlRequest& req);
  Result<ListQueuesResponse> ListQueues(const ListQueuesRequest& req);
  // Drops the queue and its messages; parked receives on it fail with
  // QueueDoesNotExist.
  Result<Empty> DeleteQueue(const DeleteQueueRequest& req);
  Result<Empty> PurgeQueue(const PurgeQueueRequest& req);
  Result<GetQueueAttributesResponse> GetQueueAttributes(
      const GetQueueAttributesRequest& req);
  Result<Empty> SetQueueAttributes(const SetQueueAttributesRequest& req);

  Result<SendMessageResponse> SendMessage(const SendMessageRequest& req);
  // Per-entry failures land in `failed`; the call itself fails only for
  // request-level faults (no such queue, empty, > 10 entries, duplicate
  // ids, total size over the limit).
  Result<SendMessageBatchResponse> SendMessageBatch(
      const SendMessageBatchRequest& req);

  // Receives up to MaxNumberOfMessages. When none is available and the
  // request's WaitTimeSeconds (or the queue's ReceiveMessageWaitTimeSeconds)
  // is positive, the receive is parked and `done` runs later: as soon as a
  // message becomes available (sent, delay over, visibility timeout over)
  // or when the wait ends, with an empty list. Otherwise `done` runs before
  // this returns. `done` runs exactly once and may call back into the
  // service.
  void ReceiveMessage(const ReceiveMessageRequest& req, ReceiveCallback done);
  // ReceiveMessage that never parks (WaitTimeSeconds is treated as 0).
  Result<ReceiveMessageResponse> ReceiveMessageNow(ReceiveMessageRequest req);
  // Receives parked in long polls, over all queues.
  size_t ParkedReceives() const;

  Result<Empty> DeleteMessage(const DeleteMessageRequest& req);
  Result<DeleteMessageBatchResponse> DeleteMessageBatch(
      const DeleteMessageBatchRequest& req);
  Result<Empty> ChangeMessageVisibility(
      const ChangeMessageVisibilityRequest& req);
  Result<ChangeMessageVisibilityBatchResponse> ChangeMessageVisibilityBatch(
      const ChangeMessageVisibilityBatchRequest& req);

  Result<Empty> TagQueue(const TagQueueRequest& req);
  Result<Empty> UntagQueue(const UntagQueueRequest& req);
  Result<ListQueueTagsResponse> ListQueueTags(const ListQueueTagsRequest& req);
  Result<ListDeadLetterSourceQueuesResponse> ListDeadLetterSourceQueues(
      const ListDeadLetterSourceQueuesRequest& req);

  // --- Introspection for the harness and tests (not SQS actions). ---
  // Current depths, after applying every time-driven transition due now.
  Result<QueueDepth> Depth(std::string_view queue_name);
  // Every message stored in the queue now, in send order, without
  // receiving it: what a test asserts on (a DLQ's contents, ...).
  Result<std::vector<PeekedMessage>> Peek(std::string_view queue_name);
  // What the queue holds internally now (after the transitions due).
  Result<QueueFootprint> Footprint(std::string_view queue_name);

  // What a consumer inside the engine (an event source mapping) needs to
  // know of a queue, by ARN.
  struct QueueInfo {
    std::string name, url, arn;
    bool fifo = false;
    int64_t visibility_timeout = 30;
  };
  Result<QueueInfo> DescribeByArn(std::string_view arn);
  // When the earliest pending delay or visibility timeout of the queue
  // ends (may be early: a stale entry); nullopt when none is pending.
  std::optional<TimePoint> NextTransition(std::string_view queue_name);
  std::vector<std::string> QueueNames() const;
  std::string QueueUrl(std::string_view queue_name) const;
  std::string QueueArn(std::string_view queue_name) const;
  const QueueServiceOptions& options() const { return options_; }
  Clock& clock() { return clock_; }

 private:
  struct Waiter {
    ReceiveMessageRequest request;
    ReceiveCallback done;
    std::string queue_name;
    TimerId timer = 0;
  };
  struct SendView;
  using Callbacks =
      std::vector<std::pair<ReceiveCallback, Result<ReceiveMessageResponse>>>;

  Result<SendMessageResponse> SendTo(Queue& q, const SendView& m);
  Result<ReceiveMessageResponse> TryReceive(Queue& q,
                                            const ReceiveMessageRequest& req);
  // A fault may make what was just received visible again early.
  void LapseFaults(Queue& q, const std::vector<Delivery>& got, TimePoint now);
  void MoveToDeadLetterQueue(Queue& from, StoredMessage&& m);
  // What a receipt handle points at, after due transitions are applied:
  // `message` null when it no longer exists; `current` when no later
  // receive superseded the handle; `held` when current and in flight.
  struct HandleTarget {
    StoredMessage* message = nullptr;
    bool current = false;
    bool held = false;
  };
  Result<HandleTarget> ResolveHandle(Queue& q, const std::string& handle);
  Status DeleteIn(Queue& q, const std::string& handle);
  Status ChangeVisibilityIn(Queue& q, const std::string& handle,
                            int64_t timeout);
  Status ValidateRedrive(const Queue* self, const std::string& self_arn,
                         bool fifo, const QueueConfig& config);
  // Serves parked receives of queues that may have messages again, once the
  // current action's state changes are complete.
  void MarkServe(Queue& q);
  void FlushServe();
  // Forgets deleted names whose cooldown ended (keeps the map bounded).
  void ForgetOldDeletions(TimePoint now);

  void LogIdentity(persist::LogWriter& out) const;

  Result<Queue*> FindByUrl(const std::string& url);
  Queue* FindByName(std::string_view name);
  Queue* FindByArn(std::string_view arn);
  void Publish(const QueueEvent& event) {
    if (observer_ != nullptr) observer_->OnQueueEvent(event);
  }
  // Long polls.
  void ParkReceive(Queue& q, ReceiveMessageRequest req, ReceiveCallback done,
                   Duration wait);
  void ServeWaiters(Queue& q, Callbacks& out);
  void ArmWakeTimer(Queue& q);

  Clock& clock_;
  QueueServiceOptions options_;
  IdGenerator ids_;
  QueueObserver* observer_ = nullptr;
  sim::FaultInjector* faults_ = nullptr;
  persist::LogWriter* journal_ = nullptr;
  uint64_t next_queue_uid_ = 1;
  uint64_t handle_key_;  // keys receipt-handle check words
  uint64_t epoch_;       // this run's, in every receipt handle
  std::unordered_map<std::string, std::unique_ptr<Queue>> queues_;
  std::unordered_map<std::string, TimePoint> recently_deleted_;
  std::deque<std::pair<TimePoint, std::string>> deletion_order_;
  std::unordered_map<uint64_t, Waiter> waiters_;
  uint64_t next_waiter_id_ = 1;
  std::vector<std::string> serve_;
  bool flushing_ = false;
};

}  // namespace fanlab::queue

#endif  // FANLAB_EMULATOR_QUEUE_QUEUE_SERVICE_H_
