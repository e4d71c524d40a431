#include "harness/event_log.h"

#include <boost/json.hpp>
#include <cstdio>

#include "harness/json_match.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

int64_t Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string_view OutcomeName(compute::InvocationRecord::Outcome o) {
  switch (o) {
    case compute::InvocationRecord::Outcome::kSuccess:
      return "success";
    case compute::InvocationRecord::Outcome::kError:
      return "error";
    case compute::InvocationRecord::Outcome::kTimeout:
      return "timeout";
    case compute::InvocationRecord::Outcome::kThrottle:
      return "throttle";
  }
  return "error";
}

}  // namespace

json::object Event::ToJson() const {
  json::object o{{"seq", seq},
                 {"atMs", Millis(at)},
                 {"service", service},
                 {"kind", kind},
                 {"resource", resource}};
  if (!key.empty()) o["key"] = key;
  if (!detail.is_null()) o["detail"] = detail;
  if (caller) {
    o["caller"] = json::object{{"function", caller->function},
                               {"requestId", caller->request_id}};
  }
  return o;
}

json::object Event::ToCompareJson(bool deterministic) const {
  json::object o = ToJson();
  if (deterministic) return o;
  // In real time the virtual clock follows the machine's: when a change
  // took effect is a wall time too.
  o.erase("atMs");
  if (service == "lambda" && kind == "Invocation" && o.contains("detail") &&
      o["detail"].is_object()) {
    o["detail"].as_object().erase("durationMs");
    o["detail"].as_object().erase("durationUs");
  }
  return o;
}

std::string Event::Summary() const {
  // Milliseconds, truncated as atMs is.
  const long long ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(at).count();
  char time[32];
  std::snprintf(time, sizeof time, "+%lld.%03llds", ms / 1000, ms % 1000);
  std::string out = std::string(time) + " " + service + " " + kind;
  if (!resource.empty()) out += " " + resource;
  if (!key.empty()) out += " " + key;
  if (!detail.is_null()) {
    out += " " + CutUtf8(json::serialize(detail), 160);
  }
  if (caller)
    out += " (by " + caller->function + " " + caller->request_id + ")";
  return out;
}

void EventLog::Add(std::string service, std::string kind, std::string resource,
                   std::string key, json::value detail) {
  AddAt(clock_.Now(), std::move(service), std::move(kind), std::move(resource),
        std::move(key), std::move(detail));
}

void EventLog::AddAt(TimePoint now, std::string service, std::string kind,
                     std::string resource, std::string key,
                     json::value detail) {
  if (now < start_) now = start_;
  last_ = std::max(last_, clock_.Now());
  events_.push_back(
      Event{.seq = events_.size() + 1,
            .at = now - start_,
            .service = std::move(service),
            .kind = std::move(kind),
            .resource = std::move(resource),
            .key = std::move(key),
            .detail = std::move(detail),
            .caller = caller_source_ ? caller_source_() : std::nullopt});
}

void EventLog::OnQueueEvent(const queue::QueueEvent& e) {
  json::object detail;
  if (!e.group_id.empty()) detail["group"] = e.group_id;
  if (e.sequence != 0) detail["sequence"] = e.sequence;
  if (e.receive_count != 0) detail["receiveCount"] = e.receive_count;
  if (e.count != 0) detail["count"] = e.count;
  if (!e.detail.empty()) detail["detail"] = e.detail;
  std::string kind(queue::QueueEventKindName(e.kind));
  AddAt(e.at, "sqs", std::move(kind), std::string(e.queue),
        std::string(e.message_id),
        detail.empty() ? json::value() : json::value(std::move(detail)));
}

void EventLog::OnServiceEvent(const services::ServiceEvent& e) {
  json::value detail;
  if (!e.detail.empty()) {
    boost::system::error_code ec;
    detail = json::parse(e.detail, ec);
    if (ec) detail = json::string(e.detail);
  }
  // Topics are named by ARN in the service; the log names every resource
  // by its name.
  std::string resource(e.resource);
  if (resource.starts_with("arn:")) {
    resource = resource.substr(resource.rfind(':') + 1);
  }
  AddAt(e.at, std::string(e.service), std::string(e.kind), std::move(resource),
        std::string(e.key), std::move(detail));
}

void EventLog::OnInvocation(const compute::InvocationRecord& r) {
  json::object detail{
      {"outcome", OutcomeName(r.outcome)},
      {"cold", r.cold},
      {"durationMs", Millis(r.duration)},
      {"durationUs",
       std::chrono::duration_cast<std::chrono::microseconds>(r.duration)
           .count()}};
  if (!r.error_type.empty()) detail["errorType"] = r.error_type;
  Add("lambda", "Invocation", r.function, r.request_id, std::move(detail));
}

void EventLog::OnAsyncNote(const compute::AsyncNote& n) {
  if (n.kind == compute::AsyncNote::Kind::kQueued) {
    Add("lambda", "EventQueued", n.function, n.request_id, json::value());
    return;
  }
  json::object detail{{"attempts", n.attempts}};
  if (!n.error_type.empty()) detail["errorType"] = n.error_type;
  std::string kind;
  if (n.kind == compute::AsyncNote::Kind::kRetryScheduled) {
    kind = "EventRetryScheduled";
    detail["retryAtMs"] = Millis(n.retry_at - start_);
  } else {
    kind = "EventDropped";
    detail["condition"] = n.condition;
    if (!n.destination.empty()) detail["destination"] = n.destination;
  }
  Add("lambda", std::move(kind), n.function, n.request_id, std::move(detail));
}

}  // namespace fanlab::harness
