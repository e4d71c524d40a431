// The function socket (emulator/transport/socket_server.h): its framing,
// a request's round trip with the peer's pid, the errors for a request of
// the wrong shape (answered, the connection goes on) and for bytes that
// cannot be framed (answered, then closed), and every limit: connections,
// a message's size, unanswered requests per connection, unread replies.
// The server runs on its own io_context thread; the test is its peer over
// plain blocking sockets, each read with a 10 s hang guard.
#include "emulator/transport/socket_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <cstring>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator/transport/client.h"
#include "emulator/transport/private_dir.h"
#include "tests/transport/loop_util.h"

namespace fanlab::transport {
namespace {

void AppendU32(std::string& out, uint32_t n) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
}

std::string Message(const std::vector<std::string>& frames) {
  std::string out;
  std::vector<std::string_view> views(frames.begin(), frames.end());
  AppendFramedMessage(out, views);
  return out;
}

// A SocketServer on its own thread. Each request is answered at once with
// `reply` (its body), unless `park` is set: then its answer waits in
// parked() until the test runs it.
class ServerThread {
 public:
  explicit ServerThread(SocketServerOptions options = {},
                        std::string reply = "{}")
      : reply_(std::move(reply)),
        server_(
            io_,
            [this](const SocketServer::Call& call, api::ApiCallback done) {
              std::lock_guard lock(mu_);
              calls_.push_back(
                  {std::string(call.action), std::string(call.body),
                   std::string(call.access_key_id), call.peer_pid});
              if (park_) {
                parked_.push_back(std::move(done));
              } else {
                done(api::ApiResponse{.ok = true, .body = reply_});
              }
            },
            options) {
    auto dir = dir_.Make("socket-test");
    EXPECT_TRUE(dir.ok());
    path_ = dir_.path() + "/functions";
    Status listening = server_.Listen(path_);
    EXPECT_TRUE(listening.ok()) << listening.ToString();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ServerThread() {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  struct Seen {
    std::string action, body, access_key_id;
    int pid = 0;
  };
  std::vector<Seen> calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  size_t parked() {
    std::lock_guard lock(mu_);
    return parked_.size();
  }
  // Answers the oldest parked request on the server's thread.
  void AnswerOne() {
    boost::asio::post(io_, [this] {
      api::ApiCallback done;
      {
        std::lock_guard lock(mu_);
        if (parked_.empty()) return;
        done = std::move(parked_.front());
        parked_.erase(parked_.begin());
      }
      done(api::ApiResponse{.ok = true, .body = reply_});
    });
  }
  template <typename F>
  auto OnLoop(F f) {
    return testing::RunOnLoop(io_, std::move(f));
  }

  const std::string& path() const { return path_; }
  SocketServer& server() { return server_; }
  std::atomic<bool> park_{false};

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type>
      work_ = boost::asio::make_work_guard(io_);
  std::string reply_;
  PrivateDir dir_;
  std::string path_;
  SocketServer server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Seen> calls_;
  std::vector<api::ApiCallback> parked_;
};

// A connection to the server, blocking, with a hang guard on reads.
class Peer {
 public:
  explicit Peer(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
              0);
  }
  ~Peer() { ::close(fd_); }

  void Send(const std::string& bytes) {
    size_t at = 0;
    while (at < bytes.size()) {
      ssize_t n =
          ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      ASSERT_GT(n, 0) << std::strerror(errno);
      at += size_t(n);
    }
  }
  // Up to `ms` for readable bytes (or the end of the connection).
  bool Readable(int ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
  }
  // The next message's frames; empty when the connection ended (closed()
  // then says so) or nothing came within 10 s.
  std::vector<std::string> Receive() {
    std::vector<std::string> frames;
    uint32_t count = 0;
    if (!ReadU32(&count)) return frames;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t length = 0;
      if (!ReadU32(&length)) return {};
      std::string f(length, '\0');
      if (!ReadExact(f.data(), length)) return {};
      frames.push_back(std::move(f));
    }
    return frames;
  }
  // True when the server closed the connection (reads reach its end).
  bool Closed() {
    char c;
    while (Readable(10000)) {
      ssize_t n = ::read(fd_, &c, 1);
      if (n <= 0) return true;
    }
    return false;
  }
  int fd() const { return fd_; }

