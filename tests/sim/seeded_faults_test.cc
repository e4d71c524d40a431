#include "emulator/sim/seeded_faults.h"

#include <gtest/gtest.h>

#include <vector>

namespace fanlab::sim {
namespace {

FaultSpec Throttle(std::string action) {
  FaultSpec f;
  f.kind = FaultSpec::Kind::kThrottle;
  f.action = std::move(action);
  f.label = "faults[0]";
  return f;
}

CallSite Call(std::string_view action, std::string_view resource = "",
              std::string_view function = "") {
  return CallSite{.action = action,
                  .resource = resource,
                  .function = function,
                  .request_id = function.empty() ? "" : "r-1"};
}

TEST(GlobMatch, StarsQuestionMarksAndEmpty) {
  EXPECT_TRUE(GlobMatch("", "anything"));
  EXPECT_TRUE(GlobMatch("doparallel-*", "doparallel-42"));
  EXPECT_TRUE(GlobMatch("*-p?.fifo", "pipe-reduce--p1.fifo"));
  EXPECT_FALSE(GlobMatch("*-p?.fifo", "pipe-reduce.fifo"));
  EXPECT_FALSE(GlobMatch("jobs", "jobs2"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYY"));
}

TEST(SeededFaults, ThrottleAsTheServiceSpellsIt) {
  EXPECT_EQ(ThrottleErrorFor("Invoke").type, "TooManyRequestsException");
  EXPECT_EQ(ThrottleErrorFor("Invoke").http_status, 429);
  EXPECT_EQ(ThrottleErrorFor("PutItem").type,
            "ProvisionedThroughputExceededException");
  EXPECT_EQ(ThrottleErrorFor("SendMessage").type, "RequestThrottled");
  EXPECT_EQ(ThrottleErrorFor("Publish").http_status, 429);
  EXPECT_EQ(ErrorStatusFor("ServiceUnavailable"), 503);
  EXPECT_EQ(ErrorStatusFor("InternalError"), 500);
  SeededFaults faults({Throttle("Scan")}, 1);
  CallFault f = faults.OnCall(Call("Scan", "Schedules"));
  EXPECT_EQ(f.act, CallFault::Act::kFail);
  EXPECT_EQ(f.error_type, "ProvisionedThroughputExceededException");
  EXPECT_EQ(faults.OnCall(Call("Query")).act, CallFault::Act::kNone);
}

TEST(SeededFaults, NthFiresOnThatMatchOnlyAndIsReported) {
  FaultSpec f = Throttle("SendMessage");
  f.resource = "jobs-*";
  f.nth = 3;
  SeededFaults faults({f}, 7);
  std::vector<FiredFault> fired;
  faults.SetFiredCallback([&](const FiredFault& x) { fired.push_back(x); });
  std::vector<bool> hits;
  for (int i = 0; i < 5; ++i) {
    hits.push_back(faults.OnCall(Call("SendMessage", "jobs-1")).act !=
                   CallFault::Act::kNone);
    // Not a match: does not count.
    faults.OnCall(Call("SendMessage", "other"));
  }
  EXPECT_EQ(hits, (std::vector<bool>{false, false, true, false, false}));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].match, 3u);
  EXPECT_EQ(fired[0].resource, "jobs-1");
  EXPECT_NE(fired[0].seed, 0u);
}

TEST(SeededFaults, ProbabilityIsSeededAndEachFaultHasItsOwnStream) {
  auto draws = [](uint64_t seed, bool with_other) {
    std::vector<FaultSpec> specs;
    if (with_other) {
      FaultSpec other = Throttle("Query");
      other.probability = 0.5;
      specs.push_back(other);
    }
    FaultSpec f = Throttle("PutItem");
    f.probability = 0.3;
    specs.push_back(f);
    SeededFaults faults(specs, seed);
    std::vector<bool> out;
    for (int i = 0; i < 200; ++i) {
      if (with_other) faults.OnCall(Call("Query"));
      out.push_back(faults.OnCall(Call("PutItem")).act !=
                    CallFault::Act::kNone);
    }
    return out;
  };
  EXPECT_EQ(draws(42, false), draws(42, false));
  EXPECT_NE(draws(42, false), draws(43, false));
  int fired = 0;
  for (bool b : draws(42, false)) fired += b;
  EXPECT_GT(fired, 30);
  EXPECT_LT(fired, 90);
}

TEST(SeededFaults, TimesBoundsTheFires) {
  FaultSpec f = Throttle("*");
  f.times = 2;
  SeededFaults faults({f}, 1);
  int fired = 0;
  for (int i = 0; i < 10; ++i) {
    fired += faults.OnCall(Call("SendMessage")).act != CallFault::Act::kNone;
  }
  EXPECT_EQ(fired, 2);
  EXPECT_EQ(faults.fired(0), 2u);
}

TEST(SeededFaults, CrashAtACallNeedsACallerOfThatFunction) {
  FaultSpec f;
  f.kind = FaultSpec::Kind::kCrash;
  f.function = "reduce";
  f.action = "DeleteMessageBatch";
  f.when = FaultSpec::When::kAfter;
  SeededFaults faults({f}, 1);
  EXPECT_EQ(faults.OnCall(Call("DeleteMessageBatch", "q")).act,
            CallFault::Act::kNone);
  EXPECT_EQ(faults.OnCall(Call("DeleteMessageBatch", "q", "count")).act,
            CallFault::Act::kNone);
  CallFault hit = faults.OnCall(Call("DeleteMessageBatch", "q", "reduce"));
  EXPECT_EQ(hit.act, CallFault::Act::kCrash);
  EXPECT_EQ(hit.when, FaultSpec::When::kAfter);
  // Without an action: at the invocation's start instead.
  EXPECT_EQ(faults.OnInvocationStart("reduce", "r-2").act,
            InvocationFault::Act::kNone);
  f.action.clear();
  SeededFaults at_start({f}, 1);
  EXPECT_EQ(at_start.OnInvocationStart("reduce", "r-2").act,
            InvocationFault::Act::kCrash);
  EXPECT_EQ(at_start.OnInvocationStart("count", "r-3").act,
            InvocationFault::Act::kNone);
}

TEST(SeededFaults, DeliveriesDuplicateAtOnceOrLapseLater) {
  FaultSpec dup;
  dup.kind = FaultSpec::Kind::kDuplicate;
  dup.resource = "relay-*";
  FaultSpec lapse;
  lapse.kind = FaultSpec::Kind::kVisibilityLapse;
  lapse.resource = "jobs";
  lapse.delay = std::chrono::seconds(5);
  SeededFaults faults({dup, lapse}, 1);
  EXPECT_EQ(faults.OnDelivery("relay-r1", "m1"), Duration(0));
  EXPECT_EQ(faults.OnDelivery("jobs", "m2"), Duration(std::chrono::seconds(5)));
  EXPECT_FALSE(faults.OnDelivery("other", "m3").has_value());
  // A duplicate with action Invoke hits Event invocations only.
  FaultSpec event = dup;
  event.action = "Invoke";
  event.resource = "";
  SeededFaults invokes({event}, 1);
  CallSite sync = Call("Invoke", "f");
  EXPECT_EQ(invokes.OnCall(sync).act, CallFault::Act::kNone);
  sync.event_invoke = true;
  EXPECT_EQ(invokes.OnCall(sync).act, CallFault::Act::kDuplicate);
}

TEST(SeededFaults, ReorderDelaysWithinItsBound) {
  FaultSpec f;
  f.kind = FaultSpec::Kind::kReorder;
  f.delay = std::chrono::milliseconds(100);
  SeededFaults faults({f}, 9);
  bool varied = false;
  Duration first{-1};
  for (int i = 0; i < 20; ++i) {
    CallFault c = faults.OnCall(Call("SendMessage"));
    ASSERT_EQ(c.act, CallFault::Act::kDelay);
    EXPECT_LE(c.delay, std::chrono::milliseconds(100));
    EXPECT_GE(c.delay, Duration(0));
    if (first.count() >= 0 && c.delay != first) varied = true;
    first = c.delay;
  }
  EXPECT_TRUE(varied);
}

TEST(SeededFaults, TopicsDuplicateAndHttpTargetsGoDownOrSlow) {
  FaultSpec dup;
  dup.kind = FaultSpec::Kind::kDuplicate;
  dup.resource = "news";
  FaultSpec down;
  down.kind = FaultSpec::Kind::kDown;
  down.resource = "hook";
  FaultSpec slow;
  slow.kind = FaultSpec::Kind::kSlow;
  slow.resource = "/orders/*";
  slow.delay = std::chrono::seconds(2);
  SeededFaults faults({dup, down, slow}, 3);
  std::vector<std::string> sites;
  faults.SetFiredCallback(
      [&](const FiredFault& f) { sites.push_back(f.site); });
  EXPECT_TRUE(faults.OnNotification("news", "arn:sub", "m1"));
  EXPECT_FALSE(faults.OnNotification("other", "arn:sub", "m2"));
  EXPECT_EQ(faults
                .OnHttpRequest({.target = HttpSite::Target::kSink,
                                .resource = "hook",
                                .method = "POST",
                                .path = "/_sinks/hook"})
                .act,
            HttpFault::Act::kDown);
  HttpFault late = faults.OnHttpRequest({.target = HttpSite::Target::kRoute,
                                         .resource = "/orders/{id}",
                                         .method = "GET",
                                         .path = "/orders/7"});
  EXPECT_EQ(late.act, HttpFault::Act::kSlow);
  EXPECT_EQ(late.delay, std::chrono::seconds(2));
  // Neither hits API calls.
  EXPECT_EQ(faults.OnCall(Call("SendMessage", "hook")).act,
            CallFault::Act::kNone);
  EXPECT_EQ(sites, (std::vector<std::string>{"notification", "sink", "route"}));
}

}  // namespace
}  // namespace fanlab::sim
