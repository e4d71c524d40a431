// The commands of SNS, S3, DynamoDB and EventBridge, as `aws sns`,
// `aws s3api`, `aws dynamodb` and `aws events` have them, and fanlab's own
// `fanlab http` for routes and sinks.
#include "emulator/cli/service_spec.h"

namespace fanlab::cli {
namespace {

FlagSpec TopicArn(bool required = true) {
  return {"topic-arn", "TopicArn", Kind::kString, required, "ARN of the topic"};
}
FlagSpec SubscriptionArn() {
  return {"subscription-arn", "SubscriptionArn", Kind::kString, true,
          "ARN of the subscription"};
}
FlagSpec AttributeName() {
  return {"attribute-name", "AttributeName", Kind::kString, true,
          "Name of the attribute"};
}
FlagSpec AttributeValue() {
  return {"attribute-value", "AttributeValue", Kind::kString, true,
          "Value of the attribute"};
}

const std::vector<CommandSpec>& SnsCommands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"create-topic",
       "CreateTopic",
       "Create a topic (or return the ARN of an existing one)",
       {{"name", "Name", Kind::kString, true, "Name of the topic"},
        {"attributes", "Attributes", Kind::kMap, false,
         "Topic attributes (DisplayName, ...): JSON, K=V,K2=V2, or file://"}}},
      {"delete-topic", "DeleteTopic", "Delete a topic", {TopicArn()}},
      {"list-topics", "ListTopics", "List topics", {}},
      {"get-topic-attributes",
       "GetTopicAttributes",
       "Show a topic's attributes",
       {TopicArn()}},
      {"set-topic-attributes",
       "SetTopicAttributes",
       "Set one attribute of a topic",
       {TopicArn(), AttributeName(), AttributeValue()}},
      {"subscribe",
       "Subscribe",
       "Subscribe an endpoint to a topic",
       {TopicArn(),
        {"protocol", "Protocol", Kind::kString, true,
         "sqs, lambda, email, email-json or http"},
        {"notification-endpoint", "Endpoint", Kind::kString, true,
         "Queue or function ARN, email address, or http:// URL"},
        {"attributes", "Attributes", Kind::kMap, false,
         "RawMessageDelivery=true, ...: JSON, K=V, or file://"}}},
      {"unsubscribe",
       "Unsubscribe",
       "Delete a subscription",
       {SubscriptionArn()}},
      {"list-subscriptions", "ListSubscriptions", "List subscriptions", {}},
      {"list-subscriptions-by-topic",
       "ListSubscriptionsByTopic",
       "List a topic's subscriptions",
       {TopicArn()}},
      {"get-subscription-attributes",
       "GetSubscriptionAttributes",
       "Show a subscription's attributes",
       {SubscriptionArn()}},
      {"set-subscription-attributes",
       "SetSubscriptionAttributes",
       "Set one attribute of a subscription (RawMessageDelivery)",
       {SubscriptionArn(), AttributeName(), AttributeValue()}},
      {"publish",
       "Publish",
       "Publish a message to a topic",
       {TopicArn(false),
        {"target-arn", "TargetArn", Kind::kString, false,
         "ARN of the topic (in place of --topic-arn)"},
        {"message", "Message", Kind::kString, true, "The message"},
        {"subject", "Subject", Kind::kString, false,
         "Subject (emails; up to 100 ASCII characters)"},
        {"message-structure", "MessageStructure", Kind::kString, false,
         "json: --message is {\"default\": ..., \"<protocol>\": ...}"},
        {"message-attributes", "MessageAttributes", Kind::kJsonObject, false,
         "{name: {DataType, StringValue | BinaryValue}}: JSON, or file://"}}},
      {"publish-batch",
       "PublishBatch",
       "Publish up to 10 messages",
       {TopicArn(),
        {"publish-batch-request-entries", "PublishBatchRequestEntries",
         Kind::kJsonArray, true,
         "[{Id, Message, Subject?, ...}]: JSON, or file://"}}},
      {"list-emails",
       "ListEmails",
       "fanlab: the email outbox (what email subscriptions received)",
       {TopicArn(false),
        {"to", "To", Kind::kString, false, "Only emails to this address"}}},
  };
  return *commands;
}

