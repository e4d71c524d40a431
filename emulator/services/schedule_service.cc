#include "emulator/services/schedule_service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <set>
#include <utility>

#include "emulator/core/common_errors.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/events_errors.h"
#include "emulator/services/schedule_expression.h"

namespace fanlab::services {

namespace json = boost::json;

struct ScheduleService::RuleEntry {
  RuleEntry(std::string rule_name, std::string rule_arn,
            ScheduleExpression expression)
      : name(std::move(rule_name)),
        arn(std::move(rule_arn)),
        schedule(std::move(expression)),
        targets(std::make_shared<const std::vector<Target>>()) {}

  std::string name;
  std::string arn;
  ScheduleExpression schedule;
  std::string description;
  std::string role_arn;
  RuleState state = RuleState::kEnabled;
  // Replaced, never changed in place: a fire walks the snapshot it took,
  // whatever its deliveries do to the rule.
  std::shared_ptr<const std::vector<Target>> targets;
  TimePoint start;  // when the schedule started (a rate counts from here)
  TimerId timer = 0;
  std::optional<TimePoint> next_fire;
  uint64_t fire_count = 0;
  std::optional<TimePoint> last_fire;
  uint64_t deliveries = 0;
  uint64_t delivery_failures = 0;
};

namespace {

constexpr size_t kMaxNameLength = 64;
constexpr size_t kMaxExpressionLength = 256;
constexpr size_t kMaxDescriptionLength = 512;
constexpr size_t kMaxArnLength = 1600;
constexpr size_t kMaxInputLength = 8192;
constexpr size_t kMaxInputPathLength = 256;
constexpr size_t kMaxTargetsPerRequest = 10;
constexpr size_t kMaxIdsPerRemove = 100;
constexpr int64_t kMaxPageSize = 100;

Status Validation(std::string message) {
  return Status(events::kValidationException, std::move(message));
}

// EventBridge's wording for a field that breaks its model's constraints.
Status Constraint(std::string_view value, std::string_view at,
                  std::string_view constraint) {
  return Validation("1 validation error detected: Value '" +
                    std::string(value) + "' at '" + std::string(at) +
                    "' failed to satisfy constraint: Member must " +
                    std::string(constraint));
}

Status LimitExceeded() {
  return Status(events::kLimitExceededException,
                "The requested resource exceeds the maximum number allowed.");
}

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

// Rule names and target ids: 1-64 of [.-_A-Za-z0-9].
Status CheckName(std::string_view value, std::string_view at) {
  if (value.empty()) {
    return Constraint(value, at, "have length greater than or equal to 1");
  }
  if (value.size() > kMaxNameLength) {
    return Constraint(value, at, "have length less than or equal to 64");
  }
  if (!std::all_of(value.begin(), value.end(), IsNameChar)) {
    return Constraint(value, at,
                      "satisfy regular expression pattern: "
                      "[\\.\\-_A-Za-z0-9]+");
  }
  return Status::Ok();
}

Status CheckLength(std::string_view value, std::string_view at, size_t max) {
  if (value.size() <= max) return Status::Ok();
  return Constraint(value, at,
                    "have length less than or equal to " + std::to_string(max));
}

Status CheckLimit(const std::optional<int64_t>& limit) {
  if (!limit) return Status::Ok();
  if (*limit < 1) {
    return Constraint(std::to_string(*limit), "limit",
                      "have value greater than or equal to 1");
  }
  if (*limit > kMaxPageSize) {
    return Constraint(std::to_string(*limit), "limit",
                      "have value less than or equal to 100");
  }
  return Status::Ok();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == s.npos ? s.npos : end - start));
    if (end == s.npos) return parts;
    start = end + 1;
  }
}

bool AllOf(std::string_view s, bool (*ok)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}
bool IsFunctionNameChar(char c) {
  return IsNameChar(c) && c != '.';  // [A-Za-z0-9-_]
}

