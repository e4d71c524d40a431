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
#include <boost/json.hpp>
#include <iterator>
#include <utility>

#include "emulator/api/handlers.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/schedule_service.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using services::ScheduleService;
using services::Target;

Status Serialization(std::string message) {
  return Status(ErrorCode::kSerializationException, std::move(message));
}

Status NotNull(std::string_view member) {
  return Status(ErrorCode::kValidationException,
                "1 validation error detected: Value null at '" +
                    std::string(member) +
                    "' failed to satisfy constraint: Member must not be null");
}

// Parses `body` as an object; `read` fills the request from it.
template <typename F>
Status ReadBody(std::string_view body, F read) {
  if (body.empty()) body = "{}";
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return Serialization("The request body is not valid JSON: " + ec.message() +
                         ".");
  }
  if (!v.is_object()) {
    return Serialization("The request body must be a JSON object.");
  }
  return read(v.get_object());
}

bool Present(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && !v->is_null();
}

// `path` names the field in errors ("Targets[2].Id").
Status String(const json::object& o, std::string_view key,
              std::string_view path, std::optional<std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_string()) {
    return Serialization("Field " + std::string(path) + " must be a string.");
  }
  out = std::string(v->get_string());
  return Status::Ok();
}

Status String(const json::object& o, std::string_view key, std::string& out) {
  std::optional<std::string> value;
  if (Status s = String(o, key, key, value); !s.ok()) return s;
  if (value) out = std::move(*value);
  return Status::Ok();
}

// A required string; `member` is EventBridge's name for it in errors.
Status Required(const json::object& o, std::string_view key,
                std::string_view member, std::string& out) {
  if (!Present(o, key)) return NotNull(member);
  return String(o, key, out);
}

Status Int(const json::object& o, std::string_view key,
           std::optional<int64_t>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (v->is_int64()) {
    out = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() < (uint64_t{1} << 62)) {
    out = static_cast<int64_t>(v->get_uint64());
  } else {
    return Serialization("Field " + std::string(key) + " must be an integer.");
  }
  return Status::Ok();
}

Status Bool(const json::object& o, std::string_view key, bool& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_bool()) {
    return Serialization("Field " + std::string(key) + " must be a boolean.");
  }
  out = v->get_bool();
  return Status::Ok();
}

// Tags: [{Key, Value}] (accepted, not kept).
Status Tags(const json::object& o) {
  const json::value* v = o.if_contains("Tags");
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_array()) return Serialization("Field Tags must be a list.");
  for (size_t i = 0; i < v->get_array().size(); ++i) {
    const json::value& tag = v->get_array()[i];
    if (!tag.is_object()) {
      return Serialization("Field Tags[" + std::to_string(i) +
                           "] must be an object.");
    }
    for (const char* key : {"Key", "Value"}) {
      std::optional<std::string> ignored;
      std::string path = "Tags[" + std::to_string(i) + "]." + key;
      if (Status s = String(tag.get_object(), key, path, ignored); !s.ok()) {
        return s;
      }
    }
  }
  return Status::Ok();
}

ApiResponse Ok(std::string body) { return ApiResponse{true, std::move(body)}; }
ApiResponse Error(const Status& s) {
  return ErrorResponse(s, ApiService::kEvents);
}

// The account a rule's ARN names (DescribeRule's CreatedBy).
std::string AccountOf(std::string_view arn) {
  size_t at = 0;
  for (int i = 0; i < 4 && at != std::string_view::npos; ++i) {
    at = arn.find(':', at + 1);
  }
  if (at == std::string_view::npos) return "";
  size_t end = arn.find(':', at + 1);
  return std::string(arn.substr(at + 1, end - at - 1));
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
  if (created_by) w.Key("CreatedBy").String(AccountOf(r.arn));
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
  return ReadBody(body, [&](const json::object& o) {
    if (Status s = Required(o, "Name", "name", req.name); !s.ok()) return s;
    if (Status s = String(o, "EventBusName", req.event_bus_name); !s.ok()) {
      return s;
    }
    return Bool(o, "Force", req.force);
  });
}

