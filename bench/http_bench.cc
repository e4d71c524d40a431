#include "bench/http_bench.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "bench/tcp_floor.h"
#include "emulator/engine.h"
#include "emulator/transport/context.h"
#include "emulator/transport/http_server.h"

namespace fanlab::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr double kRatioTarget = 0.6;

double Seconds(SteadyClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU seconds of process `pid`, every thread (utime + stime); -1 if gone.
double ProcessCpuSeconds(int pid) {
  FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
  if (f == nullptr) return -1;
  char buf[1024];
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  // Fields after the command name, which ends at the last ')': state is
  // field 3, utime 14 and stime 15.
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p + 2,
                  "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                  &utime, &stime) != 2) {
    return -1;
  }
  return static_cast<double>(utime + stime) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Address {
  std::string host;  // dotted IPv4, loopback
  uint16_t port = 0;
};

// "http://127.0.0.1:PORT" (or localhost) -> its address; nullopt otherwise.
std::optional<Address> ParseUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  Address a{rest.substr(0, colon), 0};
  if (a.host == "localhost") a.host = "127.0.0.1";
  in_addr ip{};
  if (inet_pton(AF_INET, a.host.c_str(), &ip) != 1 ||
      (ntohl(ip.s_addr) >> 24) != 127) {
    return std::nullopt;
  }
  const std::string port = rest.substr(colon + 1);
  auto [end, ec] =
      std::from_chars(port.data(), port.data() + port.size(), a.port);
  if (ec != std::errc() || end != port.data() + port.size() || a.port == 0) {
    return std::nullopt;
  }
  return a;
}

// A non-blocking, Nagle-free connection; -1 and `error` on failure.
int Connect(const Address& a, std::string& error) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(a.port);
  inet_pton(AF_INET, a.host.c_str(), &sa.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    error = "connect to " + a.host + ":" + std::to_string(a.port) + ": " +
            std::strerror(errno);
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

std::string Request(const Address& a, const std::string& target,
                    const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: " + a.host + ":" + std::to_string(a.port) +
         "\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: " +
         target + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// The length of the complete answer at the front of `in`; 0 while it is
// incomplete. Sets `status` and `body`; `error` when it cannot be framed.
size_t AnswerLength(const std::string& in, int& status, std::string_view& body,
                    std::string& error) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string::npos) return 0;
  if (in.size() < 12 || in.compare(0, 5, "HTTP/") != 0) {
    error = "not an HTTP answer: " + in.substr(0, 40);
    return 0;
  }
  std::from_chars(in.data() + 9, in.data() + 12, status);
  // Content-Length, its name in any case.
  size_t length = 0;
  bool found = false;
  for (size_t line = in.find("\r\n") + 2; line < head_end;) {
    const size_t eol = in.find("\r\n", line);
    const size_t colon = in.find(':', line);
    if (colon < eol && colon - line == 14 &&
        strncasecmp(in.data() + line, "content-length", 14) == 0) {
      size_t v = colon + 1;
      while (v < eol && in[v] == ' ') ++v;
      std::from_chars(in.data() + v, in.data() + eol, length);
      found = true;
    }
    line = eol + 2;
  }
  if (!found) {
    error = "an answer without Content-Length (status " +
            std::to_string(status) + ")";
    return 0;
  }
  if (in.size() < head_end + 4 + length) return 0;
  body = std::string_view(in).substr(head_end + 4, length);
  return head_end + 4 + length;
}

struct Connection {
  int fd = -1;
  std::string in;
  size_t written = 0;         // bytes of the current request sent
  bool watching_out = false;  // EPOLLOUT is on
  SteadyClock::time_point started;
};

// Writes what is left of `request`; false and `error` on failure.
bool Flush(Connection& c, const std::string& request, std::string& error) {
  while (c.written < request.size()) {
    ssize_t n = send(c.fd, request.data() + c.written,
                     request.size() - c.written, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      error = std::string("send: ") + std::strerror(errno);
      return false;
    }
    c.written += static_cast<size_t>(n);
  }
  return true;
}

// The server's CPU seconds so far; empty when unknown.
using ServerCpu = std::function<double()>;

