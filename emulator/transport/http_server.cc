#include "emulator/transport/http_server.h"

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstring>
#include <optional>
#include <vector>

#include "emulator/core/ascii.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {
class Session;
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, Handler h, HttpServerOptions o)
      : io(io_context),
        acceptor(io_context),
        retry(io_context),
        ticker(io_context),
        handler(std::move(h)),
        options(std::move(o)) {}

  void Accept();
  SteadyTime Now() const {
    return options.now ? options.now() : std::chrono::steady_clock::now();
  }
  // Arms the timeout check while connections are open.
  void Tick();
  void CheckTimeouts();
  // Closes the open connection that has waited longest for a request's
  // bytes; false when every one is with the handler or being written to.
  bool Evict();

  asio::io_context& io;
  tcp::acceptor acceptor;
  asio::steady_timer retry;   // re-arms accept after EMFILE and the like
  asio::steady_timer ticker;  // CheckTimeouts every timeout_tick
  bool ticking = false;
  uint64_t connections_made = 0;  // HttpRequest::connection's serial
  Handler handler;
  HttpServerOptions options;
  std::string url;
  bool alive = true;  // false once the HttpServer is gone
  size_t open = 0;    // sessions not closed
  // Every session alive; each removes itself when destroyed.
  std::vector<Session*> sessions;
};

namespace {

constexpr size_t kInitialBuffer = 8 * 1024;
constexpr size_t kBodyBuffer = 64 * 1024;  // reads while a large body comes
constexpr size_t kChunkLineLimit = 4096;   // "SIZE;extensions\r\n"
// Bodies up to this go out in the same buffer as their head.
constexpr size_t kCopiedBody = 16 * 1024;
// How long a closing connection drains what the client still sends.
constexpr std::chrono::milliseconds kLingerTime{1000};

// The token characters of RFC 9110 5.6.2, by byte: a table, as every
// byte of every method and header name is looked up.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}();

bool IsToken(char c) { return kTokenChars[static_cast<unsigned char>(c)]; }

// Where "\r\n\r\n" starts in [p, p + n), or null: what memmem finds,
// from memchr's fast scan for each line feed (a head has a few lines).
const char* FindHeadEnd(const char* p, size_t n) {
  const char* end = p + n;
  for (const char* at = p + std::min<size_t>(n, 3); at < end; ++at) {
    at = static_cast<const char*>(std::memchr(at, '\n', end - at));
    if (at == nullptr) return nullptr;
    if (at[-1] == '\r' && at[-2] == '\n' && at[-3] == '\r') return at - 3;
  }
  return nullptr;
}

// True when the comma-separated list `value` holds `token` (any case).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (EqualsIgnoringAsciiCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// The last item of a comma-separated list, trimmed.
std::string_view LastToken(std::string_view value) {
  size_t comma = value.rfind(',');
  if (comma != std::string_view::npos) value.remove_prefix(comma + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  return value;
}

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

// One connection: reads requests into its buffer, parses them there,
// hands each to the handler, writes the answers, while the client keeps
// the connection alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // What the connection waits for, for the timeouts and for eviction.
  enum class Phase { kHead, kBody, kIdle, kHandler, kLinger };

  Session(tcp::socket socket, std::shared_ptr<HttpServer::Impl> server)
      : socket_(std::move(socket)), server_(std::move(server)) {
    error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (!ec) {
      peer_ = peer.address().to_string();
      peer_port_ = peer.port();
    }
    connection_ = ++server_->connections_made;
    index_ = server_->sessions.size();
    server_->sessions.push_back(this);
    ++server_->open;
  }
  ~Session() {
    auto& all = server_->sessions;
    all[index_] = all.back();
    all[index_]->index_ = index_;
    all.pop_back();
    if (!closed_) --server_->open;
  }

  void Start() {
    phase_ = Phase::kHead;  // the first request's head is due now
    since_ = server_->Now();
    StartRead();
  }

  // Ends the connection at once (pending operations see an error).
  void Close() {
    if (closed_) return;
    closed_ = true;
    --server_->open;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  bool closed() const { return closed_; }
  bool writing() const { return writing_; }
  Phase phase() const { return phase_; }
  SteadyTime since() const { return since_; }
  SteadyTime writing_since() const { return writing_since_; }

  // The handler's answer to request number `generation`.
  void Answer(uint64_t generation, services::HttpResponse response) {
    if (closed_ || phase_ != Phase::kHandler || generation != generation_) {
      return;
    }
    WriteResponse(std::move(response), !keep_alive_);
    phase_ = begin_ < end_ ? Phase::kHead : Phase::kIdle;
    since_ = server_->Now();
    if (!processing_) Process();
  }
  // Every copy of request `generation`'s Respond was dropped unanswered.
  void Abandoned(uint64_t generation) {
    if (phase_ == Phase::kHandler && generation == generation_) Close();
  }

 private:
  enum class Parsed { kNeedMore, kRequest, kFailed };
  // How the bytes after a head are framed.
  enum class Framing {
    kHead,
    kLength,
    kChunkSize,
    kChunkData,
    kChunkEnd,
    kTrailers
  };

  void StartRead() {
    if (reading_ || closed_) return;
    if (begin_ == end_) begin_ = end_ = 0;
    size_t want = framing_ == Framing::kHead ? kInitialBuffer : kBodyBuffer;
    if (buffer_.size() < want) buffer_.resize(want);
    if (end_ == buffer_.size()) {
      if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        scan_ = 0;
      } else {
        // A head (at most header_limit) or a chunk line not yet complete.
        buffer_.resize(buffer_.size() * 2);
      }
    }
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
        [self = shared_from_this()](error_code ec, size_t n) {
          self->OnRead(ec, n);
        });
  }

