// Lambda's result limit end to end, through a real process: a function
// writing 200 MiB to its result channel fails with Lambda's
// Function.ResponseSizeTooLarge, is killed, and the emulator's memory does
// not follow the function's output (the peak resident set, reset before
// the run, grows by less than a stated bound).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "emulator/compute/function_service.h"
#include "emulator/compute/launcher.h"
#include "emulator/compute/result_reader.h"
#include "emulator/core/ids.h"

namespace fanlab::compute {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// What the emulator may grow by while a function writes 200 MiB: the
// 6 MB limit, the result as answered, and the loop's buffers.
constexpr uint64_t kGrowthBound = uint64_t(48) << 20;

// A field of /proc/self/status, bytes ("VmRSS", "VmHWM").
uint64_t StatusBytes(const char* field) {
  int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[8192];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* at = std::strstr(buf, field);
  if (at == nullptr) return 0;
  return std::strtoull(at + std::strlen(field) + 1, nullptr, 10) * 1024;
}

// Resets the peak resident set (VmHWM) to the current one.
bool ResetPeak() {
  int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

std::string Field(const std::string& payload, const char* key) {
  boost::system::error_code ec;
  auto v = boost::json::parse(payload, ec);
  if (ec || !v.is_object()) return "";
  const auto* f = v.get_object().if_contains(key);
  return f != nullptr && f->is_string() ? std::string(f->get_string()) : "";
}

class ResultLimitTest : public ::testing::Test {
 protected:
  ResultLimitTest()
      : service_(clock_, launcher_, ids_,
                 {.endpoint = "inproc://engine",
                  .kill_grace = milliseconds(50),
                  .idle_timeout = seconds(300)}) {}

  InvokeResult Invoke(std::vector<std::string> command) {
    FunctionConfig c;
    c.name = "big";
    c.command = std::move(command);
    c.timeout_seconds = 60;
    auto created = service_.CreateFunction(std::move(c));
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    std::optional<Result<InvokeResult>> slot;
    service_.Invoke("big", "{}", [&](Result<InvokeResult> r) { slot = r; });
    auto limit = std::chrono::steady_clock::now() + seconds(60);
    while (!slot && std::chrono::steady_clock::now() < limit) {
      io_.run_one_for(milliseconds(20));
    }
    EXPECT_TRUE(slot.has_value()) << "no answer";
    if (!slot || !slot->ok()) return {};
    return **slot;
  }

  boost::asio::io_context io_;
  VirtualClock clock_;
  PosixLauncher launcher_{io_};
  IdGenerator ids_{7};
  FunctionService service_;
};

TEST_F(ResultLimitTest, TwoHundredMebibytesOfResultFailAsLambdaDoes) {
  ASSERT_TRUE(ResetPeak());
  const uint64_t before = StatusBytes("VmRSS:");
  // An open-ended frame, then 200 MiB; the function never stops on its own.
  InvokeResult r = Invoke(
      {"/bin/sh", "-c",
       "printf '{\"status\":\"ok\"}\\n' >&3; head -c 209715200 /dev/zero >&3; "
       "exec sleep 1000"});
  const uint64_t peak = StatusBytes("VmHWM:");
  EXPECT_EQ(r.function_error, "Unhandled");
  EXPECT_EQ(Field(r.payload, "errorType"), "Function.ResponseSizeTooLarge");
  EXPECT_EQ(Field(r.payload, "errorMessage"),
            "Response payload size exceeded maximum allowed payload size "
            "(6291556 bytes).");
  EXPECT_LT(peak, before + kGrowthBound)
      << "grew by " << ((peak - before) >> 20) << " MiB";
  EXPECT_EQ(service_.running(), 0);
}

TEST_F(ResultLimitTest, AnAnnouncedOversizedFrameFailsAtItsHeader) {
  InvokeResult r =
      Invoke({"/bin/sh", "-c",
              "printf '{\"status\":\"ok\",\"length\":6291557}\\n' >&3; "
              "exec sleep 1000"});
  EXPECT_EQ(Field(r.payload, "errorType"), "Function.ResponseSizeTooLarge");
}

TEST_F(ResultLimitTest, AResultOfExactlyTheLimitIsAnswered) {
  // A JSON string of 6291556 bytes in all: quotes and 6291554 x's.
  InvokeResult r =
      Invoke({"/bin/sh", "-c",
              "printf '{\"status\":\"ok\",\"length\":6291556}\\n\"' >&3; "
              "head -c 6291554 /dev/zero | tr '\\0' x >&3; printf '\"' >&3"});
  EXPECT_FALSE(r.function_error.has_value()) << r.payload.substr(0, 200);
  EXPECT_EQ(r.payload.size(), ResultReader::kMaxPayloadBytes);
}

}  // namespace
}  // namespace fanlab::compute
