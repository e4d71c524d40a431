// The store: replay of snapshot and log into an Image, a damaged tail cut
// off with a warning (never a refusal to start), compaction and the
// leftovers of an interrupted one.
#include "emulator/persist/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/persist/persist_fixture.h"

namespace fanlab::persist {
namespace {

using testing::TempDirTest;

class StoreTest : public TempDirTest {
 protected:
  std::unique_ptr<Store> Open(uint64_t compact_bytes = uint64_t{64} << 20) {
    auto store = Store::Open(dir_, {.compact_bytes = compact_bytes,
                                    .warn = [this](const std::string& w) {
                                      warnings_.push_back(w);
                                    }});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }
  static void Put(Store& s, const std::string& key, const std::string& value) {
    s.log().Add(RecordKind::kPut, PutRecord{"things", key, value});
  }
  std::string LogPath(uint64_t g) const {
    return dir_ + "/state/log-" + std::to_string(g);
  }

  std::vector<std::string> warnings_;
};

TEST_F(StoreTest, WhatIsFlushedIsThereAfterAReopen) {
  {
    auto s = Open();
    Put(*s, "a", "1");
    Put(*s, "b", "2");
    s->log().Add(RecordKind::kErase, EraseRecord{"things", "a"});
    ASSERT_TRUE(s->Flush().ok());
    Put(*s, "lost", "never flushed");  // a crash before the flush
  }
  auto s = Open();
  EXPECT_EQ(s->image().Space("things"),
            (std::map<std::string, std::string>{{"b", "2"}}));
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(StoreTest, ATornTailIsCutOffWithAWarningAndAppendsGoOn) {
  {
    auto s = Open();
    Put(*s, "a", "1");
    ASSERT_TRUE(s->Flush().ok());
    Put(*s, "b", "2");
    ASSERT_TRUE(s->Flush().ok());
  }
  std::string data = ReadFile(LogPath(0));
  WriteFile(LogPath(0), data.substr(0, data.size() - 3));
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->image().Space("things").size(), 1u);
    ASSERT_EQ(warnings_.size(), 1u);
    EXPECT_NE(warnings_[0].find("log-0: a torn record"), std::string::npos)
        << warnings_[0];
    EXPECT_NE(warnings_[0].find("cutting off"), std::string::npos);
    Put(*s, "c", "3");
    ASSERT_TRUE(s->Flush().ok());
  }
  warnings_.clear();
  auto s = Open();
  EXPECT_EQ(s->image().Space("things"),
            (std::map<std::string, std::string>{{"a", "1"}, {"c", "3"}}));
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(StoreTest, AFlippedByteIsCutOffWithAWarning) {
  {
    auto s = Open();
    Put(*s, "a", "1");
    ASSERT_TRUE(s->Flush().ok());
    Put(*s, "b", "2");
    Put(*s, "c", "3");
    ASSERT_TRUE(s->Flush().ok());
  }
  std::string data = ReadFile(LogPath(0));
  data[data.size() - 2] ^= 1;  // inside the third record's payload
  WriteFile(LogPath(0), data);
  auto s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->image().Space("things").contains("a"));
  EXPECT_TRUE(s->image().Space("things").contains("b"));
  EXPECT_FALSE(s->image().Space("things").contains("c"));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("checksum"), std::string::npos) << warnings_[0];
}

TEST_F(StoreTest, CompactionKeepsTheStateAndStartsAFreshLog) {
  std::map<std::string, std::string> live;
  {
    auto s = Open(/*compact_bytes=*/1024);
    for (int i = 0; i < 200; ++i) {
      std::string key = std::to_string(i % 10);
      Put(*s, key, std::to_string(i));
      live[key] = std::to_string(i);
    }
    ASSERT_TRUE(s->Flush().ok());
    ASSERT_TRUE(s->ShouldCompact());
    const LogWriter* before = &s->log();
    ASSERT_TRUE(s->Compact([&](LogWriter& out) {
                   for (const auto& [k, v] : live) {
                     out.Add(RecordKind::kPut, PutRecord{"things", k, v});
                   }
                 }).ok());
    EXPECT_EQ(s->generation(), 1u);
    EXPECT_EQ(&s->log(), before);  // the services' writer stays valid
    EXPECT_FALSE(std::filesystem::exists(LogPath(0)));
    EXPECT_FALSE(s->ShouldCompact());
    Put(*s, "after", "x");
    live["after"] = "x";
    ASSERT_TRUE(s->Flush().ok());
  }
  auto s = Open();
  EXPECT_EQ(s->generation(), 1u);
  EXPECT_EQ(s->image().Space("things"), live);
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(StoreTest, LeftoversOfAnInterruptedCompactionAreRemoved) {
  {
    auto s = Open();
    Put(*s, "a", "1");
    ASSERT_TRUE(s->Flush().ok());
  }
  // Killed while writing the next snapshot, and a stray later log.
  WriteFile(dir_ + "/state/snapshot.tmp", "half a snapshot");
  WriteFile(LogPath(5), "stray");
  auto s = Open();
  EXPECT_EQ(s->image().Space("things").size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state/snapshot.tmp"));
  EXPECT_FALSE(std::filesystem::exists(LogPath(5)));
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(StoreTest, AFolderThatCannotBeCreatedIsAnError) {
  WriteFile(dir_ + "/file", "x");
  auto s = Store::Open(dir_ + "/file");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find(dir_ + "/file/state"), std::string::npos)
      << s.status().message();
}

}  // namespace
}  // namespace fanlab::persist