// Keeps `connections` connections busy with `request`, one in flight
// each: `warmup` uncounted, then `duration` counted.
HttpLoadResult Load(const Address& a, const std::string& request,
                    const HttpBenchOptions& o, const ServerCpu& server_cpu,
                    std::string& error) {
  HttpLoadResult r;
  std::vector<Connection> conns(o.connections);
  auto close_all = [&] {
    for (auto& c : conns) {
      if (c.fd >= 0) close(c.fd);
    }
  };
  const auto begin = SteadyClock::now();
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = Connect(a, error);
    if (conns[i].fd < 0) {
      close_all();
      return r;
    }
    conns[i].started = begin;
    if (!Flush(conns[i], request, error)) {
      close_all();
      return r;
    }
  }
  std::vector<uint32_t> latencies_ns;
  latencies_ns.reserve(1 << 20);
  bool counting = false;
  SteadyClock::time_point window_start;
  double client_cpu0 = 0, server_cpu0 = 0;
  const auto warm_end = begin + o.warmup;
  const auto end = warm_end + o.duration;
  char buf[64 * 1024];
  // Level-triggered epoll: one call finds every connection with an
  // answer, whatever their number; EPOLLOUT only while a request is
  // partly sent.
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) {
    error = std::string("epoll_create1: ") + std::strerror(errno);
    close_all();
    return r;
  }
  auto control = [&](int op, size_t i, bool out) {
    epoll_event ev{};
    ev.events = out ? EPOLLIN | EPOLLOUT : EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, op, conns[i].fd, &ev);
  };
  auto watch = [&](size_t i, bool out) { control(EPOLL_CTL_MOD, i, out); };
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].watching_out = conns[i].written < request.size();
    control(EPOLL_CTL_ADD, i, conns[i].watching_out);
  }
  auto done_with = [&] {
    close(ep);
    close_all();
  };
  std::vector<epoll_event> events(conns.size());
  auto checked = begin;
  while (true) {
    const auto now = SteadyClock::now();
    if (!counting && now >= warm_end) {
      counting = true;
      window_start = now;
      client_cpu0 = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
      if (server_cpu) server_cpu0 = server_cpu();
    }
    if (now >= end) break;
    if (now - checked > std::chrono::milliseconds(100)) {
      checked = now;
      for (const Connection& c : conns) {
        if (now - c.started > o.io_timeout) {
          error = "no answer within " + std::to_string(o.io_timeout.count()) +
                  " ms";
          done_with();
          return r;
        }
      }
    }
    int ready =
        epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    if (ready < 0 && errno != EINTR) {
      error = std::string("epoll_wait: ") + std::strerror(errno);
      done_with();
      return r;
    }
    for (int e = 0; e < ready; ++e) {
      const size_t i = events[e].data.u64;
      Connection& c = conns[i];
      if (events[e].events & EPOLLOUT) {
        if (!Flush(c, request, error)) {
          done_with();
          return r;
        }
        if (c.written == request.size()) {
          c.watching_out = false;
          watch(i, false);
        }
      }
      if (!(events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t n = recv(c.fd, buf, sizeof buf, 0);
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        error = n == 0 ? "the server closed a connection"
                       : std::string("recv: ") + std::strerror(errno);
        done_with();
        return r;
      }
      c.in.append(buf, static_cast<size_t>(n));
      int status = 0;
      std::string_view body;
      const size_t length = AnswerLength(c.in, status, body, error);
      if (!error.empty()) {
        done_with();
        return r;
      }
      if (length == 0) continue;
      if (status != 200) {
        error = "status " + std::to_string(status) + ": " + std::string(body);
        done_with();
        return r;
      }
      const auto done = SteadyClock::now();
      if (counting && done <= end) {
        ++r.requests;
        latencies_ns.push_back(static_cast<uint32_t>(std::min<int64_t>(
            std::chrono::nanoseconds(done - c.started).count(), UINT32_MAX)));
      }
      c.in.erase(0, length);
      c.written = 0;
      c.started = done;
      if (!Flush(c, request, error)) {
        done_with();
        return r;
      }
      if (c.written < request.size()) {
        c.watching_out = true;
        watch(i, true);
      }
    }
  }
  const double wall = Seconds(SteadyClock::now() - window_start);
  r.seconds = wall;
  r.requests_per_second = static_cast<double>(r.requests) / wall;
  const double client_used = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - client_cpu0;
  r.client_cpu = client_used / wall;
  if (r.requests > 0) {
    r.client_cpu_us_per_request =
        client_used * 1e6 / static_cast<double>(r.requests);
  }
  if (server_cpu) {
    const double used = server_cpu() - server_cpu0;
    r.server_cpu = used / wall;
    if (r.requests > 0) {
      r.server_cpu_us_per_request =
          used * 1e6 / static_cast<double>(r.requests);
    }
  }
  if (!latencies_ns.empty()) {
    std::sort(latencies_ns.begin(), latencies_ns.end());
    r.p50_us = latencies_ns[latencies_ns.size() / 2] / 1e3;
    r.p99_us = latencies_ns[latencies_ns.size() * 99 / 100] / 1e3;
  }
  done_with();
  return r;
}