 private:
  bool ReadExact(char* out, size_t n) {
    while (n > 0) {
      if (!Readable(10000)) return false;
      ssize_t got = ::read(fd_, out, n);
      if (got <= 0) return false;
      out += got;
      n -= size_t(got);
    }
    return true;
  }
  bool ReadU32(uint32_t* v) {
    unsigned char b[4];
    if (!ReadExact(reinterpret_cast<char*>(b), 4)) return false;
    *v = b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24;
    return true;
  }
  int fd_ = -1;
};

TEST(FramedMessageTest, ReadsWholeMessagesOnly) {
  const std::string m = Message({"1", "Ping", "{}"});
  for (size_t cut = 0; cut < m.size(); ++cut) {
    EXPECT_EQ(
        ReadFramedMessage(std::string_view(m).substr(0, cut), 100, 4).kind,
        FramedMessage::Kind::kNeedMore)
        << cut;
  }
  const std::string more = m + "rest";
  FramedMessage whole = ReadFramedMessage(more, 100, 4);
  ASSERT_EQ(whole.kind, FramedMessage::Kind::kMessage);
  EXPECT_EQ(whole.size, m.size());
  ASSERT_EQ(whole.frames.size(), 3u);
  EXPECT_EQ(whole.frames[1], "Ping");
  EXPECT_EQ(whole.frames[2], "{}");
}

TEST(FramedMessageTest, NamesWhatCannotBeFramed) {
  std::string none;
  AppendU32(none, 0);
  FramedMessage m = ReadFramedMessage(none, 100, 4);
  EXPECT_EQ(m.kind, FramedMessage::Kind::kMalformed);
  EXPECT_EQ(m.error, "A message has 0 frames; from 1 to 4 are allowed.");
  // Too large is known from the length, before the bytes come.
  std::string big;
  AppendU32(big, 2);
  AppendU32(big, 60);
  big += std::string(60, 'x');
  AppendU32(big, 41);
  m = ReadFramedMessage(big, 100, 4);
  EXPECT_EQ(m.kind, FramedMessage::Kind::kMalformed);
  EXPECT_EQ(m.error,
            "A message of more than 100 bytes (frame 2 is 41 bytes); at most "
            "100 are allowed.");
}

TEST(SocketServerTest, AnswersWithTheRequestIdAndKnowsThePeersPid) {
  ServerThread s({}, "{\"QueueUrl\":\"q\"}");
  Peer peer(s.path());
  peer.Send(Message({"7", "CreateQueue", "{\"QueueName\":\"q\"}"}) +
            Message({"8", "Ping", "{}", "FLENV3"}));
  EXPECT_EQ(peer.Receive(),
            (std::vector<std::string>{"7", "ok", "{\"QueueUrl\":\"q\"}"}));
  EXPECT_EQ(peer.Receive(),
            (std::vector<std::string>{"8", "ok", "{\"QueueUrl\":\"q\"}"}));
  auto calls = s.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].action, "CreateQueue");
  EXPECT_EQ(calls[0].body, "{\"QueueName\":\"q\"}");
  EXPECT_EQ(calls[0].access_key_id, "");
  EXPECT_EQ(calls[0].pid, ::getpid());
  EXPECT_EQ(calls[1].access_key_id, "FLENV3");
}

