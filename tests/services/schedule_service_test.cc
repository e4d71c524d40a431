// ScheduleService (emulator/services/schedule_service.h) on a VirtualClock:
// fires counted exactly over virtual days, the Scheduled Event's shape,
// Input and InputPath, rate phases, enable/disable, one timer per enabled
// rule, delivery failures and re-entrant deliveries, every action's
// validation and error, the observer's events and the harness's view.
#include "emulator/services/schedule_service.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "emulator/services/events_errors.h"
#include "emulator/services/schedule_expression.h"

namespace fanlab::services {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr const char* kFunctionArn =
    "arn:aws:lambda:us-east-1:000000000000:function:";
constexpr const char* kQueueArn = "arn:aws:sqs:us-east-1:000000000000:";

struct Delivered {
  std::string target_id;
  TargetKind kind;
  std::string resource;
  std::string payload;
  TimePoint at;
};

struct Recorded {
  std::string kind, resource, key, detail;
  TimePoint at;
};

class RecordingObserver : public ServiceObserver {
 public:
  void OnServiceEvent(const ServiceEvent& e) override {
    EXPECT_EQ(e.service, "events");
    events.push_back({std::string(e.kind), std::string(e.resource),
                      std::string(e.key), std::string(e.detail), e.at});
  }
  std::vector<std::string> Kinds() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.kind);
    return out;
  }
  std::vector<Recorded> events;
};

class ScheduleServiceTest : public ::testing::Test {
 protected:
  ScheduleServiceTest() {
    service_.SetDelivery([this](const Target& t, const std::string& payload) {
      delivered_.push_back({t.id, t.kind, t.resource, payload, clock_.Now()});
      if (refuse_.count(t.id) != 0) {
        return Status(events::kResourceNotFoundException,
                      "Function not found: " + t.resource);
      }
      return Status::Ok();
    });
    service_.SetObserver(&observer_);
  }

  void Put(const std::string& name, const std::string& expression,
           std::optional<std::string> state = std::nullopt) {
    PutRuleRequest req;
    req.name = name;
    req.schedule_expression = expression;
    req.state = std::move(state);
    auto arn = service_.PutRule(req);
    ASSERT_TRUE(arn.ok()) << arn.status().ToString();
    EXPECT_EQ(*arn, "arn:aws:events:us-east-1:000000000000:rule/" + name);
  }

  static Target Function(const std::string& id, const std::string& name) {
    Target t;
    t.id = id;
    t.arn = kFunctionArn + name;
    return t;
  }
  static Target Queue(const std::string& id, const std::string& name) {
    Target t;
    t.id = id;
    t.arn = kQueueArn + name;
    return t;
  }

