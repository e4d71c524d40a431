#include "emulator/services/aws_chunked.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

using namespace std::string_literals;

const std::string kSig(64, 'a');

// What botocore and the JS SDK send for STREAMING-UNSIGNED-PAYLOAD-TRAILER.
TEST(AwsChunkedTest, DecodesUnsignedPayloadWithChecksumTrailer) {
  auto r = DecodeAwsChunked(
      "b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n", 11);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data, "hello world");
  EXPECT_EQ(r->chunks, 1u);
  ASSERT_EQ(r->trailers.size(), 1u);
  EXPECT_EQ(r->trailers.at("x-amz-checksum-crc32"), "DUoRhQ==");
}

// STREAMING-AWS4-HMAC-SHA256-PAYLOAD: signed chunks, no trailers.
TEST(AwsChunkedTest, DecodesSignedChunksWithoutTrailers) {
  std::string body = "5;chunk-signature=" + kSig + "\r\nhello\r\n" +
                     "6;chunk-signature=" + kSig + "\r\n world\r\n" +
                     "0;chunk-signature=" + kSig + "\r\n\r\n";
  auto r = DecodeAwsChunked(body, 11);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data, "hello world");
  EXPECT_EQ(r->chunks, 2u);
  EXPECT_TRUE(r->trailers.empty());
}

// ...-PAYLOAD-TRAILER: signed chunks, then the trailer and its signature.
TEST(AwsChunkedTest, DecodesSignedTrailersLowerCasingNamesAndTrimming) {
  std::string body = "A;chunk-signature=" + kSig + "\r\n0123456789\r\n" +
                     "000;chunk-signature=" + kSig + "\r\n" +
                     "X-Amz-Checksum-SHA256: \t47DEQ \r\n" +
                     "x-amz-trailer-signature:" + kSig + "\r\n\r\n";
  auto r = DecodeAwsChunked(body, std::nullopt);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data, "0123456789");
  EXPECT_EQ(r->trailers.at("x-amz-checksum-sha256"), "47DEQ");
  EXPECT_EQ(r->trailers.at("x-amz-trailer-signature"), kSig);
}

TEST(AwsChunkedTest, EmptyBodyAndBinaryData) {
  auto empty = DecodeAwsChunked("0\r\n\r\n", 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->data, "");
  EXPECT_EQ(empty->chunks, 0u);
  std::string binary = "\r\n\0\xff"s;
  auto r = DecodeAwsChunked("4\r\n" + binary + "\r\n0\r\n\r\n", 4);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->data, binary);
}

TEST(AwsChunkedTest, DecodedLengthMustMatch) {
  auto shorter = DecodeAwsChunked("3\r\nabc\r\n0\r\n\r\n", 4);
  EXPECT_EQ(shorter.status(), Status(s3::kIncompleteBody,
                                     "The decoded body is 3 bytes but "
                                     "x-amz-decoded-content-length says 4."));
  EXPECT_EQ(DecodeAwsChunked("3\r\nabc\r\n0\r\n\r\n", 2).status().code(),
            s3::kIncompleteBody);
  EXPECT_TRUE(DecodeAwsChunked("3\r\nabc\r\n0\r\n\r\n", 3).ok());
}

struct Bad {
  std::string body;
  ErrorCode code;
  std::string message;
};

class AwsChunkedErrorTest : public testing::TestWithParam<Bad> {};

TEST_P(AwsChunkedErrorTest, NamesTheProblemAndTheByte) {
  auto r = DecodeAwsChunked(GetParam().body, std::nullopt);
  EXPECT_EQ(r.status(), Status(GetParam().code, GetParam().message));
}

constexpr ErrorCode kMalformed = s3::kInvalidRequest;
constexpr ErrorCode kShort = s3::kIncompleteBody;