TEST(SocketServerTest,
     ARequestOfTheWrongShapeIsAnsweredAndTheConnectionGoesOn) {
  ServerThread s;
  Peer peer(s.path());
  peer.Send(Message({"1", "Ping"}));
  std::vector<std::string> reply = peer.Receive();
  ASSERT_EQ(reply.size(), 3u);
  EXPECT_EQ(reply[0], "1");
  EXPECT_EQ(reply[1], "error");
  EXPECT_NE(reply[2].find("Expected the frames [request-id][action][json-"
                          "body] and optionally [access-key-id], got 2 "
                          "frames."),
            std::string::npos)
      << reply[2];
  peer.Send(Message({"2", "Ping", "{}", std::string(129, 'k')}));
  reply = peer.Receive();
  ASSERT_EQ(reply.size(), 3u);
  EXPECT_EQ(reply[1], "error");
  EXPECT_NE(reply[2].find("The access-key-id frame is 129 bytes; at most 128 "
                          "are allowed."),
            std::string::npos)
      << reply[2];
  peer.Send(Message({"3", "Ping", "{}"}));
  EXPECT_EQ(peer.Receive(), (std::vector<std::string>{"3", "ok", "{}"}));
  EXPECT_EQ(s.calls().size(), 1u);
}

TEST(SocketServerTest, BytesThatCannotBeFramedAreAnsweredThenClosed) {
  ServerThread s({.max_message_size = 1000});
  {
    Peer peer(s.path());
    std::string bad;
    AppendU32(bad, 9);  // frames
    peer.Send(bad);
    std::vector<std::string> reply = peer.Receive();
    ASSERT_EQ(reply.size(), 3u);
    EXPECT_EQ(reply[0], "");
    EXPECT_EQ(reply[1], "error");
    EXPECT_NE(reply[2].find("A message has 9 frames; from 1 to 4 are allowed."),
              std::string::npos)
        << reply[2];
    EXPECT_TRUE(peer.Closed());
  }
  {
    // Announced over the limit: refused before the bytes are read.
    Peer peer(s.path());
    std::string big;
    AppendU32(big, 3);
    AppendU32(big, 1);
    big += "1";
    AppendU32(big, 4);
    big += "Ping";
    AppendU32(big, 1u << 30);
    peer.Send(big);
    std::vector<std::string> reply = peer.Receive();
    ASSERT_EQ(reply.size(), 3u);
    EXPECT_NE(reply[2].find("A message of more than 1000 bytes (frame 3 is "
                            "1073741824 bytes)"),
              std::string::npos)
        << reply[2];
    EXPECT_TRUE(peer.Closed());
  }
  EXPECT_EQ(s.OnLoop([&] { return s.server().closed_for_cause(); }), 2u);
  // The server goes on.
  Peer next(s.path());
  next.Send(Message({"1", "Ping", "{}"}));
  EXPECT_EQ(next.Receive(), (std::vector<std::string>{"1", "ok", "{}"}));
  EXPECT_EQ(s.OnLoop([&] { return s.server().connections(); }), 1u);
}

TEST(SocketServerTest, AConnectionPastTheLimitIsClosed) {
  ServerThread s({.max_connections = 2});
  Peer a(s.path()), b(s.path());
  a.Send(Message({"1", "Ping", "{}"}));
  b.Send(Message({"1", "Ping", "{}"}));
  EXPECT_EQ(a.Receive().size(), 3u);
  EXPECT_EQ(b.Receive().size(), 3u);
  Peer c(s.path());
  EXPECT_TRUE(c.Closed());
  a.Send(Message({"2", "Ping", "{}"}));
  EXPECT_EQ(a.Receive(), (std::vector<std::string>{"2", "ok", "{}"}));
}

TEST(SocketServerTest, AtMaxPendingAConnectionIsNotReadUntilAnAnswerGoes) {
  ServerThread s({.max_pending = 3});
  s.park_ = true;
  Peer peer(s.path());
  std::string five;
  for (int i = 1; i <= 5; ++i) {
    five += Message({std::to_string(i), "Ping", "{}"});
  }
  peer.Send(five);
  // The three that fit are handed on; the rest wait unread.
  for (int i = 0; i < 100000 && s.parked() < 3; ++i) {
    s.OnLoop([] { return 0; });  // let the loop read
  }
  EXPECT_EQ(s.OnLoop([&] { return s.calls().size(); }), 3u);
  s.AnswerOne();
  EXPECT_EQ(peer.Receive(), (std::vector<std::string>{"1", "ok", "{}"}));
  s.OnLoop([] { return 0; });  // the resume posted by the answer
  EXPECT_EQ(s.OnLoop([&] { return s.calls().size(); }), 4u);
  s.park_ = false;
  for (int i = 0; i < 3; ++i) s.AnswerOne();
  // The fifth, read once there was room, is answered at once, before or
  // after the last parked ones.
  std::set<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.insert(peer.Receive().at(0));
  EXPECT_EQ(ids, (std::set<std::string>{"2", "3", "4", "5"}));
}

