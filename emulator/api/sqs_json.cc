#include "emulator/api/sqs_json.h"

#include <boost/json.hpp>
#include <concepts>
#include <type_traits>

#include "emulator/api/error_registry.h"
#include "emulator/api/json_fields.h"
#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/json_writer.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::api {
namespace json = boost::json;
using namespace fanlab::queue;

namespace {

// Containers are left out of a body when empty, unless a shape says
// kEvenEmpty (SQS always sends ListQueues' QueueUrls, a batch's Failed).
enum class Emit { kIfPresent, kEvenEmpty };

// A binary field: raw bytes in the struct, base64 on the wire.
struct Binary {
  std::optional<std::string>& bytes;
};
struct ConstBinary {
  const std::optional<std::string>& bytes;
};
inline Binary AsBinary(std::optional<std::string>& b) { return {b}; }
inline ConstBinary AsBinary(const std::optional<std::string>& b) { return {b}; }

// ----------------------------------------------------------------- shapes
//
// Fields(v, shape) names every field of a shape once, in wire order; `v`
// is the Reader (shape is mutable) or the Writer (shape is const).

#define FANLAB_SHAPE(Type)                            \
  template <typename V, typename S>                   \
  requires std::same_as<std::remove_const_t<S>, Type> \
  void Fields([[maybe_unused]] V& v, [[maybe_unused]] S& s)

FANLAB_SHAPE(Empty) {}

FANLAB_SHAPE(MessageAttributeValue) {
  v("DataType", s.data_type);
  v("StringValue", s.string_value);
  v("BinaryValue", AsBinary(s.binary_value));
}

FANLAB_SHAPE(BatchResultErrorEntry) {
  v("Id", s.id);
  v("SenderFault", s.sender_fault);
  v("Code", s.code);
  v("Message", s.message);
}

FANLAB_SHAPE(CreateQueueRequest) {
  v("QueueName", s.queue_name);
  v("Attributes", s.attributes);
  v("tags", s.tags);
}
FANLAB_SHAPE(CreateQueueResponse) { v("QueueUrl", s.queue_url); }

FANLAB_SHAPE(GetQueueUrlRequest) {
  v("QueueName", s.queue_name);
  v("QueueOwnerAWSAccountId", s.queue_owner_aws_account_id);
}
FANLAB_SHAPE(GetQueueUrlResponse) { v("QueueUrl", s.queue_url); }

FANLAB_SHAPE(ListQueuesRequest) {
  v("QueueNamePrefix", s.queue_name_prefix);
  v("NextToken", s.next_token);
  v("MaxResults", s.max_results);
}
FANLAB_SHAPE(ListQueuesResponse) {
  v("QueueUrls", s.queue_urls, Emit::kEvenEmpty);
  v("NextToken", s.next_token);
}

FANLAB_SHAPE(DeleteQueueRequest) { v("QueueUrl", s.queue_url); }
FANLAB_SHAPE(PurgeQueueRequest) { v("QueueUrl", s.queue_url); }

FANLAB_SHAPE(GetQueueAttributesRequest) {
  v("QueueUrl", s.queue_url);
  v("AttributeNames", s.attribute_names);
}
FANLAB_SHAPE(GetQueueAttributesResponse) {
  v("Attributes", s.attributes, Emit::kEvenEmpty);
}

FANLAB_SHAPE(SetQueueAttributesRequest) {
  v("QueueUrl", s.queue_url);
  v("Attributes", s.attributes);
}

FANLAB_SHAPE(SendMessageRequest) {
  v("QueueUrl", s.queue_url);
  v("MessageBody", s.message_body);
  v("DelaySeconds", s.delay_seconds);
  v("MessageAttributes", s.message_attributes);
  v("MessageSystemAttributes", s.message_system_attributes);
  v("MessageDeduplicationId", s.message_deduplication_id);
  v("MessageGroupId", s.message_group_id);
}
FANLAB_SHAPE(SendMessageResponse) {
  v("MD5OfMessageBody", s.md5_of_message_body);
  v("MD5OfMessageAttributes", s.md5_of_message_attributes);
  v("MD5OfMessageSystemAttributes", s.md5_of_message_system_attributes);
  v("MessageId", s.message_id);
  v("SequenceNumber", s.sequence_number);
}

FANLAB_SHAPE(SendMessageBatchRequestEntry) {
  v("Id", s.id);
  v("MessageBody", s.message_body);
  v("DelaySeconds", s.delay_seconds);
  v("MessageAttributes", s.message_attributes);
  v("MessageSystemAttributes", s.message_system_attributes);
  v("MessageDeduplicationId", s.message_deduplication_id);
  v("MessageGroupId", s.message_group_id);
}
FANLAB_SHAPE(SendMessageBatchRequest) {
  v("QueueUrl", s.queue_url);
  v("Entries", s.entries, Emit::kEvenEmpty);
}
FANLAB_SHAPE(SendMessageBatchResultEntry) {
  v("Id", s.id);
  v("MessageId", s.message_id);
  v("MD5OfMessageBody", s.md5_of_message_body);
  v("MD5OfMessageAttributes", s.md5_of_message_attributes);
  v("MD5OfMessageSystemAttributes", s.md5_of_message_system_attributes);
  v("SequenceNumber", s.sequence_number);
}
FANLAB_SHAPE(SendMessageBatchResponse) {
  v("Successful", s.successful, Emit::kEvenEmpty);
  v("Failed", s.failed, Emit::kEvenEmpty);
}

FANLAB_SHAPE(ReceiveMessageRequest) {
  v("QueueUrl", s.queue_url);
  v("AttributeNames", s.attribute_names);
  v("MessageSystemAttributeNames", s.message_system_attribute_names);
  v("MessageAttributeNames", s.message_attribute_names);
  v("MaxNumberOfMessages", s.max_number_of_messages);
  v("VisibilityTimeout", s.visibility_timeout);
  v("WaitTimeSeconds", s.wait_time_seconds);
  v("ReceiveRequestAttemptId", s.receive_request_attempt_id);
}
FANLAB_SHAPE(Message) {
  v("MessageId", s.message_id);
  v("ReceiptHandle", s.receipt_handle);
  v("MD5OfBody", s.md5_of_body);
  v("Body", s.body);
  v("Attributes", s.attributes);
  v("MD5OfMessageAttributes", s.md5_of_message_attributes);
  v("MessageAttributes", s.message_attributes);
}
FANLAB_SHAPE(ReceiveMessageResponse) { v("Messages", s.messages); }

FANLAB_SHAPE(DeleteMessageRequest) {
  v("QueueUrl", s.queue_url);
  v("ReceiptHandle", s.receipt_handle);
}

FANLAB_SHAPE(DeleteMessageBatchRequestEntry) {
  v("Id", s.id);
  v("ReceiptHandle", s.receipt_handle);
}
FANLAB_SHAPE(DeleteMessageBatchRequest) {
  v("QueueUrl", s.queue_url);
  v("Entries", s.entries, Emit::kEvenEmpty);
}
FANLAB_SHAPE(DeleteMessageBatchResultEntry) { v("Id", s.id); }
FANLAB_SHAPE(DeleteMessageBatchResponse) {
  v("Successful", s.successful, Emit::kEvenEmpty);
  v("Failed", s.failed, Emit::kEvenEmpty);
}

FANLAB_SHAPE(ChangeMessageVisibilityRequest) {
  v("QueueUrl", s.queue_url);
  v("ReceiptHandle", s.receipt_handle);
  v("VisibilityTimeout", s.visibility_timeout);  // required
}
FANLAB_SHAPE(ChangeMessageVisibilityBatchRequestEntry) {
  v("Id", s.id);
  v("ReceiptHandle", s.receipt_handle);
  v("VisibilityTimeout", s.visibility_timeout);
}
FANLAB_SHAPE(ChangeMessageVisibilityBatchRequest) {
  v("QueueUrl", s.queue_url);
  v("Entries", s.entries, Emit::kEvenEmpty);
}
FANLAB_SHAPE(ChangeMessageVisibilityBatchResultEntry) { v("Id", s.id); }
FANLAB_SHAPE(ChangeMessageVisibilityBatchResponse) {
  v("Successful", s.successful, Emit::kEvenEmpty);
  v("Failed", s.failed, Emit::kEvenEmpty);
}

FANLAB_SHAPE(TagQueueRequest) {
  v("QueueUrl", s.queue_url);
  v("Tags", s.tags);
}
FANLAB_SHAPE(UntagQueueRequest) {
  v("QueueUrl", s.queue_url);
  v("TagKeys", s.tag_keys);
}
FANLAB_SHAPE(ListQueueTagsRequest) { v("QueueUrl", s.queue_url); }
FANLAB_SHAPE(ListQueueTagsResponse) { v("Tags", s.tags); }

FANLAB_SHAPE(ListDeadLetterSourceQueuesRequest) {
  v("QueueUrl", s.queue_url);
  v("NextToken", s.next_token);
  v("MaxResults", s.max_results);
}
FANLAB_SHAPE(ListDeadLetterSourceQueuesResponse) {
  v("queueUrls", s.queue_urls, Emit::kEvenEmpty);
  v("NextToken", s.next_token);
}

#undef FANLAB_SHAPE

// ---------------------------------------------------------------- reading

// SQS words a missing required field (VisibilityTimeout) as
// MissingParameter.
constexpr MissingField kMissing = MustContainParameter<sqs::kMissingParameter>;

// Reads one JSON object's fields into a shape: the shape's field list
// (Fields) over the one field reader (json_fields.h).
class Reader {
 public:
  explicit Reader(FieldReader& r) : r_(r) {}

