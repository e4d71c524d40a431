// fanlab-test-function: one function binary with every behaviour the
// compute layer's tests need, chosen by argv[1] (argv only, no shell):
//
//   echo                the event, unchanged
//   sleep MS            sleeps MS ms, then {"slept":MS}
//   fail                an error frame: TestError, "failing on purpose"
//   crash               dies of SIGSEGV
//   exit CODE           exits with CODE before writing any result
//   fork-ignore-term    forks a child; both ignore SIGTERM and sleep
//                       forever (only SIGKILL ends them); the child's pid
//                       goes to stderr as "child-pid N"
//   flood-stdout BYTES  BYTES bytes of log lines on stdout, a few lines on
//                       stderr, then {"flooded":BYTES}
//   alloc MB            allocates and touches MB MiB, then
//                       {"allocated":MB}; under RLIMIT_AS, std::bad_alloc
//                       (an error frame)
//   garbage             writes a line that is not a frame to the result
//                       descriptor and exits 0
//   env                 the whole environment as a JSON object
//   call ACTION         sends the event to the emulator as ACTION's body;
//                       returns {"ok": bool, "body": the answer}
//   print-context       {"requestId","deadlineMs","functionName",
//                       "invokedFunctionArn","endpoint","remainingMs",
//                       "traceId","clientContext","cognitoIdentity",
//                       "functionVersion","memoryLimitMb","logGroupName",
//                       "logStreamName","traceEnv"} (traceEnv: the
//                       variable _X_AMZN_TRACE_ID, "" when unset)
//   init-fail           fails its initialization: TestInitError, "failing
//                       at init" (under the Runtime API, posted to
//                       /runtime/init/error); exits 3
//   api-reply STATUS    an API Gateway proxy reply: statusCode STATUS,
//                       headers {"Content-Type":"application/json",
//                       "X-Fanlab-Mode":"api-reply"}, multiValueHeaders
//                       {"Set-Cookie":["a=1","b=2"]}, body: the event's
//                       text
//   http-post URL       POSTs the event to URL with the SDK's HttpPost;
//                       returns {"status": N, "body": "<reply text>"}, or
//                       fails with HttpError
//
// Each behaviour happens per invocation, after the ready frame; a bad mode
// or argument exits 2 at once. With AWS_LAMBDA_RUNTIME_API set the binary
// is a custom runtime's bootstrap: the same modes, served over the Lambda
// Runtime API instead of frames (fanlab/run.h).
#include <fanlab/function.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace sdk = fanlab::sdk;

constexpr const char kUsage[] =
    "usage: fanlab-test-function echo | sleep MS | fail | crash | exit CODE "
    "| fork-ignore-term | flood-stdout BYTES | alloc MB | garbage | env | "
    "print-context | init-fail | call ACTION | api-reply STATUS | http-post "
    "URL\n";

// A non-negative decimal integer, or nullopt.
std::optional<int64_t> ParseCount(std::string_view text) {
  int64_t value = -1;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      value < 0) {
    return std::nullopt;
  }
  return value;
}

std::string Sleep(int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return "{\"slept\":" + std::to_string(ms) + "}";
}

[[noreturn]] void Crash() {
  ::signal(SIGSEGV, SIG_DFL);  // past any handler (a sanitizer's)
  ::raise(SIGSEGV);
  std::abort();
}

[[noreturn]] void ForkIgnoringTerm() {
  // Ignored before the fork, so the child never has a window without it.
  ::signal(SIGTERM, SIG_IGN);
  const pid_t child = ::fork();
  if (child < 0) {
    throw sdk::Error("ForkFailed", std::strerror(errno));
  }
  if (child == 0) {
    while (true) ::pause();
  }
  std::fprintf(stderr, "child-pid %d\n", static_cast<int>(child));
  std::fflush(stderr);
  while (true) ::pause();
}

std::string FloodStdout(int64_t bytes) {
  std::fprintf(stderr, "flood-stdout: writing %lld bytes to stdout\n",
               static_cast<long long>(bytes));
  std::string line;
  int64_t written = 0;
  for (int64_t n = 0; written < bytes; ++n) {
    line = "flood line " + std::to_string(n) + " ";
    line.resize(79, 'x');
    line.push_back('\n');
    const size_t take =
        static_cast<size_t>(std::min<int64_t>(bytes - written, 80));
    if (std::fwrite(line.data(), 1, take, stdout) != take) break;
    written += static_cast<int64_t>(take);
  }
  std::fflush(stdout);
  std::fprintf(stderr, "flood-stdout: done, %lld bytes\n",
               static_cast<long long>(written));
  return "{\"flooded\":" + std::to_string(bytes) + "}";
}

std::string Allocate(int64_t mb) {
  if (static_cast<uint64_t>(mb) > (SIZE_MAX >> 20)) throw std::bad_alloc();
  const size_t bytes = static_cast<size_t>(mb) << 20;
  std::vector<char> block(bytes);
  std::memset(block.data(), 1, bytes);
  // Read the pages back, so that no store can be optimised away.
  volatile char sink = 0;
  for (size_t i = 0; i < bytes; i += 4096) sink = sink + block[i];
  return "{\"allocated\":" + std::to_string(mb) + "}";
}

[[noreturn]] void Garbage() {
  const std::optional<int> fd = sdk::detail::ResultFdFromEnvironment();
  sdk::detail::WriteAll(fd.value_or(3), "this is not a frame\n");
  std::exit(0);
}

std::string Environment() {
  std::string out = "{";
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (out.size() > 1) out += ",";
    out += sdk::JsonString(text.substr(0, eq));
    out += ":";
    out += sdk::JsonString(eq == std::string_view::npos ? std::string_view()
                                                        : text.substr(eq + 1));
  }
  return out + "}";
}