  void OnRead(error_code ec, size_t n) {
    reading_ = false;
    // Timeouts, resets, end of stream (also inside a message): nobody to
    // answer.
    if (ec || closed_) return Close();
    // Read before the server went away, run after: answer nothing.
    if (!server_->alive) return Close();
    end_ += n;
    if (phase_ == Phase::kLinger) {
      begin_ = end_ = 0;
      return StartRead();
    }
    if (phase_ == Phase::kIdle) {
      phase_ = Phase::kHead;
      since_ = server_->Now();
    } else if (phase_ == Phase::kBody) {
      since_ = server_->Now();  // a body may pause, not stall
    }
    Process();
  }

  // Handles every request the buffer holds, one at a time, then writes
  // the answers and reads on.
  void Process() {
    processing_ = true;
    while (!closed_ && !close_after_ && phase_ != Phase::kHandler &&
           big_body_.empty()) {
      Parsed p = Parse();
      if (p == Parsed::kNeedMore) break;
      if (p == Parsed::kRequest) Dispatch();
    }
    processing_ = false;
    Flush();
  }

  Parsed Parse() {
    switch (framing_) {
      case Framing::kHead:
        return ParseHead();
      case Framing::kLength: {
        size_t take = std::min<size_t>(remaining_, end_ - begin_);
        request_.body.append(buffer_.data() + begin_, take);
        begin_ += take;
        remaining_ -= take;
        if (remaining_ > 0) return Parsed::kNeedMore;
        framing_ = Framing::kHead;
        return Parsed::kRequest;
      }
      default:
        return ParseChunked();
    }
  }

  Parsed Fail(int status, std::string_view message) {
    services::HttpResponse r;
    r.status = status;
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = "{\"message\":\"" + std::string(message) + "\"}";
    WriteResponse(std::move(r), /*close=*/true);
    return Parsed::kFailed;
  }

