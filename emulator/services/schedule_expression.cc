#include "emulator/services/schedule_expression.h"

#include <chrono>
#include <cstdio>
#include <limits>

#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

namespace chr = std::chrono;

Status Invalid(std::string_view text, std::string_view detail) {
  return Status(dynamodb::kValidationException,
                std::string(text) + ": " + std::string(detail));
}

// Minutes from the epoch to 10000-01-01: fires past it are "never".
constexpr int64_t kHorizonMinutes = 4'102'444'800LL;  // 253402300800 s / 60

}  // namespace

Result<RateExpression> RateExpression::Parse(std::string_view text) {
  constexpr std::string_view kOpen = "rate(";
  if (text.size() < kOpen.size() + 1 || text.substr(0, 5) != kOpen ||
      text.back() != ')') {
    return Invalid(text, "a rate expression is rate(value unit)");
  }
  std::string_view inner = text.substr(5, text.size() - 6);
  size_t space = inner.find(' ');
  if (space == std::string_view::npos) {
    return Invalid(text,
                   "expected 'value unit' (one space between), as in 5 "
                   "minutes");
  }
  std::string_view number = inner.substr(0, space);
  std::string_view unit = inner.substr(space + 1);
  if (number.empty() || number.size() > 10 ||
      number.find_first_not_of("0123456789") != std::string_view::npos) {
    return Invalid(text, "the value '" + std::string(number) +
                             "' is not a positive whole number");
  }
  int64_t value = std::stoll(std::string(number));
  if (value < 1 || value > std::numeric_limits<int32_t>::max()) {
    return Invalid(text, "the value " + std::string(number) +
                             " is out of range 1-2147483647");
  }
  struct UnitName {
    std::string_view singular, plural;
    Unit unit;
    int64_t minutes;
  };
  constexpr UnitName kUnits[] = {{"minute", "minutes", Unit::kMinute, 1},
                                 {"hour", "hours", Unit::kHour, 60},
                                 {"day", "days", Unit::kDay, 1440}};
  for (const UnitName& u : kUnits) {
    if (unit != u.singular && unit != u.plural) continue;
    if (value == 1 && unit != u.singular) {
      return Invalid(text, "the unit is '" + std::string(u.singular) +
                               "' when the value is 1");
    }
    if (value != 1 && unit != u.plural) {
      return Invalid(text, "the unit is '" + std::string(u.plural) +
                               "' when the value is not 1");
    }
    RateExpression r;
    r.text_ = std::string(text);
    r.value_ = value;
    r.unit_ = u.unit;
    r.period_minutes_ = value * u.minutes;
    return r;
  }
  return Invalid(text, "the unit '" + std::string(unit) +
                           "' is not minute(s), hour(s) or day(s)");
}

std::optional<TimePoint> RateExpression::NextAfter(TimePoint start,
                                                   TimePoint t) const {
  if (period_minutes_ > kHorizonMinutes) return std::nullopt;
  // Whole periods already elapsed at t (none when t is before start).
  const Duration period = chr::minutes(period_minutes_);
  int64_t k = t < start ? 1 : (t - start) / period + 1;
  if (k > kHorizonMinutes / period_minutes_) return std::nullopt;
  TimePoint next = start + k * period;
  if (chr::duration_cast<chr::minutes>(next.time_since_epoch()).count() >
      kHorizonMinutes) {
    return std::nullopt;
  }
  return next;
}

Result<ScheduleExpression> ScheduleExpression::Parse(std::string_view text) {
  if (text.starts_with("rate(")) {
    Result<RateExpression> r = RateExpression::Parse(text);
    if (!r.ok()) return r.status();
    return ScheduleExpression(std::move(r).value());
  }
  if (text.starts_with("cron(")) {
    Result<CronExpression> c = CronExpression::Parse(text);
    if (!c.ok()) return c.status();
    return ScheduleExpression(std::move(c).value());
  }
  return Invalid(text, "a schedule expression is rate(...) or cron(...)");
}

std::optional<TimePoint> ScheduleExpression::NextAfter(TimePoint start,
                                                       TimePoint t) const {
  if (is_rate()) return rate().NextAfter(start, t);
  return cron().NextAfter(t);
}

const std::string& ScheduleExpression::text() const {
  return is_rate() ? rate().text() : cron().text();
}

}  // namespace fanlab::services