INSTANTIATE_TEST_SUITE_P(
    Errors, AwsChunkedErrorTest,
    testing::Values(
        Bad{"", kShort,
            "The aws-chunked body ended at byte 0: expected a chunk size."},
        Bad{"hello", kMalformed,
            "Malformed aws-chunked body at byte 0: expected a chunk size (hex "
            "digits)."},
        Bad{"5 \r\nhello\r\n", kMalformed,
            "Malformed aws-chunked body at byte 1: expected ';' or CRLF "
            "after the chunk size."},
        Bad{"5\nhello\r\n", kMalformed,
            "Malformed aws-chunked body at byte 1: expected ';' or CRLF "
            "after the chunk size."},
        Bad{"5\rhello", kMalformed,
            "Malformed aws-chunked body at byte 1: expected CRLF after the "
            "chunk size."},
        Bad{"10000000000000000\r\n", kMalformed,
            "Malformed aws-chunked body at byte 16: the chunk size has more "
            "than 16 hex digits."},
        Bad{"ffffffffffffffff\r\nab", kShort,
            "The aws-chunked body ended at byte 20: expected the chunk's "
            "data (2 of 18446744073709551615 bytes present)."},
        Bad{"9\r\nhello", kShort,
            "The aws-chunked body ended at byte 8: expected the chunk's data "
            "(5 of 9 bytes present)."},
        Bad{"5\r\nhello", kShort,
            "The aws-chunked body ended at byte 8: expected CRLF."},
        Bad{"5\r\nhello\r", kShort,
            "The aws-chunked body ended at byte 9: expected CRLF."},
        Bad{"5\r\nhelloX\r\n0\r\n\r\n", kMalformed,
            "Malformed aws-chunked body at byte 8: expected CRLF after the "
            "chunk's data."},
        Bad{"5;sig\x01\r\nhello\r\n", kMalformed,
            "Malformed aws-chunked body at byte 5: invalid character in a "
            "chunk extension."},
        Bad{"5;" + std::string(5000, 'a') + "\r\n", kMalformed,
            "Malformed aws-chunked body at byte 4096: the chunk header is "
            "longer than 4096 bytes."},
        Bad{"0\r\n", kShort,
            "The aws-chunked body ended at byte 3: expected a trailer or the "
            "final CRLF."},
        Bad{"0\r\nx-amz-checksum-crc32", kShort,
            "The aws-chunked body ended at byte 23: expected a trailer's "
            "':'."},
        Bad{"0\r\nx-amz-checksum-crc32:AAAAAA==", kShort,
            "The aws-chunked body ended at byte 32: expected CRLF."},
        Bad{"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n", kShort,
            "The aws-chunked body ended at byte 34: expected a trailer or the "
            "final CRLF."},
        Bad{"0\r\nbad name:v\r\n\r\n", kMalformed,
            "Malformed aws-chunked body at byte 6: invalid character in a "
            "trailer name."},
        Bad{"0\r\n:v\r\n\r\n", kMalformed,
            "Malformed aws-chunked body at byte 3: invalid character in a "
            "trailer name."},
        Bad{"0\r\nnocolon\r\n\r\n", kMalformed,
            "Malformed aws-chunked body at byte 10: a trailer has no ':'."},
        Bad{"0\r\nname:v\x7f\r\n\r\n", kMalformed,
            "Malformed aws-chunked body at byte 9: invalid character in a "
            "trailer value."},
        Bad{"0\r\na:1\r\nA:2\r\n\r\n", kMalformed,
            "Malformed aws-chunked body at byte 8: trailer a appears twice."},
        Bad{"0\r\n\r\nextra", kMalformed,
            "Malformed aws-chunked body at byte 5: unexpected bytes after the "
            "end of the body."},
        Bad{"0\r\n\r\n\r\n", kMalformed,
            "Malformed aws-chunked body at byte 5: unexpected bytes after the "
            "end of the body."}));

TEST(AwsChunkedLimitsTest, SixteenTrailersPassSeventeenDoNot) {
  std::string trailers;
  for (int i = 0; i < 16; ++i) trailers += "t" + std::to_string(i) + ":v\r\n";
  auto ok = DecodeAwsChunked("0\r\n" + trailers + "\r\n", 0);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->trailers.size(), 16u);
  auto r = DecodeAwsChunked("0\r\n" + trailers + "t16:v\r\n\r\n", 0);
  EXPECT_EQ(r.status().code(), s3::kInvalidRequest);
  EXPECT_NE(r.status().message().find("more than 16 trailers"),
            std::string::npos);
}

TEST(AwsChunkedLimitsTest, TrailerBytesAreBounded) {
  // One trailer of exactly 16,384 bytes, CRLF included, passes.
  std::string name = "x:";
  std::string fits = name + std::string(16384 - name.size() - 2, 'v') + "\r\n";
  EXPECT_TRUE(DecodeAwsChunked("0\r\n" + fits + "\r\n", 0).ok());
  std::string over = name + std::string(16384, 'v') + "\r\n";
  auto r = DecodeAwsChunked("0\r\n" + over + "\r\n", 0);
  EXPECT_EQ(r.status().code(), s3::kInvalidRequest);
  EXPECT_NE(r.status().message().find("longer than 16384 bytes"),
            std::string::npos);
}

TEST(AwsChunkedLimitsTest, ChunkHeaderOf4096BytesPasses) {
  // "5" and the extension: 4096 bytes before the CRLF.
  std::string ext = ";" + std::string(4096 - 2, 'e');
  auto r = DecodeAwsChunked("5" + ext + "\r\nhello\r\n0\r\n\r\n", 5);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  auto over = DecodeAwsChunked("5" + ext + "e\r\nhello\r\n0\r\n\r\n", 5);
  EXPECT_EQ(over.status().message(),
            "Malformed aws-chunked body at byte 4096: the chunk header is "
            "longer than 4096 bytes.");
}

// Every prefix of a good body, and random corruptions of it, decode or
// fail cleanly: an error of one of the two kinds, naming a byte inside the
// body; never a crash (run under ASan too).
TEST(AwsChunkedFuzzTest, TruncationsAndGarbageFailCleanly) {
  const std::string good = "5;chunk-signature=" + kSig + "\r\nhello\r\n" +
                           "6\r\n world\r\n0\r\n" +
                           "x-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
  ASSERT_TRUE(DecodeAwsChunked(good, 11).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = DecodeAwsChunked(good.substr(0, n), std::nullopt);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_TRUE(r.status().code() == s3::kIncompleteBody ||
                r.status().code() == s3::kInvalidRequest)
        << r.status().ToString();
  }
  std::mt19937 rng(42);
  const std::string alphabet = "0123456789abcdefABCDEF;:=\r\n \t\x01\xff-xz";
  int failures = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = good;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % (body.size() + 1);
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          if (at < body.size()) body[at] = c;
          break;
        case 1:
          body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          if (at < body.size()) body.erase(at, 1);
      }
    }
    auto r = DecodeAwsChunked(body, std::nullopt);
    if (r.ok()) {
      EXPECT_LE(r->data.size(), body.size());
      continue;
    }
    ++failures;
    ErrorCode code = r.status().code();
    ASSERT_TRUE(code == s3::kIncompleteBody || code == s3::kInvalidRequest)
        << r.status().ToString();
    EXPECT_FALSE(r.status().message().empty());
  }
  EXPECT_GT(failures, 5000);  // most edits break the framing
}

}  // namespace
}  // namespace fanlab::services
