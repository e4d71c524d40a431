#include "emulator/api/dispatcher.h"

#include <boost/json.hpp>
#include <limits>
#include <map>
#include <optional>

#include "emulator/core/base64.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::api {
namespace json = boost::json;
using namespace fanlab::queue;

namespace {

// Reads one JSON object's fields with type checks. The first fault is kept
// (in a Status shared with nested readers) and names the field's path.
class Reader {
 public:
  Reader(const json::object& obj, std::string path, Status& status)
      : obj_(obj), path_(std::move(path)), status_(status) {}

  bool ok() const { return status_.ok(); }

  std::string Str(std::string_view key) { return OptStr(key).value_or(""); }

  std::optional<std::string> OptStr(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) return Fail(key, "a string"), std::nullopt;
    return std::string(v->as_string());
  }

  std::optional<int64_t> OptInt(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() &&
        v->as_uint64() <= uint64_t(std::numeric_limits<int64_t>::max())) {
      return int64_t(v->as_uint64());
    }
    if (v->is_double()) {
      // Range first: converting an out-of-range double is undefined.
      double d = v->as_double();
      if (d >= -0x1p63 && d < 0x1p63 && d == double(int64_t(d))) {
        return int64_t(d);
      }
    }
    Fail(key, "an integer");
    return std::nullopt;
  }

  std::vector<std::string> StrList(std::string_view key) {
    std::vector<std::string> out;
    const json::value* v = Get(key);
    if (v == nullptr) return out;
    if (!v->is_array()) return Fail(key, "a list of strings"), out;
    const auto& arr = v->as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_string()) {
        Fail(std::string(key) + "[" + std::to_string(i) + "]", "a string");
        return {};
      }
      out.emplace_back(arr[i].as_string());
    }
    return out;
  }

  std::map<std::string, std::string> StrMap(std::string_view key) {
    std::map<std::string, std::string> out;
    const json::value* v = Get(key);
    if (v == nullptr) return out;
    if (!v->is_object()) return Fail(key, "a map of strings"), out;
    for (const auto& [k, item] : v->as_object()) {
      if (!item.is_string()) {
        Fail(std::string(key) + "." + std::string(k), "a string");
        return {};
      }
      out.emplace(std::string(k), std::string(item.as_string()));
    }
    return out;
  }

  MessageAttributeMap Attributes(std::string_view key) {
    MessageAttributeMap out;
    const json::value* v = Get(key);
    if (v == nullptr) return out;
    if (!v->is_object()) return Fail(key, "a map of attribute values"), out;
    for (const auto& [name, item] : v->as_object()) {
      std::string at = std::string(key) + "." + std::string(name);
      if (!item.is_object()) return Fail(at, "an attribute value object"), out;
      Reader r(item.as_object(), path_ + at + ".", status_);
      MessageAttributeValue value;
      value.data_type = r.Str("DataType");
      value.string_value = r.OptStr("StringValue");
      if (auto b64 = r.OptStr("BinaryValue")) {
        value.binary_value = Base64Decode(*b64);
        if (!value.binary_value) {
          r.Fail("BinaryValue", "base64-encoded bytes");
        }
      }
      if (r.Get("StringListValues") != nullptr ||
          r.Get("BinaryListValues") != nullptr) {
        if (status_.ok()) {
          status_ = Status(ErrorCode::kInvalidParameterValue,
                           "Message attribute list values in " + path_ + at +
                               " are not supported.");
        }
      }
      if (!ok()) return {};
      out.emplace(std::string(name), std::move(value));
    }
    return out;
  }

  // Calls `each(reader)` for every object of the list at `key`; `present`
  // tells whether the list was there at all.
  template <typename F>
  void Objects(std::string_view key, bool& present, F each) {
    const json::value* v = Get(key);
    present = v != nullptr;
    if (v == nullptr) return;
    if (!v->is_array()) return Fail(key, "a list of objects");
    const auto& arr = v->as_array();
    for (size_t i = 0; i < arr.size() && ok(); ++i) {
      std::string at = std::string(key) + "[" + std::to_string(i) + "]";
      if (!arr[i].is_object()) return Fail(at, "an object");
      Reader r(arr[i].as_object(), path_ + at + ".", status_);
      each(r);
    }
  }

  const json::value* Get(std::string_view key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->value().is_null()) return nullptr;
    return &it->value();
  }

  void Fail(std::string_view key, std::string_view expected) {
    if (!status_.ok()) return;
    status_ = Status(ErrorCode::kSerializationException,
                     "Field " + path_ + std::string(key) + " must be " +
                         std::string(expected) + ".");
  }

 private:
  const json::object& obj_;
  std::string path_;
  Status& status_;
};

