// Lambda's actions over the one dispatcher: the request and response
// shapes of the Lambda API (FunctionName, Timeout, MemorySize,
// Environment.Variables, ...), plus fanlab's Code.Command (the argv) and
// Mode (cold | warm). docs/protocol.md lists them.
//
// The code, as CreateFunction's Code and UpdateFunctionCode's body give
// it: ZipFile (a zip in base64), S3Bucket + S3Key (a zip in fanlab's own
// buckets), both unpacked by the function service's code package store,
// or fanlab's Directory (an existing absolute folder, used in place).
//
// Invoke carries the payload as a JSON string holding the payload's text
// (as the AWS CLI's --payload), or as an embedded JSON value; the answer's
// Payload is always the text.
#include <boost/json.hpp>
#include <filesystem>
#include <optional>

#include "emulator/api/errors.h"
#include "emulator/api/handlers.h"
#include "emulator/api/json_fields.h"
#include "emulator/compute/event_source_mappings.h"
#include "emulator/compute/function_service.h"
#include "emulator/compute/lambda_errors.h"
#include "emulator/core/arn.h"
#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using compute::FunctionConfig;
using compute::FunctionService;

// A missing field is InvalidParameterValueException, as Lambda words it.
constexpr MissingField kMissing =
    MustContainParameter<lambda::kInvalidParameterValueException>;

// Lambda's limit on a CreateFunction or UpdateFunctionCode request (the
// 50 MB zip in base64, and the rest of the request).
constexpr size_t kMaxCodeRequestBytes = 69'905'067;

Status CodeRequestTooLarge(std::string_view body, std::string_view operation) {
  if (body.size() <= kMaxCodeRequestBytes) return Status::Ok();
  return Status(lambda::kRequestEntityTooLargeException,
                "Request must be smaller than " +
                    std::to_string(kMaxCodeRequestBytes) + " bytes for the " +
                    std::string(operation) + " operation");
}

// Where a function's code comes from, as a request names it.
struct CodeRequest {
  std::optional<std::string> zip;  // ZipFile, decoded
  std::string s3_bucket, s3_key, s3_version;
  std::string directory;  // fanlab's Directory
  bool given() const {
    return zip || !s3_bucket.empty() || !s3_key.empty() || !directory.empty();
  }
};

// Reads ZipFile, S3Bucket, S3Key, S3ObjectVersion and Directory from `r`
// (CreateFunction's Code, UpdateFunctionCode's body).
void ReadCodeSource(FieldReader& r, CodeRequest& code) {
  r.ReadBase64("ZipFile", code.zip);
  r.Read("S3Bucket", code.s3_bucket);
  r.Read("S3Key", code.s3_key);
  r.Read("S3ObjectVersion", code.s3_version);
  r.Read("Directory", code.directory);
}

Status InvalidCode(std::string message) {
  return Status(lambda::kInvalidParameterValueException, std::move(message));
}

// The zip S3Bucket/S3Key name, read from the engine's buckets, with the
// error Lambda gives when it cannot get it.
Result<std::string> ReadS3Code(const services::BucketService* buckets,
                               const CodeRequest& code) {
  if (code.s3_bucket.empty() || code.s3_key.empty()) {
    return InvalidCode("S3Bucket and S3Key must both be given for code in S3.");
  }
  if (!code.s3_version.empty()) {
    return InvalidCode(
        "S3ObjectVersion is not supported: fanlab's buckets keep one "
        "version of an object.");
  }
  if (buckets == nullptr) {
    return InvalidCode("This engine serves no buckets to read code from.");
  }
  auto object =
      buckets->GetObject({.bucket = code.s3_bucket, .key = code.s3_key});
  if (object.ok()) return std::move(object->body);
  std::string s3_code = "NoSuchKey";
  std::string s3_message = "The specified key does not exist.";
  if (object.status().code() == s3::kNoSuchBucket) {
    s3_code = "NoSuchBucket";
    s3_message = "The specified bucket does not exist";
  } else if (object.status().code() != s3::kNoSuchKey) {
    s3_code = std::string(object.status().name());
    s3_message = object.status().message();
  }
  return InvalidCode("Error occurred while GetObject. S3 Error Code: " +
                     s3_code + ". S3 Error Message: " + s3_message);
}

