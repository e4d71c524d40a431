// EventBridge's rule actions over the one dispatcher (schedule rules only):
// PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule,
// PutTargets, RemoveTargets, ListTargetsByRule, with the request and
// response shapes of the EventBridge API (docs/services.md).
//
// A missing required field is EventBridge's ValidationException ("Value
// null at 'name' failed to satisfy constraint: Member must not be null");
// a field of the wrong type is a SerializationException naming it. Every
// other rule lives in services::ScheduleService.
#include <algorithm>
#include <iterator>
#include <utility>

#include "emulator/api/errors.h"
#include "emulator/api/handlers.h"
#include "emulator/api/json_fields.h"
#include "emulator/core/arn.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/events_errors.h"
#include "emulator/services/schedule_service.h"

namespace fanlab::api {
namespace {

using services::ScheduleService;
using services::Target;

// EventBridge's word for a missing required field, which callers name as
// EventBridge does ("name", "targets").
constexpr MissingField kMissing =
    MemberMustNotBeNull<events::kValidationException>;

// Tags: [{Key, Value}] (accepted, not kept).
void CheckTags(FieldReader& r) {
  r.Objects("Tags", [](FieldReader& tag, size_t) {
    std::string ignored;
    tag.Read("Key", ignored);
    tag.Read("Value", ignored);
  });
}

// A rule as DescribeRule and ListRules write it.
void WriteRule(JsonWriter& w, const services::RuleInfo& r, bool created_by) {
  w.BeginObject()
      .Key("Name")
      .String(r.name)
      .Key("Arn")
      .String(r.arn)
      .Key("ScheduleExpression")
      .String(r.schedule_expression)
      .Key("State")
      .String(services::RuleStateName(r.state));
  if (!r.description.empty()) w.Key("Description").String(r.description);
  if (!r.role_arn.empty()) w.Key("RoleArn").String(r.role_arn);
  w.Key("EventBusName").String("default");
  if (created_by) w.Key("CreatedBy").String(ArnAccount(r.arn));
  w.EndObject();
}

void WriteFailed(JsonWriter& w,
                 const std::vector<services::FailedTargetEntry>& failed) {
  w.BeginObject()
      .Key("FailedEntryCount")
      .Int(static_cast<int64_t>(failed.size()))
      .Key("FailedEntries")
      .BeginArray();
  for (const auto& f : failed) {
    w.BeginObject()
        .Key("TargetId")
        .String(f.target_id)
        .Key("ErrorCode")
        .String(f.error_code)
        .Key("ErrorMessage")
        .String(f.error_message)
        .EndObject();
  }
  w.EndArray().EndObject();
}

// Name + EventBusName (+ Force): DescribeRule, DeleteRule, EnableRule,
// DisableRule.
Status ReadRuleRequest(std::string_view body, services::RuleRequest& req) {
  return ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("Name", req.name, "name");
    r.Read("EventBusName", req.event_bus_name);
    r.Read("Force", req.force);
  });
}

void PutRule(CallContext& c, std::string_view body, ApiCallback& done) {
  services::PutRuleRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("Name", req.name, "name");
    r.Read("ScheduleExpression", req.schedule_expression);
    r.Read("EventPattern", req.event_pattern);
    r.Read("State", req.state);
    r.Read("Description", req.description);
    r.Read("RoleArn", req.role_arn);
    r.Read("EventBusName", req.event_bus_name);
    CheckTags(r);
  });
  if (!read.ok()) return done(EventsError(read));
  Result<std::string> arn = c.services.schedules->PutRule(req);
  if (!arn.ok()) return done(EventsError(arn.status()));
  JsonWriter w;
  w.BeginObject().Key("RuleArn").String(*arn).EndObject();
  done(Ok(w.Take()));
}

void DescribeRule(CallContext& c, std::string_view body, ApiCallback& done) {
  services::RuleRequest req;
  if (Status read = ReadRuleRequest(body, req); !read.ok()) {
    return done(EventsError(read));
  }
  Result<services::RuleInfo> rule = c.services.schedules->DescribeRule(req);
  if (!rule.ok()) return done(EventsError(rule.status()));
  JsonWriter w;
  WriteRule(w, *rule, /*created_by=*/true);
  done(Ok(w.Take()));
}

void ListRules(CallContext& c, std::string_view body, ApiCallback& done) {
  services::ListRulesRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Read("NamePrefix", req.name_prefix);
    r.Read("EventBusName", req.event_bus_name);
    r.Read("NextToken", req.next_token);
    r.Read("Limit", req.limit);
  });
  if (!read.ok()) return done(EventsError(read));
  Result<services::ListRulesResponse> list =
      c.services.schedules->ListRules(req);
  if (!list.ok()) return done(EventsError(list.status()));
  JsonWriter w;
  w.BeginObject().Key("Rules").BeginArray();
  for (const auto& r : list->rules) WriteRule(w, r, /*created_by=*/false);
  w.EndArray();
  if (!list->next_token.empty()) w.Key("NextToken").String(list->next_token);
  w.EndObject();
  done(Ok(w.Take()));
}

