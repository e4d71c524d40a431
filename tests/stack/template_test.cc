// Templates read into their actions: intrinsics, conditions, parameters,
// dependency order, each resource type, and errors with line:column.
#include "stack/template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

namespace fanlab::stack {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Templates are read as if from a file in a temporary folder holding a
// code folder `code/` and a package `code.zip`.
class TemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("fanlab-stack-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_ / "code");
    std::ofstream(dir_ / "code" / "app.py") << "def handler(e, c): return e\n";
    std::ofstream(dir_ / "code.zip") << "PK\x05\x06" << std::string(18, '\0');
  }
  void TearDown() override { fs::remove_all(dir_); }

  StackResult Parse(const std::string& text, TemplateOptions options = {}) {
    return ParseTemplate(text, (dir_ / "template.yaml").string(), options);
  }
  // The stack, failing the test with the errors when there is none.
  Stack Ok(const std::string& text, TemplateOptions options = {}) {
    StackResult r = Parse(text, options);
    for (const auto& e : r.errors) ADD_FAILURE() << e.ToString();
    return r.stack.value_or(Stack{});
  }
  // The error messages as "line:column: path: message".
  static std::vector<std::string> Errors(const StackResult& r) {
    std::vector<std::string> out;
    for (const auto& e : r.errors) {
      out.push_back(std::to_string(e.mark.line) + ":" +
                    std::to_string(e.mark.column) + ": " + e.path + ": " +
                    e.message);
    }
    return out;
  }
  static std::vector<std::string> Actions(const Stack& s) {
    std::vector<std::string> out;
    for (const auto& c : s.calls) out.push_back(c.action);
    return out;
  }
  static const json::object& Body(const Stack& s, const std::string& action,
                                  size_t nth = 0) {
    for (const auto& c : s.calls) {
      if (c.action == action && nth-- == 0) return c.body;
    }
    static const json::object kNone;
    ADD_FAILURE() << "no call " << action;
    return kNone;
  }
  // The environment variables of the first CreateFunction.
  static json::object Env(const Stack& s) {
    const json::object& body = Body(s, "CreateFunction");
    if (!body.contains("Environment")) return {};
    return body.at("Environment").at("Variables").as_object();
  }

  fs::path dir_;
};

constexpr const char* kFunctionHead = R"(
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: code/
      Environment:
        Variables:
)";

TEST_F(TemplateTest, RefSubJoinSelectSplitAndPseudoParameters) {
  TemplateOptions options;
  options.stack_name = "shop";
  Stack s = Ok(std::string(R"(
Parameters:
  Stage: {Type: String, Default: dev}
  Sizes: {Type: CommaDelimitedList, Default: "s,m,l"}
)") + kFunctionHead +
                   R"(
          STAGE: !Ref Stage
          SUB: !Sub "${AWS::StackName}-${Stage}-${AWS::Region}-${!Literal}"
          SUB_VARS: !Sub ["${A}/${Stage}", {A: !Ref AWS::AccountId}]
          JOIN: !Join [":", [a, !Ref Stage, 3]]
          SELECT: !Select [1, !Ref Sizes]
          SPLIT: !Select [2, !Split [",", "x,y,z"]]
          PART: !Ref AWS::Partition
          SUFFIX: !Ref AWS::URLSuffix
          GONE: !Ref AWS::NoValue
          SELF: !GetAtt Queue.Arn
  Queue:
    Type: AWS::SQS::Queue
)",
               options);
  json::object env = Env(s);
  EXPECT_EQ(env["STAGE"], "dev");
  EXPECT_EQ(env["SUB"], "shop-dev-us-east-1-${Literal}");
  EXPECT_EQ(env["SUB_VARS"], "000000000000/dev");
  EXPECT_EQ(env["JOIN"], "a:dev:3");
  EXPECT_EQ(env["SELECT"], "m");
  EXPECT_EQ(env["SPLIT"], "z");
  EXPECT_EQ(env["PART"], "aws");
  EXPECT_EQ(env["SUFFIX"], "amazonaws.com");
  EXPECT_FALSE(env.contains("GONE"));
  EXPECT_EQ(env["SELF"], "arn:aws:sqs:us-east-1:000000000000:Queue");
}