FlagSpec Bucket() {
  return {"bucket", "Bucket", Kind::kString, true, "Name of the bucket"};
}
FlagSpec Key() { return {"key", "Key", Kind::kString, true, "Object key"}; }

const std::vector<CommandSpec>& S3Commands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"create-bucket", "CreateBucket", "Create a bucket", {Bucket()}},
      {"delete-bucket", "DeleteBucket", "Delete an empty bucket", {Bucket()}},
      {"head-bucket",
       "HeadBucket",
       "Whether a bucket exists (and its region)",
       {Bucket()}},
      {"list-buckets", "ListBuckets", "List buckets", {}},
      {"put-object",
       "PutObject",
       "Store an object",
       {Bucket(),
        Key(),
        {"body", "Body", Kind::kFileBase64, false,
         "File whose bytes are the object (empty object when absent)"},
        {"content-type", "ContentType", Kind::kString, false, "MIME type"},
        {"metadata", "Metadata", Kind::kMap, false,
         "User metadata: JSON, K=V,K2=V2, or file://"}}},
      {"get-object",
       "GetObject",
       "Fetch an object: Body (base64) is written to OUTFILE when one is "
       "given",
       {Bucket(),
        Key(),
        {"range", "Range", Kind::kString, false, "bytes=FIRST-LAST"}},
       "Body"},
      {"head-object",
       "HeadObject",
       "Show an object's metadata",
       {Bucket(), Key()}},
      {"delete-object", "DeleteObject", "Delete an object", {Bucket(), Key()}},
      {"list-objects-v2",
       "ListObjectsV2",
       "List objects",
       {Bucket(),
        {"prefix", "Prefix", Kind::kString, false,
         "Only keys with this prefix"},
        {"delimiter", "Delimiter", Kind::kString, false,
         "Group keys up to this character into CommonPrefixes"},
        {"max-keys", "MaxKeys", Kind::kInt, false,
         "Page size (0-1000; 1000 when absent)"},
        {"continuation-token", "ContinuationToken", Kind::kString, false,
         "Token of the next page"},
        {"start-after", "StartAfter", Kind::kString, false,
         "Only keys after this one"}}},
  };
  return *commands;
}

FlagSpec TableName() {
  return {"table-name", "TableName", Kind::kString, true, "Name of the table"};
}
FlagSpec Names() {
  return {"expression-attribute-names", "ExpressionAttributeNames",
          Kind::kJsonObject, false, "{\"#n\": \"name\"}: JSON, or file://"};
}
FlagSpec Values() {
  return {"expression-attribute-values", "ExpressionAttributeValues",
          Kind::kJsonObject, false,
          "{\":v\": {\"S\": \"x\"}}: JSON, or file://"};
}
FlagSpec Condition() {
  return {"condition-expression", "ConditionExpression", Kind::kString, false,
          "The write happens only if this holds"};
}
FlagSpec ReturnValues() {
  return {"return-values", "ReturnValues", Kind::kString, false,
          "NONE, ALL_OLD, UPDATED_OLD, ALL_NEW or UPDATED_NEW"};
}
FlagSpec ItemKey() {
  return {"key", "Key", Kind::kJsonObject, true,
          "The item's key as AttributeValues: JSON, or file://"};
}
FlagSpec Projection() {
  return {"projection-expression", "ProjectionExpression", Kind::kString, false,
          "Only these attributes"};
}
FlagSpec Filter() {
  return {"filter-expression", "FilterExpression", Kind::kString, false,
          "Only items for which this holds"};
}
FlagSpec Limit() {
  return {"limit", "Limit", Kind::kInt, false, "Items evaluated per page"};
}
FlagSpec StartKey() {
  return {"exclusive-start-key", "ExclusiveStartKey", Kind::kJsonObject, false,
          "LastEvaluatedKey of the previous page: JSON"};
}
FlagSpec Select() {
  return {"select", "Select", Kind::kString, false,
          "ALL_ATTRIBUTES, SPECIFIC_ATTRIBUTES or COUNT"};
}

