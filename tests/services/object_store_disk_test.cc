// DiskObjectStore (emulator/services/object_store_disk.h): keys that try
// to leave the root, atomic replacement, reloading a data dir, clearing
// what an interrupted write leaves, refusing a corrupt one. Each test runs
// in a fresh temp dir; the store's root is a subdirectory of it, so that
// anything written beside the root is caught.
#include "emulator/services/object_store_disk.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "emulator/core/common_errors.h"
#include "emulator/core/digest.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

constexpr TimePoint kT0 = TimePoint(seconds(1767225600));

class ObjectStoreDiskTest : public ::testing::Test {
 protected:
  ObjectStoreDiskTest() {
    std::string tmpl = (fs::temp_directory_path() / "fanlab-disk-XXXXXX");
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    root_ = dir_ / "root";
    // Something outside the root that no key may reach.
    fs::create_directories(dir_ / "outside");
    std::ofstream(dir_ / "outside" / "sentinel") << "untouched";
    store_ = Open();
  }
  void SetUp() override { ASSERT_NE(store_, nullptr); }
  ~ObjectStoreDiskTest() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<DiskObjectStore> Open() {
    auto s = DiskObjectStore::Open(root_.string());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static ObjectMeta Meta(std::string_view body) {
    ObjectMeta m;
    m.size = body.size();
    m.etag = Md5Hex(body);
    m.last_modified = kT0 + seconds(5);
    m.content_type = "application/json";
    return m;
  }

  void Put(std::string_view bucket, std::string_view key,
           std::string_view body) {
    Status s = store_->PutObject(bucket, key, Meta(body), std::string(body));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Every regular file under the temp dir, relative to it.
  std::vector<std::string> AllFiles() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.is_regular_file()) {
        out.push_back(fs::relative(e.path(), dir_).string());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string ReadFile(const fs::path& p) const {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
  }

  fs::path dir_;
  fs::path root_;
  std::unique_ptr<DiskObjectStore> store_;
};

// Keys that would escape the root if they were used as paths.
std::vector<std::string> HostileKeys() {
  std::string dots;
  while (dots.size() + 3 <= 1021) dots += "../";
  return {"../../etc/passwd",
          "/abs",
          "/etc/passwd",
          "a/../../b",
          "../outside/sentinel",
          "..",
          ".",
          "/",
          "//",
          "./",
          std::string("\0", 1),
          std::string("a\0/../../b", 10),
          "C:\\Windows\\system32",
          "bkt/../../x",
          "~/.ssh/id_rsa",
          dots + "etc",
          std::string(1024, '/'),
          std::string(1024, '.'),
          std::string(1024, 'k'),
          "caf\xc3\xa9/../\xf0\x9f\x98\x80"};
}

TEST_F(ObjectStoreDiskTest, HostileKeysNeverLeaveTheRoot) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  for (const std::string& key : HostileKeys()) Put("bkt", key, "body:" + key);

  // Every file is inside the root, under its bucket, named by a hash.
  std::set<std::string> expected = {"outside/sentinel", "root/bkt/bucket.json"};
  for (const std::string& key : HostileKeys()) {
    expected.insert("root/" + DiskObjectStore::ObjectPath("bkt", key));
  }
  std::vector<std::string> files = AllFiles();
  EXPECT_EQ(std::set<std::string>(files.begin(), files.end()), expected);
  EXPECT_EQ(files.size(), HostileKeys().size() + 2);
  EXPECT_EQ(ReadFile(dir_ / "outside" / "sentinel"), "untouched");

  // And each key reads back its own body.
  for (const std::string& key : HostileKeys()) {
    std::string body = "body:" + key;
    auto r = store_->ReadObject("bkt", key, 0, body.size());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, body);
  }
}

TEST_F(ObjectStoreDiskTest, ObjectPathIsTheKeysHashWhateverTheKey) {
  for (const std::string& key : HostileKeys()) {
    std::string path = DiskObjectStore::ObjectPath("bkt", key);
    std::string hash = Sha256Hex(key);
    EXPECT_EQ(path, "bkt/objects/" + hash.substr(0, 2) + "/" + hash + ".obj");
    fs::path p(path);
    for (const auto& part : p) {
      EXPECT_NE(part, "..");
      EXPECT_NE(part, ".");
    }
    EXPECT_FALSE(p.is_absolute());
  }
}

