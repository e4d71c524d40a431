#include "harness/invariants.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace fanlab::harness {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

// Builds a log by hand, one event at a time, each a millisecond later.
class Log {
 public:
  Log& Add(std::string service, std::string kind, std::string resource,
           std::string key, json::value detail = nullptr,
           std::optional<compute::Caller> caller = std::nullopt) {
    Event e;
    e.seq = events_.size() + 1;
    e.at = std::chrono::milliseconds(e.seq);
    e.service = std::move(service);
    e.kind = std::move(kind);
    e.resource = std::move(resource);
    e.key = std::move(key);
    e.detail = std::move(detail);
    e.caller = std::move(caller);
    events_.push_back(std::move(e));
    return *this;
  }
  Log& Invocation(std::string function, std::string id, std::string outcome,
                  int64_t duration_us = 1000) {
    return Add("lambda", "Invocation", std::move(function), std::move(id),
               json::object{{"outcome", outcome}, {"durationUs", duration_us}});
  }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
};

compute::Caller By(std::string function, std::string id) {
  return compute::Caller{std::move(function), 1, std::move(id)};
}

InvariantSpec Named(std::string name) {
  return InvariantSpec{.name = std::move(name)};
}

TEST(Invariants, NoMessageLostPassesDeletedQueuedOrDeadLettered) {
  Log log;
  log.Add("sqs", "MessageSent", "jobs", "m1")
      .Add("sqs", "MessageSent", "jobs", "m2")
      .Add("sqs", "MessageSent", "jobs", "m3")
      .Add("sqs", "MessageDeleted", "jobs", "m1", nullptr, By("w", "r1"))
      .Invocation("w", "r1", "success")
      .Add("sqs", "MessageMovedToDeadLetterQueue", "jobs", "m2");
  ExpectationResult r = CheckInvariant(Named("no-message-lost"), log.events());
  EXPECT_TRUE(r.passed) << r.found;
  EXPECT_EQ(r.kind, "invariant");
  EXPECT_EQ(r.label, "no-message-lost");
}

TEST(Invariants, NoMessageLostNamesADeleteByAFailedAttempt) {
  Log log;
  log.Add("sqs", "MessageSent", "pipe-a", "m1")
      .Add("sqs", "MessageDeleted", "pipe-a", "m1", nullptr, By("w", "r1"))
      .Invocation("w", "r1", "error")
      // Its retry (same request id) succeeds: the message is still lost.
      .Invocation("w", "r1", "success");
  ExpectationResult r = CheckInvariant(Named("no-message-lost"), log.events());
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.found, HasSubstr("message m1 was deleted by w r1, which then "
                                 "ended in error"));
  EXPECT_EQ(r.context.size(), 3u);
  // Only the queues asked about.
  EXPECT_TRUE(CheckInvariant(
                  InvariantSpec{.name = "no-message-lost", .queue = "other-*"},
                  log.events())
                  .passed);
}

TEST(Invariants, NoMessageLostCatchesADeletedQueueAndExpiry) {
  Log log;
  log.Add("sqs", "MessageSent", "job-1", "m1")
      .Add("sqs", "MessageSent", "job-1", "m2")
      .Add("sqs", "MessageDeleted", "job-1", "m1")
      .Add("sqs", "QueueDeleted", "job-1", "")
      .Add("sqs", "MessageSent", "q", "m3")
      .Add("sqs", "MessageExpired", "q", "m3");
  ExpectationResult r = CheckInvariant(Named("no-message-lost"), log.events());
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.found, HasSubstr("m2 was still in queue job-1"));
  EXPECT_THAT(r.found, HasSubstr("(and 1 more)"));
}

TEST(Invariants, NoDoubleHandlingWhileTheFirstConsumerRuns) {
  Log log;
  log.Add("sqs", "MessageReceived", "q", "m1", nullptr, By("w", "r1"))
      .Add("sqs", "MessageReceived", "q", "m1", nullptr, By("w", "r2"))
      .Invocation("w", "r1", "success")
      .Invocation("w", "r2", "success");
  ExpectationResult r =
      CheckInvariant(Named("no-double-handling"), log.events());
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.found, HasSubstr("received again while w r1 still handled"));
  Log later;
  later.Add("sqs", "MessageReceived", "q", "m1", nullptr, By("w", "r1"))
      .Invocation("w", "r1", "error")
      .Add("sqs", "MessageReceived", "q", "m1", nullptr, By("w", "r2"))
      .Invocation("w", "r2", "success");
  EXPECT_TRUE(
      CheckInvariant(Named("no-double-handling"), later.events()).passed);
}

