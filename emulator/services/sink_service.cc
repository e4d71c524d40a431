#include "emulator/services/sink_service.h"

#include <algorithm>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/json_writer.h"

namespace fanlab::services {
namespace {

Status Invalid(std::string message) {
  return Status(lambda::kInvalidParameterValueException, std::move(message));
}

Status NotFound(std::string_view name) {
  return Status(lambda::kResourceNotFoundException,
                "No sink named " + std::string(name) + ".");
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// `text` for a message: control characters and non-ASCII bytes as '?'.
std::string Shown(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7F) c = '?';
  }
  return out;
}

// The sink name in a path under kSinkPrefix: up to the next '/'.
std::string_view NameIn(std::string_view path) {
  path.remove_prefix(kSinkPrefix.size());
  return path.substr(0, path.find('/'));
}

}  // namespace

size_t SinkRecordBytes(const SinkRecord& record) {
  size_t n = record.method.size() + record.path.size() + record.query.size() +
             record.body.size() + record.source_ip.size();
  for (const auto& [k, v] : record.headers) n += k.size() + v.size();
  return n;
}

SinkService::SinkService(Clock& clock, SinkServiceOptions options)
    : clock_(clock), options_(options) {
  if (options_.max_requests == 0) options_.max_requests = 1;
}

Result<Sink> SinkService::CreateSink(Sink sink) {
  if (sink.name.empty() || sink.name.size() > 80 ||
      !std::all_of(sink.name.begin(), sink.name.end(), IsNameChar)) {
    return Invalid("Sink name '" + sink.name +
                   "' must be 1-80 letters, digits, '-' or '_'.");
  }
  // A 1xx answer is not final: the client would wait for another.
  if (sink.status_code < 200 || sink.status_code > 599) {
    return Invalid("StatusCode " + std::to_string(sink.status_code) +
                   " must be 200-599.");
  }
  for (const auto& [k, v] : sink.headers) {
    // Written as they are on every answer: a bad one would split it.
    if (!ValidHeaderName(k)) {
      return Invalid("Header name '" + Shown(k) +
                     "' must be letters, digits and !#$%&'*+-.^_`|~ only.");
    }
    if (!ValidHeaderValue(v)) {
      return Invalid("Header " + k +
                     " has a control character (CR, LF, ...) in its value.");
    }
  }
  if (sinks_.count(sink.name) != 0) {
    return Status(lambda::kResourceConflictException,
                  "A sink named " + sink.name + " already exists.");
  }
  if (!sink.body.empty() &&
      FindHeader(sink.headers, "Content-Type") == nullptr) {
    sink.headers.push_back({"Content-Type", "text/plain"});
  }
  Entry& e = sinks_[sink.name];
  e.sink = sink;
  JsonWriter w;
  w.BeginObject().Key("statusCode").Int(sink.status_code).EndObject();
  Publish("SinkCreated", sink.name, "", w.str());
  return sink;
}

Status SinkService::DeleteSink(std::string_view name) {
  auto it = sinks_.find(name);
  if (it == sinks_.end()) return NotFound(name);
  std::string n = it->first;
  sinks_.erase(it);
  Publish("SinkDeleted", n, "", "");
  return Status::Ok();
}

std::vector<Sink> SinkService::ListSinks() const {
  std::vector<Sink> out;
  for (const auto& [name, e] : sinks_) out.push_back(e.sink);
  return out;
}

Result<SinkRequests> SinkService::GetRequests(std::string_view name) const {
  auto it = sinks_.find(name);
  if (it == sinks_.end()) return NotFound(name);
  SinkRequests out;
  out.records.assign(it->second.records.begin(), it->second.records.end());
  out.dropped = it->second.dropped;
  return out;
}

Status SinkService::ClearRequests(std::string_view name) {
  auto it = sinks_.find(name);
  if (it == sinks_.end()) return NotFound(name);
  // Cleared requests are not "dropped": the count is of the budgets' losses.
  it->second.records.clear();
  it->second.bytes = 0;
  return Status::Ok();
}

bool SinkService::IsSinkPath(std::string_view path) {
  return path.starts_with(kSinkPrefix) ||
         path == kSinkPrefix.substr(0, kSinkPrefix.size() - 1);
}

HttpResponse SinkService::Handle(const HttpRequest& request) {
  std::string_view name = request.path.size() >= kSinkPrefix.size()
                              ? NameIn(request.path)
                              : std::string_view();
  auto it = sinks_.find(name);
  if (it == sinks_.end()) {
    HttpResponse out;
    out.status = 404;
    out.headers.push_back({"Content-Type", "application/json"});
    JsonWriter w;
    w.BeginObject()
        .Key("message")
        .String("No sink named " + std::string(IsValidUtf8(name) ? name : "?") +
                ".")
        .EndObject();
    out.body = w.Take();
    return out;
  }
  Entry& e = it->second;
  SinkRecord r;
  r.sequence = e.next_sequence++;
  r.method = request.method;
  r.path = request.path;
  r.query = request.query;
  r.headers = request.headers;
  r.body = request.body;
  r.source_ip = request.source_ip;
  r.time = clock_.Now();
  const size_t bytes = SinkRecordBytes(r);
  while (!e.records.empty() && (e.records.size() >= options_.max_requests ||
                                e.bytes + bytes > options_.max_bytes)) {
    e.bytes -= SinkRecordBytes(e.records.front());
    e.records.pop_front();
    ++e.dropped;
  }
  e.bytes += bytes;
  e.records.push_back(std::move(r));
  const SinkRecord& kept = e.records.back();

  HttpResponse out;
  out.status = e.sink.status_code;
  out.headers = e.sink.headers;
  out.body = e.sink.body;
  if (observer_ != nullptr) {
    JsonWriter w;
    w.BeginObject()
        .Key("method")
        .String(IsValidUtf8(kept.method) ? kept.method : "?")
        .Key("path")
        .String(IsValidUtf8(kept.path) ? kept.path : "?")
        .Key("status")
        .Int(out.status)
        .EndObject();
    Publish("SinkRequest", e.sink.name, std::to_string(kept.sequence), w.str());
  }
  return out;
}

void SinkService::Publish(std::string_view kind, std::string_view resource,
                          std::string_view key, std::string_view detail) {
  Notify(observer_, "http", clock_.Now(), kind, resource, key, detail);
}

}  // namespace fanlab::services
