#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

#include "emulator/cli/commands.h"
#include "emulator/cli/endpoint.h"
#include "emulator/core/common_errors.h"
#include "emulator/engine.h"
#include "emulator/transport/auth_token.h"
#include "emulator/transport/client.h"

namespace fanlab::cli {
namespace {

struct ServeOptions {
  std::vector<std::string> binds;
  std::string http;           // HOST:PORT of the HTTP front; "" = none
  std::string advertise_url;  // queue URLs' base; "" = the client's Host
  std::vector<std::string> hostnames;  // served by the HTTP front
  std::string data_dir;
  std::string fsync = "never";
  std::string clock = "real";
  Account account;
  int64_t concurrency = 1000;
  int64_t kill_grace_ms = 500;
  int64_t idle_seconds = 600;
  ServeReadyHook ready;          // `fanlab up`: runs before serving
  std::optional<uint64_t> seed;  // unset: ids from the OS (real clock)
  std::string auth_token;
  std::string auth_token_file;
  bool allow_remote = false;
};

// The token from --auth-token or --auth-token-file (generated into it when
// it does not exist), checked; "" for none.
Result<std::string> AuthToken(const ServeOptions& o) {
  if (o.auth_token_file.empty()) {
    if (o.auth_token.empty()) return std::string();
    Status valid = transport::ValidateAuthToken(o.auth_token);
    if (!valid.ok()) return valid;
    return o.auth_token;
  }
  auto file = transport::LoadOrCreateAuthTokenFile(o.auth_token_file);
  if (!file.ok()) return file.status();
  if (file->created) {
    std::cout << "fanlab serve: generated an auth token into "
              << o.auth_token_file << " (mode 0600)\n";
  }
  return file->token;
}

int Serve(const ServeOptions& o) {
  auto token = AuthToken(o);
  if (!token.ok()) {
    std::cerr << "fanlab serve: " << token.status().message() << "\n";
    return 2;
  }
  if (o.allow_remote && token->empty()) {
    std::cerr << "fanlab serve: --allow-remote needs --auth-token or "
                 "--auth-token-file: remote peers must present a token.\n";
    return 2;
  }
  transport::Context context;
  EngineOptions options;
  options.auth_token = *token;
  options.allow_remote = o.allow_remote;
  options.account = o.account;
  options.virtual_clock = o.clock == "virtual";
  options.functions.global_concurrency = o.concurrency;
  options.functions.kill_grace = std::chrono::milliseconds(o.kill_grace_ms);
  options.functions.idle_timeout = std::chrono::seconds(o.idle_seconds);
  options.data_dir = o.data_dir;
  options.fsync = o.fsync == "always" ? persist::FsyncPolicy::kAlways
                                      : persist::FsyncPolicy::kNever;
  options.advertise_url = o.advertise_url;
  options.http_hostnames = o.hostnames;
  if (o.seed) {
    options.seed = *o.seed;
    options.queue.seed = *o.seed ^ 0x717565756573ULL;  // as the harness
  }
  auto created = Engine::Create(options, context);
  if (!created.ok()) {
    std::cerr << "fanlab serve: --data-dir " << o.data_dir << ": "
              << created.status().message() << "\n";
    return 2;
  }
  Engine& engine = **created;
  std::vector<std::string> binds = o.binds;
  if (binds.empty()) binds.push_back(kDefaultEndpoint);
  for (const auto& endpoint : binds) {
    auto bound = engine.Bind(endpoint);
    if (!bound.ok()) {
      std::cerr << "fanlab serve: " << bound.status().message() << "\n";
      return 2;
    }
    std::cout << "fanlab serve: listening on " << *bound << "\n";
  }
  std::string http_url;
  if (!o.http.empty() && o.http != "none") {
    auto url = engine.BindHttp(o.http);
    if (!url.ok()) {
      std::cerr << "fanlab serve: HTTP on " << o.http << ": "
                << url.status().message()
                << " (another fanlab serve? --http HOST:PORT picks another "
                   "address, --http none serves no HTTP)\n";
      return 2;
    }
    std::cout << "fanlab serve: HTTP on " << *url << " (sinks under " << *url
              << "/_sinks/NAME)\n";
    http_url = *url;
  }
  if (o.ready) {
    if (int rc = o.ready(engine, http_url); rc != 0) return rc;
  }
  if (!options.auth_token.empty()) {
    std::cout << "fanlab serve: clients present the auth token "
                 "(FANLAB_AUTH_TOKEN; the access key id over HTTP)\n";
  }
  std::cout << "fanlab serve: clock " << o.clock << "; SIGINT or SIGTERM stops"
            << std::endl;
  boost::asio::signal_set signals(engine.io(), SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    std::cout << "fanlab serve: signal " << signal << ", stopping" << std::endl;
    engine.Stop();
  });
  engine.Run();
  return 0;
}

struct CallOptions {
  std::string action;
  std::string body = "{}";
  std::string endpoint = kDefaultEndpoint;
  std::string auth_token;  // "": FANLAB_AUTH_TOKEN
  int timeout_ms = 30000;
};

int Call(const CallOptions& o) {
  // The endpoint's scheme picks the transport; a dead one is reported at
  // once (exit 2), as by the service commands.
  auto transport = cli::TransportOf(o.endpoint);
  if (!transport.ok()) {
    std::cerr << "fanlab call: " << transport.status().message() << "\n";
    return 2;
  }
  if (Status reachable =
          cli::CheckReachable(o.endpoint, std::chrono::milliseconds(2000));
      !reachable.ok()) {
    std::cerr << "fanlab call: cannot reach " << o.endpoint << ": "
              << reachable.message()
              << ". Start one with `fanlab serve`, or point --endpoint at a "
                 "running one.\n";
    return 2;
  }
  Result<transport::Reply> reply =
      Status(common::kInternalError, "no call was made");
  if (*transport == cli::Transport::kHttp) {
    reply =
        cli::HttpCall(o.endpoint, "", o.action, o.body,
                      std::chrono::milliseconds(o.timeout_ms), o.auth_token);
  } else {
    transport::Context context;
    transport::Client client(context, o.endpoint,
                             o.auth_token.empty()
                                 ? std::nullopt
                                 : std::optional<std::string>(o.auth_token));
    reply =
        client.Call(o.action, o.body, std::chrono::milliseconds(o.timeout_ms));
  }
  if (!reply.ok()) {
    std::cerr << "fanlab call: " << reply.status().message()
              << " Is `fanlab serve` listening on " << o.endpoint
              << ", and does it ask for an auth token (--auth-token, "
                 "FANLAB_AUTH_TOKEN)?\n";
    return 2;
  }
  (reply->ok ? std::cout : std::cerr) << reply->body << "\n";
  return reply->ok ? 0 : 1;
}

}  // namespace

