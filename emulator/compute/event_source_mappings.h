// Queue -> function event source mappings, as Lambda runs them for SQS:
// poll the queue, hand batches to the function in AWS's SQS event shape,
// delete what succeeded, leave what failed for its visibility timeout (so
// the queue's redrive policy applies). FIFO order holds because the queue
// locks a group while its messages are in flight.
//
// Polling is event-driven, never a busy loop and never a long poll that
// would keep the virtual clock ticking: a send (or a message coming back)
// wakes the mapping; a mapping with nothing visible but messages delayed
// or in flight sets one Clock timer for when the first of them may return.
//
// Every change of a mapping (created, updated, disabled because its queue
// is gone, deleted) is published to the ServiceObserver set with
// SetObserver: service "lambda", resource the function's name, key the
// mapping's UUID, detail the mapping's settings after the change.
//
// Thread safety: none; the engine thread owns it.
#ifndef FANLAB_EMULATOR_COMPUTE_EVENT_SOURCE_MAPPINGS_H_
#define FANLAB_EMULATOR_COMPUTE_EVENT_SOURCE_MAPPINGS_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/compute/function_service.h"
#include "emulator/queue/observer.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/service_observer.h"

namespace fanlab::compute {

struct EventSourceMapping {
  std::string uuid;
  std::string event_source_arn;  // the queue
  std::string function_name;
  int64_t batch_size = 10;
  int64_t maximum_batching_window_seconds = 0;
  std::optional<int64_t> maximum_concurrency;  // ScalingConfig
  bool report_batch_item_failures = false;     // FunctionResponseTypes
  bool enabled = true;
  std::string state_transition_reason = "USER_INITIATED";
  TimePoint last_modified;
};

class EventSourceMappings : public queue::QueueObserver {
 public:
  // All must outlive this object.
  EventSourceMappings(Clock& clock, queue::QueueService& sqs,
                      FunctionService& functions, IdGenerator& ids);
  ~EventSourceMappings() override;
  // The account of the functions it invokes (their ARNs).
  Account account() const { return functions_.account(); }

  // Errors as Lambda's: InvalidParameterValueException (batch size out of
  // range, a window missing for batches over 10, a function timeout longer
  // than the queue's visibility timeout), ResourceNotFoundException (no
  // such queue or function, or mapping). A uuid given is kept (a mapping
  // restored from the data dir); empty draws one.
  Result<EventSourceMapping> Create(EventSourceMapping m);
  Result<EventSourceMapping> Get(const std::string& uuid) const;
  // Mappings of one function, one queue, or all (empty filters).
  std::vector<EventSourceMapping> List(const std::string& function_name,
                                       const std::string& source_arn) const;
  // Changes batch size, window, concurrency, response types, enabled.
  Result<EventSourceMapping> Update(EventSourceMapping m);
  Result<EventSourceMapping> Delete(const std::string& uuid);

  void OnQueueEvent(const queue::QueueEvent& event) override;

  // Where EventSourceMappingCreated, EventSourceMappingUpdated and
  // EventSourceMappingDeleted go; null: nowhere. Must outlive this object
  // (or be reset to null first).
  void SetObserver(services::ServiceObserver* observer) {
    observer_ = observer;
  }

 private:
  struct Mapping;
  Status Validate(const EventSourceMapping& m,
                  const queue::QueueService::QueueInfo& queue) const;
  void SchedulePoll(Mapping& m, Duration after = Duration(0));
  void Poll(const std::string& uuid);
  void Dispatch(Mapping& m);
  void OnResult(const std::string& uuid, std::vector<queue::Message> batch,
                Result<InvokeResult> result);
  std::string Event(const Mapping& m,
                    const std::vector<queue::Message>& batch) const;
  // Publishes `kind` for `m` (its settings as the detail).
  void Publish(std::string_view kind, const EventSourceMapping& m,
               std::string_view queue_name) const;

  Clock& clock_;
  queue::QueueService& sqs_;
  FunctionService& functions_;
  IdGenerator& ids_;
  std::map<std::string, std::unique_ptr<Mapping>> mappings_;
  services::ServiceObserver* observer_ = nullptr;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_EVENT_SOURCE_MAPPINGS_H_