// Puts the code `code` names into `c` (code_dir, code_sha256, code_size),
// unpacking a zip. Nothing given leaves `c` as it is.
Status ApplyCode(CallContext& ctx, const CodeRequest& code,
                 std::string_view operation, FunctionConfig& c) {
  int sources = (code.zip ? 1 : 0) +
                (!code.s3_bucket.empty() || !code.s3_key.empty() ? 1 : 0) +
                (!code.directory.empty() ? 1 : 0);
  if (sources == 0) return Status::Ok();
  if (sources > 1) {
    return InvalidCode(
        "Please provide only one source of code: ZipFile, S3Bucket and "
        "S3Key, or Directory.");
  }
  if (!code.directory.empty()) {
    std::filesystem::path dir(code.directory);
    std::error_code ec;
    if (!dir.is_absolute() || !std::filesystem::is_directory(dir, ec)) {
      return InvalidCode("Code.Directory '" + code.directory +
                         "' must be the absolute path of an existing "
                         "directory.");
    }
    c.code_dir = dir.lexically_normal().string();
    c.code_sha256.clear();
    c.code_size = 0;
    return Status::Ok();
  }
  std::string zip;
  compute::CodeSource source = compute::CodeSource::kZipFile;
  if (code.zip) {
    zip = *code.zip;
  } else {
    auto read = ReadS3Code(ctx.services.buckets, code);
    if (!read.ok()) return read.status();
    zip = std::move(*read);
    source = compute::CodeSource::kS3Object;
  }
  auto package = ctx.services.functions->UnpackCode(zip, source, operation);
  if (!package.ok()) return package.status();
  c.code_dir = package->directory;
  c.code_sha256 = package->code_sha256;
  c.code_size = package->code_size;
  return Status::Ok();
}

// Reads the configuration fields present over `c` (so an update changes
// only what it names); `code`, when given, receives Code's source.
void ReadConfig(FieldReader& r, FunctionConfig& c,
                CodeRequest* code_source = nullptr) {
  r.Require("FunctionName", c.name);
  r.Read("Timeout", c.timeout_seconds);
  r.Read("MemorySize", c.memory_mb);
  bool had_runtime = !c.runtime.empty();
  r.Read("Runtime", c.runtime);
  r.Read("Handler", c.handler);
  std::string mode;
  r.Read("Mode", mode);
  // A function on a Lambda runtime keeps its environments between
  // invocations, as Lambda does, unless Mode says otherwise.
  if (mode.empty() && !had_runtime && !c.runtime.empty()) {
    c.mode = compute::Mode::kWarm;
  }
  if (mode == "warm") {
    c.mode = compute::Mode::kWarm;
  } else if (mode == "cold") {
    c.mode = compute::Mode::kCold;
  } else if (!mode.empty()) {
    r.Fail(Status(lambda::kInvalidParameterValueException,
                  "Mode '" + mode + "' must be cold or warm."));
  }
  if (std::optional<FieldReader> code_fields = r.Object("Code")) {
    FieldReader* code = &*code_fields;
    code->Read("Command", c.command);
    code->Read("WorkingDirectory", c.working_dir);
    if (code_source != nullptr) ReadCodeSource(*code, *code_source);
  }
  if (std::optional<FieldReader> env = r.Object("Environment")) {
    env->Read("Variables", c.env);
  }
  if (std::optional<FieldReader> dlq = r.Object("DeadLetterConfig")) {
    std::string arn;
    dlq->Read("TargetArn", arn);
    std::optional<Arn> parsed = ParseArn(arn);
    if (!arn.empty() &&
        (!parsed || (parsed->service != "sqs" && parsed->service != "sns"))) {
      r.Fail(Status(lambda::kInvalidParameterValueException,
                    "DeadLetterConfig.TargetArn '" + arn +
                        "' must be an SQS queue or SNS topic ARN."));
    }
    c.dead_letter_target_arn = arn;  // "" removes it, as Lambda does
  }
}

