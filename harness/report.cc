#include "harness/report.h"

#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "emulator/api/xml.h"
#include "harness/report_diff.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace json = boost::json;

const char* StatusName(ScenarioResult::Status s) {
  switch (s) {
    case ScenarioResult::Status::kPassed:
      return "passed";
    case ScenarioResult::Status::kFailed:
      return "failed";
    case ScenarioResult::Status::kError:
      return "error";
  }
  return "error";
}

namespace {

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string Paint(const TerminalStyle& style, const char* code,
                  const std::string& text) {
  if (!style.color) return text;
  return std::string("\x1b[") + code + "m" + text + "\x1b[0m";
}

std::string Where(const std::string& file, const Origin& o) {
  std::string out = file;
  if (o.mark.line > 0) {
    out +=
        ":" + std::to_string(o.mark.line) + ":" + std::to_string(o.mark.column);
  }
  return out;
}

// Text for a JUnit attribute or element. XML 1.0 forbids most control
// characters, even escaped: each becomes '?'.
std::string XmlEscape(const std::string& s) {
  std::string text = s;
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' &&
        c != '\r') {
      c = '?';
    }
  }
  return api::XmlEscape(text);
}

// The failure text of one scenario, as the terminal and JUnit show it:
// expected and found on a line each, or, when JSON values are at stake,
// each followed by its JSON laid out, the differences marked.
std::string FailureText(const ScenarioResult& r, const TerminalStyle& style) {
  std::string out;
  for (const Diagnostic& d : r.errors) out += d.ToString() + "\n";
  if (!r.failure.empty()) out += r.failure + "\n";
  for (const ExpectationResult* e : r.Failures()) {
    out += Where(r.file, e->origin) + ": expectation \"" + e->label +
           "\" failed\n";
    if (e->json) {
      const FailureJson& j = *e->json;
      JsonDiffStyle diff_style{.color = style.color};
      for (const std::string& line :
           RenderExpectedFound(j.expected_words, j.expected, j.found_words,
                               j.found, j.compare, diff_style)) {
        const char* color = line.starts_with("expected:") ? "32"
                            : line.starts_with("found:")  ? "31"
                                                          : nullptr;
        out += "  " + (color ? Paint(style, color, line) : line) + "\n";
      }
    } else {
      out += "  " + Paint(style, "32", "expected: " + e->expected) + "\n";
      out += "  " + Paint(style, "31", "found:    " + e->found) + "\n";
    }
    if (!e->context.empty()) {
      out += "  events around it:\n";
      for (const auto& line : e->context) {
        out += Paint(style, "2", "    " + line) + "\n";
      }
    }
  }
  return out;
}

}  // namespace

void WriteFailureDetails(std::ostream& out, const ScenarioResult& r,
                         const TerminalStyle& style) {
  if (r.passed()) return;
  out << Paint(style, "1", r.name) << " ("
      << (r.file.empty() ? "built in C++" : r.file) << ", seed " << r.seed
      << "):\n";
  std::string text = FailureText(r, style);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    out << "  " << text.substr(start, end - start) << "\n";
    start = end + 1;
  }
}

void WriteSummary(std::ostream& out, const std::vector<ScenarioResult>& results,
                  double wall_seconds, const TerminalStyle& style) {
  size_t width = 8;
  for (const auto& r : results) width = std::max(width, r.name.size());
  char line[512];
  std::snprintf(line, sizeof line, "%-*s  %-7s  %12s  %9s  %11s\n", int(width),
                "scenario", "result", "virtual", "wall s", "invocations");
  out << line;
  size_t passed = 0, failed = 0, errors = 0;
  for (const auto& r : results) {
    std::string status = r.failed_as_expected ? "xfail" : StatusName(r.status);
    const char* color = r.status == ScenarioResult::Status::kPassed   ? "32"
                        : r.status == ScenarioResult::Status::kFailed ? "31"
                                                                      : "33";
    (r.status == ScenarioResult::Status::kPassed   ? passed
     : r.status == ScenarioResult::Status::kFailed ? failed
                                                   : errors)++;
    std::snprintf(line, sizeof line, "%-*s  ", int(width), r.name.c_str());
    out << line;
    std::snprintf(line, sizeof line, "%-7s", status.c_str());
    out << Paint(style, color, line);
    std::snprintf(line, sizeof line, "  %12s  %9s  %11zu\n",
                  FormatDuration(r.virtual_time).c_str(),
                  Seconds(r.wall_seconds).c_str(), r.invocations);
    out << line;
  }
  out << results.size()
      << (results.size() == 1 ? " scenario: " : " scenarios: ") << passed
      << " passed, " << failed << " failed, " << errors << " errors, in "
      << Seconds(wall_seconds) << " s\n";
}

