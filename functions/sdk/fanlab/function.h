// fanlab's C++ function SDK, all of its dependency-free part: include this
// one header, or the ones a function needs.
//
//   fanlab/run.h          Run(handler), RunWithInit(init): what main()
//                         returns; picks the interface below
//   fanlab/handler.h      Handler, Init, Context, Error
//   fanlab/frames.h       fanlab's frame protocol (docs/functions.md):
//                         RunFrames, the kRun* exit statuses
//   fanlab/runtime_api.h  AWS's Lambda Runtime API: RunRuntimeApi
//   fanlab/client.h       Client and SharedClient: the emulator's
//                         actions; ServiceError, ErrorTypeOf
//   fanlab/http.h         HttpRequest, HttpPost, HttpConnection
//   fanlab/json.h         JsonString, Base64Encode
//   fanlab/env.h          EnvOr, RequiredEnv
//
// Not included here, as it needs Boost.JSON: fanlab/json_client.h
// (CallJson, CallJsonAll, ParseObject: the emulator's actions with
// boost::json::object values and ServiceError).
//
//   #include <fanlab/function.h>
//
//   int main() {
//     return fanlab::sdk::Run([](const std::string& event,
//                                const fanlab::sdk::Context& ctx) {
//       if (ctx.RemainingTimeMs() < 100) throw fanlab::sdk::Error("Late", "");
//       return event;  // the result: a JSON text
//     });
//   }
//
// Building: C++20, with functions/sdk on the include path (CMake: link the
// `fanlab_sdk` target). Everything here needs nothing but the C library:
// Client calls the emulator's function socket (a Unix socket) with POSIX
// calls. Linking libstdc++ statically (-static-libstdc++ -static-libgcc)
// makes a process start several times faster, which is most of a cold
// start; fanlab's own functions are built so. functions/sdk/README.md has
// the whole API.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_FUNCTION_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_FUNCTION_H_

#include "fanlab/client.h"
#include "fanlab/env.h"
#include "fanlab/frames.h"
#include "fanlab/handler.h"
#include "fanlab/http.h"
#include "fanlab/json.h"
#include "fanlab/run.h"
#include "fanlab/runtime_api.h"

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_FUNCTION_H_