void WriteConfig(JsonWriter& w, const FunctionConfig& c,
                 const Account& account) {
  w.BeginObject()
      .Key("FunctionName")
      .String(c.name)
      .Key("FunctionArn")
      .String(FunctionArn(account, c.name))
      .Key("Runtime")
      .String(c.runtime.empty() ? "provided.fanlab" : c.runtime)
      .Key("Timeout")
      .Int(c.timeout_seconds)
      .Key("MemorySize")
      .Int(c.memory_mb)
      .Key("Version")
      .String("$LATEST")
      .Key("State")
      .String("Active")
      .Key("Mode")
      .String(c.mode == compute::Mode::kWarm ? "warm" : "cold");
  if (!c.handler.empty()) w.Key("Handler").String(c.handler);
  if (!c.code_sha256.empty()) w.Key("CodeSha256").String(c.code_sha256);
  w.Key("CodeSize").Int(c.code_size);
  w.Key("PackageType").String("Zip");
  if (!c.dead_letter_target_arn.empty()) {
    w.Key("DeadLetterConfig").BeginObject();
    w.Key("TargetArn").String(c.dead_letter_target_arn).EndObject();
  }
  w.Key("Environment").BeginObject().Key("Variables").BeginObject();
  for (const auto& [k, v] : c.env) w.Key(k).String(v);
  w.EndObject().EndObject();
  w.EndObject();
}

std::string ConfigBody(const FunctionConfig& c, const Account& account) {
  JsonWriter w;
  WriteConfig(w, c, account);
  return w.Take();
}

// Wraps a handler that needs the function service (the dispatcher routes
// here only when it is set: Services::Serves).
Handler WithFunctions(
    std::function<void(FunctionService&, std::string_view, ApiCallback&)> f) {
  return [f](CallContext& c, std::string_view body, ApiCallback& done) {
    f(*c.services.functions, body, done);
  };
}

void CreateFunction(CallContext& ctx, std::string_view body,
                    ApiCallback& done) {
  FunctionService& fs = *ctx.services.functions;
  if (Status s = CodeRequestTooLarge(body, "CreateFunction"); !s.ok()) {
    return done(LambdaError(s));
  }
  FunctionConfig c;
  CodeRequest code;
  Status read = ReadJsonBody(body, kMissing,
                             [&](FieldReader& r) { ReadConfig(r, c, &code); });
  if (!read.ok()) return done(LambdaError(read));
  // A name taken is refused before any unpacking.
  if (fs.GetFunction(c.name).ok()) {
    return done(LambdaError(Status(lambda::kResourceConflictException,
                                   "Function already exist: " + c.name)));
  }
  if (Status s = ApplyCode(ctx, code, "CreateFunction", c); !s.ok()) {
    return done(LambdaError(s));
  }
  auto created = fs.CreateFunction(std::move(c));
  if (!created.ok()) return done(LambdaError(created.status()));
  done(Ok(ConfigBody(*created, fs.account())));
}

// Reads FunctionName alone.
Result<std::string> NameOnly(std::string_view body) {
  std::string name;
  Status read = ReadJsonBody(
      body, kMissing, [&](FieldReader& r) { r.Require("FunctionName", name); });
  if (!read.ok()) return read;
  return name;
}

void GetFunction(FunctionService& fs, std::string_view body,
                 ApiCallback& done) {
  auto name = NameOnly(body);
  if (!name.ok()) return done(LambdaError(name.status()));
  auto c = fs.GetFunction(*name);
  if (!c.ok()) return done(LambdaError(c.status()));
  JsonWriter w;
  w.BeginObject().Key("Configuration");
  WriteConfig(w, *c, fs.account());
  w.Key("Code").BeginObject();
  if (!c->code_dir.empty()) {
    // Lambda's Location is a URL to download the zip; fanlab keeps the
    // unpacked code only, and points at it.
    w.Key("RepositoryType").String("S3");
    w.Key("Location").String("file://" + c->code_dir);
  }
  if (!c->command.empty()) {
    w.Key("Command").BeginArray();
    for (const auto& arg : c->command) w.String(arg);
    w.EndArray();
  }
  if (!c->working_dir.empty()) w.Key("WorkingDirectory").String(c->working_dir);
  w.EndObject();
  if (c->reserved_concurrency) {
    w.Key("Concurrency")
        .BeginObject()
        .Key("ReservedConcurrentExecutions")
        .Int(*c->reserved_concurrency)
        .EndObject();
  }
  w.EndObject();
  done(Ok(w.Take()));
}

