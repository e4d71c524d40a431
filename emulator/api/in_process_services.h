// Every service but Lambda's functions (they need processes), on one
// virtual clock, behind one Dispatcher: the emulator's API with no engine,
// no sockets and no processes. What the protocol sweeps and the request
// fuzzers drive; a route that would invoke a function answers
// ResourceNotFoundException.
//
// Thread safety: none; the caller's thread drives it and its clock.
#ifndef FANLAB_API_IN_PROCESS_SERVICES_H_
#define FANLAB_API_IN_PROCESS_SERVICES_H_

#include <cstdint>

#include "emulator/api/dispatcher.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/route_service.h"
#include "emulator/services/schedule_service.h"
#include "emulator/services/sink_service.h"
#include "emulator/services/table_service.h"
#include "emulator/services/topic_service.h"

namespace fanlab::api {

class InProcessServices {
 public:
  // `seed` seeds the ids the services draw.
  explicit InProcessServices(uint64_t seed = 3);
  InProcessServices(const InProcessServices&) = delete;
  InProcessServices& operator=(const InProcessServices&) = delete;

  VirtualClock& clock() { return clock_; }
  Dispatcher& dispatcher() { return dispatcher_; }
  queue::QueueService& queues() { return queues_; }
  services::BucketService& buckets() { return buckets_; }
  services::TableService& tables() { return tables_; }
  services::TopicService& topics() { return topics_; }
  services::RouteService& routes() { return routes_; }
  services::SinkService& sinks() { return sinks_; }

 private:
  VirtualClock clock_;
  IdGenerator ids_;
  queue::QueueService queues_;
  services::BucketService buckets_;
  services::TableService tables_;
  services::TopicService topics_;
  services::ScheduleService schedules_;
  services::RouteService routes_;
  services::SinkService sinks_;
  Dispatcher dispatcher_;
};

}  // namespace fanlab::api

#endif  // FANLAB_API_IN_PROCESS_SERVICES_H_
