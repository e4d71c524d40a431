// The shrinker exploration uses, over plain lists (steps and faults go
// through the same template), and the failure signature it compares.
#include "harness/explore.h"

#include <gtest/gtest.h>

namespace fanlab::harness {
namespace {

TEST(ShrinkListTest, KeepsOnlyWhatTheFailureNeeds) {
  std::vector<int> items{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  int calls = 0;
  std::function<bool(const std::vector<int>&)> fails =
      [&](const std::vector<int>& v) {
        ++calls;
        bool has3 = false, has8 = false;
        for (int x : v) {
          has3 |= x == 3;
          has8 |= x == 8;
        }
        return has3 && has8;
      };
  EXPECT_EQ(ShrinkList(items, fails), (std::vector<int>{3, 8}));
  EXPECT_LE(calls, 100);
}

TEST(ShrinkListTest, AFailureNeedingNothingShrinksToEmpty) {
  std::function<bool(const std::vector<int>&)> always =
      [](const std::vector<int>&) { return true; };
  EXPECT_TRUE(ShrinkList(std::vector<int>{1, 2, 3}, always).empty());
  EXPECT_TRUE(ShrinkList(std::vector<int>{}, always).empty());
}

TEST(ShrinkListTest, KeepsTheOrder) {
  std::function<bool(const std::vector<int>&)> needs_5_then_1 =
      [](const std::vector<int>& v) {
        for (size_t i = 0; i < v.size(); ++i) {
          for (size_t j = i + 1; j < v.size(); ++j) {
            if (v[i] == 5 && v[j] == 1) return true;
          }
        }
        return false;
      };
  EXPECT_EQ(ShrinkList(std::vector<int>{9, 5, 7, 1, 2}, needs_5_then_1),
            (std::vector<int>{5, 1}));
}

TEST(FailureSignatureTest, NamesTheFailedExpectations) {
  ScenarioResult passed;
  EXPECT_EQ(FailureSignature(passed), "");
  ScenarioResult failed;
  failed.status = ScenarioResult::Status::kFailed;
  failed.expectations.push_back(
      {.kind = "events", .label = "a", .passed = true});
  failed.expectations.push_back(
      {.kind = "response", .label = "b", .passed = false});
  EXPECT_EQ(FailureSignature(failed), "response b\n");
}

}  // namespace
}  // namespace fanlab::harness
