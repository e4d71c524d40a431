// Reports (harness/report.h) of hand-made results: one passed, one failed
// expectation (with names and messages full of XML's special characters),
// one run that went wrong without an expectation, one bad scenario.
#include "harness/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "tests/harness/harness_test_util.h"

namespace fanlab::harness {
namespace {

using test_util::MakeExpectation;

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

Event MakeEvent(uint64_t seq, std::chrono::milliseconds at, std::string kind,
                std::string resource, std::string key) {
  Event e;
  e.seq = seq;
  e.at = at;
  e.service = "sqs";
  e.kind = std::move(kind);
  e.resource = std::move(resource);
  e.key = std::move(key);
  return e;
}

std::vector<ScenarioResult> Results() {
  std::vector<ScenarioResult> out(4);
  ScenarioResult& passed = out[0];
  passed.name = "ok";
  passed.file = "a.yaml";
  passed.seed = 1;
  passed.virtual_time = std::chrono::seconds(90);
  passed.wall_seconds = 0.5;
  passed.invocations = 3;
  passed.events = {
      MakeEvent(1, std::chrono::milliseconds(0), "MessageSent", "q", "m1"),
      MakeEvent(2, std::chrono::milliseconds(1500), "MessageDeleted", "q",
                "m1")};
  passed.expectations.push_back(
      MakeExpectation("queue", "queue q", 4, 5, "expect[0].queue", true));

  ScenarioResult& failed = out[1];
  failed.name = "fail & <\"x\">";
  failed.file = "b.yaml";
  failed.status = ScenarioResult::Status::kFailed;
  failed.seed = 5;
  failed.virtual_time = std::chrono::minutes(2);
  failed.wall_seconds = 0.25;
  failed.events = {
      MakeEvent(1, std::chrono::milliseconds(250), "MessageSent", "q", "m1")};
  // Filled member by member: GCC 12 at -O3 warns (maybe-uninitialized)
  // on a designated initializer of this aggregate.
  ExpectationResult held;
  held.kind = "queue";
  held.label = "queue q";
  held.origin = Origin{Mark{6, 5}, "expect[0].queue"};
  held.passed = true;
  failed.expectations.push_back(held);
  ExpectationResult broken;
  broken.kind = "messages";
  broken.label = "count \"q\"";
  broken.origin = Origin{Mark{7, 15}, "expect[1].messages"};
  broken.passed = false;
  broken.expected = "count 2";
  broken.found = "1 value: \"<a&b>\"";
  broken.context = {"+0.250s sqs MessageSent q m1"};
  failed.expectations.push_back(broken);

  ScenarioResult& stuck = out[2];
  stuck.name = "stuck";
  stuck.file = "c.yaml";
  stuck.status = ScenarioResult::Status::kFailed;
  stuck.seed = 1;
  stuck.failure = "the run took longer than its wall-time guard (1s real time)";
  stuck.wall_seconds = 1;

  ScenarioResult& error = out[3];
  error.name = "bad";
  error.file = "d.yaml";
  error.status = ScenarioResult::Status::kError;
  error.seed = 1;
  error.errors = {{"d.yaml",
                   {3, 4},
                   "resources.mappings[0]",
                   "CreateEventSourceMapping was refused: A & B < C"},
                  {"d.yaml", {9, 1}, "run", "second"}};
  return out;
}

// A small check that `xml` is well formed: tags balance, attribute values
// are quoted, and text and attributes hold no raw '<' and only the five
// predefined entities after '&'. Returns "" or what is wrong.
std::string XmlProblem(const std::string& xml) {
  auto entity_ok = [&](size_t i) {
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) {
      if (xml.compare(i, std::string(e).size(), e) == 0) return true;
    }
    return false;
  };
  std::vector<std::string> open;
  size_t i = 0;
  if (xml.rfind("<?xml ", 0) == 0) i = xml.find("?>") + 2;
  while (i < xml.size()) {
    char c = xml[i];
    if (c == '&') {
      if (!entity_ok(i)) return "bad entity at " + std::to_string(i);
      ++i;
      continue;
    }
    if (c == '>') return "raw '>' in text at " + std::to_string(i);
    if (c != '<') {
      ++i;
      continue;
    }
    bool closing = xml[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    size_t name_start = j;
    while (j < xml.size() && (isalnum(xml[j]) || xml[j] == '-')) ++j;
    std::string name = xml.substr(name_start, j - name_start);
    if (name.empty()) return "a tag without a name at " + std::to_string(i);
    // Attributes: name="value" ...
    while (j < xml.size() && xml[j] != '>' && xml[j] != '/') {
      if (xml[j] == ' ') {
        ++j;
        continue;
      }
      while (j < xml.size() && isalnum(xml[j])) ++j;
      if (xml.compare(j, 2, "=\"") != 0) {
        return "an unquoted attribute at " + std::to_string(j);
      }
      j += 2;
      while (j < xml.size() && xml[j] != '"') {
        if (xml[j] == '<') return "'<' in an attribute at " + std::to_string(j);
        if (xml[j] == '&' && !entity_ok(j)) {
          return "bad entity in an attribute at " + std::to_string(j);
        }
        ++j;
      }
      ++j;
    }
    bool self_closing = xml[j] == '/';
    if (self_closing) ++j;
    if (xml[j] != '>') return "a tag not closed at " + std::to_string(j);
    if (closing) {
      if (open.empty() || open.back() != name)
        return "</" + name + "> unopened";
      open.pop_back();
    } else if (!self_closing) {
      open.push_back(name);
    }
    i = j + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return "";
}

TEST(HarnessReport, TheXmlCheckOfTheseTestsCatchesMistakes) {
  EXPECT_EQ(XmlProblem("<a><b x=\"1\"/>t &amp; u</a>"), "");
  EXPECT_NE(XmlProblem("<a>t & u</a>"), "");
  EXPECT_NE(XmlProblem("<a x=\"<\"></a>"), "");
  EXPECT_NE(XmlProblem("<a><b></a>"), "");
  EXPECT_NE(XmlProblem("<a x=\"a\"b\"></a>"), "");
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

TEST(HarnessReport, JunitHasATestcasePerScenario) {
  std::string xml = ToJunitReport(Results(), 2.0);
  EXPECT_EQ(XmlProblem(xml), "") << xml;
  EXPECT_THAT(xml, HasSubstr("<testsuites name=\"fanlab\" tests=\"4\" "
                             "failures=\"2\" errors=\"1\" time=\"2.000\">"));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"fanlab\" tests=\"4\" "
                             "failures=\"2\" errors=\"1\" skipped=\"0\" "
                             "time=\"2.000\">"));
  EXPECT_EQ(Count(xml, "<testcase "), 4u);
  EXPECT_EQ(Count(xml, "<failure "), 2u);
  EXPECT_EQ(Count(xml, "<error "), 1u);
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"ok\" classname=\"a.yaml\" "
                             "time=\"0.500\"/>"));
}

