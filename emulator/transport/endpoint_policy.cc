#include "emulator/transport/endpoint_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "emulator/queue/sqs_errors.h"

namespace fanlab::transport {
namespace {

enum class SchemeKind { kProcess, kUser, kHostPort };

struct SchemeRule {
  std::string_view scheme;
  SchemeKind kind;
};

// The transports fanlab serves. Anything else is refused.
constexpr SchemeRule kSchemes[] = {
    {"inproc", SchemeKind::kProcess}, {"ipc", SchemeKind::kUser},
    {"tcp", SchemeKind::kHostPort},   {"ws", SchemeKind::kHostPort},
    {"wss", SchemeKind::kHostPort},
};

Status Refuse(std::string_view endpoint, std::string_view why) {
  return Status(
      sqs::kInvalidParameterValue,
      "Refusing to bind " + std::string(endpoint) + ": " + std::string(why));
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr v6{};
    text = std::string(host.substr(1, host.size() - 2));
    return inet_pton(AF_INET6, text.c_str(), &v6) == 1 &&
           IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace

Result<EndpointReach> ClassifyEndpoint(std::string_view endpoint) {
  size_t sep = endpoint.find("://");
  if (sep == std::string_view::npos) {
    return Refuse(endpoint, "not an endpoint (SCHEME://ADDRESS).");
  }
  std::string_view scheme = endpoint.substr(0, sep);
  std::string_view address = endpoint.substr(sep + 3);
  const SchemeRule* rule = nullptr;
  for (const SchemeRule& r : kSchemes) {
    if (r.scheme == scheme) rule = &r;
  }
  if (rule == nullptr) {
    return Refuse(endpoint,
                  "the transport " + std::string(scheme) +
                      ":// is not served (inproc://, ipc://, tcp://, ws:// "
                      "and wss:// are).");
  }
  switch (rule->kind) {
    case SchemeKind::kProcess:
      return EndpointReach::kProcess;
    case SchemeKind::kUser:
      return EndpointReach::kUser;
    case SchemeKind::kHostPort:
      break;
  }
  // HOST:PORT, then (ws, wss) an optional /path.
  std::string_view host_port = address.substr(0, address.find('/'));
  size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos || colon == 0 ||
      host_port.find(';') != std::string_view::npos) {
    return Refuse(endpoint,
                  "expected HOST:PORT after " + std::string(scheme) + "://.");
  }
  return IsLoopbackHost(host_port.substr(0, colon)) ? EndpointReach::kLoopback
                                                    : EndpointReach::kNetwork;
}

Status CheckBindEndpoint(std::string_view endpoint, const BindPolicy& policy) {
  Result<EndpointReach> reach = ClassifyEndpoint(endpoint);
  if (!reach.ok()) return reach.status();
  if (*reach != EndpointReach::kNetwork) return Status();
  if (!policy.allow_remote) {
    return Refuse(endpoint,
                  "it listens beyond this machine; only loopback hosts "
                  "(localhost, 127.0.0.1, [::1]) are served unless "
                  "--allow-remote is given with an auth token.");
  }
  if (!policy.has_auth_token) {
    return Refuse(endpoint,
                  "--allow-remote needs an auth token (--auth-token or "
                  "--auth-token-file) that remote peers must present.");
  }
  return Status();
}

}  // namespace fanlab::transport