std::string ApiReply(int64_t status, const std::string& event) {
  return "{\"statusCode\":" + std::to_string(status) +
         ",\"headers\":{\"Content-Type\":\"application/json\","
         "\"X-Fanlab-Mode\":\"api-reply\"},"
         "\"multiValueHeaders\":{\"Set-Cookie\":[\"a=1\",\"b=2\"]},"
         "\"body\":" +
         sdk::JsonString(event) + "}";
}

std::string PrintContext(const sdk::Context& ctx) {
  return "{\"requestId\":" + sdk::JsonString(ctx.request_id) +
         ",\"deadlineMs\":" + std::to_string(ctx.deadline_ms) +
         ",\"functionName\":" + sdk::JsonString(ctx.function_name) +
         ",\"invokedFunctionArn\":" +
         sdk::JsonString(ctx.invoked_function_arn) +
         ",\"endpoint\":" + sdk::JsonString(ctx.endpoint) +
         ",\"remainingMs\":" + std::to_string(ctx.RemainingTimeMs()) +
         ",\"traceId\":" + sdk::JsonString(ctx.trace_id) +
         ",\"clientContext\":" + sdk::JsonString(ctx.client_context) +
         ",\"cognitoIdentity\":" + sdk::JsonString(ctx.cognito_identity) +
         ",\"functionVersion\":" + sdk::JsonString(ctx.function_version) +
         ",\"memoryLimitMb\":" + std::to_string(ctx.memory_limit_mb) +
         ",\"logGroupName\":" + sdk::JsonString(ctx.log_group_name) +
         ",\"logStreamName\":" + sdk::JsonString(ctx.log_stream_name) +
         ",\"traceEnv\":" + sdk::JsonString(sdk::EnvOr("_X_AMZN_TRACE_ID")) +
         "}";
}

// The handler for `mode` (with its argument, if it takes one), or an empty
// Handler when the mode or argument is bad.
sdk::Handler Pick(std::string_view mode, const std::optional<int64_t>& arg,
                  int extra_args) {
  const bool takes_arg = mode == "sleep" || mode == "exit" ||
                         mode == "flood-stdout" || mode == "alloc" ||
                         mode == "api-reply";
  if (extra_args != (takes_arg ? 1 : 0) || (takes_arg && !arg)) return {};
  const int64_t n = arg.value_or(0);
  using Event = const std::string&;
  using Ctx = const sdk::Context&;
  if (mode == "echo") return [](Event event, Ctx) { return event; };
  if (mode == "sleep") return [n](Event, Ctx) { return Sleep(n); };
  if (mode == "fail") {
    return [](Event, Ctx) -> std::string {
      throw sdk::Error("TestError", "failing on purpose");
    };
  }
  if (mode == "crash") return [](Event, Ctx) -> std::string { Crash(); };
  if (mode == "exit") {
    return [n](Event, Ctx) -> std::string { std::exit(static_cast<int>(n)); };
  }
  if (mode == "fork-ignore-term") {
    return [](Event, Ctx) -> std::string { ForkIgnoringTerm(); };
  }
  if (mode == "flood-stdout") {
    return [n](Event, Ctx) { return FloodStdout(n); };
  }
  if (mode == "alloc") return [n](Event, Ctx) { return Allocate(n); };
  if (mode == "garbage") return [](Event, Ctx) -> std::string { Garbage(); };
  if (mode == "env") return [](Event, Ctx) { return Environment(); };
  if (mode == "print-context") {
    return [](Event, Ctx ctx) { return PrintContext(ctx); };
  }
  if (mode == "api-reply") {
    return [n](Event event, Ctx) { return ApiReply(n, event); };
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (std::string_view(argv[1]) == "call" && argc == 3) {
    // call ACTION: sends the event as ACTION's body to the emulator
    // (its function socket) and returns {"ok": bool, "body": <its answer>}.
    std::string action = argv[2];
    return sdk::Run(
        [action](const std::string& event, const sdk::Context& ctx) {
          sdk::Client client(ctx.endpoint);
          sdk::Client::Reply reply = client.Call(action, event);
          return std::string("{\"ok\":") + (reply.ok ? "true" : "false") +
                 ",\"body\":" + reply.body + "}";
        });
  }
  if (std::string_view(argv[1]) == "http-post" && argc == 3) {
    // http-post URL: POSTs the event to URL; {"status", "body"}.
    std::string url = argv[2];
    return sdk::Run([url](const std::string& event, const sdk::Context& ctx) {
      const int64_t left = ctx.RemainingTimeMs();
      sdk::HttpResult r =
          sdk::HttpPost(url, event, {{"Content-Type", "application/json"}},
                        static_cast<int>(std::clamp<int64_t>(left, 1, 10000)));
      if (!r.ok()) throw sdk::Error("HttpError", r.error);
      return "{\"status\":" + std::to_string(r.status) +
             ",\"body\":" + sdk::JsonString(r.body) + "}";
    });
  }
  if (std::string_view(argv[1]) == "init-fail" && argc == 2) {
    return sdk::RunWithInit([]() -> sdk::Handler {
      throw sdk::Error("TestInitError", "failing at init");
    });
  }
  std::optional<int64_t> arg;
  if (argc > 2) arg = ParseCount(argv[2]);
  sdk::Handler handler = Pick(argv[1], arg, argc - 2);
  if (!handler) {
    std::fprintf(stderr, "fanlab-test-function: bad mode or argument: %s\n",
                 argv[1]);
    std::fputs(kUsage, stderr);
    return 2;
  }
  return sdk::Run(std::move(handler));
}
