#include "emulator/core/clock.h"

#include <cassert>
#include <cstdio>
#include <exception>

namespace fanlab {

std::string FormatIso8601(TimePoint t, bool millis) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
  auto day = std::chrono::floor<std::chrono::days>(ms);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss<std::chrono::milliseconds> hms(ms - day);
  char out[32];
  int n = std::snprintf(
      out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
      static_cast<int>(hms.minutes().count()),
      static_cast<int>(hms.seconds().count()),
      static_cast<int>(hms.subseconds().count()));
  if (!millis) return std::string(out, n - 5) + "Z";  // drop ".mmmZ"
  return std::string(out, n);
}

TimerId Clock::ScheduleAt(TimePoint at, Callback fn) {
  TimerId id = next_id_++;
  timers_.emplace(Key{at, id}, std::move(fn));
  index_.emplace(id, at);
  return id;
}

bool Clock::Cancel(TimerId id) {
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  timers_.erase(Key{it->second, id});
  index_.erase(it);
  return true;
}

std::optional<TimePoint> Clock::NextDeadline() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.at;
}

bool Clock::FireOneDueBy(TimePoint t, bool set_time) {
  if (timers_.empty()) return false;
  auto it = timers_.begin();
  if (it->first.at > t) return false;
  // Detach before calling: the callback may schedule or cancel timers.
  Callback fn = std::move(it->second);
  TimePoint at = it->first.at;
  index_.erase(it->first.id);
  timers_.erase(it);
  if (set_time) SetTime(at);
  // A backstop, as in the dispatcher: a callback that throws loses its own
  // work, not the loop that fires every other timer.
  try {
    fn();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fanlab: a timer callback failed: %s\n", e.what());
  }
  return true;
}

size_t Clock::RunDue() {
  size_t fired = 0;
  while (FireOneDueBy(Now(), /*set_time=*/false)) ++fired;
  return fired;
}

TimePoint RealClock::Now() const {
  return std::chrono::time_point_cast<Duration>(
      std::chrono::system_clock::now());
}

void VirtualClock::Fold() {
  if (!following_) return;
  auto real = std::chrono::steady_clock::now();
  TimePoint t = now_ + std::chrono::duration_cast<Duration>(real - anchor_);
  anchor_ = real;
  SetTime(t);
}

void VirtualClock::FollowRealTime(bool on) {
  if (on == following_) return;
  Fold();
  following_ = on;
  anchor_ = std::chrono::steady_clock::now();
}

void VirtualClock::AdvanceTo(TimePoint t) {
  Fold();
  if (t < now_) t = now_;
  while (FireOneDueBy(t, /*set_time=*/true)) {
  }
  SetTime(t);
}

bool VirtualClock::AdvanceToNextTimer() {
  auto next = NextDeadline();
  if (!next) return false;
  AdvanceTo(std::max(*next, Now()));
  return true;
}

}  // namespace fanlab