Status MissingParameter(const char* name) {
  return Status(
      ErrorCode::kMissingParameter,
      std::string("The request must contain the parameter ") + name + ".");
}

// ------------------------------------------------------------- writing

json::object AttributesJson(const MessageAttributeMap& attrs) {
  json::object out;
  for (const auto& [name, v] : attrs) {
    json::object a;
    a["DataType"] = v.data_type;
    if (v.string_value) a["StringValue"] = *v.string_value;
    if (v.binary_value) a["BinaryValue"] = Base64Encode(*v.binary_value);
    out[name] = std::move(a);
  }
  return out;
}

json::object StrMapJson(const std::map<std::string, std::string>& m) {
  json::object out;
  for (const auto& [k, v] : m) out[k] = v;
  return out;
}

json::array StrListJson(const std::vector<std::string>& v) {
  json::array out;
  for (const auto& s : v) out.emplace_back(s);
  return out;
}

void PutOpt(json::object& o, std::string_view key,
            const std::optional<std::string>& v) {
  if (v) o[key] = *v;
}

json::array FailedJson(const std::vector<BatchResultErrorEntry>& failed) {
  json::array out;
  for (const auto& f : failed) {
    out.push_back(json::object{{"Id", f.id},
                               {"SenderFault", f.sender_fault},
                               {"Code", f.code},
                               {"Message", f.message}});
  }
  return out;
}

ApiResponse Ok(const json::object& body) {
  return ApiResponse{true, json::serialize(body)};
}

json::object ToJson(const Empty&) { return {}; }
json::object ToJson(const CreateQueueResponse& r) {
  return {{"QueueUrl", r.queue_url}};
}
json::object ToJson(const GetQueueUrlResponse& r) {
  return {{"QueueUrl", r.queue_url}};
}
json::object ToJson(const ListQueuesResponse& r) {
  json::object o;
  o["QueueUrls"] = StrListJson(r.queue_urls);
  PutOpt(o, "NextToken", r.next_token);
  return o;
}
json::object ToJson(const GetQueueAttributesResponse& r) {
  return {{"Attributes", StrMapJson(r.attributes)}};
}
json::object ToJson(const SendMessageResponse& r) {
  json::object o;
  o["MD5OfMessageBody"] = r.md5_of_message_body;
  PutOpt(o, "MD5OfMessageAttributes", r.md5_of_message_attributes);
  PutOpt(o, "MD5OfMessageSystemAttributes", r.md5_of_message_system_attributes);
  o["MessageId"] = r.message_id;
  PutOpt(o, "SequenceNumber", r.sequence_number);
  return o;
}
json::object ToJson(const SendMessageBatchResponse& r) {
  json::array ok;
  for (const auto& e : r.successful) {
    json::object o;
    o["Id"] = e.id;
    o["MessageId"] = e.message_id;
    o["MD5OfMessageBody"] = e.md5_of_message_body;
    PutOpt(o, "MD5OfMessageAttributes", e.md5_of_message_attributes);
    PutOpt(o, "MD5OfMessageSystemAttributes",
           e.md5_of_message_system_attributes);
    PutOpt(o, "SequenceNumber", e.sequence_number);
    ok.push_back(std::move(o));
  }
  return {{"Successful", std::move(ok)}, {"Failed", FailedJson(r.failed)}};
}
json::object ToJson(const ReceiveMessageResponse& r) {
  json::array messages;
  for (const auto& m : r.messages) {
    json::object o;
    o["MessageId"] = m.message_id;
    o["ReceiptHandle"] = m.receipt_handle;
    o["MD5OfBody"] = m.md5_of_body;
    o["Body"] = m.body;
    if (!m.attributes.empty()) o["Attributes"] = StrMapJson(m.attributes);
    PutOpt(o, "MD5OfMessageAttributes", m.md5_of_message_attributes);
    if (!m.message_attributes.empty()) {
      o["MessageAttributes"] = AttributesJson(m.message_attributes);
    }
    messages.push_back(std::move(o));
  }
  json::object out;
  if (!messages.empty()) out["Messages"] = std::move(messages);
  return out;
}
template <typename Response>
json::object IdsJson(const Response& r) {
  json::array ok;
  for (const auto& e : r.successful) ok.push_back(json::object{{"Id", e.id}});
  return {{"Successful", std::move(ok)}, {"Failed", FailedJson(r.failed)}};
}
json::object ToJson(const DeleteMessageBatchResponse& r) { return IdsJson(r); }
json::object ToJson(const ChangeMessageVisibilityBatchResponse& r) {
  return IdsJson(r);
}
json::object ToJson(const ListQueueTagsResponse& r) {
  json::object o;
  if (!r.tags.empty()) o["Tags"] = StrMapJson(r.tags);
  return o;
}
json::object ToJson(const ListDeadLetterSourceQueuesResponse& r) {
  json::object o;
  o["queueUrls"] = StrListJson(r.queue_urls);
  PutOpt(o, "NextToken", r.next_token);
  return o;
}

