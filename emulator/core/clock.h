// Time for everything in the emulator. Nothing in emulator/ reads the
// system clock directly: it asks a Clock, so that tests and scenario replays
// can run on a VirtualClock where a 15-minute timeout costs no wall time.
//
// A Clock also owns the timers of the code that runs on it. Timers never
// fire on their own: the owner of the loop calls RunDue() (real clock) or
// AdvanceTo()/AdvanceToNextTimer() (virtual clock), and the callbacks run on
// that caller's thread. Timers due at the same instant fire in the order
// they were scheduled.
//
// Thread safety: none. A Clock belongs to the one engine thread.
#ifndef FANLAB_EMULATOR_CORE_CLOCK_H_
#define FANLAB_EMULATOR_CORE_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace fanlab {

using Duration = std::chrono::microseconds;
using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

// Milliseconds since the Unix epoch: the unit of SQS's timestamps.
inline int64_t ToEpochMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             t.time_since_epoch())
      .count();
}
inline TimePoint FromEpochMillis(int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

// "2026-01-01T00:00:00.000Z": UTC, milliseconds (the form AWS's JSON
// APIs and event records use); without `millis`, "2026-01-01T00:00:00Z"
// (EventBridge's event time).
std::string FormatIso8601(TimePoint t, bool millis = true);

using TimerId = uint64_t;

class Clock {
 public:
  using Callback = std::function<void()>;

  virtual ~Clock() = default;

  virtual TimePoint Now() const = 0;
  virtual bool IsVirtual() const = 0;

  // Schedules `fn` to run at `at` (or as soon as the clock is driven, when
  // `at` is already past). Returns an id for Cancel(); never 0.
  TimerId ScheduleAt(TimePoint at, Callback fn);
  TimerId ScheduleAfter(Duration d, Callback fn) {
    return ScheduleAt(Now() + d, std::move(fn));
  }
  // Returns false when the timer already fired or was cancelled.
  bool Cancel(TimerId id);

  // When the earliest pending timer is due; nullopt when none is pending.
  std::optional<TimePoint> NextDeadline() const;
  size_t PendingTimers() const { return timers_.size(); }

  // Fires every timer due at Now(), including those that callbacks schedule
  // for Now() or earlier. Returns how many fired.
  size_t RunDue();

 protected:
  // Fires the earliest timer if it is due at or before `t`. The virtual
  // clock moves its time to the timer's deadline before calling it.
  bool FireOneDueBy(TimePoint t, bool set_time);
  virtual void SetTime(TimePoint) {}

 private:
  struct Key {
    TimePoint at;
    TimerId id;
    auto operator<=>(const Key&) const = default;
  };
  std::map<Key, Callback> timers_;
  std::map<TimerId, TimePoint> index_;
  TimerId next_id_ = 1;
};

// Wall-clock time (std::chrono::system_clock).
class RealClock final : public Clock {
 public:
  TimePoint Now() const override;
  bool IsVirtual() const override { return false; }
};

// Time that moves only when told to. Starts at `start` (by default
// 2026-01-01T00:00:00Z, so timestamps look real and replays are stable).
class VirtualClock final : public Clock {
 public:
  static constexpr TimePoint kDefaultStart =
      TimePoint(std::chrono::seconds(1767225600));

  explicit VirtualClock(TimePoint start = kDefaultStart) : now_(start) {}

  TimePoint Now() const override {
    if (!following_) return now_;
    return now_ + std::chrono::duration_cast<Duration>(
                      std::chrono::steady_clock::now() - anchor_);
  }
  bool IsVirtual() const override { return true; }

  // Moves time forward to `t`, firing every timer due on the way, each at
  // its own deadline (Now() equals the timer's deadline inside its
  // callback). A `t` already passed (while following real time) fires
  // what is due now.
  void AdvanceTo(TimePoint t);
  void Advance(Duration d) { AdvanceTo(Now() + d); }

  // While on, Now() moves with real time (the engine turns it on while a
  // function runs, so that a handler finishing an invocation sees the time
  // it took); timers still fire only from AdvanceTo / CatchUp. Off folds
  // the real time passed into the clock.
  void FollowRealTime(bool on);
  // Fires every timer that fell due while following real time.
  void CatchUp() { AdvanceTo(Now()); }

  // Jumps to the earliest pending timer and fires every timer due then.
  // Returns false (and leaves time alone) when no timer is pending.
  bool AdvanceToNextTimer();

  // Called with the new time each time the clock is moved forward (by
  // AdvanceTo, before a timer fires, or as real time passed while
  // following is folded in); not for the time that passes while following
  // real time until it is. One observer; null removes it.
  void OnTimeMoved(std::function<void(TimePoint)> observer) {
    moved_ = std::move(observer);
  }

 private:
  void SetTime(TimePoint t) override {
    if (t <= now_) return;
    now_ = t;
    if (moved_) moved_(now_);
  }
  // Moves the real time passed since `anchor_` into `now_`.
  void Fold();

  TimePoint now_;
  std::function<void(TimePoint)> moved_;
  bool following_ = false;
  std::chrono::steady_clock::time_point anchor_;
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_CLOCK_H_