// JSONPath as EventBridge evaluates it for InputPath: `$`, then `.key`
// (letters, digits, '-', '_') and `[index]` steps.
bool ValidInputPath(std::string_view path) {
  if (path.empty() || path[0] != '$') return false;
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t j = ++i;
      while (j < path.size() && IsFunctionNameChar(path[j])) ++j;
      if (j == i) return false;
      i = j;
    } else if (path[i] == '[') {
      size_t j = ++i;
      while (j < path.size() && path[j] >= '0' && path[j] <= '9') ++j;
      if (j == i || j >= path.size() || path[j] != ']') return false;
      i = j + 1;
    } else {
      return false;
    }
  }
  return true;
}

// The JSON text `path` selects in `event`; nullopt when it selects nothing.
// REQUIRES: ValidInputPath(path).
std::optional<std::string> SelectPath(const std::string& event,
                                      std::string_view path) {
  if (path == "$") return event;
  boost::system::error_code ec;
  json::value root = json::parse(event, ec);
  if (ec) return std::nullopt;
  const json::value* v = &root;
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t j = ++i;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      if (!v->is_object()) return std::nullopt;
      v = v->get_object().if_contains(path.substr(i, j - i));
      i = j;
    } else {
      size_t j = path.find(']', i);
      // Digits only (ValidInputPath), but possibly more than fit: an index
      // past size_t selects nothing, like any index past the array's end.
      std::string_view digits = path.substr(i + 1, j - i - 1);
      size_t index = 0;
      auto [end, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (error != std::errc() || !v->is_array() ||
          index >= v->get_array().size()) {
        return std::nullopt;
      }
      v = &v->get_array()[index];
      i = j + 1;
    }
    if (v == nullptr) return std::nullopt;
  }
  return json::serialize(*v);
}

}  // namespace

std::string_view RuleStateName(RuleState state) {
  return state == RuleState::kEnabled ? "ENABLED" : "DISABLED";
}

ScheduleService::ScheduleService(Clock& clock, IdGenerator& ids,
                                 ScheduleServiceOptions options,
                                 Delivery delivery)
    : clock_(clock),
      ids_(ids),
      options_(std::move(options)),
      delivery_(std::move(delivery)) {}

ScheduleService::~ScheduleService() {
  for (auto& [name, rule] : rules_) Disarm(*rule);
}

std::string ScheduleService::RuleArn(std::string_view name) const {
  return "arn:aws:events:" + options_.region + ":" + options_.account_id +
         ":rule/" + std::string(name);
}

Status ScheduleService::CheckBus(std::string_view bus) const {
  if (bus.empty() || bus == "default" ||
      bus == "arn:aws:events:" + options_.region + ":" + options_.account_id +
                 ":event-bus/default") {
    return Status::Ok();
  }
  return Status(events::kResourceNotFoundException,
                "Event bus " + std::string(bus) + " does not exist.");
}

Result<ScheduleService::RulePtr> ScheduleService::Find(
    std::string_view name, std::string_view bus) const {
  if (Status s = CheckBus(bus); !s.ok()) return s;
  auto it = rules_.find(name);
  if (it == rules_.end()) {
    return Status(
        events::kResourceNotFoundException,
        "Rule " + std::string(name) + " does not exist on EventBus default.");
  }
  return it->second;
}

void ScheduleService::Publish(std::string_view kind, std::string_view rule,
                              std::string_view key,
                              std::string_view detail) const {
  Notify(observer_, "events", clock_.Now(), kind, rule, key, detail);
}

void ScheduleService::Arm(const RulePtr& rule, TimePoint after) {
  rule->next_fire = rule->schedule.NextAfter(rule->start, after);
  if (!rule->next_fire) return;  // cron past 2199: never again
  TimePoint at = *rule->next_fire;
  rule->timer = clock_.ScheduleAt(at, [this, rule, at] { Fire(rule, at); });
}

void ScheduleService::Disarm(RuleEntry& rule) {
  if (rule.timer != 0) clock_.Cancel(rule.timer);
  rule.timer = 0;
  rule.next_fire.reset();
}