template <typename T>
ApiResponse Respond(const Result<T>& r) {
  return r.ok() ? Ok(ToJson(*r)) : ErrorResponse(r.status());
}

// ------------------------------------------------------------- reading

SendMessageBatchRequestEntry ReadSendEntry(Reader& r) {
  SendMessageBatchRequestEntry e;
  e.id = r.Str("Id");
  e.message_body = r.Str("MessageBody");
  e.delay_seconds = r.OptInt("DelaySeconds");
  e.message_attributes = r.Attributes("MessageAttributes");
  e.message_system_attributes = r.Attributes("MessageSystemAttributes");
  e.message_deduplication_id = r.OptStr("MessageDeduplicationId");
  e.message_group_id = r.OptStr("MessageGroupId");
  return e;
}

using Handler = std::function<void(QueueService&, Reader&, ApiCallback&)>;

// Calls `run` with the request, unless reading it failed.
template <typename Request, typename Read, typename Run>
Handler Action(Read read, Run run) {
  return [read, run](QueueService& sqs, Reader& r, ApiCallback& done) {
    Request req = read(r);
    if (!r.ok()) return;  // the caller answers with the reader's status
    run(sqs, req, done);
  };
}

template <typename Request, typename Read, typename Call>
Handler Simple(Read read, Call call) {
  return Action<Request>(
      read, [call](QueueService& sqs, const Request& req, ApiCallback& done) {
        done(Respond((sqs.*call)(req)));
      });
}

