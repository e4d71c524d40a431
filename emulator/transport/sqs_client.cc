#include "emulator/transport/sqs_client.h"

#include <algorithm>
#include <map>
#include <optional>

#include "emulator/api/sqs_json.h"
#include "emulator/core/common_errors.h"

namespace fanlab::transport {
using namespace fanlab::queue;
using std::chrono::milliseconds;

namespace {

constexpr size_t kMaxBatch = 10;  // SQS's entries per batch request

Status NoAnswer(std::string_view action, milliseconds timeout) {
  return Status(common::kInternalError,
                "No answer to " + std::string(action) + " within " +
                    std::to_string(timeout.count()) + " ms.");
}

// The typed answer in `reply`: its shape, or the engine's error.
template <typename Response>
Result<Response> Decode(const Reply& reply) {
  if (!reply.ok) return api::ParseError(reply.body);
  Result<Response> r = api::ParseShape<Response>(reply.body);
  if (!r.ok()) {
    return Status(
        common::kInternalError,
        "The engine's answer does not parse: " + r.status().message());
  }
  return r;
}

// Appends one batch's answer to the merged one.
template <typename Response>
void Merge(Response& into, Response&& part) {
  for (auto& e : part.successful) into.successful.push_back(std::move(e));
  for (auto& e : part.failed) into.failed.push_back(std::move(e));
}

}  // namespace

SqsClient::SqsClient(Context& context, const std::string& endpoint,
                     milliseconds timeout)
    : client_(context, endpoint), timeout_(timeout) {}

template <typename Response, typename Request>
Result<Response> SqsClient::Call(std::string_view action, const Request& req,
                                 milliseconds extra) {
  Result<Reply> reply =
      client_.Call(action, api::WriteShape(req), timeout_ + extra);
  if (!reply.ok()) return NoAnswer(action, timeout_ + extra);
  return Decode<Response>(*reply);
}

template <typename Response, typename Request, typename Entry>
Result<Response> SqsClient::Batched(std::string_view action,
                                    const std::string& queue_url,
                                    std::vector<Entry> entries) {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].id.empty()) entries[i].id = std::to_string(i);
  }
  // Every batch goes out at once; answers come back in any order.
  std::map<uint64_t, size_t> batch_of;  // request id -> batch index
  size_t batches = 0;
  for (size_t first = 0; first < entries.size() || batches == 0;
       first += kMaxBatch) {
    Request req;
    req.queue_url = queue_url;
    for (size_t i = first; i < std::min(entries.size(), first + kMaxBatch);
         ++i) {
      req.entries.push_back(std::move(entries[i]));
    }
    batch_of[client_.Send(action, api::WriteShape(req))] = batches++;
  }
  std::vector<std::optional<Result<Response>>> answers(batches);
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (size_t got = 0; got < batches;) {
    auto left = std::chrono::duration_cast<milliseconds>(
        deadline - std::chrono::steady_clock::now());
    std::optional<Reply> reply =
        client_.Receive(std::max(left, milliseconds(0)));
    if (!reply) return NoAnswer(action, timeout_);
    auto it = batch_of.find(reply->request_id);
    if (it == batch_of.end()) continue;  // late answer to an abandoned call
    answers[it->second] = Decode<Response>(*reply);
    ++got;
  }
  Response merged;
  for (auto& answer : answers) {
    if (!answer->ok()) return answer->status();
    Merge(merged, std::move(answer->value()));
  }
  return merged;
}

