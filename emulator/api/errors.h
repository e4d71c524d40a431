// Internal to api/: an error answer in each service's own words, one
// explicitly named helper per service, so that a handler's error says
// whose it is (its __type namespace and its HTTP status: ErrorResponse).
#ifndef FANLAB_EMULATOR_API_ERRORS_H_
#define FANLAB_EMULATOR_API_ERRORS_H_

#include "emulator/api/dispatcher.h"
#include "emulator/core/status.h"

namespace fanlab::api {

// com.amazonaws.sqs# (protocol faults: com.amazon.coral.service#).
inline ApiResponse SqsError(const Status& s) {
  return ErrorResponse(s, ApiService::kSqs);
}
// com.amazonaws.lambda#, with Lambda's statuses (404, 409, 413, 429...).
inline ApiResponse LambdaError(const Status& s) {
  return ErrorResponse(s, ApiService::kLambda);
}
// com.amazonaws.s3#, with S3's statuses (404 NoSuchKey, 409, 416...).
inline ApiResponse S3Error(const Status& s) {
  return ErrorResponse(s, ApiService::kS3);
}
// com.amazonaws.dynamodb.v20120810#, 400 for every client error.
inline ApiResponse DynamoDbError(const Status& s) {
  return ErrorResponse(s, ApiService::kDynamoDb);
}
// com.amazonaws.sns#, 404 for NotFoundException.
inline ApiResponse SnsError(const Status& s) {
  return ErrorResponse(s, ApiService::kSns);
}
// com.amazonaws.events#, 400 for every client error.
inline ApiResponse EventsError(const Status& s) {
  return ErrorResponse(s, ApiService::kEvents);
}
// com.fanlab.http#: fanlab's own routes and sinks.
inline ApiResponse HttpApiError(const Status& s) {
  return ErrorResponse(s, ApiService::kHttp);
}

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_ERRORS_H_