TEST_F(ObjectStoreDiskTest, UnsafeBucketNamesAreRefusedByTheStoreItself) {
  for (std::string bucket :
       std::vector<std::string>{"", ".", "..", "../x", "a/b", "/abs", "..a",
                                std::string("a\0b", 3), "UPPER", ".tmp-x"}) {
    EXPECT_EQ(store_->CreateBucket(BucketMeta{bucket, kT0}).code(),
              s3::kInvalidBucketName)
        << bucket;
    EXPECT_EQ(store_->PutObject(bucket, "k", Meta("x"), "x").code(),
              s3::kInvalidBucketName)
        << bucket;
    EXPECT_EQ(store_->DeleteBucket(bucket).code(), s3::kInvalidBucketName);
    EXPECT_FALSE(store_->ReadObject(bucket, "k", 0, 1).ok());
    EXPECT_FALSE(store_->DeleteObject(bucket, "k").ok());
  }
  EXPECT_EQ(AllFiles(), std::vector<std::string>{"outside/sentinel"});
}

TEST_F(ObjectStoreDiskTest, ReopeningLoadsBucketsAndObjectsExactly) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"alpha", kT0}).ok());
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"beta", kT0 + seconds(1)}).ok());
  ObjectMeta rich = Meta("{\"a\":1}");
  rich.cache_control = "no-cache";
  rich.content_disposition = "attachment; filename=\"a.json\"";
  rich.content_encoding = "identity";
  rich.content_language = "en";
  rich.metadata = {{"run", "r1"}, {"note", "line\nbreak \"quoted\""}};
  ASSERT_TRUE(
      store_->PutObject("alpha", "runs/r1.json", rich, "{\"a\":1}").ok());
  Put("alpha", "../../etc/passwd", "not really");
  Put("alpha", std::string("nul\0key", 7), "");

  store_ = Open();  // a restart
  ASSERT_NE(store_, nullptr);
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::sort(loaded->begin(), loaded->end(), [](const auto& a, const auto& b) {
    return a.meta.name < b.meta.name;
  });
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].meta, (BucketMeta{"alpha", kT0}));
  EXPECT_EQ((*loaded)[1].meta, (BucketMeta{"beta", kT0 + seconds(1)}));
  EXPECT_TRUE((*loaded)[1].objects.empty());
  std::map<std::string, ObjectMeta> objects;
  for (auto& o : (*loaded)[0].objects) objects[o.key] = o.meta;
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects["runs/r1.json"], rich);
  EXPECT_EQ(objects["../../etc/passwd"], Meta("not really"));
  EXPECT_EQ(objects[std::string("nul\0key", 7)], Meta(""));
  auto body = store_->ReadObject("alpha", "runs/r1.json", 0, 7);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "{\"a\":1}");
}

TEST_F(ObjectStoreDiskTest, ReplacingLeavesOneFileAndNoTemp) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  Put("bkt", "k", std::string(100000, 'a'));
  Put("bkt", "k", "short");
  EXPECT_EQ(AllFiles(),
            (std::vector<std::string>{
                "outside/sentinel", "root/bkt/bucket.json",
                "root/" + DiskObjectStore::ObjectPath("bkt", "k")}));
  auto r = store_->ReadObject("bkt", "k", 0, 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "short");
}

TEST_F(ObjectStoreDiskTest, DeleteRemovesFilesAndBucketDirectory) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  Put("bkt", "k", "x");
  ASSERT_TRUE(store_->DeleteObject("bkt", "k").ok());
  ASSERT_TRUE(store_->DeleteBucket("bkt").ok());
  EXPECT_EQ(AllFiles(), std::vector<std::string>{"outside/sentinel"});
  EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(ObjectStoreDiskTest, LoadClearsWhatInterruptedWritesLeft) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  Put("bkt", "k", "kept");
  // A put killed before its rename, a bucket killed mid-create and one
  // killed mid-delete.
  fs::path obj = root_ / DiskObjectStore::ObjectPath("bkt", "k");
  fs::path stale = obj;
  stale.replace_extension(".tmp");
  std::ofstream(stale) << "half a write";
  fs::create_directories(root_ / ".tmp-newbucket" / "objects");
  fs::create_directories(root_ / ".trash-oldbucket" / "objects");

  store_ = Open();
  ASSERT_NE(store_, nullptr);
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].objects.size(), 1u);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(root_ / ".tmp-newbucket"));
  EXPECT_FALSE(fs::exists(root_ / ".trash-oldbucket"));
  EXPECT_TRUE(fs::exists(obj));
}