void ScheduleService::Fire(const RulePtr& rule, TimePoint scheduled) {
  rule->timer = 0;
  ++rule->fire_count;
  rule->last_fire = scheduled;
  ++totals_.fires;
  // Re-arm before delivering, so that a delivery that disables or deletes
  // the rule cancels the next fire like any other caller would. A clock
  // that ran late (real time, a busy engine) skips the fires it missed
  // rather than replaying them in a burst.
  Arm(rule, std::max(scheduled, clock_.Now()));

  std::string event_id = ids_.NextUuidString();
  JsonWriter w;
  w.BeginObject()
      .Key("version")
      .String("0")
      .Key("id")
      .String(event_id)
      .Key("detail-type")
      .String("Scheduled Event")
      .Key("source")
      .String("aws.events")
      .Key("account")
      .String(options_.account_id)
      .Key("time")
      .String(FormatIso8601(scheduled, /*millis=*/false))
      .Key("region")
      .String(options_.region)
      .Key("resources")
      .BeginArray()
      .String(rule->arn)
      .EndArray()
      .Key("detail")
      .BeginObject()
      .EndObject()
      .EndObject();
  std::string event = w.Take();

  if (observer_ != nullptr) {
    JsonWriter d;
    d.BeginObject()
        .Key("scheduledTime")
        .String(FormatIso8601(scheduled, /*millis=*/false))
        .Key("fireCount")
        .Int(static_cast<int64_t>(rule->fire_count))
        .Key("targets")
        .Int(static_cast<int64_t>(rule->targets->size()))
        .EndObject();
    Publish("RuleFired", rule->name, event_id, d.str());
  }
  std::shared_ptr<const std::vector<Target>> targets = rule->targets;
  for (const Target& target : *targets) {
    Deliver(*rule, target, event, event_id);
  }
}

void ScheduleService::Deliver(RuleEntry& rule, const Target& target,
                              const std::string& event,
                              std::string_view event_id) {
  auto send = [&](const std::string& payload) {
    if (!delivery_) {
      return Status(common::kInternalError,
                    "No delivery is wired to the schedule service.");
    }
    return delivery_(target, payload);
  };
  Status s;
  if (target.input) {
    s = send(*target.input);
  } else if (target.input_path) {
    std::optional<std::string> selected = SelectPath(event, *target.input_path);
    s = selected ? send(*selected)
                 : Validation("InputPath " + *target.input_path +
                              " selects nothing in the event.");
  } else {
    s = send(event);
  }
  if (s.ok()) {
    ++rule.deliveries;
    ++totals_.deliveries;
  } else {
    ++rule.delivery_failures;
    ++totals_.delivery_failures;
  }
  if (observer_ == nullptr) return;
  JsonWriter d;
  d.BeginObject().Key("eventId").String(event_id).Key("arn").String(target.arn);
  if (!s.ok()) d.Key("error").String(s.ToString());
  d.EndObject();
  Publish(s.ok() ? "TargetDelivered" : "TargetFailed", rule.name, target.id,
          d.str());
}

