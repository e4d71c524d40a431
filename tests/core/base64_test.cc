#include "emulator/core/base64.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace fanlab {
namespace {

struct Rfc4648Vector {
  std::string_view bytes;
  std::string_view text;
};

// RFC 4648 §10.
constexpr Rfc4648Vector kVectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

class Base64VectorTest : public testing::TestWithParam<Rfc4648Vector> {};

TEST_P(Base64VectorTest, Encodes) {
  EXPECT_EQ(Base64Encode(GetParam().bytes), GetParam().text);
}

TEST_P(Base64VectorTest, Decodes) {
  std::optional<std::string> decoded = Base64Decode(GetParam().text);
  ASSERT_TRUE(decoded.has_value()) << GetParam().text;
  EXPECT_EQ(*decoded, GetParam().bytes);
}

INSTANTIATE_TEST_SUITE_P(Rfc4648, Base64VectorTest,
                         testing::ValuesIn(kVectors));

std::string AllByteValues() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

TEST(Base64Test, EncodesAllByteValues) {
  EXPECT_EQ(
      Base64Encode(AllByteValues()),
      "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1"
      "Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWpr"
      "bG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6Ch"
      "oqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX"
      "2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==");
}

TEST(Base64Test, RoundTripsAllByteValues) {
  const std::string bytes = AllByteValues();
  std::optional<std::string> decoded = Base64Decode(Base64Encode(bytes));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, bytes);
}

TEST(Base64Test, RoundTripsEveryLengthAndOffset) {
  const std::string bytes = AllByteValues();
  for (size_t start = 0; start < 3; ++start) {
    for (size_t len = 0; start + len <= 40; ++len) {
      std::string_view slice = std::string_view(bytes).substr(start, len);
      std::string text = Base64Encode(slice);
      EXPECT_EQ(text.size(), (len + 2) / 3 * 4);
      std::optional<std::string> decoded = Base64Decode(text);
      ASSERT_TRUE(decoded.has_value()) << text;
      EXPECT_EQ(*decoded, slice);
    }
  }
}

TEST(Base64Test, RoundTripsEachSingleByte) {
  for (int i = 0; i < 256; ++i) {
    const std::string one(1, static_cast<char>(i));
    std::optional<std::string> decoded = Base64Decode(Base64Encode(one));
    ASSERT_TRUE(decoded.has_value()) << i;
    EXPECT_EQ(*decoded, one) << i;
  }
}

TEST(Base64Test, UsesStandardAlphabetNotUrlSafe) {
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(Base64Decode("+/8="), std::optional<std::string>("\xfb\xff"));
  EXPECT_EQ(Base64Decode("-_8="), std::nullopt);
}

class Base64RejectTest : public testing::TestWithParam<std::string_view> {};

TEST_P(Base64RejectTest, Rejects) {
  EXPECT_EQ(Base64Decode(GetParam()), std::nullopt)
      << "accepted \"" << GetParam() << "\"";
}

INSTANTIATE_TEST_SUITE_P(BadLength, Base64RejectTest,
                         testing::Values("Z", "Zg", "Zg=", "Zm9", "Zm9vY",
                                         "Zm9vYg", "Zm9vYg=", "Zm9vYg==="));

INSTANTIATE_TEST_SUITE_P(BadCharacter, Base64RejectTest,
                         testing::Values("Zm9$", "Zm 9", "Zm9\n", "Zm9\t",
                                         "Zm.v", "Zm9v!AAA",
                                         std::string_view("Zm\09", 4),
                                         "Zm\xc3\xa9", "-_AA"));

INSTANTIATE_TEST_SUITE_P(
    BadPadding, Base64RejectTest,
    testing::Values("====", "Z===", "=Zm9", "Z=g=", "Zg=A", "Zg==Zm9v",
                    "Zm8=Zm9v", "Zm==" /* 'm' leaves non-zero bits */));

// Canonical form only: the bits the padding hides must be zero.
INSTANTIATE_TEST_SUITE_P(NonCanonicalPaddingBits, Base64RejectTest,
                         testing::Values("Zh==", "Zm9=", "Zm9vYh==", "AB==",
                                         "AAB="));

TEST(Base64Test, CanonicalCounterpartsOfRejectedInputsDecode) {
  // The same inputs with the hidden bits cleared are accepted: the
  // rejections above are about the bits, not about the characters.
  EXPECT_EQ(Base64Decode("Zg=="), std::optional<std::string>("f"));
  EXPECT_EQ(Base64Decode("Zm8="), std::optional<std::string>("fo"));
  EXPECT_EQ(Base64Decode("AA=="),
            std::optional<std::string>(std::string(1, '\0')));
  EXPECT_EQ(Base64Decode("AAA="),
            std::optional<std::string>(std::string(2, '\0')));
}

TEST(Base64Test, DecodesEmptyToEmpty) {
  std::optional<std::string> decoded = Base64Decode("");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, "");
}

}  // namespace
}  // namespace fanlab
