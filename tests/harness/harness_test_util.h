// Helpers the harness's tests share.
#ifndef FANLAB_TESTS_HARNESS_HARNESS_TEST_UTIL_H_
#define FANLAB_TESTS_HARNESS_HARNESS_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "harness/runner.h"

namespace fanlab::harness::test_util {

// `yaml` with @TF@ replaced by the test function's path.
inline std::string WithTestFunction(std::string yaml) {
  const std::string tf = FANLAB_TEST_FUNCTION;
  for (size_t at = yaml.find("@TF@"); at != std::string::npos;
       at = yaml.find("@TF@", at + tf.size())) {
    yaml.replace(at, 4, tf);
  }
  return yaml;
}

// An expectation's result, member by member: GCC 12 at -O3 warns
// (maybe-uninitialized) on a designated initializer of this aggregate
// built in place.
inline ExpectationResult MakeExpectation(
    std::string kind, std::string label, int line, int column, std::string path,
    bool passed, std::string expected = "", std::string found = "",
    std::vector<std::string> context = {}) {
  ExpectationResult e;
  e.kind = std::move(kind);
  e.label = std::move(label);
  e.origin.mark = Mark{line, column};
  e.origin.path = std::move(path);
  e.passed = passed;
  e.expected = std::move(expected);
  e.found = std::move(found);
  e.context = std::move(context);
  return e;
}

}  // namespace fanlab::harness::test_util

#endif  // FANLAB_TESTS_HARNESS_HARNESS_TEST_UTIL_H_
