// The one action dispatcher: {action, JSON body} -> JSON body | error, with
// the request and response shapes of the AWS JSON 1.0 protocol. Every
// transport calls this and nothing else, so a shape or an error is decided
// in exactly one place: ZeroMQ and `fanlab call` send the JSON shapes
// as they are; the HTTP front's protocol codecs (query, REST-JSON,
// REST-XML) convert the wire to and from these JSON shapes first.
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
#include <optional>
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

// "sqs", "lambda", "s3", "dynamodb", "sns", "events", "http": the
// service-qualified action form ("sns:Publish") and the SigV4 scope's
// service name.
std::string_view ServiceName(ApiService service);
// The service named `name` (as above); nullopt for any other name.
std::optional<ApiService> ServiceFromName(std::string_view name);

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

// One call, as a transport hands it over.
struct ApiRequest {
  // The action: "SendMessage"; service-qualified, "sns:Publish"; or the
  // X-Amz-Target form, "AmazonSQS.SendMessage" (AmazonSQS,
  // DynamoDB_20120810 and AWSEvents name their service; any other prefix
  // is ignored). A bare name must belong to one service only.
  std::string action;
  std::string body;  // a JSON object; empty means {}
  // Set by a transport that knows the service (a protocol codec does):
  // then `action` is the bare name within it.
  std::optional<ApiService> service;
  // The access key id of the request's SigV4 signature (never verified);
  // "" when unsigned. Each caller may be told apart by it.
  std::string access_key_id;
  // Where the client reached the emulator, "http://HOST:PORT" from its
  // Host header: the base of the queue URLs it is answered; "" keeps the
  // queue service's own base.
  std::string endpoint;
};

struct ApiResponse {
  bool ok = true;
  std::string body;  // JSON: the response shape, or the error body
  // The service that answered (errors before one is known: kSqs).
  ApiService service = ApiService::kSqs;
  // Error details (ok == false), for transports that carry them apart.
  ErrorCode code = ErrorCode::kOk;
  // The error body's `__type` without its namespace ("QueueDoesNotExist",
  // SNS's "NotFoundException").
  std::string error_type;
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

  // Runs `request`. An action no served service has, or a bare name that
  // two services have, is UnknownOperationException. `done` runs exactly
  // once: before Dispatch returns, or later for a ReceiveMessage parked in
  // a long poll.
  void Dispatch(ApiRequest request, ApiCallback done);
  // Dispatch({action, body}).
  void Dispatch(std::string_view action, std::string_view body,
                ApiCallback done);

  // Every action name Dispatch serves (bare; a name two services serve is
  // listed once per service, qualified: "sns:TagResource").
  std::vector<std::string> Actions() const;
  // The bare action names `service` serves (none when it is not served).
  std::vector<std::string> Actions(ApiService service) const;

 private:
  Services services_;
};

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_DISPATCHER_H_
