// Expected and found laid out for the terminal (harness/report_diff.h):
// the differing paths under the expectations' matching rules, and the
// indented JSON with those paths marked.
#include "harness/report_diff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace fanlab::harness {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Paths(const char* expected, const char* found,
                               bool exact = false) {
  std::vector<std::string> out;
  for (const JsonDiff& d :
       DiffJson(json::parse(expected), json::parse(found), exact)) {
    out.push_back(d.path + (d.kind == JsonDiff::Kind::kMissing ? " missing"
                            : d.kind == JsonDiff::Kind::kExtra ? " extra"
                                                               : ""));
  }
  return out;
}

TEST(ReportDiff, NestedObjectsDifferWhereThePatternDoes) {
  EXPECT_THAT(Paths(R"({"a":{"b":1,"c":2}})", R"({"a":{"b":1,"c":3,"d":4}})"),
              ElementsAre("$.a.c"));
  // A key the pattern does not name is no difference, unless exact.
  EXPECT_THAT(Paths(R"({"a":{"b":1}})", R"({"a":{"b":1,"d":4}})"),
              ElementsAre());
  EXPECT_THAT(Paths(R"({"a":{"b":1}})", R"({"a":{"b":1,"d":4}})", true),
              ElementsAre("$.a.d extra"));
  EXPECT_THAT(Paths(R"({"x":1,"y":{"z":2},"a b":3})", R"({"x":1})"),
              ElementsAre("$.y missing", "$[\"a b\"] missing"));
  EXPECT_THAT(Paths(R"({"a":{"b":1}})", R"({"a":[1]})"), ElementsAre("$.a"));
  // Numbers by value, as matching does.
  EXPECT_THAT(Paths(R"({"n":1})", R"({"n":1.0})"), ElementsAre());
}

TEST(ReportDiff, ArraysCompareElementByElement) {
  EXPECT_THAT(Paths("[1,2,3]", "[1,5]"), ElementsAre("$[1]", "$[2] missing"));
  EXPECT_THAT(Paths("[1]", "[1,2]"), ElementsAre("$[1] extra"));
  EXPECT_THAT(Paths(R"([{"k":"a"},{"k":"b"}])", R"([{"k":"a"},{"k":"c"}])"),
              ElementsAre("$[1].k"));
}

TEST(ReportDiff, JsonInAStringIsMatchedAsAWhole) {
  EXPECT_THAT(Paths(R"({"Payload":{"json":{"k":1}}})",
                    R"({"Payload":"{\"k\":2,\"other\":3}"})"),
              ElementsAre("$.Payload"));
  EXPECT_THAT(Paths(R"({"Payload":{"json":{"k":1}}})",
                    R"({"Payload":"{\"k\":1,\"other\":3}"})"),
              ElementsAre());
}

TEST(ReportDiff, BothSidesLaidOutWithTheDifferencesMarked) {
  std::vector<std::string> lines = RenderExpectedFound(
      "every value to match", R"({"outcome":"success","cold":true})",
      "value 0 of 2",
      R"({"function":"worker","outcome":"error","errorType":"TestError"})",
      true, JsonDiffStyle{});
  EXPECT_THAT(
      lines,
      ElementsAre("expected: every value to match:", "          {",
                  "        ~   \"outcome\": \"success\",",
                  "        -   \"cold\": true", "          }",
                  "found:    value 0 of 2:", "          {",
                  "            \"function\": \"worker\",",
                  "        ~   \"outcome\": \"error\",",
                  "            \"errorType\": \"TestError\"", "          }",
                  "differs at: $.outcome, $.cold (missing)"));
}

