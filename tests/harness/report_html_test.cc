// ToHtmlReport: one self-contained page whose embedded data cannot end its
// own <script> element, with every scenario and failure in it. (The page
// drawn by a real browser: html_report_browser_test.py.)
#include "harness/report_html.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fanlab::harness {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(HtmlReport, EmbedsEveryScenarioAndCannotBeBrokenOutOf) {
  ScenarioResult ok;
  ok.name = "fine";
  Event invocation;
  invocation.service = "lambda";
  invocation.kind = "Invocation";
  invocation.resource = "f";
  invocation.key = "r1";
  invocation.at = std::chrono::milliseconds(30);
  invocation.detail =
      boost::json::object{{"outcome", "timeout"}, {"durationUs", 20000}};
  ok.events.push_back(invocation);
  ScenarioResult bad;
  bad.name = "</script><script>alert(1)</script>";
  bad.status = ScenarioResult::Status::kFailed;
  bad.expectations.push_back(ExpectationResult{.kind = "messages",
                                               .label = "two",
                                               .passed = false,
                                               .expected = "2 messages",
                                               .found = "1 message"});
  std::string page = ToHtmlReport({ok, bad}, 1.5);
  EXPECT_THAT(page, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(page, HasSubstr(R"("name":"fine")"));
  EXPECT_THAT(page, HasSubstr(R"(["f",1E1,3E1,"timeout","r1"])"));
  EXPECT_THAT(page, HasSubstr(R"("expected":"2 messages")"));
  // The name is in the data, with its '<' escaped, never as markup.
  EXPECT_THAT(page, HasSubstr(R"(\u003c/script>\u003cscript>alert(1))"));
  EXPECT_THAT(page, Not(HasSubstr("<script>alert(1)")));
  // Nothing is fetched from elsewhere: no src=, no stylesheet links.
  EXPECT_THAT(page, Not(HasSubstr("src=")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));
}

}  // namespace
}  // namespace fanlab::harness