TEST_F(TemplateTest, JsonFormOfEveryIntrinsic) {
  Stack s = Ok(R"({
  "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
  "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
  "Mappings": {"Sizes": {"prod": {"Memory": 512}}},
  "Resources": {
    "Jobs": {"Type": "AWS::SQS::Queue"},
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
      "Runtime": "python3.12", "Handler": "app.handler", "Code": "code",
      "MemorySize": {"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]},
      "Environment": {"Variables": {
        "URL": {"Ref": "Jobs"},
        "ARN": {"Fn::GetAtt": ["Jobs", "Arn"]},
        "NAME": {"Fn::GetAtt": "Jobs.QueueName"},
        "SUB": {"Fn::Sub": "${Jobs.Arn}!"},
        "IF": {"Fn::If": ["IsProd", "big", "small"]},
        "JOIN": {"Fn::Join": ["-", {"Fn::Split": [".", "a.b"]}]},
        "B64": {"Fn::Base64": "hi"}
      }}}}
  }
})");
  json::object env = Env(s);
  EXPECT_EQ(env["URL"], "${queue_url:Jobs}");
  EXPECT_EQ(env["ARN"], "arn:aws:sqs:us-east-1:000000000000:Jobs");
  EXPECT_EQ(env["NAME"], "Jobs");
  EXPECT_EQ(env["SUB"], "arn:aws:sqs:us-east-1:000000000000:Jobs!");
  EXPECT_EQ(env["IF"], "big");
  EXPECT_EQ(env["JOIN"], "a-b");
  EXPECT_EQ(env["B64"], "aGk=");
  EXPECT_EQ(Body(s, "CreateFunction").at("MemorySize"), 512);
  EXPECT_EQ(Body(s, "CreateFunction").at("Code").at("Directory"),
            json::value((dir_ / "code").string()));
}

TEST_F(TemplateTest, ConditionsLeaveResourcesOutAndChooseValues) {
  const std::string text = R"(
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Either: !Or [!Condition IsProd, !Condition IsDev]
  Both: !And [!Condition IsProd, {Condition: IsDev}]
Resources:
  Always:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: !If [IsProd, 900, 30]
      DelaySeconds: !If [Both, 5, !Ref AWS::NoValue]
      MessageRetentionPeriod: !If [Either, 60, 120]
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
)";
  Stack dev = Ok(text);
  EXPECT_THAT(Actions(dev), ElementsAre("CreateQueue"));
  const json::object& attributes =
      Body(dev, "CreateQueue").at("Attributes").as_object();
  EXPECT_EQ(attributes.at("VisibilityTimeout"), "30");
  EXPECT_EQ(attributes.at("MessageRetentionPeriod"), "60");
  EXPECT_FALSE(attributes.contains("DelaySeconds"));

  TemplateOptions prod;
  prod.parameters["Env"] = "prod";
  Stack p = Ok(text, prod);
  EXPECT_THAT(Actions(p), ElementsAre("CreateQueue", "CreateQueue"));
  EXPECT_EQ(Body(p, "CreateQueue").at("Attributes").at("VisibilityTimeout"),
            "900");
}

TEST_F(TemplateTest, RefToAResourceLeftOutIsAnError) {
  StackResult r = Parse(R"(
Conditions:
  Never: !Equals [a, b]
Resources:
  Gone:
    Type: AWS::SQS::Queue
    Condition: Never
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !GetAtt Gone.QueueName
)");
  EXPECT_THAT(Errors(r), ElementsAre(HasSubstr("left out by its condition")));
}

TEST_F(TemplateTest, ResourcesAreCreatedInDependencyOrder) {
  Stack s = Ok(R"(
Resources:
  Main:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 3}
  Late:
    Type: AWS::SNS::Topic
    DependsOn: [Main, Tail]
  Dlq:
    Type: AWS::SQS::Queue
  Tail:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${Dlq.QueueName}-tail"
)");
  std::vector<std::string> order;
  for (const auto& c : s.calls) {
    order.push_back(c.body.contains("QueueName")
                        ? std::string(c.body.at("QueueName").as_string())
                        : std::string(c.body.at("Name").as_string()));
  }
  EXPECT_THAT(order, ElementsAre("Dlq", "Main", "Dlq-tail", "Late"));
  EXPECT_EQ(
      Body(s, "CreateQueue", 1).at("Attributes").at("RedrivePolicy"),
      R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:Dlq","maxReceiveCount":3})");
}

