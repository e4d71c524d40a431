#include "emulator/engine_journal.h"

#include <utility>

#include "emulator/core/common_errors.h"
#include "emulator/persist/record.h"
#include "emulator/services/attribute_value_json.h"

namespace fanlab {
namespace {

using persist::Decoder;
using persist::PutBytes;
using persist::PutTime;
using persist::PutVarint;

constexpr const char* kFunctions = "lambda.function";
constexpr const char* kMappings = "lambda.mapping";
constexpr const char* kRoutes = "http.route";
constexpr const char* kSinks = "http.sink";
constexpr const char* kTables = "dynamodb.table";
constexpr const char* kItems = "dynamodb.item/";  // + table name
constexpr const char* kTopics = "sns.topic";
constexpr const char* kRules = "events.rule";
constexpr const char* kNotifications = "s3.notification";

void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, static_cast<uint64_t>(v));
}
bool GetSigned(Decoder& d, int64_t& v) {
  uint64_t u;
  if (!d.Varint(u)) return false;
  v = static_cast<int64_t>(u);
  return true;
}
void PutOptional(std::string& out, const std::optional<int64_t>& v) {
  PutVarint(out, v ? 1 : 0);
  if (v) PutSigned(out, *v);
}
void PutOptional(std::string& out, const std::optional<std::string>& v) {
  PutVarint(out, v ? 1 : 0);
  if (v) PutBytes(out, *v);
}
bool GetOptional(Decoder& d, std::optional<std::string>& v) {
  uint64_t has;
  if (!d.Varint(has)) return false;
  if (!has) return true;
  std::string x;
  if (!d.Bytes(x)) return false;
  v = std::move(x);
  return true;
}
bool GetOptional(Decoder& d, std::optional<int64_t>& v) {
  uint64_t has;
  if (!d.Varint(has)) return false;
  if (!has) return true;
  int64_t x;
  if (!GetSigned(d, x)) return false;
  v = x;
  return true;
}

std::string EncodeFunction(const compute::FunctionConfig& c,
                           const Result<compute::EventInvokeConfig>& event) {
  std::string out;
  PutBytes(out, c.name);
  PutBytes(out, c.runtime);
  PutBytes(out, c.handler);
  PutVarint(out, c.command.size());
  for (const auto& arg : c.command) PutBytes(out, arg);
  PutBytes(out, c.working_dir);
  PutBytes(out, c.code_dir);
  PutBytes(out, c.code_sha256);
  PutSigned(out, c.code_size);
  PutVarint(out, c.mode == compute::Mode::kWarm ? 1 : 0);
  PutSigned(out, c.timeout_seconds);
  PutSigned(out, c.memory_mb);
  PutVarint(out, c.env.size());
  for (const auto& [k, v] : c.env) {
    PutBytes(out, k);
    PutBytes(out, v);
  }
  PutOptional(out, c.reserved_concurrency);
  PutSigned(out, c.virtual_duration.count());
  PutSigned(out, c.virtual_duration_max.count());
  PutVarint(out, event.ok() ? 1 : 0);
  if (event.ok()) {
    PutSigned(out, event->maximum_retry_attempts);
    PutSigned(out, event->maximum_event_age_seconds);
    PutBytes(out, event->on_success);
    PutBytes(out, event->on_failure);
  }
  PutBytes(out, c.dead_letter_target_arn);
  return out;
}