TEST(Invariants, FifoOrderPerGroup) {
  auto msg = [](const char* group, int seq) {
    return json::object{{"group", group}, {"sequence", seq}};
  };
  Log good;
  good.Add("sqs", "MessageReceived", "q.fifo", "a", msg("g1", 1))
      .Add("sqs", "MessageReceived", "q.fifo", "x", msg("g2", 5))
      .Add("sqs", "MessageReceived", "q.fifo", "b", msg("g1", 2))
      .Add("sqs", "MessageReceived", "q.fifo", "a", msg("g1", 1))  // again
      .Add("sqs", "MessageDeleted", "q.fifo", "a", msg("g1", 1))
      .Add("sqs", "MessageDeleted", "q.fifo", "b", msg("g1", 2));
  EXPECT_TRUE(CheckInvariant(Named("fifo-order"), good.events()).passed);
  Log bad;
  bad.Add("sqs", "MessageDeleted", "q.fifo", "b", msg("g1", 2))
      .Add("sqs", "MessageDeleted", "q.fifo", "a", msg("g1", 1));
  ExpectationResult r = CheckInvariant(Named("fifo-order"), bad.events());
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.found, HasSubstr("deleted message a of group g1"));
}

TEST(Invariants, DlqAccounting) {
  Log log;
  log.Add("sqs", "MessageMovedToDeadLetterQueue", "jobs", "m1")
      .Add("sqs", "MessageMovedFromSourceQueue", "dlq", "m1");
  EXPECT_TRUE(CheckInvariant(Named("dlq-accounting"), log.events()).passed);
  log.Add("sqs", "MessageMovedToDeadLetterQueue", "jobs", "m2");
  ExpectationResult r = CheckInvariant(Named("dlq-accounting"), log.events());
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.found, HasSubstr("never arrived"));
}

TEST(Invariants, UniqueOverAnySelector) {
  Log log;
  log.Add("http", "SinkRequest", "cb", "1", json::object{{"job", "j1"}})
      .Add("http", "SinkRequest", "cb", "2", json::object{{"job", "j2"}})
      .Add("http", "SinkRequest", "other", "3", json::object{{"job", "j1"}});
  InvariantSpec per_job = Named("unique");
  per_job.events.service = "http";
  per_job.events.resource = "cb";
  per_job.by = "$.detail.job";
  EXPECT_TRUE(CheckInvariant(per_job, log.events()).passed);
  log.Add("http", "SinkRequest", "cb", "4", json::object{{"job", "j1"}});
  ExpectationResult r = CheckInvariant(per_job, log.events());
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.found, HasSubstr("two events with $.detail.job = \"j1\""));
  EXPECT_EQ(r.context.size(), 2u);
}

TEST(Invariants, MaxConcurrencyFromEachInvocationsSpan) {
  Log log;
  // Ends at 1, 2, 3 ms; each took 5 ms: all three overlap.
  log.Invocation("task", "a", "success", 5000)
      .Invocation("task", "b", "success", 5000)
      .Invocation("task", "c", "success", 5000)
      .Invocation("other", "d", "throttle", 5000);
  EXPECT_TRUE(CheckInvariant(InvariantSpec{.name = "max-concurrency", .max = 3},
                             log.events())
                  .passed);
  ExpectationResult r = CheckInvariant(
      InvariantSpec{.name = "max-concurrency", .function = "task", .max = 2},
      log.events());
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.found, HasSubstr("3 invocations running at once"));
  // Back to back is not at once.
  Log serial;
  serial.Invocation("task", "a", "success", 1000)
      .Invocation("task", "b", "success", 1000);
  EXPECT_TRUE(CheckInvariant(InvariantSpec{.name = "max-concurrency", .max = 1},
                             serial.events())
                  .passed);
}

TEST(Invariants, EveryEventInvocationEndsInSuccessOrALoggedDrop) {
  Log log;
  log.Add("lambda", "EventQueued", "ok", "r1")
      .Invocation("ok", "r1", "success")
      .Add("lambda", "EventQueued", "flaky", "r2")
      .Invocation("flaky", "r2", "error")
      .Add("lambda", "EventRetryScheduled", "flaky", "r2")
      .Invocation("flaky", "r2", "error")
      .Add("lambda", "EventDropped", "flaky", "r2")
      .Invocation("sync", "r3", "error");  // not an Event invocation
  EXPECT_TRUE(
      CheckInvariant(Named("event-invocations-end"), log.events()).passed);

  log.Add("lambda", "EventQueued", "late", "r4")
      .Invocation("late", "r4", "error")
      .Add("lambda", "EventRetryScheduled", "late", "r4")
      .Add("lambda", "EventQueued", "never", "r5")
      .Add("lambda", "EventQueued", "silent", "r6")
      .Invocation("silent", "r6", "timeout");
  ExpectationResult r =
      CheckInvariant(Named("event-invocations-end"), log.events());
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.found, HasSubstr("r4 of late was still waiting for a retry"));
  EXPECT_THAT(r.found, HasSubstr("(and 2 more)"));
  EXPECT_TRUE(CheckInvariant(InvariantSpec{.name = "event-invocations-end",
                                           .function = "ok"},
                             log.events())
                  .passed);
}

}  // namespace
}  // namespace fanlab::harness
