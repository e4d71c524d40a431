#include "emulator/engine_wiring.h"

#include <string_view>
#include <utility>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/arn.h"

namespace fanlab::wiring {

Status SendToQueueByArn(queue::QueueService& sqs, const std::string& queue_arn,
                        const std::string& body,
                        const services::SnsMessageAttributes& attributes,
                        const std::optional<std::string>& group_id) {
  auto queue = sqs.DescribeByArn(queue_arn);
  if (!queue.ok()) return queue.status();
  queue::SendMessageRequest send{.queue_url = queue->url,
                                 .message_body = body,
                                 .message_group_id = group_id};
  for (const auto& [name, a] : attributes) {
    queue::MessageAttributeValue v{.data_type = a.data_type};
    if (a.data_type.starts_with("Binary")) {
      v.binary_value = a.binary_value;
    } else {
      v.string_value = a.string_value;
    }
    send.message_attributes.emplace(name, std::move(v));
  }
  return sqs.SendMessage(send).status();
}

Status InvokeByArn(compute::FunctionService& functions,
                   const std::string& function_arn, const std::string& event) {
  std::optional<Arn> arn = ParseArn(function_arn);
  constexpr std::string_view kPrefix = "function:";
  if (!arn || arn->service != "lambda" || !arn->resource.starts_with(kPrefix)) {
    return Status(lambda::kInvalidParameterValueException,
                  "Not a function ARN: " + function_arn);
  }
  return functions
      .InvokeEvent(std::string(arn->resource.substr(kPrefix.size())), event)
      .status();
}

compute::FunctionService::DestinationSender Destinations(
    queue::QueueService& sqs, services::TopicService& topics) {
  return [&sqs, &topics](const std::string& arn,
                         const std::string& body) -> Status {
    std::optional<Arn> parsed = ParseArn(arn);
    if (parsed && parsed->service == "sns") {
      return topics.Publish({.topic_arn = arn, .message = body}).status();
    }
    return SendToQueueByArn(sqs, arn, body);
  };
}

compute::FunctionService::DeadLetterSender DeadLetters(
    queue::QueueService& sqs, services::TopicService& topics) {
  return
      [&sqs, &topics](const compute::FunctionService::DeadLetter& d) -> Status {
        services::SnsMessageAttributes attributes;
        attributes["RequestID"] = {.data_type = "String",
                                   .string_value = d.request_id};
        attributes["ErrorCode"] = {.data_type = "Number",
                                   .string_value = d.error_code};
        attributes["ErrorMessage"] = {.data_type = "String",
                                      .string_value = d.error_message};
        std::optional<Arn> parsed = ParseArn(d.target_arn);
        if (parsed && parsed->service == "sns") {
          return topics
              .Publish({.topic_arn = d.target_arn,
                        .message = d.payload,
                        .attributes = std::move(attributes)})
              .status();
        }
        return SendToQueueByArn(sqs, d.target_arn, d.payload, attributes);
      };
}

services::TopicTargets TopicTargets(queue::QueueService& sqs,
                                    compute::FunctionService& functions,
                                    services::HttpPoster& poster) {
  services::TopicTargets t;
  t.send_to_queue = [&sqs](const std::string& arn, const std::string& body,
                           const services::SnsMessageAttributes& attributes) {
    return SendToQueueByArn(sqs, arn, body, attributes);
  };
  t.invoke_function = [&functions](const std::string& arn,
                                   const std::string& event) {
    return InvokeByArn(functions, arn, event);
  };
  t.post_http = [&poster](
                    const std::string& url,
                    std::vector<std::pair<std::string, std::string>> headers,
                    std::string body, std::function<void(Result<int>)> done) {
    poster.Post(url, std::move(headers), std::move(body), std::move(done));
  };
  return t;
}

services::ScheduleService::Delivery ScheduleDelivery(
    queue::QueueService& sqs, compute::FunctionService& functions) {
  return [&sqs, &functions](const services::Target& target,
                            const std::string& payload) -> Status {
    if (target.kind == services::TargetKind::kFunction) {
      return functions.InvokeEvent(target.resource, payload).status();
    }
    return SendToQueueByArn(sqs, target.arn, payload, {},
                            target.message_group_id);
  };
}

services::BucketService::Notifier BucketNotifier(
    queue::QueueService& sqs, compute::FunctionService& functions,
    services::TopicService& topics) {
  return [&sqs, &functions, &topics](const services::NotificationRule& rule,
                                     const std::string& record) -> Status {
    switch (rule.kind) {
      case services::NotificationTargetKind::kFunction:
        return InvokeByArn(functions, rule.arn, record);
      case services::NotificationTargetKind::kQueue:
        return SendToQueueByArn(sqs, rule.arn, record);
      case services::NotificationTargetKind::kTopic:
        return topics
            .Publish({.topic_arn = rule.arn,
                      .message = record,
                      .subject = "Amazon S3 Notification"})
            .status();
    }
    return Status::Ok();
  };
}

services::RouteService::Invoker RouteInvoker(
    compute::FunctionService& functions) {
  return [&functions](const std::string& name, std::string payload,
                      services::RouteService::InvokeDone done) {
    functions.Invoke(name, std::move(payload), std::move(done));
  };
}

void ConnectMappings(queue::QueueService& sqs, queue::ObserverList& observers,
                     compute::EventSourceMappings& mappings) {
  observers.Add(&mappings);
  sqs.SetObserver(&observers);
}

std::optional<compute::Caller> CallerOf(
    const compute::FunctionService& functions, const api::ApiRequest& request,
    bool unsigned_from_function) {
  if (request.access_key_id.empty()) {
    // A frame without the access-key-id frame names nobody: an unsigned
    // call from a transport is the only running invocation's, when one
    // alone runs.
    if (!unsigned_from_function) return std::nullopt;
    std::vector<compute::Caller> running = functions.RunningInvocations();
    if (running.size() != 1) return std::nullopt;
    return running[0];
  }
  return functions.WhoCalled(request.access_key_id);
}

}  // namespace fanlab::wiring
