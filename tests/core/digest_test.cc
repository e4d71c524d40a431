#include "emulator/core/digest.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fanlab {
namespace {

struct Vector {
  std::string input;
  std::string_view digest;
};

// RFC 1321 appendix A.5.
const Vector kMd5Vectors[] = {
    {"", "d41d8cd98f00b204e9800998ecf8427e"},
    {"a", "0cc175b9c0f1b6a831c399e269772661"},
    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
    {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
     "d174ab98d277d9f5a5611c2c9f419d9f"},
    {"1234567890123456789012345678901234567890123456789012345678901234567890"
     "1234567890",
     "57edf4a22be3c955ac49da2e2107b67a"},
};

class Md5VectorTest : public testing::TestWithParam<Vector> {};

TEST_P(Md5VectorTest, MatchesRfc1321) {
  EXPECT_EQ(Md5Hex(GetParam().input), GetParam().digest);
  EXPECT_EQ(ToHex(Md5(GetParam().input)), GetParam().digest);
}

INSTANTIATE_TEST_SUITE_P(Rfc1321, Md5VectorTest,
                         testing::ValuesIn(kMd5Vectors));

// FIPS 180-2 examples.
const Vector kSha256Vectors[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {std::string(1000000, 'a'),
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

class Sha256VectorTest : public testing::TestWithParam<Vector> {};

TEST_P(Sha256VectorTest, MatchesFips180) {
  EXPECT_EQ(Sha256Hex(GetParam().input), GetParam().digest);
  EXPECT_EQ(ToHex(Sha256(GetParam().input)), GetParam().digest);
}

INSTANTIATE_TEST_SUITE_P(Fips180, Sha256VectorTest,
                         testing::ValuesIn(kSha256Vectors));

TEST(DigestTest, RawBytesOfMd5) {
  Md5Digest d = Md5("");
  EXPECT_EQ(d[0], 0xd4);
  EXPECT_EQ(d[1], 0x1d);
  EXPECT_EQ(d[15], 0x7e);
}

TEST(DigestTest, RawBytesOfSha256) {
  Sha256Digest d = Sha256("abc");
  EXPECT_EQ(d[0], 0xba);
  EXPECT_EQ(d[1], 0x78);
  EXPECT_EQ(d[31], 0xad);
}

TEST(DigestTest, HashesEmbeddedNulBytes) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(Md5Hex(with_nul), Md5Hex("a"));
  EXPECT_NE(Sha256Hex(with_nul), Sha256Hex("a"));
  EXPECT_EQ(Md5Hex(std::string(1, '\0')), "93b885adfe0da089cdf634904fd59f71");
  EXPECT_EQ(Sha256Hex(std::string(1, '\0')),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(DigestTest, RespectsStringViewBounds) {
  const std::string text = "abcdef";
  EXPECT_EQ(Md5Hex(std::string_view(text).substr(0, 3)),
            "900150983cd24fb0d6963f7d28e17f72");
}

TEST(DigestTest, InterleavedCallsDoNotShareState) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ(
        Sha256Hex("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  }
}

TEST(DigestTest, CallableFromManyThreads) {
  constexpr int kThreads = 4;
  std::vector<int> bad(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&bad, t] {
      for (int i = 0; i < 500; ++i) {
        if (Md5Hex("abc") != "900150983cd24fb0d6963f7d28e17f72") ++bad[t];
        if (Sha256Hex("") !=
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"
            "5") {
          ++bad[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad, std::vector<int>(kThreads, 0));
}

TEST(ToHexTest, LowerCaseTwoDigitsPerByte) {
  const uint8_t bytes[] = {0x00, 0x01, 0x0a, 0x7f, 0x80, 0xab, 0xff};
  EXPECT_EQ(ToHex(bytes, sizeof(bytes)), "00010a7f80abff");
  EXPECT_EQ(ToHex(bytes, 0), "");
  EXPECT_EQ(ToHex(bytes + 5, 1), "ab");
}

TEST(ToHexTest, ArrayOverload) {
  std::array<uint8_t, 4> a{0xde, 0xad, 0xbe, 0xef};
  EXPECT_EQ(ToHex(a), "deadbeef");
  std::array<uint8_t, 0> empty{};
  EXPECT_EQ(ToHex(empty), "");
}

TEST(ToHexTest, EveryByteValue) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int v = 0; v < 256; ++v) {
    const uint8_t b = static_cast<uint8_t>(v);
    std::string expected{kHex[v >> 4], kHex[v & 0xf]};
    EXPECT_EQ(ToHex(&b, 1), expected);
  }
}

}  // namespace
}  // namespace fanlab