TEST_F(ObjectStoreDiskTest, ForeignEntriesInTheRootAreIgnored) {
  std::ofstream(root_ / "README") << "not a bucket";
  fs::create_directories(root_ / "Not_A_Bucket");
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->empty());
  EXPECT_TRUE(fs::exists(root_ / "README"));
}

class ObjectStoreDiskCorruptTest : public ObjectStoreDiskTest {
 protected:
  // Damages the file of key "k" with `damage`, then expects Load() to fail
  // naming that file.
  template <typename F>
  void ExpectLoadFails(F damage) {
    ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
    Put("bkt", "k", "0123456789");
    fs::path file = root_ / DiskObjectStore::ObjectPath("bkt", "k");
    damage(file);
    auto reopened = Open();
    ASSERT_NE(reopened, nullptr);
    auto loaded = reopened->Load();
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.status().code(), common::kInternalError);
    EXPECT_NE(loaded.status().message().find("Corrupt"), std::string::npos)
        << loaded.status().message();
  }
};

TEST_F(ObjectStoreDiskCorruptTest, TruncatedBody) {
  ExpectLoadFails(
      [](const fs::path& f) { fs::resize_file(f, fs::file_size(f) - 1); });
}

TEST_F(ObjectStoreDiskCorruptTest, HeaderNotJson) {
  ExpectLoadFails([](const fs::path& f) { std::ofstream(f) << "garbage\n"; });
}

TEST_F(ObjectStoreDiskCorruptTest, NoHeaderLine) {
  ExpectLoadFails([](const fs::path& f) { std::ofstream(f) << "{}"; });
}

TEST_F(ObjectStoreDiskCorruptTest, FileMovedUnderAnotherKeysName) {
  ExpectLoadFails([](const fs::path& f) {
    fs::path other = f.parent_path().parent_path() /
                     DiskObjectStore::ObjectPath("bkt", "other")
                         .substr(std::string("bkt/objects/").size());
    fs::create_directories(other.parent_path());
    fs::rename(f, other);
  });
}

TEST_F(ObjectStoreDiskCorruptTest, BucketFileMissing) {
  ExpectLoadFails(
      [this](const fs::path&) { fs::remove(root_ / "bkt" / "bucket.json"); });
}

TEST_F(ObjectStoreDiskTest, OpenFailsWhereNoDirectoryCanBe) {
  std::ofstream(dir_ / "a-file") << "x";
  auto s = DiskObjectStore::Open((dir_ / "a-file").string());
  EXPECT_FALSE(s.ok());
  auto under = DiskObjectStore::Open((dir_ / "a-file" / "sub").string());
  EXPECT_FALSE(under.ok());
  EXPECT_FALSE(DiskObjectStore::Open("").ok());
}

// --- Multipart uploads ------------------------------------------------------

UploadMeta Upload(std::string id, std::string key) {
  UploadMeta u;
  u.upload_id = std::move(id);
  u.key = std::move(key);
  u.initiated = kT0 + seconds(1);
  u.object.content_type = "text/plain";
  u.object.metadata = {{"a", "b"}};
  u.object.expires = "Thu, 01 Jan 2037 00:00:00 GMT";
  u.checksum_algorithm = ChecksumAlgorithm::kCrc32c;
  u.checksum_type = ChecksumType::kFullObject;
  return u;
}

PartMeta Part(int number, std::string_view body) {
  return PartMeta{number, body.size(), Md5Hex(body), kT0 + seconds(2),
                  Checksum(ChecksumAlgorithm::kCrc32c, body)};
}