// One request on its own connection; the answer's body, or "" and `error`.
std::string Exchange(const Address& a, const std::string& target,
                     const std::string& body, const HttpBenchOptions& o,
                     std::string& error) {
  Connection c;
  c.fd = Connect(a, error);
  if (c.fd < 0) return "";
  const std::string request = Request(a, target, body);
  const auto deadline = SteadyClock::now() + o.io_timeout;
  std::string answer;
  char buf[16 * 1024];
  while (error.empty() && SteadyClock::now() < deadline) {
    if (!Flush(c, request, error)) break;
    pollfd p{c.fd, static_cast<short>(POLLIN), 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(c.fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (n < 0 && errno == EAGAIN) continue;
      error = target + ": the server closed the connection";
      break;
    }
    c.in.append(buf, static_cast<size_t>(n));
    int status = 0;
    std::string_view got;
    if (AnswerLength(c.in, status, got, error) == 0) continue;
    if (status != 200) {
      error = target + ": status " + std::to_string(status) + ": " +
              std::string(got);
    } else {
      answer = std::string(got);
    }
    close(c.fd);
    return answer;
  }
  if (error.empty()) error = target + ": no answer in time";
  close(c.fd);
  return "";
}

// CreateQueue on the server at `a`; the SendMessage request for it.
std::string SendRequest(const Address& a, const HttpBenchOptions& o,
                        std::string& error) {
  const std::string answer = Exchange(
      a, "AmazonSQS.CreateQueue", R"({"QueueName":"bench-http"})", o, error);
  if (!error.empty()) return "";
  boost::system::error_code ec;
  auto json = boost::json::parse(answer, ec);
  const boost::json::string* url = nullptr;
  if (!ec && json.is_object()) {
    if (auto* v = json.as_object().if_contains("QueueUrl")) {
      url = v->if_string();
    }
  }
  if (url == nullptr) {
    error = "CreateQueue: no QueueUrl in " + answer;
    return "";
  }
  boost::json::object send{{"QueueUrl", *url},
                           {"MessageBody", std::string(o.body_bytes, 'x')}};
  return Request(a, "AmazonSQS.SendMessage", boost::json::serialize(send));
}

// A transport::HttpServer answering every request with its body, on its
// own thread; the floor for the SendMessage figure.
class EchoServer {
 public:
  EchoServer() : guard_(io_.get_executor()) {
    server_ = std::make_unique<transport::HttpServer>(
        io_, [](services::HttpRequest request,
                transport::HttpServer::Respond respond) {
          respond({.status = 200,
                   .headers = {{"Content-Type", "application/x-amz-json-1.0"}},
                   .body = std::move(request.body)});
        });
  }
  ~EchoServer() {
    // The server belongs to the io thread once it runs.
    boost::asio::post(io_, [this] {
      server_.reset();
      guard_.reset();
      io_.stop();
    });
    if (thread_.joinable()) thread_.join();
  }

  Result<std::string> Start() {
    auto url = server_->Bind("127.0.0.1:0");
    if (url.ok()) thread_ = std::thread([this] { io_.run(); });
    return url;
  }
  std::thread& thread() { return thread_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      guard_;
  std::unique_ptr<transport::HttpServer> server_;
  std::thread thread_;
};

ServerCpu CpuOfThread(std::thread& t) {
  clockid_t clock;
  if (pthread_getcpuclockid(t.native_handle(), &clock) != 0) return nullptr;
  return [clock] { return CpuSeconds(clock); };
}

// The CPU time of this process less the calling thread's (the load's):
// the server's, with whatever kernel workers it started, when the server
// is the process's only other busy thread.
double ProcessLessThisThread() {
  return CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) -
         CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
}

}  // namespace