bool DecodeFunction(std::string_view blob, compute::FunctionConfig& c,
                    std::optional<compute::EventInvokeConfig>& event) {
  Decoder d(blob);
  uint64_t n, warm, has_event;
  int64_t vd, vd_max;
  if (!d.Bytes(c.name) || !d.Bytes(c.runtime) || !d.Bytes(c.handler) ||
      !d.Varint(n)) {
    return false;
  }
  for (uint64_t i = 0; i < n; ++i) {
    std::string arg;
    if (!d.Bytes(arg)) return false;
    c.command.push_back(std::move(arg));
  }
  if (!d.Bytes(c.working_dir) || !d.Bytes(c.code_dir) ||
      !d.Bytes(c.code_sha256) || !GetSigned(d, c.code_size) ||
      !d.Varint(warm) || !GetSigned(d, c.timeout_seconds) ||
      !GetSigned(d, c.memory_mb) || !d.Varint(n)) {
    return false;
  }
  c.mode = warm ? compute::Mode::kWarm : compute::Mode::kCold;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!d.Bytes(k) || !d.Bytes(v)) return false;
    c.env.emplace(std::move(k), std::move(v));
  }
  if (!GetOptional(d, c.reserved_concurrency) || !GetSigned(d, vd) ||
      !GetSigned(d, vd_max) || !d.Varint(has_event)) {
    return false;
  }
  c.virtual_duration = Duration(vd);
  c.virtual_duration_max = Duration(vd_max);
  if (has_event) {
    compute::EventInvokeConfig e;
    if (!GetSigned(d, e.maximum_retry_attempts) ||
        !GetSigned(d, e.maximum_event_age_seconds) || !d.Bytes(e.on_success) ||
        !d.Bytes(e.on_failure)) {
      return false;
    }
    event = e;
  }
  if (!d.Bytes(c.dead_letter_target_arn)) return false;
  return d.done();
}

std::string EncodeMapping(const compute::EventSourceMapping& m) {
  std::string out;
  PutBytes(out, m.uuid);
  PutBytes(out, m.event_source_arn);
  PutBytes(out, m.function_name);
  PutSigned(out, m.batch_size);
  PutSigned(out, m.maximum_batching_window_seconds);
  PutOptional(out, m.maximum_concurrency);
  PutVarint(out, m.report_batch_item_failures ? 1 : 0);
  PutVarint(out, m.enabled ? 1 : 0);
  PutBytes(out, m.state_transition_reason);
  PutTime(out, m.last_modified);
  return out;
}

bool DecodeMapping(std::string_view blob, compute::EventSourceMapping& m) {
  Decoder d(blob);
  uint64_t report, enabled;
  if (!d.Bytes(m.uuid) || !d.Bytes(m.event_source_arn) ||
      !d.Bytes(m.function_name) || !GetSigned(d, m.batch_size) ||
      !GetSigned(d, m.maximum_batching_window_seconds) ||
      !GetOptional(d, m.maximum_concurrency) || !d.Varint(report) ||
      !d.Varint(enabled) || !d.Bytes(m.state_transition_reason) ||
      !d.Time(m.last_modified)) {
    return false;
  }
  m.report_batch_item_failures = report != 0;
  m.enabled = enabled != 0;
  return d.done();
}

std::string EncodeRoute(const services::Route& r) {
  std::string out;
  PutBytes(out, r.method);
  PutBytes(out, r.path);
  PutBytes(out, r.function);
  PutVarint(out, r.api_key_required ? 1 : 0);
  PutVarint(out, r.api_keys.size());
  for (const auto& key : r.api_keys) PutBytes(out, key);
  PutBytes(out, r.payload_format);
  return out;
}

bool DecodeRoute(std::string_view blob, services::Route& r) {
  Decoder d(blob);
  uint64_t required, n;
  if (!d.Bytes(r.method) || !d.Bytes(r.path) || !d.Bytes(r.function) ||
      !d.Varint(required) || !d.Varint(n)) {
    return false;
  }
  r.api_key_required = required != 0;
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    if (!d.Bytes(key)) return false;
    r.api_keys.push_back(std::move(key));
  }
  if (!d.Bytes(r.payload_format)) return false;
  return d.done();
}

std::string EncodeSink(const services::Sink& s) {
  std::string out;
  PutBytes(out, s.name);
  PutSigned(out, s.status_code);
  PutBytes(out, s.body);
  PutVarint(out, s.headers.size());
  for (const auto& [k, v] : s.headers) {
    PutBytes(out, k);
    PutBytes(out, v);
  }
  return out;
}

bool DecodeSink(std::string_view blob, services::Sink& s) {
  Decoder d(blob);
  int64_t status;
  uint64_t n;
  if (!d.Bytes(s.name) || !GetSigned(d, status) || !d.Bytes(s.body) ||
      !d.Varint(n)) {
    return false;
  }
  s.status_code = static_cast<int>(status);
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!d.Bytes(k) || !d.Bytes(v)) return false;
    s.headers.emplace_back(std::move(k), std::move(v));
  }
  return d.done();
}

