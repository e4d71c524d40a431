// The durable objects of every service but the queue engine, as kinds of
// a persist::ObjectJournal (one space of whole-object records each):
//   lambda.function   configuration, reserved concurrency, event invoke
//                     configuration, dead-letter target (the code itself
//                     stays in its folder under the data dir)
//   lambda.mapping    event source mappings
//   http.sink         sinks (their configuration, not what they recorded)
//   http.route        routes (payload format included)
//   dynamodb.table    tables (id and creation time kept)
//   dynamodb.item/T   the items of table T, one record each (reported)
//   sns.topic         a topic with its attributes and its subscriptions in
//                     order (protocol, endpoint, raw delivery, filter
//                     policy and scope)
//   events.rule       a rule (expression, state, description, role) with
//                     its targets in order
//   s3.notification   a bucket's notification configuration (the buckets
//                     and objects themselves are files under the data dir)
// Restore re-creates them in that order (a kind after those it names).
// What is not kept: delivery and fire counts, the emails of the outbox, a
// rate rule's phase (it fires one period after the restart), schedules
// missed while stopped.
//
// When changes are written: the engine calls AfterAction() once an action
// answered OK, before the answer is sent, and the kinds the action may
// have changed are compared with what was last written (diffed). A table's
// items are too many to compare: the journal observes the table service's
// ItemPut, ItemUpdated and ItemDeleted events and writes the one item
// (TableDeleted drops the table's whole item space).
//
// Thread safety: none; the engine thread.
#ifndef FANLAB_EMULATOR_ENGINE_JOURNAL_H_
#define FANLAB_EMULATOR_ENGINE_JOURNAL_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/api/dispatcher.h"
#include "emulator/compute/event_source_mappings.h"
#include "emulator/compute/function_service.h"
#include "emulator/persist/image.h"
#include "emulator/persist/log_writer.h"
#include "emulator/persist/object_journal.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/route_service.h"
#include "emulator/services/schedule_service.h"
#include "emulator/services/service_observer.h"
#include "emulator/services/sink_service.h"
#include "emulator/services/table_service.h"
#include "emulator/services/topic_service.h"

namespace fanlab {

// The services whose objects are journaled; all must outlive the journal.
struct JournaledServices {
  compute::FunctionService& functions;
  compute::EventSourceMappings& mappings;
  services::RouteService& routes;
  services::SinkService& sinks;
  services::TableService& tables;
  services::TopicService& topics;
  services::ScheduleService& schedules;
  services::BucketService& buckets;
};

class EngineJournal : public services::ServiceObserver {
 public:
  // Changes go to `log` (which must outlive the journal).
  EngineJournal(JournaledServices services, persist::LogWriter& log);
  EngineJournal(const EngineJournal&) = delete;
  EngineJournal& operator=(const EngineJournal&) = delete;

  // Re-creates every object `image` holds (see above). An object the
  // services refuse now (a command that is gone) is skipped with a
  // warning through `warn`, never a refusal to start.
  void Restore(const persist::Image& image,
               const std::function<void(const std::string&)>& warn);
  // `action` ("CreateTopic", "lambda:DeleteEventSourceMapping") of
  // `service` answered OK: writes the changes it may have made.
  void AfterAction(api::ApiService service, std::string_view action);
  // Writes every object (a snapshot).
  void Dump(persist::LogWriter& out) const { journal_.Dump(out); }
  // Writes nothing more (the engine is going away).
  void Detach() { journal_.SetLog(nullptr); }
  // Table item events (the others are ignored).
  void OnServiceEvent(const services::ServiceEvent& event) override;

  // An action that may change a Lambda or HTTP-front object (not Get*,
  // List*, Invoke*).
  static bool MayChange(std::string_view action);

 private:
  struct Trigger {
    api::ApiService service;
    std::function<bool(std::string_view action)> changes;
    persist::ObjectJournal::KindId kind;
  };
  void Add(api::ApiService service,
           std::function<bool(std::string_view action)> changes,
           persist::ObjectJournal::Kind kind);

  JournaledServices services_;
  persist::ObjectJournal journal_;
  std::vector<Trigger> triggers_;
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_ENGINE_JOURNAL_H_
