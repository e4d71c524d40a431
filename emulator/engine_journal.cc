#include "emulator/engine_journal.h"

#include "emulator/persist/record.h"

namespace fanlab {
namespace {

using persist::Decoder;
using persist::PutBytes;
using persist::PutTime;
using persist::PutVarint;

constexpr const char* kFunctions = "lambda.function";
constexpr const char* kMappings = "lambda.mapping";
constexpr const char* kRoutes = "http.route";
constexpr const char* kSinks = "http.sink";

void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, static_cast<uint64_t>(v));
}
bool GetSigned(Decoder& d, int64_t& v) {
  uint64_t u;
  if (!d.Varint(u)) return false;
  v = static_cast<int64_t>(u);
  return true;
}
void PutOptional(std::string& out, const std::optional<int64_t>& v) {
  PutVarint(out, v ? 1 : 0);
  if (v) PutSigned(out, *v);
}
bool GetOptional(Decoder& d, std::optional<int64_t>& v) {
  uint64_t has;
  if (!d.Varint(has)) return false;
  if (!has) return true;
  int64_t x;
  if (!GetSigned(d, x)) return false;
  v = x;
  return true;
}

std::string EncodeFunction(const compute::FunctionConfig& c,
                           const Result<compute::EventInvokeConfig>& event) {
  std::string out;
  PutBytes(out, c.name);
  PutBytes(out, c.runtime);
  PutBytes(out, c.handler);
  PutVarint(out, c.command.size());
  for (const auto& arg : c.command) PutBytes(out, arg);
  PutBytes(out, c.working_dir);
  PutBytes(out, c.code_dir);
  PutBytes(out, c.code_sha256);
  PutSigned(out, c.code_size);
  PutVarint(out, c.mode == compute::Mode::kWarm ? 1 : 0);
  PutSigned(out, c.timeout_seconds);
  PutSigned(out, c.memory_mb);
  PutVarint(out, c.env.size());
  for (const auto& [k, v] : c.env) {
    PutBytes(out, k);
    PutBytes(out, v);
  }
  PutOptional(out, c.reserved_concurrency);
  PutSigned(out, c.virtual_duration.count());
  PutSigned(out, c.virtual_duration_max.count());
  PutVarint(out, event.ok() ? 1 : 0);
  if (event.ok()) {
    PutSigned(out, event->maximum_retry_attempts);
    PutSigned(out, event->maximum_event_age_seconds);
    PutBytes(out, event->on_success);
    PutBytes(out, event->on_failure);
  }
  PutBytes(out, c.dead_letter_target_arn);
  return out;
}

bool DecodeFunction(std::string_view blob, compute::FunctionConfig& c,
                    std::optional<compute::EventInvokeConfig>& event) {
  Decoder d(blob);
  uint64_t n, warm, has_event;
  int64_t vd, vd_max;
  if (!d.Bytes(c.name) || !d.Bytes(c.runtime) || !d.Bytes(c.handler) ||
      !d.Varint(n)) {
    return false;
  }
  for (uint64_t i = 0; i < n; ++i) {
    std::string arg;
    if (!d.Bytes(arg)) return false;
    c.command.push_back(std::move(arg));
  }
  if (!d.Bytes(c.working_dir) || !d.Bytes(c.code_dir) ||
      !d.Bytes(c.code_sha256) || !GetSigned(d, c.code_size) ||
      !d.Varint(warm) || !GetSigned(d, c.timeout_seconds) ||
      !GetSigned(d, c.memory_mb) || !d.Varint(n)) {
    return false;
  }
  c.mode = warm ? compute::Mode::kWarm : compute::Mode::kCold;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!d.Bytes(k) || !d.Bytes(v)) return false;
    c.env.emplace(std::move(k), std::move(v));
  }
  if (!GetOptional(d, c.reserved_concurrency) || !GetSigned(d, vd) ||
      !GetSigned(d, vd_max) || !d.Varint(has_event)) {
    return false;
  }
  c.virtual_duration = Duration(vd);
  c.virtual_duration_max = Duration(vd_max);
  if (has_event) {
    compute::EventInvokeConfig e;
    if (!GetSigned(d, e.maximum_retry_attempts) ||
        !GetSigned(d, e.maximum_event_age_seconds) || !d.Bytes(e.on_success) ||
        !d.Bytes(e.on_failure)) {
      return false;
    }
    event = e;
  }
  if (!d.Bytes(c.dead_letter_target_arn)) return false;
  return d.done();
}

