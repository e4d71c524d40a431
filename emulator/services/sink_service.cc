#include "emulator/services/sink_service.h"

#include <algorithm>

#include "emulator/core/json_writer.h"

namespace fanlab::services {
namespace {

Status Invalid(std::string message) {
  return Status(ErrorCode::kInvalidParameterValueException, std::move(message));
}

Status NotFound(std::string_view name) {
  return Status(ErrorCode::kResourceNotFoundException,
                "No sink named " + std::string(name) + ".");
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// The sink name in a path under kSinkPrefix: up to the next '/'.
std::string_view NameIn(std::string_view path) {
  path.remove_prefix(kSinkPrefix.size());
  return path.substr(0, path.find('/'));
}

}  // namespace

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
  if (sink.status_code < 100 || sink.status_code > 599) {
    return Invalid("StatusCode " + std::to_string(sink.status_code) +
                   " must be 100-599.");
  }
  for (const auto& [k, v] : sink.headers) {
    if (k.empty() || k.find_first_of("\r\n: ") != std::string::npos ||
        v.find_first_of("\r\n") != std::string::npos) {
      return Invalid("Header '" + k + "' is not a valid header.");
    }
  }
  if (sinks_.count(sink.name) != 0) {
    return Status(ErrorCode::kResourceConflictException,
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
  // Cleared requests are not "dropped": the count is of the cap's losses.
  it->second.records.clear();
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
        .String("No sink named " + std::string(IsUtf8(name) ? name : "?") + ".")
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
  if (e.records.size() >= options_.max_requests) {
    e.records.pop_front();
    ++e.dropped;
  }
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
        .String(IsUtf8(kept.method) ? kept.method : "?")
        .Key("path")
        .String(IsUtf8(kept.path) ? kept.path : "?")
        .Key("status")
        .Int(out.status)
        .EndObject();
    Publish("SinkRequest", e.sink.name, std::to_string(kept.sequence), w.str());
  }
  return out;
}

void SinkService::Publish(std::string_view kind, std::string_view resource,
                          std::string_view key, std::string_view detail) {
  if (observer_ == nullptr) return;
  observer_->OnServiceEvent({.service = "http",
                             .kind = kind,
                             .at = clock_.Now(),
                             .resource = resource,
                             .key = key,
                             .detail = detail});
}

}  // namespace fanlab::services