Result<std::string> ScheduleService::PutRule(const PutRuleRequest& req) {
  if (Status s = CheckName(req.name, "name"); !s.ok()) return s;
  if (req.schedule_expression) {
    if (Status s = CheckLength(*req.schedule_expression, "scheduleExpression",
                               kMaxExpressionLength);
        !s.ok()) {
      return s;
    }
  }
  if (Status s =
          CheckLength(req.description, "description", kMaxDescriptionLength);
      !s.ok()) {
    return s;
  }
  if (Status s = CheckLength(req.role_arn, "roleArn", kMaxArnLength); !s.ok()) {
    return s;
  }
  if (Status s = CheckBus(req.event_bus_name); !s.ok()) return s;
  RuleState state = RuleState::kEnabled;
  if (req.state) {
    if (*req.state == "DISABLED") {
      state = RuleState::kDisabled;
    } else if (*req.state == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS") {
      return Validation(
          "State ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS applies to "
          "event patterns; a schedule rule is ENABLED or DISABLED.");
    } else if (*req.state != "ENABLED") {
      return Constraint(*req.state, "state",
                        "satisfy enum value set: [ENABLED, DISABLED, "
                        "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]");
    }
  }
  if (req.event_pattern) {
    return Validation(
        "Only schedule rules are supported: fanlab does not match "
        "EventPattern (give a ScheduleExpression instead).");
  }
  if (!req.schedule_expression) {
    return Validation(
        "Parameter(s) EventPattern or ScheduleExpression must be specified.");
  }
  Result<ScheduleExpression> parsed =
      ScheduleExpression::Parse(*req.schedule_expression);
  if (!parsed.ok()) {
    return Validation("Parameter ScheduleExpression is not valid. " +
                      parsed.status().message() + ".");
  }

  auto it = rules_.find(req.name);
  const bool created = it == rules_.end();
  if (created && rules_.size() >= options_.max_rules) return LimitExceeded();
  RulePtr rule;
  bool keep_timer = false;
  if (created) {
    rule = std::make_shared<RuleEntry>(req.name, RuleArn(req.name),
                                       std::move(parsed).value());
    rules_.emplace(req.name, rule);
  } else {
    rule = it->second;
    keep_timer = rule->state == RuleState::kEnabled &&
                 state == RuleState::kEnabled &&
                 rule->schedule.text() == parsed->text();
    rule->schedule = std::move(parsed).value();
  }
  rule->description = req.description;
  rule->role_arn = req.role_arn;
  rule->state = state;
  if (!keep_timer) {
    Disarm(*rule);
    if (state == RuleState::kEnabled) {
      rule->start = clock_.Now();
      Arm(rule, rule->start);
    }
  }
  if (observer_ != nullptr) {
    JsonWriter d;
    d.BeginObject()
        .Key("ScheduleExpression")
        .String(rule->schedule.text())
        .Key("State")
        .String(RuleStateName(state))
        .EndObject();
    Publish(created ? "RuleCreated" : "RuleUpdated", rule->name, "", d.str());
  }
  return rule->arn;
}

RuleInfo ScheduleService::Info(const RuleEntry& rule) const {
  RuleInfo info;
  info.name = rule.name;
  info.arn = rule.arn;
  info.schedule_expression = rule.schedule.text();
  info.description = rule.description;
  info.role_arn = rule.role_arn;
  info.state = rule.state;
  info.target_count = rule.targets->size();
  info.fire_count = rule.fire_count;
  info.last_fire = rule.last_fire;
  info.next_fire = rule.next_fire;
  info.deliveries = rule.deliveries;
  info.delivery_failures = rule.delivery_failures;
  return info;
}

Result<RuleInfo> ScheduleService::DescribeRule(const RuleRequest& req) const {
  if (Status s = CheckName(req.name, "name"); !s.ok()) return s;
  Result<RulePtr> rule = Find(req.name, req.event_bus_name);
  if (!rule.ok()) return rule.status();
  return Info(**rule);
}

Result<ListRulesResponse> ScheduleService::ListRules(
    const ListRulesRequest& req) const {
  if (!req.name_prefix.empty()) {
    if (Status s = CheckName(req.name_prefix, "namePrefix"); !s.ok()) return s;
  }
  if (Status s = CheckLimit(req.limit); !s.ok()) return s;
  if (Status s = CheckBus(req.event_bus_name); !s.ok()) return s;
  const size_t page = static_cast<size_t>(req.limit.value_or(kMaxPageSize));
  // The token is the name the next page starts at.
  std::string_view from =
      std::max<std::string_view>(req.name_prefix, req.next_token);
  ListRulesResponse out;
  for (auto it = rules_.lower_bound(from); it != rules_.end(); ++it) {
    if (!it->first.starts_with(req.name_prefix)) break;
    if (out.rules.size() == page) {
      out.next_token = it->first;
      break;
    }
    out.rules.push_back(Info(*it->second));
  }
  return out;
}

