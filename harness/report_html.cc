#include "harness/report_html.h"

#include <boost/json.hpp>

#include "harness/report.h"

namespace fanlab::harness {
namespace {

namespace json = boost::json;

double Ms(Duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// What the page draws, per scenario: the events it needs, pared down. A
// scenario that failed as its expect_failure says shows as "xfail".
json::object ScenarioData(const ScenarioResult& r) {
  json::object s;
  s["name"] = r.name;
  s["file"] = r.file;
  s["status"] = r.failed_as_expected ? "xfail" : StatusName(r.status);
  s["seed"] = r.seed;
  s["virtualMs"] = Ms(r.virtual_time);
  s["wallSeconds"] = r.wall_seconds;
  s["failure"] = r.failure;
  json::array errors;
  for (const auto& d : r.errors) errors.emplace_back(d.ToString());
  s["errors"] = std::move(errors);
  json::array failures;
  for (const ExpectationResult* e : r.Failures()) {
    json::array context;
    for (const auto& line : e->context) context.emplace_back(line);
    failures.push_back(json::object{
        {"kind", e->kind},
        {"label", e->label},
        {"line", e->origin.mark.line},
        {"expected", e->expected},
        {"found", e->found},
        {"context", std::move(context)},
    });
  }
  s["failures"] = std::move(failures);
  s["expectations"] = r.expectations.size();
  json::array invocations;
  json::array queue_events;
  for (const Event& e : r.events) {
    double at = Ms(e.at);
    if (e.service == "lambda" && e.kind == "Invocation" &&
        e.detail.is_object()) {
      const json::object& d = e.detail.get_object();
      double duration = 0;
      if (const json::value* us = d.if_contains("durationUs")) {
        duration = us->to_number<double>() / 1000.0;
      }
      std::string outcome = "success";
      if (const json::value* o = d.if_contains("outcome");
          o && o->is_string()) {
        outcome = std::string(o->get_string());
      }
      invocations.push_back(json::array{
          json::value(e.resource), json::value(at - duration), json::value(at),
          json::value(outcome), json::value(e.key)});
    } else if (e.service == "sqs" && e.kind.starts_with("Message")) {
      queue_events.push_back(json::array{json::value(e.resource),
                                         json::value(at), json::value(e.kind)});
    }
  }
  s["invocations"] = std::move(invocations);
  s["queueEvents"] = std::move(queue_events);
  return s;
}

// Keeps the embedded JSON from closing the <script> element.
std::string ScriptSafe(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

constexpr const char* kPage = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>fanlab run report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin:1.6em 0 .3em}
table.summary{border-collapse:collapse}
.summary td,.summary th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}
.passed{color:#1a7f37}.xfail{color:#8a6d00}.failed,.error{color:#c62828}
.scenario{border-top:2px solid #eee;margin-top:1em}
svg{display:block;margin:.4em 0}
svg text{font-size:11px;fill:#444}
.fail{background:#fff4f4;border-left:4px solid #c62828;padding:.4em .8em;margin:.5em 0}
pre{white-space:pre-wrap;margin:.2em 0;font-size:12px}
.legend span{display:inline-block;margin-right:1em}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}
</style></head><body>
<h1>fanlab run report</h1>
<div id="summary"></div>
<div class="legend"><span><i style="background:#2e7d32"></i>success</span><span><i style="background:#c62828"></i>error</span><span><i style="background:#ef6c00"></i>timeout</span><span><i style="background:#6a1b9a"></i>crash / other</span></div>
<div id="scenarios"></div>
<script id="fanlab-data" type="application/json">@DATA@</script>
<script>
"use strict";
const DATA = JSON.parse(document.getElementById("fanlab-data").textContent);
const NS = "http://www.w3.org/2000/svg";
const COLORS = {success: "#2e7d32", error: "#c62828", timeout: "#ef6c00"};
function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(NS, tag.slice(4))
                                   : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function fmtMs(ms) { return ms >= 1000 ? (ms / 1000).toFixed(2) + " s" : ms.toFixed(1) + " ms"; }
function summary() {
  const t = el("table", {class: "summary"});
  const h = el("tr");
  for (const c of ["scenario", "result", "virtual", "wall", "invocations", "expectations"]) h.appendChild(el("th", {}, c));
  t.appendChild(h);
  for (const s of DATA.scenarios) {
    const r = el("tr");
    const a = el("a", {href: "#s-" + s.index}, s.name);
    const name = el("td"); name.appendChild(a); r.appendChild(name);
    r.appendChild(el("td", {class: s.status}, s.status));
    r.appendChild(el("td", {}, fmtMs(s.virtualMs)));
    r.appendChild(el("td", {}, s.wallSeconds.toFixed(3) + " s"));
    r.appendChild(el("td", {}, String(s.invocations.length)));
    r.appendChild(el("td", {}, (s.expectations - s.failures.length) + " / " + s.expectations));
    t.appendChild(r);
  }
  document.getElementById("summary").appendChild(t);
  const p = DATA.passed, f = DATA.failed + DATA.errors;
  document.getElementById("summary").appendChild(
      el("p", {class: f ? "failed" : "passed"}, p + " passed, " + DATA.failed + " failed, " + DATA.errors + " errors in " + DATA.wallSeconds.toFixed(2) + " s"));
}
function timeline(s) {
  const fns = [...new Set(s.invocations.map(i => i[0]))].sort();
  const queues = [...new Set(s.queueEvents.map(q => q[0]))].sort();
  let end = Math.max(s.virtualMs, 1);
  for (const i of s.invocations) end = Math.max(end, i[2]);
  const W = 900, L = 160, lane = 18, chart = 46;
  const H = 24 + fns.length * lane + queues.length * (chart + 8);
  const svg = el("svg:svg", {width: W + L + 20, height: H, viewBox: "0 0 " + (W + L + 20) + " " + H});
  const x = t => L + (t / end) * W;
  for (let k = 0; k <= 4; k++) {
    const t = end * k / 4;
    svg.appendChild(el("svg:line", {x1: x(t), x2: x(t), y1: 14, y2: H, stroke: "#eee"}));
    svg.appendChild(el("svg:text", {x: x(t), y: 10, "text-anchor": "middle"}, fmtMs(t)));
  }
  fns.forEach((fn, row) => {
    const y = 16 + row * lane;
    svg.appendChild(el("svg:text", {x: 4, y: y + 12}, fn));
    for (const inv of s.invocations.filter(i => i[0] === fn)) {
      const bar = el("svg:rect", {x: x(inv[1]), y: y + 2, width: Math.max(1, x(inv[2]) - x(inv[1])), height: lane - 5,
                                  fill: COLORS[inv[3]] || "#6a1b9a", opacity: 0.8});
      bar.appendChild(el("svg:title", {}, fn + " " + inv[4] + ": " + inv[3] + ", " + fmtMs(inv[2] - inv[1])));
      svg.appendChild(bar);
    }
  });
  let y0 = 20 + fns.length * lane;
  for (const q of queues) {
    // Depth: sent minus removed; in flight: received minus deleted or returned.
    let depth = 0, flight = 0, maxv = 1;
    const pts = [[0, 0, 0]];
    for (const [name, at, kind] of s.queueEvents) {
      if (name !== q) continue;
      if (kind === "MessageSent" || kind === "MessageMovedFromSourceQueue") depth++;
      else if (kind === "MessageReceived") flight++;
      else if (kind === "MessageDeleted") { depth--; flight = Math.max(0, flight - 1); }
      else if (kind === "MessageVisibleAgain") flight = Math.max(0, flight - 1);
      else if (kind === "MessageExpired" || kind === "MessageMovedToDeadLetterQueue") depth--;
      else continue;
      depth = Math.max(0, depth);
      pts.push([at, depth, flight]);
      maxv = Math.max(maxv, depth, flight);
    }
    pts.push([end, depth, flight]);
    svg.appendChild(el("svg:text", {x: 4, y: y0 + 14}, q));
    svg.appendChild(el("svg:text", {x: 4, y: y0 + 28}, "depth / in flight (max " + maxv + ")"));
    for (const [idx, color] of [[1, "#1565c0"], [2, "#f9a825"]]) {
      let d = "";
      pts.forEach((p, k) => {
        const yy = y0 + chart - (p[idx] / maxv) * chart;
        d += (k === 0 ? "M" : "H" + x(p[0]).toFixed(1) + "V") + (k === 0 ? x(p[0]).toFixed(1) + "," + yy.toFixed(1) : yy.toFixed(1));
      });
      svg.appendChild(el("svg:path", {d: d, fill: "none", stroke: color, "stroke-width": 1.5}));
    }
    y0 += chart + 8;
  }
  return svg;
}
function scenarios() {
  const root = document.getElementById("scenarios");
  for (const s of DATA.scenarios) {
    const d = el("div", {class: "scenario", id: "s-" + s.index});
    d.appendChild(el("h2", {class: s.status}, s.name + " — " + s.status));
    d.appendChild(el("div", {}, s.file + " · seed " + s.seed + " · " + fmtMs(s.virtualMs) + " virtual"));
    if (s.failure) d.appendChild(el("pre", {class: "fail"}, s.failure));
    for (const e of s.errors) d.appendChild(el("pre", {class: "fail"}, e));
    for (const f of s.failures) {
      const box = el("div", {class: "fail"});
      box.appendChild(el("b", {}, f.kind + " \"" + f.label + "\" (line " + f.line + ")"));
      box.appendChild(el("pre", {}, "expected: " + f.expected));
      box.appendChild(el("pre", {}, "found:    " + f.found));
      if (f.context.length) box.appendChild(el("pre", {}, f.context.join("\n")));
      d.appendChild(box);
    }
    if (s.invocations.length || s.queueEvents.length) d.appendChild(timeline(s));
    root.appendChild(d);
  }
}
summary();
scenarios();
document.body.setAttribute("data-rendered", String(DATA.scenarios.length));
</script></body></html>
)HTML";

}  // namespace

std::string ToHtmlReport(const std::vector<ScenarioResult>& results,
                         double wall_seconds) {
  json::object data;
  json::array scenarios;
  int passed = 0, failed = 0, errors = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    json::object s = ScenarioData(results[i]);
    s["index"] = i;
    scenarios.push_back(std::move(s));
    switch (results[i].status) {
      case ScenarioResult::Status::kPassed:
        ++passed;
        break;
      case ScenarioResult::Status::kFailed:
        ++failed;
        break;
      case ScenarioResult::Status::kError:
        ++errors;
        break;
    }
  }
  data["scenarios"] = std::move(scenarios);
  data["passed"] = passed;
  data["failed"] = failed;
  data["errors"] = errors;
  data["wallSeconds"] = wall_seconds;
  std::string page = kPage;
  const std::string marker = "@DATA@";
  page.replace(page.find(marker), marker.size(),
               ScriptSafe(json::serialize(data)));
  return page;
}

}  // namespace fanlab::harness
