// The function's configuration from its environment: EnvOr, RequiredEnv.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_ENV_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_ENV_H_

#include <cstdlib>
#include <string>

#include "fanlab/handler.h"

namespace fanlab::sdk {

// The environment variable `name`, or `fallback` when it is unset or empty.
inline std::string EnvOr(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// The environment variable `name`; throws Error("MissingConfiguration")
// naming it when it is unset or empty.
inline std::string RequiredEnv(const char* name) {
  std::string v = EnvOr(name);
  if (v.empty()) {
    throw Error(
        "MissingConfiguration",
        std::string("The environment variable ") + name + " is not set");
  }
  return v;
}

}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_ENV_H_
