// The durable objects of the services that do not journal their own
// changes: functions (configuration, reserved concurrency, event invoke
// configuration; the code itself stays in its folder under the data dir)
// and event source mappings. Each is kept as one whole-object record
// (persist::PutRecord in the spaces "lambda.function" and
// "lambda.mapping"), written when it differs from what was last written:
// the engine calls Sync() after every Lambda action that may change
// something, before its answer is sent.
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

namespace fanlab {

class ObjectJournal {
 public:
  // Both must outlive the journal.
  ObjectJournal(compute::FunctionService& functions,
                compute::EventSourceMappings& mappings)
      : functions_(functions), mappings_(mappings) {}

  // Re-creates the functions, then the mappings (their queues are
  // restored first). An object the services refuse now (a command that is
  // gone) is skipped with a warning through `warn`, never a refusal to
  // start.
  void Restore(const persist::Image& image,
               const std::function<void(const std::string&)>& warn);
  // Writes every object that changed since the last Sync (Put) or is gone
  // (Erase).
  void Sync(persist::LogWriter& out);
  // Writes every object (a snapshot).
  void Dump(persist::LogWriter& out) const;
  // An action of the Lambda API that may change a function or a mapping
  // ("CreateFunction", "lambda:DeleteEventSourceMapping"; not Get*, List*,
  // Invoke*).
  static bool MayChange(std::string_view action);

 private:
  std::map<std::string, std::string> EncodeFunctions() const;
  std::map<std::string, std::string> EncodeMappings() const;

  compute::FunctionService& functions_;
  compute::EventSourceMappings& mappings_;
  // What was last written, by space and key.
  std::map<std::string, std::string> written_functions_, written_mappings_;
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_ENGINE_JOURNAL_H_
