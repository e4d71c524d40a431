#include "emulator/core/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

namespace fanlab {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(VirtualClockTest, ATimerThatThrowsDoesNotStopTheOthers) {
  VirtualClock clock;
  int fired = 0;
  clock.ScheduleAfter(Duration(1), [] { throw std::runtime_error("boom"); });
  clock.ScheduleAfter(Duration(2), [&] { ++fired; });
  clock.Advance(Duration(5));
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(VirtualClockTest, StartsAtDefaultStart) {
  VirtualClock clock;
  EXPECT_EQ(clock.Now(), VirtualClock::kDefaultStart);
  // 2026-01-01T00:00:00Z.
  EXPECT_EQ(ToEpochMillis(clock.Now()), 1767225600000);
  EXPECT_TRUE(clock.IsVirtual());
}

TEST(VirtualClockTest, StartsAtGivenTime) {
  const TimePoint start = FromEpochMillis(1234567);
  VirtualClock clock(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(VirtualClockTest, TimeMovesOnlyWhenAdvanced) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);

  clock.Advance(seconds(5));
  EXPECT_EQ(clock.Now(), start + seconds(5));
  clock.Advance(Duration(1));
  EXPECT_EQ(clock.Now(), start + seconds(5) + Duration(1));
  clock.Advance(Duration(0));
  EXPECT_EQ(clock.Now(), start + seconds(5) + Duration(1));

  clock.AdvanceTo(start + hours(1));
  EXPECT_EQ(clock.Now(), start + hours(1));
  clock.AdvanceTo(start + hours(1));
  EXPECT_EQ(clock.Now(), start + hours(1));
}

TEST(VirtualClockTest, EpochMillisRoundTrip) {
  EXPECT_EQ(ToEpochMillis(FromEpochMillis(0)), 0);
  EXPECT_EQ(ToEpochMillis(FromEpochMillis(1767225600123)), 1767225600123);
  // Sub-millisecond parts are truncated.
  EXPECT_EQ(ToEpochMillis(FromEpochMillis(42) + Duration(999)), 42);
}

TEST(VirtualClockTest, ScheduleReturnsDistinctNonZeroIds) {
  VirtualClock clock;
  std::set<TimerId> ids;
  for (int i = 0; i < 100; ++i) {
    TimerId id = clock.ScheduleAfter(seconds(i % 7), [] {});
    EXPECT_NE(id, 0u);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(clock.PendingTimers(), 100u);
}

TEST(VirtualClockTest, TimerDoesNotFireBeforeItsDeadline) {
  VirtualClock clock;
  int fired = 0;
  clock.ScheduleAfter(seconds(10), [&] { ++fired; });
  clock.Advance(seconds(10) - Duration(1));
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(clock.PendingTimers(), 1u);
  clock.Advance(Duration(1));  // exactly at the deadline
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(clock.PendingTimers(), 0u);
  clock.Advance(hours(1));  // fires once only
  EXPECT_EQ(fired, 1);
}

TEST(VirtualClockTest, TimersFireInDeadlineOrder) {
  VirtualClock clock;
  std::vector<int> order;
  clock.ScheduleAfter(seconds(3), [&] { order.push_back(3); });
  clock.ScheduleAfter(seconds(1), [&] { order.push_back(1); });
  clock.ScheduleAfter(seconds(4), [&] { order.push_back(4); });
  clock.ScheduleAfter(seconds(2), [&] { order.push_back(2); });
  clock.Advance(seconds(10));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
}

TEST(VirtualClockTest, SameDeadlineTimersFireInScheduleOrder) {
  VirtualClock clock;
  std::vector<int> order;
  const TimePoint at = clock.Now() + seconds(5);
  for (int i = 0; i < 20; ++i) {
    clock.ScheduleAt(at, [&order, i] { order.push_back(i); });
  }
  // An earlier timer scheduled last still fires first.
  clock.ScheduleAt(at - Duration(1), [&] { order.push_back(-1); });
  clock.Advance(seconds(5));
  std::vector<int> expected{-1};
  for (int i = 0; i < 20; ++i) expected.push_back(i);
  EXPECT_EQ(order, expected);
}

TEST(VirtualClockTest, NowInsideCallbackIsTheTimersDeadline) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  std::vector<TimePoint> seen;
  clock.ScheduleAfter(milliseconds(1500), [&] { seen.push_back(clock.Now()); });
  clock.ScheduleAfter(seconds(7), [&] { seen.push_back(clock.Now()); });
  clock.ScheduleAfter(Duration(1), [&] { seen.push_back(clock.Now()); });
  clock.Advance(minutes(1));
  EXPECT_EQ(seen, (std::vector<TimePoint>{start + Duration(1),
                                          start + milliseconds(1500),
                                          start + seconds(7)}));
  // After the advance, time is at the target, not the last deadline.
  EXPECT_EQ(clock.Now(), start + minutes(1));
}

TEST(VirtualClockTest, CancelPreventsFiring) {
  VirtualClock clock;
  std::vector<int> order;
  clock.ScheduleAfter(seconds(1), [&] { order.push_back(1); });
  TimerId two = clock.ScheduleAfter(seconds(2), [&] { order.push_back(2); });
  clock.ScheduleAfter(seconds(3), [&] { order.push_back(3); });
  EXPECT_TRUE(clock.Cancel(two));
  EXPECT_EQ(clock.PendingTimers(), 2u);
  EXPECT_FALSE(clock.Cancel(two));  // already cancelled
  clock.Advance(seconds(5));
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
}

TEST(VirtualClockTest, CancelAfterFiringReturnsFalse) {
  VirtualClock clock;
  int fired = 0;
  TimerId id = clock.ScheduleAfter(seconds(1), [&] { ++fired; });
  clock.Advance(seconds(1));
  ASSERT_EQ(fired, 1);
  EXPECT_FALSE(clock.Cancel(id));
}

TEST(VirtualClockTest, CancelUnknownIdReturnsFalse) {
  VirtualClock clock;
  EXPECT_FALSE(clock.Cancel(0));
  EXPECT_FALSE(clock.Cancel(12345));
  TimerId id = clock.ScheduleAfter(seconds(1), [] {});
  EXPECT_FALSE(clock.Cancel(id + 1));
  EXPECT_EQ(clock.PendingTimers(), 1u);
}

TEST(VirtualClockTest, CancelOneOfSameDeadlineTimers) {
  VirtualClock clock;
  std::vector<int> order;
  const TimePoint at = clock.Now() + seconds(1);
  clock.ScheduleAt(at, [&] { order.push_back(1); });
  TimerId two = clock.ScheduleAt(at, [&] { order.push_back(2); });
  clock.ScheduleAt(at, [&] { order.push_back(3); });
  EXPECT_TRUE(clock.Cancel(two));
  clock.Advance(seconds(1));
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
}

TEST(VirtualClockTest, CallbackCanCancelALaterTimer) {
  VirtualClock clock;
  std::vector<int> order;
  TimerId later = 0;
  clock.ScheduleAfter(seconds(1), [&] {
    order.push_back(1);
    EXPECT_TRUE(clock.Cancel(later));
  });
  later = clock.ScheduleAfter(seconds(2), [&] { order.push_back(2); });
  clock.Advance(seconds(5));
  EXPECT_EQ(order, (std::vector<int>{1}));
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(VirtualClockTest, TimersScheduledByCallbacksFireWithinTheSameAdvance) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  std::vector<std::pair<int, TimePoint>> seen;
  clock.ScheduleAfter(seconds(1), [&] {
    seen.emplace_back(1, clock.Now());
    // Due within the advance window: fires at its own deadline.
    clock.ScheduleAfter(seconds(2), [&] { seen.emplace_back(2, clock.Now()); });
    // Beyond the window: stays pending.
    clock.ScheduleAfter(seconds(20),
                        [&] { seen.emplace_back(3, clock.Now()); });
  });
  clock.ScheduleAfter(seconds(4), [&] { seen.emplace_back(4, clock.Now()); });
  clock.Advance(seconds(10));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(1, start + seconds(1)));
  EXPECT_EQ(seen[1], std::make_pair(2, start + seconds(3)));
  EXPECT_EQ(seen[2], std::make_pair(4, start + seconds(4)));
  EXPECT_EQ(clock.PendingTimers(), 1u);
  EXPECT_EQ(clock.NextDeadline(), start + seconds(21));
  clock.Advance(seconds(11));
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[3], std::make_pair(3, start + seconds(21)));
}

