// Sinks: named HTTP endpoints that record every request they get and
// answer with a configured status, body and headers, so that a test can
// hand a function a callback URL (DoParallel's `callback`, an SNS http
// subscription) and read afterwards what was delivered.
//
// A sink named NAME is served under kSinkPrefix: "/_sinks/NAME" and
// everything below it ("/_sinks/NAME/any/path?x=1"), any method. Each
// sink keeps its last requests within two budgets, a count and a size in
// bytes (oldest dropped first, and counted). Pure: no sockets; times from
// the Clock.
//
// Thread safety: none; the engine thread owns it.
#ifndef FANLAB_EMULATOR_SERVICES_SINK_SERVICE_H_
#define FANLAB_EMULATOR_SERVICES_SINK_SERVICE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"
#include "emulator/services/http_poster.h"
#include "emulator/services/service_observer.h"

namespace fanlab::services {

// Where sinks live on the HTTP front.
inline constexpr std::string_view kSinkPrefix = "/_sinks/";

struct Sink {
  std::string name;       // 1-80 characters: letters, digits, '-', '_'
  int status_code = 200;  // 200-599 (1xx is not a final answer)
  std::string body;       // the answer's body
  HttpHeaders headers;    // the answer's headers (Content-Type defaults to
                          // text/plain when a body is set)
};

// One recorded request.
struct SinkRecord {
  uint64_t sequence = 0;  // 1, 2, ... per sink, never reused
  std::string method;
  std::string path;   // as sent, the prefix and name included
  std::string query;  // raw, without '?'
  HttpHeaders headers;
  std::string body;  // bytes as received
  std::string source_ip;
  TimePoint time;  // the Clock's time when it arrived
};

struct SinkRequests {
  std::vector<SinkRecord> records;  // oldest first
  uint64_t dropped = 0;  // older requests no longer kept (the budgets)
};

struct SinkServiceOptions {
  // Kept per sink: at most this many requests...
  size_t max_requests = 10000;
  // ...and at most this many bytes of them (SinkRecordBytes), so that
  // large bodies cannot pile up: 10,000 bodies of the front's 10 MB would
  // be 100 GB. The newest request is always kept, even alone over it.
  size_t max_bytes = 64 * 1024 * 1024;
};

// What a record counts against max_bytes: the bytes of its method, path,
// query, header names and values, body and source address.
size_t SinkRecordBytes(const SinkRecord& record);

class SinkService {
 public:
  // `clock` must outlive the service.
  explicit SinkService(Clock& clock, SinkServiceOptions options = {});

  // Errors: InvalidParameterValueException (bad name, a status outside
  // 200-599, a header name that is not ValidHeaderName or a value that is
  // not ValidHeaderValue), ResourceConflictException (the name is taken).
  Result<Sink> CreateSink(Sink sink);
  // Forgets the sink and its requests. Errors: ResourceNotFoundException.
  Status DeleteSink(std::string_view name);
  // Sorted by name.
  std::vector<Sink> ListSinks() const;
  // Requests the sink has recorded (and still keeps).
  // Errors: ResourceNotFoundException.
  Result<SinkRequests> GetRequests(std::string_view name) const;
  // Errors: ResourceNotFoundException.
  Status ClearRequests(std::string_view name);

  // True when `path` is under kSinkPrefix (the front's test).
  static bool IsSinkPath(std::string_view path);
  // Records `request` (whose path is under kSinkPrefix) for its sink and
  // returns the sink's answer; 404 {"message":"No sink named NAME"} when
  // there is none (nothing recorded).
  HttpResponse Handle(const HttpRequest& request);

  // Where the HTTP front serves ("http://127.0.0.1:PORT"); "" while it is
  // not bound.
  void SetBaseUrl(std::string url) { base_url_ = std::move(url); }
  // The sink's URL: base URL + kSinkPrefix + name; "" while not bound.
  std::string Url(std::string_view name) const {
    if (base_url_.empty()) return "";
    return base_url_ + std::string(kSinkPrefix) + std::string(name);
  }

  // Events: SinkCreated, SinkDeleted (resource: the name), SinkRequest
  // (resource: the name; key: the sequence number; detail: method, path,
  // status).
  void SetObserver(ServiceObserver* observer) { observer_ = observer; }

 private:
  struct Entry {
    Sink sink;
    std::deque<SinkRecord> records;
    uint64_t next_sequence = 1;
    uint64_t dropped = 0;
    size_t bytes = 0;  // SinkRecordBytes of `records`
  };
  void Publish(std::string_view kind, std::string_view resource,
               std::string_view key, std::string_view detail);

  Clock& clock_;
  SinkServiceOptions options_;
  std::map<std::string, Entry, std::less<>> sinks_;
  ServiceObserver* observer_ = nullptr;
  std::string base_url_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_SINK_SERVICE_H_