  // Puts targets that must all be accepted.
  void PutTargets(const std::string& rule, std::vector<Target> targets) {
    auto r = service_.PutTargets({rule, "", std::move(targets)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->failed.empty()) << r->failed[0].error_message;
  }

  // The failed entries of a PutTargets call that must itself succeed.
  std::vector<FailedTargetEntry> PutTargetsFailing(const std::string& rule,
                                                   std::vector<Target> t) {
    auto r = service_.PutTargets({rule, "", std::move(t)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->failed : std::vector<FailedTargetEntry>{};
  }

  RuleInfo Info(const std::string& name) {
    auto r = service_.Rule(name);
    EXPECT_TRUE(r.has_value()) << name;
    return r.value_or(RuleInfo{});
  }

  static json::object Parse(const std::string& text) {
    return json::parse(text).as_object();
  }

  const TimePoint start_ = VirtualClock::kDefaultStart;
  VirtualClock clock_;
  IdGenerator ids_{42};
  ScheduleService service_{clock_, ids_};
  RecordingObserver observer_;
  std::vector<Delivered> delivered_;
  std::set<std::string> refuse_;
};

// --- Firing ------------------------------------------------------------------

// The feature's done-when: a cron(0/1 * * * ? *) rule targeting a function
// fires exactly 1,440 times over 24 virtual hours.
TEST_F(ScheduleServiceTest, EveryMinuteFiresExactly1440TimesInADay) {
  service_.SetObserver(nullptr);  // the engine's hot path has no observer
  Put("tick", "cron(0/1 * * * ? *)");
  PutTargets("tick", {Function("scheduler", "scheduler")});

  auto wall = std::chrono::steady_clock::now();
  clock_.AdvanceTo(start_ + hours(24));
  auto elapsed = std::chrono::steady_clock::now() - wall;

  ASSERT_EQ(delivered_.size(), 1440u);
  EXPECT_EQ(service_.Totals().fires, 1440u);
  EXPECT_EQ(service_.Totals().deliveries, 1440u);
  EXPECT_EQ(service_.Totals().delivery_failures, 0u);
  for (size_t i = 0; i < delivered_.size(); ++i) {
    // Each fire at its own minute, 00:01 through the next day's 00:00.
    ASSERT_EQ(delivered_[i].at, start_ + minutes(i + 1)) << i;
    ASSERT_EQ(delivered_[i].kind, TargetKind::kFunction);
    ASSERT_EQ(delivered_[i].resource, "scheduler");
  }
  EXPECT_EQ(
      std::string(Parse(delivered_.back().payload).at("time").as_string()),
      "2026-01-02T00:00:00Z");
  RuleInfo info = Info("tick");
  EXPECT_EQ(info.fire_count, 1440u);
  EXPECT_EQ(info.last_fire, start_ + hours(24));
  EXPECT_EQ(info.next_fire, start_ + hours(24) + minutes(1));
  EXPECT_EQ(clock_.PendingTimers(), 1u);

  double ms = std::chrono::duration<double, std::milli>(elapsed).count();
  RecordProperty("wall_ms_for_1440_fires", std::to_string(ms));
  std::cout << "[ info ] 1,440 fires in " << ms << " ms wall ("
            << ms * 1000 / 1440 << " us per fire)\n";
}

// The engine drives the clock timer by timer when quiescent.
TEST_F(ScheduleServiceTest, AdvancingTimerByTimerGivesTheSameDay) {
  Put("tick", "cron(* * * * ? *)");
  PutTargets("tick", {Function("f", "f")});
  int steps = 0;
  while (clock_.NextDeadline() &&
         *clock_.NextDeadline() <= start_ + hours(24)) {
    ASSERT_TRUE(clock_.AdvanceToNextTimer());
    ++steps;
  }
  EXPECT_EQ(steps, 1440);
  EXPECT_EQ(delivered_.size(), 1440u);
}

TEST_F(ScheduleServiceTest, DeliversTheScheduledEventShape) {
  Put("nightly", "cron(30 2 * * ? *)");
  PutTargets("nightly", {Function("fn", "report"), Queue("q", "jobs")});
  clock_.AdvanceTo(start_ + hours(3));
  ASSERT_EQ(delivered_.size(), 2u);
  EXPECT_EQ(delivered_[0].target_id, "fn");
  EXPECT_EQ(delivered_[1].target_id, "q");
  EXPECT_EQ(delivered_[1].kind, TargetKind::kQueue);
  EXPECT_EQ(delivered_[1].resource, "jobs");
  // Both targets get the same event, id included.
  EXPECT_EQ(delivered_[0].payload, delivered_[1].payload);

  json::object e = Parse(delivered_[0].payload);
  EXPECT_EQ(e.size(), 9u);
  EXPECT_EQ(e.at("version"), "0");
  std::string id(e.at("id").as_string());
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');  // a version-4 UUID
  EXPECT_EQ(e.at("detail-type"), "Scheduled Event");
  EXPECT_EQ(e.at("source"), "aws.events");
  EXPECT_EQ(e.at("account"), "000000000000");
  EXPECT_EQ(e.at("time"), "2026-01-01T02:30:00Z");
  EXPECT_EQ(e.at("region"), "us-east-1");
  EXPECT_EQ(e.at("resources"),
            json::array{"arn:aws:events:us-east-1:000000000000:rule/nightly"});
  EXPECT_EQ(e.at("detail"), json::object{});
  // Keys in AWS's order.
  EXPECT_TRUE(delivered_[0].payload.starts_with(
      R"({"version":"0","id":")" + id +
      R"(","detail-type":"Scheduled Event","source":"aws.events",)"));
}

TEST_F(ScheduleServiceTest, EachFireHasANewEventIdAndSeedsReplay) {
  Put("tick", "rate(1 minute)");
  PutTargets("tick", {Function("f", "f")});
  clock_.AdvanceTo(start_ + minutes(3));
  ASSERT_EQ(delivered_.size(), 3u);
  std::set<std::string> ids;
  for (const auto& d : delivered_) {
    ids.insert(std::string(Parse(d.payload).at("id").as_string()));
  }
  EXPECT_EQ(ids.size(), 3u);

  // The same seed replays the same ids.
  VirtualClock clock2;
  IdGenerator ids2{42};
  std::vector<std::string> payloads;
  ScheduleService other(clock2, ids2, {},
                        [&](const Target&, const std::string& p) {
                          payloads.push_back(p);
                          return Status::Ok();
                        });
  PutRuleRequest req{.name = "tick", .schedule_expression = "rate(1 minute)"};
  ASSERT_TRUE(other.PutRule(req).ok());
  ASSERT_TRUE(other.PutTargets({"tick", "", {Function("f", "f")}}).ok());
  clock2.AdvanceTo(start_ + minutes(3));
  ASSERT_EQ(payloads.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(payloads[i], delivered_[i].payload);
}

TEST_F(ScheduleServiceTest, CronFiresOnTheCalendarWhateverItsStart) {
  clock_.AdvanceTo(start_ + seconds(30));
  Put("quarter", "cron(0/15 * * * ? *)");
  PutTargets("quarter", {Function("f", "f")});
  clock_.AdvanceTo(start_ + hours(1));
  ASSERT_EQ(delivered_.size(), 4u);
  EXPECT_EQ(delivered_[0].at, start_ + minutes(15));
  EXPECT_EQ(delivered_[3].at, start_ + hours(1));
}

TEST_F(ScheduleServiceTest, RateFiresOnePeriodAfterCreationThenEveryPeriod) {
  clock_.AdvanceTo(start_ + seconds(30));
  Put("five", "rate(5 minutes)");
  PutTargets("five", {Function("f", "f")});
  EXPECT_EQ(Info("five").next_fire, start_ + seconds(30) + minutes(5));
  clock_.AdvanceTo(start_ + hours(1));
  ASSERT_EQ(delivered_.size(), 11u);  // 00:05:30 ... 00:55:30
  EXPECT_EQ(delivered_[0].at, start_ + minutes(5) + seconds(30));
  EXPECT_EQ(Parse(delivered_[0].payload).at("time"), "2026-01-01T00:05:30Z");
  EXPECT_EQ(delivered_[10].at, start_ + minutes(55) + seconds(30));
}

TEST_F(ScheduleServiceTest, RatesOfHoursAndDays) {
  Put("hourly", "rate(1 hour)");
  Put("daily", "rate(1 day)");
  PutTargets("hourly", {Function("h", "h")});
  PutTargets("daily", {Function("d", "d")});
  clock_.AdvanceTo(start_ + hours(72));
  EXPECT_EQ(Info("hourly").fire_count, 72u);
  EXPECT_EQ(Info("daily").fire_count, 3u);
  EXPECT_EQ(clock_.PendingTimers(), 2u);
}

TEST_F(ScheduleServiceTest, ARuleWithoutTargetsStillFires) {
  Put("empty", "rate(1 minute)");
  clock_.AdvanceTo(start_ + minutes(2));
  EXPECT_EQ(Info("empty").fire_count, 2u);
  EXPECT_TRUE(delivered_.empty());
  EXPECT_EQ(service_.Totals().fires, 2u);
}

TEST_F(ScheduleServiceTest, ACronPastItsLastYearDisarms) {
  Put("once", "cron(0 0 1 1 ? 2026)");
  // 2026-01-01T00:00 is now, not after it: the next 1 Jan 2026 never comes.
  EXPECT_FALSE(Info("once").next_fire.has_value());
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  Put("later", "cron(0 12 1 1 ? 2026)");
  PutTargets("later", {Function("f", "f")});
  clock_.AdvanceTo(start_ + hours(13));
  EXPECT_EQ(delivered_.size(), 1u);
  EXPECT_FALSE(Info("later").next_fire.has_value());
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

// --- Input and InputPath ----------------------------------------------------

TEST_F(ScheduleServiceTest, InputReplacesTheEventAndInputPathSelects) {
  Put("r", "cron(* * * * ? *)");
  Target constant = Function("constant", "f");
  constant.input = R"({"job":"cleanup","n":3})";
  Target detail = Function("detail", "f");
  detail.input_path = "$.detail";
  Target time = Queue("time", "q");
  time.input_path = "$.time";
  Target resource = Queue("resource", "q");
  resource.input_path = "$.resources[0]";
  Target whole = Function("whole", "f");
  whole.input_path = "$";
  PutTargets("r", {constant, detail, time, resource, whole});
  clock_.AdvanceTo(start_ + minutes(1));
  ASSERT_EQ(delivered_.size(), 5u);
  EXPECT_EQ(delivered_[0].payload, R"({"job":"cleanup","n":3})");
  EXPECT_EQ(delivered_[1].payload, "{}");
  EXPECT_EQ(delivered_[2].payload, R"("2026-01-01T00:01:00Z")");
  EXPECT_EQ(delivered_[3].payload,
            R"("arn:aws:events:us-east-1:000000000000:rule/r")");
  EXPECT_EQ(Parse(delivered_[4].payload).at("detail-type"), "Scheduled Event");
}

TEST_F(ScheduleServiceTest, AnInputPathThatSelectsNothingIsAFailedDelivery) {
  Put("r", "cron(* * * * ? *)");
  Target missing = Function("missing", "f");
  missing.input_path = "$.detail.nothing";
  Target beyond = Function("beyond", "f");
  beyond.input_path = "$.resources[3]";
  PutTargets("r", {missing, beyond, Function("plain", "f")});
  clock_.AdvanceTo(start_ + minutes(1));
  ASSERT_EQ(delivered_.size(), 1u);  // only "plain" reached the callback
  EXPECT_EQ(Info("r").delivery_failures, 2u);
  EXPECT_EQ(Info("r").deliveries, 1u);
  ASSERT_EQ(observer_.events.back().kind, "TargetDelivered");
  const Recorded& failed = observer_.events[observer_.events.size() - 3];
  EXPECT_EQ(failed.kind, "TargetFailed");
  EXPECT_EQ(failed.key, "missing");
  EXPECT_NE(failed.detail.find("InputPath $.detail.nothing selects nothing"),
            std::string::npos)
      << failed.detail;
}

// Regression: an index too large for size_t threw std::out_of_range out of
// std::stoul at the fire and ended the engine.
TEST_F(ScheduleServiceTest, AnInputPathIndexPastSizeTSelectsNothing) {
  Put("r", "cron(* * * * ? *)");
  Target huge = Function("huge", "f");
  huge.input_path = "$.resources[99999999999999999999999]";
  PutTargets("r", {huge});
  clock_.AdvanceTo(start_ + minutes(1));
  EXPECT_TRUE(delivered_.empty());
  EXPECT_EQ(Info("r").delivery_failures, 1u);
}

// --- Delivery failures and re-entrancy ---------------------------------------

TEST_F(ScheduleServiceTest, AFailedDeliveryIsRecordedAndTheScheduleGoesOn) {
  refuse_.insert("gone");
  Put("r", "rate(1 minute)");
  PutTargets("r", {Function("gone", "deleted"), Queue("ok", "q")});
  clock_.AdvanceTo(start_ + minutes(3));
  EXPECT_EQ(delivered_.size(), 6u);
  RuleInfo info = Info("r");
  EXPECT_EQ(info.fire_count, 3u);
  EXPECT_EQ(info.deliveries, 3u);
  EXPECT_EQ(info.delivery_failures, 3u);
  EXPECT_EQ(service_.Totals().delivery_failures, 3u);
  std::vector<std::string> kinds = observer_.Kinds();
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(kinds.end() - 3, kinds.end()),
            (std::vector<std::string>{"RuleFired", "TargetFailed",
                                      "TargetDelivered"}));
  const Recorded& failed = observer_.events[observer_.events.size() - 2];
  EXPECT_EQ(failed.key, "gone");
  json::object detail = Parse(failed.detail);
  EXPECT_EQ(std::string(detail.at("arn").as_string()),
            std::string(kFunctionArn) + "deleted");
  EXPECT_EQ(std::string(detail.at("error").as_string()),
            "ResourceNotFoundException: Function not found: deleted");
}

TEST_F(ScheduleServiceTest, WithoutADeliveryEveryDeliveryFails) {
  ScheduleService bare(clock_, ids_);
  PutRuleRequest req{.name = "r", .schedule_expression = "rate(1 minute)"};
  ASSERT_TRUE(bare.PutRule(req).ok());
  ASSERT_TRUE(bare.PutTargets({"r", "", {Function("f", "f")}}).ok());
  clock_.AdvanceTo(start_ + minutes(2));
  EXPECT_EQ(bare.Totals().fires, 2u);
  EXPECT_EQ(bare.Totals().deliveries, 0u);
  EXPECT_EQ(bare.Totals().delivery_failures, 2u);
}

TEST_F(ScheduleServiceTest, ADeliveryMayDisableTheRuleThatFired) {
  Put("r", "rate(1 minute)");
  PutTargets("r", {Function("a", "a"), Function("b", "b")});
  service_.SetDelivery([&](const Target& t, const std::string&) {
    delivered_.push_back({t.id, t.kind, t.resource, "", clock_.Now()});
    EXPECT_TRUE(service_.DisableRule({"r"}).ok());
    return Status::Ok();
  });
  clock_.AdvanceTo(start_ + minutes(10));
  // The fire in progress reaches both targets; no fire follows.
  EXPECT_EQ(delivered_.size(), 2u);
  EXPECT_EQ(Info("r").state, RuleState::kDisabled);
  EXPECT_EQ(clock_.PendingTimers(), 0u);
}

TEST_F(ScheduleServiceTest, ADeliveryMayRemoveTargetsAndDeleteTheRule) {
  Put("r", "rate(1 minute)");
  PutTargets("r", {Function("a", "a"), Function("b", "b")});
  service_.SetDelivery([&](const Target& t, const std::string&) {
    delivered_.push_back({t.id, t.kind, t.resource, "", clock_.Now()});
    if (service_.Rule("r")) {
      EXPECT_TRUE(service_.RemoveTargets({"r", "", {"a", "b"}}).ok());
      EXPECT_TRUE(service_.DeleteRule({"r"}).ok());
    }
    return Status::Ok();
  });
  clock_.AdvanceTo(start_ + minutes(10));
  EXPECT_EQ(delivered_.size(), 2u);  // the snapshot taken when it fired
  EXPECT_FALSE(service_.Rule("r").has_value());
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  EXPECT_EQ(service_.Totals().deliveries, 2u);
}

// --- Timers, enable and disable ----------------------------------------------

TEST_F(ScheduleServiceTest, OneTimerPerEnabledRule) {
  Put("a", "rate(1 minute)");
  Put("b", "cron(0 * * * ? *)");
  Put("c", "rate(1 day)", "DISABLED");
  EXPECT_EQ(clock_.PendingTimers(), 2u);
  clock_.AdvanceTo(start_ + hours(2));
  EXPECT_EQ(clock_.PendingTimers(), 2u);
  EXPECT_FALSE(Info("c").next_fire.has_value());
  EXPECT_EQ(Info("c").fire_count, 0u);
}

TEST_F(ScheduleServiceTest, DisableCancelsAndEnableRestartsTheRatePeriod) {
  Put("r", "rate(10 minutes)");
  PutTargets("r", {Function("f", "f")});
  clock_.AdvanceTo(start_ + minutes(25));  // fires at 10, 20
  ASSERT_TRUE(service_.DisableRule({"r"}).ok());
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  EXPECT_EQ(Info("r").state, RuleState::kDisabled);
  clock_.AdvanceTo(start_ + hours(1));
  EXPECT_EQ(delivered_.size(), 2u);
  // Disabling twice is fine.
  ASSERT_TRUE(service_.DisableRule({"r"}).ok());

  ASSERT_TRUE(service_.EnableRule({"r"}).ok());  // at 01:00
  EXPECT_EQ(Info("r").next_fire, start_ + minutes(70));
  // Enabling an enabled rule keeps its phase.
  clock_.AdvanceTo(start_ + minutes(65));
  ASSERT_TRUE(service_.EnableRule({"r"}).ok());
  EXPECT_EQ(Info("r").next_fire, start_ + minutes(70));
  clock_.AdvanceTo(start_ + minutes(85));
  ASSERT_EQ(delivered_.size(), 4u);
  EXPECT_EQ(delivered_[2].at, start_ + minutes(70));
  EXPECT_EQ(delivered_[3].at, start_ + minutes(80));
}

TEST_F(ScheduleServiceTest, ACreatedDisabledRuleFiresOnlyOnceEnabled) {
  Put("r", "cron(0/1 * * * ? *)", "DISABLED");
  PutTargets("r", {Function("f", "f")});
  clock_.AdvanceTo(start_ + hours(1));
  EXPECT_TRUE(delivered_.empty());
  ASSERT_TRUE(service_.EnableRule({"r"}).ok());
  clock_.AdvanceTo(start_ + hours(1) + minutes(2));
  EXPECT_EQ(delivered_.size(), 2u);
}

TEST_F(ScheduleServiceTest, PutRuleAgainReplacesTheRuleButKeepsTargets) {
  PutRuleRequest req{.name = "r",
                     .schedule_expression = "rate(10 minutes)",
                     .description = "ten",
                     .role_arn = "arn:aws:iam::000000000000:role/x"};
  ASSERT_TRUE(service_.PutRule(req).ok());
  PutTargets("r", {Function("f", "f")});
  clock_.AdvanceTo(start_ + minutes(15));

  // The same expression again: the timer and its phase stay.
  PutRuleRequest same{.name = "r", .schedule_expression = "rate(10 minutes)"};
  ASSERT_TRUE(service_.PutRule(same).ok());
  EXPECT_EQ(Info("r").next_fire, start_ + minutes(20));
  // Omitted fields are cleared, not kept.
  EXPECT_EQ(Info("r").description, "");
  EXPECT_EQ(Info("r").role_arn, "");
  EXPECT_EQ(Info("r").target_count, 1u);

  // A new expression re-arms from now.
  PutRuleRequest other{.name = "r", .schedule_expression = "rate(1 hour)"};
  ASSERT_TRUE(service_.PutRule(other).ok());
  EXPECT_EQ(Info("r").next_fire, start_ + minutes(75));
  EXPECT_EQ(clock_.PendingTimers(), 1u);
  // PutRule with DISABLED disarms; with ENABLED (the default) re-arms.
  other.state = "DISABLED";
  ASSERT_TRUE(service_.PutRule(other).ok());
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  other.state.reset();
  ASSERT_TRUE(service_.PutRule(other).ok());
  EXPECT_EQ(clock_.PendingTimers(), 1u);
  EXPECT_EQ(Info("r").fire_count, 1u);
  EXPECT_EQ(observer_.Kinds().front(), "RuleCreated");
}

TEST_F(ScheduleServiceTest, TheDestructorCancelsItsTimers) {
  {
    ScheduleService scoped(clock_, ids_);
    PutRuleRequest req{.name = "r", .schedule_expression = "rate(1 minute)"};
    ASSERT_TRUE(scoped.PutRule(req).ok());
    EXPECT_EQ(clock_.PendingTimers(), 1u);
  }
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  clock_.AdvanceTo(start_ + hours(1));  // nothing left to call
}

// --- PutRule validation -----------------------------------------------------

TEST_F(ScheduleServiceTest, PutRuleRefusesBadFields) {
  auto put = [&](PutRuleRequest req) {
    if (!req.schedule_expression && !req.event_pattern) {
      req.schedule_expression = "rate(1 minute)";
    }
    return service_.PutRule(req).status();
  };
  auto expect = [](const Status& s, ErrorCode code, const std::string& msg) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(s.message(), msg);
  };
  const ErrorCode kValidation = events::kValidationException;
  expect(put({.name = ""}), kValidation,
         "1 validation error detected: Value '' at 'name' failed to satisfy "
         "constraint: Member must have length greater than or equal to 1");
  expect(put({.name = std::string(65, 'a')}), kValidation,
         "1 validation error detected: Value '" + std::string(65, 'a') +
             "' at 'name' failed to satisfy constraint: Member must have "
             "length less than or equal to 64");
  expect(put({.name = "no spaces"}), kValidation,
         "1 validation error detected: Value 'no spaces' at 'name' failed to "
         "satisfy constraint: Member must satisfy regular expression "
         "pattern: [\\.\\-_A-Za-z0-9]+");
  EXPECT_TRUE(put({.name = std::string(64, 'a')}).ok());
  EXPECT_TRUE(put({.name = "a.b-c_D9"}).ok());
  expect(put({.name = "r", .event_pattern = R"({"source":["aws.ec2"]})"}),
         kValidation,
         "Only schedule rules are supported: fanlab does not match "
         "EventPattern (give a ScheduleExpression instead).");
  expect(service_.PutRule({.name = "r"}).status(), kValidation,
         "Parameter(s) EventPattern or ScheduleExpression must be "
         "specified.");
  expect(put({.name = "r", .schedule_expression = "cron(0 0 ? * 9 *)"}),
         kValidation,
         "Parameter ScheduleExpression is not valid. cron(0 0 ? * 9 *): "
         "day-of-week '9' is out of range 1-7.");
  expect(put({.name = "r", .schedule_expression = "rate(1 minutes)"}),
         kValidation,
         "Parameter ScheduleExpression is not valid. rate(1 minutes): the "
         "unit is 'minute' when the value is 1.");
  expect(put({.name = "r",
              .schedule_expression = "cron(" + std::string(251, '1') + ")"}),
         kValidation,
         "1 validation error detected: Value 'cron(" + std::string(251, '1') +
             ")' at 'scheduleExpression' failed to satisfy constraint: "
             "Member must have length less than or equal to 256");
  expect(put({.name = "r", .state = "PAUSED"}), kValidation,
         "1 validation error detected: Value 'PAUSED' at 'state' failed to "
         "satisfy constraint: Member must satisfy enum value set: [ENABLED, "
         "DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]");
  expect(put({.name = "r",
              .state = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"}),
         kValidation,
         "State ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS applies to "
         "event patterns; a schedule rule is ENABLED or DISABLED.");
  expect(put({.name = "r", .description = std::string(513, 'd')}), kValidation,
         "1 validation error detected: Value '" + std::string(513, 'd') +
             "' at 'description' failed to satisfy constraint: Member must "
             "have length less than or equal to 512");
  expect(put({.name = "r", .event_bus_name = "orders"}),
         events::kResourceNotFoundException,
         "Event bus orders does not exist.");
  EXPECT_TRUE(put({.name = "r", .event_bus_name = "default"}).ok());
  EXPECT_TRUE(put({.name = "r",
                   .event_bus_name = "arn:aws:events:us-east-1:000000000000:"
                                     "event-bus/default"})
                  .ok());
  // Nothing refused was created.
  EXPECT_EQ(service_.Rules().size(), 3u);
}

TEST_F(ScheduleServiceTest, PutRuleStopsAtTheRuleQuota) {
  ScheduleService small(clock_, ids_, {.max_rules = 2});
  PutRuleRequest req{.schedule_expression = "rate(1 day)"};
  for (const char* name : {"a", "b"}) {
    req.name = name;
    ASSERT_TRUE(small.PutRule(req).ok());
  }
  req.name = "c";
  Status s = small.PutRule(req).status();
  EXPECT_EQ(s.code(), events::kLimitExceededException);
  EXPECT_EQ(s.message(),
            "The requested resource exceeds the maximum number allowed.");
  req.name = "a";  // replacing an existing rule is not a new one
  EXPECT_TRUE(small.PutRule(req).ok());
}

// --- Describe, list, delete --------------------------------------------------

TEST_F(ScheduleServiceTest, DescribeRuleAndItsErrors) {
  PutRuleRequest req{.name = "r",
                     .schedule_expression = "cron(0 12 * * ? *)",
                     .state = "DISABLED",
                     .description = "noon"};
  ASSERT_TRUE(service_.PutRule(req).ok());
  auto r = service_.DescribeRule({"r"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "r");
  EXPECT_EQ(r->arn, "arn:aws:events:us-east-1:000000000000:rule/r");
  EXPECT_EQ(r->schedule_expression, "cron(0 12 * * ? *)");
  EXPECT_EQ(r->state, RuleState::kDisabled);
  EXPECT_EQ(r->description, "noon");

  Status missing = service_.DescribeRule({"nope"}).status();
  EXPECT_EQ(missing.code(), events::kResourceNotFoundException);
  EXPECT_EQ(missing.message(), "Rule nope does not exist on EventBus default.");
  Status bus = service_.DescribeRule({"r", "other"}).status();
  EXPECT_EQ(bus.message(), "Event bus other does not exist.");
  EXPECT_EQ(service_.DescribeRule({"bad name"}).status().code(),
            events::kValidationException);
}

TEST_F(ScheduleServiceTest, ListRulesByPrefixInPages) {
  for (const char* name : {"job-b", "job-a", "other", "job-c", "jobs"}) {
    Put(name, "rate(1 day)");
  }
  auto all = service_.ListRules({});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const auto& r : all->rules) names.push_back(r.name);
  EXPECT_EQ(names, (std::vector<std::string>{"job-a", "job-b", "job-c", "jobs",
                                             "other"}));
  EXPECT_EQ(all->next_token, "");

  ListRulesRequest req{.name_prefix = "job-", .limit = 2};
  auto page1 = service_.ListRules(req);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->rules.size(), 2u);
  EXPECT_EQ(page1->rules[1].name, "job-b");
  ASSERT_FALSE(page1->next_token.empty());
  req.next_token = page1->next_token;
  auto page2 = service_.ListRules(req);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->rules.size(), 1u);
  EXPECT_EQ(page2->rules[0].name, "job-c");
  EXPECT_EQ(page2->next_token, "");

  EXPECT_EQ(service_.ListRules({.limit = 0}).status().message(),
            "1 validation error detected: Value '0' at 'limit' failed to "
            "satisfy constraint: Member must have value greater than or "
            "equal to 1");
  EXPECT_EQ(service_.ListRules({.limit = 101}).status().message(),
            "1 validation error detected: Value '101' at 'limit' failed to "
            "satisfy constraint: Member must have value less than or equal "
            "to 100");
  EXPECT_EQ(service_.ListRules({.event_bus_name = "x"}).status().code(),
            events::kResourceNotFoundException);
  EXPECT_EQ(service_.ListRules({.name_prefix = "a b"}).status().code(),
            events::kValidationException);
}

TEST_F(ScheduleServiceTest, DeleteRuleRefusesARuleWithTargets) {
  Put("r", "rate(1 minute)");
  PutTargets("r", {Function("f", "f")});
  Status s = service_.DeleteRule({"r"});
  EXPECT_EQ(s.code(), events::kValidationException);
  EXPECT_EQ(s.message(), "Rule can't be deleted since it has targets.");
  // Force is for managed rules: it does not bypass the targets.
  EXPECT_EQ(service_.DeleteRule({"r", "", true}).message(), s.message());
  EXPECT_TRUE(service_.Rule("r").has_value());

  ASSERT_TRUE(service_.RemoveTargets({"r", "", {"f"}}).ok());
  ASSERT_TRUE(service_.DeleteRule({"r"}).ok());
  EXPECT_FALSE(service_.Rule("r").has_value());
  EXPECT_EQ(clock_.PendingTimers(), 0u);
  EXPECT_EQ(observer_.events.back().kind, "RuleDeleted");
  // Deleting again (or a rule never made) succeeds, as in EventBridge.
  EXPECT_TRUE(service_.DeleteRule({"r"}).ok());
  EXPECT_EQ(service_.DeleteRule({"r", "other"}).code(),
            events::kResourceNotFoundException);
}

TEST_F(ScheduleServiceTest, EnableAndDisableNeedTheRule) {
  for (Status s :
       {service_.EnableRule({"nope"}), service_.DisableRule({"nope"})}) {
    EXPECT_EQ(s.code(), events::kResourceNotFoundException);
    EXPECT_EQ(s.message(), "Rule nope does not exist on EventBus default.");
  }
  EXPECT_EQ(service_.EnableRule({""}).code(), events::kValidationException);
}

// --- Targets -----------------------------------------------------------------

TEST_F(ScheduleServiceTest, PutTargetsDerivesKindAndKeepsOrder) {
  Put("r", "rate(1 day)");
  Target fifo = Queue("c", "orders.fifo");
  fifo.message_group_id = "g1";
  PutTargets("r", {Function("b", "worker"), Queue("a", "jobs"), fifo});
  // Replacing "b" keeps its place; "d" goes last.
  Target replaced = Function("b", "worker2");
  replaced.input = "[1,2]";
  PutTargets("r", {Function("d", "fn"), replaced});

  auto list = service_.ListTargetsByRule({"r"});
  ASSERT_TRUE(list.ok());
  std::vector<std::string> ids;
  for (const auto& t : list->targets) ids.push_back(t.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "a", "c", "d"}));
  EXPECT_EQ(list->targets[0].resource, "worker2");
  EXPECT_EQ(list->targets[0].input, "[1,2]");
  EXPECT_EQ(list->targets[1].kind, TargetKind::kQueue);
  EXPECT_EQ(list->targets[1].resource, "jobs");
  EXPECT_EQ(list->targets[2].resource, "orders.fifo");
  EXPECT_EQ(list->targets[2].message_group_id, "g1");
  EXPECT_EQ(list->targets[3].kind, TargetKind::kFunction);
  EXPECT_EQ(Info("r").target_count, 4u);
}

TEST_F(ScheduleServiceTest, PutTargetsReportsTargetsItCannotDeliverTo) {
  Put("r", "rate(1 day)");
  auto with = [](Target t, auto change) {
    change(t);
    return t;
  };
  std::vector<Target> targets = {
      Function("good", "f"),
      with(Function("sns", ""),
           [](Target& t) {
             t.arn = "arn:aws:sns:us-east-1:000000000000:topic";
           }),
      with(Function("region", ""),
           [](Target& t) {
             t.arn = "arn:aws:lambda:eu-west-1:000000000000:function:f";
           }),
      Function("alias", "f:prod"),
      Function("bad-name", "f/g"),
      Queue("fifo", "q.fifo"),
      with(Function("notjson", "f"), [](Target& t) { t.input = "{oops"; }),
      with(Function("both", "f"),
           [](Target& t) {
             t.input = "{}";
             t.input_path = "$.detail";
           }),
      with(Function("wild", "f"), [](Target& t) { t.input_path = "$.*"; }),
      with(Function("extra", "f"),
           [](Target& t) {
             t.unsupported = {"InputTransformer", "RetryPolicy"};
           }),
  };
  std::vector<FailedTargetEntry> failed = PutTargetsFailing("r", targets);
  ASSERT_EQ(failed.size(), 9u);
  std::map<std::string, std::string> why;
  for (const auto& f : failed) {
    EXPECT_EQ(f.error_code, "ValidationException");
    why[f.target_id] = f.error_message;
  }
  EXPECT_EQ(why.count("good"), 0u);
  EXPECT_EQ(why["sns"],
            "Target sns: ARN arn:aws:sns:us-east-1:000000000000:topic is "
            "neither a Lambda function "
            "(arn:aws:lambda:us-east-1:000000000000:function:NAME) nor an "
            "SQS queue (arn:aws:sqs:us-east-1:000000000000:NAME); fanlab "
            "delivers to those two only.");
  EXPECT_EQ(why["region"],
            "Target region: ARN "
            "arn:aws:lambda:eu-west-1:000000000000:function:f is in another "
            "region or account; this emulator is us-east-1, account "
            "000000000000.");
  EXPECT_EQ(why["alias"],
            "Target alias: ARN "
            "arn:aws:lambda:us-east-1:000000000000:function:f:prod names a "
            "version or alias; fanlab functions have neither.");
  EXPECT_NE(why["bad-name"].find("is not a function ARN"), std::string::npos);
  EXPECT_EQ(why["fifo"],
            "Parameter(s) SqsParameters must be specified for target: fifo.");
  EXPECT_TRUE(why["notjson"].starts_with(
      "Target notjson: Input is not valid JSON text ("));
  EXPECT_EQ(why["both"],
            "Target both: only one of Input and InputPath can be given.");
  EXPECT_EQ(why["wild"],
            "Target wild: InputPath $.* is not a JSONPath fanlab evaluates "
            "($, then .key and [index] steps).");
  EXPECT_EQ(why["extra"],
            "Target extra: fanlab does not support InputTransformer, "
            "RetryPolicy on schedule targets.");
  // The good one was put.
  EXPECT_EQ(Info("r").target_count, 1u);
}

TEST_F(ScheduleServiceTest, PutTargetsRequestFaultsChangeNothing) {
  Put("r", "rate(1 day)");
  auto put = [&](std::string rule, std::vector<Target> targets) {
    return service_.PutTargets({std::move(rule), "", std::move(targets)})
        .status();
  };
  Status missing = put("nope", {Function("f", "f")});
  EXPECT_EQ(missing.code(), events::kResourceNotFoundException);
  EXPECT_EQ(missing.message(), "Rule nope does not exist on EventBus default.");
  EXPECT_EQ(put("r", {}).message(),
            "1 validation error detected: Value '[]' at 'targets' failed to "
            "satisfy constraint: Member must have length greater than or "
            "equal to 1");
  std::vector<Target> eleven;
  for (int i = 0; i < 11; ++i) {
    eleven.push_back(Function("t" + std::to_string(i), "f"));
  }
  EXPECT_EQ(put("r", eleven).message(),
            "1 validation error detected: Value at 'targets' failed to "
            "satisfy constraint: Member must have length less than or equal "
            "to 10");
  EXPECT_EQ(put("r", {Function("a", "f"), Function("bad id", "f")}).message(),
            "1 validation error detected: Value 'bad id' at "
            "'targets.2.member.id' failed to satisfy constraint: Member must "
            "satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+");
  Target no_arn;
  no_arn.id = "x";
  EXPECT_EQ(put("r", {no_arn}).message(),
            "1 validation error detected: Value '' at 'targets.1.member.arn' "
            "failed to satisfy constraint: Member must have length greater "
            "than or equal to 1");
  EXPECT_EQ(put("r", {Function("a", "f"), Function("a", "g")}).message(),
            "Target ids in one request must be distinct: a appears more than "
            "once.");
  Target big = Function("big", "f");
  big.input = std::string(8193, ' ');
  EXPECT_EQ(put("r", {big}).code(), events::kValidationException);

  // Six targets on one rule: over the quota of five, and none is put.
  std::vector<Target> six(eleven.begin(), eleven.begin() + 6);
  EXPECT_EQ(put("r", six),
            Status(events::kLimitExceededException,
                   "The requested resource exceeds the maximum number "
                   "allowed."));
  PutTargets("r", std::vector<Target>(eleven.begin(), eleven.begin() + 5));
  EXPECT_EQ(put("r", {Function("sixth", "f")}).message(),
            "The requested resource exceeds the maximum number allowed.");
  // Replacing one of the five is not a sixth.
  PutTargets("r", {Function("t0", "g")});
  EXPECT_EQ(Info("r").target_count, 5u);
  EXPECT_EQ(
      service_.PutTargets({"r", "other", {Function("f", "f")}}).status().code(),
      events::kResourceNotFoundException);
}

TEST_F(ScheduleServiceTest, RemoveTargetsAndItsErrors) {
  Put("r", "rate(1 day)");
  PutTargets("r", {Function("a", "f"), Function("b", "f"), Function("c", "f")});
  auto removed = service_.RemoveTargets({"r", "", {"a", "c", "unknown"}});
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed->failed.empty());
  EXPECT_EQ(Info("r").target_count, 1u);
  EXPECT_EQ(observer_.events.back().detail, R"({"RemoveTargets":["a","c"]})");

