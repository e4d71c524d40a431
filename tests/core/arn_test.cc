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

}  // namespace
}  // namespace fanlab
