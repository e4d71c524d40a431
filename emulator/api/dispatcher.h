// The one action dispatcher: {action, JSON body} -> JSON body | error, with
// the request and response shapes of the AWS JSON 1.0 protocol. Every
// transport (ZeroMQ now, HTTP adapters later) calls this and nothing else,
// so a shape or an error is decided in exactly one place.
//
// Errors come back as the JSON protocol's error body,
// {"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "..."},
// plus what an HTTP adapter needs (status code, x-amzn-query-error value).
// Malformed JSON and fields of the wrong type are SerializationException
// naming the field's path ("Entries[2].DelaySeconds"); unknown actions are
// UnknownOperationException. Nothing a client sends can crash the engine.
//
// Thread safety: none; the engine thread owns the dispatcher and the
// services behind it.
#ifndef FANLAB_EMULATOR_API_DISPATCHER_H_
#define FANLAB_EMULATOR_API_DISPATCHER_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"

namespace fanlab::queue {
class QueueService;
}
namespace fanlab::compute {
class FunctionService;
class EventSourceMappings;
}  // namespace fanlab::compute

namespace fanlab::api {

struct ApiResponse {
  bool ok = true;
  std::string body;  // JSON: the response shape, or the error body
  // Error details (ok == false), for transports that carry them apart.
  ErrorCode code = ErrorCode::kOk;
  int http_status = 200;
  std::string query_error;  // "AWS.SimpleQueueService.NonExistentQueue;Sender"
};

using ApiCallback = std::function<void(ApiResponse)>;

// The JSON error body and HTTP details for `status` (REQUIRES: !ok()).
ApiResponse ErrorResponse(const Status& status);

class Dispatcher {
 public:
  // The services must outlive the dispatcher; without `functions` the
  // Lambda actions answer UnknownOperationException.
  explicit Dispatcher(queue::QueueService& sqs,
                      compute::FunctionService* functions = nullptr,
                      compute::EventSourceMappings* mappings = nullptr);

  // Runs `action` ("SendMessage", or the X-Amz-Target form
  // "AmazonSQS.SendMessage"; "Invoke", "CreateFunction", ... for Lambda)
  // on `body` (a JSON object; empty means {}).
  // `done` runs exactly once: before Dispatch returns, or later for a
  // ReceiveMessage parked in a long poll.
  void Dispatch(std::string_view action, std::string_view body,
                ApiCallback done);

  // Every action name Dispatch serves (without the target prefix).
  std::vector<std::string> Actions() const;

 private:
  queue::QueueService& sqs_;
  compute::FunctionService* functions_;
  compute::EventSourceMappings* mappings_;
};

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_DISPATCHER_H_