const std::map<std::string, Handler, std::less<>>& Handlers() {
  static const std::map<std::string, Handler, std::less<>> handlers = {
      {"CreateQueue", Simple<CreateQueueRequest>(
                          [](Reader& r) {
                            return CreateQueueRequest{r.Str("QueueName"),
                                                      r.StrMap("Attributes"),
                                                      r.StrMap("tags")};
                          },
                          &QueueService::CreateQueue)},
      {"GetQueueUrl", Simple<GetQueueUrlRequest>(
                          [](Reader& r) {
                            return GetQueueUrlRequest{
                                r.Str("QueueName"),
                                r.OptStr("QueueOwnerAWSAccountId")};
                          },
                          &QueueService::GetQueueUrl)},
      {"ListQueues", Simple<ListQueuesRequest>(
                         [](Reader& r) {
                           return ListQueuesRequest{r.OptStr("QueueNamePrefix"),
                                                    r.OptStr("NextToken"),
                                                    r.OptInt("MaxResults")};
                         },
                         &QueueService::ListQueues)},
      {"DeleteQueue",
       Simple<DeleteQueueRequest>(
           [](Reader& r) { return DeleteQueueRequest{r.Str("QueueUrl")}; },
           &QueueService::DeleteQueue)},
      {"PurgeQueue",
       Simple<PurgeQueueRequest>(
           [](Reader& r) { return PurgeQueueRequest{r.Str("QueueUrl")}; },
           &QueueService::PurgeQueue)},
      {"GetQueueAttributes", Simple<GetQueueAttributesRequest>(
                                 [](Reader& r) {
                                   return GetQueueAttributesRequest{
                                       r.Str("QueueUrl"),
                                       r.StrList("AttributeNames")};
                                 },
                                 &QueueService::GetQueueAttributes)},
      {"SetQueueAttributes", Simple<SetQueueAttributesRequest>(
                                 [](Reader& r) {
                                   return SetQueueAttributesRequest{
                                       r.Str("QueueUrl"),
                                       r.StrMap("Attributes")};
                                 },
                                 &QueueService::SetQueueAttributes)},
      {"SendMessage", Simple<SendMessageRequest>(
                          [](Reader& r) {
                            SendMessageRequest req;
                            req.queue_url = r.Str("QueueUrl");
                            auto e = ReadSendEntry(r);
                            req.message_body = std::move(e.message_body);
                            req.delay_seconds = e.delay_seconds;
                            req.message_attributes =
                                std::move(e.message_attributes);
                            req.message_system_attributes =
                                std::move(e.message_system_attributes);
                            req.message_deduplication_id =
                                e.message_deduplication_id;
                            req.message_group_id = e.message_group_id;
                            return req;
                          },
                          &QueueService::SendMessage)},
      {"SendMessageBatch", Simple<SendMessageBatchRequest>(
                               [](Reader& r) {
                                 SendMessageBatchRequest req;
                                 req.queue_url = r.Str("QueueUrl");
                                 bool present = false;
                                 r.Objects("Entries", present, [&](Reader& e) {
                                   req.entries.push_back(ReadSendEntry(e));
                                 });
                                 return req;
                               },
                               &QueueService::SendMessageBatch)},
      {"ReceiveMessage",
       Action<ReceiveMessageRequest>(
           [](Reader& r) {
             ReceiveMessageRequest req;
             req.queue_url = r.Str("QueueUrl");
             req.attribute_names = r.StrList("AttributeNames");
             req.message_system_attribute_names =
                 r.StrList("MessageSystemAttributeNames");
             req.message_attribute_names = r.StrList("MessageAttributeNames");
             req.max_number_of_messages = r.OptInt("MaxNumberOfMessages");
             req.visibility_timeout = r.OptInt("VisibilityTimeout");
             req.wait_time_seconds = r.OptInt("WaitTimeSeconds");
             req.receive_request_attempt_id =
                 r.OptStr("ReceiveRequestAttemptId");
             return req;
           },
           [](QueueService& sqs, const ReceiveMessageRequest& req,
              ApiCallback& done) {
             sqs.ReceiveMessage(req,
                                [done = std::move(done)](
                                    Result<ReceiveMessageResponse> result) {
                                  done(Respond(result));
                                });
           })},
      {"DeleteMessage", Simple<DeleteMessageRequest>(
                            [](Reader& r) {
                              return DeleteMessageRequest{
                                  r.Str("QueueUrl"), r.Str("ReceiptHandle")};
                            },
                            &QueueService::DeleteMessage)},
      {"DeleteMessageBatch",
       Simple<DeleteMessageBatchRequest>(
           [](Reader& r) {
             DeleteMessageBatchRequest req;
             req.queue_url = r.Str("QueueUrl");
             bool present = false;
             r.Objects("Entries", present, [&](Reader& e) {
               req.entries.push_back({e.Str("Id"), e.Str("ReceiptHandle")});
             });
             return req;
           },
           &QueueService::DeleteMessageBatch)},
      {"ChangeMessageVisibility",
       [](QueueService& sqs, Reader& r, ApiCallback& done) {
         ChangeMessageVisibilityRequest req{r.Str("QueueUrl"),
                                            r.Str("ReceiptHandle")};
         std::optional<int64_t> timeout = r.OptInt("VisibilityTimeout");
         if (!r.ok()) return;
         if (!timeout) {
           return done(ErrorResponse(MissingParameter("VisibilityTimeout")));
         }
         req.visibility_timeout = *timeout;
         done(Respond(sqs.ChangeMessageVisibility(req)));
       }},
      {"ChangeMessageVisibilityBatch",
       Simple<ChangeMessageVisibilityBatchRequest>(
           [](Reader& r) {
             ChangeMessageVisibilityBatchRequest req;
             req.queue_url = r.Str("QueueUrl");
             bool present = false;
             r.Objects("Entries", present, [&](Reader& e) {
               req.entries.push_back({e.Str("Id"), e.Str("ReceiptHandle"),
                                      e.OptInt("VisibilityTimeout")});
             });
             return req;
           },
           &QueueService::ChangeMessageVisibilityBatch)},
      {"TagQueue",
       Simple<TagQueueRequest>(
           [](Reader& r) {
             return TagQueueRequest{r.Str("QueueUrl"), r.StrMap("Tags")};
           },
           &QueueService::TagQueue)},
      {"UntagQueue",
       Simple<UntagQueueRequest>(
           [](Reader& r) {
             return UntagQueueRequest{r.Str("QueueUrl"), r.StrList("TagKeys")};
           },
           &QueueService::UntagQueue)},
      {"ListQueueTags",
       Simple<ListQueueTagsRequest>(
           [](Reader& r) { return ListQueueTagsRequest{r.Str("QueueUrl")}; },
           &QueueService::ListQueueTags)},
      {"ListDeadLetterSourceQueues",
       Simple<ListDeadLetterSourceQueuesRequest>(
           [](Reader& r) {
             return ListDeadLetterSourceQueuesRequest{r.Str("QueueUrl"),
                                                      r.OptStr("NextToken"),
                                                      r.OptInt("MaxResults")};
           },
           &QueueService::ListDeadLetterSourceQueues)},
  };
  return handlers;
}

}  // namespace

