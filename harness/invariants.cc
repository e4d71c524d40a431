#include "harness/invariants.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "emulator/sim/seeded_faults.h"
#include "harness/json_match.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

// At most this many events are listed under a failure.
constexpr size_t kMaxContext = 12;

const json::object* Detail(const Event& e) {
  return e.detail.is_object() ? &e.detail.as_object() : nullptr;
}

int64_t DetailInt(const Event& e, const char* key) {
  const json::object* d = Detail(e);
  if (d == nullptr) return 0;
  const json::value* v = d->if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<int64_t>() : 0;
}

std::string DetailStr(const Event& e, const char* key) {
  const json::object* d = Detail(e);
  if (d == nullptr) return "";
  const json::value* v = d->if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

bool IsQueueEvent(const Event& e, const std::string& pattern) {
  return e.service == "sqs" && sim::GlobMatch(pattern, e.resource);
}

// Collects the failure: the first problem is the `found`, every breaking
// event (up to kMaxContext) the context.
class Verdict {
 public:
  Verdict(const InvariantSpec& spec, std::string expected) {
    r_.kind = "invariant";
    r_.label = spec.label.empty() ? spec.name : spec.label;
    r_.origin = spec.origin;
    r_.expected = std::move(expected);
  }
  void Break(std::string what, std::vector<const Event*> events) {
    if (problems_++ == 0) r_.found = std::move(what);
    for (const Event* e : events) {
      if (e != nullptr && r_.context.size() < kMaxContext) {
        r_.context.push_back(e->Summary());
      }
    }
  }
  ExpectationResult Done() {
    r_.passed = problems_ == 0;
    if (problems_ > 1) {
      r_.found += " (and " + std::to_string(problems_ - 1) + " more)";
    }
    return std::move(r_);
  }

 private:
  ExpectationResult r_;
  size_t problems_ = 0;
};

// The ends of each invocation's attempts: request id -> its Invocation
// events in order (an Event invocation retried keeps its request id).
class Attempts {
 public:
  explicit Attempts(const std::vector<Event>& events) {
    for (const Event& e : events) {
      if (e.service == "lambda" && e.kind == "Invocation") {
        ends_[e.key].push_back(&e);
      }
    }
  }
  // The end of the attempt of `request_id` that was running at `e` (the
  // first to end after it); null when none ended.
  const Event* EndAfter(const std::string& request_id, const Event& e) const {
    auto it = ends_.find(request_id);
    if (it == ends_.end()) return nullptr;
    for (const Event* end : it->second) {
      if (end->seq > e.seq) return end;
    }
    return nullptr;
  }

 private:
  std::map<std::string, std::vector<const Event*>> ends_;
};

ExpectationResult NoMessageLost(const InvariantSpec& spec,
                                const std::vector<Event>& events) {
  const std::string& pattern = spec.queue;
  Verdict v(spec,
            "every message sent deleted after a successful handling, in a "
            "dead-letter queue, or still queued");
  Attempts attempts(events);
  struct Tracked {
    const Event* sent = nullptr;
    const Event* deleted = nullptr;  // by an invocation, judged at the end
    bool done = false;
  };
  // By message id (ids are unique across queues).
  std::map<std::string, Tracked> messages;
  for (const Event& e : events) {
    if (!IsQueueEvent(e, pattern)) continue;
    if (e.kind == "MessageSent") {
      messages[e.key].sent = &e;
      continue;
    }
    if (e.kind == "QueueDeleted" || e.kind == "QueuePurged") {
      for (auto& [id, m] : messages) {
        if (m.done || m.deleted != nullptr || m.sent->resource != e.resource) {
          continue;
        }
        m.done = true;
        v.Break("message " + id + " was still in queue " + e.resource +
                    " when it was " +
                    (e.kind == "QueueDeleted" ? "deleted" : "purged"),
                {m.sent, &e});
      }
      continue;
    }
    auto it = messages.find(e.key);
    if (it == messages.end() || it->second.done) continue;
    Tracked& m = it->second;
    if (e.kind == "MessageDeleted") {
      if (e.caller) {
        m.deleted = &e;
      } else {
        m.done = true;  // a mapping deletes only what succeeded
      }
    } else if (e.kind == "MessageMovedToDeadLetterQueue") {
      m.done = true;
    } else if (e.kind == "MessageExpired") {
      m.done = true;
      v.Break("message " + e.key + " expired in " + e.resource, {m.sent, &e});
    }
  }
  for (auto& [id, m] : messages) {
    if (m.done || m.deleted == nullptr) continue;
    const Event* del = m.deleted;
    const Event* end = attempts.EndAfter(del->caller->request_id, *del);
    if (end == nullptr) {
      v.Break("message " + id + " was deleted by " + del->caller->function +
                  " " + del->caller->request_id + ", which never finished",
              {m.sent, del});
      continue;
    }
    std::string outcome = DetailStr(*end, "outcome");
    if (outcome != "success") {
      v.Break("message " + id + " was deleted by " + del->caller->function +
                  " " + del->caller->request_id + ", which then ended in " +
                  outcome,
              {m.sent, del, end});
    }
  }
  return v.Done();
}

ExpectationResult NoDoubleHandling(const InvariantSpec& spec,
                                   const std::vector<Event>& events) {
  const std::string& pattern = spec.queue;
  Verdict v(spec,
            "no message received again while the invocation that received "
            "it before still runs");
  Attempts attempts(events);
  // Message id -> the receives made by invocations so far.
  std::map<std::string, std::vector<const Event*>> receives;
  for (const Event& e : events) {
    if (!IsQueueEvent(e, pattern) || e.kind != "MessageReceived") continue;
    std::vector<const Event*>& before = receives[e.key];
    for (const Event* r : before) {
      if (!r->caller) continue;
      if (e.caller && e.caller->request_id == r->caller->request_id) continue;
      const Event* end = attempts.EndAfter(r->caller->request_id, *r);
      if (end == nullptr || end->seq > e.seq) {
        v.Break("message " + e.key + " of " + e.resource +
                    " was received again while " + r->caller->function + " " +
                    r->caller->request_id + " still handled it",
                {r, &e, end});
        break;
      }
    }
    before.push_back(&e);
  }
  return v.Done();
}

ExpectationResult FifoOrder(const InvariantSpec& spec,
                            const std::vector<Event>& events) {
  const std::string& pattern = spec.queue;
  Verdict v(spec,
            "per FIFO message group, first receives and deletes in "
            "the order sent");
  // (queue, group) -> the last sequence first received / deleted.
  std::map<std::pair<std::string, std::string>, const Event*> received, deleted;
  std::map<std::string, std::set<std::string>> seen;  // queue -> ids
  for (const Event& e : events) {
    if (!IsQueueEvent(e, pattern)) continue;
    std::string group = DetailStr(e, "group");
    if (group.empty()) continue;
    auto key = std::make_pair(e.resource, group);
    auto* last = e.kind == "MessageReceived"  ? &received
                 : e.kind == "MessageDeleted" ? &deleted
                                              : nullptr;
    if (last == nullptr) continue;
    if (e.kind == "MessageReceived" && !seen[e.resource].insert(e.key).second) {
      continue;  // a redelivery: its place was taken at the first receive
    }
    const Event*& prev = (*last)[key];
    if (prev != nullptr &&
        DetailInt(*prev, "sequence") > DetailInt(e, "sequence")) {
      v.Break(
          std::string(e.kind == "MessageReceived" ? "received" : "deleted") +
              " message " + e.key + " of group " + group + " in " + e.resource +
              " after a later one",
          {prev, &e});
    }
    prev = &e;
  }
  return v.Done();
}

ExpectationResult DlqAccounting(const InvariantSpec& spec,
                                const std::vector<Event>& events) {
  const std::string& pattern = spec.queue;
  Verdict v(spec,
            "every message moved to a dead-letter queue arrives there, "
            "none after a successful delete");
  std::map<std::string, const Event*> moved;  // id -> the move out
  std::set<std::string> deleted;
  for (const Event& e : events) {
    if (e.service != "sqs") continue;
    if (e.kind == "MessageDeleted") deleted.insert(e.key);
    if (e.kind == "MessageMovedToDeadLetterQueue" &&
        sim::GlobMatch(pattern, e.resource)) {
      if (deleted.contains(e.key)) {
        v.Break("message " + e.key +
                    " reached a dead-letter queue after it "
                    "was deleted",
                {&e});
      }
      moved[e.key] = &e;
    } else if (e.kind == "MessageMovedFromSourceQueue") {
      moved.erase(e.key);
    }
  }
  for (const auto& [id, e] : moved) {
    v.Break("message " + id + " left " + e->resource +
                " for a dead-letter queue and never arrived",
            {e});
  }
  return v.Done();
}

ExpectationResult Unique(const InvariantSpec& spec,
                         const std::vector<Event>& events) {
  const std::string& by = spec.by;
  const EventSelector& select = spec.events;
  Verdict v(spec, "at most one event per " + by);
  std::map<std::string, const Event*> first;
  for (const Event& e : events) {
    if (select.service && e.service != *select.service) continue;
    if (select.kind && e.kind != *select.kind) continue;
    if (select.resource && !sim::GlobMatch(*select.resource, e.resource)) {
      continue;
    }
    json::value doc = e.ToJson();
    if (select.where && !JsonMatches(*select.where, doc)) continue;
    auto keys = JsonSelect(doc, by);
    if (!keys.ok()) {
      v.Break("a bad `by` path: " + keys.status().message(), {});
      break;
    }
    for (const json::value& k : *keys) {
      std::string key = json::serialize(k);
      auto [it, inserted] = first.emplace(key, &e);
      if (!inserted) {
        v.Break("two events with " + by + " = " + JsonShort(k, 80),
                {it->second, &e});
      }
    }
  }
  return v.Done();
}

ExpectationResult MaxConcurrency(const InvariantSpec& spec,
                                 const std::vector<Event>& events) {
  const std::string& pattern = spec.function;
  const int64_t max = spec.max;
  Verdict v(spec, "at most " + std::to_string(max) +
                      " invocations running at once" +
                      (pattern.empty() ? "" : " (" + pattern + ")"));
  // Each invocation spans [end - duration, end]; throttles never ran.
  struct Edge {
    Duration at;
    int delta;  // +1 start, -1 end
    const Event* e;
  };
  std::vector<Edge> edges;
  for (const Event& e : events) {
    if (e.service != "lambda" || e.kind != "Invocation" ||
        !sim::GlobMatch(pattern, e.resource) ||
        DetailStr(e, "outcome") == "throttle") {
      continue;
    }
    Duration took = std::chrono::microseconds(DetailInt(e, "durationUs"));
    edges.push_back({e.at - took, +1, &e});
    edges.push_back({e.at, -1, &e});
  }
  // Ends before starts at one instant: back to back is not at once.
  std::stable_sort(edges.begin(), edges.end(),
                   [](const Edge& a, const Edge& b) {
                     return a.at != b.at ? a.at < b.at : a.delta < b.delta;
                   });
  int64_t running = 0;
  std::vector<const Event*> open;
  for (const Edge& edge : edges) {
    running += edge.delta;
    if (edge.delta < 0) {
      open.erase(std::remove(open.begin(), open.end(), edge.e), open.end());
      continue;
    }
    open.push_back(edge.e);
    if (running > max) {
      v.Break(std::to_string(running) + " invocations running at once at " +
                  FormatDuration(edge.at),
              open);
      break;
    }
  }
  return v.Done();
}

ExpectationResult EventInvocationsEnd(const InvariantSpec& spec,
                                      const std::vector<Event>& events) {
  const std::string& pattern = spec.function;
  Verdict v(spec,
            "every Event invocation ends: in success, or given up on with a "
            "logged drop (and its destination told)");
  // Request id -> the event's acceptance and the last word on it.
  struct Fate {
    const Event* queued = nullptr;
    const Event* last = nullptr;
  };
  std::map<std::string, Fate> fates;
  std::vector<std::string> order;  // request ids, as accepted
  for (const Event& e : events) {
    if (e.service != "lambda" || !sim::GlobMatch(pattern, e.resource)) {
      continue;
    }
    if (e.kind == "EventQueued") {
      fates[e.key].queued = &e;
      order.push_back(e.key);
      continue;
    }
    auto it = fates.find(e.key);
    if (it == fates.end()) continue;  // not an Event invocation
    if (e.kind == "Invocation" || e.kind == "EventRetryScheduled" ||
        e.kind == "EventDropped") {
      it->second.last = &e;
    }
  }
  for (const std::string& id : order) {
    const Fate& f = fates[id];
    const Event* last = f.last;
    const std::string function = f.queued->resource;
    if (last == nullptr) {
      v.Break("Event invocation " + id + " of " + function +
                  " never ran by the end of the run",
              {f.queued});
    } else if (last->kind == "EventRetryScheduled") {
      v.Break("Event invocation " + id + " of " + function +
                  " was still waiting for a retry at the end of the run",
              {f.queued, last});
    } else if (last->kind == "Invocation") {
      std::string outcome = DetailStr(*last, "outcome");
      if (outcome != "success") {
        v.Break("Event invocation " + id + " of " + function + " ended in " +
                    outcome + " with no retry and no drop logged",
                {f.queued, last});
      }
    }
  }
  return v.Done();
}

}  // namespace