void PutRule(Services& s, std::string_view body, ApiCallback& done) {
  services::PutRuleRequest req;
  Status read = ReadBody(body, [&](const json::object& o) {
    if (Status st = Required(o, "Name", "name", req.name); !st.ok()) return st;
    for (auto [key, field] :
         {std::pair{"ScheduleExpression", &req.schedule_expression},
          std::pair{"EventPattern", &req.event_pattern},
          std::pair{"State", &req.state}}) {
      if (Status st = String(o, key, key, *field); !st.ok()) return st;
    }
    if (Status st = String(o, "Description", req.description); !st.ok()) {
      return st;
    }
    if (Status st = String(o, "RoleArn", req.role_arn); !st.ok()) return st;
    if (Status st = String(o, "EventBusName", req.event_bus_name); !st.ok()) {
      return st;
    }
    return Tags(o);
  });
  if (!read.ok()) return done(Error(read));
  Result<std::string> arn = s.schedules->PutRule(req);
  if (!arn.ok()) return done(Error(arn.status()));
  JsonWriter w;
  w.BeginObject().Key("RuleArn").String(*arn).EndObject();
  done(Ok(w.Take()));
}

void DescribeRule(Services& s, std::string_view body, ApiCallback& done) {
  services::RuleRequest req;
  if (Status read = ReadRuleRequest(body, req); !read.ok()) {
    return done(Error(read));
  }
  Result<services::RuleInfo> rule = s.schedules->DescribeRule(req);
  if (!rule.ok()) return done(Error(rule.status()));
  JsonWriter w;
  WriteRule(w, *rule, /*created_by=*/true);
  done(Ok(w.Take()));
}

void ListRules(Services& s, std::string_view body, ApiCallback& done) {
  services::ListRulesRequest req;
  Status read = ReadBody(body, [&](const json::object& o) {
    if (Status st = String(o, "NamePrefix", req.name_prefix); !st.ok()) {
      return st;
    }
    if (Status st = String(o, "EventBusName", req.event_bus_name); !st.ok()) {
      return st;
    }
    if (Status st = String(o, "NextToken", req.next_token); !st.ok()) {
      return st;
    }
    return Int(o, "Limit", req.limit);
  });
  if (!read.ok()) return done(Error(read));
  Result<services::ListRulesResponse> list = s.schedules->ListRules(req);
  if (!list.ok()) return done(Error(list.status()));
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
  return [call](Services& s, std::string_view body, ApiCallback& done) {
    services::RuleRequest req;
    if (Status read = ReadRuleRequest(body, req); !read.ok()) {
      return done(Error(read));
    }
    Status st = (s.schedules->*call)(req);
    done(st.ok() ? Ok("{}") : Error(st));
  };
}

// The target fields fanlab models; any other non-null one is recorded in
// Target::unsupported.
Status ReadTarget(const json::object& o, const std::string& path, Target& t) {
  static constexpr std::string_view kModeled[] = {
      "Id", "Arn", "Input", "InputPath", "RoleArn", "SqsParameters"};
  std::optional<std::string> id, arn;
  if (Status s = String(o, "Id", path + ".Id", id); !s.ok()) return s;
  if (Status s = String(o, "Arn", path + ".Arn", arn); !s.ok()) return s;
  if (Status s = String(o, "Input", path + ".Input", t.input); !s.ok()) {
    return s;
  }
  if (Status s = String(o, "InputPath", path + ".InputPath", t.input_path);
      !s.ok()) {
    return s;
  }
  std::optional<std::string> role;
  if (Status s = String(o, "RoleArn", path + ".RoleArn", role); !s.ok()) {
    return s;
  }
  t.id = id.value_or("");
  t.arn = arn.value_or("");
  t.role_arn = role.value_or("");
  if (const json::value* sqs = o.if_contains("SqsParameters");
      sqs != nullptr && !sqs->is_null()) {
    if (!sqs->is_object()) {
      return Serialization("Field " + path +
                           ".SqsParameters must be an object.");
    }
    if (Status s =
            String(sqs->get_object(), "MessageGroupId",
                   path + ".SqsParameters.MessageGroupId", t.message_group_id);
        !s.ok()) {
      return s;
    }
  }
  for (const auto& [key, value] : o) {
    if (value.is_null()) continue;
    if (std::find(std::begin(kModeled), std::end(kModeled), key) ==
        std::end(kModeled)) {
      t.unsupported.emplace_back(key);
    }
  }
  return Status::Ok();
}