  template <typename T>
  void operator()(std::string_view key, T& out, Emit = {}) {
    r_.Read(key, out);
  }
  // Not a list of shapes (the template below).
  void operator()(std::string_view key, std::vector<std::string>& out,
                  Emit = {}) {
    r_.Read(key, out);
  }

  void operator()(std::string_view key, Binary out, Emit = {}) {
    r_.ReadBase64(key, out.bytes);
  }

  // A required integer: absent is MissingParameter.
  void operator()(std::string_view key, int64_t& out, Emit = {}) {
    r_.Require(key, out);
  }

  void operator()(std::string_view key, MessageAttributeMap& out, Emit = {}) {
    const json::value* v = r_.Get(key);
    if (v == nullptr || !r_.ok()) return;
    if (!v->is_object()) return r_.Fail(key, "a map of attribute values");
    for (const auto& [name, item] : v->get_object()) {
      std::string at = std::string(key) + "." + std::string(name);
      if (!item.is_object()) return r_.Fail(at, "an attribute value object");
      FieldReader fields = r_.Nested(item.get_object(), at);
      MessageAttributeValue value;
      Reader r(fields);
      Fields(r, value);
      if (fields.Has("StringListValues") || fields.Has("BinaryListValues")) {
        r_.Fail(Status(sqs::kInvalidParameterValue,
                       "Message attribute list values in " + r_.Path(at) +
                           " are not supported."));
      }
      if (!r_.ok()) return;
      out.emplace(std::string(name), std::move(value));
    }
  }