  Parsed ParseHead() {
    const HttpServerOptions& o = server_->options;
    // Empty lines before a request line are ignored (RFC 9112 2.2).
    while (begin_ < end_ &&
           (buffer_[begin_] == '\r' || buffer_[begin_] == '\n')) {
      ++begin_;
    }
    if (begin_ == end_) return Parsed::kNeedMore;
    const char* base = buffer_.data() + begin_;
    size_t size = end_ - begin_;
    size_t from = scan_ > begin_ + 3 ? scan_ - 3 - begin_ : 0;
    const char* found =
        from < size ? FindHeadEnd(base + from, size - from) : nullptr;
    if (found == nullptr) {
      scan_ = end_;
      if (size > o.header_limit) {
        return Fail(431, "Request Header Fields Too Large");
      }
      return Parsed::kNeedMore;
    }
    size_t head_size = found - base + 4;
    scan_ = 0;
    if (head_size > o.header_limit) {
      return Fail(431, "Request Header Fields Too Large");
    }
    std::string_view head(base, head_size - 2);  // each line ends in CRLF
    begin_ += head_size;

    // The request line: METHOD SP TARGET SP HTTP/1.x CRLF.
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol + 2);
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return Fail(400, "Bad Request");
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (method.empty() || !std::all_of(method.begin(), method.end(), IsToken) ||
        target.empty()) {
      return Fail(400, "Bad Request");
    }
    for (char c : target) {
      auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7F) return Fail(400, "Bad Request");
    }
    if (version == "HTTP/1.1") {
      version_ = 11;
    } else if (version == "HTTP/1.0") {
      version_ = 10;
    } else {
      return Fail(400, "Bad Request");
    }

    services::HttpRequest& r = request_;
    r = services::HttpRequest();
    r.method.assign(method);
    // Absolute form ("http://host/path"): only the path and query count.
    if (target.starts_with("http://") || target.starts_with("https://")) {
      size_t slash = target.find('/', target.find("//") + 2);
      target = slash == std::string_view::npos ? std::string_view("/")
                                               : target.substr(slash);
    }
    size_t q = target.find('?');
    r.path.assign(target.substr(0, q));
    if (q != std::string_view::npos) r.query.assign(target.substr(q + 1));
    r.source_ip = peer_;
    r.source_port = peer_port_;
    r.connection = connection_;
    r.headers.reserve(12);

    std::optional<uint64_t> length;
    bool chunked = false, close = false, keep_alive = false, expect = false;
    size_t count = 0;
    while (!head.empty()) {
      eol = head.find("\r\n");
      line = head.substr(0, eol);
      head.remove_prefix(eol + 2);
      // A folded line (obsolete) or a name with spaces is malformed.
      size_t colon = line.find(':');
      if (colon == 0 || colon == std::string_view::npos) {
        return Fail(400, "Bad Request");
      }
      std::string_view name = line.substr(0, colon);
      if (!std::all_of(name.begin(), name.end(), IsToken)) {
        return Fail(400, "Bad Request");
      }
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      if (!services::ValidHeaderValue(value)) return Fail(400, "Bad Request");
      if (++count > o.header_count) {
        return Fail(431, "Request Header Fields Too Large");
      }
      switch (name.size()) {
        case 14:
          if (EqualsIgnoringAsciiCase(name, "Content-Length")) {
            uint64_t n = 0;
            auto [end, err] =
                std::from_chars(value.data(), value.data() + value.size(), n);
            if (value.empty() || err != std::errc() ||
                end != value.data() + value.size() ||
                (length && *length != n)) {
              return Fail(400, "Bad Request");
            }
            length = n;
          }
          break;
        case 17:
          if (EqualsIgnoringAsciiCase(name, "Transfer-Encoding")) {
            if (!EqualsIgnoringAsciiCase(LastToken(value), "chunked")) {
              return Fail(400, "Bad Request");
            }
            chunked = true;
          }
          break;
        case 10:
          if (EqualsIgnoringAsciiCase(name, "Connection")) {
            close = close || HasToken(value, "close");
            keep_alive = keep_alive || HasToken(value, "keep-alive");
          }
          break;
        case 6:
          if (EqualsIgnoringAsciiCase(name, "Expect")) {
            expect = EqualsIgnoringAsciiCase(value, "100-continue");
          }
          break;
        default:
          break;
      }
      r.headers.emplace_back(std::string(name), std::string(value));
    }
    // Both framings at once is how requests are smuggled: refused.
    if (chunked && length) return Fail(400, "Bad Request");
    keep_alive_ = !close && (version_ == 11 || keep_alive);
    head_ = r.method == "HEAD";

    limit_ = o.body_limit;
    if (o.large_body_limit > o.body_limit && o.large_body && o.large_body(r)) {
      limit_ = o.large_body_limit;
    }
    if (!chunked && length.value_or(0) == 0) return Parsed::kRequest;
    if (length && *length > limit_) return Fail(413, "Request Too Long");
    phase_ = Phase::kBody;
    since_ = server_->Now();
    if (chunked) {
      framing_ = Framing::kChunkSize;
    } else {
      framing_ = Framing::kLength;
      remaining_ = *length;
      // All of it when it is here already; else a part, so that an
      // announced length costs nothing until its bytes come.
      r.body.reserve(std::min<uint64_t>(
          *length, std::max<size_t>(end_ - begin_, 1 << 20)));
    }
    // The client waits for this before it sends the body.
    bool body_here =
        framing_ == Framing::kLength && end_ - begin_ >= remaining_;
    if (expect && version_ == 11 && !body_here) {
      out_ += "HTTP/1.1 100 Continue\r\n\r\n";
    }
    return Parse();
  }

  Parsed ParseChunked() {
    const HttpServerOptions& o = server_->options;
    for (;;) {
      const char* base = buffer_.data() + begin_;
      size_t size = end_ - begin_;
      switch (framing_) {
        case Framing::kChunkSize: {
          const void* crlf = memmem(base, size, "\r\n", 2);
          if (crlf == nullptr) {
            if (size > kChunkLineLimit) return Fail(400, "Bad Request");
            return Parsed::kNeedMore;
          }
          std::string_view line(base, static_cast<const char*>(crlf) - base);
          begin_ += line.size() + 2;
          uint64_t n = 0;
          auto [end, err] =
              std::from_chars(line.data(), line.data() + line.size(), n, 16);
          if (end == line.data() ||
              (end != line.data() + line.size() && *end != ';' && *end != ' ' &&
               *end != '\t')) {
            return Fail(400, "Bad Request");
          }
          if (err != std::errc() || n > limit_ - request_.body.size()) {
            return Fail(413, "Request Too Long");
          }
          remaining_ = n;
          trailers_ = 0;
          framing_ = n == 0 ? Framing::kTrailers : Framing::kChunkData;
          break;
        }
        case Framing::kChunkData: {
          size_t take = std::min<size_t>(remaining_, size);
          request_.body.append(base, take);
          begin_ += take;
          remaining_ -= take;
          if (remaining_ > 0) return Parsed::kNeedMore;
          framing_ = Framing::kChunkEnd;
          break;
        }
        case Framing::kChunkEnd:
          if (size < 2) return Parsed::kNeedMore;
          if (base[0] != '\r' || base[1] != '\n') {
            return Fail(400, "Bad Request");
          }
          begin_ += 2;
          framing_ = Framing::kChunkSize;
          break;
        case Framing::kTrailers: {
          // Trailer fields are read and dropped, within the header limit.
          const void* crlf = memmem(base, size, "\r\n", 2);
          size_t line = crlf == nullptr
                            ? size
                            : static_cast<const char*>(crlf) - base + 2;
          if (trailers_ + line > o.header_limit) {
            return Fail(431, "Request Header Fields Too Large");
          }
          if (crlf == nullptr) return Parsed::kNeedMore;
          begin_ += line;
          trailers_ += line;
          if (line == 2) {
            framing_ = Framing::kHead;
            return Parsed::kRequest;
          }
          break;
        }
        default:
          return Parsed::kNeedMore;
      }
    }
  }

  void Dispatch() {
    // A read that completed just before ~HttpServer still runs if the
    // io_context runs again: the handler (and whatever it points at, the
    // engine's front) may be gone by then.
    if (closed_ || !server_->alive) return Close();
    ++generation_;
    phase_ = Phase::kHandler;
    // No timeout while the handler works (a function may run for minutes).
    struct Slot {
      std::shared_ptr<Session> session;
      uint64_t generation = 0;
      bool used = false;
      ~Slot() {
        if (!used) session->Abandoned(generation);
      }
    };
    auto slot = std::make_shared<Slot>();
    slot->session = shared_from_this();
    slot->generation = generation_;
    server_->handler(
        std::move(request_), [slot](services::HttpResponse response) {
          if (slot->used) return;
          slot->used = true;
          slot->session->Answer(slot->generation, std::move(response));
        });
  }

  // Appends the answer to the output (a large body goes out after it,
  // from its own buffer).
  void WriteResponse(services::HttpResponse r, bool close) {
    if (close) close_after_ = true;
    // Check what a client would misread: no handler can split the answer,
    // or send a 1xx the client would take as interim.
    bool sendable = r.status >= 200 && r.status <= 599;
    for (const auto& [name, value] : r.headers) {
      sendable = sendable && services::ValidHeaderName(name) &&
                 services::ValidHeaderValue(value) && name.size() < 65536 &&
                 value.size() < 65536;
    }
    if (!sendable) {
      r.status = 500;
      r.headers = {{"Content-Type", "application/json"}};
      r.body = "{\"message\":\"Internal server error\"}";
    }
    char status[4];
    std::to_chars(status, status + 3, r.status);
    status[3] = ' ';
    out_ += version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out_.append(status, 4);
    out_ += Reason(r.status);
    out_ += "\r\n";
    bool no_body = r.status == 204 || r.status == 304;
    bool stated_length = false;
    for (const auto& [name, value] : r.headers) {
      if (services::HeaderNameEquals(name, "Content-Length")) {
        // What a GET would get, for HEAD (S3's HeadObject).
        if (!head_ || no_body || stated_length) continue;
        stated_length = true;
      } else if (services::HeaderNameEquals(name, "Transfer-Encoding") ||
                 services::HeaderNameEquals(name, "Connection")) {
        continue;
      }
      out_ += name;
      out_ += ": ";
      out_ += value;
      out_ += "\r\n";
    }
    if (!no_body && !stated_length) {
      char n[24];
      auto end = std::to_chars(n, n + sizeof n, r.body.size()).ptr;
      out_ += "Content-Length: ";
      out_.append(n, end);
      out_ += "\r\n";
    }
    if (close) {
      out_ += "Connection: close\r\n";
    } else if (version_ == 10) {
      out_ += "Connection: keep-alive\r\n";
    }
    out_ += "\r\n";
    if (no_body || head_) return;
    if (r.body.size() <= kCopiedBody) {
      out_ += r.body;
    } else {
      big_body_ = std::move(r.body);
    }
  }

  // Writes what the output holds: at once when the socket takes it,
  // else in the background; then handles what was read meanwhile, or
  // reads on.
  void Flush() {
    if (closed_ || writing_) return;
    if (out_.size() == written_ && big_body_.empty()) {
      if (close_after_) return Linger();
      if (phase_ != Phase::kHandler) StartRead();
      return;
    }
    std::array<asio::const_buffer, 2> buffers{
        asio::buffer(out_.data() + written_, out_.size() - written_),
        asio::buffer(big_body_)};
    error_code ec;
    size_t n = socket_.write_some(buffers, ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      return Close();
    }
    Consume(n);
    if (out_.size() == written_ && big_body_.empty()) return Written();
    writing_ = true;
    writing_since_ = server_->Now();
    buffers = {asio::buffer(out_.data() + written_, out_.size() - written_),
               asio::buffer(big_body_)};
    asio::async_write(socket_, buffers,
                      [self = shared_from_this()](error_code ec2, size_t) {
                        self->writing_ = false;
                        if (ec2 || self->closed_) return self->Close();
                        self->Written();
                      });
  }

  void Consume(size_t n) {
    size_t head = std::min(n, out_.size() - written_);
    written_ += head;
    n -= head;
    if (n > 0) big_body_.erase(0, n);  // rare: a partial write of a body
  }

  void Written() {
    out_.clear();
    written_ = 0;
    big_body_.clear();
    big_body_.shrink_to_fit();
    if (close_after_) return Linger();
    Process();
  }

  // Closing right after an answer can reset the connection before the
  // client has read it, when it is still sending (an oversized body):
  // stop sending, read and drop what comes for a moment, then close.
  void Linger() {
    if (phase_ == Phase::kLinger || closed_) return;
    phase_ = Phase::kLinger;
    since_ = server_->Now();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    begin_ = end_ = 0;
    StartRead();
  }

  tcp::socket socket_;
  std::shared_ptr<HttpServer::Impl> server_;
  size_t index_ = 0;  // in server_->sessions
  std::string peer_;
  uint16_t peer_port_ = 0;
  uint64_t connection_ = 0;  // HttpRequest::connection

  // Read side: buffer_[begin_, end_) is read and not yet parsed.
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t scan_ = 0;  // where the search for a head's end resumes
  Framing framing_ = Framing::kHead;
  uint64_t remaining_ = 0;  // of a Content-Length body or of a chunk
  size_t limit_ = 0;        // the body limit of the request being read
  size_t trailers_ = 0;     // bytes of a chunked body's trailer section
  services::HttpRequest request_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;

  // Write side: out_[written_, end) then big_body_.
  std::string out_;
  size_t written_ = 0;
  std::string big_body_;

  Phase phase_ = Phase::kHead;
  SteadyTime since_;  // the phase began (or a body last progressed)
  SteadyTime writing_since_;
  bool reading_ = false;
  bool writing_ = false;
  bool processing_ = false;
  bool close_after_ = false;
  bool closed_ = false;
  uint64_t generation_ = 0;  // requests dispatched on this connection
};