CLI::App* AddServeCommand(CLI::App& app, const std::string& name,
                          const std::string& help, ServeReadyHook ready) {
  auto serve_options = std::make_shared<ServeOptions>();
  serve_options->ready = std::move(ready);
  CLI::App* serve = app.add_subcommand(name, help);
  serve
      ->add_option("--bind", serve_options->binds,
                   std::string("Endpoint to listen on (repeatable): "
                               "inproc://, ipc:// (this user only), or "
                               "tcp://, ws://, wss:// on a loopback host "
                               "(any host with --allow-remote); default ") +
                       kDefaultEndpoint)
      ->type_name("ENDPOINT");
  auto* token =
      serve
          ->add_option("--auth-token", serve_options->auth_token,
                       "A secret every client must present: ZeroMQ peers "
                       "(FANLAB_AUTH_TOKEN), HTTP clients (as access key "
                       "id); functions get it. 8-128 of A-Z a-z 0-9 - _ . ~")
          ->type_name("TOKEN");
  serve
      ->add_option("--auth-token-file", serve_options->auth_token_file,
                   "Read the auth token from this file (mode 0600); when "
                   "it does not exist, generate one into it")
      ->type_name("PATH")
      ->excludes(token);
  serve->add_flag("--allow-remote", serve_options->allow_remote,
                  "Let --bind listen beyond this machine (non-loopback "
                  "hosts); needs an auth token");
  serve
      ->add_option("--http", serve_options->http,
                   "Serve HTTP (routes, sinks, and the AWS JSON, query, "
                   "REST-JSON and REST-XML protocols) on a "
                   "loopback HOST:PORT; port 0 picks a free one; none "
                   "serves no HTTP")
      ->type_name("HOST:PORT")
      ->default_val(kDefaultHttpAddress)
      ->capture_default_str();
  serve
      ->add_option("--advertise-url", serve_options->advertise_url,
                   "Base URL of the queue URLs the HTTP front answers, e.g. "
                   "http://fanlab:4566; default: the Host each client used")
      ->type_name("URL");
  serve
      ->add_option("--hostname", serve_options->hostnames,
                   "A host name the HTTP front serves (with its subdomains) "
                   "besides localhost, *.localhost, 127.0.0.1 and [::1] and "
                   "the --advertise-url's; repeatable")
      ->type_name("NAME");
  serve
      ->add_option("--data-dir", serve_options->data_dir,
                   "Keep state in this folder, reloaded on the next start: "
                   "queues and their messages, functions, mappings, "
                   "routes and sinks (state/), objects (s3/), function code "
                   "(lambda-code/), emails (emails/*.eml); not yet tables, "
                   "topics and rules; "
                   "default: memory only")
      ->type_name("DIR");
  serve
      ->add_option("--fsync", serve_options->fsync,
                   "With --data-dir: never (each change reaches the OS "
                   "before it is acknowledged: it survives kill -9) or "
                   "always (synced to the disk first: it survives a power "
                   "loss)")
      ->check(CLI::IsMember({"never", "always"}))
      ->capture_default_str();
  serve
      ->add_option("--region", serve_options->account.region,
                   "The region of every ARN, queue and function "
                   "environment (AWS_REGION)")
      ->check([](const std::string& region) -> std::string {
        // "eu-west-1", "us-gov-east-1": lowercase words and a number.
        bool ok = !region.empty() && region.size() <= 32 &&
                  region.front() != '-' && region.back() != '-' &&
                  region.find("--") == std::string::npos;
        for (char c : region) {
          ok = ok &&
               ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
        }
        return ok ? "" : "not a region name (like eu-west-1): " + region;
      })
      ->capture_default_str();
  serve
      ->add_option("--account-id", serve_options->account.id,
                   "The 12-digit account id of every ARN and queue URL")
      ->check([](const std::string& id) -> std::string {
        bool ok = id.size() == 12 &&
                  id.find_first_not_of("0123456789") == std::string::npos;
        return ok ? "" : "not a 12-digit account id: " + id;
      })
      ->capture_default_str();
  serve->add_option("--clock", serve_options->clock, "real or virtual")
      ->check(CLI::IsMember({"real", "virtual"}))
      ->capture_default_str();
  serve
      ->add_option("--concurrency", serve_options->concurrency,
                   "Functions' global concurrency limit")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
  serve
      ->add_option("--kill-grace-ms", serve_options->kill_grace_ms,
                   "At a function's deadline: SIGTERM, then SIGKILL after this")
      ->check(CLI::Range(int64_t{0}, int64_t{60000}))
      ->capture_default_str();
  serve
      ->add_option("--idle-timeout-s", serve_options->idle_seconds,
                   "An idle warm environment is ended after this")
      ->check(CLI::Range(int64_t{1}, int64_t{86400}))
      ->capture_default_str();
  serve->add_option("--seed", serve_options->seed,
                    "Seed of every id and receipt handle (a replay); "
                    "default: from the OS on the real clock");
  serve->callback([serve_options] { std::exit(Serve(*serve_options)); });
  return serve;
}

