// harness/json_match.h: the patterns expectations match (subsets of
// objects, arrays element by element, numbers by value) and the selectors
// they pick values with.
#include "harness/json_match.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "emulator/services/s3_errors.h"

namespace fanlab::harness {
namespace {

namespace json = boost::json;

bool Matches(std::string_view pattern, std::string_view value) {
  return JsonMatches(json::parse(pattern), json::parse(value));
}

TEST(HarnessJsonMatch, CutsNeverSplitAUtf8Character) {
  EXPECT_EQ(CutUtf8("short", 10), "short");
  EXPECT_EQ(CutUtf8("abcdefghij", 8), "abcde...");
  // "é" is two bytes: five of them are ten; a cut at byte 5 would split
  // the third.
  EXPECT_EQ(CutUtf8("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 9),
            "\xc3\xa9\xc3\xa9\xc3\xa9...");
  EXPECT_EQ(CutUtf8("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8),
            "\xc3\xa9\xc3\xa9...");
}

TEST(HarnessJsonMatch, AnObjectPatternIsASubset) {
  EXPECT_TRUE(Matches(R"({"a": 1})", R"({"a": 1, "b": 2})"));
  EXPECT_TRUE(Matches(R"({})", R"({"a": 1})"));
  EXPECT_TRUE(Matches(R"({"a": {"b": 1}})", R"({"a": {"b": 1, "c": 2}})"));
  EXPECT_FALSE(Matches(R"({"a": 1, "b": 2})", R"({"a": 1})"));
  EXPECT_FALSE(Matches(R"({"a": 1})", R"({"a": 2})"));
  EXPECT_FALSE(Matches(R"({"a": {"b": 1}})", R"({"a": {"c": 1}})"));
  EXPECT_FALSE(Matches(R"({})", R"([])"));
  EXPECT_FALSE(Matches(R"({"a": null})", R"({})"));
  EXPECT_TRUE(Matches(R"({"a": null})", R"({"a": null})"));
}

TEST(HarnessJsonMatch, AnArrayPatternNeedsTheSameLengthInOrder) {
  EXPECT_TRUE(Matches("[1, 2]", "[1, 2]"));
  EXPECT_TRUE(Matches("[]", "[]"));
  EXPECT_FALSE(Matches("[1, 2]", "[1, 2, 3]"));
  EXPECT_FALSE(Matches("[1, 2, 3]", "[1, 2]"));
  EXPECT_FALSE(Matches("[2, 1]", "[1, 2]"));
  EXPECT_FALSE(Matches("[]", "{}"));
  // Elements are matched as patterns themselves.
  EXPECT_TRUE(Matches(R"([{"a": 1}])", R"([{"a": 1, "b": 2}])"));
  EXPECT_FALSE(Matches(R"([{"a": 1}])", R"([{"b": 2}])"));
}

TEST(HarnessJsonMatch, NumbersCompareByValue) {
  EXPECT_TRUE(Matches("1", "1.0"));
  EXPECT_TRUE(Matches("1.0", "1"));
  EXPECT_TRUE(Matches(R"({"n": 2})", R"({"n": 2.0})"));
  EXPECT_FALSE(Matches("1", "1.5"));
  EXPECT_FALSE(Matches("1", R"("1")"));
  EXPECT_FALSE(Matches(R"("1")", "1"));
  EXPECT_FALSE(Matches("0", "false"));
  EXPECT_FALSE(Matches("null", "0"));
}

TEST(HarnessJsonMatch, SignedAndUnsignedIntegersCompareByValue) {
  EXPECT_TRUE(JsonMatches(json::value(int64_t(5)), json::value(uint64_t(5))));
  EXPECT_TRUE(JsonMatches(json::value(uint64_t(5)), json::value(int64_t(5))));
  EXPECT_FALSE(JsonMatches(json::value(int64_t(5)), json::value(uint64_t(6))));
  // -1 is not 2^64 - 1, whichever side holds it.
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_FALSE(JsonMatches(json::value(int64_t(-1)), json::value(max)));
  EXPECT_FALSE(JsonMatches(json::value(max), json::value(int64_t(-1))));
  EXPECT_TRUE(JsonMatches(json::value(max), json::value(max)));
}

TEST(HarnessJsonMatch, OtherValuesCompareEqual) {
  EXPECT_TRUE(Matches(R"("x")", R"("x")"));
  EXPECT_FALSE(Matches(R"("x")", R"("X")"));
  EXPECT_TRUE(Matches("true", "true"));
  EXPECT_FALSE(Matches("true", "false"));
  EXPECT_TRUE(Matches("null", "null"));
}

// The values `path` selects, as compact JSON, one a line.
std::string Select(std::string_view doc, std::string_view path) {
  auto r = JsonSelect(json::parse(doc), path);
  if (!r.ok()) return "error: " + r.status().message();
  std::string out;
  for (const auto& v : *r) out += json::serialize(v) + "\n";
  return out;
}

constexpr std::string_view kDoc = R"({
  "name": "a",
  "odd key": 1,
  "list": [10, 20, 30],
  "rows": [{"x": 1, "y": "p"}, {"x": 2}, {"y": "q"}],
  "nested": {"b": {"c": true}}
})";

TEST(HarnessJsonSelect, TheRoot) {
  EXPECT_EQ(Select(R"({"a":1})", "$"), "{\"a\":1}\n");
  EXPECT_EQ(Select("[1,2]", "$"), "[1,2]\n");
}

TEST(HarnessJsonSelect, MembersByDotOrBracket) {
  EXPECT_EQ(Select(kDoc, "$.name"), "\"a\"\n");
  EXPECT_EQ(Select(kDoc, "$['name']"), "\"a\"\n");
  EXPECT_EQ(Select(kDoc, "$[\"name\"]"), "\"a\"\n");
  EXPECT_EQ(Select(kDoc, "$['odd key']"), "1\n");
  EXPECT_EQ(Select(kDoc, "$.nested.b.c"), "true\n");
  EXPECT_EQ(Select(kDoc, "$['nested'].b['c']"), "true\n");
}

TEST(HarnessJsonSelect, ElementsByIndexOrDotIndex) {
  EXPECT_EQ(Select(kDoc, "$.list[2]"), "30\n");
  EXPECT_EQ(Select(kDoc, "$.list[0]"), "10\n");
  EXPECT_EQ(Select(kDoc, "$.list.0"), "10\n");
  EXPECT_EQ(Select(kDoc, "$.rows[1].x"), "2\n");
  EXPECT_EQ(Select(kDoc, "$.rows.1.x"), "2\n");
}

TEST(HarnessJsonSelect, Wildcards) {
  EXPECT_EQ(Select(kDoc, "$.list[*]"), "10\n20\n30\n");
  EXPECT_EQ(Select(kDoc, "$.list.*"), "10\n20\n30\n");
  EXPECT_EQ(Select(kDoc, "$.nested.*"), "{\"c\":true}\n");
  EXPECT_EQ(Select(R"({"b": 2, "a": 1})", "$.*"), "2\n1\n");
  // Elements without the member select nothing: 2 of 3 rows have x.
  EXPECT_EQ(Select(kDoc, "$.rows[*].x"), "1\n2\n");
  EXPECT_EQ(Select(kDoc, "$.rows.*.y"), "\"p\"\n\"q\"\n");
  // A wildcard over a scalar selects nothing.
  EXPECT_EQ(Select(kDoc, "$.name.*"), "");
}

TEST(HarnessJsonSelect, MissingPathsSelectNothing) {
  EXPECT_EQ(Select(kDoc, "$.absent"), "");
  EXPECT_EQ(Select(kDoc, "$.absent.deeper[0]"), "");
  EXPECT_EQ(Select(kDoc, "$.list[3]"), "");
  EXPECT_EQ(Select(kDoc, "$.list.7"), "");
  EXPECT_EQ(Select(kDoc, "$.list.x"), "");
  EXPECT_EQ(Select(kDoc, "$.name[0]"), "");
  EXPECT_EQ(Select(kDoc, "$.nested[0]"), "");
}

TEST(HarnessJsonSelect, MalformedPathsAreErrors) {
  EXPECT_EQ(Select(kDoc, ""),
            "error: bad selector \"\": selectors start with $");
  EXPECT_EQ(Select(kDoc, "name"),
            "error: bad selector \"name\": selectors start with $");
  EXPECT_EQ(Select(kDoc, "$."),
            "error: bad selector \"$.\": an empty name after '.'");
  EXPECT_EQ(Select(kDoc, "$.a..b"),
            "error: bad selector \"$.a..b\": an empty name after '.'");
  EXPECT_EQ(Select(kDoc, "$.list[1"),
            "error: bad selector \"$.list[1\": a '[' is not closed");
  EXPECT_EQ(Select(kDoc, "$.list[x]"),
            "error: bad selector \"$.list[x]\": [x] is not an index, * or a "
            "quoted name");
  EXPECT_EQ(Select(kDoc, "$.list[-1]"),
            "error: bad selector \"$.list[-1]\": [-1] is not an index, * or "
            "a quoted name");
  EXPECT_EQ(Select(kDoc, "$name"),
            "error: bad selector \"$name\": expected '.' or '[' at position "
            "1");
  auto r = JsonSelect(json::parse(kDoc), "$[");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), s3::kInvalidArgument);
}

TEST(HarnessJsonMatch, JsonShortCutsLongValues) {
  EXPECT_EQ(JsonShort(json::parse(R"({"a":"bc"})")), R"({"a":"bc"})");
  EXPECT_EQ(JsonShort(json::value("abcdefghij"), 8), "\"abcd...");
  EXPECT_EQ(JsonShort(json::value("abcdef"), 8), "\"abcdef\"");
}

}  // namespace
}  // namespace fanlab::harness