TEST(VirtualClockTest, TimerScheduledByCallbackForNowFiresAfterEarlierOnes) {
  VirtualClock clock;
  std::vector<int> order;
  const TimePoint at = clock.Now() + seconds(1);
  clock.ScheduleAt(at, [&] {
    order.push_back(1);
    clock.ScheduleAfter(Duration(0), [&] { order.push_back(3); });
  });
  clock.ScheduleAt(at, [&] { order.push_back(2); });
  clock.Advance(seconds(1));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(clock.PendingTimers(), 0u);
}

TEST(VirtualClockTest, PastDeadlineFiresOnNextDriveWithoutMovingTimeBack) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  std::optional<TimePoint> seen;
  clock.ScheduleAt(start - seconds(30), [&] { seen = clock.Now(); });
  EXPECT_FALSE(seen.has_value());  // never fires on its own
  clock.Advance(Duration(0));
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(*seen, start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(VirtualClockTest, NextDeadline) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  EXPECT_EQ(clock.NextDeadline(), std::nullopt);
  TimerId five = clock.ScheduleAfter(seconds(5), [] {});
  EXPECT_EQ(clock.NextDeadline(), start + seconds(5));
  clock.ScheduleAfter(seconds(9), [] {});
  EXPECT_EQ(clock.NextDeadline(), start + seconds(5));
  TimerId two = clock.ScheduleAfter(seconds(2), [] {});
  EXPECT_EQ(clock.NextDeadline(), start + seconds(2));
  ASSERT_TRUE(clock.Cancel(two));
  EXPECT_EQ(clock.NextDeadline(), start + seconds(5));
  ASSERT_TRUE(clock.Cancel(five));
  EXPECT_EQ(clock.NextDeadline(), start + seconds(9));
  clock.Advance(seconds(9));
  EXPECT_EQ(clock.NextDeadline(), std::nullopt);
}