TEST_F(ObjectStoreDiskTest, UploadsAndPartsReloadExactly) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  UploadMeta u = Upload("abc123", "../../k");
  ASSERT_TRUE(store_->CreateUpload("bkt", u).ok());
  ASSERT_TRUE(store_->PutPart("bkt", "abc123", Part(1, "one"), "one").ok());
  ASSERT_TRUE(store_->PutPart("bkt", "abc123", Part(2, "x"), "x").ok());
  ASSERT_TRUE(store_->PutPart("bkt", "abc123", Part(2, "two"), "two").ok());
  ObjectMeta m = Meta("body");
  m.checksum = ObjectChecksum{ChecksumAlgorithm::kSha256, "c2hh-3",
                              ChecksumType::kComposite};
  m.expires = "soon";
  ASSERT_TRUE(store_->PutObject("bkt", "obj", m, "body").ok());

  store_ = Open();
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->size(), 1u);
  const StoredBucket& b = (*loaded)[0];
  ASSERT_EQ(b.objects.size(), 1u);
  EXPECT_EQ(b.objects[0].meta, m);
  ASSERT_EQ(b.uploads.size(), 1u);
  EXPECT_EQ(b.uploads[0].meta, u);
  std::vector<PartMeta> parts = b.uploads[0].parts;
  std::sort(parts.begin(), parts.end(),
            [](const PartMeta& x, const PartMeta& y) {
              return x.part_number < y.part_number;
            });
  EXPECT_EQ(parts, (std::vector<PartMeta>{Part(1, "one"), Part(2, "two")}));
  EXPECT_EQ(*store_->ReadPart("bkt", "abc123", 2), "two");

  ASSERT_TRUE(store_->DeleteUpload("bkt", "abc123").ok());
  EXPECT_FALSE(fs::exists(root_ / "bkt" / "uploads" / "abc123"));
  EXPECT_FALSE(store_->ReadPart("bkt", "abc123", 1).ok());
}

TEST_F(ObjectStoreDiskTest, HostileUploadIdsNeverNameAPath) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  for (const std::string& id : std::vector<std::string>{
           "..", "../../outside", "a/b", "", ".", "a.b", std::string(129, 'a'),
           std::string("a\0b", 3)}) {
    EXPECT_EQ(store_->CreateUpload("bkt", Upload(id, "k")).code(),
              s3::kNoSuchUpload)
        << id;
    EXPECT_EQ(store_->PutPart("bkt", id, Part(1, "x"), "x").code(),
              s3::kNoSuchUpload);
    EXPECT_EQ(store_->ReadPart("bkt", id, 1).status().code(),
              s3::kNoSuchUpload);
    EXPECT_EQ(store_->DeleteUpload("bkt", id).code(), s3::kNoSuchUpload);
  }
  EXPECT_TRUE(
      store_->CreateUpload("bkt", Upload(std::string(128, 'a'), "k")).ok());
  EXPECT_EQ(AllFiles().size(), 3u);  // sentinel, bucket.json, upload.json
}

TEST_F(ObjectStoreDiskTest, DeletingABucketRemovesItsUploads) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  ASSERT_TRUE(store_->CreateUpload("bkt", Upload("u1", "k")).ok());
  ASSERT_TRUE(store_->PutPart("bkt", "u1", Part(1, "p"), "p").ok());
  ASSERT_TRUE(store_->DeleteBucket("bkt").ok());
  EXPECT_EQ(AllFiles(), std::vector<std::string>{"outside/sentinel"});
}

TEST_F(ObjectStoreDiskTest, LoadClearsInterruptedUploadWrites) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  ASSERT_TRUE(store_->CreateUpload("bkt", Upload("u1", "k")).ok());
  fs::path uploads = root_ / "bkt" / "uploads";
  std::ofstream(uploads / "u1" / "3.tmp") << "half a part";
  fs::create_directories(uploads / ".tmp-u2");
  fs::create_directories(uploads / ".trash-u3");
  store_ = Open();
  auto loaded = store_->Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ((*loaded)[0].uploads.size(), 1u);
  EXPECT_FALSE(fs::exists(uploads / "u1" / "3.tmp"));
  EXPECT_FALSE(fs::exists(uploads / ".tmp-u2"));
  EXPECT_FALSE(fs::exists(uploads / ".trash-u3"));
}