// "127.0.0.1", "127.a.b.c", "localhost" and "::1" only.
std::optional<asio::ip::address> LoopbackAddress(std::string_view host) {
  if (host == "localhost") return asio::ip::make_address_v4("127.0.0.1");
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  error_code ec;
  asio::ip::address a = asio::ip::make_address(std::string(host), ec);
  if (ec || !a.is_loopback()) return std::nullopt;
  return a;
}

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor.async_accept(
      [self = shared_from_this()](error_code ec, tcp::socket socket) {
        if (!self->alive) return;
        if (ec) {
          if (ec == asio::error::operation_aborted) return;
          // Out of descriptors, typically: try again soon rather than spin.
          self->retry.expires_after(std::chrono::milliseconds(100));
          self->retry.async_wait([self](error_code ec2) {
            if (!ec2 && self->alive) self->Accept();
          });
          return;
        }
        if (self->open >= self->options.max_connections && !self->Evict()) {
          error_code ignored;
          socket.close(ignored);
        } else {
          error_code ignored;
          // Small answers go out at once, not after a delayed ACK.
          socket.set_option(tcp::no_delay(true), ignored);
          // Answers are written at once where the socket takes them.
          socket.non_blocking(true, ignored);
          std::make_shared<Session>(std::move(socket), self)->Start();
          self->Tick();
        }
        self->Accept();
      });
}

