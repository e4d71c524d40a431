#include "emulator/queue/queue_attributes.h"

#include <boost/json.hpp>
#include <charconv>
#include <functional>
#include <map>

#include "emulator/queue/sqs_errors.h"

namespace fanlab::queue {
namespace {

Status BadValue(const std::string& name, const std::string& why) {
  return Status(sqs::kInvalidAttributeValue,
                "Invalid value for the parameter " + name + ". Reason: " + why);
}

Status BadName(const std::string& name) {
  return Status(sqs::kInvalidAttributeName, "Unknown Attribute " + name + ".");
}

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return v;
}

Status ParseRange(const std::string& name, const std::string& value, int64_t lo,
                  int64_t hi, int64_t& out) {
  auto v = ParseInt(value);
  if (!v || *v < lo || *v > hi) {
    return BadValue(name, "Must be an integer from " + std::to_string(lo) +
                              " to " + std::to_string(hi) + ".");
  }
  out = *v;
  return Status::Ok();
}

Status ParseBool(const std::string& name, const std::string& value, bool& out) {
  if (value == "true") {
    out = true;
  } else if (value == "false") {
    out = false;
  } else {
    return BadValue(name, "Must be true or false.");
  }
  return Status::Ok();
}

Status ParseRedrivePolicy(const std::string& value,
                          std::optional<RedrivePolicy>& out) {
  static const std::string kName = "RedrivePolicy";
  if (value.empty()) {
    out.reset();
    return Status::Ok();
  }
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(value, ec);
  if (ec || !json.is_object()) {
    return BadValue(kName, "Redrive policy is not a valid JSON map.");
  }
  const auto& obj = json.as_object();
  RedrivePolicy p;
  for (const auto& [key, v] : obj) {
    if (key == "deadLetterTargetArn") {
      if (!v.is_string())
        return BadValue(kName, "deadLetterTargetArn must be a string.");
      p.dead_letter_target_arn = std::string(v.as_string());
    } else if (key == "maxReceiveCount") {
      std::optional<int64_t> n;
      if (v.is_int64()) n = v.as_int64();
      if (v.is_uint64()) n = static_cast<int64_t>(v.as_uint64());
      if (v.is_string()) n = ParseInt(std::string(v.as_string()));
      if (!n || *n < 1 || *n > 1000) {
        return BadValue(kName,
                        "Value for parameter maxReceiveCount must be an "
                        "integer from 1 to 1000.");
      }
      p.max_receive_count = *n;
    } else {
      return BadValue(
          kName, "Unknown key " + std::string(key) + " in redrive policy.");
    }
  }
  if (p.dead_letter_target_arn.empty()) {
    return BadValue(kName,
                    "Redrive policy does not contain mandatory attribute: "
                    "deadLetterTargetArn.");
  }
  if (p.max_receive_count == 0) {
    return BadValue(kName,
                    "Redrive policy does not contain mandatory attribute: "
                    "maxReceiveCount.");
  }
  out = std::move(p);
  return Status::Ok();
}

using Setter = std::function<Status(const std::string& name,
                                    const std::string& value, QueueConfig&)>;
struct AttributeRule {
  bool fifo_only = false;
  Setter set;
};

const std::map<std::string, AttributeRule>& Rules() {
  auto range = [](int64_t lo, int64_t hi, int64_t QueueConfig::*field) {
    return [=](const std::string& n, const std::string& v, QueueConfig& c) {
      return ParseRange(n, v, lo, hi, c.*field);
    };
  };
  auto flag = [](bool QueueConfig::*field) {
    return [=](const std::string& n, const std::string& v, QueueConfig& c) {
      return ParseBool(n, v, c.*field);
    };
  };
  auto text = [](std::string QueueConfig::*field) {
    return [=](const std::string&, const std::string& v, QueueConfig& c) {
      c.*field = v;
      return Status::Ok();
    };
  };
  static const std::map<std::string, AttributeRule> rules = {
      {"DelaySeconds",
       {false, range(0, kMaxDelaySeconds, &QueueConfig::delay_seconds)}},
      {"MaximumMessageSize",
       {false,
        range(1024, kMaxMessageSizeLimit, &QueueConfig::maximum_message_size)}},
      {"MessageRetentionPeriod",
       {false, range(60, 1209600, &QueueConfig::message_retention_period)}},
      {"ReceiveMessageWaitTimeSeconds",
       {false, range(0, kMaxWaitTimeSeconds,
                     &QueueConfig::receive_message_wait_time_seconds)}},
      {"VisibilityTimeout",
       {false,
        range(0, kMaxVisibilityTimeout, &QueueConfig::visibility_timeout)}},
      {"RedrivePolicy",
       {false,
        [](const std::string&, const std::string& v, QueueConfig& c) {
          return ParseRedrivePolicy(v, c.redrive_policy);
        }}},
      {"RedriveAllowPolicy", {false, text(&QueueConfig::redrive_allow_policy)}},
      {"Policy", {false, text(&QueueConfig::policy)}},
      {"KmsMasterKeyId", {false, text(&QueueConfig::kms_master_key_id)}},
      {"KmsDataKeyReusePeriodSeconds",
       {false,
        [](const std::string& n, const std::string& v, QueueConfig& c) {
          int64_t unused = 0;
          Status s = ParseRange(n, v, 60, 86400, unused);
          if (s.ok()) c.kms_data_key_reuse_period_seconds = v;
          return s;
        }}},
      {"SqsManagedSseEnabled",
       {false,
        [](const std::string& n, const std::string& v, QueueConfig& c) {
          bool unused = false;
          Status s = ParseBool(n, v, unused);
          if (s.ok()) c.sqs_managed_sse_enabled = v;
          return s;
        }}},
      {"ContentBasedDeduplication",
       {true, flag(&QueueConfig::content_based_deduplication)}},
      {"DeduplicationScope",
       {true,
        [](const std::string& n, const std::string& v, QueueConfig& c) {
          if (v != "queue" && v != "messageGroup") {
            return BadValue(n, "Must be queue or messageGroup.");
          }
          c.dedup_scope_message_group = v == "messageGroup";
          return Status::Ok();
        }}},
      {"FifoThroughputLimit",
       {true,
        [](const std::string& n, const std::string& v, QueueConfig& c) {
          if (v != "perQueue" && v != "perMessageGroupId") {
            return BadValue(n, "Must be perQueue or perMessageGroupId.");
          }
          c.throughput_per_message_group = v == "perMessageGroupId";
          return Status::Ok();
        }}},
  };
  return rules;
}

}  // namespace