class ObjectStoreDiskCorruptUploadTest : public ObjectStoreDiskTest {
 protected:
  template <typename F>
  void ExpectLoadFails(F damage, std::string_view names) {
    ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
    ASSERT_TRUE(store_->CreateUpload("bkt", Upload("u1", "k")).ok());
    ASSERT_TRUE(store_->PutPart("bkt", "u1", Part(1, "0123"), "0123").ok());
    damage(root_ / "bkt" / "uploads" / "u1");
    auto loaded = Open()->Load();
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.status().message().find("Corrupt"), std::string::npos);
    EXPECT_NE(loaded.status().message().find(names), std::string::npos)
        << loaded.status().message();
  }
};

TEST_F(ObjectStoreDiskCorruptUploadTest, TruncatedPart) {
  ExpectLoadFails([](const fs::path& d) { fs::resize_file(d / "1.part", 5); },
                  "1.part");
}

TEST_F(ObjectStoreDiskCorruptUploadTest, PartUnderAnotherNumber) {
  ExpectLoadFails(
      [](const fs::path& d) { fs::rename(d / "1.part", d / "2.part"); },
      "2.part");
}

TEST_F(ObjectStoreDiskCorruptUploadTest, UploadRecordNotJson) {
  ExpectLoadFails(
      [](const fs::path& d) { std::ofstream(d / "upload.json") << "{"; },
      "upload.json");
}

TEST_F(ObjectStoreDiskCorruptUploadTest, UploadUnderAnotherId) {
  ExpectLoadFails(
      [](const fs::path& d) { fs::rename(d, d.parent_path() / "u9"); },
      "upload.json");
}

// A bucket folder replaced by a symbolic link (to a folder outside the data
// dir that looks like a bucket) is refused at load, not followed.
TEST_F(ObjectStoreDiskTest, ASymlinkedBucketFolderIsRefusedAtLoad) {
  fs::create_directories(dir_ / "outside" / "evil" / "objects");
  std::ofstream(dir_ / "outside" / "evil" / "bucket.json")
      << R"({"Name":"evil","CreationDate":1})";
  fs::create_directory_symlink(dir_ / "outside" / "evil", root_ / "evil");
  auto loaded = store_->Load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("symbolic link"), std::string::npos)
      << loaded.status().message();
  EXPECT_NE(loaded.status().message().find((root_ / "evil").string()),
            std::string::npos);
}

// A link swapped in for a bucket folder, or a folder inside one, while the
// store runs: every write, read and removal through it is refused, and
// nothing lands outside the root.
TEST_F(ObjectStoreDiskTest, NothingIsWrittenThroughASymlinkInTheDataDir) {
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"bkt", kT0}).ok());
  Put("bkt", "k", "before");
  fs::create_directories(dir_ / "outside" / "objects");
  fs::rename(root_ / "bkt" / "objects", dir_ / "moved-objects");
  fs::create_directory_symlink(dir_ / "outside" / "objects",
                               root_ / "bkt" / "objects");
  Status put = store_->PutObject("bkt", "k2", Meta("x"), "x");
  EXPECT_FALSE(put.ok());
  EXPECT_NE(put.message().find("symbolic link"), std::string::npos)
      << put.message();
  EXPECT_FALSE(store_->ReadObject("bkt", "k", 0, 6).ok());
  EXPECT_FALSE(store_->DeleteObject("bkt", "k").ok());

  // The whole bucket folder a link: uploads and parts refused too.
  ASSERT_TRUE(store_->CreateBucket(BucketMeta{"b2", kT0}).ok());
  fs::remove_all(root_ / "b2");
  fs::create_directories(dir_ / "outside" / "b2");
  fs::create_directory_symlink(dir_ / "outside" / "b2", root_ / "b2");
  EXPECT_FALSE(store_->PutObject("b2", "k", Meta("x"), "x").ok());
  UploadMeta u;
  u.upload_id = "abc123";
  u.key = "k";
  u.initiated = kT0;
  EXPECT_FALSE(store_->CreateUpload("b2", u).ok());
  PartMeta part;
  part.part_number = 1;
  EXPECT_FALSE(store_->PutPart("b2", "abc123", part, "p").ok());

  // Outside the root: only what the test put there.
  std::vector<std::string> outside;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "outside")) {
    if (e.is_regular_file()) {
      outside.push_back(fs::relative(e.path(), dir_).string());
    }
  }
  EXPECT_EQ(outside, std::vector<std::string>{"outside/sentinel"});
}

}  // namespace
}  // namespace fanlab::services