ApiResponse ErrorResponse(const Status& status) {
  ApiResponse out;
  out.ok = false;
  out.code = status.code();
  bool protocol = status.code() == ErrorCode::kSerializationException ||
                  status.code() == ErrorCode::kUnknownOperationException;
  std::string type =
      protocol ? "com.amazon.coral.service#" : "com.amazonaws.sqs#";
  type += status.name();
  out.body = json::serialize(
      json::object{{"__type", type}, {"message", status.message()}});
  bool sender = IsSenderFault(status.code());
  out.http_status = sender ? 400 : 500;
  out.query_error =
      std::string(WireCode(status.code())) + (sender ? ";Sender" : ";Receiver");
  return out;
}

Dispatcher::Dispatcher(QueueService& sqs) : sqs_(sqs) {}

std::vector<std::string> Dispatcher::Actions() const {
  std::vector<std::string> out;
  for (const auto& [name, h] : Handlers()) out.push_back(name);
  return out;
}

void Dispatcher::Dispatch(std::string_view action, std::string_view body,
                          ApiCallback done) {
  if (action.starts_with("AmazonSQS.")) action.remove_prefix(10);
  auto it = Handlers().find(action);
  if (it == Handlers().end()) {
    return done(
        ErrorResponse(Status(ErrorCode::kUnknownOperationException,
                             "Unknown action '" + std::string(action) + "'.")));
  }
  json::value parsed;
  if (!body.empty()) {
    boost::system::error_code ec;
    parsed = json::parse(body, ec);
    if (ec) {
      return done(ErrorResponse(
          Status(ErrorCode::kSerializationException,
                 "The request body is not valid JSON: " + ec.message() + ".")));
    }
  } else {
    parsed = json::object();
  }
  if (!parsed.is_object()) {
    return done(
        ErrorResponse(Status(ErrorCode::kSerializationException,
                             "The request body must be a JSON object.")));
  }
  // A handler answers through `done` (now, or later for a long poll) unless
  // reading the request failed; then the reader's status is the answer.
  Status status;
  Reader reader(parsed.as_object(), "", status);
  it->second(sqs_, reader, done);
  if (!status.ok()) done(ErrorResponse(status));
}

}  // namespace fanlab::api
