// SQS's and Lambda's commands, as `aws sqs` and `aws lambda` have them.
#include "emulator/cli/service_spec.h"

namespace fanlab::cli {
namespace {

constexpr const char* kQueueUrlHelp = "URL of the queue";
constexpr const char* kEntriesHelp = "Batch entries: a JSON array, or file://";

FlagSpec QueueUrl() {
  return {"queue-url", "QueueUrl", Kind::kString, true, kQueueUrlHelp};
}
FlagSpec Entries() {
  return {"entries", "Entries", Kind::kJsonArray, true, kEntriesHelp};
}

const std::vector<CommandSpec>& SqsCommands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"create-queue",
       "CreateQueue",
       "Create a queue (or return the URL of an identical one)",
       {{"queue-name", "QueueName", Kind::kString, true,
         "Name of the queue (ends in .fifo for a FIFO queue)"},
        {"attributes", "Attributes", Kind::kMap, false,
         "Queue attributes: JSON, Key=Value,Key2=Value2, or file://"},
        {"tags", "tags", Kind::kMap, false,
         "Tags: JSON, Key=Value,Key2=Value2, or file://"}}},
      {"list-queues",
       "ListQueues",
       "List queues",
       {{"queue-name-prefix", "QueueNamePrefix", Kind::kString, false,
         "Only queues whose name starts with this"},
        {"max-results", "MaxResults", Kind::kInt, false, "Page size (1-1000)"},
        {"next-token", "NextToken", Kind::kString, false,
         "Token of the next page"}}},
      {"get-queue-url",
       "GetQueueUrl",
       "Get the URL of a queue",
       {{"queue-name", "QueueName", Kind::kString, true, "Name of the queue"},
        {"queue-owner-aws-account-id", "QueueOwnerAWSAccountId", Kind::kString,
         false, "Account that owns the queue"}}},
      {"send-message",
       "SendMessage",
       "Send a message",
       {QueueUrl(),
        {"message-body", "MessageBody", Kind::kString, true,
         "Body of the message"},
        {"delay-seconds", "DelaySeconds", Kind::kInt, false,
         "Delay before the message is visible (0-900)"},
        {"message-attributes", "MessageAttributes", Kind::kJsonObject, false,
         "Message attributes: JSON object, or file://"},
        {"message-system-attributes", "MessageSystemAttributes",
         Kind::kJsonObject, false,
         "Message system attributes: JSON object, or file://"},
        {"message-deduplication-id", "MessageDeduplicationId", Kind::kString,
         false, "Deduplication id (FIFO)"},
        {"message-group-id", "MessageGroupId", Kind::kString, false,
         "Message group id (FIFO)"}}},
      {"send-message-batch",
       "SendMessageBatch",
       "Send up to 10 messages",
       {QueueUrl(), Entries()}},
      {"receive-message",
       "ReceiveMessage",
       "Receive messages",
       {QueueUrl(),
        {"attribute-names", "AttributeNames", Kind::kList, false,
         "Message system attributes to return (All, SentTimestamp, ...)"},
        {"message-system-attribute-names", "MessageSystemAttributeNames",
         Kind::kList, false, "Message system attributes to return"},
        {"message-attribute-names", "MessageAttributeNames", Kind::kList, false,
         "Message attributes to return (All, .*, prefix.*, names)"},
        {"max-number-of-messages", "MaxNumberOfMessages", Kind::kInt, false,
         "At most this many messages (1-10)"},
        {"visibility-timeout", "VisibilityTimeout", Kind::kInt, false,
         "Visibility timeout of the messages received"},
        {"wait-time-seconds", "WaitTimeSeconds", Kind::kInt, false,
         "Long poll: wait this long for a message (0-20)"},
        {"receive-request-attempt-id", "ReceiveRequestAttemptId", Kind::kString,
         false, "Receive attempt id (FIFO)"}}},
      {"delete-message",
       "DeleteMessage",
       "Delete a message",
       {QueueUrl(),
        {"receipt-handle", "ReceiptHandle", Kind::kString, true,
         "Receipt handle of the message"}}},
      {"delete-message-batch",
       "DeleteMessageBatch",
       "Delete up to 10 messages",
       {QueueUrl(), Entries()}},
      {"change-message-visibility",
       "ChangeMessageVisibility",
       "Change the visibility timeout of a message",
       {QueueUrl(),
        {"receipt-handle", "ReceiptHandle", Kind::kString, true,
         "Receipt handle of the message"},
        {"visibility-timeout", "VisibilityTimeout", Kind::kInt, true,
         "New visibility timeout, in seconds from now"}}},
      {"change-message-visibility-batch",
       "ChangeMessageVisibilityBatch",
       "Change the visibility timeout of up to 10 messages",
       {QueueUrl(), Entries()}},
      {"get-queue-attributes",
       "GetQueueAttributes",
       "Get queue attributes",
       {QueueUrl(),
        {"attribute-names", "AttributeNames", Kind::kList, false,
         "Attributes to return (All, VisibilityTimeout, ...)"}}},
      {"set-queue-attributes",
       "SetQueueAttributes",
       "Set queue attributes",
       {QueueUrl(),
        {"attributes", "Attributes", Kind::kMap, true,
         "Queue attributes: JSON, Key=Value,Key2=Value2, or file://"}}},
      {"purge-queue",
       "PurgeQueue",
       "Delete every message of a queue",
       {QueueUrl()}},
      {"delete-queue", "DeleteQueue", "Delete a queue", {QueueUrl()}},
      {"tag-queue",
       "TagQueue",
       "Add or replace tags of a queue",
       {QueueUrl(),
        {"tags", "Tags", Kind::kMap, true,
         "Tags: JSON, Key=Value,Key2=Value2, or file://"}}},
      {"untag-queue",
       "UntagQueue",
       "Remove tags of a queue",
       {QueueUrl(),
        {"tag-keys", "TagKeys", Kind::kList, true, "Keys of the tags"}}},
      {"list-queue-tags",
       "ListQueueTags",
       "List the tags of a queue",
       {QueueUrl()}},
      {"list-dead-letter-source-queues",
       "ListDeadLetterSourceQueues",
       "List the queues whose dead-letter queue this is",
       {QueueUrl(),
        {"max-results", "MaxResults", Kind::kInt, false, "Page size (1-1000)"},
        {"next-token", "NextToken", Kind::kString, false,
         "Token of the next page"}}},
  };
  return *commands;
}

