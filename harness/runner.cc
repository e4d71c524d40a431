#include "harness/runner.h"

#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "emulator/core/arn.h"
#include "emulator/core/common_errors.h"
#include "emulator/engine.h"
#include "emulator/sim/seeded_faults.h"
#include "emulator/transport/context.h"
#include "emulator/transport/http_client.h"
#include "harness/expect.h"
#include "harness/invariants.h"
#include "harness/json_match.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace json = boost::json;

std::vector<const ExpectationResult*> ScenarioResult::Failures() const {
  std::vector<const ExpectationResult*> out;
  for (const auto& e : expectations) {
    if (!e.passed) out.push_back(&e);
  }
  return out;
}

namespace {

class Run {
 public:
  Run(const Scenario& s, const RunOptions& options)
      : scenario_(s),
        seed_(options.seed.value_or(s.seed)),
        deterministic_(!options.real_time && s.virtual_clock &&
                       s.run.deterministic) {}

  ScenarioResult Go() {
    auto wall_start = std::chrono::steady_clock::now();
    result_.name = scenario_.name;
    result_.file = scenario_.file;
    result_.seed = seed_;
    if (Start()) {
      Setup();
      if (result_.status != ScenarioResult::Status::kError) {
        Replay();
        Judge();
      }
    }
    result_.wall_seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - wall_start)
                               .count();
    if (log_) {
      for (const Event& e : log_->events()) {
        if (e.service == "lambda" && e.kind == "Invocation" &&
            e.detail.as_object().at("outcome") != "throttle") {
          ++result_.invocations;  // the ones that ran
        }
      }
      result_.events = log_->Take();
    }
    result_.deterministic = deterministic_;
    if (engine_) {
      result_.rounds = engine_->rounds();
      result_.served = engine_->served();
      result_.fresh_graces = engine_->fresh_graces();
    }
    engine_.reset();  // ends the function processes
    return std::move(result_);
  }

 private:
  void Fail(const Origin& origin, std::string message) {
    result_.status = ScenarioResult::Status::kError;
    result_.errors.push_back(
        {scenario_.file, origin.mark, origin.path, std::move(message)});
  }

  bool Start() {
    EngineOptions options;
    options.virtual_clock = scenario_.virtual_clock;
    options.seed = seed_;
    // Message ids and receipt handles come from the queue service's own
    // generator: seeded too (differently, so that a message id never
    // repeats a request id), or the scenario's seed would not reach them.
    options.queue.seed = seed_ ^ 0x717565756573ULL;
    options.functions.kill_grace = std::chrono::milliseconds(100);
    options.deterministic = deterministic_;
    // Rounds stretch a run's wall time, and with it the real-time memory
    // samples: the first sample of a new process group is a pass over all
    // of /proc (every process of the machine), most of the /proc reads of
    // a short run at 100 ms. A second apart, the limit is still enforced
    // (a function past it is killed within a second; RLIMIT_AS holds at
    // once) and a run of a few hundred milliseconds makes none.
    if (deterministic_) {
      options.functions.memory_sample_period = std::chrono::seconds(1);
    }
    engine_ = std::make_unique<Engine>(options, context_);
    // Functions call the engine over its function socket (the C++ SDK,
    // and `fanlab` commands run by a function, through FANLAB_ENDPOINT):
    // a run binds no ZeroMQ endpoint and starts no ZeroMQ thread.
    if (auto socket = engine_->FunctionSocket(); !socket.ok()) {
      Fail({}, "cannot open the engine's function socket: " +
                   socket.status().ToString());
      return false;
    }
    auto http = engine_->BindHttp("127.0.0.1:0");
    if (!http.ok()) {
      Fail({}, "cannot start the HTTP front: " + http.status().ToString());
      return false;
    }
    base_url_ = *http;
    start_ = engine_->clock().Now();
    log_ = std::make_unique<EventLog>(engine_->clock(), start_);
    engine_->queue_observers().Add(log_.get());
    engine_->service_observers().Add(log_.get());
    log_->SetCallerSource([this] { return engine_->caller(); });
    engine_->functions().SetRecordCallback(
        [this](const compute::InvocationRecord& r) { log_->OnInvocation(r); });
    engine_->functions().SetAsyncNoteCallback(
        [this](const compute::AsyncNote& n) { log_->OnAsyncNote(n); });
    if (!scenario_.faults.empty()) StartFaults();
    return true;
  }

