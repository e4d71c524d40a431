// Exact decimal numbers: canonical form, DynamoDB's range and precision
// limits with its messages, comparison and arithmetic that never round.
#include "emulator/services/attribute_value_number.h"

#include <gtest/gtest.h>

#include <string>

#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

std::string Canon(std::string_view text) {
  auto r = CanonicalNumber(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : "";
}

std::string Error(std::string_view text) {
  auto r = CanonicalNumber(text);
  EXPECT_FALSE(r.ok()) << text << " was accepted as " << (r.ok() ? *r : "");
  EXPECT_EQ(r.status().code(), dynamodb::kValidationException);
  return r.status().message();
}

TEST(AttributeValueNumberTest, CanonicalForm) {
  EXPECT_EQ(Canon("0"), "0");
  EXPECT_EQ(Canon("-0"), "0");
  EXPECT_EQ(Canon("+0.000"), "0");
  EXPECT_EQ(Canon("00012"), "12");
  EXPECT_EQ(Canon("1.50"), "1.5");
  EXPECT_EQ(Canon("015E-1"), "1.5");
  EXPECT_EQ(Canon("-1.5e3"), "-1500");
  EXPECT_EQ(Canon("1E+2"), "100");
  EXPECT_EQ(Canon(".5"), "0.5");
  EXPECT_EQ(Canon("5."), "5");
  EXPECT_EQ(Canon("0.00100"), "0.001");
  EXPECT_EQ(Canon("123.456e-5"), "0.00123456");
  EXPECT_EQ(Canon("1e125"), "1" + std::string(125, '0'));
  EXPECT_EQ(Canon("1e-130"), "0." + std::string(129, '0') + "1");
  EXPECT_TRUE(IsCanonicalNumber("-12.5"));
  EXPECT_FALSE(IsCanonicalNumber("12.50"));
}

TEST(AttributeValueNumberTest, ThirtyEightDigitsAreKeptExactly) {
  std::string digits38 = "12345678901234567890123456789012345678";
  EXPECT_EQ(Canon(digits38), digits38);
  EXPECT_EQ(Canon("0." + digits38), "0." + digits38);
  // Trailing zeros are not significant.
  EXPECT_EQ(Canon(digits38 + "000"), digits38 + "000");
}

TEST(AttributeValueNumberTest, MalformedNumbersNameTheText) {
  const std::string prefix =
      "The parameter cannot be converted to a numeric value: ";
  for (std::string_view bad :
       {"abc", "", " 1", "1 ", "1.2.3", "0x10", "1e", "1e+", "NaN", "Infinity",
        "-", ".", "1_000", "--1", "1e5.5"}) {
    EXPECT_EQ(Error(bad), prefix + std::string(bad)) << bad;
  }
}

TEST(AttributeValueNumberTest, RangeAndPrecisionLimits) {
  const std::string overflow =
      "Number overflow. Attempting to store a number with magnitude larger "
      "than supported range";
  const std::string underflow =
      "Number underflow. Attempting to store a number with magnitude "
      "smaller than supported range";
  EXPECT_EQ(Error("1e126"), overflow);
  EXPECT_EQ(Error("-1e126"), overflow);
  EXPECT_EQ(Error("1e2147483648"), overflow);
  EXPECT_EQ(Error("1e99999999999999999999"), overflow);
  EXPECT_EQ(Error("1e-131"), underflow);
  EXPECT_EQ(Error("1e-99999999999999999999"), underflow);
  EXPECT_EQ(Canon("9.9999999999999999999999999999999999999e125"),
            "99999999999999999999999999999999999999" + std::string(88, '0'));
  EXPECT_EQ(Error("1234567890123456789012345678901234567890"),
            "Attempting to store more than 38 significant digits in a Number");
  // Zero has no magnitude to check.
  EXPECT_EQ(Canon("0e999999"), "0");
}

TEST(AttributeValueNumberTest, CompareIsNumericNotTextual) {
  EXPECT_LT(CompareNumbers("9", "10"), 0);
  EXPECT_GT(CompareNumbers("10", "9"), 0);
  EXPECT_EQ(CompareNumbers("1.5", "1.5"), 0);
  EXPECT_LT(CompareNumbers("-10", "-9"), 0);
  EXPECT_LT(CompareNumbers("-1", "0"), 0);
  EXPECT_LT(CompareNumbers("0", "0.0001"), 0);
  EXPECT_LT(CompareNumbers("1.2", "1.23"), 0);
  EXPECT_GT(CompareNumbers("-1.2", "-1.23"), 0);
  EXPECT_LT(CompareNumbers("0.09", "0.1"), 0);
  // 2^53 + 1 and 2^53 differ, although a double cannot tell them apart.
  EXPECT_GT(CompareNumbers("9007199254740993", "9007199254740992"), 0);
}

TEST(AttributeValueNumberTest, AdditionIsExact) {
  EXPECT_EQ(*AddNumbers("0.1", "0.2"), "0.3");
  EXPECT_EQ(*AddNumbers("1", "-1"), "0");
  EXPECT_EQ(*AddNumbers("-5", "3"), "-2");
  EXPECT_EQ(*AddNumbers("3", "-5"), "-2");
  EXPECT_EQ(*AddNumbers("999", "1"), "1000");
  EXPECT_EQ(*AddNumbers("0.999", "0.001"), "1");
  EXPECT_EQ(*AddNumbers("9007199254740992", "1"), "9007199254740993");
  EXPECT_EQ(*AddNumbers("1e100", "1e100"), "2" + std::string(100, '0'));
  EXPECT_EQ(*SubtractNumbers("10", "0.01"), "9.99");
  EXPECT_EQ(*SubtractNumbers("-1", "-1"), "0");
  EXPECT_EQ(*SubtractNumbers("0", "5"), "-5");
  EXPECT_EQ(*AddNumbers("0", "0"), "0");
}

TEST(AttributeValueNumberTest, ArithmeticLeavingTheRangeFails) {
  std::string max = "9.9999999999999999999999999999999999999e125";
  auto big = AddNumbers(Canon(max), Canon("1e88"));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().message(),
            "Number overflow. Attempting to store a number with magnitude "
            "larger than supported range");
  // 1e37 + 1e-5 needs 43 significant digits.
  auto precise = AddNumbers(Canon("1e37"), Canon("1e-5"));
  ASSERT_FALSE(precise.ok());
  EXPECT_EQ(precise.status().message(),
            "Attempting to store more than 38 significant digits in a Number");
}

TEST(AttributeValueNumberTest, SignificantDigits) {
  EXPECT_EQ(SignificantDigits("0"), 0u);
  EXPECT_EQ(SignificantDigits("1500"), 2u);
  EXPECT_EQ(SignificantDigits("-0.0012"), 2u);
  EXPECT_EQ(SignificantDigits("123.45"), 5u);
}

}  // namespace
}  // namespace fanlab::services
