// Every error fanlab declares (emulator/api/error_registry.h): found again
// by its name, and put on the wire (ErrorResponse, the query, REST-JSON
// and REST-XML codecs) in the words its kind gives.
#include "emulator/api/error_registry.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "emulator/api/dispatcher.h"
#include "emulator/api/protocol_query.h"
#include "emulator/api/sqs_json.h"
#include "emulator/compute/lambda_errors.h"
#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/services/dynamodb_errors.h"
#include "emulator/services/events_errors.h"
#include "emulator/services/s3_errors.h"
#include "emulator/services/sns_errors.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;

// The service whose actions answer `kind` (the shared ones: SQS's).
ApiService ServiceOf(const ErrorKind& kind) {
  if (kind.service.empty()) return ApiService::kSqs;
  std::optional<ApiService> s = ServiceFromName(kind.service);
  EXPECT_TRUE(s.has_value()) << kind.service;
  return s.value_or(ApiService::kSqs);
}

TEST(ErrorRegistryTest, EveryServiceRegistersItsErrors) {
  std::set<std::string_view> services;
  for (const ErrorKind* kind : AllErrors()) services.insert(kind->service);
  EXPECT_EQ(services,
            (std::set<std::string_view>{"", "sqs", "lambda", "s3", "dynamodb",
                                        "sns", "events"}));
  EXPECT_EQ(AllErrors().size(), 65u)
      << "a new error needs its service's kErrors entry and this count";
}

TEST(ErrorRegistryTest, NamesAreDistinctWithinAService) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  std::set<const ErrorKind*> kinds;
  for (const ErrorKind* kind : AllErrors()) {
    EXPECT_FALSE(kind->name.empty());
    EXPECT_FALSE(kind->query_code.empty()) << kind->name;
    EXPECT_TRUE(seen.insert({kind->service, kind->name}).second)
        << *kind << " is declared twice";
    EXPECT_TRUE(kinds.insert(kind).second) << *kind << " is registered twice";
  }
}

// name -> kind -> wire: every registered error, as its own service
// answers it.
TEST(ErrorRegistryTest, EveryErrorRoundTripsNameKindWire) {
  for (const ErrorKind* kind : AllErrors()) {
    SCOPED_TRACE(testing::Message() << *kind);
    EXPECT_EQ(FindError(kind->name, kind->service), *kind);

    const ApiService service = ServiceOf(*kind);
    ApiResponse r = ErrorResponse(Status(*kind, "why"), service);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.code, *kind);
    EXPECT_EQ(r.http_status, kind->http_status);
    EXPECT_EQ(r.query_error,
              std::string(kind->query_code) +
                  (kind->sender_fault ? ";Sender" : ";Receiver"));
    std::string type(kind->name);
    if (service == ApiService::kSns && !type.ends_with("Exception")) {
      type += "Exception";  // SNS's spelling (InternalErrorException)
    }
    EXPECT_EQ(r.error_type, type);
    json::value body = json::parse(r.body);
    std::string got(body.at("__type").as_string());
    EXPECT_TRUE(got.ends_with("#" + type)) << got;
    EXPECT_EQ(body.at("message"), "why");

    // What the SQS client reads back from the JSON body.
    Status back = ParseError(WriteError(Status(*kind, "m")));
    EXPECT_EQ(back.name(), kind->name);
    EXPECT_EQ(back.message(), "m");
  }
}

