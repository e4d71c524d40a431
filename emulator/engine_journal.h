// The durable objects of the services that do not journal their own
// changes: functions (configuration, reserved concurrency, event invoke
// configuration; the code itself stays in its folder under the data dir),
// event source mappings, HTTP routes and sinks (their configuration, not
// the requests a sink recorded). Each is kept as one whole-object record
// (persist::PutRecord in the spaces "lambda.function", "lambda.mapping",
// "http.route", "http.sink"), written when it differs from what was last
// written: the engine calls Sync() after every Lambda or HTTP-front
// action that may change something, before its answer is sent.
//
// Thread safety: none; the engine thread.
#ifndef FANLAB_EMULATOR_ENGINE_JOURNAL_H_
#define FANLAB_EMULATOR_ENGINE_JOURNAL_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "emulator/compute/event_source_mappings.h"
#include "emulator/compute/function_service.h"
#include "emulator/persist/image.h"
#include "emulator/persist/log_writer.h"
#include "emulator/services/route_service.h"
#include "emulator/services/sink_service.h"

namespace fanlab {

class ObjectJournal {
 public:
  // All must outlive the journal.
  ObjectJournal(compute::FunctionService& functions,
                compute::EventSourceMappings& mappings,
                services::RouteService& routes, services::SinkService& sinks)
      : functions_(functions),
        mappings_(mappings),
        routes_(routes),
        sinks_(sinks) {}

  // Re-creates the functions, then the mappings (their queues are
  // restored first), the sinks and the routes. An object the services refuse
  // now (a command that is gone) is skipped with a warning through `warn`,
  // never a refusal to start.
  void Restore(const persist::Image& image,
               const std::function<void(const std::string&)>& warn);
  // Writes every object that changed since the last Sync (Put) or is gone
  // (Erase).
  void Sync(persist::LogWriter& out);
  // Writes every object (a snapshot).
  void Dump(persist::LogWriter& out) const;
  // An action that may change one of these objects (with the Lambda or
  // HTTP-front service: "CreateFunction", "lambda:DeleteEventSourceMapping",
  // "CreateRoute"; not Get*, List*, Invoke*).
  static bool MayChange(std::string_view action);

 private:
  std::map<std::string, std::string> EncodeFunctions() const;
  std::map<std::string, std::string> EncodeMappings() const;
  std::map<std::string, std::string> EncodeRoutes() const;
  std::map<std::string, std::string> EncodeSinks() const;

  compute::FunctionService& functions_;
  compute::EventSourceMappings& mappings_;
  services::RouteService& routes_;
  services::SinkService& sinks_;
  // What was last written, by space and key.
  std::map<std::string, std::string> written_functions_, written_mappings_,
      written_routes_, written_sinks_;
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_ENGINE_JOURNAL_H_
