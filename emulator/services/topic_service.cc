#include "emulator/services/topic_service.h"

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "emulator/core/arn.h"
#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/digest.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/sns_errors.h"

namespace fanlab::services {
namespace {

namespace json = boost::json;

constexpr size_t kMaxMessageBytes = 262144;  // 256 KiB, attributes included
constexpr size_t kMaxSubjectChars = 100;
constexpr size_t kMaxAttributes = 10;  // what an SQS subscriber can carry
constexpr int kHttpRetries = 3;        // SNS's default HTTP delivery policy
constexpr Duration kHttpRetryDelay = std::chrono::seconds(20);

Status Invalid(std::string message) {
  return Status(sns::kInvalidParameterException,
                "Invalid parameter: " + std::move(message));
}

Status TopicNotFound() {
  return Status(sns::kNotFoundException, "Topic does not exist");
}

bool ValidTopicName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The resource of an ARN of `service` ("NAME" in "arn:aws:sqs:r:acct:NAME"),
// or "" when `arn` is not one.
std::string_view ArnResource(std::string_view arn, std::string_view service) {
  std::optional<Arn> parsed = ParseArn(arn);
  if (!parsed || parsed->partition != "aws" || parsed->service != service) {
    return {};
  }
  return parsed->resource;
}

bool ValidEndpoint(std::string_view protocol, std::string_view endpoint) {
  if (protocol == "sqs") return !ArnResource(endpoint, "sqs").empty();
  if (protocol == "lambda") {
    return ArnResource(endpoint, "lambda").starts_with("function:");
  }
  if (protocol == "email" || protocol == "email-json") {
    size_t at = endpoint.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < endpoint.size() &&
           endpoint.find_first_of(" \r\n<>") == std::string_view::npos;
  }
  if (protocol == "http") {
    return endpoint.starts_with("http://") && endpoint.size() > 7;
  }
  return false;
}

bool ValidSubject(std::string_view subject) {
  if (subject.empty() || subject.size() > kMaxSubjectChars) return false;
  for (unsigned char c : subject) {
    // ASCII printable: SNS refuses control characters and line breaks.
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Status CheckAttributes(const SnsMessageAttributes& attributes) {
  if (attributes.size() > kMaxAttributes) {
    return Invalid("MessageAttributes: at most 10 attributes are allowed");
  }
  for (const auto& [name, a] : attributes) {
    if (name.empty() || name.size() > 256) {
      return Invalid("MessageAttributes: invalid attribute name '" + name +
                     "'");
    }
    std::string_view base =
        std::string_view(a.data_type).substr(0, a.data_type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary") {
      return Invalid("The message attribute '" + name +
                     "' has an invalid message attribute type, the set of "
                     "supported type prefixes is Binary, Number, and String.");
    }
    if (base == "Binary" ? a.binary_value.empty() : a.string_value.empty()) {
      return Invalid("The message attribute '" + name +
                     "' must contain non-empty message attribute value for "
                     "message attribute type '" +
                     a.data_type + "'.");
    }
    if (a.data_type == "String.Array") {
      boost::system::error_code ec;
      json::value v = json::parse(a.string_value, ec);
      if (ec || !v.is_array()) {
        return Invalid("The message attribute '" + name +
                       "' of type String.Array must be a JSON array.");
      }
    }
  }
  return Status::Ok();
}

// The body size SNS counts: message, subject and every attribute.
size_t PayloadBytes(const PublishInput& in) {
  size_t n = in.message.size() + (in.subject ? in.subject->size() : 0);
  for (const auto& [name, a] : in.attributes) {
    n += name.size() + a.data_type.size() + a.string_value.size() +
         a.binary_value.size();
  }
  return n;
}

void WriteEnvelopeAttributes(JsonWriter& w,
                             const SnsMessageAttributes& attributes) {
  w.BeginObject();
  for (const auto& [name, a] : attributes) {
    w.Key(name).BeginObject().Key("Type").String(a.data_type).Key("Value");
    w.String(a.data_type.starts_with("Binary") ? Base64Encode(a.binary_value)
                                               : a.string_value);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

struct TopicService::TopicState {
  Topic topic;
  std::vector<Subscription> subscriptions;  // in subscription order
};

TopicService::TopicService(Clock& clock, IdGenerator& ids,
                           TopicServiceOptions options, TopicTargets targets)
    : clock_(clock),
      ids_(ids),
      options_(std::move(options)),
      targets_(std::move(targets)) {
  if (!options_.data_dir.empty()) {
    std::error_code ec;
    namespace fs = std::filesystem;
    for (fs::directory_iterator it(fs::path(options_.data_dir) / "emails", ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
      if (it->path().extension() == ".eml") ++eml_files_;
    }
  }
}

TopicService::~TopicService() {
  for (const auto& [key, id] : retry_timers_) clock_.Cancel(id);
}

TopicService::TopicState* TopicService::Find(const std::string& topic_arn) {
  auto it = topics_.find(topic_arn);
  return it == topics_.end() ? nullptr : it->second.get();
}

const TopicService::TopicState* TopicService::Find(
    const std::string& topic_arn) const {
  auto it = topics_.find(topic_arn);
  return it == topics_.end() ? nullptr : it->second.get();
}

Subscription* TopicService::FindSubscription(const std::string& arn) {
  // A subscription's ARN is its topic's ARN plus ":<uuid>".
  size_t colon = arn.rfind(':');
  if (colon == std::string::npos) return nullptr;
  TopicState* t = Find(arn.substr(0, colon));
  if (t == nullptr) return nullptr;
  for (Subscription& s : t->subscriptions) {
    if (s.arn == arn) return &s;
  }
  return nullptr;
}

void TopicService::Emit(std::string_view kind, std::string_view resource,
                        std::string_view key, std::string_view detail) {
  Notify(observer_, "sns", clock_.Now(), kind, resource, key, detail);
}

Result<std::string> TopicService::CreateTopic(
    const std::string& name,
    const std::map<std::string, std::string>& attributes) {
  if (name.ends_with(".fifo")) {
    return Invalid("Name: FIFO topics are not supported by fanlab");
  }
  if (!ValidTopicName(name)) {
    return Invalid(
        "Topic Name: must be 1-256 characters of letters, digits, "
        "hyphens and underscores");
  }
  for (const auto& [k, v] : attributes) {
    if (k != "DisplayName" && k != "Policy" && k != "DeliveryPolicy" &&
        k != "KmsMasterKeyId" && k != "TracingConfig") {
      return Invalid("Attributes Reason: Unknown attribute " + k);
    }
  }
  std::string arn =
      "arn:aws:sns:" + options_.region + ":" + options_.account + ":" + name;
  if (TopicState* t = Find(arn)) {
    // SNS: the same name with other attributes is a conflict.
    for (const auto& [k, v] : attributes) {
      auto it = t->topic.attributes.find(k);
      if (it == t->topic.attributes.end() || it->second != v) {
        return Invalid(
            "Attributes Reason: Topic already exists with different "
            "attributes");
      }
    }
    return arn;
  }
  auto state = std::make_unique<TopicState>();
  state->topic = Topic{name, arn, attributes};
  topics_.emplace(arn, std::move(state));
  Emit("TopicCreated", arn, "", "");
  return arn;
}

Status TopicService::DeleteTopic(const std::string& topic_arn) {
  if (topics_.erase(topic_arn) > 0) Emit("TopicDeleted", topic_arn, "", "");
  return Status::Ok();
}

std::vector<Topic> TopicService::ListTopics() const {
  std::vector<Topic> out;
  for (const auto& [arn, t] : topics_) out.push_back(t->topic);
  return out;
}

Result<Topic> TopicService::GetTopic(const std::string& topic_arn) const {
  const TopicState* t = Find(topic_arn);
  if (t == nullptr) return TopicNotFound();
  return t->topic;
}

Status TopicService::SetTopicAttribute(const std::string& topic_arn,
                                       const std::string& name,
                                       const std::string& value) {
  TopicState* t = Find(topic_arn);
  if (t == nullptr) return TopicNotFound();
  if (name != "DisplayName" && name != "Policy" && name != "DeliveryPolicy" &&
      name != "KmsMasterKeyId" && name != "TracingConfig") {
    return Invalid("AttributeName");
  }
  t->topic.attributes[name] = value;
  return Status::Ok();
}

Status TopicService::SetFilter(Subscription& s, std::string_view name,
                               const std::string& value) {
  std::string policy = s.filter_policy, scope = s.filter_policy_scope;
  if (name == "FilterPolicyScope") {
    if (value != "MessageAttributes" && value != "MessageBody") {
      return Invalid("Attributes Reason: FilterPolicyScope: Invalid value [" +
                     value + "]. Must be MessageAttributes or MessageBody.");
    }
    scope = value;
  } else {
    policy = value;
  }
  std::shared_ptr<const FilterPolicy> filter;
  if (!policy.empty()) {
    auto parsed = FilterPolicy::Parse(
        policy, scope == "MessageBody"
                    ? FilterPolicy::Scope::kMessageBody
                    : FilterPolicy::Scope::kMessageAttributes);
    if (!parsed.ok()) return parsed.status();
    filter = std::make_shared<const FilterPolicy>(std::move(*parsed));
  }
  s.filter_policy = std::move(policy);
  s.filter_policy_scope = std::move(scope);
  s.filter = std::move(filter);
  return Status::Ok();
}

Status TopicService::RestoreTopic(
    const Topic& topic, const std::vector<Subscription>& subscriptions) {
  if (Find(topic.arn) != nullptr) {
    return Invalid("Topic already exists: " + topic.arn);
  }
  auto state = std::make_unique<TopicState>();
  state->topic = topic;
  for (const Subscription& stored : subscriptions) {
    Subscription s;
    s.arn = stored.arn;
    s.topic_arn = topic.arn;
    s.protocol = stored.protocol;
    s.endpoint = stored.endpoint;
    s.raw_message_delivery = stored.raw_message_delivery;
    if (Status st =
            SetFilter(s, "FilterPolicyScope", stored.filter_policy_scope);
        !st.ok()) {
      return st;
    }
    if (Status st = SetFilter(s, "FilterPolicy", stored.filter_policy);
        !st.ok()) {
      return st;
    }
    state->subscriptions.push_back(std::move(s));
  }
  topics_.emplace(topic.arn, std::move(state));
  return Status::Ok();
}

Result<std::string> TopicService::Subscribe(
    const std::string& topic_arn, const std::string& protocol,
    const std::string& endpoint,
    const std::map<std::string, std::string>& attributes) {
  TopicState* t = Find(topic_arn);
  if (t == nullptr) return TopicNotFound();
  if (protocol == "https") {
    return Invalid(
        "Protocol: https endpoints are not supported by fanlab "
        "(no TLS); use http");
  }
  if (protocol != "sqs" && protocol != "lambda" && protocol != "email" &&
      protocol != "email-json" && protocol != "http") {
    return Invalid("Amazon SNS does not support this protocol string: " +
                   protocol);
  }
  if (!ValidEndpoint(protocol, endpoint)) {
    return Invalid("Invalid endpoint for protocol " + protocol + ": '" +
                   endpoint + "'");
  }
  bool raw = false;
  for (const auto& [k, v] : attributes) {
    if (k == "RawMessageDelivery") {
      if (v != "true" && v != "false") {
        return Invalid(
            "Attributes Reason: RawMessageDelivery: Invalid value "
            "[" +
            v + "]. Must be true or false.");
      }
      raw = v == "true";
    } else if (k != "FilterPolicy" && k != "FilterPolicyScope" &&
               k != "DeliveryPolicy" && k != "RedrivePolicy") {
      return Invalid("Attributes Reason: Unknown attribute " + k);
    }
  }
  if (raw && protocol != "sqs" && protocol != "http") {
    return Invalid("Attributes Reason: Delivery protocol [" + protocol +
                   "] does not support raw message delivery.");
  }
  Subscription filter;
  for (const char* key : {"FilterPolicy", "FilterPolicyScope"}) {
    if (auto it = attributes.find(key); it != attributes.end()) {
      if (Status s = SetFilter(filter, key, it->second); !s.ok()) return s;
    }
  }
  for (const Subscription& s : t->subscriptions) {
    if (s.protocol != protocol || s.endpoint != endpoint) continue;
    if (s.raw_message_delivery != raw ||
        s.filter_policy != filter.filter_policy ||
        s.filter_policy_scope != filter.filter_policy_scope) {
      return Invalid(
          "Attributes Reason: Subscription already exists with different "
          "attributes");
    }
    return s.arn;
  }
  Subscription s;
  s.arn = topic_arn + ":" + ids_.NextUuidString();
  s.topic_arn = topic_arn;
  s.protocol = protocol;
  s.endpoint = endpoint;
  s.raw_message_delivery = raw;
  s.filter_policy = std::move(filter.filter_policy);
  s.filter_policy_scope = std::move(filter.filter_policy_scope);
  s.filter = std::move(filter.filter);
  t->subscriptions.push_back(s);
  JsonWriter d;
  d.BeginObject().Key("protocol").String(protocol).Key("endpoint");
  d.String(endpoint).EndObject();
  Emit("Subscribed", topic_arn, s.arn, d.str());
  return s.arn;
}

Status TopicService::Unsubscribe(const std::string& subscription_arn) {
  size_t colon = subscription_arn.rfind(':');
  TopicState* t = colon == std::string::npos
                      ? nullptr
                      : Find(subscription_arn.substr(0, colon));
  if (t != nullptr) {
    auto& subs = t->subscriptions;
    for (auto it = subs.begin(); it != subs.end(); ++it) {
      if (it->arn == subscription_arn) {
        subs.erase(it);
        Emit("Unsubscribed", t->topic.arn, subscription_arn, "");
        return Status::Ok();
      }
    }
  }
  return Status(sns::kNotFoundException, "Subscription does not exist");
}

std::vector<Subscription> TopicService::ListSubscriptions() const {
  std::vector<Subscription> out;
  for (const auto& [arn, t] : topics_) {
    out.insert(out.end(), t->subscriptions.begin(), t->subscriptions.end());
  }
  return out;
}

Result<std::vector<Subscription>> TopicService::ListSubscriptionsByTopic(
    const std::string& topic_arn) const {
  const TopicState* t = Find(topic_arn);
  if (t == nullptr) return TopicNotFound();
  return t->subscriptions;
}

Result<Subscription> TopicService::GetSubscription(
    const std::string& arn) const {
  auto* self = const_cast<TopicService*>(this);
  Subscription* s = self->FindSubscription(arn);
  if (s == nullptr) {
    return Status(sns::kNotFoundException, "Subscription does not exist");
  }
  return *s;
}

Status TopicService::SetSubscriptionAttribute(const std::string& arn,
                                              const std::string& name,
                                              const std::string& value) {
  Subscription* s = FindSubscription(arn);
  if (s == nullptr) {
    return Status(sns::kNotFoundException, "Subscription does not exist");
  }
  if (name == "FilterPolicy" || name == "FilterPolicyScope") {
    return SetFilter(*s, name, value);
  }
  if (name != "RawMessageDelivery") {
    return Invalid("AttributeName: " + name +
                   " is not supported by fanlab (RawMessageDelivery, "
                   "FilterPolicy and FilterPolicyScope are)");
  }
  if (value != "true" && value != "false") {
    return Invalid("Attributes Reason: RawMessageDelivery: Invalid value [" +
                   value + "]. Must be true or false.");
  }
  if (value == "true" && s->protocol != "sqs" && s->protocol != "http") {
    return Invalid("Attributes Reason: Delivery protocol [" + s->protocol +
                   "] does not support raw message delivery.");
  }
  s->raw_message_delivery = value == "true";
  return Status::Ok();
}

Result<std::string> TopicService::Publish(const PublishInput& input) {
  TopicState* t = Find(input.topic_arn);
  if (t == nullptr) return TopicNotFound();
  if (input.message.empty()) return Invalid("Empty message");
  if (input.subject && !ValidSubject(*input.subject)) {
    return Invalid(
        "Subject: must be 1-100 printable ASCII characters, "
        "with no line breaks");
  }
  if (PayloadBytes(input) > kMaxMessageBytes) {
    return Invalid("Message too long");
  }
  if (Status s = CheckAttributes(input.attributes); !s.ok()) return s;
  if (!input.message_structure.empty()) {
    if (input.message_structure != "json") {
      return Invalid("MessageStructure: only json is allowed");
    }
    boost::system::error_code ec;
    json::value v = json::parse(input.message, ec);
    if (ec || !v.is_object()) {
      return Invalid("Message Structure - JSON message body failed to parse");
    }
    const json::value* def = v.get_object().if_contains("default");
    if (def == nullptr || !def->is_string()) {
      return Invalid(
          "Message Structure - No default entry in JSON message "
          "body");
    }
  }
  std::string message_id = ids_.NextUuidString();
  {
    JsonWriter d;
    d.BeginObject().Key("messageId").String(message_id);
    if (input.subject) d.Key("subject").String(*input.subject);
    d.Key("message").String(input.message).EndObject();
    Emit("Published", t->topic.arn, message_id, d.str());
  }
  // Deliver may not add or remove subscriptions, but a function invoked
  // synchronously could in principle reach back: walk a copy of the ARNs.
  std::vector<std::string> arns;
  for (const Subscription& s : t->subscriptions) arns.push_back(s.arn);
  for (const std::string& arn : arns) {
    Subscription* s = FindSubscription(arn);
    if (s == nullptr) continue;
    Deliver(*t, *s, input, message_id);
    // A duplicate delivery (a fault): the same notification again, as
    // SNS's at-least-once delivery allows.
    s = FindSubscription(arn);
    if (faults_ != nullptr && s != nullptr &&
        (!s->filter || s->filter->Matches(input.attributes, input.message)) &&
        faults_->OnNotification(t->topic.name, arn, message_id)) {
      Deliver(*t, *s, input, message_id);
    }
  }
  return message_id;
}

void TopicService::Deliver(const TopicState& topic, Subscription& sub,
                           const PublishInput& input,
                           const std::string& message_id) {
  if (sub.filter && !sub.filter->Matches(input.attributes, input.message)) {
    ++sub.filtered_out;
    JsonWriter d;
    d.BeginObject().Key("messageId").String(message_id).EndObject();
    Emit("FilteredOut", topic.topic.arn, sub.arn, d.str());
    return;
  }
  // The message for this protocol (MessageStructure json picks a key).
  std::string message = input.message;
  if (input.message_structure == "json") {
    json::object o = json::parse(input.message).as_object();
    std::string_view key = sub.protocol;
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) v = o.if_contains("default");
    message = std::string(v->as_string());
  }
  std::string timestamp = FormatIso8601(clock_.Now());
  std::string unsubscribe =
      options_.public_url + "/?Action=Unsubscribe&SubscriptionArn=" + sub.arn;
  // Not a real signature (there is no key to sign with); its shape is.
  std::string signature =
      Base64Encode(Sha256Hex(message_id + topic.topic.arn + message));
  std::string signing_cert =
      "https://sns." + options_.region +
      ".amazonaws.com/SimpleNotificationService-fanlab.pem";
  auto envelope = [&](bool lambda_casing) {
    JsonWriter w;
    w.BeginObject()
        .Key("Type")
        .String("Notification")
        .Key("MessageId")
        .String(message_id)
        .Key("TopicArn")
        .String(topic.topic.arn);
    if (input.subject) {
      w.Key("Subject").String(*input.subject);
    } else if (lambda_casing) {
      w.Key("Subject").Null();
    }
    w.Key("Message")
        .String(message)
        .Key("Timestamp")
        .String(timestamp)
        .Key("SignatureVersion")
        .String("1")
        .Key("Signature")
        .String(signature)
        .Key(lambda_casing ? "SigningCertUrl" : "SigningCertURL")
        .String(signing_cert)
        .Key(lambda_casing ? "UnsubscribeUrl" : "UnsubscribeURL")
        .String(unsubscribe);
    if (!input.attributes.empty() || lambda_casing) {
      w.Key("MessageAttributes");
      WriteEnvelopeAttributes(w, input.attributes);
    }
    w.EndObject();
    return w.Take();
  };

  Status status;
  if (sub.protocol == "sqs") {
    if (!targets_.send_to_queue) {
      status = Status(common::kInternalError, "no queues to deliver to");
    } else if (sub.raw_message_delivery) {
      status = targets_.send_to_queue(sub.endpoint, message, input.attributes);
    } else {
      status = targets_.send_to_queue(sub.endpoint, envelope(false), {});
    }
  } else if (sub.protocol == "lambda") {
    JsonWriter w;
    w.BeginObject().Key("Records").BeginArray().BeginObject();
    w.Key("EventSource").String("aws:sns").Key("EventVersion").String("1.0");
    w.Key("EventSubscriptionArn").String(sub.arn).Key("Sns");
    w.Raw(envelope(true)).EndObject().EndArray().EndObject();
    status = targets_.invoke_function
                 ? targets_.invoke_function(sub.endpoint, w.str())
                 : Status(common::kInternalError, "no functions to deliver to");
  } else if (sub.protocol == "email" || sub.protocol == "email-json") {
    Email e;
    e.message_id = message_id;
    e.topic_arn = topic.topic.arn;
    e.subscription_arn = sub.arn;
    e.to = sub.endpoint;
    e.subject = input.subject.value_or("AWS Notification Message");
    e.body = sub.protocol == "email-json" ? envelope(false) : message;
    e.time = clock_.Now();
    if (!options_.data_dir.empty()) {
      namespace fs = std::filesystem;
      std::error_code ec;
      fs::path dir = fs::path(options_.data_dir) / "emails";
      fs::create_directories(dir, ec);
      char name[32];
      std::snprintf(name, sizeof name, "%06llu.eml",
                    static_cast<unsigned long long>(++eml_files_));
      fs::path file = dir / name;
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << "From: no-reply@sns.amazonaws.com\r\n"
          << "To: " << e.to << "\r\n"
          << "Subject: " << e.subject << "\r\n"
          << "Date: " << timestamp << "\r\n"
          << "Message-ID: <" << message_id << "@sns.amazonaws.com>\r\n"
          << "Content-Type: "
          << (sub.protocol == "email-json" ? "application/json"
                                           : "text/plain; charset=UTF-8")
          << "\r\n\r\n"
          << e.body << "\r\n";
      out.close();
      if (!ec && out) {
        e.file = file.string();
      } else {
        status =
            Status(common::kInternalError, "cannot write " + file.string());
      }
    }
    outbox_.push_back(std::move(e));
  } else if (sub.protocol == "http") {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "text/plain; charset=UTF-8"},
        {"x-amz-sns-message-type", "Notification"},
        {"x-amz-sns-message-id", message_id},
        {"x-amz-sns-topic-arn", topic.topic.arn},
        {"x-amz-sns-subscription-arn", sub.arn},
    };
    if (sub.raw_message_delivery) {
      headers.emplace_back("x-amz-sns-rawdelivery", "true");
    }
    PostHttp(sub.arn, message_id, sub.endpoint, std::move(headers),
             sub.raw_message_delivery ? message : envelope(false), 0);
    return;  // DeliveryDone runs when the POST is answered
  }
  DeliveryDone(sub.arn, message_id, status);
}

void TopicService::PostHttp(
    std::string sub_arn, std::string message_id, std::string url,
    std::vector<std::pair<std::string, std::string>> headers, std::string body,
    int attempt) {
  if (!targets_.post_http) {
    return DeliveryDone(
        sub_arn, message_id,
        Status(common::kInternalError, "no HTTP client to deliver with"));
  }
  std::weak_ptr<bool> alive = alive_;
  auto answered = [=, this](Result<int> answer) mutable {
    if (alive.expired()) return;  // the service is gone
    // SNS counts any 2xx as delivered; everything else is retried.
    if (answer.ok() && *answer >= 200 && *answer < 300) {
      return DeliveryDone(sub_arn, message_id, Status::Ok());
    }
    if (attempt >= kHttpRetries) {
      return DeliveryDone(
          sub_arn, message_id,
          answer.ok()
              ? Status(common::kInternalError,
                       "HTTP " + std::to_string(*answer) + " from " + url)
              : answer.status());
    }
    uint64_t key = next_retry_++;
    retry_timers_[key] = clock_.ScheduleAfter(kHttpRetryDelay, [=, this] {
      retry_timers_.erase(key);
      // An unsubscribed endpoint (or a deleted topic) gets no more tries.
      if (FindSubscription(sub_arn) == nullptr) return;
      PostHttp(sub_arn, message_id, url, headers, body, attempt + 1);
    });
  };
  targets_.post_http(url, headers, body, std::move(answered));
}

void TopicService::DeliveryDone(const std::string& sub_arn,
                                const std::string& message_id,
                                const Status& status) {
  Subscription* s = FindSubscription(sub_arn);
  if (s != nullptr) ++(status.ok() ? s->delivered : s->failed);
  JsonWriter d;
  d.BeginObject().Key("messageId").String(message_id);
  if (s != nullptr) {
    d.Key("protocol").String(s->protocol).Key("endpoint").String(s->endpoint);
  }
  if (!status.ok()) d.Key("error").String(status.ToString());
  d.EndObject();
  size_t colon = sub_arn.rfind(':');
  Emit(status.ok() ? "Delivered" : "DeliveryFailed", sub_arn.substr(0, colon),
       sub_arn, d.str());
}

}  // namespace fanlab::services
