// CodePackageStore on zips built here with libzip: a valid package (nested
// folders, an executable bootstrap), the same zip shared, and every
// refusal with Lambda's error and nothing left behind: corrupt bytes, the
// zipped and unzipped limits (both sides of each), a zip bomb whose
// headers lie, zip-slip names, symbolic links out of the folder, too many
// entries.
#include "emulator/compute/code_package.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/base64.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/digest.h"

namespace fanlab::compute {
namespace {

namespace fs = std::filesystem;

struct ZipEntry {
  std::string name;
  std::string data;
  uint32_t mode = S_IFREG | 0644;  // Unix st_mode
  bool store = false;              // no compression
};

ZipEntry Dir(std::string name) { return {std::move(name), "", S_IFDIR | 0755}; }
ZipEntry Link(std::string name, std::string target) {
  return {std::move(name), std::move(target), S_IFLNK | 0777};
}

// A zip of `entries`, in memory, made by libzip.
std::string MakeZip(const std::vector<ZipEntry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
  EXPECT_NE(out, nullptr);
  zip_t* za = zip_open_from_source(out, ZIP_TRUNCATE, &error);
  EXPECT_NE(za, nullptr) << zip_error_strerror(&error);
  zip_source_keep(out);
  for (const auto& e : entries) {
    zip_int64_t index;
    if (S_ISDIR(e.mode)) {
      index = zip_dir_add(za, e.name.c_str(), ZIP_FL_ENC_UTF_8);
    } else {
      zip_source_t* data =
          zip_source_buffer(za, e.data.data(), e.data.size(), 0);
      index = zip_file_add(za, e.name.c_str(), data,
                           ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
      if (e.store) zip_set_file_compression(za, index, ZIP_CM_STORE, 0);
    }
    EXPECT_GE(index, 0) << e.name << ": " << zip_strerror(za);
    zip_file_set_external_attributes(za, index, 0, ZIP_OPSYS_UNIX,
                                     e.mode << 16);
  }
  EXPECT_EQ(zip_close(za), 0);
  zip_stat_t st;
  zip_source_stat(out, &st);
  std::string bytes(st.size, '\0');
  zip_source_open(out);
  EXPECT_EQ(zip_source_read(out, bytes.data(), bytes.size()),
            static_cast<zip_int64_t>(bytes.size()));
  zip_source_close(out);
  zip_source_free(out);
  zip_error_fini(&error);
  return bytes;
}

uint32_t Read32(const std::string& s, size_t at) {
  uint32_t v;
  std::memcpy(&v, s.data() + at, 4);
  return v;  // little-endian host
}
void Write32(std::string& s, size_t at, uint32_t v) {
  std::memcpy(s.data() + at, &v, 4);
}

// Rewrites every header's uncompressed size (local headers and central
// directory) to `declared`, the way a zip bomb lies.
std::string Lie(std::string zip, uint32_t declared) {
  for (size_t at = 0; at + 46 <= zip.size(); ++at) {
    uint32_t sig = Read32(zip, at);
    if (sig == 0x04034b50) Write32(zip, at + 22, declared);  // local header
    if (sig == 0x02014b50) Write32(zip, at + 24, declared);  // central dir
  }
  return zip;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

mode_t ModeOf(const fs::path& p) {
  struct stat st;
  EXPECT_EQ(lstat(p.c_str(), &st), 0) << p;
  return st.st_mode;
}

class CodePackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fanlab-code-XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    base_ = pattern;
    root_ = base_ / "code";
  }
  void TearDown() override { fs::remove_all(base_); }

  Result<CodePackage> Unpack(const std::string& zip,
                             CodePackageOptions options = {}) {
    return CodePackageStore(root_.string(), options).Unpack(zip);
  }

  // A refusal with InvalidParameterValueException "Could not unzip ..."
  // whose reason contains `reason`, leaving nothing under the root.
  void ExpectRefused(const std::string& zip, const std::string& reason,
                     CodePackageOptions options = {}) {
    auto r = Unpack(zip, options);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), lambda::kInvalidParameterValueException);
    EXPECT_TRUE(r.status().message().starts_with(kCouldNotUnzip))
        << r.status().message();
    EXPECT_NE(r.status().message().find(reason), std::string::npos)
        << r.status().message();
    ExpectNothingLeft();
  }

  void ExpectNothingLeft() {
    if (!fs::exists(root_)) return;
    for (const auto& e : fs::directory_iterator(root_)) {
      ADD_FAILURE() << "left behind: " << e.path();
    }
    // Nothing escaped next to the root either.
    for (const auto& e : fs::directory_iterator(base_)) {
      EXPECT_EQ(e.path(), root_) << "written outside: " << e.path();
    }
  }

  fs::path base_, root_;
};