TEST(VirtualClockTest, AdvanceToNextTimerWithNoTimersLeavesTimeAlone) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  EXPECT_FALSE(clock.AdvanceToNextTimer());
  EXPECT_EQ(clock.Now(), start);
}

TEST(VirtualClockTest, AdvanceToNextTimerFiresEverythingDueThen) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  std::vector<int> order;
  clock.ScheduleAfter(seconds(10), [&] { order.push_back(10); });
  clock.ScheduleAfter(seconds(5), [&] { order.push_back(1); });
  clock.ScheduleAfter(seconds(5), [&] { order.push_back(2); });

  EXPECT_TRUE(clock.AdvanceToNextTimer());
  EXPECT_EQ(clock.Now(), start + seconds(5));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(clock.PendingTimers(), 1u);

  EXPECT_TRUE(clock.AdvanceToNextTimer());
  EXPECT_EQ(clock.Now(), start + seconds(10));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 10}));

  EXPECT_FALSE(clock.AdvanceToNextTimer());
  EXPECT_EQ(clock.Now(), start + seconds(10));
}

TEST(VirtualClockTest, AdvanceToNextTimerFiresTimersCallbacksScheduleForThen) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  std::vector<int> order;
  clock.ScheduleAfter(seconds(5), [&] {
    order.push_back(1);
    clock.ScheduleAfter(Duration(0), [&] { order.push_back(2); });
    clock.ScheduleAfter(seconds(1), [&] { order.push_back(3); });
  });
  EXPECT_TRUE(clock.AdvanceToNextTimer());
  EXPECT_EQ(clock.Now(), start + seconds(5));
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(clock.NextDeadline(), start + seconds(6));
}