void PutTargets(Services& s, std::string_view body, ApiCallback& done) {
  services::PutTargetsRequest req;
  Status read = ReadBody(body, [&](const json::object& o) {
    if (Status st = Required(o, "Rule", "rule", req.rule); !st.ok()) return st;
    if (Status st = String(o, "EventBusName", req.event_bus_name); !st.ok()) {
      return st;
    }
    if (!Present(o, "Targets")) return NotNull("targets");
    const json::value& targets = o.at("Targets");
    if (!targets.is_array()) {
      return Serialization("Field Targets must be a list.");
    }
    for (size_t i = 0; i < targets.get_array().size(); ++i) {
      const json::value& t = targets.get_array()[i];
      std::string path = "Targets[" + std::to_string(i) + "]";
      if (!t.is_object()) {
        return Serialization("Field " + path + " must be an object.");
      }
      Target target;
      if (Status st = ReadTarget(t.get_object(), path, target); !st.ok()) {
        return st;
      }
      req.targets.push_back(std::move(target));
    }
    return Status::Ok();
  });
  if (!read.ok()) return done(Error(read));
  Result<services::TargetsResponse> put = s.schedules->PutTargets(req);
  if (!put.ok()) return done(Error(put.status()));
  JsonWriter w;
  WriteFailed(w, put->failed);
  done(Ok(w.Take()));
}

void RemoveTargets(Services& s, std::string_view body, ApiCallback& done) {
  services::RemoveTargetsRequest req;
  Status read = ReadBody(body, [&](const json::object& o) {
    if (Status st = Required(o, "Rule", "rule", req.rule); !st.ok()) return st;
    if (Status st = String(o, "EventBusName", req.event_bus_name); !st.ok()) {
      return st;
    }
    if (Status st = Bool(o, "Force", req.force); !st.ok()) return st;
    if (!Present(o, "Ids")) return NotNull("ids");
    const json::value& ids = o.at("Ids");
    if (!ids.is_array()) return Serialization("Field Ids must be a list.");
    for (size_t i = 0; i < ids.get_array().size(); ++i) {
      const json::value& id = ids.get_array()[i];
      if (!id.is_string()) {
        return Serialization("Field Ids[" + std::to_string(i) +
                             "] must be a string.");
      }
      req.ids.emplace_back(id.get_string());
    }
    return Status::Ok();
  });
  if (!read.ok()) return done(Error(read));
  Result<services::TargetsResponse> removed = s.schedules->RemoveTargets(req);
  if (!removed.ok()) return done(Error(removed.status()));
  JsonWriter w;
  WriteFailed(w, removed->failed);
  done(Ok(w.Take()));
}

void ListTargetsByRule(Services& s, std::string_view body, ApiCallback& done) {
  services::ListTargetsByRuleRequest req;
  Status read = ReadBody(body, [&](const json::object& o) {
    if (Status st = Required(o, "Rule", "rule", req.rule); !st.ok()) return st;
    if (Status st = String(o, "EventBusName", req.event_bus_name); !st.ok()) {
      return st;
    }
    if (Status st = String(o, "NextToken", req.next_token); !st.ok()) {
      return st;
    }
    return Int(o, "Limit", req.limit);
  });
  if (!read.ok()) return done(Error(read));
  Result<services::ListTargetsByRuleResponse> list =
      s.schedules->ListTargetsByRule(req);
  if (!list.ok()) return done(Error(list.status()));
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

void AddScheduleActions(HandlerMap& map) {
  map["PutRule"] = {ApiService::kEvents, PutRule};
  map["DescribeRule"] = {ApiService::kEvents, DescribeRule};
  map["ListRules"] = {ApiService::kEvents, ListRules};
  map["DeleteRule"] = {ApiService::kEvents,
                       RuleCall(&ScheduleService::DeleteRule)};
  map["EnableRule"] = {ApiService::kEvents,
                       RuleCall(&ScheduleService::EnableRule)};
  map["DisableRule"] = {ApiService::kEvents,
                        RuleCall(&ScheduleService::DisableRule)};
  map["PutTargets"] = {ApiService::kEvents, PutTargets};
  map["RemoveTargets"] = {ApiService::kEvents, RemoveTargets};
  map["ListTargetsByRule"] = {ApiService::kEvents, ListTargetsByRule};
}

}  // namespace fanlab::api