HttpBenchResult RunHttpBench(const HttpBenchOptions& o, std::string& error) {
  HttpBenchResult r;
  r.connections = o.connections;
  r.body_bytes = o.body_bytes;
  if (!o.endpoint.empty()) {
    auto a = ParseUrl(o.endpoint);
    if (!a) {
      error = "--endpoint " + o.endpoint + ": want http://127.0.0.1:PORT";
      return {};
    }
    r.endpoint = o.endpoint;
    ServerCpu cpu;
    if (o.server_pid > 0) {
      if (ProcessCpuSeconds(o.server_pid) < 0) {
        error = "--server-pid " + std::to_string(o.server_pid) +
                ": no such process";
        return {};
      }
      cpu = [pid = o.server_pid] { return ProcessCpuSeconds(pid); };
    }
    const std::string request = SendRequest(*a, o, error);
    if (error.empty()) r.send = Load(*a, request, o, cpu, error);
    return error.empty() ? r : HttpBenchResult{};
  }
  r.endpoint = "embedded";
  // The same bytes the SendMessage load sends.
  const std::string echo_body = boost::json::serialize(boost::json::object{
      {"QueueUrl", "http://localhost/000000000000/bench-http"},
      {"MessageBody", std::string(o.body_bytes, 'x')}});

  {
    // The bytes the echo answers with, fixed.
    const std::string answer =
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
        "Content-Length: " +
        std::to_string(echo_body.size()) + "\r\n\r\n" + echo_body;
    r.io_uring = TcpFloorServer::IoUringAvailable();
    for (auto loop :
         {TcpFloorServer::Loop::kEpoll, TcpFloorServer::Loop::kIoUring}) {
      if (loop == TcpFloorServer::Loop::kIoUring && !r.io_uring) break;
      // A five-digit port in Host, as the OS's picks have: the floor
      // counts bytes, so the request must be as long as the echo's.
      Address a{"127.0.0.1", 65535};
      const std::string request =
          Request(a, "AmazonSQS.SendMessage", echo_body);
      TcpFloorServer floor(loop, request.size(), answer);
      a.port = floor.Start(error);
      if (a.port == 0) {
        error = "raw TCP floor: " + error;
        return {};
      }
      HttpLoadResult& into =
          loop == TcpFloorServer::Loop::kEpoll ? r.raw : r.raw_uring;
      into = Load(a, request, o, ProcessLessThisThread, error);
      if (!error.empty()) {
        error = "raw TCP floor: " + error;
        return {};
      }
    }
  }

  {
    EchoServer echo;
    auto url = echo.Start();
    if (!url.ok()) {
      error = "echo server: " + url.status().message();
      return {};
    }
    const Address a = *ParseUrl(*url);
    r.echo = Load(a, Request(a, "AmazonSQS.SendMessage", echo_body), o,
                  CpuOfThread(echo.thread()), error);
    if (!error.empty()) {
      error = "echo: " + error;
      return {};
    }
  }

  transport::Context context;
  Engine engine(EngineOptions{}, context);
  auto url = engine.BindHttp("127.0.0.1:0");
  if (!url.ok()) {
    error = "engine: " + url.status().message();
    return {};
  }
  std::thread engine_thread([&] { engine.Run(); });
  const Address a = *ParseUrl(*url);
  const std::string request = SendRequest(a, o, error);
  if (error.empty()) {
    r.send = Load(a, request, o, CpuOfThread(engine_thread), error);
  }
  engine.Stop();
  engine_thread.join();
  if (!error.empty()) return {};
  r.send_vs_echo = r.echo.requests_per_second > 0
                       ? r.send.requests_per_second / r.echo.requests_per_second
                       : 0;
  r.send_vs_echo_by_cpu =
      r.send.server_cpu_us_per_request > 0
          ? r.echo.server_cpu_us_per_request / r.send.server_cpu_us_per_request
          : 0;
  return r;
}