std::string EncodeMapping(const compute::EventSourceMapping& m) {
  std::string out;
  PutBytes(out, m.uuid);
  PutBytes(out, m.event_source_arn);
  PutBytes(out, m.function_name);
  PutSigned(out, m.batch_size);
  PutSigned(out, m.maximum_batching_window_seconds);
  PutOptional(out, m.maximum_concurrency);
  PutVarint(out, m.report_batch_item_failures ? 1 : 0);
  PutVarint(out, m.enabled ? 1 : 0);
  PutBytes(out, m.state_transition_reason);
  PutTime(out, m.last_modified);
  return out;
}

bool DecodeMapping(std::string_view blob, compute::EventSourceMapping& m) {
  Decoder d(blob);
  uint64_t report, enabled;
  if (!d.Bytes(m.uuid) || !d.Bytes(m.event_source_arn) ||
      !d.Bytes(m.function_name) || !GetSigned(d, m.batch_size) ||
      !GetSigned(d, m.maximum_batching_window_seconds) ||
      !GetOptional(d, m.maximum_concurrency) || !d.Varint(report) ||
      !d.Varint(enabled) || !d.Bytes(m.state_transition_reason) ||
      !d.Time(m.last_modified)) {
    return false;
  }
  m.report_batch_item_failures = report != 0;
  m.enabled = enabled != 0;
  return d.done();
}

std::string EncodeRoute(const services::Route& r) {
  std::string out;
  PutBytes(out, r.method);
  PutBytes(out, r.path);
  PutBytes(out, r.function);
  PutVarint(out, r.api_key_required ? 1 : 0);
  PutVarint(out, r.api_keys.size());
  for (const auto& key : r.api_keys) PutBytes(out, key);
  PutBytes(out, r.payload_format);
  return out;
}

bool DecodeRoute(std::string_view blob, services::Route& r) {
  Decoder d(blob);
  uint64_t required, n;
  if (!d.Bytes(r.method) || !d.Bytes(r.path) || !d.Bytes(r.function) ||
      !d.Varint(required) || !d.Varint(n)) {
    return false;
  }
  r.api_key_required = required != 0;
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    if (!d.Bytes(key)) return false;
    r.api_keys.push_back(std::move(key));
  }
  if (!d.Bytes(r.payload_format)) return false;
  return d.done();
}

std::string EncodeSink(const services::Sink& s) {
  std::string out;
  PutBytes(out, s.name);
  PutSigned(out, s.status_code);
  PutBytes(out, s.body);
  PutVarint(out, s.headers.size());
  for (const auto& [k, v] : s.headers) {
    PutBytes(out, k);
    PutBytes(out, v);
  }
  return out;
}

bool DecodeSink(std::string_view blob, services::Sink& s) {
  Decoder d(blob);
  int64_t status;
  uint64_t n;
  if (!d.Bytes(s.name) || !GetSigned(d, status) || !d.Bytes(s.body) ||
      !d.Varint(n)) {
    return false;
  }
  s.status_code = static_cast<int>(status);
  for (uint64_t i = 0; i < n; ++i) {
    std::string k, v;
    if (!d.Bytes(k) || !d.Bytes(v)) return false;
    s.headers.emplace_back(std::move(k), std::move(v));
  }
  return d.done();
}

// Puts what changed and erases what is gone, then remembers `now`.
void Diff(persist::LogWriter& out, const char* space,
          std::map<std::string, std::string>& written,
          std::map<std::string, std::string> now) {
  for (const auto& [key, value] : now) {
    auto it = written.find(key);
    if (it == written.end() || it->second != value) {
      out.Add(persist::RecordKind::kPut, persist::PutRecord{space, key, value});
    }
  }
  for (const auto& [key, value] : written) {
    if (!now.contains(key)) {
      out.Add(persist::RecordKind::kErase, persist::EraseRecord{space, key});
    }
  }
  written = std::move(now);
}

}  // namespace

bool ObjectJournal::MayChange(std::string_view action) {
  if (size_t at = action.find_last_of(":."); at != std::string_view::npos) {
    action.remove_prefix(at + 1);
  }
  return !action.starts_with("Get") && !action.starts_with("List") &&
         !action.starts_with("Invoke");
}

