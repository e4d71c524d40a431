// CronExpression (emulator/services/cron.h): next fire times checked
// against a table worked out by hand from the calendar (L, LW, nW near
// month ends and weekends, d#k, dL, leap years, the year bounds, steps,
// ranges, names, lists), NextAfter checked against a minute-by-minute scan,
// and malformed expressions refused with messages naming field and token.
#include "emulator/services/cron.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "emulator/services/events_errors.h"
#include "emulator/services/schedule_expression.h"

namespace fanlab::services {
namespace {

namespace chr = std::chrono;

// "2026-01-01T00:00:30Z" -> TimePoint.
TimePoint At(const std::string& iso) {
  int y, mo, d, h, mi, s;
  EXPECT_EQ(
      std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &s),
      6)
      << iso;
  return TimePoint(chr::sys_days(chr::year{y} / mo / d) + chr::hours(h) +
                   chr::minutes(mi) + chr::seconds(s));
}

std::string Next(const std::string& expression, const std::string& from) {
  Result<CronExpression> c = CronExpression::Parse(expression);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return "parse error";
  std::optional<TimePoint> next = c->NextAfter(At(from));
  return next ? FormatIso8601(*next, false) : "never";
}

struct NextCase {
  const char* expression;
  const char* from;
  const char* next;
};

void PrintTo(const NextCase& c, std::ostream* os) {
  *os << c.expression << " after " << c.from;
}

class CronNextTest : public ::testing::TestWithParam<NextCase> {};

TEST_P(CronNextTest, NextFireTime) {
  const NextCase& c = GetParam();
  EXPECT_EQ(Next(c.expression, c.from), c.next)
      << c.expression << " after " << c.from;
}

// 2026-01-01 is a Thursday. Calendars of the months used are in the
// comments where the answer depends on them.
const NextCase kNextCases[] = {
    // Every minute: strictly after, whatever the seconds.
    {"cron(0/1 * * * ? *)", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
    {"cron(0/1 * * * ? *)", "2026-01-01T00:00:59Z", "2026-01-01T00:01:00Z"},
    {"cron(* * * * ? *)", "2026-12-31T23:59:00Z", "2027-01-01T00:00:00Z"},
    // Steps and ranges with steps.
    {"cron(0/15 * * * ? *)", "2026-01-01T00:00:00Z", "2026-01-01T00:15:00Z"},
    {"cron(0/15 * * * ? *)", "2026-01-01T00:50:00Z", "2026-01-01T01:00:00Z"},
    {"cron(5/15 * * * ? *)", "2026-01-01T00:50:00Z", "2026-01-01T01:05:00Z"},
    {"cron(*/10 * * * ? *)", "2026-01-01T00:00:00Z", "2026-01-01T00:10:00Z"},
    {"cron(*/10 * * * ? *)", "2026-01-01T00:59:00Z", "2026-01-01T01:00:00Z"},
    {"cron(10-50/20 * * * ? *)", "2026-01-01T00:30:00Z",
     "2026-01-01T00:50:00Z"},
    {"cron(10-50/20 * * * ? *)", "2026-01-01T00:50:00Z",
     "2026-01-01T01:10:00Z"},
    {"cron(0 0 1 1/3 ? *)", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"},
    {"cron(0 0 1/10 * ? *)", "2026-01-21T00:00:00Z", "2026-01-31T00:00:00Z"},
    {"cron(0 0 1/10 * ? *)", "2026-02-21T00:00:00Z", "2026-03-01T00:00:00Z"},
    {"cron(0 0 1 1 ? 2026/2)", "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"},
    // Lists.
    {"cron(5,35 1,13 * * ? *)", "2026-01-01T01:35:00Z", "2026-01-01T13:05:00Z"},
    {"cron(0 0 1 1 ? 2027,2029)", "2027-01-01T00:00:00Z",
     "2029-01-01T00:00:00Z"},
    // Fixed times of day (EventBridge's own examples).
    {"cron(0 10 * * ? *)", "2026-01-01T09:59:00Z", "2026-01-01T10:00:00Z"},
    {"cron(0 10 * * ? *)", "2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z"},
    {"cron(15 12 * * ? *)", "2026-01-01T00:00:00Z", "2026-01-01T12:15:00Z"},
    {"cron(0 8 1 * ? *)", "2026-01-01T08:00:00Z", "2026-02-01T08:00:00Z"},
    // Days of the week: Fri 2 Jan -> Mon 5 Jan 2026.
    {"cron(0 18 ? * MON-FRI *)", "2026-01-02T18:00:00Z",
     "2026-01-05T18:00:00Z"},
    {"cron(0/10 * ? * MON-FRI *)", "2026-01-02T23:55:00Z",
     "2026-01-05T00:00:00Z"},
    {"cron(0/5 8-17 ? * MON-FRI *)", "2026-01-05T17:55:00Z",
     "2026-01-06T08:00:00Z"},
    {"cron(0 0 ? * 2-6 *)", "2026-01-02T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"cron(0 0 ? * mon *)", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"cron(0 12 ? JAN,JUL SUN *)", "2026-01-05T00:00:00Z",
     "2026-01-11T12:00:00Z"},
    {"cron(0 12 ? JAN,JUL SUN *)", "2026-01-25T12:00:00Z",
     "2026-07-05T12:00:00Z"},
    {"cron(0 0 ? * L *)", "2026-01-01T00:00:00Z", "2026-01-03T00:00:00Z"},
    {"cron(0 0 ? * 2,L *)", "2026-01-03T00:00:00Z", "2026-01-05T00:00:00Z"},
    {"cron(0 0 ? * * *)", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
    {"cron(0 0 * * ? *)", "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z"},
    // Month names and ranges of them.
    {"cron(0 0 1 JAN-MAR ? *)", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"},
    {"cron(0 0 1 jun ? *)", "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"},
    // Ranges that wrap: hours 22-2, Friday to Monday.
    {"cron(0 22-2 * * ? *)", "2026-01-01T02:00:00Z", "2026-01-01T22:00:00Z"},
    {"cron(0 22-2 * * ? *)", "2026-01-01T23:00:00Z", "2026-01-02T00:00:00Z"},
    {"cron(0 0 ? * FRI-MON *)", "2026-01-05T00:00:00Z", "2026-01-09T00:00:00Z"},
    // d#k: first Monday (Jan 5, Feb 2), third Friday (Jan 16, Feb 20),
    // fifth Friday (Jan 30, then none until May 29).
    {"cron(0 9 ? * 2#1 *)", "2026-01-01T00:00:00Z", "2026-01-05T09:00:00Z"},
    {"cron(0 9 ? * 2#1 *)", "2026-01-05T09:00:00Z", "2026-02-02T09:00:00Z"},
    {"cron(0 0 ? * 6#3 *)", "2026-01-01T00:00:00Z", "2026-01-16T00:00:00Z"},
    {"cron(0 0 ? * FRI#3 *)", "2026-01-16T00:00:00Z", "2026-02-20T00:00:00Z"},
    {"cron(0 0 ? * 6#5 *)", "2026-01-01T00:00:00Z", "2026-01-30T00:00:00Z"},
    {"cron(0 0 ? * 6#5 *)", "2026-01-30T00:00:00Z", "2026-05-29T00:00:00Z"},
    // dL: last Monday (Jan 26, Feb 23), last Friday (Jan 30, Feb 27).
    {"cron(0 0 ? * 2L *)", "2026-01-01T00:00:00Z", "2026-01-26T00:00:00Z"},
    {"cron(0 0 ? * 2L *)", "2026-01-26T00:00:00Z", "2026-02-23T00:00:00Z"},
    {"cron(0 0 ? * 6L *)", "2026-01-01T00:00:00Z", "2026-01-30T00:00:00Z"},
    {"cron(0 0 ? * FRIL *)", "2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z"},
    // L: the month's last day, leap years included.
    {"cron(0 0 L * ? *)", "2026-01-01T00:00:00Z", "2026-01-31T00:00:00Z"},
    {"cron(0 0 L * ? *)", "2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z"},
    {"cron(0 0 L * ? *)", "2028-02-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"cron(30 23 L 4 ? *)", "2026-01-01T00:00:00Z", "2026-04-30T23:30:00Z"},
    // LW: Sat 31 Jan -> Fri 30; Sat 28 Feb -> Fri 27; Sun 31 May -> Fri 29;
    // Mon 31 Aug stays.
    {"cron(0 0 LW * ? *)", "2026-01-01T00:00:00Z", "2026-01-30T00:00:00Z"},
    {"cron(0 0 LW * ? *)", "2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z"},
    {"cron(0 0 LW 5 ? *)", "2026-01-01T00:00:00Z", "2026-05-29T00:00:00Z"},
    {"cron(0 0 LW 8 ? *)", "2026-01-01T00:00:00Z", "2026-08-31T00:00:00Z"},
    // nW: Thu 15 Jan stays; Sun 15 Feb -> Mon 16; Sat 15 Aug -> Fri 14.
    {"cron(0 0 15W * ? *)", "2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z"},
    {"cron(0 0 15W * ? *)", "2026-01-15T00:00:00Z", "2026-02-16T00:00:00Z"},
    {"cron(0 0 15W 8 ? *)", "2026-01-01T00:00:00Z", "2026-08-14T00:00:00Z"},
    // ... never leaving the month: Sat 1 Aug -> Mon 3 Aug (not Fri 31
    // Jul); Sun 1 Nov -> Mon 2; Sat 31 Jan -> Fri 30; Sun 31 May -> Fri 29
    // (not Mon 1 Jun); no 31st in February, so no fire there.
    {"cron(0 0 1W 8 ? *)", "2026-01-01T00:00:00Z", "2026-08-03T00:00:00Z"},
    {"cron(0 0 1W 11 ? *)", "2026-01-01T00:00:00Z", "2026-11-02T00:00:00Z"},
    {"cron(0 0 31W * ? *)", "2026-01-01T00:00:00Z", "2026-01-30T00:00:00Z"},
    {"cron(0 0 31W 5 ? *)", "2026-01-01T00:00:00Z", "2026-05-29T00:00:00Z"},
    {"cron(0 0 31W 2 ? *)", "2026-01-01T00:00:00Z", "never"},
    // Leap days: 2028, then 2096, 2104 (2100 is not a leap year).
    {"cron(0 0 29 2 ? *)", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"cron(0 0 29 2 ? *)", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"},
    {"cron(0 0 L 2 ? 2100)", "2026-01-01T00:00:00Z", "2100-02-28T00:00:00Z"},
    {"cron(0 0 L 2 ? 2000)", "1999-06-01T00:00:00Z", "2000-02-29T00:00:00Z"},
    // Year bounds: 1970 to 2199, nothing after.
    {"cron(0 0 1 1 ? 2030)", "2026-01-01T00:00:00Z", "2030-01-01T00:00:00Z"},
    {"cron(0 0 1 1 ? 2030)", "2030-01-01T00:00:00Z", "never"},
    {"cron(59 23 31 12 ? 2199)", "2026-01-01T00:00:00Z",
     "2199-12-31T23:59:00Z"},
    {"cron(59 23 31 12 ? *)", "2199-12-31T23:59:00Z", "never"},
    {"cron(0 0 * * ? *)", "1960-05-05T12:00:00Z", "1970-01-01T00:00:00Z"},
    // A date that never comes.
    {"cron(0 0 30 2 ? *)", "2026-01-01T00:00:00Z", "never"},
    {"cron(0 0 31 4,6,9,11 ? *)", "2026-01-01T00:00:00Z", "never"},
};

INSTANTIATE_TEST_SUITE_P(Cron, CronNextTest, ::testing::ValuesIn(kNextCases));

// NextAfter skips whole units; a minute-by-minute scan with Matches()
// must find exactly the same fires.
TEST(CronNextAfterTest, AgreesWithAMinuteByMinuteScan) {
  const char* expressions[] = {
      "cron(0/7 */5 * * ? *)",     "cron(0 0 L * ? *)",
      "cron(0 12 LW * ? *)",       "cron(30 6 1W * ? *)",
      "cron(0 6 15W * ? *)",       "cron(0 0 ? * 2L *)",
      "cron(0 0 ? * 6#3 *)",       "cron(15 10 ? * MON-FRI *)",
      "cron(0 22-2/2 * * ? *)",    "cron(0 0 29-31 * ? *)",
      "cron(45 23 ? * SAT,SUN *)", "cron(0 0 1 FEB,MAR ? *)",
  };
  // Windows across month ends, a leap February and a year end.
  const char* starts[] = {"2026-01-25T00:00:00Z", "2028-02-20T12:34:00Z",
                          "2026-12-20T00:00:00Z"};
  constexpr int kWindowMinutes = 20 * 24 * 60;
  for (const char* text : expressions) {
    Result<CronExpression> c = CronExpression::Parse(text);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    for (const char* start : starts) {
      TimePoint t = At(start);
      std::optional<TimePoint> next = c->NextAfter(t);
      for (int i = 1; i <= kWindowMinutes; ++i) {
        TimePoint minute = t + chr::minutes(i);
        if (!c->Matches(minute)) continue;
        ASSERT_TRUE(next.has_value()) << text << " from " << start;
        ASSERT_EQ(FormatIso8601(*next, false), FormatIso8601(minute, false))
            << text << " from " << start;
        next = c->NextAfter(minute);
      }
    }
  }
}

TEST(CronNextAfterTest, MatchesOnlyTheMinutesItFires) {
  auto c = CronExpression::Parse("cron(30 9 ? * 2#2 *)");  // 2nd Monday
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Matches(At("2026-01-12T09:30:00Z")));
  EXPECT_TRUE(c->Matches(At("2026-01-12T09:30:59Z")));
  EXPECT_FALSE(c->Matches(At("2026-01-12T09:31:00Z")));
  EXPECT_FALSE(c->Matches(At("2026-01-05T09:30:00Z")));  // 1st Monday
  EXPECT_FALSE(c->Matches(At("1969-12-29T09:30:00Z")));  // before 1970
}

TEST(CronNextAfterTest, ADateThatNeverComesIsNever) {
  // Feb 30 is looked for in every February up to 2199 (month by month, not
  // minute by minute) and found nowhere.
  auto c = CronExpression::Parse("cron(0 0 30 2 ? *)");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->NextAfter(At("2026-01-01T00:00:00Z")).has_value());
  EXPECT_FALSE(c->Matches(At("2026-03-02T00:00:00Z")));
}

struct BadCase {
  const char* expression;
  const char* message;  // after "<expression>: "
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.expression; }

class CronParseErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(CronParseErrorTest, NamesTheFieldAndTheToken) {
  const BadCase& c = GetParam();
  Result<CronExpression> parsed = CronExpression::Parse(c.expression);
  ASSERT_FALSE(parsed.ok()) << c.expression;
  EXPECT_EQ(parsed.status().code(), events::kValidationException);
  EXPECT_EQ(parsed.status().message(),
            std::string(c.expression) + ": " + c.message);
}

const BadCase kBadCases[] = {
    {"cron(0 0 ? * 9 *)", "day-of-week '9' is out of range 1-7"},
    {"cron(60 * * * ? *)", "minutes '60' is out of range 0-59"},
    {"cron(0 24 * * ? *)", "hours '24' is out of range 0-23"},
    {"cron(0 0 0 * ? *)", "day-of-month '0' is out of range 1-31"},
    {"cron(0 0 32 * ? *)", "day-of-month '32' is out of range 1-31"},
    {"cron(0 0 1 13 ? *)", "month '13' is out of range 1-12"},
    {"cron(0 0 1 1 ? 1969)", "year '1969' is out of range 1970-2199"},
    {"cron(0 0 1 1 ? 2200)", "year '2200' is out of range 1970-2199"},
    {"cron(0 0 ? * 0 *)", "day-of-week '0' is out of range 1-7"},
    {"cron(0 0 1 FOO ? *)", "month 'FOO' is not a number or a name (JAN-DEC)"},
    {"cron(0 0 ? * MONDAY *)",
     "day-of-week 'MONDAY' is not a number or a name (SUN-SAT)"},
    {"cron(a * * * ? *)", "minutes 'a' is not a number"},
    {"cron(*/60 * * * ? *)", "minutes '*/60' has step 60 out of range 1-59"},
    {"cron(0/0 * * * ? *)", "minutes '0/0' has step 0 out of range 1-59"},
    {"cron(0/x * * * ? *)", "minutes '0/x' has a step that is not a number"},
    {"cron(0 0 1,,2 * ? *)", "day-of-month has an empty value"},
    {"cron(0 0 1 * ? 2030-2020)", "year '2030-2020' is a reversed range"},
    {"cron(* * * * * *)",
     "one of day-of-month and day-of-week must be '?' (you can't specify "
     "both)"},
    {"cron(0 0 1 * 2 *)",
     "one of day-of-month and day-of-week must be '?' (you can't specify "
     "both)"},
    {"cron(0 0 ? * ? *)", "day-of-month and day-of-week can't both be '?'"},
    {"cron(0 0 * *)",
     "expected 6 fields (minutes hours day-of-month month day-of-week "
     "year), found 4"},
    {"cron(0 0 * * ? * *)",
     "expected 6 fields (minutes hours day-of-month month day-of-week "
     "year), found 7"},
    {"cron(0 0 ? * 2/2 *)",
     "day-of-week doesn't allow '/' (in '2/2'; allowed: , - * ? L #)"},
    {"cron(L 0 1 * ? *)",
     "minutes doesn't allow 'L' (in 'L'; allowed: , - * /)"},
    {"cron(0 ? 1 * ? *)", "hours doesn't allow '?' (in '?'; allowed: , - * /)"},
    {"cron(0 0 3#2 * ? *)",
     "day-of-month doesn't allow '#' (in '3#2'; allowed: , - * ? / L W)"},
    {"cron(0 0 ?,1 * * *)",
     "day-of-month '?,1': '?' must be the field's whole value"},
    {"cron(0 0 L-2 * ? *)",
     "day-of-month 'L-2' is not valid: L, LW and nW must be the field's "
     "whole value"},
    {"cron(0 0 1W,15 * ? *)",
     "day-of-month '1W,15' is not valid: L, LW and nW must be the field's "
     "whole value"},
    {"cron(0 0 1-5W * ? *)",
     "day-of-month '1-5W' is not valid: W takes a single day, as in 15W"},
    {"cron(0 0 32W * ? *)", "day-of-month '32' is out of range 1-31"},
    {"cron(0 0 ? * 3#1,6#3 *)",
     "day-of-week '3#1,6#3' is not valid: '#' allows one expression only "
     "(d#k)"},
    {"cron(0 0 ? * 3#6 *)",
     "day-of-week '3#6' is not valid: '#' takes a week number 1-5"},
    {"cron(0 0 ? * 2-3L *)",
     "day-of-week '2-3L' is not valid: dL takes a single day, as in 6L"},
    {"cron(0 0 ? * 8L *)", "day-of-week '8' is out of range 1-7"},
    {"cron 0 0 * * ? *",
     "a cron expression is cron(minutes hours day-of-month month "
     "day-of-week year)"},
    {"cron()",
     "expected 6 fields (minutes hours day-of-month month day-of-week "
     "year), found 0"},
};

INSTANTIATE_TEST_SUITE_P(Cron, CronParseErrorTest,
                         ::testing::ValuesIn(kBadCases));

TEST(CronParseTest, KeepsTheTextAndTakesRunsOfSpaces) {
  auto c = CronExpression::Parse("cron(0  12 * *   ? *)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->text(), "cron(0  12 * *   ? *)");
  EXPECT_EQ(FormatIso8601(*c->NextAfter(At("2026-01-01T00:00:00Z")), false),
            "2026-01-01T12:00:00Z");
}

}  // namespace
}  // namespace fanlab::services
