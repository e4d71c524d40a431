// Every state change of the services beyond SQS (buckets, tables, topics,
// schedules, the HTTP front) is published to a ServiceObserver: the
// harness's event log hangs on this, as it hangs on queue::QueueObserver
// for queues.
//
// Events are delivered synchronously on the engine thread, in the order
// the changes happen, after the change is applied. The views are valid
// only during the call.
#ifndef FANLAB_EMULATOR_SERVICES_SERVICE_OBSERVER_H_
#define FANLAB_EMULATOR_SERVICES_SERVICE_OBSERVER_H_

#include <string_view>
#include <vector>

#include "emulator/core/clock.h"

namespace fanlab::services {

struct ServiceEvent {
  std::string_view service;   // "s3", "dynamodb", "sns", "events", "http"
  std::string_view kind;      // "ObjectPut", "ItemUpdated", "Published", ...
  TimePoint at;               // when the change took effect
  std::string_view resource;  // bucket, table, topic, rule, route or sink
  std::string_view key;       // object key, item key, message id, ... or ""
  std::string_view detail;    // a JSON object with the specifics, or ""
};

class ServiceObserver {
 public:
  virtual ~ServiceObserver() = default;
  // Must not call back into the service that publishes.
  virtual void OnServiceEvent(const ServiceEvent& event) = 0;
};

// Hands `observer` (when there is one) the event of `service` at `at`: what
// each service's own publish helper does.
inline void Notify(ServiceObserver* observer, std::string_view service,
                   TimePoint at, std::string_view kind,
                   std::string_view resource, std::string_view key,
                   std::string_view detail) {
  if (observer == nullptr) return;
  observer->OnServiceEvent(ServiceEvent{.service = service,
                                        .kind = kind,
                                        .at = at,
                                        .resource = resource,
                                        .key = key,
                                        .detail = detail});
}

// Hands every event to several observers, in the order they were added.
class ServiceObserverList : public ServiceObserver {
 public:
  void Add(ServiceObserver* observer) { observers_.push_back(observer); }
  // Stops handing events to `observer` (one that is going away first).
  void Remove(ServiceObserver* observer) { std::erase(observers_, observer); }
  void OnServiceEvent(const ServiceEvent& event) override;

 private:
  std::vector<ServiceObserver*> observers_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_SERVICE_OBSERVER_H_
