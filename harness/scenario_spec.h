// The scenario file format as a Spec (harness/schema.h).
#ifndef FANLAB_HARNESS_SCENARIO_SPEC_H_
#define FANLAB_HARNESS_SCENARIO_SPEC_H_

#include "harness/schema.h"

namespace fanlab::harness {

SpecPtr ScenarioSpec();

// The runtimes a function's `runtime` may name, Lambda's identifiers:
// provided.al2023, provided.al2, python3.9..python3.13, nodejs18.x,
// nodejs20.x, nodejs22.x.
const std::vector<std::string>& LambdaRuntimes();

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCENARIO_SPEC_H_
