// Invariants: properties of a whole run, judged over its event log, built
// in and named, so a scenario says `invariants: [no-message-lost,
// fifo-order]` instead of counting what each workflow should leave
// behind. A broken invariant reports the events that break it.
//
// The built-in ones (docs/scenarios.md, "Invariants"):
//   no-message-lost      every message sent is deleted by a consumer whose
//                        handling succeeded, moved to a dead-letter queue,
//                        or still queued at the end   {queue}
//   no-double-handling   no message is received by a second consumer while
//                        the invocation that received it before still
//                        runs                           {queue}
//   fifo-order           per FIFO message group, messages are first
//                        received and deleted in the order they were sent
//                                                       {queue}
//   dlq-accounting       every message moved to a dead-letter queue
//                        arrives there, and none that was deleted
//                        successfully reaches one       {queue}
//   unique               no two events of a selector share a key: an effect
//                        happens at most once per key
//                        {service, kind, resource, where, by (required)}
//   max-concurrency      never more than `max` invocations of the functions
//                        running at once      {function, max (required)}
//   event-invocations-end
//                        every Event invocation accepted ends in success or
//                        in a logged drop (EventDropped: too old, out of
//                        retries, its function deleted)      {function}
// `queue` and `function` are name patterns (`*`, `?`); absent: all.
#ifndef FANLAB_HARNESS_INVARIANTS_H_
#define FANLAB_HARNESS_INVARIANTS_H_

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "harness/event_log.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace fanlab::harness {

// One built-in invariant: its name, what it checks, its parameters.
struct InvariantInfo {
  std::string name;
  std::string description;
  std::vector<std::string> parameters;
  std::vector<std::string> required;
};
const std::vector<InvariantInfo>& BuiltinInvariants();
// The built-in named `name`, or null.
const InvariantInfo* FindInvariant(std::string_view name);

// Judges `spec` over the run's events. The result's kind is "invariant",
// its label the invariant's name (or the scenario's `name` for it); a
// failure's `context` lists the events that break it.
ExpectationResult CheckInvariant(const InvariantSpec& spec,
                                 const std::vector<Event>& events);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_INVARIANTS_H_