void ListFunctions(FunctionService& fs, std::string_view body,
                   ApiCallback& done) {
  Status read = ReadJsonBody(body, kMissing, [](FieldReader&) {});
  if (!read.ok()) return done(LambdaError(read));
  JsonWriter w;
  w.BeginObject().Key("Functions").BeginArray();
  for (const auto& c : fs.ListFunctions()) WriteConfig(w, c, fs.account());
  w.EndArray().EndObject();
  done(Ok(w.Take()));
}

void DeleteFunction(FunctionService& fs, std::string_view body,
                    ApiCallback& done) {
  auto name = NameOnly(body);
  if (!name.ok()) return done(LambdaError(name.status()));
  Status s = fs.DeleteFunction(*name);
  done(s.ok() ? Ok("{}") : LambdaError(s));
}

void UpdateFunctionConfiguration(FunctionService& fs, std::string_view body,
                                 ApiCallback& done) {
  auto name = NameOnly(body);
  if (!name.ok()) return done(LambdaError(name.status()));
  auto current = fs.GetFunction(*name);
  if (!current.ok()) return done(LambdaError(current.status()));
  FunctionConfig c = *current;
  Status read =
      ReadJsonBody(body, kMissing, [&](FieldReader& r) { ReadConfig(r, c); });
  if (!read.ok()) return done(LambdaError(read));
  auto updated = fs.UpdateFunctionConfiguration(std::move(c));
  if (!updated.ok()) return done(LambdaError(updated.status()));
  done(Ok(ConfigBody(*updated, fs.account())));
}

// The code replaced; the live environments retire, so the next invocation
// runs the new code. DryRun checks (and unpacks) without replacing.
void UpdateFunctionCode(CallContext& ctx, std::string_view body,
                        ApiCallback& done) {
  FunctionService& fs = *ctx.services.functions;
  if (Status s = CodeRequestTooLarge(body, "UpdateFunctionCode"); !s.ok()) {
    return done(LambdaError(s));
  }
  std::string name;
  CodeRequest code;
  bool dry_run = false;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("FunctionName", name);
    ReadCodeSource(r, code);
    r.Read("DryRun", dry_run);
  });
  if (!read.ok()) return done(LambdaError(read));
  auto current = fs.GetFunction(name);
  if (!current.ok()) return done(LambdaError(current.status()));
  if (!code.given()) {
    return done(LambdaError(InvalidCode(
        "Please provide a source for function code: ZipFile, S3Bucket and "
        "S3Key, or Directory.")));
  }
  FunctionConfig c = *current;
  if (Status s = ApplyCode(ctx, code, "UpdateFunctionCode", c); !s.ok()) {
    return done(LambdaError(s));
  }
  if (dry_run) return done(Ok(ConfigBody(c, fs.account())));
  auto updated = fs.UpdateFunctionConfiguration(std::move(c));
  if (!updated.ok()) return done(LambdaError(updated.status()));
  done(Ok(ConfigBody(*updated, fs.account())));
}

void PutFunctionConcurrency(FunctionService& fs, std::string_view body,
                            ApiCallback& done) {
  std::string name;
  std::optional<int64_t> reserved;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("FunctionName", name);
    r.Require("ReservedConcurrentExecutions", reserved);
  });
  if (!read.ok()) return done(LambdaError(read));
  Status s = fs.PutFunctionConcurrency(name, reserved);
  if (!s.ok()) return done(LambdaError(s));
  JsonWriter w;
  w.BeginObject()
      .Key("ReservedConcurrentExecutions")
      .Int(*reserved)
      .EndObject();
  done(Ok(w.Take()));
}

void DeleteFunctionConcurrency(FunctionService& fs, std::string_view body,
                               ApiCallback& done) {
  auto name = NameOnly(body);
  if (!name.ok()) return done(LambdaError(name.status()));
  Status s = fs.PutFunctionConcurrency(*name, std::nullopt);
  done(s.ok() ? Ok("{}") : LambdaError(s));
}

