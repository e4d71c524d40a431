// SNS's actions over the one dispatcher, with the field names of the SNS
// API (TopicArn, Protocol, Endpoint, Message, Subject, MessageAttributes,
// PublishBatchRequestEntries, ...) carried as JSON. Plus fanlab's own
// ListEmails: the email outbox. docs/services.md lists them.
#include <boost/json.hpp>
#include <set>

#include "emulator/api/handlers.h"
#include "emulator/core/base64.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/topic_service.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using services::SnsMessageAttributes;
using services::Subscription;
using services::TopicService;

constexpr size_t kMaxBatchEntries = 10;

ApiResponse Fail(const Status& s) { return ErrorResponse(s, ApiService::kSns); }
ApiResponse Ok(std::string body) { return ApiResponse{true, std::move(body)}; }

Status Serialization(std::string message) {
  return Status(ErrorCode::kSerializationException, std::move(message));
}

Result<json::object> ParseObject(std::string_view body) {
  if (body.empty()) return json::object();
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return Serialization("The request body is not valid JSON: " + ec.message() +
                         ".");
  }
  if (!v.is_object()) {
    return Serialization("The request body must be a JSON object.");
  }
  return std::move(v.get_object());
}

// Reads the string field `key` of `o` (at `path`, for errors). A missing
// required field is InvalidParameter, as SNS names it.
Status String(const json::object& o, std::string_view key,
              std::string_view path, std::string& out, bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (!required) return Status::Ok();
    return Status(ErrorCode::kInvalidParameterException,
                  "Invalid parameter: " + std::string(path) +
                      " Reason: The parameter is required.");
  }
  if (!v->is_string()) {
    return Serialization("Field " + std::string(path) + " must be a string.");
  }
  out = std::string(v->get_string());
  return Status::Ok();
}

// A {name: string} map such as Attributes.
Status StringMap(const json::object& o, std::string_view key,
                 std::map<std::string, std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_object()) {
    return Serialization("Field " + std::string(key) +
                         " must be an object of strings.");
  }
  for (const auto& [k, value] : v->get_object()) {
    if (!value.is_string()) {
      return Serialization("Field " + std::string(key) + "." + std::string(k) +
                           " must be a string.");
    }
    out[std::string(k)] = std::string(value.get_string());
  }
  return Status::Ok();
}

// MessageAttributes: {name: {DataType, StringValue | BinaryValue (base64)}}.
Status Attributes(const json::object& o, std::string_view path,
                  SnsMessageAttributes& out) {
  const json::value* v = o.if_contains("MessageAttributes");
  if (v == nullptr || v->is_null()) return Status::Ok();
  std::string where = std::string(path) + "MessageAttributes";
  if (!v->is_object()) {
    return Serialization("Field " + where + " must be an object.");
  }
  for (const auto& [name, value] : v->get_object()) {
    std::string at = where + "." + std::string(name);
    if (!value.is_object()) {
      return Serialization("Field " + at + " must be an object.");
    }
    const json::object& a = value.get_object();
    services::SnsMessageAttribute attr;
    std::string binary;
    if (Status s =
            String(a, "DataType", at + ".DataType", attr.data_type, true);
        !s.ok()) {
      return s;
    }
    if (Status s = String(a, "StringValue", at + ".StringValue",
                          attr.string_value, false);
        !s.ok()) {
      return s;
    }
    if (Status s = String(a, "BinaryValue", at + ".BinaryValue", binary, false);
        !s.ok()) {
      return s;
    }
    if (!binary.empty()) {
      auto bytes = Base64Decode(binary);
      if (!bytes) {
        return Status(
            ErrorCode::kInvalidParameterException,
            "Invalid parameter: " + at + ".BinaryValue must be base64.");
      }
      attr.binary_value = std::move(*bytes);
    }
    out[std::string(name)] = std::move(attr);
  }
  return Status::Ok();
}

