// Every error fanlab can answer, by name: the one place each service's
// error list (its kErrors, beside its ErrorKind constants) is registered,
// for the code that reads an error back from the wire (a client parsing an
// error body) and for the tests that hold the wire forms.
//
// Thread safety: read-only after static initialization.
#ifndef FANLAB_EMULATOR_API_ERROR_REGISTRY_H_
#define FANLAB_EMULATOR_API_ERROR_REGISTRY_H_

#include <span>
#include <string_view>

#include "emulator/core/status.h"

namespace fanlab::api {

// Every registered kind: the shared ones (core/common_errors.h) first,
// then SQS's, Lambda's, S3's, DynamoDB's, SNS's and EventBridge's.
std::span<const ErrorKind* const> AllErrors();

// The kind named `name`: the one `service` declares when it declares one
// ("sqs", "lambda", ...; the shared ones count as every service's), else
// the first registered with that name, else (SNS's spelling of SQS's batch
// errors) the one named `name` without an "Exception" suffix. kOk when
// there is none.
ErrorCode FindError(std::string_view name, std::string_view service = {});

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_ERROR_REGISTRY_H_
