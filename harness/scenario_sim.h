// A scenario's `faults` and `invariants`, declared once: their format (what
// the loader validates and `fanlab schema` prints) and their reader into
// the model (sim::FaultSpec, InvariantSpec) live here together, so a new
// fault kind or parameter is written in one place.
#ifndef FANLAB_HARNESS_SCENARIO_SIM_H_
#define FANLAB_HARNESS_SCENARIO_SIM_H_

#include <set>
#include <string>
#include <vector>

#include "harness/diagnostic.h"
#include "harness/scenario.h"
#include "harness/schema.h"

namespace YAML {
class Node;
}

namespace fanlab::harness {

// The format of `faults` (a list of faults) and `invariants` (a list of
// names, or {name: {parameters}}).
SpecPtr FaultsSpec();
SpecPtr InvariantsSpec();

// What the readers check names against (the scenario's declared
// resources), for errors with a suggestion.
struct DeclaredNames {
  std::set<std::string> functions;
  std::set<std::string> queues;
};

// Reads the checked `faults` list into `out`; problems the format alone
// cannot see (an unknown fault kind, a crash at a call with no function,
// a pattern that can match no declared function) go to `errors`.
void ReadFaults(const YAML::Node& list, const std::string& file,
                const DeclaredNames& names, std::vector<sim::FaultSpec>& out,
                Diagnostics& errors);
// Reads `invariants`: unknown names (with a suggestion), unknown or
// missing parameters.
void ReadInvariants(const YAML::Node& list, const std::string& file,
                    std::vector<InvariantSpec>& out, Diagnostics& errors);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCENARIO_SIM_H_
