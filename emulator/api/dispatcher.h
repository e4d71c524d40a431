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
// UnknownOperationException. Handlers report every expected failure as a
// Status; should one throw all the same, Dispatch answers InternalError
// and the engine serves on.
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
namespace fanlab::services {
class BucketService;
class TableService;
class TopicService;
class ScheduleService;
class RouteService;
class SinkService;
}  // namespace fanlab::services

namespace fanlab::api {

// The AWS service an action belongs to: it decides the error body's
// `__type` namespace and the HTTP status of an error.
enum class ApiService {
  kSqs,       // com.amazonaws.sqs#
  kLambda,    // com.amazonaws.lambda#
  kS3,        // com.amazonaws.s3#          (buckets)
  kDynamoDb,  // com.amazonaws.dynamodb.v20120810#  (tables)
  kSns,       // com.amazonaws.sns#         (topics)
  kEvents,    // com.amazonaws.events#      (schedules)
  kHttp,      // com.fanlab.http#           (routes and sinks: fanlab's own)
};

// What a dispatcher serves. Every pointer may be null: that service's
// actions then answer UnknownOperationException. Not owned; each must
// outlive the dispatcher.
struct Services {
  queue::QueueService& sqs;
  compute::FunctionService* functions = nullptr;
  compute::EventSourceMappings* mappings = nullptr;
  services::BucketService* buckets = nullptr;
  services::TableService* tables = nullptr;
  services::TopicService* topics = nullptr;
  services::ScheduleService* schedules = nullptr;
  services::RouteService* routes = nullptr;
  services::SinkService* sinks = nullptr;

  // True when the actions of `service` have what they need.
  bool Serves(ApiService service) const;
};

struct ApiResponse {
  bool ok = true;
  std::string body;  // JSON: the response shape, or the error body
  // Error details (ok == false), for transports that carry them apart.
  ErrorCode code = ErrorCode::kOk;
  int http_status = 200;
  std::string query_error;  // "AWS.SimpleQueueService.NonExistentQueue;Sender"
};

using ApiCallback = std::function<void(ApiResponse)>;

// The JSON error body and HTTP details for `status` (REQUIRES: !ok()), as
// `service` spells them: {"__type": "<namespace>#<Name>", "message": ...}.
ApiResponse ErrorResponse(const Status& status,
                          ApiService service = ApiService::kSqs);

class Dispatcher {
 public:
  explicit Dispatcher(Services services) : services_(services) {}
  // SQS and (when given) Lambda only.
  explicit Dispatcher(queue::QueueService& sqs,
                      compute::FunctionService* functions = nullptr,
                      compute::EventSourceMappings* mappings = nullptr)
      : Dispatcher(Services{sqs, functions, mappings}) {}

  // Runs `action` ("SendMessage", or an X-Amz-Target form such as
  // "AmazonSQS.SendMessage" or "DynamoDB_20120810.PutItem": the part before
  // the last '.' is ignored; "Invoke", "PutObject", ... for the others)
  // on `body` (a JSON object; empty means {}).
  // `done` runs exactly once: before Dispatch returns, or later for a
  // ReceiveMessage parked in a long poll.
  void Dispatch(std::string_view action, std::string_view body,
                ApiCallback done);

  // Every action name Dispatch serves (without the target prefix).
  std::vector<std::string> Actions() const;

 private:
  Services services_;
};

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_DISPATCHER_H_