// The fields of one Publish (or one batch entry).
Status ReadPublish(const json::object& o, std::string_view path,
                   services::PublishInput& in) {
  std::string subject;
  if (Status s =
          String(o, "Message", std::string(path) + "Message", in.message, true);
      !s.ok()) {
    return s;
  }
  if (Status s =
          String(o, "Subject", std::string(path) + "Subject", subject, false);
      !s.ok()) {
    return s;
  }
  if (o.contains("Subject")) in.subject = subject;
  if (Status s =
          String(o, "MessageStructure", std::string(path) + "MessageStructure",
                 in.message_structure, false);
      !s.ok()) {
    return s;
  }
  return Attributes(o, path, in.attributes);
}

// The account of an ARN ("arn:aws:sns:region:ACCOUNT:...").
std::string Account(std::string_view arn) {
  size_t pos = 0;
  for (int i = 0; i < 4 && pos != std::string_view::npos; ++i) {
    pos = arn.find(':', pos);
    if (pos != std::string_view::npos) ++pos;
  }
  if (pos == std::string_view::npos) return "";
  return std::string(arn.substr(pos, arn.find(':', pos) - pos));
}

template <typename F>
Handler With(F f) {
  return [f](Services& s, std::string_view body, ApiCallback& done) {
    auto o = ParseObject(body);
    if (!o.ok()) return done(Fail(o.status()));
    f(*s.topics, *o, done);
  };
}

void CreateTopic(TopicService& t, const json::object& o, ApiCallback& done) {
  std::string name;
  std::map<std::string, std::string> attributes;
  if (Status s = String(o, "Name", "Name", name, true); !s.ok()) {
    return done(Fail(s));
  }
  if (Status s = StringMap(o, "Attributes", attributes); !s.ok()) {
    return done(Fail(s));
  }
  auto arn = t.CreateTopic(name, attributes);
  if (!arn.ok()) return done(Fail(arn.status()));
  JsonWriter w;
  w.BeginObject().Key("TopicArn").String(*arn).EndObject();
  done(Ok(w.Take()));
}

// Actions that name a topic (TopicArn) and answer {} or a Status.
template <typename F>
void OnTopic(const json::object& o, ApiCallback& done, F f) {
  std::string arn;
  if (Status s = String(o, "TopicArn", "TopicArn", arn, true); !s.ok()) {
    return done(Fail(s));
  }
  Status s = f(arn);
  done(s.ok() ? Ok("{}") : Fail(s));
}

void DeleteTopic(TopicService& t, const json::object& o, ApiCallback& done) {
  OnTopic(o, done, [&](const std::string& arn) { return t.DeleteTopic(arn); });
}

void ListTopics(TopicService& t, const json::object&, ApiCallback& done) {
  JsonWriter w;
  w.BeginObject().Key("Topics").BeginArray();
  for (const services::Topic& topic : t.ListTopics()) {
    w.BeginObject().Key("TopicArn").String(topic.arn).EndObject();
  }
  w.EndArray().EndObject();
  done(Ok(w.Take()));
}

void GetTopicAttributes(TopicService& t, const json::object& o,
                        ApiCallback& done) {
  std::string arn;
  if (Status s = String(o, "TopicArn", "TopicArn", arn, true); !s.ok()) {
    return done(Fail(s));
  }
  auto topic = t.GetTopic(arn);
  if (!topic.ok()) return done(Fail(topic.status()));
  auto subs = t.ListSubscriptionsByTopic(arn);
  std::map<std::string, std::string> attributes = topic->attributes;
  attributes["TopicArn"] = topic->arn;
  attributes["Owner"] = Account(arn);
  attributes.try_emplace("DisplayName", "");
  attributes["SubscriptionsConfirmed"] = std::to_string(subs->size());
  attributes["SubscriptionsPending"] = "0";
  attributes["SubscriptionsDeleted"] = "0";
  JsonWriter w;
  w.BeginObject().Key("Attributes").BeginObject();
  for (const auto& [k, v] : attributes) w.Key(k).String(v);
  w.EndObject().EndObject();
  done(Ok(w.Take()));
}

void SetTopicAttributes(TopicService& t, const json::object& o,
                        ApiCallback& done) {
  std::string name, value;
  if (Status s = String(o, "AttributeName", "AttributeName", name, true);
      !s.ok()) {
    return done(Fail(s));
  }
  if (Status s = String(o, "AttributeValue", "AttributeValue", value, false);
      !s.ok()) {
    return done(Fail(s));
  }
  OnTopic(o, done, [&](const std::string& arn) {
    return t.SetTopicAttribute(arn, name, value);
  });
}