TEST_F(TemplateTest, ACycleIsAnErrorAtEachResourceInIt) {
  StackResult r = Parse(R"(Resources:
  A:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub "${B.QueueName}x"}
  B:
    Type: AWS::SQS::Queue
    DependsOn: A
  C:
    Type: AWS::SQS::Queue
)");
  EXPECT_THAT(Errors(r),
              ElementsAre("3:5: Resources.A: circular dependency: \"A\" needs "
                          "B, which need it in turn",
                          "6:5: Resources.B: circular dependency: \"B\" needs "
                          "A, which need it in turn"));
}

TEST_F(TemplateTest, ErrorsNameTheLineAndColumn) {
  StackResult r = Parse(R"(Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      VisibiltyTimeout: 30
  K:
    Type: AWS::Kinesis::Stream
  T:
    Type: AWS::SNS::Topic
    Properties:
      DisplayName: !Ref Nowhere
)");
  EXPECT_THAT(
      Errors(r),
      ElementsAre(
          "5:7: Resources.Q.Properties.VisibiltyTimeout: the property "
          "VisibiltyTimeout of AWS::SQS::Queue is not supported by fanlab "
          "(--allow-unknown leaves it out with a warning)",
          "7:11: Resources.K.Type: the resource type AWS::Kinesis::Stream is "
          "not supported by fanlab (--allow-unknown leaves it out with a "
          "warning)",
          "11:20: Resources.T.Properties.DisplayName: \"Nowhere\" is neither "
          "a parameter nor a resource of this template"));
  EXPECT_THAT(r.errors[0].ToString(),
              HasSubstr("template.yaml:5:7: Resources.Q.Properties."));
}

TEST_F(TemplateTest, AllowUnknownTurnsUnsupportedPartsIntoWarnings) {
  TemplateOptions options;
  options.allow_unknown = true;
  StackResult r = Parse(R"(Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: {VisibiltyTimeout: 30}
  K:
    Type: AWS::Kinesis::Stream
)",
                        options);
  ASSERT_TRUE(r.stack) << Errors(r)[0];
  EXPECT_THAT(Actions(*r.stack), ElementsAre("CreateQueue"));
  ASSERT_EQ(r.stack->warnings.size(), 2u);
  EXPECT_THAT(r.stack->warnings[1].message,
              HasSubstr("AWS::Kinesis::Stream is not supported by fanlab; "
                        "left out"));
}

TEST_F(TemplateTest, IamIsAcceptedAndIgnoredWithANote) {
  Stack s = Ok(R"(Resources:
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: code
      Role: !GetAtt Role.Arn
)");
  EXPECT_THAT(Actions(s), ElementsAre("CreateFunction"));
  ASSERT_EQ(s.warnings.size(), 2u);
  EXPECT_THAT(s.warnings[0].message, HasSubstr("AWS::IAM::Role"));
  EXPECT_THAT(s.warnings[1].message, HasSubstr("Role has no effect"));
  EXPECT_EQ(s.warnings[1].mark.line, 11);
}

TEST_F(TemplateTest, ParameterProblems) {
  const std::string text = R"(Parameters:
  Size: {Type: Number, Default: 3}
  Env: {Type: String, AllowedValues: [dev, prod], Default: dev}
  Needed: {Type: String}
Resources:
  Q: {Type: AWS::SQS::Queue}
)";
  TemplateOptions options;
  options.parameters = {{"Size", "x"}, {"Env", "qa"}, {"Extra", "1"}};
  EXPECT_THAT(
      Errors(Parse(text, options)),
      ElementsAre(HasSubstr("\"x\" is not a Number"),
                  HasSubstr("\"qa\" is not one of the AllowedValues (dev, "
                            "prod)"),
                  "4:11: Parameters.Needed: the parameter \"Needed\" has no "
                  "Default: give it with --parameter-overrides Needed=VALUE",
                  HasSubstr("gives \"Extra\", which the template does not "
                            "declare")));
}