bool HttpServer::Impl::Evict() {
  Session* oldest = nullptr;
  for (Session* s : sessions) {
    if (s->closed() || s->writing() || s->phase() == Session::Phase::kHandler) {
      continue;
    }
    if (oldest == nullptr || s->since() < oldest->since()) oldest = s;
  }
  if (oldest == nullptr) return false;
  oldest->Close();
  return true;
}

void HttpServer::Impl::Tick() {
  if (ticking || !alive) return;
  ticking = true;
  ticker.expires_after(options.timeout_tick);
  ticker.async_wait([self = shared_from_this()](error_code ec) {
    self->ticking = false;
    if (ec || !self->alive) return;
    self->CheckTimeouts();
    if (self->open > 0) self->Tick();
  });
}

void HttpServer::Impl::CheckTimeouts() {
  const SteadyTime now = Now();
  const HttpServerOptions& o = options;
  // Close() never destroys a session at once (its pending operation holds
  // it), so the list stays as it is during the loop.
  for (Session* s : sessions) {
    if (s->closed()) continue;
    if (s->writing()) {
      if (now - s->writing_since() >= o.write_timeout) s->Close();
      continue;
    }
    std::chrono::steady_clock::duration limit{};
    switch (s->phase()) {
      case Session::Phase::kHead:
        limit = o.header_timeout;
        break;
      case Session::Phase::kBody:
        limit = o.read_timeout;
        break;
      case Session::Phase::kIdle:
        limit = o.idle_timeout;
        break;
      case Session::Phase::kLinger:
        limit = kLingerTime;
        break;
      case Session::Phase::kHandler:
        continue;
    }
    if (now - s->since() >= limit) s->Close();
  }
}

