// ARNs' parts (emulator/core/arn.h).
#include "emulator/core/arn.h"

#include <gtest/gtest.h>

namespace fanlab {
namespace {

TEST(ArnTest, ParsesEveryPartAndKeepsTheResourceWhole) {
  std::optional<Arn> arn =
      ParseArn("arn:aws:sns:us-east-1:000000000000:alerts:1f2e-sub");
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->partition, "aws");
  EXPECT_EQ(arn->service, "sns");
  EXPECT_EQ(arn->region, "us-east-1");
  EXPECT_EQ(arn->account, "000000000000");
  EXPECT_EQ(arn->resource, "alerts:1f2e-sub");
  EXPECT_EQ(ParseArn("arn:aws:events:eu-west-1:123:rule/nightly")->resource,
            "rule/nightly");
}

TEST(ArnTest, ANonArnHasNoAccount) {
  for (std::string_view text :
       {"", "alerts", "arn:aws:sns:us-east-1:000000000000",
        "urn:aws:sns:us-east-1:000000000000:alerts"}) {
    EXPECT_FALSE(ParseArn(text).has_value()) << text;
    EXPECT_EQ(ArnAccount(text), "") << text;
  }
  EXPECT_EQ(ArnAccount("arn:aws:sns:us-east-1:000000000000:alerts"),
            "000000000000");
}

TEST(ArnTest, BuildsTheAccountsArnsAndParsesThemBack) {
  Account account;
  EXPECT_EQ(FunctionArn(account, "f"),
            "arn:aws:lambda:us-east-1:000000000000:function:f");
  EXPECT_EQ(QueueArn(account, "q"), "arn:aws:sqs:us-east-1:000000000000:q");
  EXPECT_EQ(TopicArn(account, "t"), "arn:aws:sns:us-east-1:000000000000:t");
  Account other{.partition = "aws-cn", .region = "cn-north-1", .id = "123"};
  std::string arn = MakeArn(other, "events", "rule/nightly");
  EXPECT_EQ(arn, "arn:aws-cn:events:cn-north-1:123:rule/nightly");
  EXPECT_EQ(ParseArn(arn)->resource, "rule/nightly");
  EXPECT_EQ(ArnAccount(arn), "123");
}

}  // namespace
}  // namespace fanlab