  EXPECT_EQ(service_.RemoveTargets({"nope", "", {"a"}}).status().code(),
            events::kResourceNotFoundException);
  EXPECT_EQ(service_.RemoveTargets({"r", "", {}}).status().message(),
            "1 validation error detected: Value '[]' at 'ids' failed to "
            "satisfy constraint: Member must have length greater than or "
            "equal to 1");
  EXPECT_EQ(
      service_.RemoveTargets({"r", "", std::vector<std::string>(101, "a")})
          .status()
          .code(),
      events::kValidationException);
  EXPECT_EQ(service_.RemoveTargets({"r", "", {"a", "b c"}}).status().message(),
            "1 validation error detected: Value 'b c' at 'ids.2.member' "
            "failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [\\.\\-_A-Za-z0-9]+");
}

TEST_F(ScheduleServiceTest, ListTargetsByRuleInPages) {
  Put("r", "rate(1 day)");
  PutTargets("r", {Function("a", "f"), Function("b", "f"), Function("c", "f")});
  ListTargetsByRuleRequest req{.rule = "r", .limit = 2};
  auto page1 = service_.ListTargetsByRule(req);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->targets.size(), 2u);
  EXPECT_EQ(page1->next_token, "c");
  req.next_token = page1->next_token;
  auto page2 = service_.ListTargetsByRule(req);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->targets.size(), 1u);
  EXPECT_EQ(page2->targets[0].id, "c");
  EXPECT_EQ(page2->next_token, "");

  req.next_token = "zzz";
  EXPECT_EQ(service_.ListTargetsByRule(req).status().message(),
            "The NextToken is not valid.");
  EXPECT_EQ(service_.ListTargetsByRule({.rule = "nope"}).status().code(),
            events::kResourceNotFoundException);
  EXPECT_EQ(
      service_.ListTargetsByRule({.rule = "r", .limit = 0}).status().code(),
      events::kValidationException);
}

