// The typed C++ client of the engine's SQS actions: the request and
// response structs of queue/types.h in, over the ZeroMQ framing of
// docs/protocol.md, the same structs out. The harness, the function SDK and
// the benches use it; bodies are written and read by api/sqs_json, the same
// code the engine's dispatcher uses, so both ends agree on every shape.
//
// Errors: an error the engine answered is a Status with its SQS error code
// and message (QueueDoesNotExist, ...); no answer within the timeout is an
// InternalError naming the action.
//
// Thread safety: one SqsClient per thread, like the Client under it.
#ifndef FANLAB_EMULATOR_TRANSPORT_SQS_CLIENT_H_
#define FANLAB_EMULATOR_TRANSPORT_SQS_CLIENT_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"
#include "emulator/queue/types.h"
#include "emulator/transport/client.h"

namespace fanlab::transport {

class SqsClient {
 public:
  // `timeout` bounds each call; a ReceiveMessage waits that long on top
  // of its WaitTimeSeconds. `context` must outlive the client.
  SqsClient(Context& context, const std::string& endpoint,
            std::chrono::milliseconds timeout = std::chrono::seconds(30));

  Result<queue::CreateQueueResponse> CreateQueue(
      const queue::CreateQueueRequest& req);
  Result<queue::GetQueueUrlResponse> GetQueueUrl(
      const queue::GetQueueUrlRequest& req);
  Result<queue::ListQueuesResponse> ListQueues(
      const queue::ListQueuesRequest& req);
  Status DeleteQueue(const queue::DeleteQueueRequest& req);
  Status PurgeQueue(const queue::PurgeQueueRequest& req);
  Result<queue::GetQueueAttributesResponse> GetQueueAttributes(
      const queue::GetQueueAttributesRequest& req);
  Status SetQueueAttributes(const queue::SetQueueAttributesRequest& req);
  Result<queue::SendMessageResponse> SendMessage(
      const queue::SendMessageRequest& req);
  Result<queue::SendMessageBatchResponse> SendMessageBatch(
      const queue::SendMessageBatchRequest& req);
  Result<queue::ReceiveMessageResponse> ReceiveMessage(
      const queue::ReceiveMessageRequest& req);
  Status DeleteMessage(const queue::DeleteMessageRequest& req);
  Result<queue::DeleteMessageBatchResponse> DeleteMessageBatch(
      const queue::DeleteMessageBatchRequest& req);
  Status ChangeMessageVisibility(
      const queue::ChangeMessageVisibilityRequest& req);
  Result<queue::ChangeMessageVisibilityBatchResponse>
  ChangeMessageVisibilityBatch(
      const queue::ChangeMessageVisibilityBatchRequest& req);
  Status TagQueue(const queue::TagQueueRequest& req);
  Status UntagQueue(const queue::UntagQueueRequest& req);
  Result<queue::ListQueueTagsResponse> ListQueueTags(
      const queue::ListQueueTagsRequest& req);
  Result<queue::ListDeadLetterSourceQueuesResponse> ListDeadLetterSourceQueues(
      const queue::ListDeadLetterSourceQueuesRequest& req);

  // Batch helpers: any number of entries, sent as batches of up to 10 with
  // every batch in flight at once, answered as one merged response (entries
  // in input order). An entry without an Id gets its index in `entries`
  // ("0", "1", ...): give every entry an Id or none, or an index may clash
  // with an Id given (the engine refuses a batch with duplicate ids). A failed
  // entry is in `failed`; a batch the engine refused as a whole
  // (QueueDoesNotExist, duplicate ids within it, ...) or a missing answer is
  // the Status.
  Result<queue::SendMessageBatchResponse> SendMessages(
      const std::string& queue_url,
      std::vector<queue::SendMessageBatchRequestEntry> entries);
  // Plain bodies; ids are their indexes.
  Result<queue::SendMessageBatchResponse> SendBodies(
      const std::string& queue_url, const std::vector<std::string>& bodies);
  Result<queue::DeleteMessageBatchResponse> DeleteMessages(
      const std::string& queue_url,
      std::vector<queue::DeleteMessageBatchRequestEntry> entries);
  // Deletes what a ReceiveMessage returned; ids are the indexes.
  Result<queue::DeleteMessageBatchResponse> DeleteMessages(
      const std::string& queue_url,
      const std::vector<queue::Message>& messages);
  Result<queue::ChangeMessageVisibilityBatchResponse> ChangeMessageVisibilities(
      const std::string& queue_url,
      std::vector<queue::ChangeMessageVisibilityBatchRequestEntry> entries);

  // The untyped client underneath, for pipelining by hand.
  Client& raw() { return client_; }

 private:
  template <typename Response, typename Request>
  Result<Response> Call(std::string_view action, const Request& req,
                        std::chrono::milliseconds extra = {});
  template <typename Response, typename Request, typename Entry>
  Result<Response> Batched(std::string_view action,
                           const std::string& queue_url,
                           std::vector<Entry> entries);

  Client client_;
  std::chrono::milliseconds timeout_;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_SQS_CLIENT_H_