const std::vector<CommandSpec>& DynamoDbCommands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"create-table",
       "CreateTable",
       "Create a table",
       {TableName(),
        {"attribute-definitions", "AttributeDefinitions", Kind::kJsonArray,
         true, "[{AttributeName, AttributeType: S|N|B}]: JSON, or file://"},
        {"key-schema", "KeySchema", Kind::kJsonArray, true,
         "[{AttributeName, KeyType: HASH|RANGE}]: JSON, or file://"},
        {"billing-mode", "BillingMode", Kind::kString, false,
         "PAY_PER_REQUEST, or PROVISIONED (the default: then give "
         "--provisioned-throughput; not enforced)"},
        {"provisioned-throughput", "ProvisionedThroughput", Kind::kJsonObject,
         false, "{\"ReadCapacityUnits\": N, \"WriteCapacityUnits\": N}"}}},
      {"delete-table", "DeleteTable", "Delete a table", {TableName()}},
      {"describe-table", "DescribeTable", "Describe a table", {TableName()}},
      {"list-tables",
       "ListTables",
       "List tables",
       {{"exclusive-start-table-name", "ExclusiveStartTableName", Kind::kString,
         false, "Start after this table"},
        {"limit", "Limit", Kind::kInt, false, "Page size (1-100)"}}},
      {"put-item",
       "PutItem",
       "Write an item",
       {TableName(),
        {"item", "Item", Kind::kJsonObject, true,
         "The item as AttributeValues: JSON, or file://"},
        Condition(),
        Names(),
        Values(),
        ReturnValues()}},
      {"get-item",
       "GetItem",
       "Read an item",
       {TableName(),
        ItemKey(),
        Projection(),
        Names(),
        {"consistent-read", "ConsistentRead", Kind::kBool, false,
         "true or false (every read is consistent here)"}}},
      {"delete-item",
       "DeleteItem",
       "Delete an item",
       {TableName(), ItemKey(), Condition(), Names(), Values(),
        ReturnValues()}},
      {"update-item",
       "UpdateItem",
       "Change an item's attributes",
       {TableName(),
        ItemKey(),
        {"update-expression", "UpdateExpression", Kind::kString, false,
         "SET a = :v, REMOVE b, ADD c :n, DELETE s :set"},
        Condition(),
        Names(),
        Values(),
        ReturnValues()}},
      {"query",
       "Query",
       "Items of one partition, in sort-key order",
       {TableName(),
        {"key-condition-expression", "KeyConditionExpression", Kind::kString,
         true, "pk = :p [AND sk <op> :s | BETWEEN | begins_with]"},
        Filter(),
        Projection(),
        Names(),
        Values(),
        Limit(),
        StartKey(),
        Select(),
        {"scan-index-forward", "ScanIndexForward", Kind::kBool, false,
         "false: descending sort-key order"}}},
      {"scan",
       "Scan",
       "Every item of a table",
       {TableName(), Filter(), Projection(), Names(), Values(), Limit(),
        StartKey(), Select()}},
  };
  return *commands;
}

FlagSpec RuleName(const char* flag = "name") {
  return {flag, flag[0] == 'n' ? "Name" : "Rule", Kind::kString, true,
          "Name of the rule"};
}

const std::vector<CommandSpec>& EventsCommands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"put-rule",
       "PutRule",
       "Create or update a schedule rule",
       {RuleName(),
        {"schedule-expression", "ScheduleExpression", Kind::kString, false,
         "rate(5 minutes) or cron(0/1 * * * ? *)"},
        {"state", "State", Kind::kString, false, "ENABLED or DISABLED"},
        {"description", "Description", Kind::kString, false, "Description"}}},
      {"describe-rule", "DescribeRule", "Describe a rule", {RuleName()}},
      {"list-rules",
       "ListRules",
       "List rules",
       {{"name-prefix", "NamePrefix", Kind::kString, false,
         "Only rules whose name starts with this"}}},
      {"delete-rule",
       "DeleteRule",
       "Delete a rule without targets",
       {RuleName()}},
      {"enable-rule", "EnableRule", "Enable a rule", {RuleName()}},
      {"disable-rule", "DisableRule", "Disable a rule", {RuleName()}},
      {"put-targets",
       "PutTargets",
       "Add or replace a rule's targets",
       {RuleName("rule"),
        {"targets", "Targets", Kind::kJsonArray, true,
         "[{Id, Arn, Input?}]: JSON, or file://"}}},
      {"remove-targets",
       "RemoveTargets",
       "Remove targets from a rule",
       {RuleName("rule"),
        {"ids", "Ids", Kind::kList, true, "Ids of the targets"}}},
      {"list-targets-by-rule",
       "ListTargetsByRule",
       "List a rule's targets",
       {RuleName("rule")}},
  };
  return *commands;
}