Status ApplyQueueAttributes(const AttributeMap& attrs, bool creating,
                            QueueConfig& config) {
  QueueConfig next = config;
  for (const auto& [name, value] : attrs) {
    if (name == "FifoQueue") {
      if (!creating) {
        return Status(sqs::kInvalidAttributeName,
                      "FifoQueue can only be set when the queue is created.");
      }
      Status s = ParseBool(name, value, next.fifo);
      if (!s.ok()) return s;
      continue;
    }
    auto it = Rules().find(name);
    if (it == Rules().end()) return BadName(name);
    Status s = it->second.set(name, value, next);
    if (!s.ok()) return s;
  }
  // FIFO-only attributes are judged once the queue type is known.
  for (const auto& [name, value] : attrs) {
    auto it = Rules().find(name);
    if (it != Rules().end() && it->second.fifo_only && !next.fifo) {
      return Status(
          sqs::kInvalidAttributeName,
          "Unknown Attribute " + name + ". It applies to FIFO queues only.");
    }
  }
  if (next.fifo && next.throughput_per_message_group &&
      !next.dedup_scope_message_group) {
    return BadValue("FifoThroughputLimit",
                    "perMessageGroupId requires DeduplicationScope "
                    "messageGroup.");
  }
  config = std::move(next);
  return Status::Ok();
}

std::optional<std::string> ConfigAttribute(const QueueConfig& c,
                                           const std::string& name) {
  auto num = [](int64_t v) { return std::optional(std::to_string(v)); };
  auto nonempty = [](const std::string& v) {
    return v.empty() ? std::nullopt : std::optional(v);
  };
  if (name == "DelaySeconds") return num(c.delay_seconds);
  if (name == "MaximumMessageSize") return num(c.maximum_message_size);
  if (name == "MessageRetentionPeriod") return num(c.message_retention_period);
  if (name == "ReceiveMessageWaitTimeSeconds") {
    return num(c.receive_message_wait_time_seconds);
  }
  if (name == "VisibilityTimeout") return num(c.visibility_timeout);
  if (name == "RedrivePolicy") {
    if (!c.redrive_policy) return std::nullopt;
    boost::json::object o;
    o["deadLetterTargetArn"] = c.redrive_policy->dead_letter_target_arn;
    o["maxReceiveCount"] = c.redrive_policy->max_receive_count;
    return boost::json::serialize(o);
  }
  if (name == "RedriveAllowPolicy") return nonempty(c.redrive_allow_policy);
  if (name == "Policy") return nonempty(c.policy);
  if (name == "KmsMasterKeyId") return nonempty(c.kms_master_key_id);
  if (name == "KmsDataKeyReusePeriodSeconds") {
    return nonempty(c.kms_data_key_reuse_period_seconds);
  }
  if (name == "SqsManagedSseEnabled") {
    return c.sqs_managed_sse_enabled.empty() ? "false"
                                             : c.sqs_managed_sse_enabled;
  }
  if (!c.fifo) return std::nullopt;
  if (name == "FifoQueue") return "true";
  if (name == "ContentBasedDeduplication") {
    return c.content_based_deduplication ? "true" : "false";
  }
  if (name == "DeduplicationScope") {
    return c.dedup_scope_message_group ? "messageGroup" : "queue";
  }
  if (name == "FifoThroughputLimit") {
    return c.throughput_per_message_group ? "perMessageGroupId" : "perQueue";
  }
  return std::nullopt;
}

const std::vector<std::string>& ConfigAttributeNames(bool fifo) {
  static const std::vector<std::string> kStandard = {
      "DelaySeconds",           "MaximumMessageSize",
      "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
      "VisibilityTimeout",      "RedrivePolicy",
      "RedriveAllowPolicy",     "Policy",
      "KmsMasterKeyId",         "KmsDataKeyReusePeriodSeconds",
      "SqsManagedSseEnabled"};
  static const std::vector<std::string> kFifo = [] {
    auto v = kStandard;
    v.insert(v.end(), {"FifoQueue", "ContentBasedDeduplication",
                       "DeduplicationScope", "FifoThroughputLimit"});
    return v;
  }();
  return fifo ? kFifo : kStandard;
}

}  // namespace fanlab::queue