std::string InvokeBody(const compute::InvokeResult& r, bool tail) {
  JsonWriter w;
  w.BeginObject().Key("StatusCode").Int(r.status_code);
  if (r.function_error) w.Key("FunctionError").String(*r.function_error);
  if (tail) w.Key("LogResult").String(Base64Encode(r.log_tail));
  w.Key("ExecutedVersion").String("$LATEST");
  w.Key("Payload").String(r.payload);
  w.EndObject();
  return w.Take();
}

void Invoke(FunctionService& fs, std::string_view body, ApiCallback& done) {
  std::string name, type = "RequestResponse", log_type = "None", payload;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("FunctionName", name);
    r.Read("InvocationType", type);
    r.Read("LogType", log_type);
    if (const json::value* p = r.Get("Payload")) {
      payload =
          p->is_string() ? std::string(p->get_string()) : json::serialize(*p);
    }
  });
  if (!read.ok()) return done(LambdaError(read));
  if (payload.empty()) payload = "{}";
  if (log_type != "None" && log_type != "Tail") {
    return done(LambdaError(
        Status(lambda::kInvalidParameterValueException,
               "LogType '" + log_type + "' must be None or Tail.")));
  }
  bool tail = log_type == "Tail";
  if (type == "DryRun") {
    auto r = fs.DryRun(name, payload);
    return done(r.ok() ? Ok(InvokeBody(*r, false)) : LambdaError(r.status()));
  }
  if (type == "Event") {
    auto id = fs.InvokeEvent(name, std::move(payload));
    if (!id.ok()) return done(LambdaError(id.status()));
    JsonWriter w;
    w.BeginObject()
        .Key("StatusCode")
        .Int(202)
        .Key("RequestId")
        .String(*id)
        .Key("Payload")
        .String("")
        .EndObject();
    return done(Ok(w.Take()));
  }
  if (type != "RequestResponse") {
    return done(
        LambdaError(Status(lambda::kInvalidParameterValueException,
                           "InvocationType '" + type +
                               "' must be RequestResponse, Event or DryRun.")));
  }
  fs.Invoke(name, std::move(payload),
            [done = std::move(done), tail](Result<compute::InvokeResult> r) {
              done(r.ok() ? Ok(InvokeBody(*r, tail)) : LambdaError(r.status()));
            });
}

// ------------------------------------------------- event invoke config

std::string EventConfigBody(const std::string& name,
                            const compute::EventInvokeConfig& c,
                            const Account& account) {
  JsonWriter w;
  w.BeginObject()
      .Key("FunctionArn")
      .String(FunctionArn(account, name) + ":$LATEST")
      .Key("MaximumRetryAttempts")
      .Int(c.maximum_retry_attempts)
      .Key("MaximumEventAgeInSeconds")
      .Int(c.maximum_event_age_seconds)
      .Key("DestinationConfig")
      .BeginObject();
  if (!c.on_success.empty()) {
    w.Key("OnSuccess").BeginObject().Key("Destination").String(c.on_success);
    w.EndObject();
  }
  if (!c.on_failure.empty()) {
    w.Key("OnFailure").BeginObject().Key("Destination").String(c.on_failure);
    w.EndObject();
  }
  w.EndObject().EndObject();
  return w.Take();
}

void PutEventInvokeConfig(FunctionService& fs, std::string_view body,
                          ApiCallback& done) {
  std::string name;
  compute::EventInvokeConfig c;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("FunctionName", name);
    r.Read("MaximumRetryAttempts", c.maximum_retry_attempts);
    r.Read("MaximumEventAgeInSeconds", c.maximum_event_age_seconds);
    std::optional<FieldReader> dc = r.Object("DestinationConfig");
    if (!dc) return;
    for (auto [key, out] :
         {std::pair<const char*, std::string*>{"OnSuccess", &c.on_success},
          {"OnFailure", &c.on_failure}}) {
      if (std::optional<FieldReader> d = dc->Object(key)) {
        d->Read("Destination", *out);
      }
      if (r.ok() && !out->empty() && !out->starts_with("arn:aws:sqs:") &&
          !out->starts_with("arn:aws:sns:")) {
        return r.Fail(Status(lambda::kInvalidParameterValueException,
                             "Destination " + *out +
                                 " must be a queue or topic ARN "
                                 "(arn:aws:sqs:... or arn:aws:sns:...)."));
      }
    }
  });
  if (!read.ok()) return done(LambdaError(read));
  Status s = fs.PutEventInvokeConfig(name, c);
  done(s.ok() ? Ok(EventConfigBody(name, c, fs.account())) : LambdaError(s));
}

