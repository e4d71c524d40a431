// The action tests' one way to call a dispatcher in process: dispatch, and
// expect exactly one answer before Dispatch returns.
#ifndef FANLAB_TESTS_API_DISPATCH_ONCE_H_
#define FANLAB_TESTS_API_DISPATCH_ONCE_H_

#include <gtest/gtest.h>

#include <string_view>
#include <utility>

#include "emulator/api/dispatcher.h"

namespace fanlab::api {

inline ApiResponse DispatchOnce(Dispatcher& dispatcher, std::string_view action,
                                std::string_view body) {
  ApiResponse out;
  int answers = 0;
  dispatcher.Dispatch(action, body, [&](ApiResponse r) {
    out = std::move(r);
    ++answers;
  });
  EXPECT_EQ(answers, 1) << action;
  return out;
}

}  // namespace fanlab::api

#endif  // FANLAB_TESTS_API_DISPATCH_ONCE_H_
