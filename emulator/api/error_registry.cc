#include "emulator/api/error_registry.h"

#include <vector>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/services/dynamodb_errors.h"
#include "emulator/services/events_errors.h"
#include "emulator/services/s3_errors.h"
#include "emulator/services/sns_errors.h"

namespace fanlab::api {

std::span<const ErrorKind* const> AllErrors() {
  static const std::vector<const ErrorKind*> all = [] {
    std::vector<const ErrorKind*> out;
    for (std::span<const ErrorKind* const> list :
         {std::span<const ErrorKind* const>(common::kErrors),
          std::span<const ErrorKind* const>(sqs::kErrors),
          std::span<const ErrorKind* const>(lambda::kErrors),
          std::span<const ErrorKind* const>(s3::kErrors),
          std::span<const ErrorKind* const>(dynamodb::kErrors),
          std::span<const ErrorKind* const>(sns::kErrors),
          std::span<const ErrorKind* const>(events::kErrors)}) {
      out.insert(out.end(), list.begin(), list.end());
    }
    return out;
  }();
  return all;
}

ErrorCode FindError(std::string_view name, std::string_view service) {
  const ErrorKind* first = nullptr;
  for (const ErrorKind* kind : AllErrors()) {
    if (kind->name != name) continue;
    if (kind->service.empty() || kind->service == service) return *kind;
    if (first == nullptr) first = kind;
  }
  if (first != nullptr) return *first;
  constexpr std::string_view kSuffix = "Exception";
  if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) {
    return FindError(name.substr(0, name.size() - kSuffix.size()), service);
  }
  return ErrorCode::kOk;
}

}  // namespace fanlab::api
