// GoogleMock matchers and helpers for driving the harness from a user's
// own GoogleTest (header-only; link fanlab_harness and GTest::gmock):
//
//   #include "harness/testing/matchers.h"
//   using namespace fanlab::harness::testing;
//
//   TEST(Pipeline, FansOutAndIn) {
//     fanlab::harness::Scenario s =
//     LoadForTest("scenarios/doparallel/basic.yaml");
//     fanlab::harness::ScenarioResult r = fanlab::harness::RunScenario(s);
//     EXPECT_THAT(r, Passed());
//     EXPECT_THAT(Invocations(r, "task"), SizeIs(5));
//     EXPECT_THAT(r.events, Contains(EventIs("sqs", "QueueDeleted", _)));
//   }
//
// A scenario can also be written inline (ParseScenario on a string) and
// edited as a struct before running.
#ifndef FANLAB_HARNESS_TESTING_MATCHERS_H_
#define FANLAB_HARNESS_TESTING_MATCHERS_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/report.h"
#include "harness/runner.h"
#include "harness/scenario.h"

namespace fanlab::harness {

// How GoogleTest prints a result in a failed assertion: its name and
// status, then the failure report.
inline void PrintTo(const ScenarioResult& r, std::ostream* os) {
  *os << "scenario " << r.name << " ("
      << (r.passed()                                    ? "passed"
          : r.status == ScenarioResult::Status::kFailed ? "failed"
                                                        : "error")
      << ", " << r.Failures().size() << " failed expectations)";
}

inline void PrintTo(const Event& e, std::ostream* os) { *os << e.Summary(); }

}  // namespace fanlab::harness

namespace fanlab::harness::testing {

// The scenario in `path`; a test failure listing every problem (and an
// empty scenario) when it does not load.
inline Scenario LoadForTest(const std::string& path,
                            const LoadOptions& options = {}) {
  LoadResult r = LoadScenario(path, options);
  if (!r.scenario) {
    std::string all;
    for (const auto& d : r.errors) all += d.ToString() + "\n";
    ADD_FAILURE() << "cannot load " << path << ":\n" << all;
    return Scenario{};
  }
  return std::move(*r.scenario);
}

// The scenario written in `yaml`, as if read from `file`.
inline Scenario ParseForTest(const std::string& yaml,
                             const LoadOptions& options = {},
                             const std::string& file = "inline.yaml") {
  LoadResult r = ParseScenario(yaml, file, options);
  if (!r.scenario) {
    std::string all;
    for (const auto& d : r.errors) all += d.ToString() + "\n";
    ADD_FAILURE() << "cannot load the scenario:\n" << all;
    return Scenario{};
  }
  return std::move(*r.scenario);
}

// One expectation of `kind` ("invocations", "requests", ...) with its
// fields as JSON, as the file would give them (docs/scenarios.md), read
// by the file's format (ParseExpectation): an unknown kind or key, a
// wrong type or a bad selector throws std::invalid_argument naming it.
// For editing a loaded scenario's expectations in C++; Expectation{.check
// = Expectation::Requests{...}} builds one field by field.
inline Expectation ExpectationOf(const std::string& kind,
                                 const std::string& json_fields,
                                 std::string label = "") {
  Diagnostics errors;
  std::optional<Expectation> e =
      ParseExpectation("{" + kind + ": " + json_fields + "}", errors);
  if (!e) {
    std::string all;
    for (const auto& d : errors) all += "\n" + d.ToString();
    throw std::invalid_argument("ExpectationOf(\"" + kind + "\"):" + all);
  }
  e->label = label.empty() ? kind + " " + json_fields : std::move(label);
  return std::move(*e);
}

// Every expectation held and the run went well; on a mismatch, the
// failure report explains why (expected, found, events around it).
MATCHER(Passed, "passed every expectation") {
  if (arg.passed()) return true;
  std::ostringstream details;
  WriteFailureDetails(details, arg, TerminalStyle{});
  *result_listener << "\n" << details.str();
  return false;
}

// The expectation labelled `label` was evaluated and failed.
MATCHER_P(FailedExpectation, label,
          "failed the expectation \"" + std::string(label) + "\"") {
  for (const ExpectationResult* e : arg.Failures()) {
    if (e->label == label) return true;
  }
  *result_listener << "failed: ";
  for (const ExpectationResult* e : arg.Failures()) {
    *result_listener << "\"" << e->label << "\" ";
  }
  return false;
}

// An event of this service, kind and resource (each a value or a matcher).
template <typename S, typename K, typename R>
::testing::Matcher<const Event&> EventIs(S service, K kind, R resource) {
  return ::testing::AllOf(
      ::testing::Field("service", &Event::service, service),
      ::testing::Field("kind", &Event::kind, kind),
      ::testing::Field("resource", &Event::resource, resource));
}

// The finished invocations of `function` (any outcome, or "success",
// "error", "timeout", "throttle"), in order.
inline std::vector<Event> Invocations(const ScenarioResult& r,
                                      const std::string& function,
                                      const std::string& outcome = "") {
  std::vector<Event> out;
  for (const Event& e : r.events) {
    if (e.service != "lambda" || e.kind != "Invocation" ||
        e.resource != function) {
      continue;
    }
    if (!outcome.empty() && e.detail.at("outcome").as_string() != outcome) {
      continue;
    }
    out.push_back(e);
  }
  return out;
}

// The events of one service and kind (and resource, when given).
inline std::vector<Event> EventsOf(const ScenarioResult& r,
                                   const std::string& service,
                                   const std::string& kind,
                                   const std::string& resource = "") {
  std::vector<Event> out;
  for (const Event& e : r.events) {
    if (e.service == service && e.kind == kind &&
        (resource.empty() || e.resource == resource)) {
      out.push_back(e);
    }
  }
  return out;
}

// Where tests find the scenarios/ folder and the functions fanlab builds
// (the build defines both for tests/).
inline LoadOptions BuildTreeOptions() {
  LoadOptions o;
#ifdef FANLAB_FUNCTIONS_DIR
  o.function_dirs.push_back(FANLAB_FUNCTIONS_DIR);
#endif
  return o;
}

}  // namespace fanlab::harness::testing

#endif  // FANLAB_HARNESS_TESTING_MATCHERS_H_
