#include "harness/explore.h"

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace fanlab::harness {

namespace json = boost::json;

std::string FailureSignature(const ScenarioResult& r) {
  if (r.passed()) return "";
  std::string out;
  if (r.status == ScenarioResult::Status::kError) out += "error\n";
  if (!r.failure.empty()) {
    // The run's own failure, without its numbers (times, counts vary as
    // steps go).
    out += "run: " + r.failure.substr(0, r.failure.find(" after ")) + "\n";
  }
  for (const ExpectationResult* e : r.Failures()) {
    out += e->kind + " " + e->label + "\n";
  }
  return out;
}

namespace {

// Every line of `original` is in `now`: the failure still happens
// (expectations about the steps dropped may fail too).
bool SameFailure(const std::string& original, const std::string& now) {
  if (now.empty()) return false;
  for (size_t at = 0; at < original.size();) {
    size_t end = original.find('\n', at);
    std::string line = original.substr(at, end - at + 1);
    if (now.find(line) == std::string::npos) return false;
    at = end + 1;
  }
  return true;
}

}  // namespace

ExploreResult Explore(const Scenario& scenario, const ExploreOptions& o) {
  ExploreResult result;
  auto wall_start = std::chrono::steady_clock::now();
  std::vector<uint64_t> seeds;
  int count = std::max(1, o.shard_count);
  for (uint64_t i = 0; i < o.seeds; ++i) {
    if (int(i % uint64_t(count)) == o.shard_index - 1) {
      seeds.push_back(o.first_seed + i);
    }
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  auto worker = [&] {
    while (!stop) {
      size_t i = next++;
      if (i >= seeds.size()) return;
      ScenarioResult r = RunScenario(
          scenario, RunOptions{.seed = seeds[i], .real_time = o.real_time});
      std::lock_guard lock(mu);
      ++result.runs;
      if (!r.passed() &&
          (!result.failing_seed || seeds[i] < *result.failing_seed)) {
        result.failing_seed = seeds[i];
        result.failure = std::move(r);
        stop = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < std::max(1, o.jobs); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();

  if (result.failing_seed) {
    const uint64_t seed = *result.failing_seed;
    const std::string signature = FailureSignature(result.failure);
    result.shrunk = scenario;
    result.shrunk_result = result.failure;
    if (o.shrink && result.failure.status != ScenarioResult::Status::kError) {
      // Steps go first; faults, once scenarios carry them, shrink the same
      // way (ShrinkList over the scenario's fault list).
      std::function<bool(const std::vector<Step>&)> fails =
          [&](const std::vector<Step>& steps) {
            Scenario fewer = scenario;
            fewer.timeline = steps;
            ++result.shrink_runs;
            ScenarioResult r = RunScenario(
                fewer, RunOptions{.seed = seed, .real_time = o.real_time});
            if (!SameFailure(signature, FailureSignature(r))) return false;
            result.shrunk_result = std::move(r);
            return true;
          };
      // Steps a failed expectation names (`step: ID`) stay: without them
      // it would fail for another reason.
      std::set<std::string> pinned;
      for (const ExpectationResult* e : result.failure.Failures()) {
        for (const Expectation& x : scenario.expect) {
          if (x.label != e->label || x.kind != e->kind) continue;
          if (const json::value* id = x.spec.if_contains("step");
              id != nullptr && id->is_string()) {
            pinned.insert(std::string(id->as_string()));
          }
        }
      }
      std::vector<size_t> free;
      for (size_t i = 0; i < scenario.timeline.size(); ++i) {
        if (pinned.count(scenario.timeline[i].id) == 0) free.push_back(i);
      }
      auto keep = [&](const std::vector<size_t>& kept) {
        std::set<size_t> chosen(kept.begin(), kept.end());
        std::vector<Step> steps;
        for (size_t i = 0; i < scenario.timeline.size(); ++i) {
          if (pinned.count(scenario.timeline[i].id) != 0 ||
              chosen.count(i) != 0) {
            steps.push_back(scenario.timeline[i]);
          }
        }
        return steps;
      };
      std::function<bool(const std::vector<size_t>&)> fails_with =
          [&](const std::vector<size_t>& kept) { return fails(keep(kept)); };
      result.shrunk.timeline = keep(ShrinkList(free, fails_with));
      if (result.shrunk.timeline.size() == scenario.timeline.size()) {
        result.shrunk_result = result.failure;
      }
    }
  }
  result.wall_seconds = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - wall_start)
                            .count();
  return result;
}

std::string ToTraceEvents(const ScenarioResult& r) {
  json::array events;
  events.push_back(json::object{
      {"name", "process_name"},
      {"ph", "M"},
      {"pid", 1},
      {"args", {{"name", r.name + " seed " + std::to_string(r.seed)}}}});
  std::map<std::string, int> tracks;
  auto track = [&](const std::string& name) {
    auto [it, added] = tracks.emplace(name, int(tracks.size()) + 1);
    if (added) {
      events.push_back(json::object{{"name", "thread_name"},
                                    {"ph", "M"},
                                    {"pid", 1},
                                    {"tid", it->second},
                                    {"args", {{"name", name}}}});
    }
    return it->second;
  };
  for (const Event& e : r.events) {
    int64_t at_us =
        std::chrono::duration_cast<std::chrono::microseconds>(e.at).count();
    if (e.service == "lambda" && e.kind == "Invocation" &&
        e.detail.is_object()) {
      const json::object& d = e.detail.as_object();
      int64_t dur_us = 0;
      if (const json::value* v = d.if_contains("durationUs")) {
        dur_us = v->to_number<int64_t>();
      }
      std::string outcome =
          d.contains("outcome") ? std::string(d.at("outcome").as_string()) : "";
      events.push_back(
          json::object{{"name", e.resource + " " + outcome},
                       {"cat", "lambda"},
                       {"ph", "X"},
                       {"ts", std::max<int64_t>(0, at_us - dur_us)},
                       {"dur", dur_us},
                       {"pid", 1},
                       {"tid", track("λ " + e.resource)},
                       {"args", e.ToJson()}});
      continue;
    }
    std::string lane = e.service == "lambda" ? "λ " + e.resource : e.service;
    events.push_back(json::object{{"name", e.kind + " " + e.resource},
                                  {"cat", e.service},
                                  {"ph", "i"},
                                  {"s", "t"},
                                  {"ts", at_us},
                                  {"pid", 1},
                                  {"tid", track(lane)},
                                  {"args", e.ToJson()}});
  }
  return json::serialize(json::object{{"traceEvents", std::move(events)},
                                      {"displayTimeUnit", "ms"}}) +
         "\n";
}

}  // namespace fanlab::harness