std::string EncodeTable(const services::TableDescription& t) {
  std::string out;
  PutBytes(out, t.table_name);
  PutBytes(out, t.table_arn);
  PutBytes(out, t.table_id);
  PutTime(out, t.creation_time);
  PutVarint(out, t.attribute_definitions.size());
  for (const auto& d : t.attribute_definitions) {
    PutBytes(out, d.name);
    PutVarint(out, static_cast<uint64_t>(d.type));
  }
  PutVarint(out, t.key_schema.size());
  for (const auto& k : t.key_schema) {
    PutBytes(out, k.name);
    PutVarint(out, k.key_type == services::KeyType::kRange ? 1 : 0);
  }
  PutVarint(out, t.billing_mode == services::BillingMode::kPayPerRequest);
  PutSigned(out, t.provisioned_throughput.read_capacity_units);
  PutSigned(out, t.provisioned_throughput.write_capacity_units);
  return out;
}

bool DecodeTable(std::string_view blob, services::TableDescription& t) {
  Decoder d(blob);
  uint64_t n, v;
  if (!d.Bytes(t.table_name) || !d.Bytes(t.table_arn) || !d.Bytes(t.table_id) ||
      !d.Time(t.creation_time) || !d.Varint(n)) {
    return false;
  }
  for (uint64_t i = 0; i < n; ++i) {
    services::AttributeDefinition a;
    if (!d.Bytes(a.name) || !d.Varint(v) ||
        v > static_cast<uint64_t>(services::AttributeType::kB)) {
      return false;
    }
    a.type = static_cast<services::AttributeType>(v);
    t.attribute_definitions.push_back(std::move(a));
  }
  if (!d.Varint(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    services::KeySchemaElement k;
    if (!d.Bytes(k.name) || !d.Varint(v)) return false;
    k.key_type = v ? services::KeyType::kRange : services::KeyType::kHash;
    t.key_schema.push_back(std::move(k));
  }
  if (!d.Varint(v) ||
      !GetSigned(d, t.provisioned_throughput.read_capacity_units) ||
      !GetSigned(d, t.provisioned_throughput.write_capacity_units)) {
    return false;
  }
  t.billing_mode = v ? services::BillingMode::kPayPerRequest
                     : services::BillingMode::kProvisioned;
  t.table_status = "ACTIVE";
  return d.done();
}

std::string EncodeTopic(const services::Topic& t,
                        const std::vector<services::Subscription>& subs) {
  std::string out;
  PutBytes(out, t.name);
  PutBytes(out, t.arn);
  PutVarint(out, t.attributes.size());
  for (const auto& [k, v] : t.attributes) {
    PutBytes(out, k);
    PutBytes(out, v);
  }
  PutVarint(out, subs.size());
  for (const auto& s : subs) {
    PutBytes(out, s.arn);
    PutBytes(out, s.protocol);
    PutBytes(out, s.endpoint);
    PutVarint(out, s.raw_message_delivery ? 1 : 0);
    PutBytes(out, s.filter_policy);
    PutBytes(out, s.filter_policy_scope);
  }
  return out;
}

bool DecodeTopic(std::string_view blob, services::Topic& t,
                 std::vector<services::Subscription>& subs) {
  Decoder d(blob);
  uint64_t n;
  if (!d.Bytes(t.name) || !d.Bytes(t.arn) || !d.Varint(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!d.Bytes(k) || !d.Bytes(v)) return false;
    t.attributes.emplace(std::move(k), std::move(v));
  }
  if (!d.Varint(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    services::Subscription s;
    uint64_t raw;
    if (!d.Bytes(s.arn) || !d.Bytes(s.protocol) || !d.Bytes(s.endpoint) ||
        !d.Varint(raw) || !d.Bytes(s.filter_policy) ||
        !d.Bytes(s.filter_policy_scope)) {
      return false;
    }
    s.topic_arn = t.arn;
    s.raw_message_delivery = raw != 0;
    subs.push_back(std::move(s));
  }
  return d.done();
}

std::string EncodeRule(const services::RuleInfo& r,
                       const std::vector<services::Target>& targets) {
  std::string out;
  PutBytes(out, r.name);
  PutBytes(out, r.schedule_expression);
  PutVarint(out, r.state == services::RuleState::kEnabled ? 1 : 0);
  PutBytes(out, r.description);
  PutBytes(out, r.role_arn);
  PutVarint(out, targets.size());
  for (const auto& t : targets) {
    PutBytes(out, t.id);
    PutBytes(out, t.arn);
    PutOptional(out, t.input);
    PutOptional(out, t.input_path);
    PutBytes(out, t.role_arn);
    PutOptional(out, t.message_group_id);
  }
  return out;
}

bool DecodeRule(std::string_view blob, services::PutRuleRequest& r,
                std::vector<services::Target>& targets) {
  Decoder d(blob);
  uint64_t enabled, n;
  std::string expression;
  if (!d.Bytes(r.name) || !d.Bytes(expression) || !d.Varint(enabled) ||
      !d.Bytes(r.description) || !d.Bytes(r.role_arn) || !d.Varint(n)) {
    return false;
  }
  r.schedule_expression = std::move(expression);
  r.state = enabled ? "ENABLED" : "DISABLED";
  for (uint64_t i = 0; i < n; ++i) {
    services::Target t;
    if (!d.Bytes(t.id) || !d.Bytes(t.arn) || !GetOptional(d, t.input) ||
        !GetOptional(d, t.input_path) || !d.Bytes(t.role_arn) ||
        !GetOptional(d, t.message_group_id)) {
      return false;
    }
    targets.push_back(std::move(t));
  }
  return d.done();
}

std::string EncodeNotifications(const services::NotificationConfiguration& c) {
  std::string out;
  PutVarint(out, c.rules.size());
  for (const auto& r : c.rules) {
    PutBytes(out, r.id);
    PutVarint(out, static_cast<uint64_t>(r.kind));
    PutBytes(out, r.arn);
    PutVarint(out, r.events.size());
    for (const auto& e : r.events) PutBytes(out, e);
    PutBytes(out, r.prefix);
    PutBytes(out, r.suffix);
  }
  return out;
}

bool DecodeNotifications(std::string_view blob,
                         services::NotificationConfiguration& c) {
  Decoder d(blob);
  uint64_t n, kind, events;
  if (!d.Varint(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    services::NotificationRule r;
    if (!d.Bytes(r.id) || !d.Varint(kind) ||
        kind >
            static_cast<uint64_t>(services::NotificationTargetKind::kTopic) ||
        !d.Bytes(r.arn) || !d.Varint(events)) {
      return false;
    }
    r.kind = static_cast<services::NotificationTargetKind>(kind);
    for (uint64_t j = 0; j < events; ++j) {
      std::string e;
      if (!d.Bytes(e)) return false;
      r.events.push_back(std::move(e));
    }
    if (!d.Bytes(r.prefix) || !d.Bytes(r.suffix)) return false;
    c.rules.push_back(std::move(r));
  }
  return d.done();
}

Status Undecodable() {
  return Status(common::kInternalError, "its record does not decode");
}

// The action's name without a service prefix ("sns:Subscribe",
// "AmazonSQS.SendMessage").
std::string_view BareAction(std::string_view action) {
  if (size_t at = action.find_last_of(":."); at != std::string_view::npos) {
    action.remove_prefix(at + 1);
  }
  return action;
}

// A predicate true for exactly the named actions.
std::function<bool(std::string_view)> OneOf(
    std::vector<std::string_view> actions) {
  return [actions = std::move(actions)](std::string_view action) {
    for (std::string_view a : actions) {
      if (a == action) return true;
    }
    return false;
  };
}

}  // namespace

bool EngineJournal::MayChange(std::string_view action) {
  action = BareAction(action);
  return !action.starts_with("Get") && !action.starts_with("List") &&
         !action.starts_with("Invoke");
}

void EngineJournal::Add(api::ApiService service,
                        std::function<bool(std::string_view)> changes,
                        persist::ObjectJournal::Kind kind) {
  triggers_.push_back(
      Trigger{service, std::move(changes), journal_.Register(std::move(kind))});
}

EngineJournal::EngineJournal(JournaledServices s, persist::LogWriter& log)
    : services_(s), journal_(&log) {
  using Emit = persist::ObjectJournal::Emit;
  Add(api::ApiService::kLambda, MayChange,
      {.space = kFunctions,
       .list =
           [this](const Emit& emit) {
             auto& f = services_.functions;
             for (const auto& c : f.ListFunctions()) {
               emit(kFunctions, c.name,
                    EncodeFunction(c, f.GetEventInvokeConfig(c.name)));
             }
           },
       .restore = [this](const std::string&, const std::string&,
                         std::string_view blob) -> Status {
         compute::FunctionConfig c;
         std::optional<compute::EventInvokeConfig> event;
         if (!DecodeFunction(blob, c, event)) return Undecodable();
         std::optional<int64_t> reserved = c.reserved_concurrency;
         c.reserved_concurrency.reset();
         auto& f = services_.functions;
         auto created = f.CreateFunction(c);
         if (!created.ok()) return created.status();
         if (reserved) (void)f.PutFunctionConcurrency(c.name, reserved);
         if (event) (void)f.PutEventInvokeConfig(c.name, *event);
         return Status::Ok();
       }});
  Add(api::ApiService::kLambda, MayChange,
      {.space = kMappings,
       .list =
           [this](const Emit& emit) {
             for (const auto& m : services_.mappings.List("", "")) {
               emit(kMappings, m.uuid, EncodeMapping(m));
             }
           },
       .restore = [this](const std::string&, const std::string&,
                         std::string_view blob) -> Status {
         compute::EventSourceMapping m;
         if (!DecodeMapping(blob, m)) return Undecodable();
         return services_.mappings.Create(m).status();
       }});
  Add(api::ApiService::kHttp, MayChange,
      {.space = kSinks,
       .list =
           [this](const Emit& emit) {
             for (const auto& sink : services_.sinks.ListSinks()) {
               emit(kSinks, sink.name, EncodeSink(sink));
             }
           },
       .restore = [this](const std::string&, const std::string&,
                         std::string_view blob) -> Status {
         services::Sink sink;
         if (!DecodeSink(blob, sink)) return Undecodable();
         return services_.sinks.CreateSink(sink).status();
       }});
  Add(api::ApiService::kHttp, MayChange,
      {.space = kRoutes,
       .list =
           [this](const Emit& emit) {
             for (const auto& r : services_.routes.ListRoutes()) {
               emit(kRoutes, r.method + " " + r.path, EncodeRoute(r));
             }
           },
       .restore = [this](const std::string&, const std::string&,
                         std::string_view blob) -> Status {
         services::Route route;
         if (!DecodeRoute(blob, route)) return Undecodable();
         return services_.routes.CreateRoute(route).status();
       }});
  Add(api::ApiService::kDynamoDb,
      OneOf({"CreateTable", "DeleteTable", "UpdateTable"}),
      {.space = kTables,
       .list =
           [this](const Emit& emit) {
             auto& t = services_.tables;
             for (const auto& name : t.TableNames()) {
               if (auto d = t.DescribeTable(name); d.ok()) {
                 emit(kTables, name, EncodeTable(*d));
               }
             }
           },
       .restore = [this](const std::string&, const std::string&,
                         std::string_view blob) -> Status {
         services::TableDescription d;
         if (!DecodeTable(blob, d)) return Undecodable();
         return services_.tables.RestoreTable(d);
       }});
  // Reported by OnServiceEvent; the trigger never fires.
  Add(api::ApiService::kDynamoDb, OneOf({}),
      {.space = kItems,
       .list =
           [this](const Emit& emit) {
             services_.tables.ForEachItem(
                 [&](const services::Table& table, const services::Item& item) {
                   auto key = table.KeyFromItem(item);
                   if (!key.ok()) return;
                   emit(kItems + table.name(),
                        services::ToJson(table.KeyItem(*key)),
                        services::ToJson(item));
                 });
           },
       .restore = [this](const std::string& space, const std::string&,
                         std::string_view blob) -> Status {
         auto item = services::ParseItem(blob);
         if (!item.ok()) return item.status();
         return services_.tables.RestoreItem(
             std::string_view(space).substr(std::string_view(kItems).size()),
             std::move(*item));
       },
       .diffed = false});
  Add(api::ApiService::kSns,
      OneOf({"CreateTopic", "DeleteTopic", "SetTopicAttributes", "Subscribe",
             "Unsubscribe", "SetSubscriptionAttributes"}),
      {.space = kTopics,
       .list =
           [this](const Emit& emit) {
             auto& t = services_.topics;
             for (const auto& topic : t.ListTopics()) {
               auto subs = t.ListSubscriptionsByTopic(topic.arn);
               emit(kTopics, topic.arn,
                    EncodeTopic(topic,
                                subs.ok()
                                    ? *subs
                                    : std::vector<services::Subscription>{}));
             }
           },
       .restore = [this](const std::string&, const std::string&,
                         std::string_view blob) -> Status {
         services::Topic topic;
         std::vector<services::Subscription> subs;
         if (!DecodeTopic(blob, topic, subs)) return Undecodable();
         return services_.topics.RestoreTopic(topic, subs);
       }});
  Add(api::ApiService::kEvents,
      OneOf({"PutRule", "DeleteRule", "EnableRule", "DisableRule", "PutTargets",
             "RemoveTargets"}),
      {.space = kRules,
       .list =
           [this](const Emit& emit) {
             auto& sch = services_.schedules;
             for (const auto& rule : sch.Rules()) {
               auto targets = sch.ListTargetsByRule({.rule = rule.name});
               emit(kRules, rule.name,
                    EncodeRule(rule, targets.ok()
                                         ? targets->targets
                                         : std::vector<services::Target>{}));
             }
           },
       .restore = [this](const std::string&, const std::string&,
                         std::string_view blob) -> Status {
         services::PutRuleRequest rule;
         std::vector<services::Target> targets;
         if (!DecodeRule(blob, rule, targets)) return Undecodable();
         auto& sch = services_.schedules;
         if (auto put = sch.PutRule(rule); !put.ok()) return put.status();
         if (targets.empty()) return Status::Ok();
         auto put = sch.PutTargets({.rule = rule.name, .targets = targets});
         if (!put.ok()) return put.status();
         if (!put->failed.empty()) {
           return Status(common::kInternalError,
                         "target " + put->failed.front().target_id + ": " +
                             put->failed.front().error_message);
         }
         return Status::Ok();
       }});
  Add(api::ApiService::kS3,
      OneOf({"PutBucketNotificationConfiguration", "DeleteBucket"}),
      {.space = kNotifications,
       .list =
           [this](const Emit& emit) {
             auto& b = services_.buckets;
             auto listed = b.ListBuckets({});
             if (!listed.ok()) return;
             for (const auto& bucket : listed->buckets) {
               auto c = b.GetBucketNotificationConfiguration(bucket.name);
               if (c.ok() && !c->rules.empty()) {
                 emit(kNotifications, bucket.name, EncodeNotifications(*c));
               }
             }
           },
       .restore = [this](const std::string&, const std::string& bucket,
                         std::string_view blob) -> Status {
         services::NotificationConfiguration c;
         if (!DecodeNotifications(blob, c)) return Undecodable();
         return services_.buckets.PutBucketNotificationConfiguration(
             bucket, std::move(c));
       }});
}

void EngineJournal::Restore(
    const persist::Image& image,
    const std::function<void(const std::string&)>& warn) {
  journal_.Restore(image, warn);
}

void EngineJournal::AfterAction(api::ApiService service,
                                std::string_view action) {
  action = BareAction(action);
  for (const Trigger& t : triggers_) {
    if (t.service == service && t.changes(action)) journal_.Sync(t.kind);
  }
}

void EngineJournal::OnServiceEvent(const services::ServiceEvent& e) {
  if (e.service != "dynamodb") return;
  if (e.kind == "ItemPut" || e.kind == "ItemUpdated") {
    journal_.Put(kItems + std::string(e.resource), std::string(e.key),
                 std::string(e.detail));
  } else if (e.kind == "ItemDeleted") {
    journal_.Erase(kItems + std::string(e.resource), std::string(e.key));
  } else if (e.kind == "TableDeleted") {
    journal_.EraseSpace(kItems + std::string(e.resource));
  }
}

}  // namespace fanlab