TEST(SocketServerTest, APeerThatNeverReadsIsClosedAtItsBacklogAndOthersGoOn) {
  // 64 KiB replies, a 1 MiB backlog: the socket's own buffers take a few
  // hundred KiB, then the backlog fills.
  ServerThread s({.backlog_bytes = size_t{1} << 20},
                 std::string(64 * 1024, 'r'));
  Peer greedy(s.path());
  std::string many;
  for (int i = 0; i < 100; ++i) {
    many += Message({std::to_string(i), "Get", "{}"});
  }
  greedy.Send(many);
  for (int i = 0; i < 100000; ++i) {
    if (s.OnLoop([&] { return s.server().closed_for_cause(); }) > 0) break;
    std::this_thread::yield();
  }
  EXPECT_EQ(s.OnLoop([&] { return s.server().closed_for_cause(); }), 1u);
  EXPECT_EQ(s.OnLoop([&] { return s.server().connections(); }), 0u);
  Peer other(s.path());
  other.Send(Message({"1", "Get", "{}"}));
  EXPECT_EQ(other.Receive().size(), 3u);
}

TEST(SocketServerTest, AnAnswerAfterThePeerLeftIsDropped) {
  ServerThread s;
  s.park_ = true;
  {
    Peer peer(s.path());
    peer.Send(Message({"1", "Ping", "{}"}));
    for (int i = 0; i < 100000 && s.parked() < 1; ++i) {
      s.OnLoop([] { return 0; });
    }
    ASSERT_EQ(s.parked(), 1u);
  }
  // The close is seen, then the late answer goes nowhere.
  for (int i = 0; i < 100000; ++i) {
    if (s.OnLoop([&] { return s.server().connections(); }) == 0) break;
    std::this_thread::yield();
  }
  s.AnswerOne();
  s.park_ = false;
  Peer next(s.path());
  next.Send(Message({"2", "Ping", "{}"}));
  EXPECT_EQ(next.Receive(), (std::vector<std::string>{"2", "ok", "{}"}));
}

// transport::Client over unix:// (what `fanlab call` and the service
// commands use inside a function): calls, pipelined calls, the caller's
// key, and a socket nobody listens on.
TEST(SocketClientTest, TheFramesClientCallsTheFunctionSocket) {
  ServerThread s({}, "{\"n\":1}");
  Context context;
  Client client(context, "unix://" + s.path(), "", "FLENV9");
  auto r = client.Call("Ping", "{}", std::chrono::milliseconds(10000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->body, "{\"n\":1}");
  uint64_t a = client.Send("A", "{}"), b = client.Send("B", "{}");
  std::set<uint64_t> ids;
  for (int i = 0; i < 2; ++i) {
    auto got = client.Receive(std::chrono::milliseconds(10000));
    ASSERT_TRUE(got.has_value());
    ids.insert(got->request_id);
  }
  EXPECT_EQ(ids, (std::set<uint64_t>{a, b}));
  auto calls = s.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].action, "B");
  EXPECT_EQ(calls[2].access_key_id, "FLENV9");

  Client nowhere(context, "unix:///nonexistent/fanlab/functions", "", "");
  auto failed = nowhere.Call("Ping", "{}", std::chrono::milliseconds(10000));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(),
            "No reply to Ping: cannot connect to "
            "unix:///nonexistent/fanlab/functions: No such file or "
            "directory.");
}

}  // namespace
}  // namespace fanlab::transport