Status ScheduleService::DeleteRule(const RuleRequest& req) {
  if (Status s = CheckName(req.name, "name"); !s.ok()) return s;
  if (Status s = CheckBus(req.event_bus_name); !s.ok()) return s;
  auto it = rules_.find(req.name);
  if (it == rules_.end()) return Status::Ok();
  if (!it->second->targets->empty()) {
    return Validation("Rule can't be deleted since it has targets.");
  }
  RulePtr rule = it->second;
  Disarm(*rule);
  rules_.erase(it);
  Publish("RuleDeleted", rule->name, "", "{}");
  return Status::Ok();
}

Status ScheduleService::EnableRule(const RuleRequest& req) {
  if (Status s = CheckName(req.name, "name"); !s.ok()) return s;
  Result<RulePtr> found = Find(req.name, req.event_bus_name);
  if (!found.ok()) return found.status();
  RulePtr rule = *found;
  if (rule->state == RuleState::kEnabled) return Status::Ok();
  rule->state = RuleState::kEnabled;
  rule->start = clock_.Now();
  Arm(rule, rule->start);
  Publish("RuleUpdated", rule->name, "", R"({"State":"ENABLED"})");
  return Status::Ok();
}

Status ScheduleService::DisableRule(const RuleRequest& req) {
  if (Status s = CheckName(req.name, "name"); !s.ok()) return s;
  Result<RulePtr> found = Find(req.name, req.event_bus_name);
  if (!found.ok()) return found.status();
  RulePtr rule = *found;
  if (rule->state == RuleState::kDisabled) return Status::Ok();
  rule->state = RuleState::kDisabled;
  Disarm(*rule);
  Publish("RuleUpdated", rule->name, "", R"({"State":"DISABLED"})");
  return Status::Ok();
}

namespace {

// Why fanlab cannot deliver to `target` ("" when it can); fills the
// target's kind and resource from its ARN.
std::string CheckTarget(Target& target, const ScheduleServiceOptions& o) {
  const std::string expected_functions =
      "arn:aws:lambda:" + o.region + ":" + o.account_id + ":function:NAME";
  const std::string expected_queues =
      "arn:aws:sqs:" + o.region + ":" + o.account_id + ":NAME";
  if (!target.unsupported.empty()) {
    std::string fields;
    for (const std::string& f : target.unsupported) {
      fields += (fields.empty() ? "" : ", ") + f;
    }
    return "Target " + target.id + ": fanlab does not support " + fields +
           " on schedule targets.";
  }
  const std::vector<std::string_view> parts = Split(target.arn, ':');
  const bool lambda = parts.size() >= 3 && parts[2] == "lambda";
  const bool sqs = parts.size() >= 3 && parts[2] == "sqs";
  if (parts.size() < 6 || parts[0] != "arn" || parts[1] != "aws" ||
      !(lambda || sqs)) {
    return "Target " + target.id + ": ARN " + target.arn +
           " is neither a Lambda function (" + expected_functions +
           ") nor an SQS queue (" + expected_queues +
           "); fanlab delivers to those two only.";
  }
  if (parts[3] != o.region || parts[4] != o.account_id) {
    return "Target " + target.id + ": ARN " + target.arn +
           " is in another region or account; this emulator is " + o.region +
           ", account " + o.account_id + ".";
  }
  if (lambda) {
    if (parts.size() == 8) {
      return "Target " + target.id + ": ARN " + target.arn +
             " names a version or alias; fanlab functions have neither.";
    }
    if (parts.size() != 7 || parts[5] != "function" || parts[6].size() > 64 ||
        !AllOf(parts[6], IsFunctionNameChar)) {
      return "Target " + target.id + ": ARN " + target.arn +
             " is not a function ARN (" + expected_functions + ").";
    }
    target.kind = TargetKind::kFunction;
    target.resource = std::string(parts[6]);
  } else {
    std::string_view name = parts.size() == 6 ? parts[5] : "";
    std::string_view base = name;
    if (base.ends_with(".fifo")) base.remove_suffix(5);
    if (parts.size() != 6 || name.size() > 80 ||
        !AllOf(base, IsFunctionNameChar)) {
      return "Target " + target.id + ": ARN " + target.arn +
             " is not a queue ARN (" + expected_queues + ").";
    }
    if (name.ends_with(".fifo") && !target.message_group_id) {
      return "Parameter(s) SqsParameters must be specified for target: " +
             target.id + ".";
    }
    target.kind = TargetKind::kQueue;
    target.resource = std::string(name);
  }
  if (target.input && target.input_path) {
    return "Target " + target.id +
           ": only one of Input and InputPath can be given.";
  }
  if (target.input) {
    boost::system::error_code ec;
    json::parse(*target.input, ec);
    if (ec) {
      return "Target " + target.id + ": Input is not valid JSON text (" +
             ec.message() + ").";
    }
  }
  if (target.input_path && !ValidInputPath(*target.input_path)) {
    return "Target " + target.id + ": InputPath " + *target.input_path +
           " is not a JSONPath fanlab evaluates ($, then .key and [index] "
           "steps).";
  }
  return "";
}

}  // namespace

