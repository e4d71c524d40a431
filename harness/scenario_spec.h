// The scenario file format as a Spec (harness/schema.h).
#ifndef FANLAB_HARNESS_SCENARIO_SPEC_H_
#define FANLAB_HARNESS_SCENARIO_SPEC_H_

#include "harness/schema.h"

namespace fanlab::harness {

SpecPtr ScenarioSpec();

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCENARIO_SPEC_H_
