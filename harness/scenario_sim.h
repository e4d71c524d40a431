// A scenario's `faults` and `invariants`, declared once: each is a field
// of the format (what the loader validates and `fanlab schema` prints)
// that binds straight into the model (sim::FaultSpec, InvariantSpec), so
// a new fault kind or parameter is written in one place.
#ifndef FANLAB_HARNESS_SCENARIO_SIM_H_
#define FANLAB_HARNESS_SCENARIO_SIM_H_

#include "harness/scenario_spec.h"

namespace fanlab::harness {

// `faults`: a list of faults, into Scenario::faults. What the format alone
// cannot see is reported as it binds (a crash at a call with no action,
// an error fault with no code, ...) or once every name is known (a
// function that is not declared, unless it is a pattern).
Field FaultsField();
// `invariants`: a list of names, or {name: {parameters}}, into
// Scenario::invariants; unknown names (with a suggestion), unknown or
// missing parameters are errors.
Field InvariantsField();

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCENARIO_SIM_H_