Result<TargetsResponse> ScheduleService::PutTargets(
    const PutTargetsRequest& req) {
  if (Status s = CheckName(req.rule, "rule"); !s.ok()) return s;
  if (req.targets.empty()) {
    return Constraint("[]", "targets",
                      "have length greater than or equal to 1");
  }
  if (req.targets.size() > kMaxTargetsPerRequest) {
    return Validation(
        "1 validation error detected: Value at 'targets' failed to satisfy "
        "constraint: Member must have length less than or equal to 10");
  }
  std::set<std::string_view> ids;
  for (size_t i = 0; i < req.targets.size(); ++i) {
    const Target& t = req.targets[i];
    const std::string at = "targets." + std::to_string(i + 1) + ".member.";
    if (Status s = CheckName(t.id, at + "id"); !s.ok()) return s;
    if (t.arn.empty()) {
      return Constraint(t.arn, at + "arn",
                        "have length greater than or equal to 1");
    }
    if (Status s = CheckLength(t.arn, at + "arn", kMaxArnLength); !s.ok()) {
      return s;
    }
    if (t.input) {
      if (Status s = CheckLength(*t.input, at + "input", kMaxInputLength);
          !s.ok()) {
        return s;
      }
    }
    if (t.input_path) {
      if (Status s =
              CheckLength(*t.input_path, at + "inputPath", kMaxInputPathLength);
          !s.ok()) {
        return s;
      }
    }
    if (!ids.insert(t.id).second) {
      return Validation("Target ids in one request must be distinct: " + t.id +
                        " appears more than once.");
    }
  }
  Result<RulePtr> found = Find(req.rule, req.event_bus_name);
  if (!found.ok()) return found.status();
  RulePtr rule = *found;

  TargetsResponse out;
  std::vector<Target> accepted;
  for (Target t : req.targets) {
    if (std::string why = CheckTarget(t, options_); !why.empty()) {
      out.failed.push_back({t.id, "ValidationException", std::move(why)});
      continue;
    }
    accepted.push_back(std::move(t));
  }
  // Replace in place (a target keeps its position), append the new ones.
  std::vector<Target> next = *rule->targets;
  for (Target& t : accepted) {
    auto same = std::find_if(next.begin(), next.end(),
                             [&](const Target& e) { return e.id == t.id; });
    if (same != next.end()) {
      *same = std::move(t);
    } else {
      next.push_back(std::move(t));
    }
  }
  if (next.size() > options_.max_targets_per_rule) return LimitExceeded();
  if (!accepted.empty()) {
    rule->targets =
        std::make_shared<const std::vector<Target>>(std::move(next));
    if (observer_ != nullptr) {
      JsonWriter d;
      d.BeginObject().Key("PutTargets").BeginArray();
      for (const Target& t : req.targets) {
        bool failed = std::any_of(
            out.failed.begin(), out.failed.end(),
            [&](const FailedTargetEntry& f) { return f.target_id == t.id; });
        if (!failed) d.String(t.id);
      }
      d.EndArray().EndObject();
      Publish("RuleUpdated", rule->name, "", d.str());
    }
  }
  return out;
}

