#include "emulator/compute/result_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace fanlab::compute {
namespace {

using Kind = ResultFrame::Kind;

TEST(ResultReaderTest, FramesInOneChunk) {
  ResultReader r;
  auto frames = r.Feed(
      "{\"status\":\"ready\"}\n{\"status\":\"ok\",\"length\":2}\n{}"
      "{\"status\":\"error\",\"length\":4}\nnull");
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].kind, Kind::kReady);
  EXPECT_EQ(frames[1].kind, Kind::kOk);
  EXPECT_EQ(frames[1].payload, "{}");
  EXPECT_EQ(frames[2].kind, Kind::kError);
  EXPECT_EQ(frames[2].payload, "null");
  EXPECT_TRUE(r.error().empty());
  EXPECT_FALSE(r.InFrame());
  EXPECT_FALSE(r.Finish().has_value());
  EXPECT_TRUE(r.error().empty());
}

TEST(ResultReaderTest, FramesSplitAnywhere) {
  const std::string stream =
      "{\"status\":\"ok\",\"length\":11}\n{\"a\":\"\\n\"}x"
      "{\"status\":\"ok\",\"length\":0}\n";
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    ResultReader r;
    auto first = r.Feed(stream.substr(0, cut));
    auto second = r.Feed(stream.substr(cut));
    first.insert(first.end(), second.begin(), second.end());
    ASSERT_EQ(first.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(first[0].payload, "{\"a\":\"\\n\"}x");
    EXPECT_EQ(first[1].payload, "");
  }
}

TEST(ResultReaderTest, OpenEndedLastFrameRunsToTheEndOfTheStream) {
  ResultReader r;
  EXPECT_TRUE(r.Feed("{\"status\":\"ok\"}\n{\"partial\"").empty());
  EXPECT_TRUE(r.Feed(":1}").empty());
  auto last = r.Finish();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->kind, Kind::kOk);
  EXPECT_EQ(last->payload, "{\"partial\":1}");
}

TEST(ResultReaderTest, GarbageIsAnErrorNamingWhere) {
  ResultReader r;
  r.Feed("{\"status\":\"ok\",\"length\":1}\nx");
  EXPECT_TRUE(r.Feed("this is not a frame\n").empty());
  EXPECT_NE(r.error().find("not a result frame header: 'this is not a frame'"),
            std::string::npos)
      << r.error();
  EXPECT_NE(r.error().find("at byte 28"), std::string::npos) << r.error();
  // Nothing more after an error.
  EXPECT_TRUE(r.Feed("{\"status\":\"ok\",\"length\":0}\n").empty());
}

TEST(ResultReaderTest, BadHeadersAreNamed) {
  struct Case {
    const char* line;
    const char* error;
  } cases[] = {
      {"{\"length\":1}\n", "without a status string"},
      {"{\"status\":\"maybe\"}\n", "unknown result frame status 'maybe'"},
      {"{\"status\":\"ok\",\"length\":-1}\n", "non-negative integer"},
      {"{\"status\":\"ok\",\"length\":\"3\"}\n", "non-negative integer"},
      {"[1]\n", "not a result frame header"},
  };
  for (const auto& c : cases) {
    ResultReader r;
    r.Feed(c.line);
    EXPECT_NE(r.error().find(c.error), std::string::npos)
        << c.line << " -> " << r.error();
  }
  ResultReader endless;
  endless.Feed(std::string(5000, 'x'));
  EXPECT_NE(endless.error().find("no result frame header"), std::string::npos);
}

TEST(ResultReaderTest, StreamEndingInsideAFrameIsAnError) {
  ResultReader r;
  r.Feed("{\"status\":\"ok\",\"length\":10}\nabc");
  EXPECT_TRUE(r.InFrame());
  EXPECT_FALSE(r.Finish().has_value());
  EXPECT_NE(r.error().find("closed 3 bytes into a payload of 10"),
            std::string::npos)
      << r.error();
  ResultReader header;
  header.Feed("{\"status\":");
  EXPECT_FALSE(header.Finish().has_value());
  EXPECT_NE(header.error().find("inside a frame header"), std::string::npos);
}

TEST(ResultReaderTest, APayloadOverLambdasLimitIsRefusedWhenAnnounced) {
  ResultReader r;
  EXPECT_EQ(ResultReader::kMaxPayloadBytes, 6291556u);
  EXPECT_TRUE(r.Feed("{\"status\":\"ok\",\"length\":6291557}\n{").empty());
  EXPECT_TRUE(r.too_large());
  EXPECT_EQ(r.error(),
            "Response payload size exceeded maximum allowed payload size "
            "(6291556 bytes).");
  EXPECT_EQ(r.buffered(), 0u);
  EXPECT_TRUE(r.Feed(std::string(1 << 16, 'x')).empty());
  EXPECT_EQ(r.buffered(), 0u);  // nothing more is kept
  EXPECT_FALSE(r.Finish().has_value());
}

TEST(ResultReaderTest, AnOpenEndedPayloadIsCutOffAtTheLimitNotBuffered) {
  // 200 MiB written in 64 KiB chunks: the reader stops at the limit and
  // never holds more than the limit and a chunk.
  ResultReader r;
  EXPECT_TRUE(r.Feed("{\"status\":\"ok\"}\n").empty());
  const std::string chunk(1 << 16, 'x');
  size_t most = 0;
  for (int i = 0; i < 3200; ++i) {
    EXPECT_TRUE(r.Feed(chunk).empty());
    most = std::max(most, r.buffered());
  }
  EXPECT_TRUE(r.too_large());
  EXPECT_LE(most, ResultReader::kMaxPayloadBytes + chunk.size());
  EXPECT_EQ(r.buffered(), 0u);
  EXPECT_FALSE(r.Finish().has_value());
}

TEST(ResultReaderTest, APayloadOfExactlyTheLimitPasses) {
  ResultReader r(10);
  auto frames = r.Feed("{\"status\":\"ok\",\"length\":10}\n0123456789");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_FALSE(r.too_large());
  EXPECT_TRUE(r.Feed("{\"status\":\"error\"}\n0123456789").empty());
  auto last = r.Finish();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->payload, "0123456789");
  ResultReader over(10);
  over.Feed("{\"status\":\"error\"}\n0123456789A");
  EXPECT_TRUE(over.too_large());
}

}  // namespace
}  // namespace fanlab::compute