TEST_F(CodePackageTest, UnpacksNestedFoldersAndKeepsTheExecutableBit) {
  std::string zip = MakeZip({
      {"bootstrap", "#!/bin/sh\necho hi\n", S_IFREG | 0755},
      Dir("lib/"),
      {"lib/deep/er/util.py", "def f(): pass\n"},
      {"private.txt", "secret", S_IFREG | 0600},
      {"./dot/./file.txt", "x"},
      Dir("empty/"),
  });
  auto r = Unpack(zip);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->unpacked);
  Sha256Digest digest = Sha256(zip);
  EXPECT_EQ(r->code_sha256,
            Base64Encode(std::string_view(
                reinterpret_cast<const char*>(digest.data()), digest.size())));
  EXPECT_EQ(r->code_size, static_cast<int64_t>(zip.size()));
  fs::path dir = r->directory;
  EXPECT_TRUE(dir.is_absolute());
  EXPECT_EQ(dir, root_ / Sha256Hex(zip));

  EXPECT_EQ(ReadFile(dir / "bootstrap"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(ModeOf(dir / "bootstrap") & 07777, 0755u);
  EXPECT_EQ(ReadFile(dir / "lib/deep/er/util.py"), "def f(): pass\n");
  EXPECT_EQ(ModeOf(dir / "lib/deep/er/util.py") & 07777, 0644u);
  // Lambda makes every file readable.
  EXPECT_EQ(ModeOf(dir / "private.txt") & 07777, 0644u);
  EXPECT_EQ(ReadFile(dir / "dot/file.txt"), "x");
  EXPECT_TRUE(S_ISDIR(ModeOf(dir / "empty")));
  EXPECT_EQ(ModeOf(dir / "lib/deep") & 07777, 0755u);
  // Only the package's directory is under the root: no temporary left.
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root_)) ++n;
  EXPECT_EQ(n, 1u);
}

TEST_F(CodePackageTest, TheSameZipIsUnpackedOnceAndShared) {
  std::string zip = MakeZip({{"index.py", "x = 1\n"}});
  auto first = Unpack(zip);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->unpacked);
  // A file the first unpacking did not write survives the second call:
  // nothing was unpacked again.
  std::ofstream(fs::path(first->directory) / "marker") << "m";
  auto second = Unpack(zip);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->unpacked);
  EXPECT_EQ(second->directory, first->directory);
  EXPECT_EQ(second->code_sha256, first->code_sha256);
  EXPECT_EQ(second->code_size, first->code_size);
  EXPECT_TRUE(fs::exists(fs::path(first->directory) / "marker"));

  auto other = Unpack(MakeZip({{"index.py", "x = 2\n"}}));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->unpacked);
  EXPECT_NE(other->directory, first->directory);
}

TEST_F(CodePackageTest, RacingUnpackersShareOneWholeCopy) {
  std::vector<ZipEntry> entries;
  for (int i = 0; i < 50; ++i) {
    entries.push_back({"dir/f" + std::to_string(i), std::string(4096, 'a')});
  }
  const std::string zip = MakeZip(entries);
  CodePackageStore store(root_.string());
  std::vector<Result<CodePackage>> results(
      4, Status(common::kInternalError, "not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = store.Unpack(zip); });
  }
  for (auto& t : threads) t.join();
  int unpacked = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->directory, results[0]->directory);
    unpacked += r->unpacked ? 1 : 0;
  }
  EXPECT_EQ(unpacked, 1);
  EXPECT_EQ(ReadFile(fs::path(results[0]->directory) / "dir/f49"),
            std::string(4096, 'a'));
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root_)) ++n;
  EXPECT_EQ(n, 1u);  // the losers' copies are gone
}

TEST_F(CodePackageTest, RelativeRootsBecomeAbsolute) {
  CodePackageStore store("some/dir/");
  EXPECT_EQ(store.root(), (fs::current_path() / "some/dir").string());
}

TEST_F(CodePackageTest, CorruptBytesAreRefused) {
  ExpectRefused("this is not a zip file at all", "Not a zip archive");
  ExpectRefused("", "empty");
  std::string zip = MakeZip({{"a.txt", std::string(1000, 'a')}});
  ExpectRefused(zip.substr(0, zip.size() - 10), "");  // truncated
  // A damaged byte in a stored entry's data: caught by the CRC once the
  // file is partly written, which must then be removed.
  std::string stored =
      MakeZip({{"a.txt", std::string(1000, 'a'), S_IFREG | 0644, true}});
  size_t at = stored.find(std::string(100, 'a'));
  ASSERT_NE(at, std::string::npos);
  stored[at + 500] = 'b';
  ExpectRefused(stored, "CRC");
}

TEST_F(CodePackageTest, ZippedSizeLimitAppliesToDirectUploads) {
  std::string zip = MakeZip({{"a.txt", "hello"}});
  CodePackageOptions at_limit;
  at_limit.max_zipped_bytes = zip.size();
  EXPECT_TRUE(Unpack(zip, at_limit).ok());

  fs::remove_all(root_);
  CodePackageOptions below;
  below.max_zipped_bytes = zip.size() - 1;
  auto r = CodePackageStore(root_.string(), below)
               .Unpack(zip, CodeSource::kZipFile, "UpdateFunctionCode");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), lambda::kRequestEntityTooLargeException);
  uint64_t request_limit = (below.max_zipped_bytes * 4 + 2) / 3;
  EXPECT_EQ(r.status().message(), "Request must be smaller than " +
                                      std::to_string(request_limit) +
                                      " bytes for the UpdateFunctionCode "
                                      "operation");
  ExpectNothingLeft();
  // Lambda's own numbers: 50 MB zipped, 69905067 bytes of request.
  auto big = Unpack(std::string(52'428'801, 'x'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().ToString(),
            "RequestEntityTooLargeException: Request must be smaller than "
            "69905067 bytes for the CreateFunction operation");
  // A package read from S3 has no zipped limit.
  auto s3 = CodePackageStore(root_.string(), below)
                .Unpack(zip, CodeSource::kS3Object);
  EXPECT_TRUE(s3.ok()) << s3.status().ToString();
}

