// RateExpression and ScheduleExpression (emulator/services/
// schedule_expression.h): EventBridge's rate(value unit) with its
// singular/plural rule, periods counted from the schedule's start, the
// dispatch between rate(...) and cron(...), and event time formatting.
#include "emulator/services/schedule_expression.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>

#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kStart = VirtualClock::kDefaultStart;  // 2026-01-01T00:00Z

struct RateCase {
  const char* text;
  int64_t period_minutes;
};

void PrintTo(const RateCase& c, std::ostream* os) { *os << c.text; }

class ScheduleRateTest : public ::testing::TestWithParam<RateCase> {};

TEST_P(ScheduleRateTest, ParsesThePeriod) {
  Result<RateExpression> r = RateExpression::Parse(GetParam().text);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->period_minutes(), GetParam().period_minutes);
  EXPECT_EQ(r->text(), GetParam().text);
}

INSTANTIATE_TEST_SUITE_P(Schedule, ScheduleRateTest,
                         ::testing::Values(RateCase{"rate(1 minute)", 1},
                                           RateCase{"rate(5 minutes)", 5},
                                           RateCase{"rate(1 hour)", 60},
                                           RateCase{"rate(12 hours)", 720},
                                           RateCase{"rate(1 day)", 1440},
                                           RateCase{"rate(7 days)", 10080},
                                           RateCase{"rate(2147483647 minutes)",
                                                    2147483647}));

struct BadRate {
  const char* text;
  const char* message;  // after "<text>: "
};

void PrintTo(const BadRate& c, std::ostream* os) { *os << c.text; }

class ScheduleRateErrorTest : public ::testing::TestWithParam<BadRate> {};

TEST_P(ScheduleRateErrorTest, IsRefusedWithAReason) {
  Result<ScheduleExpression> r = ScheduleExpression::Parse(GetParam().text);
  ASSERT_FALSE(r.ok()) << GetParam().text;
  EXPECT_EQ(r.status().code(), dynamodb::kValidationException);
  EXPECT_EQ(r.status().message(),
            std::string(GetParam().text) + ": " + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Schedule, ScheduleRateErrorTest,
    ::testing::Values(
        BadRate{"rate(1 minutes)", "the unit is 'minute' when the value is 1"},
        BadRate{"rate(1 hours)", "the unit is 'hour' when the value is 1"},
        BadRate{"rate(1 days)", "the unit is 'day' when the value is 1"},
        BadRate{"rate(5 minute)",
                "the unit is 'minutes' when the value is not 1"},
        BadRate{"rate(3 day)", "the unit is 'days' when the value is not 1"},
        BadRate{"rate(0 minutes)", "the value 0 is out of range 1-2147483647"},
        BadRate{"rate(2147483648 minutes)",
                "the value 2147483648 is out of range 1-2147483647"},
        BadRate{"rate(-1 minutes)",
                "the value '-1' is not a positive whole number"},
        BadRate{"rate(1.5 hours)",
                "the value '1.5' is not a positive whole number"},
        BadRate{"rate(30 seconds)",
                "the unit 'seconds' is not minute(s), hour(s) or day(s)"},
        BadRate{"rate(5 Minutes)",
                "the unit 'Minutes' is not minute(s), hour(s) or day(s)"},
        BadRate{"rate(5  minutes)",
                "the unit ' minutes' is not minute(s), hour(s) or day(s)"},
        BadRate{"rate(5minutes)",
                "expected 'value unit' (one space between), as in 5 minutes"},
        BadRate{"rate()",
                "expected 'value unit' (one space between), as in 5 minutes"},
        BadRate{"rate 5 minutes",
                "a schedule expression is rate(...) or "
                "cron(...)"},
        BadRate{"at(2026-01-01T00:00:00)",
                "a schedule expression is rate(...) or cron(...)"},
        BadRate{"", "a schedule expression is rate(...) or cron(...)"}));

TEST(ScheduleRateNextTest, CountsWholePeriodsFromTheStart) {
  auto r = RateExpression::Parse("rate(5 minutes)");
  ASSERT_TRUE(r.ok());
  TimePoint start = kStart + seconds(30);
  EXPECT_EQ(r->NextAfter(start, start), start + minutes(5));
  EXPECT_EQ(r->NextAfter(start, start + minutes(4)), start + minutes(5));
  // Strictly after: a fire time itself gives the one after it.
  EXPECT_EQ(r->NextAfter(start, start + minutes(5)), start + minutes(10));
  EXPECT_EQ(r->NextAfter(start, start + minutes(7)), start + minutes(10));
  EXPECT_EQ(r->NextAfter(start, start + days(1)), start + days(1) + minutes(5));
  // Before the start: the first fire.
  EXPECT_EQ(r->NextAfter(start, start - hours(3)), start + minutes(5));
}

TEST(ScheduleRateNextTest, APeriodOfMillenniaNeverComes) {
  auto r = RateExpression::Parse("rate(2147483647 days)");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->NextAfter(kStart, kStart).has_value());
  auto century = RateExpression::Parse("rate(36500 days)");
  ASSERT_TRUE(century.ok());
  EXPECT_EQ(century->NextAfter(kStart, kStart), kStart + days(36500));
}

TEST(ScheduleExpressionTest, DispatchesOnTheKind) {
  auto rate = ScheduleExpression::Parse("rate(1 hour)");
  ASSERT_TRUE(rate.ok());
  EXPECT_TRUE(rate->is_rate());
  EXPECT_EQ(rate->text(), "rate(1 hour)");
  EXPECT_EQ(rate->NextAfter(kStart + minutes(10), kStart + minutes(10)),
            kStart + minutes(70));

  auto cron = ScheduleExpression::Parse("cron(0 * * * ? *)");
  ASSERT_TRUE(cron.ok());
  EXPECT_FALSE(cron->is_rate());
  EXPECT_EQ(cron->text(), "cron(0 * * * ? *)");
  // A cron schedule ignores its start: it fires on the hour.
  EXPECT_EQ(cron->NextAfter(kStart + minutes(10), kStart + minutes(10)),
            kStart + hours(1));

  auto bad = ScheduleExpression::Parse("cron(0 0 ? * 9 *)");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "cron(0 0 ? * 9 *): day-of-week '9' is out of range 1-7");
}

TEST(ScheduleExpressionTest, FormatsEventTimesToTheSecond) {
  EXPECT_EQ(FormatIso8601(kStart, false), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(kStart + hours(25) + minutes(1) + seconds(2) +
                              std::chrono::microseconds(999999),
                          false),
            "2026-01-02T01:01:02Z");
  EXPECT_EQ(
      FormatIso8601(
          TimePoint(std::chrono::sys_days(std::chrono::year{2199} / 12 / 31)),
          false),
      "2199-12-31T00:00:00Z");
}

}  // namespace
}  // namespace fanlab::services
