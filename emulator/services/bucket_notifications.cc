#include "emulator/services/bucket_notifications.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "emulator/core/arn.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {

namespace {

constexpr std::string_view kEvents[] = {
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
};

Status Invalid(std::string message) {
  return Status(s3::kInvalidArgument, std::move(message));
}

// The service an ARN of `kind` names, and the resource's prefix.
bool ArnFits(NotificationTargetKind kind, std::string_view text) {
  std::optional<Arn> arn = ParseArn(text);
  if (!arn || arn->resource.empty()) return false;
  switch (kind) {
    case NotificationTargetKind::kFunction:
      return arn->service == "lambda" && arn->resource.starts_with("function:");
    case NotificationTargetKind::kQueue:
      return arn->service == "sqs";
    case NotificationTargetKind::kTopic:
      return arn->service == "sns";
  }
  return false;
}

}  // namespace

Status ValidateNotificationConfiguration(const NotificationConfiguration& c) {
  if (c.rules.size() > kMaxNotificationRules) {
    return Invalid("A bucket takes at most " +
                   std::to_string(kMaxNotificationRules) +
                   " notification configurations.");
  }
  std::set<std::string> ids;
  for (const NotificationRule& rule : c.rules) {
    std::string which = rule.id.empty() ? "a configuration" : rule.id;
    if (!ids.insert(rule.id).second) {
      return Invalid("Two configurations have the Id " + rule.id + ".");
    }
    if (rule.events.empty()) {
      return Invalid("The configuration " + which + " names no Events.");
    }
    for (const std::string& e : rule.events) {
      if (std::find(std::begin(kEvents), std::end(kEvents), e) ==
          std::end(kEvents)) {
        return Invalid("The event is not supported for notifications: " + e);
      }
    }
    if (!ArnFits(rule.kind, rule.arn)) {
      return Invalid(
          "Unable to validate the following destination "
          "configurations: " +
          rule.arn + " (of " + which + ")");
    }
  }
  return Status::Ok();
}

bool NotificationMatches(const NotificationRule& rule,
                         std::string_view event_name, std::string_view key) {
  if (!key.starts_with(rule.prefix) || !key.ends_with(rule.suffix)) {
    return false;
  }
  for (std::string_view e : rule.events) {
    if (!e.starts_with("s3:")) continue;
    e.remove_prefix(3);
    if (e == event_name) return true;
    if (e.ends_with("*") && event_name.starts_with(e.substr(0, e.size() - 1))) {
      return true;
    }
  }
  return false;
}

std::string S3EventKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') ||
        std::string_view("-_.~/!$'()*,;:@").find(static_cast<char>(c)) !=
            std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string S3EventSequencer(uint64_t n) {
  char out[24];
  std::snprintf(out, sizeof out, "%016llX", static_cast<unsigned long long>(n));
  return out;
}

std::string S3EventRecord(const S3EventFacts& f,
                          std::string_view configuration_id) {
  const std::string principal = "AWS:" + f.account_id;
  JsonWriter w;
  w.BeginObject().Key("Records").BeginArray().BeginObject();
  w.Key("eventVersion").String("2.1");
  w.Key("eventSource").String("aws:s3");
  w.Key("awsRegion").String(f.region);
  w.Key("eventTime").String(FormatIso8601(f.time));
  w.Key("eventName").String(f.event_name);
  w.Key("userIdentity").BeginObject();
  w.Key("principalId").String(principal);
  w.EndObject();
  w.Key("requestParameters").BeginObject();
  w.Key("sourceIPAddress").String("127.0.0.1");
  w.EndObject();
  w.Key("responseElements").BeginObject();
  w.Key("x-amz-request-id").String(f.request_id);
  w.Key("x-amz-id-2").String(f.request_id);
  w.EndObject();
  w.Key("s3").BeginObject();
  w.Key("s3SchemaVersion").String("1.0");
  w.Key("configurationId").String(configuration_id);
  w.Key("bucket").BeginObject();
  w.Key("name").String(f.bucket);
  w.Key("ownerIdentity").BeginObject();
  w.Key("principalId").String(f.account_id);
  w.EndObject();
  w.Key("arn").String("arn:aws:s3:::" + f.bucket);
  w.EndObject();  // bucket
  w.Key("object").BeginObject();
  w.Key("key").String(S3EventKey(f.key));
  if (f.event_name.starts_with("ObjectCreated:")) {
    w.Key("size").Int(static_cast<int64_t>(f.size));
    w.Key("eTag").String(f.etag);
  }
  w.Key("sequencer").String(f.sequencer);
  w.EndObject();  // object
  w.EndObject();  // s3
  w.EndObject().EndArray().EndObject();
  return w.Take();
}

}  // namespace fanlab::services
