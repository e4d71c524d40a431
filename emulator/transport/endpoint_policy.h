// Which ZeroMQ endpoints the engine may bind: the emulator runs commands on
// its user's behalf, so by default nothing outside the machine can reach
// it, whatever the transport.
//
// One table of schemes decides, each with its reach:
//   inproc://       this process only                          always
//   ipc://          this machine; peers of another uid are     always
//                   refused at the handshake (SO_PEERCRED)
//   tcp://, ws://,  loopback hosts (localhost, 127.x.x.x,      always
//   wss://          [::1])
//                   any other host ("*", 0.0.0.0, an          only with
//                   interface, a name, a routable address)     allow_remote
//                                                              and a token
// Every other scheme (pgm, epgm, norm, tipc, vmci, udp, any future one) is
// refused: a transport is served only once its reach is known.
#ifndef FANLAB_EMULATOR_TRANSPORT_ENDPOINT_POLICY_H_
#define FANLAB_EMULATOR_TRANSPORT_ENDPOINT_POLICY_H_

#include <string_view>

#include "emulator/core/status.h"

namespace fanlab::transport {

enum class EndpointReach {
  kProcess,   // inproc://
  kUser,      // ipc:// (same uid only, checked per peer)
  kLoopback,  // tcp://, ws://, wss:// on a loopback host
  kNetwork,   // tcp://, ws://, wss:// on any other host
};

struct BindPolicy {
  // Non-loopback hosts may be bound; REQUIRES has_auth_token as well.
  bool allow_remote = false;
  bool has_auth_token = false;
};

// The reach of `endpoint`, or InvalidParameterValue naming the endpoint
// and why: an unknown scheme, no "://", a tcp-like address without a
// host and port.
Result<EndpointReach> ClassifyEndpoint(std::string_view endpoint);

// OK when `policy` lets the server bind `endpoint`; else
// InvalidParameterValue saying what was refused and what would allow it
// ("... listens beyond this machine: give --allow-remote and an auth
// token").
Status CheckBindEndpoint(std::string_view endpoint, const BindPolicy& policy);

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_ENDPOINT_POLICY_H_