std::string FormatHttpBench(const HttpBenchResult& r, bool json_out) {
  char buf[4096];
  const bool embedded = r.echo.requests_per_second > 0;
  if (json_out) {
    std::snprintf(
        buf, sizeof buf,
        "{\"endpoint\": \"%s\", \"connections\": %d, \"body_bytes\": %zu, "
        "\"seconds\": %.3f, \"send_message_requests\": %llu, "
        "\"send_message_requests_per_second\": %.0f, "
        "\"send_message_p50_us\": %.1f, \"send_message_p99_us\": %.1f, "
        "\"echo_requests_per_second\": %.0f, \"echo_p50_us\": %.1f, "
        "\"send_message_vs_echo\": %.3f, \"target_send_message_vs_echo\": "
        "%.2f, \"send_server_cpu\": %.2f, \"send_client_cpu\": %.2f, "
        "\"echo_server_cpu\": %.2f, \"echo_client_cpu\": %.2f, "
        "\"send_server_cpu_us_per_request\": %.2f, "
        "\"echo_server_cpu_us_per_request\": %.2f, "
        "\"send_message_vs_echo_by_cpu\": %.3f, "
        "\"send_client_cpu_us_per_request\": %.2f, "
        "\"echo_client_cpu_us_per_request\": %.2f, "
        "\"raw_tcp_requests_per_second\": %.0f, "
        "\"raw_tcp_server_cpu_us_per_request\": %.2f, "
        "\"raw_tcp_client_cpu_us_per_request\": %.2f, \"io_uring\": %s, "
        "\"raw_uring_requests_per_second\": %.0f, "
        "\"raw_uring_server_cpu_us_per_request\": %.2f, "
        "\"raw_uring_client_cpu_us_per_request\": %.2f}\n",
        r.endpoint.c_str(), r.connections, r.body_bytes, r.send.seconds,
        static_cast<unsigned long long>(r.send.requests),
        r.send.requests_per_second, r.send.p50_us, r.send.p99_us,
        r.echo.requests_per_second, r.echo.p50_us, r.send_vs_echo, kRatioTarget,
        r.send.server_cpu, r.send.client_cpu, r.echo.server_cpu,
        r.echo.client_cpu, r.send.server_cpu_us_per_request,
        r.echo.server_cpu_us_per_request, r.send_vs_echo_by_cpu,
        r.send.client_cpu_us_per_request, r.echo.client_cpu_us_per_request,
        r.raw.requests_per_second, r.raw.server_cpu_us_per_request,
        r.raw.client_cpu_us_per_request, r.io_uring ? "true" : "false",
        r.raw_uring.requests_per_second, r.raw_uring.server_cpu_us_per_request,
        r.raw_uring.client_cpu_us_per_request);
    return buf;
  }
  int n = std::snprintf(
      buf, sizeof buf,
      "fanlab bench http (%s; %d keep-alive connections, %zu-byte bodies)\n"
      "  %-42s %12s %10s\n"
      "  %-42s %12.0f %10s\n"
      "  %-42s %12.1f %10s\n"
      "  %-42s %12.1f %10s\n",
      r.endpoint.c_str(), r.connections, r.body_bytes, "figure", "measured",
      "target", "SendMessage requests/s", r.send.requests_per_second, "-",
      "SendMessage p50 (us)", r.send.p50_us, "-", "SendMessage p99 (us)",
      r.send.p99_us, "-");
  if (embedded) {
    n += std::snprintf(
        buf + n, sizeof buf - n,
        "  %-42s %12.0f %10s\n"
        "  %-42s %12.3f %10.2f %s\n"
        "  %-42s %5.2f / %5.2f %9s\n"
        "  %-42s %5.2f / %5.2f %9s\n"
        "  %-42s %12.3f %10.2f %s\n"
        "  %-42s %5.2f / %4.2f %10s\n"
        "  %-42s %5.2f / %4.2f %10s\n",
        "floor: bare HTTP echo requests/s", r.echo.requests_per_second, "-",
        "SendMessage / echo", r.send_vs_echo, kRatioTarget,
        r.send_vs_echo >= kRatioTarget ? "ok" : "BELOW",
        "CPU us per SendMessage, server / client",
        r.send.server_cpu_us_per_request, r.send.client_cpu_us_per_request, "-",
        "CPU us per echo, server / client", r.echo.server_cpu_us_per_request,
        r.echo.client_cpu_us_per_request, "-",
        "SendMessage / echo by server CPU", r.send_vs_echo_by_cpu, kRatioTarget,
        r.send_vs_echo_by_cpu >= kRatioTarget ? "ok" : "BELOW",
        "CPU share, server / client (SendMessage)", r.send.server_cpu,
        r.send.client_cpu, "-", "CPU share, server / client (echo)",
        r.echo.server_cpu, r.echo.client_cpu, "-");
    n += std::snprintf(
        buf + n, sizeof buf - n,
        "  %-42s %12.0f %10s\n"
        "  %-42s %5.2f / %5.2f %9s\n",
        "raw TCP floor (epoll) requests/s", r.raw.requests_per_second, "-",
        "CPU us per raw request, server / client",
        r.raw.server_cpu_us_per_request, r.raw.client_cpu_us_per_request, "-");
    if (r.io_uring) {
      std::snprintf(buf + n, sizeof buf - n,
                    "  %-42s %12.0f %10s\n"
                    "  %-42s %5.2f / %5.2f %9s\n",
                    "raw TCP floor (io_uring) requests/s",
                    r.raw_uring.requests_per_second, "-",
                    "CPU us per io_uring request, server / client",
                    r.raw_uring.server_cpu_us_per_request,
                    r.raw_uring.client_cpu_us_per_request, "-");
    }
  } else if (r.send.server_cpu > 0) {
    std::snprintf(buf + n, sizeof buf - n,
                  "  %-42s %5.2f / %5.2f %9s\n"
                  "  %-42s %5.2f / %4.2f %10s\n",
                  "CPU us per SendMessage, server / client",
                  r.send.server_cpu_us_per_request,
                  r.send.client_cpu_us_per_request, "-",
                  "CPU share, server / client", r.send.server_cpu,
                  r.send.client_cpu, "-");
  } else {
    std::snprintf(buf + n, sizeof buf - n, "  %-42s %12.2f %10s\n",
                  "CPU share of the client thread", r.send.client_cpu, "-");
  }
  return buf;
}

