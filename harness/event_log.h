// The event log of one run: every state change the emulator's observers
// saw (queues, functions, buckets, tables, topics, schedules, routes,
// sinks) plus the harness's own steps and their answers, in order, with
// the virtual time since the run started. Expectations read it; reports
// write it as JSON lines (`fanlab run --events`).
#ifndef FANLAB_HARNESS_EVENT_LOG_H_
#define FANLAB_HARNESS_EVENT_LOG_H_

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "emulator/compute/function_service.h"
#include "emulator/core/clock.h"
#include "emulator/queue/observer.h"
#include "emulator/services/service_observer.h"

namespace fanlab::harness {

struct Event {
  uint64_t seq = 0;           // 1, 2, ... in the order they happened
  Duration at{0};             // virtual time since the run started
  std::string service;        // sqs, lambda, s3, dynamodb, sns, events, http,
                              // harness
  std::string kind;           // MessageSent, Invocation, ObjectPut, Step, ...
  std::string resource;       // queue, function, bucket, ... name
  std::string key;            // message id, request id, object key, ...
  boost::json::value detail;  // an object (or null)
  // The invocation whose API call made the change (a function calling
  // SendMessage with its environment's credentials); nullopt for changes
  // made by anything else.
  std::optional<compute::Caller> caller;

  // {"seq","atMs","service","kind","resource","key","detail"}, plus
  // "caller": {"function","requestId"} when there is one.
  boost::json::object ToJson() const;
  // The comparison form (`fanlab run --events-compare`): ToJson() without
  // the fields a run cannot reproduce. A deterministic run reproduces
  // every field (its durations are virtual); a real-time run drops every
  // event's atMs and an Invocation's durationMs and durationUs (wall
  // times).
  boost::json::object ToCompareJson(bool deterministic) const;
  // "+12.500s sqs MessageSent jobs 5f0c…": one line for failure reports.
  std::string Summary() const;
};

class EventLog : public queue::QueueObserver, public services::ServiceObserver {
 public:
  // `clock` must outlive the log; times are measured from `start`.
  EventLog(Clock& clock, TimePoint start) : clock_(clock), start_(start) {}

  // Asked at every event for the invocation making the current API call
  // (Engine::caller()); unset, events have no caller.
  using CallerSource = std::function<std::optional<compute::Caller>()>;
  void SetCallerSource(CallerSource source) {
    caller_source_ = std::move(source);
  }

  void OnQueueEvent(const queue::QueueEvent& event) override;
  void OnServiceEvent(const services::ServiceEvent& event) override;
  void OnInvocation(const compute::InvocationRecord& record);
  // lambda EventRetryScheduled / EventDropped, keyed by the request id.
  void OnAsyncNote(const compute::AsyncNote& note);
  // At the clock's now, or at `at` (when the change took effect: a
  // visibility timeout noticed later is logged at its end).
  void Add(std::string service, std::string kind, std::string resource,
           std::string key, boost::json::value detail);
  void AddAt(TimePoint at, std::string service, std::string kind,
             std::string resource, std::string key, boost::json::value detail);

  const std::vector<Event>& events() const { return events_; }
  std::vector<Event> Take() { return std::move(events_); }
  TimePoint start() const { return start_; }
  // The time of the newest event (the start when there is none).
  TimePoint last() const { return last_; }

 private:
  Clock& clock_;
  TimePoint start_;
  TimePoint last_ = start_;
  std::vector<Event> events_;
  CallerSource caller_source_;
};

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_EVENT_LOG_H_