TEST(ReportDiff, NestedArraysAndExtraElements) {
  std::vector<std::string> lines = RenderExpectedFound(
      "the values", R"([{"id":1,"tags":["a"]}])", "2 values",
      R"([{"id":1,"tags":["b"]},{"id":2,"tags":[]}])", true, JsonDiffStyle{});
  EXPECT_THAT(
      lines,
      ElementsAre("expected: the values:", "          [", "            {",
                  "              \"id\": 1,", "              \"tags\": [",
                  "        ~       \"a\"", "              ]", "            }",
                  "          ]", "found:    2 values:", "          [",
                  "            {", "              \"id\": 1,",
                  "              \"tags\": [", "        ~       \"b\"",
                  "              ]", "            },", "        +   {",
                  "              \"id\": 2,", "              \"tags\": []",
                  "        +   }", "          ]",
                  "differs at: $[0].tags[0], $[1] (extra)"));
}

TEST(ReportDiff, WithoutCompareBothSidesShowUnmarked) {
  std::vector<std::string> lines = RenderExpectedFound(
      "count 3", "", "2 values", R"(["a","b"])", false, JsonDiffStyle{});
  EXPECT_THAT(lines, ElementsAre("expected: count 3", "found:    2 values:",
                                 "          [", "            \"a\",",
                                 "            \"b\"", "          ]"));
}

TEST(ReportDiff, LongArraysShowTheirFirstItemsAndTheDifferingOnes) {
  json::array want, have;
  for (int i = 0; i < 20; ++i) {
    want.push_back(i);
    have.push_back(i == 15 ? 99 : i);
  }
  std::vector<JsonDiff> diffs = DiffJson(want, have);
  ASSERT_EQ(diffs.size(), 1u);
  std::vector<std::string> lines =
      RenderJsonLines(have, diffs, false, nullptr, JsonDiffStyle{});
  EXPECT_THAT(lines, ElementsAre("  [", "    0,", "    1,", "    2,", "    3,",
                                 "    4,", "    ... 10 more", "~   99,",
                                 "    ... 4 more", "  ]"));
}

TEST(ReportDiff, LongStringsKeepTheirDifferenceInView) {
  std::string a(200, 'x'), b(200, 'x');
  b[150] = 'Y';
  json::value want = json::string(a), have = json::string(b);
  std::vector<JsonDiff> diffs = DiffJson(want, have);
  ASSERT_EQ(diffs.size(), 1u);
  std::vector<std::string> lines = RenderJsonLines(
      have, diffs, false, &want, JsonDiffStyle{.max_string = 40});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "~ \"…" + std::string(20, 'x') + "Y" +
                          std::string(19, 'x') + "…\" (200 bytes)");
  // Unchanged: the start and the end.
  std::string text = "start" + std::string(100, '-') + "end";
  std::vector<std::string> same = RenderJsonLines(
      json::string(text), {}, true, nullptr, JsonDiffStyle{.max_string = 20});
  EXPECT_EQ(same[0], "  \"start-----…-------end\" (108 bytes)");
  // Never inside a UTF-8 character.
  std::string accents;
  for (int i = 0; i < 60; ++i) accents += "é";
  std::vector<std::string> cut =
      RenderJsonLines(json::string(accents), {}, true, nullptr,
                      JsonDiffStyle{.max_string = 21});
  EXPECT_EQ(cut[0], "  \"ééééé…éééééé\" (120 bytes)");
}

TEST(ReportDiff, ColorPaintsTheMarkedLines) {
  std::vector<std::string> lines =
      RenderExpectedFound("success", "", "error E", R"({"a":1})", false,
                          JsonDiffStyle{.color = true});
  for (const auto& l : lines) EXPECT_THAT(l, ::testing::Not(HasSubstr("\x1b")));
  lines = RenderExpectedFound("x", R"({"a":1})", "y", R"({"a":2})", true,
                              JsonDiffStyle{.color = true});
  EXPECT_EQ(lines[2], "        \x1b[32m~   \"a\": 1\x1b[0m");
  EXPECT_EQ(lines[6], "        \x1b[31m~   \"a\": 2\x1b[0m");
}

}  // namespace
}  // namespace fanlab::harness