TEST_F(TemplateTest, YamlSyntaxErrorHasItsPosition) {
  StackResult r = Parse("Resources:\n  Q: [unclosed\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GT(r.errors[0].mark.line, 1);
}

TEST_F(TemplateTest, ServerlessFunctionWithGlobalsAndEveryEvent) {
  Stack s = Ok(R"(
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 30
    Environment: {Variables: {SHARED: one, OVERRIDDEN: global}}
Resources:
  Jobs: {Type: AWS::SQS::Queue}
  Alerts: {Type: AWS::SNS::Topic}
  Failures: {Type: AWS::SQS::Queue}
  Api: {Type: AWS::Serverless::Api, Properties: {StageName: prod}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: code.zip
      MemorySize: 256
      ReservedConcurrentExecutions: 4
      Environment: {Variables: {OVERRIDDEN: own}}
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure: {Type: SQS, Destination: !GetAtt Failures.Arn}
      Events:
        FromQueue:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 5}
        Get:
          Type: Api
          Properties: {Path: "/jobs/{id}", Method: get, RestApiId: !Ref Api}
        Post:
          Type: HttpApi
          Properties: {Path: /jobs, Method: POST, PayloadFormatVersion: "1.0"}
        Tick:
          Type: Schedule
          Properties: {Schedule: rate(5 minutes), Input: '{"k": 1}'}
        Tock:
          Type: ScheduleV2
          Properties: {ScheduleExpression: 'cron(0 12 * * ? *)', Name: noon}
        Alert:
          Type: SNS
          Properties: {Topic: !Ref Alerts, FilterPolicy: {kind: [a]}}
)");
  EXPECT_THAT(
      Actions(s),
      ElementsAre("CreateQueue", "CreateTopic", "CreateQueue", "CreateFunction",
                  "PutFunctionConcurrency", "PutFunctionEventInvokeConfig",
                  "CreateEventSourceMapping", "CreateRoute", "CreateRoute",
                  "PutRule", "PutTargets", "PutRule", "PutTargets",
                  "Subscribe"));
  const json::object& fn = Body(s, "CreateFunction");
  EXPECT_EQ(fn.at("FunctionName"), "Worker");
  EXPECT_EQ(fn.at("Timeout"), 30);
  EXPECT_EQ(fn.at("MemorySize"), 256);
  EXPECT_TRUE(fn.at("Code").as_object().contains("ZipFile"));
  EXPECT_EQ(json::serialize(fn.at("Environment")),
            R"({"Variables":{"SHARED":"one","OVERRIDDEN":"own"}})");
  EXPECT_EQ(
      Body(s, "PutFunctionConcurrency").at("ReservedConcurrentExecutions"), 4);
  EXPECT_EQ(json::serialize(Body(s, "PutFunctionEventInvokeConfig")),
            R"({"FunctionName":"Worker","MaximumRetryAttempts":1,)"
            R"("DestinationConfig":{"OnFailure":{"Destination":)"
            R"("arn:aws:sqs:us-east-1:000000000000:Failures"}}})");
  EXPECT_EQ(json::serialize(Body(s, "CreateEventSourceMapping")),
            R"({"EventSourceArn":"arn:aws:sqs:us-east-1:000000000000:Jobs",)"
            R"("FunctionName":"Worker","BatchSize":5})");
  EXPECT_EQ(json::serialize(Body(s, "CreateRoute")),
            R"({"Method":"GET","Path":"/jobs/{id}","FunctionName":"Worker"})");
  EXPECT_EQ(Body(s, "CreateRoute", 1).at("Method"), "POST");
  EXPECT_EQ(
      json::serialize(Body(s, "PutRule")),
      R"j({"Name":"WorkerTick","ScheduleExpression":"rate(5 minutes)"})j");
  EXPECT_EQ(json::serialize(Body(s, "PutTargets")),
            R"({"Rule":"WorkerTick","Targets":[{"Id":"WorkerTickTarget",)"
            R"("Arn":"arn:aws:lambda:us-east-1:000000000000:function:Worker",)"
            R"("Input":"{\"k\": 1}"}]})");
  EXPECT_EQ(Body(s, "PutRule", 1).at("Name"), "noon");
  EXPECT_EQ(json::serialize(Body(s, "Subscribe")),
            R"({"TopicArn":"arn:aws:sns:us-east-1:000000000000:Alerts",)"
            R"("Protocol":"lambda","Endpoint":)"
            R"("arn:aws:lambda:us-east-1:000000000000:function:Worker",)"
            R"("Attributes":{"FilterPolicy":"{\"kind\":[\"a\"]}"}})");
  EXPECT_EQ(s.names.at("function"), std::vector<std::string>{"Worker"});
  EXPECT_EQ(s.names.at("rule"),
            (std::vector<std::string>{"WorkerTick", "noon"}));
}

