// ScheduleService: Amazon EventBridge's scheduled rules, in process, on an
// injected Clock.
//
// A rule has a ScheduleExpression (rate(...) or cron(...),
// schedule_expression.h), a state (ENABLED or DISABLED) and up to five
// targets: Lambda functions and SQS queues, named by ARN. Every time the
// schedule comes due the rule fires once: it builds one "Scheduled Event"
//
//   {"version":"0","id":"<uuid>","detail-type":"Scheduled Event",
//    "source":"aws.events","account":"000000000000",
//    "time":"2026-01-01T00:01:00Z","region":"us-east-1",
//    "resources":["arn:aws:events:us-east-1:000000000000:rule/NAME"],
//    "detail":{}}
//
// and hands it to each target, in the order the targets were first put,
// through the Delivery callback (a target's Input replaces the event; its
// InputPath selects part of it). The service itself sends nothing
// anywhere: the engine wires Delivery to Lambda's InvokeEvent and SQS's
// SendMessage, so the service stays pure and a test can count deliveries.
//
// Time: each enabled rule holds exactly one timer on the Clock, re-armed
// when it fires and cancelled when the rule is disabled or deleted. A cron
// rule fires at every matching minute (`time` is that minute); a rate rule
// fires one period after it was created or enabled, then every period.
// On a VirtualClock a day of minute ticks replays as fast as the callbacks
// run: a fire costs one timer, one UUID and one small JSON string per
// rule, plus the deliveries.
//
// Errors are Status values with EventBridge's names and wording:
// ValidationException (bad fields, bad expressions, a rule with targets
// being deleted), ResourceNotFoundException ("Rule NAME does not exist on
// EventBus default."). Only schedule rules on the default event bus exist:
// an EventPattern is refused. docs/services.md lists every
// action, field and limit.
//
// Thread safety: none. One engine thread owns the service
// (docs/architecture.md).
#ifndef FANLAB_EMULATOR_SERVICES_SCHEDULE_SERVICE_H_
#define FANLAB_EMULATOR_SERVICES_SCHEDULE_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/account.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/status.h"
#include "emulator/services/service_observer.h"

namespace fanlab::services {

enum class RuleState { kEnabled, kDisabled };
// "ENABLED" / "DISABLED".
std::string_view RuleStateName(RuleState state);

// What a target's ARN names; the two kinds fanlab can deliver to.
enum class TargetKind {
  kFunction,  // arn:aws:lambda:<region>:<account>:function:<name>
  kQueue,     // arn:aws:sqs:<region>:<account>:<name>
};

struct Target {
  std::string id;   // 1-64 of [.-_A-Za-z0-9], unique within the rule
  std::string arn;  // a function or queue of this region and account
  // At most one of the two: constant JSON text that replaces the event,
  // or a JSONPath ("$.detail", "$.resources[0]") selecting part of it.
  std::optional<std::string> input;
  std::optional<std::string> input_path;
  std::string role_arn;  // kept and listed, never used
  // SqsParameters.MessageGroupId: required for a FIFO queue target.
  std::optional<std::string> message_group_id;
  // Target fields the request gave that fanlab does not model
  // ("InputTransformer", "RetryPolicy", "DeadLetterConfig", ...): such a
  // target is refused in PutTargets' failed entries, never half-applied.
  std::vector<std::string> unsupported;

  // Derived from `arn` by PutTargets (ignored in requests).
  TargetKind kind = TargetKind::kFunction;
  std::string resource;  // the function's or the queue's name

  friend bool operator==(const Target&, const Target&) = default;
};

// PutRule's fields. Absent optional fields are absent on the rule too: a
// PutRule on an existing rule replaces it (targets stay).
struct PutRuleRequest {
  std::string name;  // 1-64 of [.-_A-Za-z0-9]
  std::optional<std::string> schedule_expression;
  std::optional<std::string> event_pattern;  // refused: schedules only
  std::optional<std::string> state;          // ENABLED (default) | DISABLED
  std::string description;                   // <= 512 characters
  std::string role_arn;                      // kept, never used
  std::string event_bus_name;  // "", "default" or the default bus's ARN
};

// DescribeRule, DeleteRule, EnableRule, DisableRule.
struct RuleRequest {
  std::string name;
  std::string event_bus_name;
  bool force = false;  // DeleteRule's Force (for managed rules: no effect)
};

// A rule as DescribeRule and ListRules show it, plus fanlab's record of
// what it did (for the harness; not part of EventBridge's shapes).
struct RuleInfo {
  std::string name;
  std::string arn;  // arn:aws:events:<region>:<account>:rule/<name>
  std::string schedule_expression;
  std::string description;
  std::string role_arn;
  RuleState state = RuleState::kEnabled;
  size_t target_count = 0;

