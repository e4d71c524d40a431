// RunOnLoop: for tests that run a server on an io_context thread and look
// at its state from the test's thread.
#ifndef FANLAB_TESTS_TRANSPORT_LOOP_UTIL_H_
#define FANLAB_TESTS_TRANSPORT_LOOP_UTIL_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <utility>

namespace fanlab::testing {

// Runs `f` on the thread running `io`, waits for it and returns what it
// returns. REQUIRES: `io` is being run by another thread.
template <typename F>
auto RunOnLoop(boost::asio::io_context& io, F f) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  boost::asio::post(io, [&task] { task(); });
  return result.get();
}

}  // namespace fanlab::testing

#endif  // FANLAB_TESTS_TRANSPORT_LOOP_UTIL_H_