FlagSpec SinkName() {
  return {"name", "Name", Kind::kString, true, "Name of the sink"};
}

const std::vector<CommandSpec>& HttpCommands() {
  static const auto* commands = new std::vector<CommandSpec>{
      {"create-route",
       "CreateRoute",
       "Route HTTP requests to a function (API Gateway's proxy event)",
       {{"method", "Method", Kind::kString, true, "GET, POST, ... or ANY"},
        {"path", "Path", Kind::kString, true,
         "Path template, e.g. /user/{username}/schedules"},
        {"function-name", "FunctionName", Kind::kString, true,
         "Function to invoke"},
        {"api-key-required", "ApiKeyRequired", Kind::kBool, false,
         "true: requests need a valid x-api-key header"},
        {"api-keys", "ApiKeys", Kind::kList, false, "The valid API keys"},
        {"payload-format-version", "PayloadFormatVersion", Kind::kString, false,
         "1.0 (REST API proxy event, default) or 2.0 (HTTP API)"}}},
      {"delete-route",
       "DeleteRoute",
       "Delete a route",
       {{"method", "Method", Kind::kString, true, "Method of the route"},
        {"path", "Path", Kind::kString, true, "Path template of the route"}}},
      {"list-routes", "ListRoutes", "List routes", {}},
      {"create-sink",
       "CreateSink",
       "Create a sink: an endpoint that records every request",
       {SinkName(),
        {"status-code", "StatusCode", Kind::kInt, false,
         "Status to answer (default 200)"},
        {"body", "Body", Kind::kString, false, "Body to answer"},
        {"headers", "Headers", Kind::kMap, false,
         "Headers to answer: JSON, K=V,K2=V2, or file://"}}},
      {"delete-sink", "DeleteSink", "Delete a sink", {SinkName()}},
      {"list-sinks", "ListSinks", "List sinks and their URLs", {}},
      {"get-sink-requests",
       "GetSinkRequests",
       "The requests a sink recorded, oldest first",
       {SinkName()}},
      {"clear-sink-requests",
       "ClearSinkRequests",
       "Forget a sink's recorded requests",
       {SinkName()}},
  };
  return *commands;
}

}  // namespace

const ServiceSpec& SnsService() {
  static const ServiceSpec spec{
      "sns", "Amazon SNS commands, as `aws sns` has them", SnsCommands};
  return spec;
}

const ServiceSpec& S3Service() {
  static const ServiceSpec spec{
      "s3api", "Amazon S3 commands, as `aws s3api` has them", S3Commands};
  return spec;
}

const ServiceSpec& DynamoDbService() {
  static const ServiceSpec spec{
      "dynamodb", "Amazon DynamoDB commands, as `aws dynamodb` has them",
      DynamoDbCommands};
  return spec;
}

const ServiceSpec& EventsService() {
  static const ServiceSpec spec{
      "events", "Amazon EventBridge commands, as `aws events` has them",
      EventsCommands};
  return spec;
}

const ServiceSpec& HttpService() {
  static const ServiceSpec spec{
      "http", "fanlab's HTTP front: routes to functions, and sinks",
      HttpCommands};
  return spec;
}

std::vector<const ServiceSpec*> AllServices() {
  return {&SqsService(),      &LambdaService(), &SnsService(), &S3Service(),
          &DynamoDbService(), &EventsService(), &HttpService()};
}

}  // namespace fanlab::cli