  // A list of objects of one shape.
  template <typename T>
  void operator()(std::string_view key, std::vector<T>& out, Emit = {}) {
    r_.Objects(key, [&out](FieldReader& entry, size_t) {
      Reader r(entry);
      Fields(r, out.emplace_back());
    });
  }

 private:
  FieldReader& r_;
};

// ---------------------------------------------------------------- writing

class Writer {
 public:
  explicit Writer(JsonWriter& w) : w_(w) {}

  void operator()(std::string_view key, const std::string& v, Emit = {}) {
    w_.Key(key).String(v);
  }
  void operator()(std::string_view key, const std::optional<std::string>& v,
                  Emit = {}) {
    if (v) w_.Key(key).String(*v);
  }
  void operator()(std::string_view key, ConstBinary v, Emit = {}) {
    if (v.bytes) w_.Key(key).String(Base64Encode(*v.bytes));
  }
  void operator()(std::string_view key, bool v, Emit = {}) {
    w_.Key(key).Bool(v);
  }
  void operator()(std::string_view key, const std::optional<int64_t>& v,
                  Emit = {}) {
    if (v) w_.Key(key).Int(*v);
  }
  void operator()(std::string_view key, int64_t v, Emit = {}) {
    w_.Key(key).Int(v);
  }
  void operator()(std::string_view key, const std::vector<std::string>& v,
                  Emit emit = {}) {
    if (v.empty() && emit == Emit::kIfPresent) return;
    w_.Key(key).BeginArray();
    for (const auto& s : v) w_.String(s);
    w_.EndArray();
  }
  void operator()(std::string_view key,
                  const std::map<std::string, std::string>& v, Emit emit = {}) {
    if (v.empty() && emit == Emit::kIfPresent) return;
    w_.Key(key).BeginObject();
    for (const auto& [k, s] : v) w_.Key(k).String(s);
    w_.EndObject();
  }
  void operator()(std::string_view key, const MessageAttributeMap& v,
                  Emit emit = {}) {
    if (v.empty() && emit == Emit::kIfPresent) return;
    w_.Key(key).BeginObject();
    for (const auto& [name, value] : v) {
      w_.Key(name);
      Object(value);
    }
    w_.EndObject();
  }
  template <typename T>
  void operator()(std::string_view key, const std::vector<T>& v,
                  Emit emit = {}) {
    if (v.empty() && emit == Emit::kIfPresent) return;
    w_.Key(key).BeginArray();
    for (const auto& item : v) Object(item);
    w_.EndArray();
  }

