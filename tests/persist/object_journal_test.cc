// The object journal: a diffed kind writes only what changed and what is
// gone; a reported kind writes what it is told, and owns a family of
// spaces; restore goes in registration order and skips (with a warning)
// what a kind refuses; a snapshot holds every kind.
#include "emulator/persist/object_journal.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "emulator/core/common_errors.h"
#include "emulator/persist/store.h"
#include "tests/persist/persist_fixture.h"

namespace fanlab::persist {
namespace {

using testing::TempDirTest;

class ObjectJournalTest : public TempDirTest {
 protected:
  // A diffed kind over `things_`, and a reported kind "rows/" whose
  // restore records what it was given.
  void Register(ObjectJournal& j) {
    j.Register(
        {.space = "things",
         .list =
             [this](const ObjectJournal::Emit& emit) {
               for (const auto& [k, v] : things_) emit("things", k, v);
             },
         .restore = [this](const std::string& space, const std::string& key,
                           std::string_view value) -> Status {
           restored_.push_back(space + ":" + key);
           if (value == "bad") {
             return Status(common::kInternalError, "refused");
           }
           things_[key] = std::string(value);
           return Status::Ok();
         }});
    j.Register(
        {.space = "rows/",
         .list =
             [this](const ObjectJournal::Emit& emit) {
               for (const auto& [k, v] : rows_) emit("rows/t", k, v);
             },
         .restore = [this](const std::string& space, const std::string& key,
                           std::string_view value) -> Status {
           restored_.push_back(space + ":" + key);
           rows_[key] = std::string(value);
           return Status::Ok();
         },
         .diffed = false});
  }
  std::unique_ptr<Store> Open() {
    auto store = Store::Open(
        dir_, {.compact_bytes = 1, .warn = [](const std::string&) {}});
    EXPECT_TRUE(store.ok());
    return store.ok() ? std::move(*store) : nullptr;
  }

  std::map<std::string, std::string> things_, rows_;
  std::vector<std::string> restored_;
  std::vector<std::string> warnings_;
};

TEST_F(ObjectJournalTest, ADiffedKindWritesOnlyWhatChangedAndWhatIsGone) {
  auto store = Open();
  ObjectJournal j(&store->log());
  auto kind = j.Register({.space = "things",
                          .list =
                              [this](const ObjectJournal::Emit& emit) {
                                for (const auto& [k, v] : things_) {
                                  emit("things", k, v);
                                }
                              },
                          .restore = nullptr});
  things_ = {{"a", "1"}, {"b", "2"}};
  j.Sync(kind);
  uint64_t after_two = store->log().size();
  j.Sync(kind);  // nothing changed: nothing written
  EXPECT_EQ(store->log().size(), after_two);
  things_["a"] = "10";
  things_.erase("b");
  j.Sync(kind);
  ASSERT_TRUE(store->Flush().ok());
  store.reset();

  store = Open();
  EXPECT_EQ(store->image().Space("things"),
            (std::map<std::string, std::string>{{"a", "10"}}));
}

TEST_F(ObjectJournalTest, RestoreGoesInOrderOverFamiliesAndSkipsARefusal) {
  {
    auto store = Open();
    ObjectJournal j(&store->log());
    j.Put("rows/t", "r1", "x");
    j.Put("rows/u", "r2", "y");
    j.Put("rows/gone", "r3", "z");
    j.EraseSpace("rows/gone");
    j.Erase("rows/u", "r2");
    store->log().Add(RecordKind::kPut, PutRecord{"things", "a", "1"});
    store->log().Add(RecordKind::kPut, PutRecord{"things", "b", "bad"});
    ASSERT_TRUE(store->Flush().ok());
  }
  auto store = Open();
  ObjectJournal j(&store->log());
  Register(j);
  j.Restore(store->image(),
            [this](const std::string& w) { warnings_.push_back(w); });
  EXPECT_EQ(restored_,
            (std::vector<std::string>{"things:a", "things:b", "rows/t:r1"}));
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "the stored things object b is skipped: refused");
  // What the restore re-created counts as written: no Sync rewrites it.
  uint64_t before = store->log().size();
  j.Sync(0);
  EXPECT_EQ(store->log().size(), before);
}

TEST_F(ObjectJournalTest, ASnapshotHoldsEveryKind) {
  auto store = Open();
  ObjectJournal j(&store->log());
  Register(j);
  things_ = {{"a", "1"}};
  rows_ = {{"r1", "x"}};
  j.Sync(0);
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_TRUE(store->Compact([&](LogWriter& out) { j.Dump(out); }).ok());
  store.reset();

  store = Open();
  EXPECT_EQ(store->image().Space("things").at("a"), "1");
  EXPECT_EQ(store->image().Space("rows/t").at("r1"), "x");
}

TEST_F(ObjectJournalTest, WithoutALogNothingIsWritten) {
  ObjectJournal j;
  Register(j);
  things_ = {{"a", "1"}};
  j.Sync(0);
  j.Put("rows/t", "r", "v");
  j.EraseSpace("rows/t");
  SUCCEED();
}

}  // namespace
}  // namespace fanlab::persist