FlagSpec FunctionName() {
  return {"function-name", "FunctionName", Kind::kString, true,
          "Name of the function"};
}

// The configuration flags create-function and update-function-configuration
// share; `required_command` says whether --command must be given.
std::vector<FlagSpec> ConfigFlags(bool required_command) {
  return {FunctionName(),
          {"command", "Code.Command", Kind::kList, required_command,
           "The function's argv (program, then arguments), in place of a zip"},
          {"working-directory", "Code.WorkingDirectory", Kind::kString, false,
           "Working directory of the function's processes"},
          {"mode", "Mode", Kind::kString, false,
           "cold (a process per invocation) or warm (reused processes)"},
          {"timeout", "Timeout", Kind::kInt, false, "Seconds (1-900)"},
          {"memory-size", "MemorySize", Kind::kInt, false, "MB (128-10240)"},
          {"environment", "Environment", Kind::kEnvironment, false,
           "Variables={K=V,K2=V2}, JSON, or file://"}};
}

FlagSpec Uuid() {
  return {"uuid", "UUID", Kind::kString, true, "Id of the mapping"};
}

// create-event-source-mapping's flags (create) or
// update-event-source-mapping's (!create).
std::vector<FlagSpec> MappingFlags(bool create) {
  std::vector<FlagSpec> flags;
  if (create) {
    flags.push_back({"event-source-arn", "EventSourceArn", Kind::kString, true,
                     "ARN of the queue"});
    flags.push_back(FunctionName());
  } else {
    flags.push_back(Uuid());
    flags.push_back({"function-name", "FunctionName", Kind::kString, false,
                     "Send the batches to this function instead"});
  }
  flags.push_back({"batch-size", "BatchSize", Kind::kInt, false,
                   "Messages per batch (standard 1-10000, FIFO 1-10)"});
  flags.push_back({"maximum-batching-window-in-seconds",
                   "MaximumBatchingWindowInSeconds", Kind::kInt, false,
                   "Gather a batch for up to this long (0-300)"});
  flags.push_back({"scaling-config", "ScalingConfig", Kind::kJsonObject, false,
                   "{\"MaximumConcurrency\": N}: batches at once (2-1000)"});
  flags.push_back({"function-response-types", "FunctionResponseTypes",
                   Kind::kList, false, "ReportBatchItemFailures"});
  return flags;
}