void Subscribe(TopicService& t, const json::object& o, ApiCallback& done) {
  std::string topic, protocol, endpoint;
  std::map<std::string, std::string> attributes;
  for (auto [key, out] :
       {std::pair{"TopicArn", &topic}, std::pair{"Protocol", &protocol},
        std::pair{"Endpoint", &endpoint}}) {
    if (Status s = String(o, key, key, *out, true); !s.ok()) {
      return done(Fail(s));
    }
  }
  if (Status s = StringMap(o, "Attributes", attributes); !s.ok()) {
    return done(Fail(s));
  }
  auto arn = t.Subscribe(topic, protocol, endpoint, attributes);
  if (!arn.ok()) return done(Fail(arn.status()));
  JsonWriter w;
  w.BeginObject().Key("SubscriptionArn").String(*arn).EndObject();
  done(Ok(w.Take()));
}

void Unsubscribe(TopicService& t, const json::object& o, ApiCallback& done) {
  std::string arn;
  if (Status s = String(o, "SubscriptionArn", "SubscriptionArn", arn, true);
      !s.ok()) {
    return done(Fail(s));
  }
  Status s = t.Unsubscribe(arn);
  done(s.ok() ? Ok("{}") : Fail(s));
}

void WriteSubscriptions(const std::vector<Subscription>& subs,
                        const std::string& account, ApiCallback& done) {
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
  done(Ok(w.Take()));
}

void ListSubscriptions(TopicService& t, const json::object&,
                       ApiCallback& done) {
  auto subs = t.ListSubscriptions();
  WriteSubscriptions(subs, subs.empty() ? "" : Account(subs[0].arn), done);
}

void ListSubscriptionsByTopic(TopicService& t, const json::object& o,
                              ApiCallback& done) {
  std::string arn;
  if (Status s = String(o, "TopicArn", "TopicArn", arn, true); !s.ok()) {
    return done(Fail(s));
  }
  auto subs = t.ListSubscriptionsByTopic(arn);
  if (!subs.ok()) return done(Fail(subs.status()));
  WriteSubscriptions(*subs, Account(arn), done);
}

void GetSubscriptionAttributes(TopicService& t, const json::object& o,
                               ApiCallback& done) {
  std::string arn;
  if (Status s = String(o, "SubscriptionArn", "SubscriptionArn", arn, true);
      !s.ok()) {
    return done(Fail(s));
  }
  auto sub = t.GetSubscription(arn);
  if (!sub.ok()) return done(Fail(sub.status()));
  JsonWriter w;
  w.BeginObject().Key("Attributes").BeginObject();
  w.Key("ConfirmationWasAuthenticated").String("true");
  w.Key("Endpoint").String(sub->endpoint);
  w.Key("Owner").String(Account(arn));
  w.Key("PendingConfirmation").String("false");
  w.Key("Protocol").String(sub->protocol);
  w.Key("RawMessageDelivery")
      .String(sub->raw_message_delivery ? "true" : "false");
  w.Key("SubscriptionArn").String(sub->arn);
  w.Key("TopicArn").String(sub->topic_arn);
  w.EndObject().EndObject();
  done(Ok(w.Take()));
}

void SetSubscriptionAttributes(TopicService& t, const json::object& o,
                               ApiCallback& done) {
  std::string arn, name, value;
  for (auto [key, out] :
       {std::pair{"SubscriptionArn", &arn}, std::pair{"AttributeName", &name},
        std::pair{"AttributeValue", &value}}) {
    if (Status s = String(o, key, key, *out, true); !s.ok()) {
      return done(Fail(s));
    }
  }
  Status s = t.SetSubscriptionAttribute(arn, name, value);
  done(s.ok() ? Ok("{}") : Fail(s));
}