TEST(HarnessReport, JunitEscapesNamesAndMessages) {
  std::string xml = ToJunitReport(Results(), 2.0);
  EXPECT_THAT(xml, HasSubstr("<testcase name=\"fail &amp; &lt;&quot;x&quot;"
                             "&gt;\" classname=\"b.yaml\" time=\"0.250\">"));
  EXPECT_THAT(xml,
              HasSubstr("<failure message=\"expectation &quot;count &quot;q"
                        "&quot;&quot;: expected count 2, found 1 value: "
                        "&quot;&lt;a&amp;b&gt;&quot;\" "
                        "type=\"ExpectationFailed\">b.yaml:7:15: expectation "
                        "&quot;count &quot;q&quot;&quot; failed\n"
                        "  expected: count 2\n"
                        "  found:    1 value: &quot;&lt;a&amp;b&gt;&quot;\n"
                        "  events around it:\n"
                        "    +0.250s sqs MessageSent q m1\n"
                        "</failure>"));
  EXPECT_THAT(xml, HasSubstr("<system-out>seed 5, 1 events, virtual time "
                             "2m</system-out>"));
  // A run that went wrong without an expectation: its failure text.
  EXPECT_THAT(xml, HasSubstr("<failure message=\"the run took longer than "
                             "its wall-time guard (1s real time)\""));
  EXPECT_THAT(xml, HasSubstr("<error message=\"d.yaml:3:4: "
                             "resources.mappings[0]: CreateEventSourceMapping "
                             "was refused: A &amp; B &lt; C\" "
                             "type=\"ScenarioError\">"));
  EXPECT_THAT(xml, HasSubstr("d.yaml:9:1: run: second\n</error>"));
  EXPECT_THAT(xml, Not(HasSubstr("<\"x\">")));
}

