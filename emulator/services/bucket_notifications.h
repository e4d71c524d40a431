// S3 event notifications: a bucket's NotificationConfiguration (which
// events, filtered by key prefix and suffix, go to which function, queue or
// topic) and the event record S3 sends (eventVersion "2.1"). Pure: the
// BucketService keeps each bucket's configuration and calls its Notifier
// for every rule an object change matches; the engine delivers (an Event
// invocation, SendMessage, Publish). docs/services.md is the user's view.
//
// Event names, as S3 writes them in a record: "ObjectCreated:Put",
// "ObjectCreated:Copy", "ObjectCreated:CompleteMultipartUpload",
// "ObjectRemoved:Delete". A rule names them with the "s3:" prefix and may
// end in "*" ("s3:ObjectCreated:*", "s3:ObjectRemoved:*").
#ifndef FANLAB_EMULATOR_SERVICES_BUCKET_NOTIFICATIONS_H_
#define FANLAB_EMULATOR_SERVICES_BUCKET_NOTIFICATIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"

namespace fanlab::services {

// At most this many rules a bucket (S3 documents no figure; it bounds the
// work one object change costs).
inline constexpr size_t kMaxNotificationRules = 100;

enum class NotificationTargetKind { kFunction, kQueue, kTopic };

// One LambdaFunctionConfiguration, QueueConfiguration or
// TopicConfiguration.
struct NotificationRule {
  std::string id;  // the configuration's Id (generated when not given)
  NotificationTargetKind kind = NotificationTargetKind::kFunction;
  std::string arn;                  // function, queue or topic ARN
  std::vector<std::string> events;  // "s3:ObjectCreated:*", ...
  std::string prefix;               // key filter; "" matches any key
  std::string suffix;
};

struct NotificationConfiguration {
  std::vector<NotificationRule> rules;  // in the order given
};

// InvalidArgument naming the first rule at fault: no events, an event
// S3 does not send here ("s3:ObjectCreated:Put", "s3:ObjectCreated:Copy",
// "s3:ObjectCreated:CompleteMultipartUpload", "s3:ObjectCreated:Post",
// "s3:ObjectCreated:*", "s3:ObjectRemoved:Delete",
// "s3:ObjectRemoved:DeleteMarkerCreated", "s3:ObjectRemoved:*"), an ARN
// that is not a function's, a queue's or a topic's of its kind, more than
// kMaxNotificationRules rules, two rules with one Id.
Status ValidateNotificationConfiguration(const NotificationConfiguration& c);

// True when `rule` takes `event_name` ("ObjectCreated:Put") for `key`.
bool NotificationMatches(const NotificationRule& rule,
                         std::string_view event_name, std::string_view key);

// What the record says of one change.
struct S3EventFacts {
  std::string event_name;  // "ObjectCreated:Put"
  std::string bucket;
  std::string key;        // as stored; the record carries it URL-encoded
  uint64_t size = 0;      // created objects only
  std::string etag;       // created objects only, without quotes
  std::string sequencer;  // S3EventSequencer
  TimePoint time;
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
  std::string request_id;  // responseElements x-amz-request-id
};

// {"Records": [ {eventVersion "2.1", eventSource "aws:s3", awsRegion,
// eventTime, eventName, userIdentity, requestParameters, responseElements,
// s3 {s3SchemaVersion "1.0", configurationId, bucket {name,
// ownerIdentity, arn}, object {key, size, eTag, sequencer}}} ]}; size and
// eTag only for ObjectCreated events.
std::string S3EventRecord(const S3EventFacts& facts,
                          std::string_view configuration_id);

// A key as S3 writes it in a record: form-encoded (a space is '+'), with
// letters, digits, "-_.~/" and a few more ("!$'()*,;:@") kept as they are.
std::string S3EventKey(std::string_view key);

// The n-th sequencer: 16 upper-case hex digits, increasing with n.
std::string S3EventSequencer(uint64_t n);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_BUCKET_NOTIFICATIONS_H_