  template <typename T>
  void Object(const T& shape) {
    w_.BeginObject();
    Fields(*this, shape);
    w_.EndObject();
  }

 private:
  JsonWriter& w_;
};

}  // namespace

template <typename Shape>
Result<Shape> ParseShape(std::string_view body) {
  Shape shape;
  Status status = ReadJsonBody(body, kMissing, [&shape](FieldReader& fields) {
    Reader reader(fields);
    Fields(reader, shape);
  });
  if (!status.ok()) return status;
  return shape;
}

template <typename Shape>
std::string WriteShape(const Shape& shape) {
  JsonWriter w;
  Writer(w).Object(shape);
  return w.Take();
}

// clang-format off
#define FANLAB_SQS_SHAPES(X) \
  X(Empty) \
  X(CreateQueueRequest) \
  X(CreateQueueResponse) \
  X(GetQueueUrlRequest) \
  X(GetQueueUrlResponse) \
  X(ListQueuesRequest) \
  X(ListQueuesResponse) \
  X(DeleteQueueRequest) \
  X(PurgeQueueRequest) \
  X(GetQueueAttributesRequest) \
  X(GetQueueAttributesResponse) \
  X(SetQueueAttributesRequest) \
  X(SendMessageRequest) \
  X(SendMessageResponse) \
  X(SendMessageBatchRequest) \
  X(SendMessageBatchResponse) \
  X(ReceiveMessageRequest) \
  X(ReceiveMessageResponse) \
  X(DeleteMessageRequest) \
  X(DeleteMessageBatchRequest) \
  X(DeleteMessageBatchResponse) \
  X(ChangeMessageVisibilityRequest) \
  X(ChangeMessageVisibilityBatchRequest) \
  X(ChangeMessageVisibilityBatchResponse) \
  X(TagQueueRequest) \
  X(UntagQueueRequest) \
  X(ListQueueTagsRequest) \
  X(ListQueueTagsResponse) \
  X(ListDeadLetterSourceQueuesRequest) \
  X(ListDeadLetterSourceQueuesResponse)
// clang-format on

#define FANLAB_INSTANTIATE(Type)                                 \
  template Result<Type> ParseShape<Type>(std::string_view body); \
  template std::string WriteShape<Type>(const Type& shape);
FANLAB_SQS_SHAPES(FANLAB_INSTANTIATE)
#undef FANLAB_INSTANTIATE
#undef FANLAB_SQS_SHAPES

std::string WriteError(const Status& status) {
  bool protocol = status.code() == common::kSerializationException ||
                  status.code() == common::kUnknownOperationException;
  std::string type =
      protocol ? "com.amazon.coral.service#" : "com.amazonaws.sqs#";
  type += status.name();
  JsonWriter w;
  w.BeginObject()
      .Key("__type")
      .String(type)
      .Key("message")
      .String(status.message())
      .EndObject();
  return w.Take();
}

Status ParseError(std::string_view body) {
  std::string type, message;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Read("__type", type);
    r.Read("message", message);
  });
  std::string_view name = type;
  if (size_t hash = name.rfind('#'); hash != std::string_view::npos) {
    name.remove_prefix(hash + 1);
  }
  ErrorCode code = FindError(name, "sqs");
  if (!read.ok() || name.empty() || code.ok()) {
    return Status(common::kInternalError,
                  "The engine answered with a malformed error body: " +
                      std::string(body.substr(0, 200)));
  }
  return Status(code, std::move(message));
}

}  // namespace fanlab::api
