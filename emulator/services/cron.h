// EventBridge's six-field cron expressions, evaluated in UTC at minute
// granularity:
//
//   cron(Minutes Hours Day-of-month Month Day-of-week Year)
//
//   field          values              wildcards
//   Minutes        0-59                , - * /
//   Hours          0-23                , - * /
//   Day-of-month   1-31                , - * ? / L W
//   Month          1-12 or JAN-DEC     , - * /
//   Day-of-week    1-7 or SUN-SAT      , - * ? L #      (1 = Sunday)
//   Year           1970-2199           , - * /
//
// Exactly one of day-of-month and day-of-week is '?'. `a/n` counts from a
// in steps of n up to the field's maximum, `*/n` is `min/n`, `a-b/n` stays
// inside a-b; a range whose end is below its start wraps around (hours
// 22-2 = 22,23,0,1,2), except in the year field. Names are
// case-insensitive. Day-of-month takes `L` (last day), `LW` (last weekday)
// or `nW` (the weekday nearest day n, never leaving the month) as its
// whole value; day-of-week takes `L` (= 7, Saturday) as a value, and `dL`
// (last day d of the month) or `d#k` (k-th day d, k 1-5) as its whole
// value. A day that a month lacks (31 in April, 30W in February) does not
// fire that month. docs/services.md has examples.
//
//   Result<CronExpression> c = CronExpression::Parse("cron(0 12 ? * 2-6 *)");
//   std::optional<TimePoint> next = c->NextAfter(clock.Now());
//
// Thread safety: an immutable value once parsed.
#ifndef FANLAB_EMULATOR_SERVICES_CRON_H_
#define FANLAB_EMULATOR_SERVICES_CRON_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"

namespace fanlab::services {

class CronExpression {
 public:
  static constexpr int kMinYear = 1970;
  static constexpr int kMaxYear = 2199;

  // Parses "cron(...)" (the whole schedule expression). A malformed one is
  // a ValidationException whose message starts with the expression and
  // names the field and the token at fault:
  //   "cron(0 0 ? * 9 *): day-of-week '9' is out of range 1-7".
  static Result<CronExpression> Parse(std::string_view text);

  // The first minute strictly after `t` that the expression matches, or
  // nullopt when none comes before the end of 2199. Walks the calendar by
  // year, month, day, hour and minute, skipping whole units that cannot
  // match, so even a date that never comes (Feb 30) costs microseconds.
  std::optional<TimePoint> NextAfter(TimePoint t) const;

  // True when the minute holding `t` matches the expression.
  bool Matches(TimePoint t) const;

  // The text Parse() was given.
  const std::string& text() const { return text_; }

 private:
  friend class CronParser;

  // How day-of-month and day-of-week select days. kAny is '?'.
  enum class DayRule : uint8_t {
    kAny,
    kSet,             // the values in the bit set
    kLast,            // dom L / dow dL
    kLastWeekday,     // dom LW
    kNearestWeekday,  // dom nW
    kNth,             // dow d#k
  };

  CronExpression() = default;

  // Bit d set: day d of year/month fires (both day rules applied).
  uint64_t DaysOfMonth(int year, unsigned month) const;

  std::string text_;
  uint64_t minutes_ = 0;  // bit m: minute m
  uint64_t hours_ = 0;    // bit h: hour h
  uint64_t months_ = 0;   // bit m: month m (1-12)
  std::bitset<kMaxYear - kMinYear + 1> years_;
  DayRule dom_rule_ = DayRule::kAny;
  uint64_t dom_ = 0;  // kSet: bit d for day d (1-31)
  int dom_day_ = 0;   // kNearestWeekday: n
  DayRule dow_rule_ = DayRule::kAny;
  uint64_t dow_ = 0;  // kSet: bit d for day d of the week (1 = Sunday)
  int dow_day_ = 0;   // kLast, kNth: the day of the week (1-7)
  int dow_nth_ = 0;   // kNth: k
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_CRON_H_
