// A SAM or CloudFormation template, read into the actions that create its
// resources: the same CreateQueue, CreateFunction, CreateEventSourceMapping,
// Subscribe, PutRule, CreateRoute, ... a user's SDK would call, in
// dependency order. Nothing here touches an engine: stack/deploy.h
// dispatches the calls (`fanlab up`), and a scenario's `stack:` key adds
// them to its setup. docs/templates.md is the user's view.
//
// What is read:
//   Parameters (Default, AllowedValues, String / Number /
//     CommaDelimitedList / List<Number>), overridden by
//     TemplateOptions::parameters;
//   Conditions (Fn::Equals, Fn::And, Fn::Or, Fn::Not, Condition);
//   Mappings (Fn::FindInMap); Globals (Function, Api, HttpApi,
//     SimpleTable); Outputs (evaluated, for `fanlab up` to print);
//   the intrinsics Ref, Fn::GetAtt, Fn::Sub (both forms), Fn::Join,
//     Fn::If, Fn::Select, Fn::Split, Fn::FindInMap, Fn::Base64, in the
//     YAML tag form (!Ref, !GetAtt a.b, !Sub) and the JSON form;
//   the pseudo parameters AWS::Region, AWS::AccountId, AWS::StackName,
//     AWS::StackId, AWS::Partition, AWS::URLSuffix, AWS::NoValue.
//
// Physical names: a name property (QueueName, FunctionName, TableName,
// TopicName, BucketName, Name) wins; otherwise the logical id, as
// `sam local` names functions (a bucket's is lowercased, a FIFO queue's
// gains ".fifo"). Names are stable from run to run, so a scenario can
// refer to them.
//
// Values only the running engine knows are placeholders the caller
// resolves when dispatching: ${queue_url:NAME} (a queue's Ref and
// QueueUrl) and ${http} (the HTTP front's base URL, in route URLs), the
// placeholders scenarios already use.
//
// Errors: every problem found, each with file:line:column and the path of
// the part at fault ("Resources.Worker.Properties.Timeout"). A resource
// type, property or event fanlab cannot honour is an error, or a warning
// with TemplateOptions::allow_unknown (the part is then left out). IAM
// resources, policies and roles are accepted and left out with a note
// (in `warnings`).
#ifndef FANLAB_STACK_TEMPLATE_H_
#define FANLAB_STACK_TEMPLATE_H_

#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/account.h"
#include "harness/diagnostic.h"

namespace fanlab::stack {

using harness::Diagnostic;
using harness::Diagnostics;
using harness::Mark;

// The largest template read, and how deep intrinsics may nest: they bound
// the work one template costs.
inline constexpr size_t kMaxTemplateBytes = 1 << 20;  // CloudFormation's 1 MB
inline constexpr int kMaxDepth = 64;

struct TemplateOptions {
  std::string stack_name = "fanlab";  // AWS::StackName
  Account account;                    // AWS::Region, AWS::AccountId, ARNs
  // Parameter values, overriding the template's defaults.
  std::map<std::string, std::string> parameters;
  // Parts fanlab cannot honour become warnings (and are left out).
  bool allow_unknown = false;
};

// One action to dispatch, and the part of the template it comes from.
struct StackCall {
  std::string action;  // "CreateQueue"
  boost::json::object body;
  Mark mark;
  std::string path;  // "Resources.Jobs"
};

// A resource as `fanlab up` lists it.
struct StackResource {
  std::string logical_id;
  std::string type;  // "AWS::SQS::Queue"
  std::string name;  // the physical name; "" for resources without one
  std::string arn;   // "" when it has none
  // What to reach it by: a queue's URL, a route's URL ("GET
  // ${http}/path"), with placeholders; "" when nothing.
  std::string url;
};

struct Stack {
  std::string file;
  std::string stack_name;
  std::vector<StackCall> calls;  // in dependency order
  std::vector<StackResource> resources;
  // Outputs in file order: name and value (strings may hold placeholders).
  std::vector<std::pair<std::string, std::string>> outputs;
  // Notes (ignored IAM parts) and, with allow_unknown, what was left out.
  Diagnostics warnings;
  // The physical names of what was created, by kind ("queue", "function",
  // "topic", "bucket", "table", "rule").
  std::map<std::string, std::vector<std::string>> names;
};

// A stack, or every problem found in the template.
struct StackResult {
  std::optional<Stack> stack;
  Diagnostics errors;
};

StackResult LoadTemplate(const std::string& path,
                         const TemplateOptions& options);
// `text` as if read from `file` (CodeUri and the like resolve against its
// directory, or the current one when it has none).
StackResult ParseTemplate(const std::string& text, const std::string& file,
                          const TemplateOptions& options);

// "K=V" words (`--parameter-overrides Stage=dev Size=3`; a word may also
// hold several, "A=1 B=2", and SAM's "ParameterKey=K,ParameterValue=V").
// nullopt, with `error` naming the word that is neither.
std::optional<std::map<std::string, std::string>> ParseParameterOverrides(
    const std::vector<std::string>& words, std::string* error);

}  // namespace fanlab::stack

#endif  // FANLAB_STACK_TEMPLATE_H_
