#include "emulator/api/in_process_services.h"

#include <string>

#include "emulator/compute/lambda_errors.h"

namespace fanlab::api {

InProcessServices::InProcessServices(uint64_t seed)
    : ids_(seed),
      queues_(clock_, {}),
      buckets_(clock_),
      tables_(clock_),
      topics_(clock_, ids_, {}, {}),
      schedules_(clock_, ids_),
      routes_(clock_, ids_,
              [](const std::string&, std::string,
                 services::RouteService::InvokeDone done) {
                done(Status(lambda::kResourceNotFoundException,
                            "no function runs here"));
              }),
      sinks_(clock_),
      dispatcher_(Services{.sqs = queues_,
                           .buckets = &buckets_,
                           .tables = &tables_,
                           .topics = &topics_,
                           .schedules = &schedules_,
                           .routes = &routes_,
                           .sinks = &sinks_}) {}

}  // namespace fanlab::api