Result<TargetsResponse> ScheduleService::RemoveTargets(
    const RemoveTargetsRequest& req) {
  if (Status s = CheckName(req.rule, "rule"); !s.ok()) return s;
  if (req.ids.empty()) {
    return Constraint("[]", "ids", "have length greater than or equal to 1");
  }
  if (req.ids.size() > kMaxIdsPerRemove) {
    return Validation(
        "1 validation error detected: Value at 'ids' failed to satisfy "
        "constraint: Member must have length less than or equal to 100");
  }
  for (size_t i = 0; i < req.ids.size(); ++i) {
    if (Status s =
            CheckName(req.ids[i], "ids." + std::to_string(i + 1) + ".member");
        !s.ok()) {
      return s;
    }
  }
  Result<RulePtr> found = Find(req.rule, req.event_bus_name);
  if (!found.ok()) return found.status();
  RulePtr rule = *found;
  // `removed` views the ids of the snapshot being replaced: keep it alive.
  std::shared_ptr<const std::vector<Target>> old = rule->targets;
  std::vector<Target> next;
  std::vector<std::string_view> removed;
  for (const Target& t : *old) {
    if (std::find(req.ids.begin(), req.ids.end(), t.id) != req.ids.end()) {
      removed.push_back(t.id);
    } else {
      next.push_back(t);
    }
  }
  if (removed.empty()) return TargetsResponse{};
  rule->targets = std::make_shared<const std::vector<Target>>(std::move(next));
  if (observer_ != nullptr) {
    JsonWriter d;
    d.BeginObject().Key("RemoveTargets").BeginArray();
    for (std::string_view id : removed) d.String(id);
    d.EndArray().EndObject();
    Publish("RuleUpdated", rule->name, "", d.str());
  }
  return TargetsResponse{};
}

Result<ListTargetsByRuleResponse> ScheduleService::ListTargetsByRule(
    const ListTargetsByRuleRequest& req) const {
  if (Status s = CheckName(req.rule, "rule"); !s.ok()) return s;
  if (Status s = CheckLimit(req.limit); !s.ok()) return s;
  Result<RulePtr> found = Find(req.rule, req.event_bus_name);
  if (!found.ok()) return found.status();
  const std::vector<Target>& targets = *(*found)->targets;
  // The token is the id of the target the next page starts at.
  size_t first = 0;
  if (!req.next_token.empty()) {
    auto it =
        std::find_if(targets.begin(), targets.end(),
                     [&](const Target& t) { return t.id == req.next_token; });
    if (it == targets.end()) return Validation("The NextToken is not valid.");
    first = static_cast<size_t>(it - targets.begin());
  }
  const size_t page = static_cast<size_t>(req.limit.value_or(kMaxPageSize));
  ListTargetsByRuleResponse out;
  for (size_t i = first; i < targets.size(); ++i) {
    if (out.targets.size() == page) {
      out.next_token = targets[i].id;
      break;
    }
    out.targets.push_back(targets[i]);
  }
  return out;
}

std::vector<RuleInfo> ScheduleService::Rules() const {
  std::vector<RuleInfo> out;
  out.reserve(rules_.size());
  for (const auto& [name, rule] : rules_) out.push_back(Info(*rule));
  return out;
}

std::optional<RuleInfo> ScheduleService::Rule(std::string_view name) const {
  auto it = rules_.find(name);
  if (it == rules_.end()) return std::nullopt;
  return Info(*it->second);
}

}  // namespace fanlab::services