  // Each fault that fires is an event: which one, where, and the seed of
  // its stream.
  void StartFaults() {
    faults_ = std::make_unique<sim::SeededFaults>(scenario_.faults, seed_);
    faults_->SetFiredCallback([this](const sim::FiredFault& f) {
      json::object detail{{"fault", f.spec->label},
                          {"kind", sim::FaultKindName(f.spec->kind)},
                          {"site", f.site},
                          {"match", f.match},
                          {"seed", std::to_string(f.seed)}};
      if (!f.action.empty()) detail["action"] = f.action;
      if (!f.function.empty()) detail["function"] = f.function;
      log_->Add("sim", "FaultFired", f.resource,
                !f.request_id.empty() ? f.request_id : f.message_id,
                std::move(detail));
    });
    engine_->SetFaults(faults_.get());
  }

  // ${kind:NAME} and ${http} in every string of `v`.
  void Resolve(json::value& v) {
    if (v.is_object()) {
      for (auto& kv : v.as_object()) Resolve(kv.value());
    } else if (v.is_array()) {
      for (auto& e : v.as_array()) Resolve(e);
    } else if (v.is_string() &&
               v.as_string().find("${") != json::string::npos) {
      v = json::string(ResolveText(std::string(v.as_string())));
    }
  }
  std::string ResolveText(const std::string& s) {
    using Kind = Placeholder::Kind;
    std::string out;
    size_t done = 0;
    for (const Placeholder& p : FindPlaceholders(s)) {
      std::string value;
      switch (p.kind) {
        case Kind::kHttp:
          value = base_url_;
          break;
        case Kind::kQueueUrl:
          value = engine_->sqs().QueueUrl(p.name);
          break;
        case Kind::kQueueArn:
          value = engine_->sqs().QueueArn(p.name);
          break;
        case Kind::kTopicArn:
          value = TopicArn(engine_->account(), p.name);
          break;
        case Kind::kFunctionArn:
          value = FunctionArn(engine_->account(), p.name);
          break;
        case Kind::kSinkUrl:
          value = base_url_ + "/_sinks/" + p.name;
          break;
        case Kind::kStep:
          value = StepValue(p.name);
          break;
        case Kind::kIndex:  // filled in when the scenario was read
        case Kind::kUnknown:
        case Kind::kUnterminated:
          continue;
      }
      out.append(s, done, p.begin - done);
      out += value;
      done = p.end;
    }
    out.append(s, done);
    return out;
  }

  // "ID.json.PATH", "ID.body", "ID.status": from the answer of step ID
  // (empty while it has none). A string is inserted as it is, any other
  // JSON value serialized.
  std::string StepValue(const std::string& ref) {
    size_t dot = ref.find('.');
    auto it = responses_.find(ref.substr(0, dot));
    if (it == responses_.end() || dot == std::string::npos) return "";
    const StepResponse& r = it->second;
    std::string what = ref.substr(dot + 1);
    if (what == "body") return r.body;
    if (what == "status") return std::to_string(r.status);
    boost::system::error_code ec;
    json::value body = json::parse(r.body, ec);
    if (ec) return "";
    std::string path = what == "json" ? "$" : "$" + what.substr(4);
    auto selected = JsonSelect(body, path);
    if (!selected.ok() || selected->empty()) return "";
    const json::value& v = selected->front();
    return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  }

  void Setup() {
    for (const ActionCall& call : scenario_.setup) {
      json::value body = call.body;
      Resolve(body);
      bool answered = false;
      engine_->Dispatch(
          call.action, json::serialize(body), [&](api::ApiResponse reply) {
            answered = true;
            if (!reply.ok) {
              Fail(call.origin, call.action +
                                    " was refused: " + reply.error_type + ": " +
                                    MessageOf(reply.body));
            } else if (std::string failed = FailedEntries(reply.body);
                       !failed.empty()) {
              Fail(call.origin, call.action + " refused entries: " + failed);
            }
          });
      if (!answered) {
        Fail(call.origin, call.action + " did not answer during setup");
      }
      if (result_.status == ScenarioResult::Status::kError) return;
    }
    for (const auto& [name, range] : scenario_.virtual_durations) {
      (void)engine_->functions().SetVirtualDuration(name, range.first,
                                                    range.second);
    }
  }

  // The function's error type when `reply` is an Invoke answer with a
  // FunctionError ("TestError" from its payload, else "Unhandled").
  static std::string FunctionErrorOf(const std::string& reply) {
    boost::system::error_code ec;
    json::value v = json::parse(reply, ec);
    if (ec || !v.is_object()) return "";
    const json::object& o = v.as_object();
    const json::value* fe = o.if_contains("FunctionError");
    if (fe == nullptr || !fe->is_string()) return "";
    if (const json::value* payload = o.if_contains("Payload");
        payload != nullptr && payload->is_string()) {
      json::value p = json::parse(payload->as_string(), ec);
      if (!ec && p.is_object()) {
        if (const json::value* t = p.as_object().if_contains("errorType");
            t != nullptr && t->is_string() && !t->as_string().empty()) {
          return std::string(t->as_string());
        }
      }
    }
    return std::string(fe->as_string());
  }