void AddHttpBenchCommand(CLI::App& bench) {
  auto options = std::make_shared<HttpBenchOptions>();
  auto json = std::make_shared<bool>(false);
  auto seconds = std::make_shared<double>(3.0);
  auto warmup = std::make_shared<double>(0.3);
  CLI::App* http = bench.add_subcommand(
      "http",
      "SendMessage over HTTP/1.1 keep-alive (AWS JSON protocol) next to a "
      "bare HTTP echo on the same server stack and the raw loopback TCP "
      "floor (epoll; io_uring where available)");
  http->add_option("--endpoint", options->endpoint,
                   "Load this server (http://127.0.0.1:PORT) with "
                   "SendMessage only; default: an embedded engine and echo");
  http->add_option("--server-pid", options->server_pid,
                   "With --endpoint: the server's process id, to report its "
                   "CPU time per request")
      ->check(CLI::PositiveNumber);
  http->add_option("--connections", options->connections)
      ->check(CLI::Range(1, 512))
      ->capture_default_str();
  http->add_option("--body-bytes", options->body_bytes, "MessageBody size")
      ->check(CLI::Range(size_t{1}, size_t{256 * 1024}))
      ->capture_default_str();
  http->add_option("--seconds", *seconds, "Each measured load's wall time")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  http->add_option("--warmup-seconds", *warmup,
                   "Load before each measured one, not counted (a JIT-compiled "
                   "server needs more)")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  http->add_flag("--json", *json, "Print one JSON object");
  http->callback([options, json, seconds, warmup] {
    options->duration =
        std::chrono::milliseconds(static_cast<int64_t>(*seconds * 1000));
    options->warmup =
        std::chrono::milliseconds(static_cast<int64_t>(*warmup * 1000));
    std::string error;
    auto result = RunHttpBench(*options, error);
    if (!error.empty()) {
      std::cerr << "fanlab bench http: " << error << "\n";
      std::exit(1);
    }
    std::cout << FormatHttpBench(result, *json);
  });
}

}  // namespace fanlab::bench
