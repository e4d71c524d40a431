#include "emulator/transport/echo.h"

#include <vector>

namespace fanlab::transport {

EchoServer::EchoServer(Context& context, const std::string& endpoint)
    : socket_(context.zmq(), zmq::socket_type::router) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::rcvtimeo, 50);  // to notice stop_
  socket_.bind(endpoint);
  endpoint_ = socket_.get(zmq::sockopt::last_endpoint);
  thread_ = std::thread([this] {
    std::vector<zmq::message_t> frames;
    while (!stop_) {
      frames.clear();
      zmq::message_t frame;
      if (!socket_.recv(frame)) continue;  // timeout: check stop_
      bool more = frame.more();
      frames.push_back(std::move(frame));
      while (more) {
        zmq::message_t next;
        (void)socket_.recv(next);
        more = next.more();
        frames.push_back(std::move(next));
      }
      for (size_t i = 0; i < frames.size(); ++i) {
        (void)socket_.send(frames[i], i + 1 < frames.size()
                                          ? zmq::send_flags::sndmore
                                          : zmq::send_flags::none);
      }
    }
  });
}

EchoServer::~EchoServer() {
  stop_ = true;
  thread_.join();
}

}  // namespace fanlab::transport