// TopicArn, or TargetArn when it names a topic.
Status TopicOf(const json::object& o, std::string& arn) {
  if (Status s = String(o, "TopicArn", "TopicArn", arn, false); !s.ok()) {
    return s;
  }
  if (arn.empty()) {
    if (Status s = String(o, "TargetArn", "TargetArn", arn, false); !s.ok()) {
      return s;
    }
  }
  if (arn.empty()) {
    return Status(ErrorCode::kInvalidParameterException,
                  "Invalid parameter: TopicArn or TargetArn Reason: no value "
                  "for required parameter");
  }
  return Status::Ok();
}

void Publish(TopicService& t, const json::object& o, ApiCallback& done) {
  services::PublishInput in;
  if (Status s = TopicOf(o, in.topic_arn); !s.ok()) return done(Fail(s));
  if (o.contains("PhoneNumber")) {
    return done(Fail(Status(ErrorCode::kInvalidParameterException,
                            "Invalid parameter: PhoneNumber: SMS is not "
                            "supported by fanlab")));
  }
  if (Status s = ReadPublish(o, "", in); !s.ok()) return done(Fail(s));
  auto id = t.Publish(in);
  if (!id.ok()) return done(Fail(id.status()));
  JsonWriter w;
  w.BeginObject().Key("MessageId").String(*id).EndObject();
  done(Ok(w.Take()));
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

void PublishBatch(TopicService& t, const json::object& o, ApiCallback& done) {
  std::string topic;
  if (Status s = TopicOf(o, topic); !s.ok()) return done(Fail(s));
  const json::value* v = o.if_contains("PublishBatchRequestEntries");
  if (v != nullptr && !v->is_null() && !v->is_array()) {
    return done(Fail(
        Serialization("Field PublishBatchRequestEntries must be a list.")));
  }
  if (v == nullptr || v->is_null() || v->get_array().empty()) {
    return done(Fail(Status(ErrorCode::kEmptyBatchRequest,
                            "The batch request doesn't contain any entries")));
  }
  const json::array& entries = v->get_array();
  if (entries.size() > kMaxBatchEntries) {
    return done(Fail(
        Status(ErrorCode::kTooManyEntriesInBatchRequest,
               "The batch request contains more entries than permissible")));
  }
  // Read and check every entry before publishing any.
  std::vector<std::pair<std::string, services::PublishInput>> inputs;
  std::set<std::string> ids;
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string path = "PublishBatchRequestEntries[" + std::to_string(i) + "].";
    if (!entries[i].is_object()) {
      return done(Fail(Serialization(
          "Field " + path.substr(0, path.size() - 1) + " must be an object.")));
    }
    const json::object& e = entries[i].get_object();
    std::string id;
    if (Status s = String(e, "Id", path + "Id", id, true); !s.ok()) {
      return done(Fail(s));
    }
    if (!ValidEntryId(id)) {
      return done(Fail(Status(ErrorCode::kInvalidBatchEntryId,
                              "The Id of a batch entry in a batch request "
                              "doesn't abide by the specification")));
    }
    if (!ids.insert(id).second) {
      return done(Fail(Status(ErrorCode::kBatchEntryIdsNotDistinct,
                              "Two or more batch entries in the request have "
                              "the same Id")));
    }
    services::PublishInput in;
    in.topic_arn = topic;
    if (Status s = ReadPublish(e, path, in); !s.ok()) return done(Fail(s));
    inputs.emplace_back(std::move(id), std::move(in));
  }
  // A missing topic fails the whole call, as SNS does.
  if (auto exists = t.GetTopic(topic); !exists.ok()) {
    return done(Fail(exists.status()));
  }
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
  done(Ok(w.Take()));
}

// fanlab's own: the email outbox, optionally for one topic or address.
void ListEmails(TopicService& t, const json::object& o, ApiCallback& done) {
  std::string topic, to;
  if (Status s = String(o, "TopicArn", "TopicArn", topic, false); !s.ok()) {
    return done(Fail(s));
  }
  if (Status s = String(o, "To", "To", to, false); !s.ok()) {
    return done(Fail(s));
  }
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
  done(Ok(w.Take()));
}

}  // namespace

void AddTopicActions(HandlerMap& map) {
  auto add = [&map](const char* name, Handler h) {
    map[name] = Action{ApiService::kSns, std::move(h)};
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
