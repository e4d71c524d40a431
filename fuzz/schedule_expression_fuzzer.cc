// Schedule expressions, rate(...) and cron(...) (EventBridge rules and
// schedules). The first 8 bytes pick a start time (within years 1970 to
// 2199), the rest is the expression. One that parses is asked for its next
// three fires: each strictly after the one before, and (for cron) each a
// minute the expression matches.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "emulator/core/clock.h"
#include "emulator/services/schedule_expression.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fanlab;
  fuzz::FuzzInput in(data, size);
  uint64_t seconds = 0;
  for (int i = 0; i < 8; ++i) seconds = seconds << 8 | in.Byte();
  // 1970-01-01 to 2199-12-31.
  constexpr uint64_t kSpan = uint64_t{7258118400};
  TimePoint start{std::chrono::seconds(seconds % kSpan)};

  auto expression = services::ScheduleExpression::Parse(in.Rest());
  if (!expression.ok()) return 0;
  (void)expression->text();
  TimePoint t = start;
  for (int i = 0; i < 3; ++i) {
    std::optional<TimePoint> next = expression->NextAfter(start, t);
    if (!next) break;
    if (*next <= t) std::abort();
    if (!expression->is_rate() && !expression->cron().Matches(*next)) {
      std::abort();
    }
    t = *next;
  }
  return 0;
}
