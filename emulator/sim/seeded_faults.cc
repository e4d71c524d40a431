#include "emulator/sim/seeded_faults.h"

#include <array>

namespace fanlab::sim {

namespace {

constexpr std::array<std::pair<FaultSpec::Kind, std::string_view>, 11>
    kKindNames = {{
        {FaultSpec::Kind::kCrash, "crash"},
        {FaultSpec::Kind::kTimeout, "timeout"},
        {FaultSpec::Kind::kError, "error"},
        {FaultSpec::Kind::kThrottle, "throttle"},
        {FaultSpec::Kind::kDuplicate, "duplicate"},
        {FaultSpec::Kind::kVisibilityLapse, "visibility_lapse"},
        {FaultSpec::Kind::kDelay, "delay"},
        {FaultSpec::Kind::kReorder, "reorder"},
        {FaultSpec::Kind::kDeleteQueue, "delete_queue"},
        {FaultSpec::Kind::kDown, "down"},
        {FaultSpec::Kind::kSlow, "slow"},
    }};

// SplitMix64's finalizer: spreads the fault's index over the seed's bits.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool OneOf(std::string_view action,
           std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    if (action == n) return true;
  }
  return false;
}

}  // namespace

std::string_view FaultKindName(FaultSpec::Kind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "error";
}

const std::vector<FaultSpec::Kind>& AllFaultKinds() {
  static const std::vector<FaultSpec::Kind> kinds = [] {
    std::vector<FaultSpec::Kind> out;
    for (const auto& [k, name] : kKindNames) out.push_back(k);
    return out;
  }();
  return kinds;
}

std::optional<FaultSpec::Kind> ParseFaultKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return true;
  // Iterative, with one backtrack point: linear in practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

ThrottleError ThrottleErrorFor(std::string_view action) {
  if (OneOf(action,
            {"Invoke", "InvokeAsync", "CreateFunction", "GetFunction",
             "UpdateFunctionConfiguration", "DeleteFunction", "ListFunctions",
             "CreateEventSourceMapping", "PutFunctionConcurrency"})) {
    return {"TooManyRequestsException", 429};
  }
  if (OneOf(action, {"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query",
                     "Scan", "BatchGetItem", "BatchWriteItem",
                     "TransactGetItems", "TransactWriteItems"})) {
    return {"ProvisionedThroughputExceededException", 400};
  }
  if (OneOf(action, {"Publish", "PublishBatch", "Subscribe", "CreateTopic",
                     "ListSubscriptionsByTopic"})) {
    return {"Throttled", 429};
  }
  if (OneOf(action,
            {"PutEvents", "PutRule", "PutTargets", "DeleteRule",
             "RemoveTargets", "ListRules", "EnableRule", "DisableRule"})) {
    return {"ThrottlingException", 400};
  }
  if (OneOf(action, {"PutObject", "GetObject", "HeadObject", "DeleteObject",
                     "ListObjects", "ListObjectsV2", "CopyObject"})) {
    return {"SlowDown", 503};
  }
  return {"RequestThrottled", 400};
}

int ErrorStatusFor(std::string_view error_type) {
  if (error_type == "ServiceUnavailable" || error_type == "SlowDown") {
    return 503;
  }
  if (error_type == "InternalError" || error_type == "InternalFailure" ||
      error_type == "InternalServerError" || error_type == "ServiceException") {
    return 500;
  }
  if (error_type == "TooManyRequestsException" || error_type == "Throttled") {
    return 429;
  }
  return 400;
}

SeededFaults::SeededFaults(std::vector<FaultSpec> specs, uint64_t seed)
    : specs_(std::move(specs)) {
  state_.reserve(specs_.size());
  for (size_t i = 0; i < specs_.size(); ++i) {
    uint64_t s = Mix(seed ^ Mix(i + 1));
    state_.push_back(State{.seed = s, .random = IdGenerator(s)});
  }
}

bool SeededFaults::Fires(size_t i) {
  const FaultSpec& f = specs_[i];
  State& s = state_[i];
  uint64_t match = ++s.matches;
  if (f.times != 0 && s.fired >= f.times) return false;
  if (f.nth != 0 && match != f.nth) return false;
  if (f.probability < 1.0) {
    // A draw per match, whether or not it fires: the stream's position is
    // the match count, whatever happened before.
    double u = static_cast<double>(s.random.NextU64() >> 11) * 0x1.0p-53;
    if (u >= f.probability) return false;
  }
  ++s.fired;
  return true;
}

void SeededFaults::Report(size_t i, FiredFault fired) {
  fired.index = i;
  fired.spec = &specs_[i];
  fired.seed = state_[i].seed;
  fired.match = state_[i].matches;
  if (on_fired_) on_fired_(fired);
}

