// A run as one self-contained HTML page (`fanlab run --html report.html`):
// no file beside it, no network. For each scenario: its result, a
// timeline over virtual time with one swimlane per function (each
// invocation a bar from its start to its end, coloured by outcome: success,
// error, timeout, crash), queue depth and in-flight counts as step charts,
// and every failed expectation with expected, found and the events around
// it. The page's data is the run's event log, embedded as JSON; a small
// script draws it as SVG.
#ifndef FANLAB_HARNESS_REPORT_HTML_H_
#define FANLAB_HARNESS_REPORT_HTML_H_

#include <string>
#include <vector>

#include "harness/runner.h"

namespace fanlab::harness {

std::string ToHtmlReport(const std::vector<ScenarioResult>& results,
                         double wall_seconds);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_REPORT_HTML_H_
