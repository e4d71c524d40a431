// The log's records and framing: every record kind round-trips through a
// LogWriter and ReadLog; a torn tail and a flipped byte stop the read
// exactly where the damage starts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emulator/persist/log_reader.h"
#include "emulator/persist/log_writer.h"
#include "emulator/persist/record.h"
#include "tests/persist/persist_fixture.h"

namespace fanlab::persist {
namespace {

using testing::TempDirTest;

const TimePoint kT = TimePoint(std::chrono::microseconds(1767225600123456));

template <typename R>
R RoundTrip(const std::string& path, RecordKind kind, const R& in) {
  {
    auto w = LogWriter::Open(path, 0, FsyncPolicy::kAlways);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    (*w)->Add(kind, in);
    EXPECT_TRUE((*w)->Flush().ok());
  }
  R out{};
  int seen = 0;
  auto read = ReadLog(path, [&](RecordKind k, std::string_view payload) {
    ++seen;
    EXPECT_EQ(k, kind);
    return DecodePayload(payload, out);
  });
  EXPECT_TRUE(read.ok());
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(read->problem, "");
  return out;
}

class LogTest : public TempDirTest {
 protected:
  std::string Path() const { return dir_ + "/log"; }
};

TEST_F(LogTest, EveryRecordKindRoundTrips) {
  EXPECT_EQ(RoundTrip(Path(), RecordKind::kGeneration, GenerationRecord{7})
                .generation,
            7u);

  QueueRecord q{.uid = 3,
                .name = "orders.fifo",
                .config = std::string("\0\x01\xff", 3),
                .next_seq = uint64_t{1} << 40,
                .next_receipt = 99,
                .next_sequence_number = 18000000000000000042ULL};
  QueueRecord q2 = RoundTrip(Path(), RecordKind::kQueuePut, q);
  EXPECT_EQ(q2.uid, q.uid);
  EXPECT_EQ(q2.name, q.name);
  EXPECT_EQ(q2.config, q.config);
  EXPECT_EQ(q2.next_seq, q.next_seq);
  EXPECT_EQ(q2.next_receipt, q.next_receipt);
  EXPECT_EQ(q2.next_sequence_number, q.next_sequence_number);

  EXPECT_EQ(RoundTrip(Path(), RecordKind::kQueueDelete, QueueRefRecord{5}).uid,
            5u);
  EXPECT_EQ(RoundTrip(Path(), RecordKind::kQueuePurge, QueueRefRecord{6}).uid,
            6u);

  MessageStateRecord st{.uid = 1,
                        .seq = 2,
                        .state = 2,
                        .visible_at = kT + std::chrono::seconds(300),
                        .first_receive_at = kT,
                        .in_flight_since = kT + std::chrono::seconds(1),
                        .receipt = 12345678901ULL,
                        .receive_count = 4};
  auto same_state = [](const MessageStateRecord& a,
                       const MessageStateRecord& b) {
    return a.uid == b.uid && a.seq == b.seq && a.state == b.state &&
           a.visible_at == b.visible_at &&
           a.first_receive_at == b.first_receive_at &&
           a.in_flight_since == b.in_flight_since && a.receipt == b.receipt &&
           a.receive_count == b.receive_count;
  };
  EXPECT_TRUE(same_state(RoundTrip(Path(), RecordKind::kMessageState, st), st));

  MessageRecord m{.state = st,
                  .id = std::string(16, '\x11'),
                  .body_md5 = std::string(16, '\x22'),
                  .body = std::string("body\0with nul", 13),
                  .sent_at = kT - std::chrono::seconds(10),
                  .extras = "x"};
  MessageRecord m2 = RoundTrip(Path(), RecordKind::kMessagePut, m);
  EXPECT_TRUE(same_state(m2.state, st));
  EXPECT_EQ(m2.id, m.id);
  EXPECT_EQ(m2.body_md5, m.body_md5);
  EXPECT_EQ(m2.body, m.body);
  EXPECT_EQ(m2.sent_at, m.sent_at);
  EXPECT_EQ(m2.extras, m.extras);

  MessageRefRecord ref = RoundTrip(Path(), RecordKind::kMessageDelete,
                                   MessageRefRecord{.uid = 8, .seq = 9});
  EXPECT_EQ(ref.uid, 8u);
  EXPECT_EQ(ref.seq, 9u);

  DedupRecord d{.uid = 2,
                .key =
                    "g\x1f"
                    "dedup",
                .message_id = std::string(16, '\x33'),
                .sequence_number = "18000000000000000001",
                .expires_at = kT + std::chrono::minutes(5)};
  DedupRecord d2 = RoundTrip(Path(), RecordKind::kDedup, d);
  EXPECT_EQ(d2.uid, d.uid);
  EXPECT_EQ(d2.key, d.key);
  EXPECT_EQ(d2.message_id, d.message_id);
  EXPECT_EQ(d2.sequence_number, d.sequence_number);
  EXPECT_EQ(d2.expires_at, d.expires_at);

  PutRecord p{.space = "lambda.function", .key = "f", .value = "{\"a\":1}"};
  PutRecord p2 = RoundTrip(Path(), RecordKind::kPut, p);
  EXPECT_EQ(p2.space, p.space);
  EXPECT_EQ(p2.key, p.key);
  EXPECT_EQ(p2.value, p.value);

  EraseRecord e{.space = "dynamodb.item/t", .key = "k"};
  EraseRecord e2 = RoundTrip(Path(), RecordKind::kErase, e);
  EXPECT_EQ(e2.space, e.space);
  EXPECT_EQ(e2.key, e.key);
  EXPECT_EQ(RoundTrip(Path(), RecordKind::kEraseSpace,
                      EraseRecord{.space = "s", .key = ""})
                .space,
            "s");
}

TEST_F(LogTest, TimesBeforeTheEpochRoundTrip) {
  MessageStateRecord st{.visible_at = TimePoint(std::chrono::seconds(-5))};
  auto out = RoundTrip(Path(), RecordKind::kMessageState, st);
  EXPECT_EQ(out.visible_at, st.visible_at);
}

// Writes n Put records, one flush each; returns the file's length after
// each record.
std::vector<uint64_t> WriteRecords(const std::string& path, int n) {
  std::vector<uint64_t> ends;
  auto w = LogWriter::Open(path, 0, FsyncPolicy::kNever);
  EXPECT_TRUE(w.ok());
  for (int i = 0; i < n; ++i) {
    (*w)->Add(RecordKind::kPut, PutRecord{"s", std::to_string(i), "value"});
    EXPECT_TRUE((*w)->Flush().ok());
    ends.push_back((*w)->size());
  }
  return ends;
}

std::vector<std::string> Keys(const std::string& path, LogReadResult* out) {
  std::vector<std::string> keys;
  auto read = ReadLog(path, [&](RecordKind, std::string_view payload) {
    PutRecord r;
    if (!DecodePayload(payload, r)) return false;
    keys.push_back(r.key);
    return true;
  });
  EXPECT_TRUE(read.ok());
  if (read.ok()) *out = *read;
  return keys;
}

TEST_F(LogTest, ATornTailStopsTheReadAtTheLastWholeRecord) {
  auto ends = WriteRecords(Path(), 3);
  std::string data = ReadFile(Path());
  // Every cut inside the third record keeps exactly the first two.
  for (uint64_t cut = ends[1] + 1; cut < ends[2]; ++cut) {
    WriteFile(Path(), data.substr(0, cut));
    LogReadResult r;
    EXPECT_EQ(Keys(Path(), &r), (std::vector<std::string>{"0", "1"}))
        << "cut at " << cut;
    EXPECT_EQ(r.good_bytes, ends[1]);
    EXPECT_EQ(r.file_bytes, cut);
    EXPECT_NE(r.problem.find("torn"), std::string::npos) << r.problem;
  }
}

TEST_F(LogTest, AFlippedByteStopsTheReadAtItsRecord) {
  auto ends = WriteRecords(Path(), 3);
  const std::string data = ReadFile(Path());
  for (uint64_t at = ends[0]; at < ends[1]; ++at) {
    std::string bad = data;
    bad[at] ^= 0x40;
    WriteFile(Path(), bad);
    LogReadResult r;
    EXPECT_EQ(Keys(Path(), &r), (std::vector<std::string>{"0"}))
        << "byte " << at;
    EXPECT_EQ(r.good_bytes, ends[0]);
    EXPECT_FALSE(r.problem.empty());
  }
}

TEST_F(LogTest, AMissingFileReadsAsEmpty) {
  LogReadResult r;
  EXPECT_TRUE(Keys(dir_ + "/none", &r).empty());
  EXPECT_EQ(r.file_bytes, 0u);
  EXPECT_EQ(r.problem, "");
}

TEST_F(LogTest, OpeningAtAnOffsetCutsOffWhatFollows) {
  auto ends = WriteRecords(Path(), 3);
  {
    auto w = LogWriter::Open(Path(), ends[0], FsyncPolicy::kNever);
    ASSERT_TRUE(w.ok());
    (*w)->Add(RecordKind::kPut, PutRecord{"s", "new", "v"});
    ASSERT_TRUE((*w)->Flush().ok());
  }
  LogReadResult r;
  EXPECT_EQ(Keys(Path(), &r), (std::vector<std::string>{"0", "new"}));
  EXPECT_EQ(r.problem, "");
}

TEST_F(LogTest, OnPendingRunsOncePerFlush) {
  auto w = LogWriter::Open(Path(), 0, FsyncPolicy::kNever);
  ASSERT_TRUE(w.ok());
  int calls = 0;
  (*w)->SetOnPending([&] { ++calls; });
  (*w)->Add(RecordKind::kQueuePurge, QueueRefRecord{1});
  (*w)->Add(RecordKind::kQueuePurge, QueueRefRecord{2});
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE((*w)->pending());
  ASSERT_TRUE((*w)->Flush().ok());
  EXPECT_FALSE((*w)->pending());
  (*w)->Add(RecordKind::kQueuePurge, QueueRefRecord{3});
  EXPECT_EQ(calls, 2);
}

TEST_F(LogTest, AnUnwritableFolderIsAnErrorNamingThePath) {
  auto w =
      LogWriter::Open(dir_ + "/no/such/folder/log", 0, FsyncPolicy::kNever);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("/no/such/folder/log"),
            std::string::npos);
}

}  // namespace
}  // namespace fanlab::persist
