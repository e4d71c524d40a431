// Request and response shapes of the SQS API, one struct per AWS JSON 1.0
// protocol shape, one member per field (PascalCase field -> snake_case
// member). The api/ dispatcher maps JSON onto these one-to-one; nothing
// here knows about JSON.
//
// Optional request fields are std::optional (absent != zero). Binary values
// hold raw bytes; the dispatcher does the base64.
#ifndef FANLAB_EMULATOR_QUEUE_TYPES_H_
#define FANLAB_EMULATOR_QUEUE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/status.h"

namespace fanlab::queue {

// MessageAttributeValue. DataType is "String", "Number" or "Binary",
// optionally followed by ".custom-label" ("Number.float").
struct MessageAttributeValue {
  std::string data_type;
  std::optional<std::string> string_value;
  std::optional<std::string> binary_value;  // raw bytes

  friend bool operator==(const MessageAttributeValue&,
                         const MessageAttributeValue&) = default;
};
// Ordered by name: the order SQS's MD5OfMessageAttributes encodes them in.
using MessageAttributeMap = std::map<std::string, MessageAttributeValue>;
using AttributeMap = std::map<std::string, std::string>;
using TagMap = std::map<std::string, std::string>;

// One failed batch entry (BatchResultErrorEntry).
struct BatchResultErrorEntry {
  std::string id;
  bool sender_fault = true;
  std::string code;  // SQS error name, e.g. "InvalidParameterValue"
  std::string message;
};

struct CreateQueueRequest {
  std::string queue_name;
  AttributeMap attributes;
  TagMap tags;  // "tags" on the wire (lower-case, as SQS spells it)
};
struct CreateQueueResponse {
  std::string queue_url;
};

struct GetQueueUrlRequest {
  std::string queue_name;
  std::optional<std::string> queue_owner_aws_account_id;
};
struct GetQueueUrlResponse {
  std::string queue_url;
};

struct ListQueuesRequest {
  std::optional<std::string> queue_name_prefix;
  std::optional<std::string> next_token;
  std::optional<int64_t> max_results;  // 1..1000
};
struct ListQueuesResponse {
  std::vector<std::string> queue_urls;
  std::optional<std::string> next_token;
};

struct DeleteQueueRequest {
  std::string queue_url;
};
struct PurgeQueueRequest {
  std::string queue_url;
};

struct GetQueueAttributesRequest {
  std::string queue_url;
  std::vector<std::string> attribute_names;  // "All" or names
};
struct GetQueueAttributesResponse {
  AttributeMap attributes;
};

struct SetQueueAttributesRequest {
  std::string queue_url;
  AttributeMap attributes;
};

struct SendMessageRequest {
  std::string queue_url;
  std::string message_body;
  std::optional<int64_t> delay_seconds;
  MessageAttributeMap message_attributes;
  MessageAttributeMap message_system_attributes;  // AWSTraceHeader only
  std::optional<std::string> message_deduplication_id;
  std::optional<std::string> message_group_id;
};
struct SendMessageResponse {
  std::string md5_of_message_body;
  std::optional<std::string> md5_of_message_attributes;
  std::optional<std::string> md5_of_message_system_attributes;
  std::string message_id;
  std::optional<std::string> sequence_number;  // FIFO only
};

struct SendMessageBatchRequestEntry {
  std::string id;
  std::string message_body;
  std::optional<int64_t> delay_seconds;
  MessageAttributeMap message_attributes;
  MessageAttributeMap message_system_attributes;
  std::optional<std::string> message_deduplication_id;
  std::optional<std::string> message_group_id;
};
struct SendMessageBatchRequest {
  std::string queue_url;
  std::vector<SendMessageBatchRequestEntry> entries;
};
struct SendMessageBatchResultEntry {
  std::string id;
  std::string message_id;
  std::string md5_of_message_body;
  std::optional<std::string> md5_of_message_attributes;
  std::optional<std::string> md5_of_message_system_attributes;
  std::optional<std::string> sequence_number;
};
struct SendMessageBatchResponse {
  std::vector<SendMessageBatchResultEntry> successful;
  std::vector<BatchResultErrorEntry> failed;
};

struct ReceiveMessageRequest {
  std::string queue_url;
  std::vector<std::string> attribute_names;  // legacy name of the next one
  std::vector<std::string> message_system_attribute_names;
  std::vector<std::string> message_attribute_names;       // "All", ".*", "p.*"
  std::optional<int64_t> max_number_of_messages;          // 1..10, default 1
  std::optional<int64_t> visibility_timeout;              // 0..43200
  std::optional<int64_t> wait_time_seconds;               // 0..20
  std::optional<std::string> receive_request_attempt_id;  // FIFO only
};
// Message, as ReceiveMessage returns it.
struct Message {
  std::string message_id;
  std::string receipt_handle;
  std::string md5_of_body;
  std::string body;
  AttributeMap attributes;  // system attributes that were asked for
  std::optional<std::string> md5_of_message_attributes;
  MessageAttributeMap message_attributes;  // those that were asked for
};
struct ReceiveMessageResponse {
  std::vector<Message> messages;
};

struct DeleteMessageRequest {
  std::string queue_url;
  std::string receipt_handle;
};

struct DeleteMessageBatchRequestEntry {
  std::string id;
  std::string receipt_handle;
};
struct DeleteMessageBatchRequest {
  std::string queue_url;
  std::vector<DeleteMessageBatchRequestEntry> entries;
};
struct DeleteMessageBatchResultEntry {
  std::string id;
};
struct DeleteMessageBatchResponse {
  std::vector<DeleteMessageBatchResultEntry> successful;
  std::vector<BatchResultErrorEntry> failed;
};

struct ChangeMessageVisibilityRequest {
  std::string queue_url;
  std::string receipt_handle;
  int64_t visibility_timeout = 0;
};

struct ChangeMessageVisibilityBatchRequestEntry {
  std::string id;
  std::string receipt_handle;
  std::optional<int64_t> visibility_timeout;
};
struct ChangeMessageVisibilityBatchRequest {
  std::string queue_url;
  std::vector<ChangeMessageVisibilityBatchRequestEntry> entries;
};
struct ChangeMessageVisibilityBatchResultEntry {
  std::string id;
};
struct ChangeMessageVisibilityBatchResponse {
  std::vector<ChangeMessageVisibilityBatchResultEntry> successful;
  std::vector<BatchResultErrorEntry> failed;
};

struct TagQueueRequest {
  std::string queue_url;
  TagMap tags;
};
struct UntagQueueRequest {
  std::string queue_url;
  std::vector<std::string> tag_keys;
};
struct ListQueueTagsRequest {
  std::string queue_url;
};
struct ListQueueTagsResponse {
  TagMap tags;
};

struct ListDeadLetterSourceQueuesRequest {
  std::string queue_url;
  std::optional<std::string> next_token;
  std::optional<int64_t> max_results;  // 1..1000
};
struct ListDeadLetterSourceQueuesResponse {
  std::vector<std::string> queue_urls;  // "queueUrls" on the wire
  std::optional<std::string> next_token;
};

// What one queue holds internally, stale index entries included: a queue's
// memory follows its messages, not its history. Every index stays within a
// constant factor of the live messages it serves (plus a small floor),
// however many messages came and went, and however they went (received and
// deleted, expired unread, purged).
struct QueueFootprint {
  size_t messages = 0;       // stored messages
  size_t ready_index = 0;    // ready-heap entries (standard queues)
  size_t transitions = 0;    // delay and visibility-end entries
  size_t late_expiries = 0;  // messages moved in from a source queue
  size_t groups = 0;         // FIFO message groups
};

// Actions that return nothing but success.
struct Empty {};

}  // namespace fanlab::queue

#endif  // FANLAB_EMULATOR_QUEUE_TYPES_H_