std::string ToJsonReport(const std::vector<ScenarioResult>& results,
                         double wall_seconds) {
  json::array scenarios;
  size_t passed = 0, failed = 0, errors = 0;
  for (const auto& r : results) {
    (r.status == ScenarioResult::Status::kPassed   ? passed
     : r.status == ScenarioResult::Status::kFailed ? failed
                                                   : errors)++;
    json::array expectations;
    for (const auto& e : r.expectations) {
      json::object o{{"kind", e.kind},
                     {"label", e.label},
                     {"line", e.origin.mark.line},
                     {"column", e.origin.mark.column},
                     {"passed", e.passed}};
      if (!e.passed) {
        o["expected"] = e.expected;
        o["found"] = e.found;
        json::array context;
        for (const auto& c : e.context) context.push_back(json::string(c));
        o["events"] = std::move(context);
        if (e.json && !e.json->expected.empty()) {
          o["expectedJson"] = json::parse(e.json->expected);
        }
        if (e.json && !e.json->found.empty()) {
          o["foundJson"] = json::parse(e.json->found);
        }
      }
      expectations.push_back(std::move(o));
    }
    json::array errs;
    for (const auto& d : r.errors) errs.push_back(json::string(d.ToString()));
    json::object s{{"name", r.name},
                   {"file", r.file},
                   {"status", StatusName(r.status)},
                   {"seed", r.seed},
                   {"virtualSeconds",
                    std::chrono::duration<double>(r.virtual_time).count()},
                   {"wallSeconds", r.wall_seconds},
                   {"invocations", r.invocations},
                   {"events", r.events.size()},
                   {"expectations", std::move(expectations)},
                   {"errors", std::move(errs)}};
    if (!r.failure.empty()) s["failure"] = r.failure;
    scenarios.push_back(std::move(s));
  }
  json::object root{{"scenarios", std::move(scenarios)},
                    {"passed", passed},
                    {"failed", failed},
                    {"errors", errors},
                    {"wallSeconds", wall_seconds}};
  return json::serialize(root) + "\n";
}

std::string ToJunitReport(const std::vector<ScenarioResult>& results,
                          double wall_seconds) {
  size_t failures = 0, errors = 0;
  for (const auto& r : results) {
    if (r.status == ScenarioResult::Status::kFailed) ++failures;
    if (r.status == ScenarioResult::Status::kError) ++errors;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"fanlab\" tests=\"" +
         std::to_string(results.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
         "\" time=\"" + Seconds(wall_seconds) + "\">\n";
  out += "  <testsuite name=\"fanlab\" tests=\"" +
         std::to_string(results.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
         "\" skipped=\"0\" time=\"" + Seconds(wall_seconds) + "\">\n";
  for (const auto& r : results) {
    out += "    <testcase name=\"" + XmlEscape(r.name) + "\" classname=\"" +
           XmlEscape(r.file.empty() ? "fanlab" : r.file) + "\" time=\"" +
           Seconds(r.wall_seconds) + "\"";
    if (r.passed()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    std::string text = FailureText(r, TerminalStyle{});
    if (r.status == ScenarioResult::Status::kError) {
      std::string first = r.errors.empty() ? "error" : r.errors[0].ToString();
      out += "      <error message=\"" + XmlEscape(first) +
             "\" type=\"ScenarioError\">" + XmlEscape(text) + "</error>\n";
    } else {
      auto failed = r.Failures();
      std::string first = failed.empty()
                              ? r.failure
                              : "expectation \"" + failed[0]->label +
                                    "\": expected " + failed[0]->expected +
                                    ", found " + failed[0]->found;
      out += "      <failure message=\"" + XmlEscape(first) +
             "\" type=\"ExpectationFailed\">" + XmlEscape(text) +
             "</failure>\n";
    }
    out += "      <system-out>seed " + std::to_string(r.seed) + ", " +
           std::to_string(r.events.size()) + " events, virtual time " +
           FormatDuration(r.virtual_time) + "</system-out>\n";
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

void WriteEventLines(std::ostream& out,
                     const std::vector<ScenarioResult>& results) {
  for (const auto& r : results) {
    for (const Event& e : r.events) {
      json::object o = e.ToJson();
      o["scenario"] = r.name;
      out << json::serialize(o) << "\n";
    }
  }
}

std::string ToChromeTrace(const std::vector<ScenarioResult>& results) {
  json::array events;
  int pid = 0;
  for (const auto& r : results) {
    ++pid;
    events.push_back(json::object{{"name", "process_name"},
                                  {"ph", "M"},
                                  {"pid", pid},
                                  {"args", {{"name", r.name}}}});
    // A track (thread) per function, and one per other service.
    std::map<std::string, int> tracks;
    auto track = [&](const std::string& name) {
      auto [it, added] = tracks.emplace(name, int(tracks.size()) + 1);
      if (added) {
        events.push_back(json::object{{"name", "thread_name"},
                                      {"ph", "M"},
                                      {"pid", pid},
                                      {"tid", it->second},
                                      {"args", {{"name", name}}}});
      }
      return it->second;
    };
    for (const Event& e : r.events) {
      int64_t at_us =
          std::chrono::duration_cast<std::chrono::microseconds>(e.at).count();
      if (e.service == "lambda" && e.kind == "Invocation") {
        const json::object& d = e.detail.as_object();
        int64_t dur_us = d.at("durationUs").to_number<int64_t>();
        // An async span (begin, end) with the request id: invocations of
        // one function overlap when it runs several at once.
        std::string name =
            e.resource + " " + std::string(d.at("outcome").as_string());
        int tid = track("λ " + e.resource);
        events.push_back(
            json::object{{"name", name},
                         {"cat", "lambda"},
                         {"ph", "b"},
                         {"id", e.key},
                         {"ts", std::max<int64_t>(0, at_us - dur_us)},
                         {"pid", pid},
                         {"tid", tid},
                         {"args", e.ToJson()}});
        events.push_back(json::object{{"name", name},
                                      {"cat", "lambda"},
                                      {"ph", "e"},
                                      {"id", e.key},
                                      {"ts", at_us},
                                      {"pid", pid},
                                      {"tid", tid}});
        continue;
      }
      events.push_back(json::object{{"name", e.kind + " " + e.resource},
                                    {"cat", e.service},
                                    {"ph", "i"},
                                    {"s", "t"},
                                    {"ts", at_us},
                                    {"pid", pid},
                                    {"tid", track(e.service)},
                                    {"args", e.ToJson()}});
    }
  }
  return json::serialize(json::object{{"traceEvents", std::move(events)},
                                      {"displayTimeUnit", "ms"}}) +
         "\n";
}

}  // namespace fanlab::harness
