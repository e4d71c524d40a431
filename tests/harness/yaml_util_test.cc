// harness/yaml_util.h: durations as scenario files write them, and YAML
// scalars typed as YAML 1.2's core schema types them (a quoted scalar is
// always a string).
#include "harness/yaml_util.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fanlab::harness {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

std::optional<Duration> Parse(std::string_view text) {
  return ParseDuration(text);
}

TEST(HarnessYamlDuration, EachUnit) {
  EXPECT_EQ(Parse("250ms"), Duration(milliseconds(250)));
  EXPECT_EQ(Parse("30s"), Duration(seconds(30)));
  EXPECT_EQ(Parse("5m"), Duration(minutes(5)));
  EXPECT_EQ(Parse("2h"), Duration(hours(2)));
  EXPECT_EQ(Parse("1d"), Duration(hours(24)));
  EXPECT_EQ(Parse("0s"), Duration(0));
}

TEST(HarnessYamlDuration, SumsOfUnitsInAnyOrder) {
  EXPECT_EQ(Parse("1h30m"), Duration(minutes(90)));
  EXPECT_EQ(Parse("1d2h3m4s5ms"),
            Duration(hours(26) + minutes(3) + seconds(4) + milliseconds(5)));
  // The same unit twice adds up; the order is free.
  EXPECT_EQ(Parse("30s1m"), Duration(seconds(90)));
  EXPECT_EQ(Parse("1s1s"), Duration(seconds(2)));
}

TEST(HarnessYamlDuration, PlainNumbersAreSeconds) {
  EXPECT_EQ(Parse("90"), Duration(seconds(90)));
  EXPECT_EQ(Parse("0"), Duration(0));
  EXPECT_EQ(Parse("1.5"), Duration(milliseconds(1500)));
  EXPECT_EQ(Parse("0.25"), Duration(milliseconds(250)));
}

