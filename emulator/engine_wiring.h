// The connections between the engine's services, each in one named
// function: where a Lambda destination, a topic's subscription, a
// schedule's target, an HTTP route and a signed API call lead. The Engine
// builds its services and hands each the callbacks made here; nothing else
// connects one service to another.
//
//   function destinations -> Destinations()     -> topics | queues
//   dead letters          -> DeadLetters()      -> topics | queues
//   topic subscriptions   -> TopicTargets()     -> queues | functions | HTTP
//   schedule targets      -> ScheduleDelivery() -> functions | queues
//   bucket notifications  -> BucketNotifier()   -> functions | queues | topics
//   HTTP routes           -> RouteInvoker()     -> functions
//   queue events          -> ConnectMappings()  -> event source mappings
//                                                  (-> functions)
//   signed API calls      -> CallerOf()         -> the invocation calling
//
// Every function returns (or installs) callbacks that hold references to
// the services given: each service must outlive what it is handed to (the
// Engine declares its members in that order).
//
// Thread safety: the callbacks run on the engine thread, as the services
// they call.
#ifndef FANLAB_EMULATOR_ENGINE_WIRING_H_
#define FANLAB_EMULATOR_ENGINE_WIRING_H_

#include <optional>
#include <string>

#include "emulator/api/dispatcher.h"
#include "emulator/compute/event_source_mappings.h"
#include "emulator/compute/function_service.h"
#include "emulator/core/status.h"
#include "emulator/queue/observer.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/http_poster.h"
#include "emulator/services/route_service.h"
#include "emulator/services/schedule_service.h"
#include "emulator/services/topic_service.h"

namespace fanlab::wiring {

// SendMessage of `body` (with `attributes`, SNS's shapes, and for a FIFO
// queue `group_id`) to the queue whose ARN is `queue_arn`:
// QueueDoesNotExist when there is none, else what SendMessage answers.
Status SendToQueueByArn(queue::QueueService& sqs, const std::string& queue_arn,
                        const std::string& body,
                        const services::SnsMessageAttributes& attributes = {},
                        const std::optional<std::string>& group_id = {});

// An Event invocation of the function whose ARN is `function_arn`
// ("arn:aws:lambda:REGION:ACCOUNT:function:NAME"): InvalidParameterValue
// for anything else, ResourceNotFound for a function that does not exist.
Status InvokeByArn(compute::FunctionService& functions,
                   const std::string& function_arn, const std::string& event);

// Where asynchronous invocations send their destination records: an SNS
// topic ARN is published to, any other ARN is a queue's.
compute::FunctionService::DestinationSender Destinations(
    queue::QueueService& sqs, services::TopicService& topics);

// Where an Event invocation given up on goes as a dead letter: a topic ARN
// is published to, any other ARN is a queue's; RequestID, ErrorCode and
// ErrorMessage are message attributes.
compute::FunctionService::DeadLetterSender DeadLetters(
    queue::QueueService& sqs, services::TopicService& topics);

// Where topics deliver: queue subscriptions to the queues, lambda ones to
// Event invocations, http ones through `poster`.
services::TopicTargets TopicTargets(queue::QueueService& sqs,
                                    compute::FunctionService& functions,
                                    services::HttpPoster& poster);

// Where schedule targets deliver: function targets are Event invocations,
// queue targets SendMessage (with the target's message group on FIFO).
services::ScheduleService::Delivery ScheduleDelivery(
    queue::QueueService& sqs, compute::FunctionService& functions);

// Where bucket notifications deliver S3's event record: a function rule
// is an Event invocation, a queue rule SendMessage, a topic rule Publish
// (subject "Amazon S3 Notification").
services::BucketService::Notifier BucketNotifier(
    queue::QueueService& sqs, compute::FunctionService& functions,
    services::TopicService& topics);

// How an HTTP route calls its function: a RequestResponse invocation.
services::RouteService::Invoker RouteInvoker(
    compute::FunctionService& functions);

// Makes `mappings` see every event of `sqs` (through `observers`, which the
// harness and others may join): a message arriving wakes the mapping's
// poll, which invokes its function.
void ConnectMappings(queue::QueueService& sqs, queue::ObserverList& observers,
                     compute::EventSourceMappings& mappings);

// The invocation that made `request`: the execution environment holding
// its SigV4 access key id, nullopt for keys no environment holds (a
// client outside the emulator). A call that names no key (a frame without
// the access-key-id frame) is, with `unsigned_from_function`, the only
// invocation running when exactly one runs, else nullopt.
std::optional<compute::Caller> CallerOf(
    const compute::FunctionService& functions, const api::ApiRequest& request,
    bool unsigned_from_function = false);

}  // namespace fanlab::wiring

#endif  // FANLAB_EMULATOR_ENGINE_WIRING_H_