// --- Observer and harness view
// ------------------------------------------------

TEST_F(ScheduleServiceTest, PublishesEveryChangeAndFire) {
  Put("r", "rate(1 minute)");
  PutTargets("r", {Function("f", "f")});
  clock_.AdvanceTo(start_ + minutes(1));
  ASSERT_TRUE(service_.DisableRule({"r"}).ok());
  ASSERT_TRUE(service_.EnableRule({"r"}).ok());
  ASSERT_TRUE(service_.RemoveTargets({"r", "", {"f"}}).ok());
  ASSERT_TRUE(service_.DeleteRule({"r"}).ok());

  EXPECT_EQ(observer_.Kinds(),
            (std::vector<std::string>{
                "RuleCreated", "RuleUpdated", "RuleFired", "TargetDelivered",
                "RuleUpdated", "RuleUpdated", "RuleUpdated", "RuleDeleted"}));
  for (const auto& e : observer_.events) EXPECT_EQ(e.resource, "r");
  EXPECT_EQ(observer_.events[0].detail,
            R"j({"ScheduleExpression":"rate(1 minute)","State":"ENABLED"})j");
  EXPECT_EQ(observer_.events[1].detail, R"({"PutTargets":["f"]})");
  const Recorded& fired = observer_.events[2];
  EXPECT_EQ(fired.at, start_ + minutes(1));
  EXPECT_EQ(fired.detail,
            R"({"scheduledTime":"2026-01-01T00:01:00Z","fireCount":1,)"
            R"("targets":1})");
  // The fire's key is the event's id, which the delivery carries.
  EXPECT_EQ(fired.key,
            std::string(Parse(delivered_[0].payload).at("id").as_string()));
  EXPECT_EQ(observer_.events[3].key, "f");
  EXPECT_EQ(observer_.events[4].detail, R"({"State":"DISABLED"})");
  EXPECT_EQ(observer_.events[5].detail, R"({"State":"ENABLED"})");
}