const std::vector<CommandSpec>& LambdaCommands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"create-function", "CreateFunction", "Create a function",
       ConfigFlags(true)},
      {"get-function",
       "GetFunction",
       "Show a function's configuration",
       {FunctionName()}},
      {"list-functions", "ListFunctions", "List functions", {}},
      {"delete-function",
       "DeleteFunction",
       "Delete a function",
       {FunctionName()}},
      {"update-function-configuration", "UpdateFunctionConfiguration",
       "Change a function's configuration (only the flags given)",
       ConfigFlags(false)},
      {"put-function-concurrency",
       "PutFunctionConcurrency",
       "Reserve concurrency for a function",
       {FunctionName(),
        {"reserved-concurrent-executions", "ReservedConcurrentExecutions",
         Kind::kInt, true, "Concurrent executions reserved (and allowed)"}}},
      {"delete-function-concurrency",
       "DeleteFunctionConcurrency",
       "Remove a function's reservation",
       {FunctionName()}},
      {"invoke",
       "Invoke",
       "Invoke a function and print the answer: its result (Payload) goes "
       "to OUTFILE when one is given",
       {FunctionName(),
        {"payload", "Payload", Kind::kJsonValue, false,
         "The event: JSON, or file://"},
        {"invocation-type", "InvocationType", Kind::kString, false,
         "RequestResponse (default: wait for the result), Event (queue it, "
         "answer 202) or DryRun"},
        {"log-type", "LogType", Kind::kString, false,
         "Tail: add the last 4 KB of logs (LogResult, base64)"}},
       "Payload"},
      {"create-event-source-mapping", "CreateEventSourceMapping",
       "Map a queue to a function", MappingFlags(true)},
      {"get-event-source-mapping",
       "GetEventSourceMapping",
       "Show a mapping",
       {Uuid()}},
      {"list-event-source-mappings",
       "ListEventSourceMappings",
       "List mappings (of a function, of a queue)",
       {{"function-name", "FunctionName", Kind::kString, false,
         "Only this function's mappings"},
        {"event-source-arn", "EventSourceArn", Kind::kString, false,
         "Only this queue's mappings"}}},
      {"update-event-source-mapping", "UpdateEventSourceMapping",
       "Change a mapping (only the flags given)", MappingFlags(false)},
      {"delete-event-source-mapping",
       "DeleteEventSourceMapping",
       "Delete a mapping",
       {Uuid()}},
  };
  return *commands;
}

}  // namespace

const ServiceSpec& SqsService() {
  static const ServiceSpec spec{
      "sqs", "Amazon SQS commands, as `aws sqs` has them", SqsCommands};
  return spec;
}

const ServiceSpec& LambdaService() {
  static const ServiceSpec spec{"lambda",
                                "AWS Lambda commands, as `aws lambda` has them",
                                LambdaCommands};
  return spec;
}

}  // namespace fanlab::cli