std::map<std::string, std::string> ObjectJournal::EncodeFunctions() const {
  std::map<std::string, std::string> out;
  for (const auto& c : functions_.ListFunctions()) {
    out[c.name] = EncodeFunction(c, functions_.GetEventInvokeConfig(c.name));
  }
  return out;
}

std::map<std::string, std::string> ObjectJournal::EncodeMappings() const {
  std::map<std::string, std::string> out;
  for (const auto& m : mappings_.List("", "")) out[m.uuid] = EncodeMapping(m);
  return out;
}

std::map<std::string, std::string> ObjectJournal::EncodeRoutes() const {
  std::map<std::string, std::string> out;
  for (const auto& r : routes_.ListRoutes()) {
    out[r.method + " " + r.path] = EncodeRoute(r);
  }
  return out;
}

std::map<std::string, std::string> ObjectJournal::EncodeSinks() const {
  std::map<std::string, std::string> out;
  for (const auto& s : sinks_.ListSinks()) out[s.name] = EncodeSink(s);
  return out;
}

void ObjectJournal::Sync(persist::LogWriter& out) {
  Diff(out, kFunctions, written_functions_, EncodeFunctions());
  Diff(out, kMappings, written_mappings_, EncodeMappings());
  Diff(out, kRoutes, written_routes_, EncodeRoutes());
  Diff(out, kSinks, written_sinks_, EncodeSinks());
}

void ObjectJournal::Dump(persist::LogWriter& out) const {
  for (const auto& [key, value] : written_functions_) {
    out.Add(persist::RecordKind::kPut,
            persist::PutRecord{kFunctions, key, value});
  }
  for (const auto& [key, value] : written_mappings_) {
    out.Add(persist::RecordKind::kPut,
            persist::PutRecord{kMappings, key, value});
  }
  for (const auto& [key, value] : written_routes_) {
    out.Add(persist::RecordKind::kPut, persist::PutRecord{kRoutes, key, value});
  }
  for (const auto& [key, value] : written_sinks_) {
    out.Add(persist::RecordKind::kPut, persist::PutRecord{kSinks, key, value});
  }
}

void ObjectJournal::Restore(
    const persist::Image& image,
    const std::function<void(const std::string&)>& warn) {
  for (const auto& [name, blob] : image.Space(kFunctions)) {
    compute::FunctionConfig c;
    std::optional<compute::EventInvokeConfig> event;
    if (!DecodeFunction(blob, c, event)) {
      warn("the stored function " + name + " does not decode; skipped");
      continue;
    }
    std::optional<int64_t> reserved = c.reserved_concurrency;
    c.reserved_concurrency.reset();
    auto created = functions_.CreateFunction(c);
    if (!created.ok()) {
      warn("function " + name +
           " cannot be re-created: " + created.status().message());
      continue;
    }
    if (reserved) (void)functions_.PutFunctionConcurrency(name, reserved);
    if (event) (void)functions_.PutEventInvokeConfig(name, *event);
  }
  for (const auto& [uuid, blob] : image.Space(kMappings)) {
    compute::EventSourceMapping m;
    if (!DecodeMapping(blob, m)) {
      warn("the stored event source mapping " + uuid +
           " does not decode; skipped");
      continue;
    }
    auto created = mappings_.Create(m);
    if (!created.ok()) {
      warn("event source mapping " + uuid +
           " cannot be re-created: " + created.status().message());
    }
  }
  for (const auto& [name, blob] : image.Space(kSinks)) {
    services::Sink sink;
    if (!DecodeSink(blob, sink)) {
      warn("the stored sink " + name + " does not decode; skipped");
      continue;
    }
    if (auto created = sinks_.CreateSink(sink); !created.ok()) {
      warn("sink " + name +
           " cannot be re-created: " + created.status().message());
    }
  }
  for (const auto& [key, blob] : image.Space(kRoutes)) {
    services::Route route;
    if (!DecodeRoute(blob, route)) {
      warn("the stored route " + key + " does not decode; skipped");
      continue;
    }
    if (auto created = routes_.CreateRoute(route); !created.ok()) {
      warn("route " + key +
           " cannot be re-created: " + created.status().message());
    }
  }
  written_functions_ = EncodeFunctions();
  written_mappings_ = EncodeMappings();
  written_routes_ = EncodeRoutes();
  written_sinks_ = EncodeSinks();
}

}  // namespace fanlab