CallFault SeededFaults::OnCall(const CallSite& call) {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const FaultSpec& f = specs_[i];
    using Kind = FaultSpec::Kind;
    switch (f.kind) {
      case Kind::kCrash:
      case Kind::kTimeout:
        // At a call only when one is named; a call from no invocation
        // cannot crash.
        if (f.action.empty() || call.function.empty()) continue;
        break;
      case Kind::kDuplicate:
        // At a call: an Event invocation (the rest are deliveries).
        if (f.action.empty() || !call.event_invoke) continue;
        break;
      case Kind::kVisibilityLapse:
      case Kind::kDown:
      case Kind::kSlow:
        continue;
      default:
        break;
    }
    if (!GlobMatch(f.action, call.action) ||
        !GlobMatch(f.resource, call.resource) ||
        !GlobMatch(f.function, call.function) || !Fires(i)) {
      continue;
    }
    CallFault out;
    out.when = f.when;
    switch (f.kind) {
      case Kind::kCrash:
        out.act = CallFault::Act::kCrash;
        break;
      case Kind::kTimeout:
        out.act = CallFault::Act::kTimeout;
        break;
      case Kind::kError:
        out.act = CallFault::Act::kFail;
        out.error_type = f.error;
        out.http_status = ErrorStatusFor(f.error);
        out.message = "Injected fault (" + f.label + ")";
        break;
      case Kind::kThrottle: {
        ThrottleError t = ThrottleErrorFor(call.action);
        out.act = CallFault::Act::kFail;
        out.error_type = t.type;
        out.http_status = t.http_status;
        out.message = "Rate exceeded (injected fault " + f.label + ")";
        break;
      }
      case Kind::kDuplicate:
        out.act = CallFault::Act::kDuplicate;
        break;
      case Kind::kDelay:
        out.act = CallFault::Act::kDelay;
        out.delay = f.delay;
        break;
      case Kind::kReorder: {
        out.act = CallFault::Act::kDelay;
        const uint64_t bound = static_cast<uint64_t>(f.delay.count());
        out.delay = Duration(
            bound == 0 ? 0
                       : static_cast<Duration::rep>(state_[i].random.NextU64() %
                                                    (bound + 1)));
        break;
      }
      case Kind::kDeleteQueue:
        out.act = CallFault::Act::kDeleteQueue;
        break;
      case Kind::kVisibilityLapse:
      case Kind::kDown:
      case Kind::kSlow:
        break;
    }
    Report(i, FiredFault{.site = "call",
                         .action = std::string(call.action),
                         .resource = std::string(call.resource),
                         .function = std::string(call.function),
                         .request_id = std::string(call.request_id)});
    return out;
  }
  return {};
}

InvocationFault SeededFaults::OnInvocationStart(std::string_view function,
                                                std::string_view request_id) {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const FaultSpec& f = specs_[i];
    if ((f.kind != FaultSpec::Kind::kCrash &&
         f.kind != FaultSpec::Kind::kTimeout) ||
        !f.action.empty() || !GlobMatch(f.function, function) || !Fires(i)) {
      continue;
    }
    Report(i, FiredFault{.site = "invocation",
                         .resource = std::string(function),
                         .function = std::string(function),
                         .request_id = std::string(request_id)});
    return InvocationFault{f.kind == FaultSpec::Kind::kCrash
                               ? InvocationFault::Act::kCrash
                               : InvocationFault::Act::kTimeout};
  }
  return {};
}

std::optional<Duration> SeededFaults::OnDelivery(std::string_view queue,
                                                 std::string_view message_id) {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const FaultSpec& f = specs_[i];
    bool delivery = f.kind == FaultSpec::Kind::kVisibilityLapse ||
                    (f.kind == FaultSpec::Kind::kDuplicate && f.action.empty());
    if (!delivery || !GlobMatch(f.resource, queue) || !Fires(i)) continue;
    Report(i, FiredFault{.site = "delivery",
                         .resource = std::string(queue),
                         .message_id = std::string(message_id)});
    return f.kind == FaultSpec::Kind::kDuplicate ? Duration(0) : f.delay;
  }
  return std::nullopt;
}

bool SeededFaults::OnNotification(std::string_view topic,
                                  std::string_view subscription_arn,
                                  std::string_view message_id) {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const FaultSpec& f = specs_[i];
    if (f.kind != FaultSpec::Kind::kDuplicate || !f.action.empty() ||
        !GlobMatch(f.resource, topic) || !Fires(i)) {
      continue;
    }
    (void)subscription_arn;
    Report(i, FiredFault{.site = "notification",
                         .resource = std::string(topic),
                         .message_id = std::string(message_id)});
    return true;
  }
  return false;
}

HttpFault SeededFaults::OnHttpRequest(const HttpSite& site) {
  for (size_t i = 0; i < specs_.size(); ++i) {
    const FaultSpec& f = specs_[i];
    if ((f.kind != FaultSpec::Kind::kDown &&
         f.kind != FaultSpec::Kind::kSlow) ||
        !GlobMatch(f.resource, site.resource) || !Fires(i)) {
      continue;
    }
    Report(i,
           FiredFault{.site = site.target == HttpSite::Target::kSink ? "sink"
                                                                     : "route",
                      .action = std::string(site.method),
                      .resource = std::string(site.resource)});
    if (f.kind == FaultSpec::Kind::kDown) return {HttpFault::Act::kDown};
    return {HttpFault::Act::kSlow, f.delay};
  }
  return {};
}

}  // namespace fanlab::sim
