// A rule's ScheduleExpression as EventBridge takes it: `rate(value unit)`
// or the six-field `cron(...)` (cron.h). Both run in UTC.
//
//   rate(1 minute)  rate(5 minutes)  rate(1 hour)  rate(12 hours)
//   rate(1 day)     rate(7 days)
//
// A rate's value is a positive whole number (1 to 2,147,483,647) and its
// unit is singular exactly when the value is 1 (`rate(1 minutes)` and
// `rate(5 minute)` are refused, as EventBridge refuses them). The shortest
// period is one minute. A rate schedule fires one period after it starts
// (the rule's creation or enabling), then every period; a cron schedule
// fires at every minute it matches.
//
// Thread safety: immutable values once parsed.
#ifndef FANLAB_EMULATOR_SERVICES_SCHEDULE_EXPRESSION_H_
#define FANLAB_EMULATOR_SERVICES_SCHEDULE_EXPRESSION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"
#include "emulator/services/cron.h"

namespace fanlab::services {

class RateExpression {
 public:
  enum class Unit { kMinute, kHour, kDay };

  // Parses "rate(5 minutes)". A malformed one is a ValidationException
  // whose message starts with the expression:
  //   "rate(1 minutes): the unit is 'minute' when the value is 1".
  static Result<RateExpression> Parse(std::string_view text);

  int64_t value() const { return value_; }
  Unit unit() const { return unit_; }
  int64_t period_minutes() const { return period_minutes_; }

  // The first fire of a schedule that started at `start` strictly after
  // `t`: start + k * period for the smallest k >= 1 that passes t. nullopt
  // when that lies past the year 9999 (a period of millennia).
  std::optional<TimePoint> NextAfter(TimePoint start, TimePoint t) const;

  const std::string& text() const { return text_; }

 private:
  RateExpression() = default;

  std::string text_;
  int64_t value_ = 0;
  Unit unit_ = Unit::kMinute;
  int64_t period_minutes_ = 0;
};

// Either kind, parsed from the text PutRule gets.
class ScheduleExpression {
 public:
  // "rate(...)" or "cron(...)"; anything else is a ValidationException.
  // Messages are those of RateExpression::Parse / CronExpression::Parse.
  static Result<ScheduleExpression> Parse(std::string_view text);

  bool is_rate() const { return std::holds_alternative<RateExpression>(v_); }
  // REQUIRES: is_rate() / !is_rate().
  const RateExpression& rate() const { return std::get<RateExpression>(v_); }
  const CronExpression& cron() const { return std::get<CronExpression>(v_); }

  // The next fire strictly after `t` of a schedule that started at
  // `start` (used by rates only; cron fires on the calendar).
  std::optional<TimePoint> NextAfter(TimePoint start, TimePoint t) const;

  const std::string& text() const;

 private:
  explicit ScheduleExpression(std::variant<RateExpression, CronExpression> v)
      : v_(std::move(v)) {}

  std::variant<RateExpression, CronExpression> v_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_SCHEDULE_EXPRESSION_H_