// DeleteRule, EnableRule, DisableRule: a RuleRequest in, {} out.
Handler RuleCall(
    Status (ScheduleService::*call)(const services::RuleRequest&)) {
  return [call](CallContext& c, std::string_view body, ApiCallback& done) {
    services::RuleRequest req;
    if (Status read = ReadRuleRequest(body, req); !read.ok()) {
      return done(EventsError(read));
    }
    Status st = (c.services.schedules->*call)(req);
    done(st.ok() ? Ok("{}") : EventsError(st));
  };
}

// The target fields fanlab models; any other non-null one is recorded in
// Target::unsupported.
void ReadTarget(FieldReader& r, Target& t) {
  static constexpr std::string_view kModeled[] = {
      "Id", "Arn", "Input", "InputPath", "RoleArn", "SqsParameters"};
  r.Read("Id", t.id);
  r.Read("Arn", t.arn);
  r.Read("Input", t.input);
  r.Read("InputPath", t.input_path);
  r.Read("RoleArn", t.role_arn);
  if (std::optional<FieldReader> sqs = r.Object("SqsParameters")) {
    sqs->Read("MessageGroupId", t.message_group_id);
  }
  for (const auto& [key, value] : r.object()) {
    if (value.is_null()) continue;
    if (std::find(std::begin(kModeled), std::end(kModeled), key) ==
        std::end(kModeled)) {
      t.unsupported.emplace_back(key);
    }
  }
}

void PutTargets(CallContext& c, std::string_view body, ApiCallback& done) {
  services::PutTargetsRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("Rule", req.rule, "rule");
    r.Read("EventBusName", req.event_bus_name);
    if (!r.Has("Targets")) r.Missing("Targets", "targets");
    r.Objects("Targets", [&req](FieldReader& t, size_t) {
      ReadTarget(t, req.targets.emplace_back());
    });
  });
  if (!read.ok()) return done(EventsError(read));
  Result<services::TargetsResponse> put = c.services.schedules->PutTargets(req);
  if (!put.ok()) return done(EventsError(put.status()));
  JsonWriter w;
  WriteFailed(w, put->failed);
  done(Ok(w.Take()));
}

void RemoveTargets(CallContext& c, std::string_view body, ApiCallback& done) {
  services::RemoveTargetsRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("Rule", req.rule, "rule");
    r.Read("EventBusName", req.event_bus_name);
    r.Read("Force", req.force);
    r.Require("Ids", req.ids, "ids");
  });
  if (!read.ok()) return done(EventsError(read));
  Result<services::TargetsResponse> removed =
      c.services.schedules->RemoveTargets(req);
  if (!removed.ok()) return done(EventsError(removed.status()));
  JsonWriter w;
  WriteFailed(w, removed->failed);
  done(Ok(w.Take()));
}

void ListTargetsByRule(CallContext& c, std::string_view body,
                       ApiCallback& done) {
  services::ListTargetsByRuleRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("Rule", req.rule, "rule");
    r.Read("EventBusName", req.event_bus_name);
    r.Read("NextToken", req.next_token);
    r.Read("Limit", req.limit);
  });
  if (!read.ok()) return done(EventsError(read));
  Result<services::ListTargetsByRuleResponse> list =
      c.services.schedules->ListTargetsByRule(req);
  if (!list.ok()) return done(EventsError(list.status()));
  JsonWriter w;
  w.BeginObject().Key("Targets").BeginArray();
  for (const Target& t : list->targets) {
    w.BeginObject().Key("Id").String(t.id).Key("Arn").String(t.arn);
    if (t.input) w.Key("Input").String(*t.input);
    if (t.input_path) w.Key("InputPath").String(*t.input_path);
    if (!t.role_arn.empty()) w.Key("RoleArn").String(t.role_arn);
    if (t.message_group_id) {
      w.Key("SqsParameters")
          .BeginObject()
          .Key("MessageGroupId")
          .String(*t.message_group_id)
          .EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  if (!list->next_token.empty()) w.Key("NextToken").String(list->next_token);
  w.EndObject();
  done(Ok(w.Take()));
}

}  // namespace

void AddScheduleActions(Registry& registry) {
  registry.Add(ApiService::kEvents, "PutRule", PutRule);
  registry.Add(ApiService::kEvents, "DescribeRule", DescribeRule);
  registry.Add(ApiService::kEvents, "ListRules", ListRules);
  registry.Add(ApiService::kEvents, "DeleteRule",
               RuleCall(&ScheduleService::DeleteRule));
  registry.Add(ApiService::kEvents, "EnableRule",
               RuleCall(&ScheduleService::EnableRule));
  registry.Add(ApiService::kEvents, "DisableRule",
               RuleCall(&ScheduleService::DisableRule));
  registry.Add(ApiService::kEvents, "PutTargets", PutTargets);
  registry.Add(ApiService::kEvents, "RemoveTargets", RemoveTargets);
  registry.Add(ApiService::kEvents, "ListTargetsByRule", ListTargetsByRule);
}

}  // namespace fanlab::api