void AddServeCommands(CLI::App& app) {
  AddServeCommand(app, "serve",
                  "Run the emulator, serving the AWS JSON protocol over ZeroMQ",
                  {});

  auto call_options = std::make_shared<CallOptions>();
  CLI::App* call = app.add_subcommand(
      "call", "Send one action with a JSON body to a running `fanlab serve`");
  call->add_option("action", call_options->action,
                   "Action name, e.g. CreateQueue")
      ->required();
  call->add_option("json", call_options->body, "Request body (JSON object)")
      ->capture_default_str();
  // As the service commands: $FANLAB_ENDPOINT, else the default.
  if (const char* env = std::getenv("FANLAB_ENDPOINT"); env && *env) {
    call_options->endpoint = env;
  }
  call->add_option("--endpoint,--endpoint-url", call_options->endpoint,
                   "Server endpoint: tcp://, ipc:// or http:// (env "
                   "FANLAB_ENDPOINT)")
      ->capture_default_str();
  call->add_option("--auth-token", call_options->auth_token,
                   "The server's auth token; default: FANLAB_AUTH_TOKEN")
      ->type_name("TOKEN");
  call->add_option("--timeout-ms", call_options->timeout_ms,
                   "How long to wait for the reply")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  call->footer(
      "Prints the reply body; exit 0 on success, 1 on an error reply, 2 "
      "when no reply came.");
  call->callback([call_options] { std::exit(Call(*call_options)); });
}

}  // namespace fanlab::cli