TEST_F(ScheduleServiceTest, HarnessSeesEveryRuleWithItsActivity) {
  Put("b", "rate(2 minutes)");
  Put("a", "cron(0/1 * * * ? *)");
  Put("c", "rate(1 day)", "DISABLED");
  PutTargets("a", {Function("f", "f")});
  clock_.AdvanceTo(start_ + minutes(5));
  std::vector<RuleInfo> rules = service_.Rules();
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].name, "a");
  EXPECT_EQ(rules[0].fire_count, 5u);
  EXPECT_EQ(rules[0].deliveries, 5u);
  EXPECT_EQ(rules[0].last_fire, start_ + minutes(5));
  EXPECT_EQ(rules[0].next_fire, start_ + minutes(6));
  EXPECT_EQ(rules[1].name, "b");
  EXPECT_EQ(rules[1].fire_count, 2u);
  EXPECT_EQ(rules[1].last_fire, start_ + minutes(4));
  EXPECT_EQ(rules[2].state, RuleState::kDisabled);
  EXPECT_EQ(rules[2].fire_count, 0u);
  EXPECT_FALSE(rules[2].last_fire.has_value());
  EXPECT_FALSE(service_.Rule("zzz").has_value());
  EXPECT_EQ(service_.Totals().fires, 7u);
  EXPECT_EQ(service_.RuleArn("a"),
            "arn:aws:events:us-east-1:000000000000:rule/a");
}

TEST_F(ScheduleServiceTest, AnotherRegionAndAccount) {
  ScheduleService eu(clock_, ids_,
                     {.region = "eu-west-1", .account_id = "123456789012"});
  PutRuleRequest req{.name = "r", .schedule_expression = "rate(1 day)"};
  EXPECT_EQ(*eu.PutRule(req), "arn:aws:events:eu-west-1:123456789012:rule/r");
  auto failed = eu.PutTargets({"r", "", {Function("us", "f")}});
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->failed.size(), 1u);
  Target local;
  local.id = "eu";
  local.arn = "arn:aws:sqs:eu-west-1:123456789012:q";
  auto ok = eu.PutTargets({"r", "", {local}});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->failed.empty());
}

}  // namespace
}  // namespace fanlab::services
