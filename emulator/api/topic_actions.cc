// SNS's actions over the one dispatcher, with the field names of the SNS
// API (TopicArn, Protocol, Endpoint, Message, Subject, MessageAttributes,
// PublishBatchRequestEntries, ...) carried as JSON. Plus fanlab's own
// ListEmails: the email outbox. docs/services.md lists them.
#include <optional>
#include <set>

#include "emulator/api/errors.h"
#include "emulator/api/handlers.h"
#include "emulator/api/json_fields.h"
#include "emulator/core/arn.h"
#include "emulator/core/base64.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/sns_errors.h"
#include "emulator/services/topic_service.h"

namespace fanlab::api {
namespace {

using services::SnsMessageAttributes;
using services::Subscription;
using services::TopicService;

constexpr size_t kMaxBatchEntries = 10;
// All of a batch's messages and attributes together (256 KiB), as for one
// message.
constexpr size_t kMaxBatchBytes = 262144;

// SNS's word for a missing required field.
Status Missing(std::string_view name) {
  return Status(sns::kInvalidParameterException,
                "Invalid parameter: " + std::string(name) +
                    " Reason: The parameter is required.");
}

// An action: reads its fields from `r` and returns the response body or the
// error (ReadAndAct).
using TopicAction = Result<std::string> (*)(TopicService&, FieldReader& r);

Handler With(TopicAction f) {
  return [f](CallContext& c, std::string_view body, ApiCallback& done) {
    Result<std::string> out = ReadAndAct(body, Missing, [&](FieldReader& r) {
      return f(*c.services.topics, r);
    });
    done(out.ok() ? Ok(std::move(out).value()) : SnsError(out.status()));
  };
}

// MessageAttributes: {name: {DataType, StringValue | BinaryValue (base64)}}.
void ReadAttributes(FieldReader& r, SnsMessageAttributes& out) {
  r.Members("MessageAttributes", [&out](std::string_view name, FieldReader& a) {
    services::SnsMessageAttribute attr;
    std::string binary;
    a.Require("DataType", attr.data_type);
    a.Read("StringValue", attr.string_value);
    a.Read("BinaryValue", binary);
    if (!binary.empty()) {
      auto bytes = Base64Decode(binary);
      if (!bytes) {
        return a.Fail(Status(sns::kInvalidParameterException,
                             "Invalid parameter: " + a.Path("BinaryValue") +
                                 " must be base64."));
      }
      attr.binary_value = std::move(*bytes);
    }
    out[std::string(name)] = std::move(attr);
  });
}

// The fields of one Publish (or one batch entry).
void ReadPublish(FieldReader& r, services::PublishInput& in) {
  r.Require("Message", in.message);
  r.Read("Subject", in.subject);
  r.Read("MessageStructure", in.message_structure);
  ReadAttributes(r, in.attributes);
}

// Actions that name a topic (TopicArn) and answer {} or a Status.
template <typename F>
Result<std::string> OnTopic(FieldReader& r, F f) {
  std::string arn;
  r.Require("TopicArn", arn);
  if (!r.ok()) return r.status();
  if (Status s = f(arn); !s.ok()) return s;
  return std::string("{}");
}

std::string OneField(std::string_view key, std::string_view value) {
  JsonWriter w;
  w.BeginObject().Key(key).String(value).EndObject();
  return w.Take();
}

Result<std::string> CreateTopic(TopicService& t, FieldReader& r) {
  std::string name;
  std::map<std::string, std::string> attributes;
  r.Require("Name", name);
  r.Read("Attributes", attributes);
  if (!r.ok()) return r.status();
  auto arn = t.CreateTopic(name, attributes);
  if (!arn.ok()) return arn.status();
  return OneField("TopicArn", *arn);
}

Result<std::string> DeleteTopic(TopicService& t, FieldReader& r) {
  return OnTopic(r, [&](const std::string& arn) { return t.DeleteTopic(arn); });
}

Result<std::string> ListTopics(TopicService& t, FieldReader&) {
  JsonWriter w;
  w.BeginObject().Key("Topics").BeginArray();
  for (const services::Topic& topic : t.ListTopics()) {
    w.BeginObject().Key("TopicArn").String(topic.arn).EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

Result<std::string> GetTopicAttributes(TopicService& t, FieldReader& r) {
  std::string arn;
  r.Require("TopicArn", arn);
  if (!r.ok()) return r.status();
  auto topic = t.GetTopic(arn);
  if (!topic.ok()) return topic.status();
  auto subs = t.ListSubscriptionsByTopic(arn);
  std::map<std::string, std::string> attributes = topic->attributes;
  attributes["TopicArn"] = topic->arn;
  attributes["Owner"] = ArnAccount(arn);
  attributes.try_emplace("DisplayName", "");
  attributes["SubscriptionsConfirmed"] = std::to_string(subs->size());
  attributes["SubscriptionsPending"] = "0";
  attributes["SubscriptionsDeleted"] = "0";
  JsonWriter w;
  w.BeginObject().Key("Attributes").BeginObject();
  for (const auto& [k, v] : attributes) w.Key(k).String(v);
  w.EndObject().EndObject();
  return w.Take();
}

Result<std::string> SetTopicAttributes(TopicService& t, FieldReader& r) {
  std::string name, value;
  r.Require("AttributeName", name);
  r.Read("AttributeValue", value);
  return OnTopic(r, [&](const std::string& arn) {
    return t.SetTopicAttribute(arn, name, value);
  });
}

Result<std::string> Subscribe(TopicService& t, FieldReader& r) {
  std::string topic, protocol, endpoint;
  std::map<std::string, std::string> attributes;
  r.Require("TopicArn", topic);
  r.Require("Protocol", protocol);
  r.Require("Endpoint", endpoint);
  r.Read("Attributes", attributes);
  if (!r.ok()) return r.status();
  auto arn = t.Subscribe(topic, protocol, endpoint, attributes);
  if (!arn.ok()) return arn.status();
  return OneField("SubscriptionArn", *arn);
}

Result<std::string> Unsubscribe(TopicService& t, FieldReader& r) {
  std::string arn;
  r.Require("SubscriptionArn", arn);
  if (!r.ok()) return r.status();
  if (Status s = t.Unsubscribe(arn); !s.ok()) return s;
  return std::string("{}");
}

std::string SubscriptionsBody(const std::vector<Subscription>& subs,
                              std::string_view account) {
  JsonWriter w;
  w.BeginObject().Key("Subscriptions").BeginArray();
  for (const Subscription& s : subs) {
    w.BeginObject()
        .Key("SubscriptionArn")
        .String(s.arn)
        .Key("Owner")
        .String(account)
        .Key("Protocol")
        .String(s.protocol)
        .Key("Endpoint")
        .String(s.endpoint)
        .Key("TopicArn")
        .String(s.topic_arn)
        .EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

Result<std::string> ListSubscriptions(TopicService& t, FieldReader&) {
  auto subs = t.ListSubscriptions();
  return SubscriptionsBody(subs, subs.empty() ? "" : ArnAccount(subs[0].arn));
}

Result<std::string> ListSubscriptionsByTopic(TopicService& t, FieldReader& r) {
  std::string arn;
  r.Require("TopicArn", arn);
  if (!r.ok()) return r.status();
  auto subs = t.ListSubscriptionsByTopic(arn);
  if (!subs.ok()) return subs.status();
  return SubscriptionsBody(*subs, ArnAccount(arn));
}

Result<std::string> GetSubscriptionAttributes(TopicService& t, FieldReader& r) {
  std::string arn;
  r.Require("SubscriptionArn", arn);
  if (!r.ok()) return r.status();
  auto sub = t.GetSubscription(arn);
  if (!sub.ok()) return sub.status();
  JsonWriter w;
  w.BeginObject().Key("Attributes").BeginObject();
  w.Key("ConfirmationWasAuthenticated").String("true");
  w.Key("Endpoint").String(sub->endpoint);
  if (!sub->filter_policy.empty()) {
    w.Key("FilterPolicy").String(sub->filter_policy);
    w.Key("FilterPolicyScope").String(sub->filter_policy_scope);
  }
  w.Key("Owner").String(ArnAccount(arn));
  w.Key("PendingConfirmation").String("false");
  w.Key("Protocol").String(sub->protocol);
  w.Key("RawMessageDelivery")
      .String(sub->raw_message_delivery ? "true" : "false");
  w.Key("SubscriptionArn").String(sub->arn);
  w.Key("TopicArn").String(sub->topic_arn);
  w.EndObject().EndObject();
  return w.Take();
}

Result<std::string> SetSubscriptionAttributes(TopicService& t, FieldReader& r) {
  std::string arn, name, value;
  r.Require("SubscriptionArn", arn);
  r.Require("AttributeName", name);
  r.Require("AttributeValue", value);
  if (!r.ok()) return r.status();
  if (Status s = t.SetSubscriptionAttribute(arn, name, value); !s.ok()) {
    return s;
  }
  return std::string("{}");
}

// TopicArn, or TargetArn when it names a topic.
void ReadTopicOf(FieldReader& r, std::string& arn) {
  r.Read("TopicArn", arn);
  if (arn.empty()) r.Read("TargetArn", arn);
  if (arn.empty()) {
    r.Fail(Status(sns::kInvalidParameterException,
                  "Invalid parameter: TopicArn or TargetArn Reason: no value "
                  "for required parameter"));
  }
}

Result<std::string> Publish(TopicService& t, FieldReader& r) {
  services::PublishInput in;
  ReadTopicOf(r, in.topic_arn);
  if (r.Has("PhoneNumber")) {
    r.Fail(Status(sns::kInvalidParameterException,
                  "Invalid parameter: PhoneNumber: SMS is not supported by "
                  "fanlab"));
  }
  ReadPublish(r, in);
  if (!r.ok()) return r.status();
  auto id = t.Publish(in);
  if (!id.ok()) return id.status();
  return OneField("MessageId", *id);
}

bool ValidEntryId(std::string_view id) {
  if (id.empty() || id.size() > 80) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// What a batch entry adds to the batch's size: its message and its
// attributes.
size_t EntryBytes(const services::PublishInput& in) {
  size_t n = in.message.size();
  for (const auto& [name, a] : in.attributes) {
    n += name.size() + a.data_type.size() + a.string_value.size() +
         a.binary_value.size();
  }
  return n;
}

Result<std::string> PublishBatch(TopicService& t, FieldReader& r) {
  constexpr std::string_view kEntries = "PublishBatchRequestEntries";
  std::string topic;
  ReadTopicOf(r, topic);
  if (const boost::json::value* v = r.Get(kEntries);
      v != nullptr && v->is_array() &&
      v->get_array().size() > kMaxBatchEntries) {
    r.Fail(Status(sns::kTooManyEntriesInBatchRequestException,
                  "The batch request contains more entries than permissible"));
  }
  // Read and check every entry before publishing any.
  std::vector<std::pair<std::string, services::PublishInput>> inputs;
  std::set<std::string> ids;
  size_t bytes = 0;
  r.Objects(kEntries, [&](FieldReader& e, size_t) {
    std::string id;
    e.Require("Id", id);
    if (!e.ok()) return;
    if (!ValidEntryId(id)) {
      return e.Fail(Status(sns::kInvalidBatchEntryIdException,
                           "The Id of a batch entry in a batch request "
                           "doesn't abide by the specification"));
    }
    if (!ids.insert(id).second) {
      return e.Fail(Status(sns::kBatchEntryIdsNotDistinctException,
                           "Two or more batch entries in the request have "
                           "the same Id"));
    }
    services::PublishInput in;
    in.topic_arn = topic;
    ReadPublish(e, in);
    bytes += EntryBytes(in);
    inputs.emplace_back(std::move(id), std::move(in));
  });
  if (r.ok() && inputs.empty()) {
    r.Fail(Status(sns::kEmptyBatchRequestException,
                  "The batch request doesn't contain any entries"));
  }
  if (r.ok() && bytes > kMaxBatchBytes) {
    r.Fail(Status(sns::kBatchRequestTooLongException,
                  "The length of all the batch messages put together is "
                  "more than the limit."));
  }
  if (!r.ok()) return r.status();
  // A missing topic fails the whole call, as SNS does.
  if (auto exists = t.GetTopic(topic); !exists.ok()) return exists.status();
  JsonWriter ok, failed;
  ok.BeginArray();
  failed.BeginArray();
  for (const auto& [id, in] : inputs) {
    auto message_id = t.Publish(in);
    if (message_id.ok()) {
      ok.BeginObject().Key("Id").String(id).Key("MessageId");
      ok.String(*message_id).EndObject();
    } else {
      failed.BeginObject()
          .Key("Id")
          .String(id)
          .Key("Code")
          .String(message_id.status().name())
          .Key("Message")
          .String(message_id.status().message())
          .Key("SenderFault")
          .Bool(true)
          .EndObject();
    }
  }
  ok.EndArray();
  failed.EndArray();
  JsonWriter w;
  w.BeginObject().Key("Successful").Raw(ok.str()).Key("Failed");
  w.Raw(failed.str()).EndObject();
  return w.Take();
}

// fanlab's own: the email outbox, optionally for one topic or address.
Result<std::string> ListEmails(TopicService& t, FieldReader& r) {
  std::string topic, to;
  r.Read("TopicArn", topic);
  r.Read("To", to);
  if (!r.ok()) return r.status();
  JsonWriter w;
  w.BeginObject().Key("Emails").BeginArray();
  for (const services::Email& e : t.outbox()) {
    if (!topic.empty() && e.topic_arn != topic) continue;
    if (!to.empty() && e.to != to) continue;
    w.BeginObject()
        .Key("MessageId")
        .String(e.message_id)
        .Key("TopicArn")
        .String(e.topic_arn)
        .Key("SubscriptionArn")
        .String(e.subscription_arn)
        .Key("To")
        .String(e.to)
        .Key("Subject")
        .String(e.subject)
        .Key("Body")
        .String(e.body)
        .Key("Time")
        .String(FormatIso8601(e.time));
    if (!e.file.empty()) w.Key("File").String(e.file);
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace

void AddTopicActions(Registry& registry) {
  auto add = [&registry](const char* name, Handler h) {
    registry.Add(ApiService::kSns, name, std::move(h));
  };
  add("CreateTopic", With(CreateTopic));
  add("DeleteTopic", With(DeleteTopic));
  add("ListTopics", With(ListTopics));
  add("GetTopicAttributes", With(GetTopicAttributes));
  add("SetTopicAttributes", With(SetTopicAttributes));
  add("Subscribe", With(Subscribe));
  add("Unsubscribe", With(Unsubscribe));
  add("ListSubscriptions", With(ListSubscriptions));
  add("ListSubscriptionsByTopic", With(ListSubscriptionsByTopic));
  add("GetSubscriptionAttributes", With(GetSubscriptionAttributes));
  add("SetSubscriptionAttributes", With(SetSubscriptionAttributes));
  add("Publish", With(Publish));
  add("PublishBatch", With(PublishBatch));
  add("ListEmails", With(ListEmails));
}

}  // namespace fanlab::api
