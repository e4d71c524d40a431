// SNS filter policies: parsing (and refusing) policies, and matching
// message attributes and JSON bodies as SNS does.
#include "emulator/services/filter_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "emulator/services/sns_errors.h"

namespace fanlab::services {
namespace {

using ::testing::HasSubstr;
using Scope = FilterPolicy::Scope;

FilterPolicy Policy(std::string_view text,
                    Scope scope = Scope::kMessageAttributes) {
  auto p = FilterPolicy::Parse(text, scope);
  EXPECT_TRUE(p.ok()) << text << ": " << p.status().ToString();
  return p.ok() ? *p
                : *FilterPolicy::Parse(R"({"never":[{"exists":true}]})",
                                       Scope::kMessageAttributes);
}

SnsMessageAttributes Attrs(
    std::initializer_list<std::pair<const char*, SnsMessageAttribute>> list) {
  SnsMessageAttributes out;
  for (const auto& [k, v] : list) out[k] = v;
  return out;
}

SnsMessageAttribute S(std::string v) { return {"String", std::move(v), ""}; }
SnsMessageAttribute N(std::string v) { return {"Number", std::move(v), ""}; }

TEST(FilterPolicyTest, KeysAreAndedAndConditionsOred) {
  FilterPolicy p = Policy(R"({"Status":["Complete","Failed"],"Task":[1,2]})");
  EXPECT_TRUE(
      p.Matches(Attrs({{"Status", S("Complete")}, {"Task", N("2")}}), ""));
  EXPECT_TRUE(
      p.Matches(Attrs({{"Status", S("Failed")}, {"Task", N("1.0")}}), ""));
  EXPECT_FALSE(
      p.Matches(Attrs({{"Status", S("Complete")}, {"Task", N("3")}}), ""));
  EXPECT_FALSE(p.Matches(Attrs({{"Status", S("Complete")}}), ""));
  // A number condition does not match a String attribute, nor the reverse.
  EXPECT_FALSE(
      p.Matches(Attrs({{"Status", S("Complete")}, {"Task", S("1")}}), ""));
  EXPECT_FALSE(
      Policy(R"({"Task":["1"]})").Matches(Attrs({{"Task", N("1")}}), ""));
}

TEST(FilterPolicyTest, StringOperators) {
  EXPECT_TRUE(Policy(R"({"k":[{"prefix":"run-"}]})")
                  .Matches(Attrs({{"k", S("run-7")}}), ""));
  EXPECT_FALSE(Policy(R"({"k":[{"prefix":"run-"}]})")
                   .Matches(Attrs({{"k", S("job-7")}}), ""));
  EXPECT_TRUE(Policy(R"({"k":[{"suffix":".png"}]})")
                  .Matches(Attrs({{"k", S("a.png")}}), ""));
  EXPECT_TRUE(Policy(R"({"k":[{"equals-ignore-case":"RED"}]})")
                  .Matches(Attrs({{"k", S("red")}}), ""));
  FilterPolicy but = Policy(R"({"k":[{"anything-but":["a","b"]}]})");
  EXPECT_TRUE(but.Matches(Attrs({{"k", S("c")}}), ""));
  EXPECT_FALSE(but.Matches(Attrs({{"k", S("a")}}), ""));
  EXPECT_FALSE(but.Matches({}, ""));  // anything-but needs the attribute
  EXPECT_FALSE(Policy(R"({"k":[{"anything-but":{"prefix":"tmp"}}]})")
                   .Matches(Attrs({{"k", S("tmp-1")}}), ""));
}

TEST(FilterPolicyTest, NumericRangesAndExists) {
  FilterPolicy range = Policy(R"({"n":[{"numeric":[">",0,"<=",5]}]})");
  EXPECT_TRUE(range.Matches(Attrs({{"n", N("5")}}), ""));
  EXPECT_FALSE(range.Matches(Attrs({{"n", N("0")}}), ""));
  EXPECT_FALSE(range.Matches(Attrs({{"n", N("5.01")}}), ""));
  EXPECT_FALSE(range.Matches(Attrs({{"n", S("3")}}), ""));
  FilterPolicy absent = Policy(R"({"k":[{"exists":false}]})");
  EXPECT_TRUE(absent.Matches({}, ""));
  EXPECT_FALSE(absent.Matches(Attrs({{"k", S("x")}}), ""));
  FilterPolicy present = Policy(R"({"k":[{"exists":true}]})");
  EXPECT_TRUE(present.Matches(Attrs({{"k", {"Binary", "", "\x01"}}}), ""));
}

TEST(FilterPolicyTest, StringArraysMatchWhenAnElementDoes) {
  FilterPolicy p = Policy(R"({"tags":["urgent"]})");
  EXPECT_TRUE(p.Matches(
      Attrs({{"tags", {"String.Array", R"(["low","urgent"])", ""}}}), ""));
  EXPECT_FALSE(
      p.Matches(Attrs({{"tags", {"String.Array", R"(["low"])", ""}}}), ""));
}

TEST(FilterPolicyTest, MessageBodyScopeFollowsTheJsonKeys) {
  FilterPolicy p = Policy(
      R"({"status":["Complete"],"meta":{"priority":[{"numeric":[">=",5]}]}})",
      Scope::kMessageBody);
  EXPECT_TRUE(p.Matches({}, R"({"status":"Complete","meta":{"priority":7}})"));
  EXPECT_FALSE(p.Matches({}, R"({"status":"Complete","meta":{"priority":1}})"));
  EXPECT_FALSE(p.Matches({}, R"({"status":"Complete"})"));
  EXPECT_FALSE(p.Matches({}, "not json"));
  // Attributes play no part in the body scope.
  EXPECT_FALSE(p.Matches(Attrs({{"status", S("Complete")}}), "{}"));
}

TEST(FilterPolicyTest, BadPoliciesAreRefusedNamingWhatIsWrong) {
  auto bad = [](std::string_view text) {
    auto p = FilterPolicy::Parse(text, Scope::kMessageAttributes);
    EXPECT_FALSE(p.ok()) << text;
    if (p.ok()) return std::string();
    EXPECT_EQ(p.status().code(), sns::kInvalidParameterException);
    return p.status().message();
  };
  EXPECT_THAT(bad("[]"), HasSubstr("JSON object"));
  EXPECT_THAT(bad("{}"), HasSubstr("empty"));
  EXPECT_THAT(bad(R"({"k":"x"})"), HasSubstr("k: expected a non-empty list"));
  EXPECT_THAT(bad(R"({"k":[{"regex":"x"}]})"), HasSubstr("unknown condition"));
  EXPECT_THAT(bad(R"({"k":[{"numeric":["!=",1]}]})"), HasSubstr("numeric"));
  EXPECT_THAT(bad(R"({"k":[{"exists":"yes"}]})"), HasSubstr("true or false"));
  EXPECT_THAT(bad(R"({"a":[1],"b":[1],"c":[1],"d":[1],"e":[1],"f":[1]})"),
              HasSubstr("at most 5 keys"));
  EXPECT_THAT(bad(R"({"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16],)"
                  R"("b":[1,2,3,4,5,6,7,8,9,10]})"),
              HasSubstr("160 combinations"));
  // Nested objects are for the body scope only.
  EXPECT_THAT(bad(R"({"meta":{"p":[1]}})"), HasSubstr("meta"));
}

}  // namespace
}  // namespace fanlab::services