const std::vector<InvariantInfo>& BuiltinInvariants() {
  static const std::vector<InvariantInfo> all = {
      {"no-message-lost",
       "every message sent is deleted after a successful handling, moved to "
       "a dead-letter queue, or still queued",
       {"queue"},
       {}},
      {"no-double-handling",
       "no message is received again while the invocation that received it "
       "still runs",
       {"queue"},
       {}},
      {"fifo-order",
       "per FIFO group, first receives and deletes follow the send order",
       {"queue"},
       {}},
      {"dlq-accounting",
       "every message moved to a dead-letter queue arrives there; none after "
       "a successful delete",
       {"queue"},
       {}},
      {"unique",
       "no two events of the selector share the key `by` selects",
       {"service", "kind", "resource", "where", "by"},
       {"by"}},
      {"max-concurrency",
       "never more than `max` invocations (of `function`) at once",
       {"function", "max"},
       {"max"}},
      {"event-invocations-end",
       "every Event invocation (of `function`) ends in success or in a "
       "logged drop",
       {"function"},
       {}},
  };
  return all;
}

const InvariantInfo* FindInvariant(std::string_view name) {
  for (const InvariantInfo& info : BuiltinInvariants()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

ExpectationResult CheckInvariant(const InvariantSpec& spec,
                                 const std::vector<Event>& events) {
  if (spec.name == "no-message-lost") return NoMessageLost(spec, events);
  if (spec.name == "no-double-handling") return NoDoubleHandling(spec, events);
  if (spec.name == "fifo-order") return FifoOrder(spec, events);
  if (spec.name == "dlq-accounting") return DlqAccounting(spec, events);
  if (spec.name == "unique") return Unique(spec, events);
  if (spec.name == "max-concurrency") return MaxConcurrency(spec, events);
  if (spec.name == "event-invocations-end") {
    return EventInvocationsEnd(spec, events);
  }
  Verdict v(spec, "a built-in invariant");
  v.Break("no invariant named \"" + spec.name + "\"", {});
  return v.Done();
}

}  // namespace fanlab::harness
