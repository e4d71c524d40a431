// The ObjectStore contract (emulator/services/object_store.h), run against
// both stores: the memory store and the disk store over a fresh temp dir.
#include "emulator/services/object_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "emulator/services/object_store_disk.h"

namespace fanlab::services {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// A fresh directory, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "fanlab-os-XXXXXX");
    char* made = ::mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

enum class Kind { kMemory, kDisk };
void PrintTo(Kind k, std::ostream* os) {
  *os << (k == Kind::kMemory ? "memory" : "disk");
}

class ObjectStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  ObjectStoreTest() {
    if (GetParam() == Kind::kMemory) {
      store_ = std::make_unique<MemoryObjectStore>();
    } else {
      auto disk = DiskObjectStore::Open((dir_.path() / "root").string());
      EXPECT_TRUE(disk.ok()) << disk.status().ToString();
      if (disk.ok()) store_ = std::move(disk).value();
    }
  }
  void SetUp() override {
    ASSERT_NE(store_, nullptr);
    ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kCreated}).ok());
  }

  static ObjectMeta Meta(std::string_view body) {
    ObjectMeta m;
    m.size = body.size();
    m.etag = "0123456789abcdef0123456789abcdef";
    m.last_modified = kCreated + seconds(1);
    m.content_type = "text/plain";
    return m;
  }

  std::string Read(std::string_view key, uint64_t offset, uint64_t length) {
    auto r = store_->ReadObject("bkt", key, offset, length);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "<error>";
  }

  static constexpr TimePoint kCreated = TimePoint(seconds(1767225600));
  TempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_P(ObjectStoreTest, PutThenReadWholeAndParts) {
  std::string body = "0123456789";
  ASSERT_TRUE(store_->PutObject("bkt", "k", Meta(body), body).ok());
  EXPECT_EQ(Read("k", 0, 10), body);
  EXPECT_EQ(Read("k", 3, 4), "3456");
  EXPECT_EQ(Read("k", 9, 1), "9");
  EXPECT_EQ(Read("k", 10, 0), "");
}

TEST_P(ObjectStoreTest, BinaryBodiesRoundTripExactly) {
  std::string body;
  for (int i = 0; i < 256; ++i) body.push_back(static_cast<char>(i));
  body += std::string("\n\r\n\0\0", 5);
  ASSERT_TRUE(store_->PutObject("bkt", "bin", Meta(body), body).ok());
  EXPECT_EQ(Read("bin", 0, body.size()), body);
}

TEST_P(ObjectStoreTest, PutReplacesAndDeleteRemoves) {
  ASSERT_TRUE(store_->PutObject("bkt", "k", Meta("old"), "old").ok());
  ASSERT_TRUE(store_->PutObject("bkt", "k", Meta("newer"), "newer").ok());
  EXPECT_EQ(Read("k", 0, 5), "newer");
  ASSERT_TRUE(store_->DeleteObject("bkt", "k").ok());
  EXPECT_FALSE(store_->ReadObject("bkt", "k", 0, 0).ok());
}

TEST_P(ObjectStoreTest, KeysThatLookLikePathsAreJustKeys) {
  const std::vector<std::string> keys = {"../../etc/passwd",
                                         "/abs",
                                         "a/../../b",
                                         "a/b",
                                         "a",
                                         std::string("n\0l", 3),
                                         std::string(1024, 'x')};
  for (const std::string& key : keys) {
    ASSERT_TRUE(store_->PutObject("bkt", key, Meta(key), key).ok()) << key;
  }
  for (const std::string& key : keys) {
    EXPECT_EQ(Read(key, 0, key.size()), key);
  }
}

TEST_P(ObjectStoreTest, ReadingPastTheEndFails) {
  ASSERT_TRUE(store_->PutObject("bkt", "k", Meta("abc"), "abc").ok());
  EXPECT_FALSE(store_->ReadObject("bkt", "k", 2, 5).ok());
  EXPECT_FALSE(store_->ReadObject("bkt", "nope", 0, 0).ok());
}

TEST_P(ObjectStoreTest, DeleteBucketOfAnEmptyBucket) {
  EXPECT_TRUE(store_->CreateBucket(BucketMeta{"other", kCreated}).ok());
  EXPECT_TRUE(store_->DeleteBucket("other").ok());
}

INSTANTIATE_TEST_SUITE_P(ObjectStore, ObjectStoreTest,
                         ::testing::Values(Kind::kMemory, Kind::kDisk),
                         [](const ::testing::TestParamInfo<Kind>& p) {
                           return p.param == Kind::kMemory ? "Memory" : "Disk";
                         });

TEST(ObjectStoreMemoryTest, LoadIsEmpty) {
  MemoryObjectStore store;
  ASSERT_TRUE(store.CreateBucket(BucketMeta{"bkt", TimePoint()}).ok());
  ASSERT_TRUE(store.PutObject("bkt", "k", ObjectMeta{.size = 1}, "x").ok());
  auto loaded = store.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->empty());
}

}  // namespace
}  // namespace fanlab::services