void GetEventInvokeConfig(FunctionService& fs, std::string_view body,
                          ApiCallback& done) {
  auto name = NameOnly(body);
  if (!name.ok()) return done(LambdaError(name.status()));
  auto c = fs.GetEventInvokeConfig(*name);
  done(c.ok() ? Ok(EventConfigBody(*name, *c, fs.account()))
              : LambdaError(c.status()));
}

// ------------------------------------------------- event source mappings

// Reads the mapping fields present over `m`.
void ReadMapping(FieldReader& r, compute::EventSourceMapping& m) {
  r.Read("BatchSize", m.batch_size);
  r.Read("MaximumBatchingWindowInSeconds", m.maximum_batching_window_seconds);
  r.Read("Enabled", m.enabled);
  if (std::optional<FieldReader> sc = r.Object("ScalingConfig")) {
    m.maximum_concurrency.reset();
    sc->Read("MaximumConcurrency", m.maximum_concurrency);
  }
  if (!r.Has("FunctionResponseTypes")) return;
  std::vector<std::string> types;
  r.Read("FunctionResponseTypes", types);
  m.report_batch_item_failures = false;
  for (const std::string& t : types) {
    if (t != "ReportBatchItemFailures") {
      return r.Fail(Status(lambda::kInvalidParameterValueException,
                           "FunctionResponseTypes may only hold "
                           "ReportBatchItemFailures."));
    }
    m.report_batch_item_failures = true;
  }
}

void WriteMapping(JsonWriter& w, const compute::EventSourceMapping& m,
                  const Account& account, const char* state = nullptr) {
  w.BeginObject()
      .Key("UUID")
      .String(m.uuid)
      .Key("EventSourceArn")
      .String(m.event_source_arn)
      .Key("FunctionArn")
      .String(FunctionArn(account, m.function_name))
      .Key("BatchSize")
      .Int(m.batch_size)
      .Key("MaximumBatchingWindowInSeconds")
      .Int(m.maximum_batching_window_seconds);
  if (m.maximum_concurrency) {
    w.Key("ScalingConfig")
        .BeginObject()
        .Key("MaximumConcurrency")
        .Int(*m.maximum_concurrency)
        .EndObject();
  }
  w.Key("FunctionResponseTypes").BeginArray();
  if (m.report_batch_item_failures) w.String("ReportBatchItemFailures");
  w.EndArray()
      .Key("State")
      .String(state != nullptr ? state
              : m.enabled      ? "Enabled"
                               : "Disabled")
      .Key("StateTransitionReason")
      .String(m.state_transition_reason)
      .Key("LastModified")
      .Int(std::chrono::duration_cast<std::chrono::seconds>(
               m.last_modified.time_since_epoch())
               .count())
      .EndObject();
}

std::string MappingBody(const compute::EventSourceMapping& m,
                        const Account& account, const char* state = nullptr) {
  JsonWriter w;
  WriteMapping(w, m, account, state);
  return w.Take();
}

Handler WithMappings(std::function<void(compute::EventSourceMappings&,
                                        std::string_view, ApiCallback&)>
                         f) {
  return [f](CallContext& c, std::string_view body, ApiCallback& done) {
    // Services::Serves(kLambda) asks for functions only: a dispatcher may
    // serve functions without mappings (Dispatcher(sqs, functions)).
    if (c.services.mappings == nullptr) {
      return done(
          LambdaError(Status(common::kUnknownOperationException,
                             "This engine serves no event source mappings.")));
    }
    f(*c.services.mappings, body, done);
  };
}

Result<std::string> UuidOnly(std::string_view body) {
  std::string uuid;
  Status read = ReadJsonBody(body, kMissing,
                             [&](FieldReader& r) { r.Require("UUID", uuid); });
  if (!read.ok()) return read;
  return uuid;
}

void CreateMapping(compute::EventSourceMappings& ms, std::string_view body,
                   ApiCallback& done) {
  compute::EventSourceMapping m;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Require("EventSourceArn", m.event_source_arn);
    r.Require("FunctionName", m.function_name);
    ReadMapping(r, m);
  });
  if (!read.ok()) return done(LambdaError(read));
  auto created = ms.Create(std::move(m));
  done(created.ok() ? Ok(MappingBody(*created, ms.account(), "Creating"))
                    : LambdaError(created.status()));
}