TEST(VirtualClockTest, AdvanceToNextTimerWithPastDueTimerKeepsTime) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  int fired = 0;
  clock.ScheduleAt(start - seconds(1), [&] { ++fired; });
  EXPECT_TRUE(clock.AdvanceToNextTimer());
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(clock.Now(), start);
}

TEST(VirtualClockTest, RunDueFiresOnlyTimersDueNow) {
  VirtualClock clock;
  const TimePoint start = clock.Now();
  std::vector<int> order;
  clock.ScheduleAt(start, [&] { order.push_back(1); });
  clock.ScheduleAt(start - seconds(1), [&] { order.push_back(0); });
  clock.ScheduleAt(start + Duration(1), [&] { order.push_back(9); });

  EXPECT_EQ(clock.RunDue(), 2u);
  EXPECT_EQ(order, (std::vector<int>{0, 1}));
  EXPECT_EQ(clock.Now(), start);  // RunDue never moves time
  EXPECT_EQ(clock.PendingTimers(), 1u);
  EXPECT_EQ(clock.RunDue(), 0u);
  EXPECT_EQ(order, (std::vector<int>{0, 1}));
}

TEST(VirtualClockTest, RunDueFiresTimersThatCallbacksScheduleForNow) {
  VirtualClock clock;
  int count = 0;
  std::function<void()> chain = [&] {
    ++count;
    if (count < 5) clock.ScheduleAfter(Duration(0), chain);
  };
  clock.ScheduleAfter(Duration(0), chain);
  clock.ScheduleAfter(seconds(1), [&] { count += 100; });
  EXPECT_EQ(clock.RunDue(), 5u);
  EXPECT_EQ(count, 5);
  EXPECT_EQ(clock.PendingTimers(), 1u);
}

TEST(RealClockTest, IsNotVirtual) {
  RealClock clock;
  EXPECT_FALSE(clock.IsVirtual());
}

TEST(RealClockTest, NowTracksSystemClock) {
  RealClock clock;
  const auto before = std::chrono::system_clock::now();
  const TimePoint now = clock.Now();
  const auto after = std::chrono::system_clock::now();
  // Within a generous window around the system clock (no timing asserts).
  EXPECT_GE(now, std::chrono::time_point_cast<Duration>(before) - seconds(5));
  EXPECT_LE(now, std::chrono::time_point_cast<Duration>(after) + seconds(5));
  // After 2020-01-01: the clock is wall time, not a steady counter.
  EXPECT_GT(ToEpochMillis(now), 1577836800000);
}

TEST(RealClockTest, NowIsRoughlyMonotone) {
  RealClock clock;
  TimePoint previous = clock.Now();
  for (int i = 0; i < 1000; ++i) {
    TimePoint now = clock.Now();
    // A system clock may step back; allow a little slack.
    EXPECT_GE(now, previous - seconds(1));
    previous = now;
  }
}

TEST(RealClockTest, RunDueFiresPastTimersOnly) {
  RealClock clock;
  std::vector<int> order;
  clock.ScheduleAt(clock.Now() - seconds(2), [&] { order.push_back(1); });
  clock.ScheduleAt(clock.Now() - seconds(1), [&] { order.push_back(2); });
  clock.ScheduleAfter(hours(1), [&] { order.push_back(3); });
  EXPECT_EQ(clock.RunDue(), 2u);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(clock.PendingTimers(), 1u);
  ASSERT_TRUE(clock.NextDeadline().has_value());
  EXPECT_GT(*clock.NextDeadline(), clock.Now());
}

TEST(FormatIso8601Test, IsUtcWithMilliseconds) {
  EXPECT_EQ(FormatIso8601(VirtualClock::kDefaultStart),
            "2026-01-01T00:00:00.000Z");
  // 2024-02-29T23:59:58.123456Z: a leap day, sub-millisecond part dropped.
  TimePoint t = TimePoint(std::chrono::seconds(1709251198)) +
                std::chrono::microseconds(123456);
  EXPECT_EQ(FormatIso8601(t), "2024-02-29T23:59:58.123Z");
}

}  // namespace
}  // namespace fanlab