// The wire forms each service's clients parse, byte for byte.
TEST(ErrorRegistryTest, WireFormsAreTheServicesOwn) {
  struct Row {
    const ErrorKind& kind;
    std::string_view name;
    std::string_view query_code;
    int http_status;
  };
  const Row rows[] = {
      {sqs::kQueueDoesNotExist, "QueueDoesNotExist",
       "AWS.SimpleQueueService.NonExistentQueue", 400},
      {sqs::kQueueNameExists, "QueueNameExists", "QueueAlreadyExists", 400},
      {sqs::kOverLimit, "OverLimit", "OverLimit", 400},
      {sqs::kEmptyBatchRequest, "EmptyBatchRequest",
       "AWS.SimpleQueueService.EmptyBatchRequest", 400},
      {sqs::kUnsupportedOperation, "UnsupportedOperation",
       "AWS.SimpleQueueService.UnsupportedOperation", 400},
      {lambda::kResourceNotFoundException, "ResourceNotFoundException",
       "ResourceNotFoundException", 404},
      {lambda::kResourceConflictException, "ResourceConflictException",
       "ResourceConflictException", 409},
      {lambda::kTooManyRequestsException, "TooManyRequestsException",
       "TooManyRequestsException", 429},
      {lambda::kRequestEntityTooLargeException,
       "RequestEntityTooLargeException", "RequestEntityTooLargeException", 413},
      {s3::kNoSuchKey, "NoSuchKey", "NoSuchKey", 404},
      {s3::kBucketNotEmpty, "BucketNotEmpty", "BucketNotEmpty", 409},
      {s3::kInvalidRange, "InvalidRange", "InvalidRange", 416},
      {s3::kPreconditionFailed, "PreconditionFailed", "PreconditionFailed",
       412},
      {s3::kNotModified, "NotModified", "NotModified", 304},
      {s3::kNotImplemented, "NotImplemented", "NotImplemented", 501},
      {dynamodb::kResourceNotFoundException, "ResourceNotFoundException",
       "ResourceNotFoundException", 400},
      {events::kResourceNotFoundException, "ResourceNotFoundException",
       "ResourceNotFoundException", 400},
      {sns::kNotFoundException, "NotFoundException", "NotFound", 404},
      {sns::kEmptyBatchRequestException, "EmptyBatchRequestException",
       "EmptyBatchRequest", 400},
      {common::kInternalError, "InternalError", "InternalError", 500},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(row.kind.name, row.name);
    EXPECT_EQ(row.kind.query_code, row.query_code);
    EXPECT_EQ(row.kind.http_status, row.http_status);
  }
  EXPECT_FALSE(common::kInternalError.sender_fault);
  EXPECT_TRUE(s3::kNotImplemented.sender_fault);
}

TEST(ErrorRegistryTest, JsonServicesAnswerEveryClientErrorWith400) {
  // Lambda's 404, passed on by a schedule or a table action.
  for (ApiService s : {ApiService::kDynamoDb, ApiService::kEvents}) {
    EXPECT_EQ(ErrorResponse(Status(lambda::kResourceNotFoundException, "m"), s)
                  .http_status,
              400);
    EXPECT_EQ(ErrorResponse(Status(common::kInternalError, "m"), s).http_status,
              500);
  }
}

TEST(ErrorRegistryTest, QueryCodesComeFromTheKind) {
  const ServiceModel& sqs = ServiceModel::Get("sqs-query");
  EXPECT_EQ(QueryErrorCode(sqs, ErrorResponse(Status(sqs::kOverLimit, "m"))),
            "OverLimit");
  EXPECT_EQ(
      QueryErrorCode(sqs, ErrorResponse(Status(sqs::kQueueDoesNotExist, "m"))),
      "AWS.SimpleQueueService.NonExistentQueue");
  const ServiceModel& sns = ServiceModel::Get("sns");
  EXPECT_EQ(
      QueryErrorCode(sns, ErrorResponse(Status(sns::kNotFoundException, "m"),
                                        ApiService::kSns)),
      "NotFound");
}

TEST(ErrorRegistryTest, FindErrorPrefersTheNamedService) {
  EXPECT_EQ(FindError("ResourceNotFoundException", "dynamodb"),
            dynamodb::kResourceNotFoundException);
  EXPECT_EQ(FindError("ResourceNotFoundException", "events"),
            events::kResourceNotFoundException);
  // Otherwise the first registered: Lambda's.
  EXPECT_EQ(FindError("ResourceNotFoundException"),
            lambda::kResourceNotFoundException);
  EXPECT_EQ(FindError("ResourceNotFoundException", "sqs"),
            lambda::kResourceNotFoundException);
  // The shared ones belong to every service.
  EXPECT_EQ(FindError("InternalError", "sqs"), common::kInternalError);
  EXPECT_EQ(FindError("SerializationException", "lambda"),
            common::kSerializationException);
}

TEST(ErrorRegistryTest, FindErrorTakesSnsExceptionSuffixes) {
  EXPECT_EQ(FindError("EmptyBatchRequest"), sqs::kEmptyBatchRequest);
  EXPECT_EQ(FindError("EmptyBatchRequestException", "sns"),
            sns::kEmptyBatchRequestException);
  EXPECT_EQ(FindError("EmptyBatchRequestException", "sqs"),
            sns::kEmptyBatchRequestException);
  EXPECT_EQ(FindError("InternalErrorException"), common::kInternalError);
  EXPECT_EQ(FindError("NotFoundException"), sns::kNotFoundException);
  EXPECT_EQ(FindError("Exception"), ErrorCode::kOk);
  EXPECT_EQ(FindError("NoSuchThingException"), ErrorCode::kOk);
  EXPECT_EQ(FindError(""), ErrorCode::kOk);
}

}  // namespace
}  // namespace fanlab::api