HttpServer::HttpServer(asio::io_context& io, Handler handler,
                       HttpServerOptions options)
    : impl_(
          std::make_shared<Impl>(io, std::move(handler), std::move(options))) {}

HttpServer::~HttpServer() {
  impl_->alive = false;
  error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->retry.cancel();
  impl_->ticker.cancel();
  for (Session* s : std::vector<Session*>(impl_->sessions)) s->Close();
}

Result<std::string> HttpServer::Bind(const std::string& address) {
  auto invalid = [&](const std::string& why) {
    return Status(sqs::kInvalidParameterValue,
                  "Cannot serve HTTP on '" + address + "': " + why);
  };
  if (impl_->acceptor.is_open()) return invalid("the server is bound already.");
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return invalid("expected HOST:PORT.");
  std::string_view host = std::string_view(address).substr(0, colon);
  std::string_view port_text = std::string_view(address).substr(colon + 1);
  unsigned port = 0;
  auto [end, perr] = std::from_chars(port_text.data(),
                                     port_text.data() + port_text.size(), port);
  if (port_text.empty() || perr != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return invalid("bad port.");
  }
  std::optional<asio::ip::address> ip = LoopbackAddress(host);
  if (!ip) {
    return invalid(
        "only loopback addresses (127.0.0.1, localhost, [::1]) are served.");
  }
  tcp::endpoint endpoint(*ip, static_cast<unsigned short>(port));
  error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec)
    impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    impl_->acceptor.close(ignored);
    return invalid(ec.message() + ".");
  }
  tcp::endpoint bound = impl_->acceptor.local_endpoint(ec);
  std::string shown = bound.address().is_v6()
                          ? "[" + bound.address().to_string() + "]"
                          : bound.address().to_string();
  impl_->url = "http://" + shown + ":" + std::to_string(bound.port());
  impl_->Accept();
  return impl_->url;
}

const std::string& HttpServer::url() const { return impl_->url; }

size_t HttpServer::connections() const { return impl_->open; }

void HttpServer::CheckTimeouts() { impl_->CheckTimeouts(); }

}  // namespace fanlab::transport