TEST_F(CodePackageTest, UnzippedSizeLimitHoldsOnBothSides) {
  std::string zip = MakeZip(
      {{"a.txt", std::string(600, 'a')}, {"b/c.txt", std::string(400, 'c')}});
  CodePackageOptions options;
  options.max_unzipped_bytes = 1000;
  EXPECT_TRUE(Unpack(zip, options).ok());
  fs::remove_all(root_);
  options.max_unzipped_bytes = 999;
  auto r = Unpack(zip, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "InvalidParameterValueException: Unzipped size must be smaller "
            "than 999 bytes");
  ExpectNothingLeft();
  EXPECT_EQ(CodePackageOptions{}.max_unzipped_bytes, 262'144'000u);
}

TEST_F(CodePackageTest, ZipBombsAreStoppedByTheBytesWrittenNotTheHeaders) {
  // 4 MB of zeros deflate to a few kilobytes; the headers then claim 10
  // bytes. The limit (64 KB) is passed while writing.
  std::string zip = Lie(MakeZip({{"bomb", std::string(4 << 20, '\0')}}), 10);
  CodePackageOptions options;
  options.max_unzipped_bytes = 64 << 10;
  auto r = Unpack(zip, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), lambda::kInvalidParameterValueException);
  EXPECT_EQ(r.status().message(),
            "Unzipped size must be smaller than 65536 bytes");
  ExpectNothingLeft();
}

TEST_F(CodePackageTest, ZipSlipNamesAreRefused) {
  ExpectRefused(MakeZip({{"../evil", "x"}}), "\"../evil\" has a \"..\"");
  ExpectRefused(MakeZip({{"ok.txt", "x"}, {"a/../../evil", "x"}}),
                "\"a/../../evil\"");
  ExpectRefused(MakeZip({{"a/..", "x"}}), "\"a/..\"");
  ExpectRefused(MakeZip({{"/etc/x", "x"}}), "\"/etc/x\" is an absolute path");
  EXPECT_FALSE(fs::exists(base_.parent_path() / "evil"));
}

TEST_F(CodePackageTest, SymbolicLinksInsideAreKept) {
  std::string zip = MakeZip({
      {"node_modules/tool/cli.js", "run()\n", S_IFREG | 0755},
      Link("node_modules/.bin/tool", "../tool/cli.js"),
      Link("here", "."),
      Link("dangling", "missing/file"),
  });
  auto r = Unpack(zip);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  fs::path dir = r->directory;
  EXPECT_TRUE(S_ISLNK(ModeOf(dir / "node_modules/.bin/tool")));
  EXPECT_EQ(ReadFile(dir / "node_modules/.bin/tool"), "run()\n");
  EXPECT_TRUE(S_ISLNK(ModeOf(dir / "dangling")));
}

TEST_F(CodePackageTest, SymbolicLinksOutAreRefused) {
  ExpectRefused(MakeZip({Link("out", "../../etc")}),
                "\"out\" -> \"../../etc\" points outside");
  ExpectRefused(MakeZip({Link("abs", "/etc/passwd")}),
                "\"abs\" points to the absolute path \"/etc/passwd\"");
  // Each link alone stays inside; through the first, the second leaves.
  ExpectRefused(MakeZip({Dir("d/"), Link("d/up", ".."), Link("x", "d/up/..")}),
                "\"x\" -> \"d/up/..\" points outside");
  // Writing through a link of the package.
  ExpectRefused(MakeZip({Dir("sub/"), Link("l", "sub"), {"l/file", "x"}}),
                "\"l/file\" lies inside the symbolic link \"l\"");
  ExpectRefused(MakeZip({Link("a", "b"), Link("b", "a")}), "loops");
}

TEST_F(CodePackageTest, EntryCountLimitHoldsOnBothSides) {
  std::vector<ZipEntry> entries;
  for (int i = 0; i < 4; ++i) entries.push_back({"f" + std::to_string(i), "x"});
  CodePackageOptions options;
  options.max_entries = 4;
  EXPECT_TRUE(Unpack(MakeZip(entries), options).ok());
  fs::remove_all(root_);
  options.max_entries = 3;
  ExpectRefused(MakeZip(entries), "the package has 4 entries; at most 3",
                options);
}

TEST_F(CodePackageTest, SpecialFilesAreRefused) {
  ExpectRefused(MakeZip({{"fifo", "", S_IFIFO | 0644}}),
                "neither a file, a directory nor a symbolic link");
}

}  // namespace
}  // namespace fanlab::compute