TEST(HarnessReport, JunitReplacesControlCharacters) {
  std::vector<ScenarioResult> results(1);
  results[0].name = std::string("bell\x07") + "tab\t";
  std::string xml = ToJunitReport(results, 0);
  EXPECT_THAT(xml, HasSubstr("name=\"bell?tab\t\""));
}

TEST(HarnessReport, JsonReportFields) {
  json::value v = json::parse(ToJsonReport(Results(), 2.0));
  const json::object& root = v.as_object();
  EXPECT_EQ(root.at("passed"), 1);
  EXPECT_EQ(root.at("failed"), 2);
  EXPECT_EQ(root.at("errors"), 1);
  EXPECT_EQ(root.at("wallSeconds"), 2.0);
  const json::array& s = root.at("scenarios").as_array();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], json::parse(R"({
      "name": "ok", "file": "a.yaml", "status": "passed", "seed": 1,
      "virtualSeconds": 90.0, "wallSeconds": 0.5, "invocations": 3,
      "events": 2,
      "expectations": [{"kind": "queue", "label": "queue q", "line": 4,
                        "column": 5, "passed": true}],
      "errors": []})"));
  EXPECT_EQ(s[1].at("status"), "failed");
  EXPECT_EQ(s[1].at("name"), "fail & <\"x\">");
  EXPECT_EQ(s[1].at("expectations").at(1), json::parse(R"({
      "kind": "messages", "label": "count \"q\"", "line": 7, "column": 15,
      "passed": false, "expected": "count 2",
      "found": "1 value: \"<a&b>\"",
      "events": ["+0.250s sqs MessageSent q m1"]})"));
  EXPECT_EQ(s[2].at("failure"),
            "the run took longer than its wall-time guard (1s real time)");
  EXPECT_FALSE(s[0].as_object().contains("failure"));
  EXPECT_EQ(s[3].at("status"), "error");
  EXPECT_EQ(
      s[3].at("errors"),
      json::parse(
          R"(["d.yaml:3:4: resources.mappings[0]: CreateEventSourceMapping was refused: A & B < C",
                            "d.yaml:9:1: run: second"])"));
}

TEST(HarnessReport, EventLinesCarryTheScenarioName) {
  std::ostringstream out;
  WriteEventLines(out, Results());
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(json::parse(lines[0]),
            json::parse(R"({"seq": 1, "atMs": 0, "service": "sqs",
                            "kind": "MessageSent", "resource": "q",
                            "key": "m1", "scenario": "ok"})"));
  EXPECT_EQ(json::parse(lines[1]).at("atMs"), 1500);
  EXPECT_EQ(json::parse(lines[1]).at("scenario"), "ok");
  EXPECT_EQ(json::parse(lines[2]).at("scenario"), "fail & <\"x\">");
}

TEST(HarnessReport, TerminalSummaryCountsEachResult) {
  std::ostringstream out;
  WriteSummary(out, Results(), 2.0, TerminalStyle{});
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 6u) << out.str();
  EXPECT_THAT(lines[0], ::testing::MatchesRegex(
                            "scenario +result +virtual +wall s +invocations"));
  EXPECT_THAT(lines[1],
              ::testing::MatchesRegex("ok +passed +1m30s +0\\.500 +3"));
  EXPECT_THAT(lines[2], ::testing::StartsWith("fail & <\"x\">  failed "));
  EXPECT_THAT(lines[3], ::testing::StartsWith("stuck         failed "));
  EXPECT_THAT(lines[4], ::testing::StartsWith("bad           error "));
  EXPECT_EQ(lines[5], "4 scenarios: 1 passed, 2 failed, 1 errors, in 2.000 s");
  EXPECT_THAT(out.str(), Not(HasSubstr("\x1b[")));

  std::ostringstream colored;
  WriteSummary(colored, Results(), 2.0, TerminalStyle{.color = true});
  EXPECT_THAT(colored.str(), HasSubstr("\x1b[32mpassed \x1b[0m"));
  EXPECT_THAT(colored.str(), HasSubstr("\x1b[31mfailed \x1b[0m"));
  EXPECT_THAT(colored.str(), HasSubstr("\x1b[33merror  \x1b[0m"));
}

