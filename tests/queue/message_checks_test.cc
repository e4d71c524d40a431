#include "emulator/queue/message_checks.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/core/digest.h"
#include "emulator/core/status.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/queue/types.h"

namespace fanlab::queue {
namespace {

MessageAttributeValue Str(std::string value, std::string type = "String") {
  return {std::move(type), std::move(value), std::nullopt};
}
MessageAttributeValue Num(std::string value, std::string type = "Number") {
  return {std::move(type), std::move(value), std::nullopt};
}
MessageAttributeValue Bin(std::string raw, std::string type = "Binary") {
  return {std::move(type), std::nullopt, std::move(raw)};
}

// ---------------------------------------------------------------------------
// Md5OfMessageAttributes

// Vectors from the aws-md5-of-message-attributes npm package's docs, which
// took them from SQS responses.
TEST(Md5OfMessageAttributesTest, AwsVectorString) {
  MessageAttributeMap attrs{{"attribName1", Str("attribValue 1")}};
  EXPECT_EQ(Md5OfMessageAttributes(attrs), "19e27d4e946b072f3f58da80d94fd778");
}

TEST(Md5OfMessageAttributesTest, AwsVectorCustomNumberType) {
  MessageAttributeMap attrs{
      {"customNumberTypeAttrib",
       Num("4563442423554324324264524243.32543234", "Number.float")}};
  EXPECT_EQ(Md5OfMessageAttributes(attrs), "9fe1b90bbd9965bdf77bac517c7d2495");
}

TEST(Md5OfMessageAttributesTest, AwsVectorBinaryUsesRawBytes) {
  MessageAttributeMap attrs{{"binaryAttribute", Bin("Hello binary world!")}};
  EXPECT_EQ(Md5OfMessageAttributes(attrs), "31a92b15d92f8db860eda32aceb656c3");
}

TEST(Md5OfMessageAttributesTest, AwsVectorAllThree) {
  MessageAttributeMap attrs{
      {"attribName1", Str("attribValue 1")},
      {"customNumberTypeAttrib",
       Num("4563442423554324324264524243.32543234", "Number.float")},
      {"binaryAttribute", Bin("Hello binary world!")},
  };
  EXPECT_EQ(Md5OfMessageAttributes(attrs), "c932db14a896c663f83c260297d594ff");
}

std::string Field(std::string_view bytes) {
  std::string out;
  const uint32_t n = static_cast<uint32_t>(bytes.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(bytes);
  return out;
}

// The layout spelled out by hand, with values long enough that the length
// prefix needs more than its low byte, and names given out of order.
TEST(Md5OfMessageAttributesTest, EncodesSortedBigEndianLengthPrefixedFields) {
  const std::string long_value(300, 'v');
  const std::string raw("\x00\xff\x10", 3);
  MessageAttributeMap attrs{
      {"zeta", Bin(raw, "Binary.blob")},
      {"alpha", Str(long_value)},
      {"mid", Num("-12.5")},
  };
  std::string encoded;
  encoded += Field("alpha") + Field("String") + '\x01' + Field(long_value);
  encoded += Field("mid") + Field("Number") + '\x01' + Field("-12.5");
  encoded += Field("zeta") + Field("Binary.blob") + '\x02' + Field(raw);
  EXPECT_EQ(Md5OfMessageAttributes(attrs), Md5Hex(encoded));
}

TEST(Md5OfMessageAttributesTest, DataTypeLabelIsPartOfTheDigest) {
  MessageAttributeMap plain{{"n", Num("1")}};
  MessageAttributeMap labelled{{"n", Num("1", "Number.int")}};
  EXPECT_NE(Md5OfMessageAttributes(plain), Md5OfMessageAttributes(labelled));
}

// ---------------------------------------------------------------------------
// ValidateMessageBody

struct BodyCase {
  std::string_view label;
  std::string body;
  ErrorCode expected;  // kOk when the body is accepted
};

class ValidateMessageBodyTest : public ::testing::TestWithParam<BodyCase> {};

TEST_P(ValidateMessageBodyTest, ChecksCharacters) {
  Status s = ValidateMessageBody(GetParam().body);
  EXPECT_EQ(s.code(), GetParam().expected)
      << "got " << s.ToString() << " for " << GetParam().label;
}

std::string BodyCaseName(const ::testing::TestParamInfo<BodyCase>& info) {
  return std::string(info.param.label);
}

INSTANTIATE_TEST_SUITE_P(
    Accepted, ValidateMessageBodyTest,
    ::testing::Values(
        BodyCase{"Ascii", "hello world", ErrorCode::kOk},
        BodyCase{"TabLfCr", "a\tb\nc\rd", ErrorCode::kOk},
        BodyCase{"OnlyTab", "\t", ErrorCode::kOk},
        BodyCase{"Space", " ", ErrorCode::kOk},
        BodyCase{"Delete", "\x7f", ErrorCode::kOk},
        BodyCase{"TwoByte", "caf\xc3\xa9", ErrorCode::kOk},
        BodyCase{"LastBeforeSurrogates", "\xed\x9f\xbf", ErrorCode::kOk},
        BodyCase{"FirstAfterSurrogates", "\xee\x80\x80", ErrorCode::kOk},
        BodyCase{"ReplacementChar", "\xef\xbf\xbd", ErrorCode::kOk},
        BodyCase{"FourByteEmoji", "\xf0\x9f\x98\x80", ErrorCode::kOk},
        BodyCase{"FirstSupplementary", "\xf0\x90\x80\x80", ErrorCode::kOk},
        BodyCase{"LastCodePoint", "\xf4\x8f\xbf\xbf", ErrorCode::kOk},
        BodyCase{"Json", R"({"k":[1,2,"\u00e9"]})", ErrorCode::kOk}),
    BodyCaseName);

INSTANTIATE_TEST_SUITE_P(
    Refused, ValidateMessageBodyTest,
    ::testing::Values(
        BodyCase{"Empty", "", sqs::kMissingParameter},
        BodyCase{"Control01", "\x01", sqs::kInvalidMessageContents},
        BodyCase{"Control1F", "ab\x1f", sqs::kInvalidMessageContents},
        BodyCase{"Nul", std::string("a\0b", 3), sqs::kInvalidMessageContents},
        BodyCase{"VerticalTab", "\v", sqs::kInvalidMessageContents},
        BodyCase{"UFFFE", "\xef\xbf\xbe", sqs::kInvalidMessageContents},
        BodyCase{"UFFFF", "ok\xef\xbf\xbf", sqs::kInvalidMessageContents},
        BodyCase{"LoneContinuation", "a\x80z", sqs::kInvalidMessageContents},
        BodyCase{"OverlongSlash", "\xc0\xaf", sqs::kInvalidMessageContents},
        BodyCase{"OverlongC1", "\xc1\x81", sqs::kInvalidMessageContents},
        BodyCase{"OverlongThreeByte", "\xe0\x80\xaf",
                 sqs::kInvalidMessageContents},
        BodyCase{"OverlongFourByte", "\xf0\x80\x80\xaf",
                 sqs::kInvalidMessageContents},
        BodyCase{"SurrogateD800", "\xed\xa0\x80", sqs::kInvalidMessageContents},
        BodyCase{"SurrogateDFFF", "\xed\xbf\xbf", sqs::kInvalidMessageContents},
        BodyCase{"AboveU10FFFF", "\xf4\x90\x80\x80",
                 sqs::kInvalidMessageContents},
        BodyCase{"ByteF5", "\xf5\x80\x80\x80", sqs::kInvalidMessageContents},
        BodyCase{"ByteFF", "\xff", sqs::kInvalidMessageContents},
        BodyCase{"TruncatedTwoByte", "ab\xc3", sqs::kInvalidMessageContents},
        BodyCase{"TruncatedFourByte", "\xf0\x9f\x98",
                 sqs::kInvalidMessageContents},
        BodyCase{"LeadThenAscii", "\xe2\x82x", sqs::kInvalidMessageContents}),
    BodyCaseName);

TEST(ValidateMessageBodyTest, LargeValidBodyIsAccepted) {
  // Size is not this function's business (see MessageSize).
  std::string body(1 << 20, 'a');
  body += "\xf0\x9f\x98\x80";
  EXPECT_TRUE(ValidateMessageBody(body).ok());
}

TEST(ValidateMessageBodyTest, InvalidCharacterAfterLongValidPrefix) {
  std::string body(100000, 'a');
  body += '\x02';
  EXPECT_EQ(ValidateMessageBody(body).code(), sqs::kInvalidMessageContents);
}

// ---------------------------------------------------------------------------
// ValidateMessageAttributes

MessageAttributeMap ManyAttributes(int n) {
  MessageAttributeMap attrs;
  for (int i = 0; i < n; ++i) attrs["attr" + std::to_string(i)] = Str("v");
  return attrs;
}

TEST(ValidateMessageAttributesTest, NoneIsOk) {
  EXPECT_TRUE(ValidateMessageAttributes({}, /*system=*/false).ok());
  EXPECT_TRUE(ValidateMessageAttributes({}, /*system=*/true).ok());
}

TEST(ValidateMessageAttributesTest, TenAreAccepted) {
  EXPECT_TRUE(ValidateMessageAttributes(ManyAttributes(10), false).ok());
}

TEST(ValidateMessageAttributesTest, ElevenAreRefused) {
  EXPECT_EQ(ValidateMessageAttributes(ManyAttributes(11), false).code(),
            sqs::kInvalidParameterValue);
}

TEST(ValidateMessageAttributesTest, EveryKindOfValueIsAccepted) {
  MessageAttributeMap attrs{
      {"s", Str("text")},
      {"n", Num("12.5")},
      {"b", Bin(std::string("\x00\x01\xff", 3))},
      {"s2", Str("x", "String.custom")},
      {"n2", Num("-7", "Number.float")},
      {"b2", Bin("GIF89a", "Binary.gif")},
  };
  Status s = ValidateMessageAttributes(attrs, false);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

class AttributeNameTest
    : public ::testing::TestWithParam<std::pair<std::string, bool>> {};

TEST_P(AttributeNameTest, ChecksName) {
  const auto& [name, valid] = GetParam();
  MessageAttributeMap attrs{{name, Str("v")}};
  Status s = ValidateMessageAttributes(attrs, /*system=*/false);
  if (valid) {
    EXPECT_TRUE(s.ok()) << "name \"" << name << "\": " << s.ToString();
  } else {
    EXPECT_EQ(s.code(), sqs::kInvalidParameterValue)
        << "name \"" << name << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Valid, AttributeNameTest,
    ::testing::Values(std::make_pair("a", true),
                      std::make_pair("A-b_c.9", true),
                      std::make_pair("my.attr.name", true),
                      std::make_pair("awsome", true),  // not "AWS."
                      std::make_pair("Amazonian", true),
                      std::make_pair(std::string(256, 'n'), true)));

INSTANTIATE_TEST_SUITE_P(
    Invalid, AttributeNameTest,
    ::testing::Values(
        std::make_pair("", false), std::make_pair("AWS.x", false),
        std::make_pair("aws.x", false), std::make_pair("Aws.X", false),
        std::make_pair("amazon.x", false), std::make_pair("AMAZON.x", false),
        std::make_pair("Amazon.x", false), std::make_pair(".a", false),
        std::make_pair("a.", false), std::make_pair("a..b", false),
        std::make_pair(std::string(257, 'n'), false),
        std::make_pair("a b", false), std::make_pair("a/b", false),
        std::make_pair("a:b", false), std::make_pair("a*", false),
        std::make_pair("caf\xc3\xa9", false)));

class DataTypeTest
    : public ::testing::TestWithParam<std::pair<std::string, bool>> {};

TEST_P(DataTypeTest, ChecksDataType) {
  const auto& [type, valid] = GetParam();
  // A value of the form the type's prefix asks for, so only the type decides.
  MessageAttributeMap attrs{
      {"a", type.starts_with("Binary") ? Bin("raw", type) : Str("1", type)}};
  Status s = ValidateMessageAttributes(attrs, /*system=*/false);
  if (valid) {
    EXPECT_TRUE(s.ok()) << "type \"" << type << "\": " << s.ToString();
  } else {
    EXPECT_EQ(s.code(), sqs::kInvalidParameterValue)
        << "type \"" << type << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Valid, DataTypeTest,
    ::testing::Values(
        std::make_pair("String", true), std::make_pair("Number", true),
        std::make_pair("Binary", true), std::make_pair("String.custom", true),
        std::make_pair("Number.float", true),
        std::make_pair("Binary.gif", true),
        std::make_pair("String." + std::string(249, 'x'), true)));  // 256

INSTANTIATE_TEST_SUITE_P(
    Invalid, DataTypeTest,
    ::testing::Values(std::make_pair("", false), std::make_pair("Strin", false),
                      std::make_pair("Str", false),
                      std::make_pair("Strings", false),
                      std::make_pair("string", false),
                      std::make_pair(".String", false),
                      std::make_pair("Integer", false),
                      std::make_pair("String." + std::string(250, 'x'),
                                     false)));  // 257

TEST(ValidateMessageAttributesTest, PlainBinaryAndNumberAreAccepted) {
  MessageAttributeMap attrs{{"a", Bin("raw")}};
  EXPECT_TRUE(ValidateMessageAttributes(attrs, false).ok());
  MessageAttributeMap number{{"a", Num("1")}};
  EXPECT_TRUE(ValidateMessageAttributes(number, false).ok());
}

TEST(ValidateMessageAttributesTest, StringWithoutStringValueIsRefused) {
  MessageAttributeMap attrs{{"a", {"String", std::nullopt, std::nullopt}}};
  EXPECT_EQ(ValidateMessageAttributes(attrs, false).code(),
            sqs::kInvalidParameterValue);
  MessageAttributeMap only_binary{{"a", {"String", std::nullopt, "raw"}}};
  EXPECT_EQ(ValidateMessageAttributes(only_binary, false).code(),
            sqs::kInvalidParameterValue);
}

TEST(ValidateMessageAttributesTest, NumberWithoutStringValueIsRefused) {
  MessageAttributeMap attrs{{"a", {"Number", std::nullopt, std::nullopt}}};
  EXPECT_EQ(ValidateMessageAttributes(attrs, false).code(),
            sqs::kInvalidParameterValue);
}

TEST(ValidateMessageAttributesTest, BinaryWithoutBinaryValueIsRefused) {
  MessageAttributeMap attrs{{"a", {"Binary", std::nullopt, std::nullopt}}};
  EXPECT_EQ(ValidateMessageAttributes(attrs, false).code(),
            sqs::kInvalidParameterValue);
  MessageAttributeMap only_string{{"a", {"Binary", "text", std::nullopt}}};
  EXPECT_EQ(ValidateMessageAttributes(only_string, false).code(),
            sqs::kInvalidParameterValue);
}

TEST(ValidateMessageAttributesTest, OneBadAttributeAmongGoodOnesIsRefused) {
  MessageAttributeMap attrs = ManyAttributes(5);
  attrs["bad"] = {"Binary", std::nullopt, std::nullopt};
  EXPECT_EQ(ValidateMessageAttributes(attrs, false).code(),
            sqs::kInvalidParameterValue);
}

class NumberValueTest
    : public ::testing::TestWithParam<std::pair<std::string, bool>> {};

TEST_P(NumberValueTest, ChecksNumber) {
  const auto& [value, valid] = GetParam();
  MessageAttributeMap attrs{{"n", Num(value)}};
  Status s = ValidateMessageAttributes(attrs, /*system=*/false);
  if (valid) {
    EXPECT_TRUE(s.ok()) << "number \"" << value << "\": " << s.ToString();
  } else {
    EXPECT_EQ(s.code(), sqs::kInvalidParameterValue)
        << "number \"" << value << "\"";
  }
}

// The doc only promises "parses as a decimal number"; exponent forms such
// as "12.5e3" are left out on purpose.
INSTANTIATE_TEST_SUITE_P(
    Valid, NumberValueTest,
    ::testing::Values(std::make_pair("0", true), std::make_pair("12.5", true),
                      std::make_pair("-7", true),
                      std::make_pair("1000000000", true),
                      std::make_pair("4563442423554324324264524243.32543234",
                                     true)));

INSTANTIATE_TEST_SUITE_P(Invalid, NumberValueTest,
                         ::testing::Values(std::make_pair("abc", false),
                                           std::make_pair("", false),
                                           std::make_pair("1.2.3", false),
                                           std::make_pair("12a", false),
                                           std::make_pair("--1", false)));

TEST(ValidateMessageAttributesTest, CustomNumberTypeStillChecksTheNumber) {
  MessageAttributeMap attrs{{"n", Num("abc", "Number.float")}};
  EXPECT_EQ(ValidateMessageAttributes(attrs, false).code(),
            sqs::kInvalidParameterValue);
}

TEST(ValidateMessageAttributesTest, SystemAcceptsAwsTraceHeader) {
  MessageAttributeMap attrs{
      {"AWSTraceHeader",
       Str("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")}};
  Status s = ValidateMessageAttributes(attrs, /*system=*/true);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(ValidateMessageAttributesTest, SystemRefusesOtherNames) {
  MessageAttributeMap attrs{{"Foo", Str("bar")}};
  EXPECT_EQ(ValidateMessageAttributes(attrs, /*system=*/true).code(),
            sqs::kInvalidParameterValue);
  // The same attribute is a fine user attribute.
  EXPECT_TRUE(ValidateMessageAttributes(attrs, /*system=*/false).ok());
}

TEST(ValidateMessageAttributesTest, SystemRefusesExtraNameBesideTraceHeader) {
  MessageAttributeMap attrs{{"AWSTraceHeader", Str("Root=1-a-b")},
                            {"Other", Str("x")}};
  EXPECT_EQ(ValidateMessageAttributes(attrs, /*system=*/true).code(),
            sqs::kInvalidParameterValue);
}

TEST(ValidateMessageAttributesTest, SystemTraceHeaderMustBeAString) {
  MessageAttributeMap attrs{{"AWSTraceHeader", Bin("Root=1-a-b")}};
  EXPECT_EQ(ValidateMessageAttributes(attrs, /*system=*/true).code(),
            sqs::kInvalidParameterValue);
}

// ---------------------------------------------------------------------------
// MessageSize

TEST(MessageSizeTest, BodyOnlyCountsBytes) {
  EXPECT_EQ(MessageSize("hello", {}), 5u);
  EXPECT_EQ(MessageSize("caf\xc3\xa9", {}), 5u);  // UTF-8 bytes, not chars
}

TEST(MessageSizeTest, StringAttributeCountsNameTypeAndValue) {
  MessageAttributeMap attrs{{"attr", Str("value")}};
  EXPECT_EQ(MessageSize("hello", attrs), 5u + 4u + 6u + 5u);
}

TEST(MessageSizeTest, BinaryAttributeCountsRawBytes) {
  MessageAttributeMap attrs{{"bin", Bin(std::string("\x00\x01\x02\x03", 4))}};
  // 4 raw bytes (their base64 would be 8).
  EXPECT_EQ(MessageSize("b", attrs), 1u + 3u + 6u + 4u);
}

TEST(MessageSizeTest, CustomTypeLabelCountsInFull) {
  MessageAttributeMap attrs{{"n", Num("3.14", "Number.float")}};
  EXPECT_EQ(MessageSize("x", attrs), 1u + 1u + 12u + 4u);
}

TEST(MessageSizeTest, SumsEveryAttribute) {
  MessageAttributeMap attrs{
      {"attribName1", Str("attribValue 1")},
      {"customNumberTypeAttrib",
       Num("4563442423554324324264524243.32543234", "Number.float")},
      {"binaryAttribute", Bin("Hello binary world!")},
  };
  const size_t expected = 4 + (11 + 6 + 13) + (22 + 12 + 37) + (15 + 6 + 19);
  EXPECT_EQ(MessageSize("body", attrs), expected);
}

TEST(MessageSizeTest, OneMebibyteBoundary) {
  // The limit comparison is the caller's; the count must be exact.
  std::string body(1048576 - 10, 'a');
  MessageAttributeMap attrs{{"a", Str("xyz")}};  // 1 + 6 + 3
  EXPECT_EQ(MessageSize(body, attrs), 1048576u);
}

// ---------------------------------------------------------------------------
// IsValidFifoToken

TEST(IsValidFifoTokenTest, LengthLimits) {
  EXPECT_TRUE(IsValidFifoToken("a"));
  EXPECT_TRUE(IsValidFifoToken(std::string(128, 'g')));
  EXPECT_FALSE(IsValidFifoToken(std::string(129, 'g')));
  EXPECT_FALSE(IsValidFifoToken(""));
}

TEST(IsValidFifoTokenTest, AlphanumericsAndPunctuationAreAccepted) {
  EXPECT_TRUE(IsValidFifoToken("Group-1_abcXYZ0123456789"));
  EXPECT_TRUE(IsValidFifoToken("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"));
  EXPECT_TRUE(IsValidFifoToken("order:42/line#7"));
}

TEST(IsValidFifoTokenTest, OtherCharactersAreRefused) {
  EXPECT_FALSE(IsValidFifoToken(" "));
  EXPECT_FALSE(IsValidFifoToken("a b"));
  EXPECT_FALSE(IsValidFifoToken("a\tb"));
  EXPECT_FALSE(IsValidFifoToken("a\nb"));
  EXPECT_FALSE(IsValidFifoToken("a\x7f"));
  EXPECT_FALSE(IsValidFifoToken(std::string("a\0b", 3)));
  EXPECT_FALSE(IsValidFifoToken("caf\xc3\xa9"));
}

// ---------------------------------------------------------------------------
// IsValidQueueName

TEST(IsValidQueueNameTest, StandardNames) {
  EXPECT_TRUE(IsValidQueueName("a", false));
  EXPECT_TRUE(IsValidQueueName("my-queue_1", false));
  EXPECT_TRUE(IsValidQueueName(std::string(80, 'q'), false));
  EXPECT_FALSE(IsValidQueueName(std::string(81, 'q'), false));
  EXPECT_FALSE(IsValidQueueName("", false));
}

TEST(IsValidQueueNameTest, StandardNamesRefuseOtherCharacters) {
  EXPECT_FALSE(IsValidQueueName("a.b", false));
  EXPECT_FALSE(IsValidQueueName("a b", false));
  EXPECT_FALSE(IsValidQueueName("a/b", false));
  EXPECT_FALSE(IsValidQueueName("caf\xc3\xa9", false));
}

TEST(IsValidQueueNameTest, FifoSuffixOnlyForFifoQueues) {
  EXPECT_FALSE(IsValidQueueName("orders.fifo", false));
  EXPECT_TRUE(IsValidQueueName("orders.fifo", true));
}

TEST(IsValidQueueNameTest, FifoSuffixCountsInTheEighty) {
  EXPECT_TRUE(IsValidQueueName(std::string(75, 'q') + ".fifo", true));
  EXPECT_FALSE(IsValidQueueName(std::string(76, 'q') + ".fifo", true));
}

TEST(IsValidQueueNameTest, FifoNameBeforeSuffixFollowsTheSameRules) {
  EXPECT_FALSE(IsValidQueueName("a.b.fifo", true));
  EXPECT_FALSE(IsValidQueueName("orders.fifo.fifo", true));
  EXPECT_FALSE(IsValidQueueName("a b.fifo", true));
  EXPECT_FALSE(IsValidQueueName(".fifo", true));
}

// ---------------------------------------------------------------------------
// IsValidBatchEntryId

TEST(IsValidBatchEntryIdTest, Accepted) {
  EXPECT_TRUE(IsValidBatchEntryId("a"));
  EXPECT_TRUE(IsValidBatchEntryId("0"));
  EXPECT_TRUE(IsValidBatchEntryId("Entry-1_abcXYZ"));
  EXPECT_TRUE(IsValidBatchEntryId(std::string(80, 'e')));
}

TEST(IsValidBatchEntryIdTest, Refused) {
  EXPECT_FALSE(IsValidBatchEntryId(""));
  EXPECT_FALSE(IsValidBatchEntryId(std::string(81, 'e')));
  EXPECT_FALSE(IsValidBatchEntryId("a.b"));
  EXPECT_FALSE(IsValidBatchEntryId("a b"));
  EXPECT_FALSE(IsValidBatchEntryId("a/b"));
  EXPECT_FALSE(IsValidBatchEntryId("id!"));
  EXPECT_FALSE(IsValidBatchEntryId("caf\xc3\xa9"));
}

}  // namespace
}  // namespace fanlab::queue
