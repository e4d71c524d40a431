// Where a `fanlab <service>` command sends its call, chosen by the
// endpoint's scheme:
//   tcp://, ipc://, ws://, wss://   the ZeroMQ transport (docs/protocol.md)
//   unix://                         the engine's function socket (the same
//                                   frames; a function's FANLAB_ENDPOINT)
//   http://                         the HTTP front, as AWS JSON with the
//                                   target "<service>:<Action>"
// Before the call, the endpoint's socket is connected once with a short
// deadline, so that a wrong or dead endpoint is reported in about two
// seconds with what was tried, never after a 30-second silence.
#ifndef FANLAB_EMULATOR_CLI_ENDPOINT_H_
#define FANLAB_EMULATOR_CLI_ENDPOINT_H_

#include <chrono>
#include <string>
#include <string_view>

#include "emulator/core/status.h"
#include "emulator/transport/client.h"

namespace fanlab::cli {

// kZeroMq: fanlab's frames through transport::Client (ZeroMQ, or the
// function socket for unix://).
enum class Transport { kZeroMq, kHttp };

// The transport `endpoint` names. Errors (InvalidParameterValue): no
// scheme, or one no client command speaks (inproc:// names a socket inside
// another process), with the schemes that work.
Result<Transport> TransportOf(std::string_view endpoint);

// Connects to the socket behind `endpoint` (TCP for tcp://, ws://, wss://
// and http://; a Unix socket for ipc://, abstract for ipc://@name) and
// closes it (a Unix socket for unix:// too). Errors (InternalError) say
// what was tried and why it failed:
// "nothing is listening on 127.0.0.1:9400 (Connection refused)", "no
// answer from 10.1.1.1:9400 within 2000 ms", "cannot resolve ...".
Status CheckReachable(std::string_view endpoint,
                      std::chrono::milliseconds timeout);

// One call to the HTTP front at `base_url` ("http://127.0.0.1:4566"):
// POST / with X-Amz-Target "<service>:<action>" (just `action` when
// `service` is empty) and the JSON body, signed with `auth_token` (empty:
// $FANLAB_AUTH_TOKEN, when set) as the access key id. A reply of any HTTP
// status is a Reply (ok for 2xx); no reply within `timeout` is an
// InternalError.
Result<transport::Reply> HttpCall(std::string_view base_url,
                                  std::string_view service,
                                  std::string_view action,
                                  std::string_view body,
                                  std::chrono::milliseconds timeout,
                                  std::string_view auth_token = {});

}  // namespace fanlab::cli

#endif  // FANLAB_EMULATOR_CLI_ENDPOINT_H_