  // PutTargets and the batch actions answer success with failed entries.
  static std::string FailedEntries(const std::string& body) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) return "";
    const json::object& o = v.as_object();
    const json::value* count = o.if_contains("FailedEntryCount");
    const json::value* entries = o.if_contains("FailedEntries");
    if (entries == nullptr) entries = o.if_contains("Failed");
    bool failed = (count != nullptr && count->is_number() &&
                   count->to_number<int64_t>() > 0) ||
                  (entries != nullptr && entries->is_array() &&
                   !entries->as_array().empty());
    return failed && entries != nullptr ? json::serialize(*entries)
           : failed                     ? body
                                        : "";
  }

  static std::string MessageOf(const std::string& body) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (!ec && v.is_object()) {
      for (const char* key : {"message", "Message"}) {
        if (const json::value* m = v.as_object().if_contains(key);
            m != nullptr && m->is_string()) {
          return std::string(m->as_string());
        }
      }
    }
    return body;
  }

  void Replay() {
    boost::asio::steady_timer guard(engine_->io());
    guard.expires_after(scenario_.run.wall_timeout);
    guard.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      wall_expired_ = true;
      engine_->Stop();
    });
    size_t index = 0;
    for (const Step& step : scenario_.timeline) {
      engine_->RunUntil(start_ + step.at);
      if (wall_expired_) break;
      Fire(step, index++);
    }
    if (!wall_expired_) {
      // `for`: that much virtual time, then the work it started finishes.
      if (scenario_.run.duration) {
        engine_->RunUntil(start_ + *scenario_.run.duration);
      }
      if (!wall_expired_) RunToQuiescence();
    }
    guard.cancel();
    result_.virtual_time = engine_->clock().Now() - start_;
    if (wall_expired_) {
      result_.status = ScenarioResult::Status::kFailed;
      result_.failure =
          "the run took longer than its wall-time guard (" +
          FormatDuration(scenario_.run.wall_timeout) + " real time) at " +
          FormatDuration(result_.virtual_time) + " of virtual time";
    }
  }

  // What keeps the run from being quiescent ("" when nothing does):
  // something running, queued or waiting, or a queue a mapping reads that
  // is not empty.
  std::string Busy() {
    auto& functions = engine_->functions();
    if (outstanding_ > 0) {
      return std::to_string(outstanding_) + " steps waiting for an answer";
    }
    if (functions.running() > 0) {
      return std::to_string(functions.running()) + " invocations running";
    }
    if (functions.pending_events() > 0) {
      return std::to_string(functions.pending_events()) +
             " Event invocations queued or waiting for a retry";
    }
    if (engine_->http_client().pending() > 0) {
      return std::to_string(engine_->http_client().pending()) +
             " outgoing HTTP calls";
    }
    for (const auto& m : engine_->mappings().List("", "")) {
      if (!m.enabled) continue;
      std::string name =
          m.event_source_arn.substr(m.event_source_arn.rfind(':') + 1);
      auto depth = engine_->sqs().Depth(name);
      if (depth.ok() &&
          depth->visible + depth->in_flight + depth->delayed > 0) {
        return "queue " + name + " (read by " + m.function_name + ") holds " +
               std::to_string(depth->visible) + " visible, " +
               std::to_string(depth->in_flight) + " in flight, " +
               std::to_string(depth->delayed) + " delayed";
      }
    }
    return "";
  }

  void RunToQuiescence() {
    const RunSpec& run = scenario_.run;
    Clock& clock = engine_->clock();
    TimePoint deadline = clock.Now() + run.max_virtual;
    Duration step =
        std::max<Duration>(run.settle / 10, std::chrono::milliseconds(1));
    TimePoint quiet_since = clock.Now();
    std::string busy;
    while (!wall_expired_) {
      TimePoint now = clock.Now();
      if (busy = Busy(); !busy.empty()) {
        quiet_since = now;
      } else {
        TimePoint since = std::max(quiet_since, log_->last());
        if (now - since >= run.settle) return;
      }
      if (now >= deadline) {
        result_.status = ScenarioResult::Status::kFailed;
        result_.failure =
            "not quiescent after " + FormatDuration(run.max_virtual) +
            " of virtual time past the last step or run.for (run.max)" +
            (busy.empty() ? std::string(": events kept coming") : ": " + busy);
        return;
      }
      engine_->RunUntil(std::min(deadline, now + step));
    }
  }

  std::string StepId(const Step& step, size_t index) const {
    return step.id.empty() ? "timeline[" + std::to_string(index) + "]"
                           : step.id;
  }

  void Fire(const Step& step, size_t index) {
    std::string id = StepId(step, index);
    switch (step.kind) {
      case Step::Kind::kAdvance:
        log_->Add("harness", "Step", id, "",
                  json::object{{"step", step.label}});
        return;
      case Step::Kind::kAction: {
        json::value body = step.call.body;
        Resolve(body);
        log_->Add(
            "harness", "Step", id, "",
            json::object{{"step", step.label}, {"action", step.call.action}});
        responses_[id];
        ++outstanding_;
        engine_->Dispatch(
            step.call.action, json::serialize(body),
            [this, id](api::ApiResponse reply) {
              --outstanding_;
              StepResponse& r = responses_[id];
              r.done = true;
              r.ok = reply.ok;
              r.status = reply.http_status;
              if (!reply.ok) {
                r.error = reply.error_type;
              } else if (std::string failed = FunctionErrorOf(reply.body);
                         !failed.empty()) {
                // An Invoke whose function failed.
                r.ok = false;
                r.error = failed;
              }
              r.body = std::move(reply.body);
              log_->Add("harness", "Response", id, "",
                        json::object{{"ok", reply.ok}, {"error", r.error}});
            });
        return;
      }
      case Step::Kind::kHttp: {
        transport::HttpCall call;
        call.method = step.http.method;
        call.url = base_url_ + ResolveText(step.http.path);
        for (const auto& [name, value] : step.http.headers) {
          call.headers.emplace_back(name, ResolveText(value));
        }
        call.body = ResolveText(step.http.body);
        call.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
            scenario_.run.wall_timeout);
        log_->Add("harness", "Step", id, "",
                  json::object{{"step", step.label}});
        responses_[id];
        ++outstanding_;
        engine_->http_client().Request(
            std::move(call), [this, id](Result<services::HttpResponse> answer) {
              --outstanding_;
              StepResponse& r = responses_[id];
              r.done = true;
              r.ok = answer.ok();
              if (answer.ok()) {
                r.status = answer->status;
                r.body = answer->body;
              } else {
                r.error = answer.status().message();
              }
              log_->Add("harness", "Response", id, "",
                        json::object{{"status", r.status}});
            });
        return;
      }
    }
  }

  void Judge() {
    EvalInput in{*engine_, log_->events(), responses_, start_};
    for (const Expectation& e : scenario_.expect) {
      ExpectationResult r = Evaluate(e, in);
      if (!r.passed && result_.status == ScenarioResult::Status::kPassed) {
        result_.status = ScenarioResult::Status::kFailed;
      }
      result_.expectations.push_back(std::move(r));
    }
    for (const InvariantSpec& i : scenario_.invariants) {
      ExpectationResult r = CheckInvariant(i, log_->events());
      if (!r.passed) {
        // The faults that fired explain most broken invariants.
        size_t listed = 0;
        for (const Event& e : log_->events()) {
          if (e.kind == "FaultFired" && listed++ < 8) {
            r.context.push_back(e.Summary());
          }
        }
        if (result_.status == ScenarioResult::Status::kPassed) {
          result_.status = ScenarioResult::Status::kFailed;
        }
      }
      result_.expectations.push_back(std::move(r));
    }
    if (!scenario_.expect_failure.empty() && result_.failure.empty()) {
      // A weak spot shown on purpose: breaking is the pass.
      if (result_.status == ScenarioResult::Status::kFailed) {
        result_.status = ScenarioResult::Status::kPassed;
        result_.failed_as_expected = true;
      } else if (result_.status == ScenarioResult::Status::kPassed) {
        result_.status = ScenarioResult::Status::kFailed;
        result_.failure = "expected to fail (" + scenario_.expect_failure +
                          "), but every expectation and invariant held";
      }
    }
  }

  const Scenario& scenario_;
  uint64_t seed_;
  bool deterministic_;
  ScenarioResult result_;
  transport::Context context_;
  // The log and the faults outlive the engine, which may still report
  // and consult them while it ends.
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<sim::SeededFaults> faults_;
  std::unique_ptr<Engine> engine_;
  std::string base_url_;
  TimePoint start_;
  std::map<std::string, StepResponse> responses_;
  int outstanding_ = 0;
  bool wall_expired_ = false;
};

}  // namespace

ScenarioResult RunScenario(const Scenario& scenario,
                           const RunOptions& options) {
  return Run(scenario, options).Go();
}

}  // namespace fanlab::harness