  uint64_t fire_count = 0;             // fires since the rule was created
  std::optional<TimePoint> last_fire;  // the latest fire's scheduled time
  std::optional<TimePoint> next_fire;  // the armed timer's deadline
  uint64_t deliveries = 0;             // deliveries the callback accepted
  uint64_t delivery_failures = 0;      // refused, or InputPath found nothing
};

struct ListRulesRequest {
  std::string name_prefix;
  std::string event_bus_name;
  std::string next_token;
  std::optional<int64_t> limit;  // 1-100; 100 when absent
};
struct ListRulesResponse {
  std::vector<RuleInfo> rules;  // by name
  std::string next_token;       // "" on the last page
};

struct PutTargetsRequest {
  std::string rule;
  std::string event_bus_name;
  std::vector<Target> targets;  // 1-10, distinct ids
};
struct RemoveTargetsRequest {
  std::string rule;
  std::string event_bus_name;
  std::vector<std::string> ids;  // 1-100
  bool force = false;
};
// A target that PutTargets did not put (or RemoveTargets did not remove).
struct FailedTargetEntry {
  std::string target_id;
  std::string error_code;  // "ValidationException"
  std::string error_message;
};
struct TargetsResponse {
  std::vector<FailedTargetEntry> failed;  // FailedEntryCount = size
};

struct ListTargetsByRuleRequest {
  std::string rule;
  std::string event_bus_name;
  std::string next_token;
  std::optional<int64_t> limit;  // 1-100; 100 when absent
};
struct ListTargetsByRuleResponse {
  std::vector<Target> targets;  // in the order they were first put
  std::string next_token;
};

struct ScheduleServiceOptions {
  std::string region = Account{}.region;
  std::string account_id = Account{}.id;
  // EventBridge's quotas: targets per rule, rules per event bus.
  size_t max_targets_per_rule = 5;
  size_t max_rules = 300;
};

// Activity over every rule, deleted ones included.
struct ScheduleTotals {
  uint64_t fires = 0;
  uint64_t deliveries = 0;
  uint64_t delivery_failures = 0;
};

class ScheduleService {
 public:
  // Hands `payload` (the event, or the target's Input or InputPath
  // selection) to `target`. OK when the target accepted it: an event
  // queued for an asynchronous invocation, a message sent. A failure is
  // recorded (TargetFailed, ScheduleTotals::delivery_failures) and does
  // not stop the other targets or the schedule. May call back into the
  // service (a delivery may even delete the rule that fired).
  using Delivery =
      std::function<Status(const Target& target, const std::string& payload)>;

  // `clock` and `ids` must outlive the service. Without a `delivery`
  // every delivery fails ("no delivery is wired").
  ScheduleService(Clock& clock, IdGenerator& ids,
                  ScheduleServiceOptions options = {},
                  Delivery delivery = nullptr);
  // Cancels every pending timer.
  ~ScheduleService();
  ScheduleService(const ScheduleService&) = delete;
  ScheduleService& operator=(const ScheduleService&) = delete;

  void SetDelivery(Delivery delivery) { delivery_ = std::move(delivery); }
  // Every change and fire is published to `observer` (nullptr: none), as
  // service "events" with the rule's name as resource: RuleCreated,
  // RuleUpdated (PutRule again, Enable/Disable, Put/RemoveTargets),
  // RuleDeleted, RuleFired (key: event id; detail: scheduled time),
  // TargetDelivered and TargetFailed (key: target id). The observer must
  // outlive the service or be reset first.
  void SetObserver(ServiceObserver* observer) { observer_ = observer; }

  // Creates or replaces a rule; returns its ARN. An enabled rule is armed
  // at once; replacing an enabled rule's expression by the same one keeps
  // its timer (a rate rule keeps its phase), any other change re-arms it.
  Result<std::string> PutRule(const PutRuleRequest& req);
  Result<RuleInfo> DescribeRule(const RuleRequest& req) const;
  Result<ListRulesResponse> ListRules(const ListRulesRequest& req) const;
  // OK for a rule that does not exist (EventBridge's DeleteRule is
  // idempotent); ValidationException while the rule has targets.
  Status DeleteRule(const RuleRequest& req);
  // Enabling an enabled rule, or disabling a disabled one, changes
  // nothing. Enabling starts a rate rule's period afresh.
  Status EnableRule(const RuleRequest& req);
  Status DisableRule(const RuleRequest& req);

  // Adds targets, or replaces those with the same id. Request-level faults
  // (field constraints, > 10 entries, duplicate ids, no such rule, more
  // than max_targets_per_rule on the rule afterwards) fail the call and
  // change nothing. A target fanlab cannot deliver to (an ARN that is not
  // a function or queue of this region and account, Input that is not
  // JSON, Input with InputPath, an InputPath beyond dot notation and
  // indices, a FIFO queue without a MessageGroupId) is reported in
  // `failed`, and the others are put.
  Result<TargetsResponse> PutTargets(const PutTargetsRequest& req);
  // Ids the rule does not have are ignored.
  Result<TargetsResponse> RemoveTargets(const RemoveTargetsRequest& req);
  Result<ListTargetsByRuleResponse> ListTargetsByRule(
      const ListTargetsByRuleRequest& req) const;

  // --- For the harness and tests (not EventBridge actions). ---
  // Every rule, by name, with its activity.
  std::vector<RuleInfo> Rules() const;
  // The rule's activity; nullopt when there is no such rule.
  std::optional<RuleInfo> Rule(std::string_view name) const;
  const ScheduleTotals& Totals() const { return totals_; }
  // arn:aws:events:<region>:<account>:rule/<name>
  std::string RuleArn(std::string_view name) const;

 private:
  struct RuleEntry;
  using RulePtr = std::shared_ptr<RuleEntry>;

  Result<RulePtr> Find(std::string_view name, std::string_view bus) const;
  Status CheckBus(std::string_view bus) const;
  // Arms the rule's timer for its next fire strictly after `after`.
  void Arm(const RulePtr& rule, TimePoint after);
  void Disarm(RuleEntry& rule);
  void Fire(const RulePtr& rule, TimePoint scheduled);
  void Deliver(RuleEntry& rule, const Target& target, const std::string& event,
               std::string_view event_id);
  RuleInfo Info(const RuleEntry& rule) const;
  void Publish(std::string_view kind, std::string_view rule,
               std::string_view key, std::string_view detail) const;

  Clock& clock_;
  IdGenerator& ids_;
  ScheduleServiceOptions options_;
  Delivery delivery_;
  ServiceObserver* observer_ = nullptr;
  std::map<std::string, RulePtr, std::less<>> rules_;
  ScheduleTotals totals_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_SCHEDULE_SERVICE_H_
