#include "emulator/core/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace fanlab {
namespace {

// The specs' check values: the CRC of the nine ASCII digits.
TEST(ChecksumTest, CrcCheckValues) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc64Nvme("123456789"), 0xAE8B14860A799888ull);
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc64Nvme(""), 0u);
}

// RFC 3720 appendix B.4 (iSCSI's CRC32C).
TEST(ChecksumTest, Crc32cRfc3720Vectors) {
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
}

TEST(ChecksumTest, CrcsContinueFromAPreviousValue) {
  EXPECT_EQ(Crc32("6789", Crc32("12345")), Crc32("123456789"));
  EXPECT_EQ(Crc32c("6789", Crc32c("12345")), Crc32c("123456789"));
  EXPECT_EQ(Crc64Nvme("6789", Crc64Nvme("12345")), Crc64Nvme("123456789"));
  EXPECT_NE(Crc32("6789"), Crc32("123456789"));
}

struct Base64Vector {
  ChecksumAlgorithm algorithm;
  std::string input;
  std::string base64;
};

class ChecksumBase64Test : public testing::TestWithParam<Base64Vector> {};

TEST_P(ChecksumBase64Test, IsBase64OfBigEndianDigest) {
  const Base64Vector& v = GetParam();
  EXPECT_EQ(Checksum(v.algorithm, v.input), v.base64);
  EXPECT_EQ(ChecksumDigest(v.algorithm, v.input).size(),
            ChecksumDigestSize(v.algorithm));
  EXPECT_TRUE(IsWellFormedChecksum(v.algorithm, v.base64));
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, ChecksumBase64Test,
    testing::Values(
        Base64Vector{ChecksumAlgorithm::kCrc32, "", "AAAAAA=="},
        Base64Vector{ChecksumAlgorithm::kCrc32, "hello world", "DUoRhQ=="},
        Base64Vector{ChecksumAlgorithm::kCrc32, "123456789", "y/Q5Jg=="},
        Base64Vector{ChecksumAlgorithm::kCrc32c, "123456789", "4waSgw=="},
        Base64Vector{ChecksumAlgorithm::kCrc64Nvme, "", "AAAAAAAAAAA="},
        Base64Vector{ChecksumAlgorithm::kCrc64Nvme, "123456789",
                     "rosUhgp5mIg="},
        Base64Vector{ChecksumAlgorithm::kSha1, "",
                     "2jmj7l5rSw0yVb/vlWAYkK/YBwk="},
        Base64Vector{ChecksumAlgorithm::kSha1, "hello world",
                     "Kq5sNclPz7QV2+lfQIuc6R7oRu0="},
        Base64Vector{ChecksumAlgorithm::kSha256, "",
                     "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
        Base64Vector{ChecksumAlgorithm::kSha256, "123456789",
                     "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="},
        Base64Vector{ChecksumAlgorithm::kSha512, "",
                     "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+"
                     "DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="},
        Base64Vector{ChecksumAlgorithm::kSha512, "hello world",
                     "MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+"
                     "YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="},
        Base64Vector{ChecksumAlgorithm::kMd5, "", "1B2M2Y8AsgTpgAmY7PhCfg=="},
        Base64Vector{ChecksumAlgorithm::kMd5, "hello world",
                     "XrY7u+Ae7tCTyyK7j1rNww=="}));

TEST(ChecksumTest, AlgorithmNamesParseInAnyCase) {
  for (auto a : {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c,
                 ChecksumAlgorithm::kCrc64Nvme, ChecksumAlgorithm::kSha1,
                 ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kSha512,
                 ChecksumAlgorithm::kMd5}) {
    EXPECT_EQ(ParseChecksumAlgorithm(ChecksumAlgorithmName(a)), a);
  }
  EXPECT_EQ(ParseChecksumAlgorithm("crc32c"), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(ParseChecksumAlgorithm("Crc64Nvme"), ChecksumAlgorithm::kCrc64Nvme);
  EXPECT_EQ(ParseChecksumAlgorithm("md5"), ChecksumAlgorithm::kMd5);
  EXPECT_EQ(ParseChecksumAlgorithm("XXHASH64"), std::nullopt);
  EXPECT_EQ(ParseChecksumAlgorithm("CRC3"), std::nullopt);
  EXPECT_EQ(ParseChecksumAlgorithm("CRC32CC"), std::nullopt);
  EXPECT_EQ(ParseChecksumAlgorithm(""), std::nullopt);
  EXPECT_EQ(ChecksumHeaderName(ChecksumAlgorithm::kCrc64Nvme),
            "x-amz-checksum-crc64nvme");
}

TEST(ChecksumTest, OnlyTheCrcsCombineIntoAFullObjectChecksum) {
  EXPECT_TRUE(IsCrc(ChecksumAlgorithm::kCrc32));
  EXPECT_TRUE(IsCrc(ChecksumAlgorithm::kCrc32c));
  EXPECT_TRUE(IsCrc(ChecksumAlgorithm::kCrc64Nvme));
  EXPECT_FALSE(IsCrc(ChecksumAlgorithm::kSha1));
  EXPECT_FALSE(IsCrc(ChecksumAlgorithm::kSha256));
  EXPECT_FALSE(IsCrc(ChecksumAlgorithm::kSha512));
  EXPECT_FALSE(IsCrc(ChecksumAlgorithm::kMd5));
}

TEST(ChecksumTest, WellFormedMeansCanonicalBase64OfTheRightSize) {
  EXPECT_TRUE(IsWellFormedChecksum(ChecksumAlgorithm::kCrc32, "AAAAAA=="));
  EXPECT_FALSE(IsWellFormedChecksum(ChecksumAlgorithm::kCrc32, "AAAAAAA="));
  EXPECT_FALSE(IsWellFormedChecksum(ChecksumAlgorithm::kCrc32, "AAAAAA"));
  EXPECT_FALSE(IsWellFormedChecksum(ChecksumAlgorithm::kCrc32, "AAAA*A=="));
  EXPECT_FALSE(IsWellFormedChecksum(ChecksumAlgorithm::kCrc64Nvme, "AAAAAA=="));
  EXPECT_FALSE(IsWellFormedChecksum(ChecksumAlgorithm::kSha1, ""));
}

// Crc32c takes eight bytes a step where the CPU can: every length and
// offset, continued or not, agrees with the CRC bit by bit.
TEST(ChecksumTest, Crc32cAgreesWithTheBitwiseDefinitionAtEveryLength) {
  auto bitwise = [](std::string_view data) {
    uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char c : data) {
      crc ^= c;
      for (int i = 0; i < 8; ++i) {
        crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
      }
    }
    return ~crc;
  };
  std::string data;
  for (int i = 0; i < 100; ++i) data += static_cast<char>(i * 37 + 11);
  for (size_t n = 0; n <= data.size(); ++n) {
    std::string_view head = std::string_view(data).substr(0, n);
    EXPECT_EQ(Crc32c(head), bitwise(head)) << n;
    EXPECT_EQ(Crc32c(std::string_view(data).substr(n), Crc32c(head)),
              bitwise(data))
        << n;
  }
}

}  // namespace
}  // namespace fanlab
