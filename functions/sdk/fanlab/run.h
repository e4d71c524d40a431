// Run(): what a function's main() returns. It serves the process's
// invocations with one handler, over whichever interface started it:
//
//   AWS_LAMBDA_RUNTIME_API set    AWS's Lambda Runtime API (runtime_api.h):
//                                 the binary is a custom runtime's
//                                 `bootstrap` (provided.al2023);
//   otherwise                     fanlab's frames (frames.h): stdin, and
//                                 the result descriptor FANLAB_RESULT_FD.
//
//   int main() {
//     return fanlab::sdk::Run([](const std::string& event,
//                                const fanlab::sdk::Context& ctx) {
//       if (ctx.RemainingTimeMs() < 100) throw fanlab::sdk::Error("Late", "");
//       return event;  // the result: a JSON text
//     });
//   }
//
// Thread safety: the handler is called on the calling thread, one
// invocation at a time.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_RUN_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_RUN_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "fanlab/frames.h"
#include "fanlab/handler.h"
#include "fanlab/runtime_api.h"

namespace fanlab::sdk {

// Calls `init` once, then serves every invocation with the handler it
// made (see the top of this file for which interface). Returns the loop's
// status (frames.h's kRun* constants; RunFrames and RunRuntimeApi say
// when each is returned). When `init` throws: under the Runtime API the
// failure is posted to /runtime/init/error; under frames it is printed on
// stderr before the ready frame. Either way kRunInitError is returned.
inline int RunWithInit(const Init& init);

// RunWithInit with an Init that returns `handler`.
inline int Run(Handler handler);

// The frame loop on these descriptors, whatever the environment says
// (RunFrames).
inline int Run(Handler handler, int in_fd, int out_fd) {
  return RunFrames(handler, in_fd, out_fd);
}

inline int RunWithInit(const Init& init) {
  if (const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
      api != nullptr && *api != '\0') {
    return RunRuntimeApi(init, api);
  }
  const std::optional<int> out_fd = detail::ResultFdFromEnvironment();
  if (!out_fd) {
    detail::Complain(std::string("FANLAB_RESULT_FD is not a descriptor: ") +
                     std::getenv("FANLAB_RESULT_FD"));
    return kRunMalformed;
  }
  Handler handler;
  detail::Outcome failed;
  try {
    handler = init();
    if (!handler) {
      throw Error("Runtime.NoHandler", "The Init returned no handler");
    }
  } catch (...) {
    detail::CaughtError(&failed);
  }
  if (!failed.error_type.empty()) {
    std::fflush(stdout);
    std::fflush(stderr);
    detail::Complain("initialization failed: " + failed.error_type + ": " +
                     failed.error_message);
    return kRunInitError;
  }
  return RunFrames(handler, STDIN_FILENO, *out_fd);
}

inline int Run(Handler handler) {
  return RunWithInit([&handler] { return std::move(handler); });
}

}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_RUN_H_
