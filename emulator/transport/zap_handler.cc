#include "emulator/transport/zap_handler.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <vector>
#include <zmq_addon.hpp>

#include "emulator/core/common_errors.h"

namespace fanlab::transport {
namespace {

constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";

// Compares without stopping at the first difference: the time taken does
// not tell a guesser how much of the token was right.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

// A Unix-socket peer, as libzmq reports it: "localhost:UID:GID:PID"
// (tcp peers are numeric addresses). Its uid, or nullopt when the address
// is a Unix peer's without credentials.
bool IsUnixPeer(std::string_view address) {
  return address == "localhost" || address.starts_with("localhost:");
}

std::optional<uid_t> UnixPeerUid(std::string_view address) {
  std::string_view rest = address.substr(std::string_view("localhost").size());
  if (rest.empty() || rest.front() != ':') return std::nullopt;
  rest.remove_prefix(1);
  std::string_view uid_text = rest.substr(0, rest.find(':'));
  uint64_t uid = 0;
  auto [end, ec] =
      std::from_chars(uid_text.data(), uid_text.data() + uid_text.size(), uid);
  if (ec != std::errc() || end != uid_text.data() + uid_text.size() ||
      uid_text.empty()) {
    return std::nullopt;
  }
  return static_cast<uid_t>(uid);
}

}  // namespace

Result<std::unique_ptr<ZapHandler>> ZapHandler::Start(zmq::context_t& context) {
  zmq::socket_t socket(context, zmq::socket_type::rep);
  socket.set(zmq::sockopt::linger, 0);
  try {
    socket.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return Status(common::kInternalError,
                  std::string("Cannot start the ZeroMQ authentication "
                              "handler (") +
                      kZapEndpoint + "): " + e.what());
  }
  std::unique_ptr<ZapHandler> handler(new ZapHandler());
  // The socket moves to the thread: starting a thread is the full memory
  // barrier ZeroMQ asks for when a socket changes threads.
  handler->thread_ =
      std::thread([h = handler.get(), s = std::move(socket)]() mutable {
        h->Serve(std::move(s));
      });
  return handler;
}

ZapHandler::~ZapHandler() {
  if (thread_.joinable()) thread_.join();
}

std::string ZapHandler::Add(std::string auth_token) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string domain = "fanlab-" + std::to_string(next_domain_++);
  tokens_[domain] = std::move(auth_token);
  return domain;
}

void ZapHandler::Remove(const std::string& domain) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.erase(domain);
}

bool ZapHandler::Allows(std::string_view token, std::string_view mechanism,
                        std::string_view address, std::string_view password) {
  if (IsUnixPeer(address)) {
    std::optional<uid_t> uid = UnixPeerUid(address);
    if (!uid || *uid != ::geteuid()) return false;
  }
  if (token.empty()) return mechanism == "NULL";
  return mechanism == "PLAIN" && SameSecret(password, token);
}

void ZapHandler::Serve(zmq::socket_t socket) {
  while (true) {
    // [version][request id][domain][address][routing id][mechanism]
    // [credentials...]
    std::vector<zmq::message_t> request;
    try {
      if (!zmq::recv_multipart(socket, std::back_inserter(request))) continue;
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;  // the context is shutting down
      continue;                      // EINTR: a signal to the process
    }
    bool allowed = false;
    if (request.size() >= 6 && request[0].to_string_view() == "1.0") {
      std::optional<std::string> token;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = tokens_.find(request[2].to_string());
        if (it != tokens_.end()) token = it->second;
      }
      std::string_view mechanism = request[5].to_string_view();
      std::string_view password = mechanism == "PLAIN" && request.size() >= 8
                                      ? request[7].to_string_view()
                                      : std::string_view();
      allowed =
          token.has_value() &&
          Allows(*token, mechanism, request[3].to_string_view(), password);
    }
    if (!allowed) refused_.fetch_add(1);
    // A REP socket answers every request, even a malformed one.
    std::string_view request_id =
        request.size() >= 2 ? request[1].to_string_view() : "";
    std::vector<zmq::const_buffer> reply{
        zmq::str_buffer("1.0"),
        zmq::buffer(request_id),
        allowed ? zmq::str_buffer("200") : zmq::str_buffer("400"),
        allowed ? zmq::str_buffer("OK") : zmq::str_buffer("Refused"),
        zmq::str_buffer(""),
        zmq::str_buffer(""),
    };
    try {
      (void)zmq::send_multipart(socket, reply);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
    }
  }
}

}  // namespace fanlab::transport