TEST_F(TemplateTest, EventsFanlabCannotHonourAreErrors) {
  StackResult r = Parse(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  B: {Type: AWS::S3::Bucket}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: code
      DeadLetterQueue: {Type: Kinesis, TargetArn: arn:aws:sqs:us-east-1:0:q}
      Events:
        Stream:
          Type: Kinesis
          Properties: {Stream: arn}
        Http:
          Type: HttpApi
          Properties: {Path: /, Method: GET, PayloadFormatVersion: "3.0"}
        Upload:
          Type: S3
          Properties: {Bucket: !Ref B}
)");
  EXPECT_THAT(Errors(r),
              ElementsAre(HasSubstr("10:7: Resources.Fn.Properties."
                                    "DeadLetterQueue: DeadLetterQueue is "
                                    "{Type: SQS | SNS, TargetArn}"),
                          HasSubstr("13:17: Resources.Fn.Properties.Events."
                                    "Stream.Type: an event of Type Kinesis"),
                          HasSubstr("Http.Properties.PayloadFormatVersion: "
                                    "PayloadFormatVersion is \"1.0\" or "
                                    "\"2.0\""),
                          HasSubstr("Upload.Properties: an event of Type S3 "
                                    "needs its Bucket and Events")));
}

TEST_F(TemplateTest, HttpApiEventsDefaultToPayloadFormatTwo) {
  Stack s = Ok(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: code
      Events:
        V2: {Type: HttpApi, Properties: {Path: /v2, Method: GET}}
        V1: {Type: HttpApi, Properties: {Path: /v1, Method: GET, PayloadFormatVersion: "1.0"}}
        Rest: {Type: Api, Properties: {Path: /rest, Method: GET}}
)");
  EXPECT_EQ(Body(s, "CreateRoute", 0).at("PayloadFormatVersion"), "2.0");
  EXPECT_EQ(Body(s, "CreateRoute", 1).at("PayloadFormatVersion"), "1.0");
  EXPECT_FALSE(Body(s, "CreateRoute", 2).contains("PayloadFormatVersion"));
}

TEST_F(TemplateTest, S3EventsAndBucketNotificationsBecomeOneCallPerBucket) {
  Stack s = Ok(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        QueueConfigurations:
          - Event: s3:ObjectRemoved:*
            Queue: !GetAtt Removed.Arn
        TopicConfigurations:
          - {Event: "s3:ObjectCreated:Copy", Topic: !Ref Copies}
  Removed: {Type: AWS::SQS::Queue}
  Copies: {Type: AWS::SNS::Topic}
  Thumbs:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: code
      Events:
        Jpg:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: prefix, Value: in/}, {Name: Suffix, Value: .jpg}]}}
)");
  EXPECT_EQ(Actions(s).back(), "PutBucketNotificationConfiguration");
  EXPECT_EQ(
      json::serialize(Body(s, "PutBucketNotificationConfiguration")),
      R"({"Bucket":"uploads","NotificationConfiguration":{)"
      R"("QueueConfigurations":[{"QueueArn":)"
      R"("arn:aws:sqs:us-east-1:000000000000:Removed",)"
      R"("Events":["s3:ObjectRemoved:*"]}],)"
      R"("TopicConfigurations":[{"TopicArn":)"
      R"("arn:aws:sns:us-east-1:000000000000:Copies",)"
      R"("Events":["s3:ObjectCreated:Copy"]}],)"
      R"("LambdaFunctionConfigurations":[{"LambdaFunctionArn":)"
      R"("arn:aws:lambda:us-east-1:000000000000:function:Thumbs",)"
      R"("Events":["s3:ObjectCreated:*"],"Id":"ThumbsJpg",)"
      R"("Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"in/"},)"
      R"({"Name":"suffix","Value":".jpg"}]}}}]}})");
}

