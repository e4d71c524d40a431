// Reports of a set of runs: for people (a table on the terminal, with the
// failures spelled out) and for machines (JSON, JUnit XML, the event log
// as JSON lines).
#ifndef FANLAB_HARNESS_REPORT_H_
#define FANLAB_HARNESS_REPORT_H_

#include <ostream>
#include <string>
#include <vector>

#include "harness/runner.h"

namespace fanlab::harness {

// "passed", "failed" or "error": how every report names a status.
const char* StatusName(ScenarioResult::Status s);

struct TerminalStyle {
  bool color = false;
};

// One scenario's failure details: each failed expectation with its place
// in the file, expected, found (values as indented JSON, both sides
// aligned, the differing paths marked: report_diff.h) and the events
// around it; or the errors.
void WriteFailureDetails(std::ostream& out, const ScenarioResult& r,
                         const TerminalStyle& style);
// The table of scenarios (result, virtual and wall time, invocations) and
// the totals line.
void WriteSummary(std::ostream& out, const std::vector<ScenarioResult>& results,
                  double wall_seconds, const TerminalStyle& style);

// {"scenarios": [{name, file, status, seed, virtualSeconds, wallSeconds,
//   invocations, events (their count), expectations: [{kind, label, line,
//   column, passed, expected?, found?, events? (the lines around a
//   failure), expectedJson?, foundJson? (the values behind expected and
//   found, whole)}], errors: [...], failure?}], "passed", "failed",
//   "errors", "wallSeconds"}
std::string ToJsonReport(const std::vector<ScenarioResult>& results,
                         double wall_seconds);
// JUnit XML: one <testsuite name="fanlab">, one <testcase> per scenario
// with a <failure> (failed expectations) or <error> (a bad scenario).
std::string ToJunitReport(const std::vector<ScenarioResult>& results,
                          double wall_seconds);
// Every event of every run, one JSON object a line, each with its
// scenario's name.
void WriteEventLines(std::ostream& out,
                     const std::vector<ScenarioResult>& results);

// The event log as a Chrome trace (chrome://tracing, ui.perfetto.dev):
// one process per scenario, each invocation an async span (begin and end,
// by request id, named by function and outcome, so that concurrent ones
// overlap cleanly), and every other event an instant on its service's
// track. Times are virtual microseconds.
std::string ToChromeTrace(const std::vector<ScenarioResult>& results);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_REPORT_H_