Result<CreateQueueResponse> SqsClient::CreateQueue(
    const CreateQueueRequest& req) {
  return Call<CreateQueueResponse>("CreateQueue", req);
}
Result<GetQueueUrlResponse> SqsClient::GetQueueUrl(
    const GetQueueUrlRequest& req) {
  return Call<GetQueueUrlResponse>("GetQueueUrl", req);
}
Result<ListQueuesResponse> SqsClient::ListQueues(const ListQueuesRequest& req) {
  return Call<ListQueuesResponse>("ListQueues", req);
}
Status SqsClient::DeleteQueue(const DeleteQueueRequest& req) {
  return Call<Empty>("DeleteQueue", req).status();
}
Status SqsClient::PurgeQueue(const PurgeQueueRequest& req) {
  return Call<Empty>("PurgeQueue", req).status();
}
Result<GetQueueAttributesResponse> SqsClient::GetQueueAttributes(
    const GetQueueAttributesRequest& req) {
  return Call<GetQueueAttributesResponse>("GetQueueAttributes", req);
}
Status SqsClient::SetQueueAttributes(const SetQueueAttributesRequest& req) {
  return Call<Empty>("SetQueueAttributes", req).status();
}
Result<SendMessageResponse> SqsClient::SendMessage(
    const SendMessageRequest& req) {
  return Call<SendMessageResponse>("SendMessage", req);
}
Result<SendMessageBatchResponse> SqsClient::SendMessageBatch(
    const SendMessageBatchRequest& req) {
  return Call<SendMessageBatchResponse>("SendMessageBatch", req);
}
Result<ReceiveMessageResponse> SqsClient::ReceiveMessage(
    const ReceiveMessageRequest& req) {
  // A long poll is answered after its wait: allow for it. Without
  // WaitTimeSeconds the queue's ReceiveMessageWaitTimeSeconds applies, at
  // most 20 s (the engine refuses more).
  int64_t wait = std::clamp<int64_t>(req.wait_time_seconds.value_or(20), 0, 20);
  return Call<ReceiveMessageResponse>("ReceiveMessage", req,
                                      milliseconds(wait * 1000));
}
Status SqsClient::DeleteMessage(const DeleteMessageRequest& req) {
  return Call<Empty>("DeleteMessage", req).status();
}
Result<DeleteMessageBatchResponse> SqsClient::DeleteMessageBatch(
    const DeleteMessageBatchRequest& req) {
  return Call<DeleteMessageBatchResponse>("DeleteMessageBatch", req);
}
Status SqsClient::ChangeMessageVisibility(
    const ChangeMessageVisibilityRequest& req) {
  return Call<Empty>("ChangeMessageVisibility", req).status();
}
Result<ChangeMessageVisibilityBatchResponse>
SqsClient::ChangeMessageVisibilityBatch(
    const ChangeMessageVisibilityBatchRequest& req) {
  return Call<ChangeMessageVisibilityBatchResponse>(
      "ChangeMessageVisibilityBatch", req);
}
Status SqsClient::TagQueue(const TagQueueRequest& req) {
  return Call<Empty>("TagQueue", req).status();
}
Status SqsClient::UntagQueue(const UntagQueueRequest& req) {
  return Call<Empty>("UntagQueue", req).status();
}
Result<ListQueueTagsResponse> SqsClient::ListQueueTags(
    const ListQueueTagsRequest& req) {
  return Call<ListQueueTagsResponse>("ListQueueTags", req);
}
Result<ListDeadLetterSourceQueuesResponse>
SqsClient::ListDeadLetterSourceQueues(
    const ListDeadLetterSourceQueuesRequest& req) {
  return Call<ListDeadLetterSourceQueuesResponse>("ListDeadLetterSourceQueues",
                                                  req);
}

Result<SendMessageBatchResponse> SqsClient::SendMessages(
    const std::string& queue_url,
    std::vector<SendMessageBatchRequestEntry> entries) {
  return Batched<SendMessageBatchResponse, SendMessageBatchRequest>(
      "SendMessageBatch", queue_url, std::move(entries));
}

Result<SendMessageBatchResponse> SqsClient::SendBodies(
    const std::string& queue_url, const std::vector<std::string>& bodies) {
  std::vector<SendMessageBatchRequestEntry> entries(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    entries[i].message_body = bodies[i];
  }
  return SendMessages(queue_url, std::move(entries));
}

Result<DeleteMessageBatchResponse> SqsClient::DeleteMessages(
    const std::string& queue_url,
    std::vector<DeleteMessageBatchRequestEntry> entries) {
  return Batched<DeleteMessageBatchResponse, DeleteMessageBatchRequest>(
      "DeleteMessageBatch", queue_url, std::move(entries));
}

Result<DeleteMessageBatchResponse> SqsClient::DeleteMessages(
    const std::string& queue_url, const std::vector<Message>& messages) {
  std::vector<DeleteMessageBatchRequestEntry> entries(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    entries[i].receipt_handle = messages[i].receipt_handle;
  }
  return DeleteMessages(queue_url, std::move(entries));
}

Result<ChangeMessageVisibilityBatchResponse>
SqsClient::ChangeMessageVisibilities(
    const std::string& queue_url,
    std::vector<ChangeMessageVisibilityBatchRequestEntry> entries) {
  return Batched<ChangeMessageVisibilityBatchResponse,
                 ChangeMessageVisibilityBatchRequest>(
      "ChangeMessageVisibilityBatch", queue_url, std::move(entries));
}

}  // namespace fanlab::transport