TEST_F(TemplateTest, DeadLetterTargetsBecomeDeadLetterConfig) {
  Stack s = Ok(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Dead: {Type: AWS::SQS::Queue}
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: code
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dead.Arn}
  Cfn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: code
      DeadLetterConfig: {TargetArn: arn:aws:sns:us-east-1:000000000000:t}
)");
  EXPECT_EQ(
      json::serialize(Body(s, "CreateFunction", 0).at("DeadLetterConfig")),
      R"({"TargetArn":"arn:aws:sqs:us-east-1:000000000000:Dead"})");
  EXPECT_EQ(
      json::serialize(Body(s, "CreateFunction", 1).at("DeadLetterConfig")),
      R"({"TargetArn":"arn:aws:sns:us-east-1:000000000000:t"})");
}

TEST_F(TemplateTest, EachPlainResourceType) {
  Stack s = Ok(R"(Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: {QueueName: jobs.fifo, FifoQueue: true, ContentBasedDeduplication: true}
  T:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: news
      Subscription: [{Protocol: sqs, Endpoint: !GetAtt Q.Arn}]
  S:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref T, Protocol: email, Endpoint: a@example.com, FilterPolicy: {x: [1]}}
  B:
    Type: AWS::S3::Bucket
  Tbl:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: runs
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Simple:
    Type: AWS::Serverless::SimpleTable
  R:
    Type: AWS::Events::Rule
    Properties:
      ScheduleExpression: rate(1 minute)
      Targets: [{Id: q, Arn: !GetAtt Q.Arn, SqsParameters: {MessageGroupId: g}}]
  F:
    Type: AWS::Lambda::Function
    Properties: {Runtime: provided.al2023, Handler: x, Code: code, Timeout: 5}
  M:
    Type: AWS::Lambda::EventSourceMapping
    Properties: {EventSourceArn: !GetAtt Q.Arn, FunctionName: !Ref F, Enabled: false}
  C:
    Type: AWS::Lambda::EventInvokeConfig
    Properties: {FunctionName: !Ref F, Qualifier: $LATEST, MaximumEventAgeInSeconds: 60}
)");
  EXPECT_THAT(
      Actions(s),
      ElementsAre("CreateQueue", "CreateTopic", "Subscribe", "Subscribe",
                  "CreateBucket", "CreateTable", "CreateTable", "PutRule",
                  "PutTargets", "CreateFunction", "CreateEventSourceMapping",
                  "PutFunctionEventInvokeConfig"));
  EXPECT_EQ(json::serialize(Body(s, "CreateQueue")),
            R"({"QueueName":"jobs.fifo","Attributes":{)"
            R"("ContentBasedDeduplication":"true","FifoQueue":"true"}})");
  EXPECT_EQ(Body(s, "Subscribe", 1).at("Attributes").at("FilterPolicy"),
            R"({"x":[1]})");
  EXPECT_EQ(Body(s, "CreateBucket").at("Bucket"), "b");
  EXPECT_EQ(Body(s, "CreateTable").at("BillingMode"), "PAY_PER_REQUEST");
  EXPECT_EQ(json::serialize(Body(s, "CreateTable", 1).at("KeySchema")),
            R"([{"AttributeName":"id","KeyType":"HASH"}])");
  EXPECT_EQ(Body(s, "PutRule").at("Name"), "R");
  EXPECT_EQ(Body(s, "CreateEventSourceMapping").at("FunctionName"), "F");
  EXPECT_EQ(Body(s, "CreateEventSourceMapping").at("Enabled"), false);
  EXPECT_EQ(
      Body(s, "PutFunctionEventInvokeConfig").at("MaximumEventAgeInSeconds"),
      60);
}

TEST_F(TemplateTest, FindInMapOfAMissingKeyIsAnError) {
  StackResult r = Parse(R"(Mappings:
  M: {a: {b: 1}}
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties: {DelaySeconds: !FindInMap [M, a, c]}
)");
  EXPECT_THAT(Errors(r), ElementsAre(HasSubstr("no Mappings.M.a.c")));
}