TEST(HarnessYamlDuration, RefusesWhatIsNotADuration) {
  for (const char* bad :
       {"", "abc", "5x", "5M", "m5", "1h 30m", "1h30", "1.5h", "-1", "-5s",
        "5 minutes", "ms", "inf", "nan", "1h-30m"}) {
    EXPECT_EQ(Parse(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(HarnessYamlDuration, FormatsTheShortestExactSpelling) {
  EXPECT_EQ(FormatDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(seconds(30)), "30s");
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(hours(26)), "1d2h");
  EXPECT_EQ(FormatDuration(seconds(61) + milliseconds(1)), "1m1s1ms");
  EXPECT_EQ(FormatDuration(-seconds(5)), "-5s");
  // Below a millisecond is left out.
  EXPECT_EQ(FormatDuration(std::chrono::microseconds(1500)), "1ms");
}

TEST(HarnessYamlDuration, FormatThenParseIsTheSameDuration) {
  for (Duration d : {Duration(milliseconds(1)), Duration(seconds(59)),
                     Duration(hours(49) + minutes(1) + milliseconds(7))}) {
    EXPECT_EQ(Parse(FormatDuration(d)), d) << FormatDuration(d);
  }
}

TEST(HarnessYamlDuration, DurationOfANode) {
  YAML::Node doc = YAML::Load(
      "text: 1h30m\nnumber: 90\nlist: [1]\nnothing: ~\nbad: 5 minutes\n");
  EXPECT_EQ(DurationOf(doc["text"]), Duration(minutes(90)));
  EXPECT_EQ(DurationOf(doc["number"]), Duration(seconds(90)));
  EXPECT_EQ(DurationOf(doc["list"]), std::nullopt);
  EXPECT_EQ(DurationOf(doc["nothing"]), std::nullopt);
  EXPECT_EQ(DurationOf(doc["bad"]), std::nullopt);
  EXPECT_EQ(DurationOf(doc["absent"]), std::nullopt);
}

// One key of a YAML map, as JSON.
json::value ValueOf(const std::string& yaml_value) {
  YAML::Node doc = YAML::Load("v: " + yaml_value + "\n");
  return YamlToJson(doc["v"]);
}

TEST(HarnessYamlToJson, PlainScalarsAreTyped) {
  EXPECT_EQ(ValueOf("~"), json::value(nullptr));
  EXPECT_EQ(ValueOf("null"), json::value(nullptr));
  EXPECT_EQ(ValueOf("NULL"), json::value(nullptr));
  EXPECT_EQ(ValueOf(""), json::value(nullptr));
  EXPECT_EQ(ValueOf("true"), json::value(true));
  EXPECT_EQ(ValueOf("False"), json::value(false));
  EXPECT_TRUE(ValueOf("42").is_int64());
  EXPECT_EQ(ValueOf("42"), json::value(int64_t(42)));
  EXPECT_EQ(ValueOf("-3"), json::value(int64_t(-3)));
  EXPECT_EQ(ValueOf("+5"), json::value(int64_t(5)));
  EXPECT_TRUE(ValueOf("1.5").is_double());
  EXPECT_EQ(ValueOf("1.5"), json::value(1.5));
  EXPECT_EQ(ValueOf("1e3"), json::value(1000.0));
  EXPECT_EQ(ValueOf("hello"), json::value("hello"));
  // YAML 1.1's yes/no are strings in 1.2's core schema.
  EXPECT_EQ(ValueOf("yes"), json::value("yes"));
  EXPECT_EQ(ValueOf("1h30m"), json::value("1h30m"));
}

TEST(HarnessYamlToJson, QuotedScalarsAreAlwaysStrings) {
  EXPECT_EQ(ValueOf("\"42\""), json::value("42"));
  EXPECT_EQ(ValueOf("'1.5'"), json::value("1.5"));
  EXPECT_EQ(ValueOf("'true'"), json::value("true"));
  EXPECT_EQ(ValueOf("\"null\""), json::value("null"));
  EXPECT_EQ(ValueOf("\"~\""), json::value("~"));
  EXPECT_EQ(ValueOf("''"), json::value(""));
}

TEST(HarnessYamlToJson, MapsAndListsKeepTheirOrder) {
  YAML::Node doc = YAML::Load(
      "zeta: 1\nalpha: [1, \"2\", x, {k: ~}]\nmiddle: {b: true, a: 2.5}\n");
  json::value v = YamlToJson(doc);
  EXPECT_EQ(v, json::parse(R"({"zeta": 1, "alpha": [1, "2", "x", {"k": null}],
                                "middle": {"b": true, "a": 2.5}})"));
  // Keys in file order (object equality ignores the order).
  std::string keys;
  for (const auto& kv : v.as_object()) keys += std::string(kv.key()) + " ";
  for (const auto& kv : v.at("middle").as_object()) {
    keys += std::string(kv.key()) + " ";
  }
  EXPECT_EQ(keys, "zeta alpha middle b a ");
}

TEST(HarnessYamlToJson, ScalarTypeNamesEachKind) {
  YAML::Node doc =
      YAML::Load("s: x\nq: '1'\ni: 7\nn: 7.5\nb: true\nz: ~\nm: {}\nl: []\n");
  EXPECT_EQ(ScalarType(doc["s"]), "string");
  EXPECT_EQ(ScalarType(doc["q"]), "string");
  EXPECT_EQ(ScalarType(doc["i"]), "integer");
  EXPECT_EQ(ScalarType(doc["n"]), "number");
  EXPECT_EQ(ScalarType(doc["b"]), "boolean");
  EXPECT_EQ(ScalarType(doc["z"]), "null");
  EXPECT_EQ(ScalarType(doc["m"]), "object");
  EXPECT_EQ(ScalarType(doc["l"]), "array");
}

// The document after its merge keys are resolved, as JSON text with keys
// in order; the problems as "line:column message".
std::string Merged(const std::string& yaml,
                   std::vector<std::string>* problems = nullptr) {
  YAML::Node doc = YAML::Load(yaml);
  for (const Diagnostic& d : ResolveMergeKeys(doc)) {
    if (problems != nullptr) {
      problems->push_back(std::to_string(d.mark.line) + ":" +
                          std::to_string(d.mark.column) + " " + d.message);
    }
  }
  return json::serialize(YamlToJson(doc));
}

TEST(HarnessYamlMerge, ExplicitKeysWinAndMergedOnesTakeThePlaceOfTheKey) {
  EXPECT_EQ(Merged("base: &b {timeout: 10, memory: 256}\n"
                   "f: {name: x, <<: *b, memory: 512}\n"),
            R"({"base":{"timeout":10,"memory":256},)"
            R"("f":{"name":"x","timeout":10,"memory":512}})");
  // Block style, the merge first.
  EXPECT_EQ(Merged("- &w\n  name: a\n  command: run\n"
                   "- <<: *w\n  name: b\n"),
            R"([{"name":"a","command":"run"},{"command":"run","name":"b"}])");
}

TEST(HarnessYamlMerge, InAListEarlierMapsWin) {
  EXPECT_EQ(Merged("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\n"
                   "c: {<<: [*a, *b], w: 0}\n"),
            R"({"a":{"x":1,"y":1},"b":{"y":2,"z":2},)"
            R"("c":{"x":1,"y":1,"z":2,"w":0}})");
  // An empty list merges nothing.
  EXPECT_EQ(Merged("c: {<<: [], w: 0}\n"), R"({"c":{"w":0}})");
}

TEST(HarnessYamlMerge, MergedMapsBringTheirOwnMerges) {
  EXPECT_EQ(Merged("a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\n"),
            R"({"a":{"x":1},"b":{"x":1,"y":2},"c":{"x":1,"y":2,"z":3}})");
  // Nested deeper than the top, and in maps inside lists.
  EXPECT_EQ(Merged("defaults: &d {retries: 0}\n"
                   "resources:\n  functions:\n    - {name: f, <<: *d}\n"),
            R"({"defaults":{"retries":0},)"
            R"("resources":{"functions":[{"name":"f","retries":0}]}})");
  // A map that merges itself ends.
  EXPECT_EQ(Merged("a: &a {x: 1, <<: *a}\n"), R"({"a":{"x":1}})");
}

TEST(HarnessYamlMerge, OnlyAPlainOrTaggedKeyMerges) {
  // Quoted, it is an ordinary key (left for the format check to refuse).
  EXPECT_EQ(Merged("b: &b {x: 1}\nc: {\"<<\": *b}\n"),
            R"({"b":{"x":1},"c":{"<<":{"x":1}}})");
  EXPECT_EQ(Merged("b: &b {x: 1}\nc: {!!merge \"<<\": *b}\n"),
            R"({"b":{"x":1},"c":{"x":1}})");
}

TEST(HarnessYamlMerge, MarksPointWhereTheNodesWereWritten) {
  YAML::Node doc = YAML::Load(
      "base: &b\n  timeout: 10\n"
      "f:\n  name: x\n  <<: *b\n");
  EXPECT_TRUE(ResolveMergeKeys(doc).empty());
  YAML::Node f = doc["f"];
  EXPECT_EQ(f.Mark().line + 1, 4);  // the map keeps its own place
  EXPECT_EQ(f["timeout"].Mark().line + 1, 2);
  EXPECT_EQ(f["timeout"].Mark().column + 1, 12);
  for (auto kv : f) {
    if (kv.first.Scalar() == "timeout") {
      EXPECT_EQ(kv.first.Mark().line + 1, 2);
      EXPECT_EQ(kv.first.Mark().column + 1, 3);
    }
  }
}

TEST(HarnessYamlMerge, AnythingButMapsIsReportedWhereItIs) {
  std::vector<std::string> problems;
  EXPECT_EQ(
      Merged("a: {<<: 5, x: 1}\nb:\n  <<: [{y: 1}, z]\n  w: 2\n", &problems),
      R"({"a":{"x":1},"b":{"w":2}})");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0],
            "1:9 `<<` (a YAML merge key) takes a map, an alias of one "
            "(`<<: *defaults`) or a list of them (`<<: [*a, *b]`)");
  EXPECT_EQ(problems[1].substr(0, 4), "3:7 ");
}

}  // namespace
}  // namespace fanlab::harness