TEST(HarnessReport, FailureDetailsSpellOutEachFailure) {
  std::vector<ScenarioResult> results = Results();
  std::ostringstream passed;
  WriteFailureDetails(passed, results[0], TerminalStyle{});
  EXPECT_EQ(passed.str(), "");

  std::ostringstream failed;
  WriteFailureDetails(failed, results[1], TerminalStyle{});
  EXPECT_EQ(failed.str(),
            "fail & <\"x\"> (b.yaml, seed 5):\n"
            "  b.yaml:7:15: expectation \"count \"q\"\" failed\n"
            "    expected: count 2\n"
            "    found:    1 value: \"<a&b>\"\n"
            "    events around it:\n"
            "      +0.250s sqs MessageSent q m1\n");

  std::ostringstream error;
  WriteFailureDetails(error, results[3], TerminalStyle{});
  EXPECT_EQ(error.str(),
            "bad (d.yaml, seed 1):\n"
            "  d.yaml:3:4: resources.mappings[0]: CreateEventSourceMapping "
            "was refused: A & B < C\n"
            "  d.yaml:9:1: run: second\n");

  results[2].file = "";
  std::ostringstream stuck;
  WriteFailureDetails(stuck, results[2], TerminalStyle{});
  EXPECT_EQ(stuck.str(),
            "stuck (built in C++, seed 1):\n"
            "  the run took longer than its wall-time guard (1s real time)\n");
}

TEST(HarnessReport, EventSummaryLine) {
  Event e = MakeEvent(3, std::chrono::milliseconds(12500), "MessageSent",
                      "jobs", "m-1");
  EXPECT_EQ(e.Summary(), "+12.500s sqs MessageSent jobs m-1");
  e.detail = json::object{{"count", 2}};
  EXPECT_EQ(e.Summary(), "+12.500s sqs MessageSent jobs m-1 {\"count\":2}");
  EXPECT_EQ(json::value(e.ToJson()),
            json::parse(R"({"seq": 3, "atMs": 12500, "service": "sqs",
                            "kind": "MessageSent", "resource": "jobs",
                            "key": "m-1", "detail": {"count": 2}})"));
}

TEST(HarnessReport, FailedValuesShowAsAlignedJsonWithTheDifferencesMarked) {
  ScenarioResult r;
  r.name = "poison";
  r.file = "p.yaml";
  r.status = ScenarioResult::Status::kFailed;
  ExpectationResult e;
  e.kind = "invocations";
  e.label = "worker succeeds";
  e.origin = Origin{Mark{16, 18}, "expect[0].invocations"};
  e.expected = "every value to match {\"outcome\":\"success\"}";
  e.found = "value 0 of 2: {...}";
  e.json = FailureJson{.expected_words = "every value to match",
                       .expected = R"({"outcome":"success"})",
                       .found_words = "value 0 of 2",
                       .found = R"({"function":"worker","outcome":"error"})",
                       .compare = true};
  r.expectations.push_back(e);

  std::ostringstream out;
  WriteFailureDetails(out, r, TerminalStyle{});
  EXPECT_EQ(out.str(),
            "poison (p.yaml, seed 0):\n"
            "  p.yaml:16:18: expectation \"worker succeeds\" failed\n"
            "    expected: every value to match:\n"
            "              {\n"
            "            ~   \"outcome\": \"success\"\n"
            "              }\n"
            "    found:    value 0 of 2:\n"
            "              {\n"
            "                \"function\": \"worker\",\n"
            "            ~   \"outcome\": \"error\"\n"
            "              }\n"
            "    differs at: $.outcome\n");

  // JUnit carries the same layout; the JSON report the values whole.
  std::vector<ScenarioResult> results{r};
  EXPECT_THAT(ToJunitReport(results, 1.0),
              HasSubstr("\n          ~   &quot;outcome&quot;: "
                        "&quot;error&quot;\n"));
  json::value report = json::parse(ToJsonReport(results, 1.0));
  const json::value& x = report.at("scenarios").at(0).at("expectations").at(0);
  EXPECT_EQ(x.at("expectedJson"), json::parse(R"({"outcome":"success"})"));
  EXPECT_EQ(x.at("foundJson").at("function"), "worker");
  EXPECT_EQ(x.at("found"), "value 0 of 2: {...}");

  std::ostringstream colored;
  WriteFailureDetails(colored, r, TerminalStyle{.color = true});
  EXPECT_THAT(colored.str(),
              HasSubstr("\x1b[32mexpected: every value to match:\x1b[0m"));
  EXPECT_THAT(colored.str(),
              HasSubstr("\x1b[31m~   \"outcome\": \"error\"\x1b[0m"));
}

}  // namespace
}  // namespace fanlab::harness