TEST_F(TemplateTest, OutputsAreEvaluated) {
  Stack s = Ok(R"(Resources:
  Q: {Type: AWS::SQS::Queue}
Outputs:
  Url: {Value: !GetAtt Q.QueueUrl}
  Api: {Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/"}
)");
  EXPECT_THAT(
      s.outputs,
      ElementsAre(std::pair<std::string, std::string>{"Url", "${queue_url:Q}"},
                  std::pair<std::string, std::string>{
                      "Api",
                      "https://fanlab000.execute-api.us-east-1."
                      "amazonaws.com/Prod/"}));
}

TEST_F(TemplateTest, NestingIsBounded) {
  std::string deep = "x";
  for (int i = 0; i < kMaxDepth + 1; ++i) deep = "[" + deep + "]";
  StackResult r = Parse(
      "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
      "    Metadata: {}\n    Properties:\n"
      "      Tags: " +
      deep + "\n");
  EXPECT_THAT(Errors(r), ElementsAre(HasSubstr("nested more than 64 deep")));
}

// What `sam init` writes for a Python hello world, as it is: generated
// role, monitoring resources and Outputs included.
TEST_F(TemplateTest, SamInitHelloWorldLoadsWithNotesOnly) {
  Stack s = Ok(R"y(AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  sam-app

Globals:
  Function:
    Timeout: 3
    MemorySize: 128
    LoggingConfig:
      LogFormat: JSON
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: app.lambda_handler
      Runtime: python3.13
      Architectures:
      - x86_64
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get
  ApplicationResourceGroup:
    Type: AWS::ResourceGroups::Group
    Properties:
      Name:
        Fn::Sub: ApplicationInsights-SAM-${AWS::StackName}
      ResourceQuery:
        Type: CLOUDFORMATION_STACK_1_0
  ApplicationInsightsMonitoring:
    Type: AWS::ApplicationInsights::Application
    Properties:
      ResourceGroupName:
        Ref: ApplicationResourceGroup
      AutoConfigurationEnabled: 'true'
Outputs:
  HelloWorldApi:
    Description: API Gateway endpoint URL for Prod stage for Hello World function
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
  HelloWorldFunction:
    Value: !GetAtt HelloWorldFunction.Arn
  HelloWorldFunctionIamRole:
    Value: !GetAtt HelloWorldFunctionRole.Arn
)y");
  EXPECT_THAT(Actions(s), ElementsAre("CreateFunction", "CreateRoute"));
  EXPECT_THAT(s.warnings, SizeIs(4));  // logging, architectures, 2 monitoring
  ASSERT_THAT(s.outputs, SizeIs(3));
  EXPECT_EQ(s.outputs[2].second,
            "arn:aws:iam::000000000000:role/HelloWorldFunctionRole");
}

TEST_F(TemplateTest, AMistakeInGlobalsIsReportedOnce) {
  StackResult r = Parse(R"(Globals:
  Function:
    Timeout: !Ref Missing
Resources:
  A: {Type: AWS::Serverless::Function, Properties: {Runtime: python3.12, Handler: a.h, CodeUri: code}}
  B: {Type: AWS::Serverless::Function, Properties: {Runtime: python3.12, Handler: a.h, CodeUri: code}}
)");
  EXPECT_THAT(Errors(r), ElementsAre("3:14: Globals.Function.Timeout: "
                                     "\"Missing\" is neither a parameter nor "
                                     "a resource of this template"));
}

TEST_F(TemplateTest, AnEventWithoutItsSourceIsAnError) {
  StackResult r = Parse(R"(Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: code
      Events:
        Q: {Type: SQS, Properties: {BatchSize: 1}}
        T: {Type: SNS}
        I: {Type: Schedule, Properties: {Schedule: !If [Nope, a, b]}}
)");
  EXPECT_THAT(
      Errors(r),
      ElementsAre(
          "11:57: Resources.Fn.Properties.Events.I.Properties.Schedule[0]: "
          "no condition named \"Nope\" in Conditions",
          "9:36: Resources.Fn.Properties.Events.Q.Properties: an event of "
          "Type SQS needs its Queue",
          "10:12: Resources.Fn.Properties.Events.T.Properties: an event of "
          "Type SNS needs its Topic"));
}

TEST(ParameterOverrides, KeyValueWordsAndSamsForm) {
  std::string error;
  auto p = ParseParameterOverrides(
      {"A=1 B=x=y", "ParameterKey=C,ParameterValue=3"}, &error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(*p, (std::map<std::string, std::string>{
                    {"A", "1"}, {"B", "x=y"}, {"C", "3"}}));
  EXPECT_FALSE(ParseParameterOverrides({"novalue"}, &error));
  EXPECT_EQ(error, "\"novalue\" is not KEY=VALUE");
}

}  // namespace
}  // namespace fanlab::stack
