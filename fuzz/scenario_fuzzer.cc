// The scenario loader (harness/scenario.h): YAML or JSON text, its
// schema checks and every key's own parser (steps, expectations, faults,
// invariants, durations, placeholders). The file sits in a folder that
// does not exist, so relative `file:` and `code:` references find nothing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fanlab;
  std::string text(reinterpret_cast<const char*>(data), size);
  static const harness::LoadOptions options;
  harness::LoadResult result = harness::ParseScenario(
      text, "/nonexistent/fanlab-fuzz/scenario.yaml", options);
  (void)result;
  return 0;
}
