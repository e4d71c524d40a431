#include "emulator/api/dispatcher.h"

#include <map>

#include "emulator/api/handlers.h"
#include "emulator/api/sqs_json.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::api {
using namespace fanlab::queue;

namespace {

template <typename T>
ApiResponse Respond(const Result<T>& r) {
  return r.ok() ? ApiResponse{true, WriteShape(*r)} : ErrorResponse(r.status());
}

// An action answered at once: read the request, call the service, write
// its response (or the error).
template <typename Request, typename Response>
Handler Simple(Result<Response> (QueueService::*call)(const Request&)) {
  return [call](Services& s, std::string_view body, ApiCallback& done) {
    Result<Request> req = ParseShape<Request>(body);
    if (!req.ok()) return done(ErrorResponse(req.status()));
    done(Respond((s.sqs.*call)(*req)));
  };
}

// ReceiveMessage may answer later, from a parked long poll.
void Receive(Services& s, std::string_view body, ApiCallback& done) {
  Result<ReceiveMessageRequest> req = ParseShape<ReceiveMessageRequest>(body);
  if (!req.ok()) return done(ErrorResponse(req.status()));
  s.sqs.ReceiveMessage(
      *req, [done = std::move(done)](Result<ReceiveMessageResponse> result) {
        done(Respond(result));
      });
}

const HandlerMap& Handlers() {
  using S = QueueService;
  static const HandlerMap handlers = [] {
    HandlerMap map = {
        {"CreateQueue", Simple(&S::CreateQueue)},
        {"GetQueueUrl", Simple(&S::GetQueueUrl)},
        {"ListQueues", Simple(&S::ListQueues)},
        {"DeleteQueue", Simple(&S::DeleteQueue)},
        {"PurgeQueue", Simple(&S::PurgeQueue)},
        {"GetQueueAttributes", Simple(&S::GetQueueAttributes)},
        {"SetQueueAttributes", Simple(&S::SetQueueAttributes)},
        {"SendMessage", Simple(&S::SendMessage)},
        {"SendMessageBatch", Simple(&S::SendMessageBatch)},
        {"ReceiveMessage", Receive},
        {"DeleteMessage", Simple(&S::DeleteMessage)},
        {"DeleteMessageBatch", Simple(&S::DeleteMessageBatch)},
        {"ChangeMessageVisibility", Simple(&S::ChangeMessageVisibility)},
        {"ChangeMessageVisibilityBatch",
         Simple(&S::ChangeMessageVisibilityBatch)},
        {"TagQueue", Simple(&S::TagQueue)},
        {"UntagQueue", Simple(&S::UntagQueue)},
        {"ListQueueTags", Simple(&S::ListQueueTags)},
        {"ListDeadLetterSourceQueues", Simple(&S::ListDeadLetterSourceQueues)},
    };
    AddLambdaActions(map);
    return map;
  }();
  return handlers;
}

}  // namespace

ApiResponse ErrorResponse(const Status& status) {
  ApiResponse out;
  out.ok = false;
  out.code = status.code();
  out.body = WriteError(status);
  bool sender = IsSenderFault(status.code());
  switch (status.code()) {
    case ErrorCode::kResourceNotFoundException:
      out.http_status = 404;
      break;
    case ErrorCode::kResourceConflictException:
      out.http_status = 409;
      break;
    case ErrorCode::kRequestTooLargeException:
      out.http_status = 413;
      break;
    case ErrorCode::kTooManyRequestsException:
      out.http_status = 429;
      break;
    default:
      out.http_status = sender ? 400 : 500;
  }
  out.query_error =
      std::string(WireCode(status.code())) + (sender ? ";Sender" : ";Receiver");
  return out;
}

Dispatcher::Dispatcher(QueueService& sqs, compute::FunctionService* functions,
                       compute::EventSourceMappings* mappings)
    : sqs_(sqs), functions_(functions), mappings_(mappings) {}

std::vector<std::string> Dispatcher::Actions() const {
  std::vector<std::string> out;
  for (const auto& [name, h] : Handlers()) {
    if (functions_ != nullptr || !IsLambdaAction(name)) out.push_back(name);
  }
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
  Services services{sqs_, functions_, mappings_};
  it->second(services, body, done);
}

}  // namespace fanlab::api