void GetMapping(compute::EventSourceMappings& ms, std::string_view body,
                ApiCallback& done) {
  auto uuid = UuidOnly(body);
  if (!uuid.ok()) return done(LambdaError(uuid.status()));
  auto m = ms.Get(*uuid);
  done(m.ok() ? Ok(MappingBody(*m, ms.account())) : LambdaError(m.status()));
}

void ListMappings(compute::EventSourceMappings& ms, std::string_view body,
                  ApiCallback& done) {
  std::string function, arn;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Read("FunctionName", function);
    r.Read("EventSourceArn", arn);
  });
  if (!read.ok()) return done(LambdaError(read));
  JsonWriter w;
  w.BeginObject().Key("EventSourceMappings").BeginArray();
  for (const auto& m : ms.List(function, arn)) WriteMapping(w, m, ms.account());
  w.EndArray().EndObject();
  done(Ok(w.Take()));
}

void UpdateMapping(compute::EventSourceMappings& ms, std::string_view body,
                   ApiCallback& done) {
  auto uuid = UuidOnly(body);
  if (!uuid.ok()) return done(LambdaError(uuid.status()));
  auto current = ms.Get(*uuid);
  if (!current.ok()) return done(LambdaError(current.status()));
  compute::EventSourceMapping m = *current;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Read("FunctionName", m.function_name);
    ReadMapping(r, m);
  });
  if (!read.ok()) return done(LambdaError(read));
  auto updated = ms.Update(std::move(m));
  done(updated.ok() ? Ok(MappingBody(*updated, ms.account()))
                    : LambdaError(updated.status()));
}

void DeleteMapping(compute::EventSourceMappings& ms, std::string_view body,
                   ApiCallback& done) {
  auto uuid = UuidOnly(body);
  if (!uuid.ok()) return done(LambdaError(uuid.status()));
  auto m = ms.Delete(*uuid);
  done(m.ok() ? Ok(MappingBody(*m, ms.account(), "Deleting"))
              : LambdaError(m.status()));
}

}  // namespace

void AddLambdaActions(Registry& registry) {
  registry.Add(ApiService::kLambda, "CreateFunction", CreateFunction);
  registry.Add(ApiService::kLambda, "UpdateFunctionCode", UpdateFunctionCode);
  registry.Add(ApiService::kLambda, "GetFunction", WithFunctions(GetFunction));
  registry.Add(ApiService::kLambda, "ListFunctions",
               WithFunctions(ListFunctions));
  registry.Add(ApiService::kLambda, "DeleteFunction",
               WithFunctions(DeleteFunction));
  registry.Add(ApiService::kLambda, "UpdateFunctionConfiguration",
               WithFunctions(UpdateFunctionConfiguration));
  registry.Add(ApiService::kLambda, "PutFunctionConcurrency",
               WithFunctions(PutFunctionConcurrency));
  registry.Add(ApiService::kLambda, "DeleteFunctionConcurrency",
               WithFunctions(DeleteFunctionConcurrency));
  registry.Add(ApiService::kLambda, "Invoke", WithFunctions(Invoke));
  registry.Add(ApiService::kLambda, "PutFunctionEventInvokeConfig",
               WithFunctions(PutEventInvokeConfig));
  registry.Add(ApiService::kLambda, "GetFunctionEventInvokeConfig",
               WithFunctions(GetEventInvokeConfig));
  registry.Add(ApiService::kLambda, "CreateEventSourceMapping",
               WithMappings(CreateMapping));
  registry.Add(ApiService::kLambda, "GetEventSourceMapping",
               WithMappings(GetMapping));
  registry.Add(ApiService::kLambda, "ListEventSourceMappings",
               WithMappings(ListMappings));
  registry.Add(ApiService::kLambda, "UpdateEventSourceMapping",
               WithMappings(UpdateMapping));
  registry.Add(ApiService::kLambda, "DeleteEventSourceMapping",
               WithMappings(DeleteMapping));
}

}  // namespace fanlab::api
