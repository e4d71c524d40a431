// BucketService (emulator/services/bucket_service.h): every action and its
// errors, ListObjectsV2's paging checked against a brute-force listing,
// the events it publishes, a store that fails, and a restart over a data
// dir. On a VirtualClock; no sleeps.
#include "emulator/services/bucket_service.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "emulator/core/common_errors.h"
#include "emulator/core/digest.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Event {
  std::string kind, resource, key, detail;
  TimePoint at;
  bool operator==(const Event& o) const {
    return kind == o.kind && resource == o.resource && key == o.key &&
           detail == o.detail;
  }
};

class Recorder : public ServiceObserver {
 public:
  void OnServiceEvent(const ServiceEvent& e) override {
    EXPECT_EQ(e.service, "s3");
    events.push_back(Event{std::string(e.kind), std::string(e.resource),
                           std::string(e.key), std::string(e.detail), e.at});
  }
  std::vector<Event> events;
};

class BucketServiceTest : public ::testing::Test {
 protected:
  BucketServiceTest() { svc_.SetObserver(&recorder_); }

  void Create(std::string_view name) {
    auto r = svc_.CreateBucket(name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  ObjectInfo Put(std::string_view bucket, std::string_view key,
                 std::string_view body, std::string content_type = "") {
    PutObjectRequest req{.bucket = std::string(bucket),
                         .key = std::string(key),
                         .body = std::string(body),
                         .content_type = std::move(content_type)};
    auto r = svc_.PutObject(std::move(req));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ObjectInfo{};
  }
  GetObjectResult Get(std::string_view bucket, std::string_view key,
                      std::string range = "") {
    auto r = svc_.GetObject({std::string(bucket), std::string(key), range});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : GetObjectResult{};
  }
  ListObjectsV2Result List(ListObjectsV2Request req) {
    auto r = svc_.ListObjectsV2(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ListObjectsV2Result{};
  }
  static std::vector<std::string> Keys(const ListObjectsV2Result& r) {
    std::vector<std::string> out;
    for (const auto& o : r.contents) out.push_back(o.key);
    return out;
  }

  VirtualClock clock_;
  BucketService svc_{clock_};
  Recorder recorder_;
};

// --- Buckets ---------------------------------------------------------------

TEST_F(BucketServiceTest, CreateBucketRecordsTheClocksTimeToTheSecond) {
  clock_.Advance(milliseconds(1500));
  auto b = svc_.CreateBucket("my-bucket");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->name, "my-bucket");
  EXPECT_EQ(b->creation_date, VirtualClock::kDefaultStart + seconds(1));
  EXPECT_TRUE(svc_.BucketExists("my-bucket"));
  auto head = svc_.HeadBucket("my-bucket");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(*head, *b);
}

TEST_F(BucketServiceTest, CreateBucketTwiceInUsEast1AnswersTheBucket) {
  Create("dup");
  clock_.Advance(std::chrono::seconds(5));
  auto again = svc_.CreateBucket("dup");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->creation_date, VirtualClock::kDefaultStart);
}

TEST_F(BucketServiceTest, CreateBucketTwiceElsewhereIsBucketAlreadyOwnedByYou) {
  BucketService svc(clock_, {.region = "eu-west-1"});
  ASSERT_TRUE(svc.CreateBucket("dup").ok());
  auto again = svc.CreateBucket("dup");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), s3::kBucketAlreadyOwnedByYou);
  EXPECT_EQ(again.status().message(),
            "Your previous request to create the named bucket succeeded and "
            "you already own it.");
}

TEST_F(BucketServiceTest, CreateBucketRefusesInvalidNames) {
  for (std::string_view name : {"ab", "Upper", "a_b", "192.168.1.1", "x..y"}) {
    auto r = svc_.CreateBucket(name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().code(), s3::kInvalidBucketName);
    EXPECT_FALSE(svc_.BucketExists(name));
  }
  EXPECT_TRUE(recorder_.events.empty());
}

TEST_F(BucketServiceTest, DeleteBucketErrors) {
  Status missing = svc_.DeleteBucket("nope");
  EXPECT_EQ(missing.code(), s3::kNoSuchBucket);
  EXPECT_EQ(missing.message(), "The specified bucket does not exist");

  Create("full");
  Put("full", "k", "v");
  Status full = svc_.DeleteBucket("full");
  EXPECT_EQ(full.code(), s3::kBucketNotEmpty);
  EXPECT_EQ(full.message(), "The bucket you tried to delete is not empty");
  EXPECT_TRUE(svc_.BucketExists("full"));

  ASSERT_TRUE(svc_.DeleteObject("full", "k").ok());
  EXPECT_TRUE(svc_.DeleteBucket("full").ok());
  EXPECT_FALSE(svc_.BucketExists("full"));
  EXPECT_EQ(svc_.HeadBucket("full").status().code(), s3::kNoSuchBucket);
  // The name is free again.
  Create("full");
}

TEST_F(BucketServiceTest, ListBucketsInNameOrderWithPrefixAndPages) {
  for (auto name : {"gamma", "alpha", "beta", "alpha-2", "delta"}) {
    Create(name);
  }
  auto all = svc_.ListBuckets();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const auto& b : all->buckets) names.push_back(b.name);
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "alpha-2", "beta",
                                             "delta", "gamma"}));
  EXPECT_TRUE(all->continuation_token.empty());

  auto alphas = svc_.ListBuckets({.prefix = "alpha"});
  ASSERT_TRUE(alphas.ok());
  EXPECT_EQ(alphas->buckets.size(), 2u);

  // Two at a time: 2 + 2 + 1.
  std::vector<std::string> paged;
  std::string token;
  int pages = 0;
  do {
    auto page =
        svc_.ListBuckets({.max_buckets = 2, .continuation_token = token});
    ASSERT_TRUE(page.ok());
    EXPECT_LE(page->buckets.size(), 2u);
    for (const auto& b : page->buckets) paged.push_back(b.name);
    token = page->continuation_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(paged, names);
  EXPECT_EQ(pages, 3);
}

TEST_F(BucketServiceTest, ListBucketsErrors) {
  for (int64_t bad : {0, -1, 10001}) {
    EXPECT_EQ(svc_.ListBuckets({.max_buckets = bad}).status().code(),
              s3::kInvalidArgument);
  }
  EXPECT_EQ(
      svc_.ListBuckets({.continuation_token = "not-a-token"}).status().code(),
      s3::kInvalidArgument);
}

// --- Objects ---------------------------------------------------------------

TEST_F(BucketServiceTest, PutObjectComputesMd5ETagAndDefaults) {
  Create("bkt");
  clock_.Advance(seconds(7));
  ObjectInfo info = Put("bkt", "greeting", "hello");
  EXPECT_EQ(info.key, "greeting");
  EXPECT_EQ(info.meta.etag, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(info.meta.size, 5u);
  EXPECT_EQ(info.meta.content_type, "binary/octet-stream");
  EXPECT_EQ(info.meta.last_modified, VirtualClock::kDefaultStart + seconds(7));

  GetObjectResult got = Get("bkt", "greeting");
  EXPECT_EQ(got.body, "hello");
  EXPECT_EQ(got.content_length, 5u);
  EXPECT_EQ(got.range, std::nullopt);
  EXPECT_EQ(got.meta, info.meta);
}

TEST_F(BucketServiceTest, PutObjectKeepsHeadersAndLowerCasesMetadataNames) {
  Create("bkt");
  auto r = svc_.PutObject({.bucket = "bkt",
                           .key = "doc.json",
                           .body = "{}",
                           .content_type = "application/json",
                           .cache_control = "max-age=60",
                           .content_disposition = "inline",
                           .content_encoding = "gzip",
                           .content_language = "fr",
                           .metadata = {{"Run-Id", "r1"}, {"stage", "2"}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto head = svc_.HeadObject({"bkt", "doc.json"});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->content_length, 2u);
  EXPECT_EQ(head->meta.content_type, "application/json");
  EXPECT_EQ(head->meta.cache_control, "max-age=60");
  EXPECT_EQ(head->meta.content_disposition, "inline");
  EXPECT_EQ(head->meta.content_encoding, "gzip");
  EXPECT_EQ(head->meta.content_language, "fr");
  EXPECT_EQ(head->meta.metadata, (std::map<std::string, std::string>{
                                     {"run-id", "r1"}, {"stage", "2"}}));
}

TEST_F(BucketServiceTest, PutObjectReplaces) {
  Create("bkt");
  Put("bkt", "k", "first", "text/plain");
  clock_.Advance(seconds(3));
  ObjectInfo second = Put("bkt", "k", "second!");
  GetObjectResult got = Get("bkt", "k");
  EXPECT_EQ(got.body, "second!");
  EXPECT_EQ(got.meta.content_type, "binary/octet-stream");
  EXPECT_EQ(got.meta.etag, Md5Hex("second!"));
  EXPECT_EQ(got.meta.last_modified, second.meta.last_modified);
  EXPECT_EQ(svc_.ObjectCount("bkt"), 1u);
}

TEST_F(BucketServiceTest, PutObjectErrors) {
  auto no_bucket = svc_.PutObject({.bucket = "nope", .key = "k"});
  EXPECT_EQ(no_bucket.status().code(), s3::kNoSuchBucket);

  Create("bkt");
  auto too_long =
      svc_.PutObject({.bucket = "bkt", .key = std::string(1025, 'k')});
  EXPECT_EQ(too_long.status().code(), s3::kKeyTooLongError);
  EXPECT_EQ(too_long.status().message(), "Your key is too long");
  EXPECT_EQ(svc_.PutObject({.bucket = "bkt", .key = ""}).status().code(),
            s3::kInvalidArgument);
  EXPECT_EQ(svc_.PutObject({.bucket = "bkt", .key = "\xc3"}).status().code(),
            s3::kInvalidArgument);
  EXPECT_TRUE(
      svc_.PutObject({.bucket = "bkt", .key = std::string(1024, 'k')}).ok());

  // User metadata: 2 KB of names and values in all.
  std::string name(24, 'n');
  auto at_limit = svc_.PutObject(
      {.bucket = "bkt",
       .key = "m",
       .metadata = {{name, std::string(2048 - name.size(), 'v')}}});
  EXPECT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  auto over = svc_.PutObject(
      {.bucket = "bkt",
       .key = "m2",
       .metadata = {{name, std::string(2049 - name.size(), 'v')}}});
  EXPECT_EQ(over.status().code(), s3::kMetadataTooLarge);
  EXPECT_EQ(over.status().message(),
            "Your metadata headers exceed the maximum allowed metadata size.");
  EXPECT_FALSE(
      svc_.PutObject(
              {.bucket = "bkt", .key = "m3", .metadata = {{"x", "\xff"}}})
          .ok());
  EXPECT_FALSE(
      svc_.PutObject({.bucket = "bkt", .key = "m4", .metadata = {{"", "v"}}})
          .ok());
  EXPECT_FALSE(
      svc_.PutObject({.bucket = "bkt", .key = "m5", .content_type = "\xff"})
          .ok());
  EXPECT_EQ(svc_.ObjectCount("bkt"), 2u);  // the 1024-byte key and "m"
}

TEST(BucketServiceLimitsTest, ObjectSizeLimitIsConfigurable) {
  VirtualClock clock;
  BucketService svc(clock, {.max_object_bytes = 10});
  ASSERT_TRUE(svc.CreateBucket("bkt").ok());
  EXPECT_TRUE(
      svc.PutObject({.bucket = "bkt", .key = "k", .body = std::string(10, 'x')})
          .ok());
  auto big = svc.PutObject(
      {.bucket = "bkt", .key = "k", .body = std::string(11, 'y')});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), s3::kEntityTooLarge);
  EXPECT_EQ(big.status().message(),
            "Your proposed upload exceeds the maximum allowed size");
  EXPECT_EQ(*svc.GetObjectBody("bkt", "k"), std::string(10, 'x'));
}

TEST_F(BucketServiceTest, GetObjectRanges) {
  Create("bkt");
  Put("bkt", "digits", "0123456789");
  GetObjectResult first = Get("bkt", "digits", "bytes=0-3");
  EXPECT_EQ(first.body, "0123");
  EXPECT_EQ(first.content_length, 4u);
  EXPECT_EQ(first.range, (ByteRange{0, 3}));
  EXPECT_EQ(first.meta.size, 10u);
  EXPECT_EQ(Get("bkt", "digits", "bytes=7-").body, "789");
  EXPECT_EQ(Get("bkt", "digits", "bytes=-2").body, "89");
  EXPECT_EQ(Get("bkt", "digits", "bytes=5-100").body, "56789");
  EXPECT_EQ(Get("bkt", "digits", "lines=1-2").body, "0123456789");

  auto past = svc_.GetObject({"bkt", "digits", "bytes=10-"});
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().message(), "The requested range is not satisfiable");

  auto head = svc_.HeadObject({"bkt", "digits", "bytes=2-4"});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->content_length, 3u);
  EXPECT_EQ(head->body, "");
}

TEST_F(BucketServiceTest, GetAndHeadErrors) {
  for (bool head : {false, true}) {
    auto call = [&](GetObjectRequest r) {
      return head ? svc_.HeadObject(r) : svc_.GetObject(r);
    };
    auto no_bucket = call({"nope", "k"});
    EXPECT_EQ(no_bucket.status().code(), s3::kNoSuchBucket);
    Create(head ? "bkt-head" : "bkt-get");
    auto no_key = call({head ? "bkt-head" : "bkt-get", "k"});
    EXPECT_EQ(no_key.status().code(), s3::kNoSuchKey);
    EXPECT_EQ(no_key.status().message(), "The specified key does not exist.");
    EXPECT_EQ(call({"bkt-get", std::string(1025, 'k')}).status().code(),
              s3::kKeyTooLongError);
  }
}

TEST_F(BucketServiceTest, EmptyObjects) {
  Create("bkt");
  ObjectInfo info = Put("bkt", "empty", "");
  EXPECT_EQ(info.meta.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Get("bkt", "empty").body, "");
  EXPECT_FALSE(svc_.GetObject({"bkt", "empty", "bytes=0-"}).ok());
  EXPECT_EQ(Get("bkt", "empty", "bytes=-1").range, std::nullopt);
}

TEST_F(BucketServiceTest, DeleteObject) {
  Create("bkt");
  Put("bkt", "k", "v");
  EXPECT_TRUE(svc_.DeleteObject("bkt", "k").ok());
  EXPECT_EQ(svc_.GetObject({"bkt", "k"}).status().code(), s3::kNoSuchKey);
  // A key that is not there: S3 answers 204 all the same.
  EXPECT_TRUE(svc_.DeleteObject("bkt", "k").ok());
  EXPECT_TRUE(svc_.DeleteObject("bkt", "never-was").ok());
  EXPECT_EQ(svc_.DeleteObject("nope", "k").code(), s3::kNoSuchBucket);
  EXPECT_EQ(svc_.DeleteObject("bkt", "").code(), s3::kInvalidArgument);
  EXPECT_EQ(svc_.ObjectCount("bkt"), 0u);
}

TEST_F(BucketServiceTest, DirectAccessForTheHarness) {
  Create("bkt");
  Put("bkt", "runs/1/a.json", "A");
  Put("bkt", "runs/1/b.json", "B");
  Put("bkt", "runs/2/a.json", "C");
  Put("bkt", "other", "D");
  EXPECT_EQ(*svc_.GetObjectBody("bkt", "runs/1/b.json"), "B");
  EXPECT_EQ(svc_.GetObjectBody("bkt", "x").status().code(), s3::kNoSuchKey);
  EXPECT_EQ(svc_.GetObjectBody("nope", "x").status().code(), s3::kNoSuchBucket);
  EXPECT_EQ(*svc_.ListKeys("bkt", "runs/1/"),
            (std::vector<std::string>{"runs/1/a.json", "runs/1/b.json"}));
  EXPECT_EQ(svc_.ListKeys("bkt")->size(), 4u);
  EXPECT_EQ(svc_.ListKeys("nope").status().code(), s3::kNoSuchBucket);
  EXPECT_EQ(svc_.ObjectCount("bkt"), 4u);
  EXPECT_EQ(svc_.ObjectCount("nope"), 0u);
}

// --- ListObjectsV2 -----------------------------------------------------------

TEST_F(BucketServiceTest, ListIsInUtf8ByteOrder) {
  Create("bkt");
  // By bytes: 'B' 0x42 < 'a' 0x61 < '~' 0x7E < DEL 0x7F < U+00E9 0xC3 0xA9
  // < U+1F600 0xF0...
  for (std::string key : {"\xf0\x9f\x98\x80", "caf\xc3\xa9", "~", "a", "B",
                          "\x7f", "\xc3\xa9", "a/b", "a0"}) {
    Put("bkt", key, "x");
  }
  EXPECT_EQ(Keys(List({.bucket = "bkt"})),
            (std::vector<std::string>{"B", "a", "a/b", "a0", "caf\xc3\xa9", "~",
                                      "\x7f", "\xc3\xa9", "\xf0\x9f\x98\x80"}));
}

TEST_F(BucketServiceTest, ListWithPrefixAndDelimiter) {
  Create("bkt");
  for (auto key :
       {"photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg",
        "photos/index.html", "readme", "videos/x.mp4"}) {
    Put("bkt", key, "x");
  }
  auto top = List({.bucket = "bkt", .delimiter = "/"});
  EXPECT_EQ(Keys(top), std::vector<std::string>{"readme"});
  EXPECT_EQ(top.common_prefixes,
            (std::vector<std::string>{"photos/", "videos/"}));
  EXPECT_EQ(top.key_count(), 3);
  EXPECT_FALSE(top.is_truncated);

  auto photos = List({.bucket = "bkt", .prefix = "photos/", .delimiter = "/"});
  EXPECT_EQ(Keys(photos), std::vector<std::string>{"photos/index.html"});
  EXPECT_EQ(photos.common_prefixes,
            (std::vector<std::string>{"photos/2024/", "photos/2025/"}));

  // A prefix that is not a "directory"; a delimiter of several characters.
  auto ph = List({.bucket = "bkt", .prefix = "photos/20"});
  EXPECT_EQ(Keys(ph).size(), 3u);
  auto multi = List({.bucket = "bkt", .delimiter = "/20"});
  EXPECT_EQ(multi.common_prefixes, std::vector<std::string>{"photos/20"});
  EXPECT_EQ(Keys(multi), (std::vector<std::string>{"photos/index.html",
                                                   "readme", "videos/x.mp4"}));

  auto none = List({.bucket = "bkt", .prefix = "zzz"});
  EXPECT_EQ(none.key_count(), 0);
  EXPECT_FALSE(none.is_truncated);
}

TEST_F(BucketServiceTest, ListStartAfter) {
  Create("bkt");
  for (auto key : {"a", "b", "c", "d/1", "d/2", "e"}) Put("bkt", key, "x");
  EXPECT_EQ(Keys(List({.bucket = "bkt", .start_after = "b"})),
            (std::vector<std::string>{"c", "d/1", "d/2", "e"}));
  // Need not be a key; before the prefix it changes nothing.
  EXPECT_EQ(Keys(List({.bucket = "bkt", .start_after = "bb"})).front(), "c");
  EXPECT_EQ(Keys(List({.bucket = "bkt", .prefix = "d/", .start_after = "a"})),
            (std::vector<std::string>{"d/1", "d/2"}));
  // Inside a rolled-up prefix: the rest of it still rolls up.
  auto rolled = List({.bucket = "bkt", .delimiter = "/", .start_after = "d/1"});
  EXPECT_EQ(rolled.common_prefixes, std::vector<std::string>{"d/"});
  EXPECT_EQ(Keys(rolled), std::vector<std::string>{"e"});
}

TEST_F(BucketServiceTest, ListMaxKeysLimits) {
  Create("bkt");
  for (int i = 0; i < 1005; ++i) {
    char key[16];
    std::snprintf(key, sizeof key, "k%05d", i);
    Put("bkt", key, "");
  }
  auto def = List({.bucket = "bkt"});
  EXPECT_EQ(def.max_keys, 1000);
  EXPECT_EQ(def.key_count(), 1000);
  EXPECT_TRUE(def.is_truncated);
  EXPECT_FALSE(def.next_continuation_token.empty());

  auto capped = List({.bucket = "bkt", .max_keys = 5000});
  EXPECT_EQ(capped.max_keys, 1000);
  EXPECT_EQ(capped.key_count(), 1000);

  auto rest = List(
      {.bucket = "bkt", .continuation_token = def.next_continuation_token});
  EXPECT_EQ(Keys(rest).front(), "k01000");
  EXPECT_EQ(rest.key_count(), 5);
  EXPECT_FALSE(rest.is_truncated);
  EXPECT_TRUE(rest.next_continuation_token.empty());

  auto zero = List({.bucket = "bkt", .max_keys = 0});
  EXPECT_EQ(zero.key_count(), 0);
  EXPECT_FALSE(zero.is_truncated);
  EXPECT_TRUE(zero.next_continuation_token.empty());

  auto negative = svc_.ListObjectsV2({.bucket = "bkt", .max_keys = -1});
  EXPECT_EQ(negative.status().code(), s3::kInvalidArgument);
}

TEST_F(BucketServiceTest, ListNotTruncatedWhenTheRestRollsIntoTheLastPrefix) {
  Create("bkt");
  for (auto key :
       {"asdf", "boo/bar", "boo/baz/xyzzy", "cquux/bla", "cquux/thud"}) {
    Put("bkt", key, "x");
  }
  auto page = List({.bucket = "bkt",
                    .delimiter = "/",
                    .max_keys = 1,
                    .start_after = "boo/"});
  EXPECT_EQ(page.common_prefixes, std::vector<std::string>{"boo/"});
  EXPECT_TRUE(page.is_truncated);  // "cquux/" follows
  auto last = List({.bucket = "bkt",
                    .delimiter = "/",
                    .max_keys = 1,
                    .continuation_token = page.next_continuation_token});
  EXPECT_EQ(last.common_prefixes, std::vector<std::string>{"cquux/"});
  EXPECT_FALSE(last.is_truncated);  // only keys under "cquux/" remain
}

TEST_F(BucketServiceTest, ContinuationTokensAreStableAndChecked) {
  Create("bkt");
  for (auto key : {"a", "b", "c"}) Put("bkt", key, "x");
  auto one = List({.bucket = "bkt", .max_keys = 1});
  auto two = List({.bucket = "bkt", .max_keys = 1});
  EXPECT_EQ(one.next_continuation_token, two.next_continuation_token);
  // The token wins over StartAfter.
  auto next = List({.bucket = "bkt",
                    .max_keys = 1,
                    .start_after = "b",
                    .continuation_token = one.next_continuation_token});
  EXPECT_EQ(Keys(next), std::vector<std::string>{"b"});

  for (std::string bad : {"garbage", "Zm9v", "!!!!"}) {
    auto r = svc_.ListObjectsV2({.bucket = "bkt", .continuation_token = bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), s3::kInvalidArgument);
    EXPECT_EQ(r.status().message(),
              "The continuation token provided is incorrect");
  }
  // A ListBuckets token is not a listing's.
  Create("bkt2");
  auto buckets = svc_.ListBuckets({.max_buckets = 1});
  ASSERT_TRUE(buckets.ok());
  EXPECT_FALSE(
      svc_.ListObjectsV2({.bucket = "bkt",
                          .continuation_token = buckets->continuation_token})
          .ok());
  EXPECT_EQ(svc_.ListObjectsV2({.bucket = "nope"}).status().code(),
            s3::kNoSuchBucket);
}

// Brute force: every entry (key or common prefix) of a full listing.
std::vector<std::string> Reference(const std::set<std::string>& keys,
                                   const std::string& prefix,
                                   const std::string& delimiter) {
  std::vector<std::string> out;
  for (const std::string& key : keys) {
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    size_t at = delimiter.empty() ? std::string::npos
                                  : key.find(delimiter, prefix.size());
    std::string entry = at == std::string::npos
                            ? "K:" + key
                            : "P:" + key.substr(0, at + delimiter.size());
    if (out.empty() || out.back() != entry) out.push_back(entry);
  }
  return out;
}

TEST_F(BucketServiceTest, PagingMatchesABruteForceListing) {
  Create("bkt");
  std::mt19937 rng(42);
  const std::string alphabet = "ab/-\xc3\xa9";
  std::set<std::string> keys;
  while (keys.size() < 300) {
    std::string key;
    int len = 1 + static_cast<int>(rng() % 7);
    for (int i = 0; i < len; ++i) key += alphabet[rng() % alphabet.size()];
    if (!IsValidUtf8(key)) continue;
    keys.insert(key);
    Put("bkt", key, "");
  }
  for (std::string prefix : {"", "a", "a/", "b-", "/"}) {
    for (std::string delimiter : {"", "/", "-", "b/"}) {
      std::vector<std::string> want = Reference(keys, prefix, delimiter);
      for (int64_t max : {1, 2, 3, 7, 1000}) {
        std::vector<std::string> got;
        std::string token;
        int pages = 0;
        while (true) {
          auto page = List({.bucket = "bkt",
                            .prefix = prefix,
                            .delimiter = delimiter,
                            .max_keys = max,
                            .continuation_token = token});
          ASSERT_LE(page.key_count(), max);
          // Keys and prefixes interleave in order within a page.
          std::vector<std::string> entries;
          for (const auto& o : page.contents) entries.push_back("K:" + o.key);
          for (const auto& p : page.common_prefixes)
            entries.push_back("P:" + p);
          std::sort(entries.begin(), entries.end(),
                    [](const std::string& a, const std::string& b) {
                      return a.substr(2) < b.substr(2);
                    });
          got.insert(got.end(), entries.begin(), entries.end());
          ++pages;
          ASSERT_LT(pages, 400);
          if (!page.is_truncated) break;
          ASSERT_EQ(page.key_count(), max);
          token = page.next_continuation_token;
        }
        EXPECT_EQ(got, want) << "prefix '" << prefix << "' delimiter '"
                             << delimiter << "' max " << max;
      }
    }
  }
}

// --- Events ----------------------------------------------------------------

TEST_F(BucketServiceTest, PublishesEveryChangeAndNothingElse) {
  Create("bkt");
  clock_.Advance(seconds(2));
  Put("bkt", "k", "hello", "text/plain");
  EXPECT_TRUE(svc_.GetObject({"bkt", "k"}).ok());
  EXPECT_TRUE(svc_.DeleteObject("bkt", "missing").ok());
  EXPECT_TRUE(svc_.DeleteObject("bkt", "k").ok());
  EXPECT_TRUE(svc_.DeleteBucket("bkt").ok());
  EXPECT_FALSE(svc_.DeleteBucket("bkt").ok());
  std::string etag = "\\\"5d41402abc4b2a76b9719d911017c592\\\"";
  std::vector<Event> want = {
      {"BucketCreated", "bkt", "",
       R"({"creationDate":"2026-01-01T00:00:00.000Z"})"},
      {"ObjectPut", "bkt", "k",
       R"({"size":5,"etag":")" + etag + R"(","contentType":"text/plain"})"},
      {"ObjectDeleted", "bkt", "k", R"({"size":5,"etag":")" + etag + R"("})"},
      {"BucketDeleted", "bkt", "", ""},
  };
  EXPECT_EQ(recorder_.events, want);
  ASSERT_EQ(recorder_.events.size(), 4u);
  EXPECT_EQ(recorder_.events[1].at, VirtualClock::kDefaultStart + seconds(2));

  svc_.SetObserver(nullptr);
  Create("quiet");
  EXPECT_EQ(recorder_.events.size(), 4u);
}

// --- A store that fails ----------------------------------------------------

// The memory store, with each write failing while `fail` is set.
class FlakyStore : public ObjectStore {
 public:
  explicit FlakyStore(bool* fail) : fail_(fail) {}
  Result<std::vector<StoredBucket>> Load() override { return inner_.Load(); }
  Status CreateBucket(const BucketMeta& b) override {
    return *fail_ ? Broken() : inner_.CreateBucket(b);
  }
  Status DeleteBucket(std::string_view b) override {
    return *fail_ ? Broken() : inner_.DeleteBucket(b);
  }
  Status PutObject(std::string_view b, std::string_view k, const ObjectMeta& m,
                   std::string body) override {
    return *fail_ ? Broken() : inner_.PutObject(b, k, m, std::move(body));
  }
  Result<std::string> ReadObject(std::string_view b, std::string_view k,
                                 uint64_t offset,
                                 uint64_t length) const override {
    if (*fail_) return Broken();
    return inner_.ReadObject(b, k, offset, length);
  }
  Status DeleteObject(std::string_view b, std::string_view k) override {
    return *fail_ ? Broken() : inner_.DeleteObject(b, k);
  }
  Status CreateUpload(std::string_view b, const UploadMeta& u) override {
    return *fail_ ? Broken() : inner_.CreateUpload(b, u);
  }
  Status PutPart(std::string_view b, std::string_view id, const PartMeta& p,
                 std::string body) override {
    return *fail_ ? Broken() : inner_.PutPart(b, id, p, std::move(body));
  }
  Result<std::string> ReadPart(std::string_view b, std::string_view id,
                               int n) const override {
    if (*fail_) return Broken();
    return inner_.ReadPart(b, id, n);
  }
  Status DeleteUpload(std::string_view b, std::string_view id) override {
    return *fail_ ? Broken() : inner_.DeleteUpload(b, id);
  }

 private:
  static Status Broken() {
    return Status(common::kInternalError, "disk on fire");
  }
  bool* fail_;
  MemoryObjectStore inner_;
};

TEST(BucketServiceStoreFailureTest, AFailedWriteChangesNothing) {
  VirtualClock clock;
  bool fail = false;
  auto opened =
      BucketService::Open(clock, {}, std::make_unique<FlakyStore>(&fail));
  ASSERT_TRUE(opened.ok());
  BucketService& svc = **opened;
  Recorder recorder;
  svc.SetObserver(&recorder);
  ASSERT_TRUE(svc.CreateBucket("bkt").ok());
  ASSERT_TRUE(svc.PutObject({.bucket = "bkt", .key = "k", .body = "old"}).ok());
  size_t events = recorder.events.size();

  fail = true;
  EXPECT_EQ(svc.CreateBucket("other").status().code(), common::kInternalError);
  EXPECT_EQ(svc.PutObject({.bucket = "bkt", .key = "k", .body = "new"})
                .status()
                .message(),
            "disk on fire");
  EXPECT_EQ(svc.DeleteObject("bkt", "k").code(), common::kInternalError);
  EXPECT_EQ(svc.GetObject({"bkt", "k"}).status().code(),
            common::kInternalError);
  fail = false;

  EXPECT_FALSE(svc.BucketExists("other"));
  EXPECT_EQ(*svc.GetObjectBody("bkt", "k"), "old");
  EXPECT_EQ(recorder.events.size(), events);

  ASSERT_TRUE(svc.DeleteObject("bkt", "k").ok());
  fail = true;
  EXPECT_FALSE(svc.DeleteBucket("bkt").ok());
  fail = false;
  EXPECT_TRUE(svc.BucketExists("bkt"));
}

TEST(BucketServiceStoreFailureTest, AFailedMultipartStepChangesNothing) {
  VirtualClock clock;
  bool fail = false;
  auto opened =
      BucketService::Open(clock, {}, std::make_unique<FlakyStore>(&fail));
  ASSERT_TRUE(opened.ok());
  BucketService& svc = **opened;
  ASSERT_TRUE(svc.CreateBucket("bkt").ok());

  fail = true;
  EXPECT_EQ(
      svc.CreateMultipartUpload({.bucket = "bkt", .key = "k"}).status().code(),
      common::kInternalError);
  EXPECT_EQ(svc.OpenUploadCount(), 0u);
  fail = false;
  auto up = svc.CreateMultipartUpload({.bucket = "bkt", .key = "k"});
  ASSERT_TRUE(up.ok());
  UploadPartRequest part{.bucket = "bkt",
                         .key = "k",
                         .upload_id = up->upload_id,
                         .part_number = 1,
                         .body = "abc"};
  fail = true;
  EXPECT_FALSE(svc.UploadPart(part).ok());
  EXPECT_EQ(svc.UploadBytes(), 0u);
  fail = false;
  auto p = svc.UploadPart(part);
  ASSERT_TRUE(p.ok());
  fail = true;
  EXPECT_FALSE(svc.AbortMultipartUpload("bkt", "k", up->upload_id).ok());
  EXPECT_FALSE(svc.CompleteMultipartUpload({.bucket = "bkt",
                                            .key = "k",
                                            .upload_id = up->upload_id,
                                            .parts = {{1, p->etag, ""}}})
                   .ok());
  fail = false;
  EXPECT_EQ(svc.OpenUploadCount(), 1u);
  EXPECT_EQ(svc.UploadBytes(), 3u);
  EXPECT_EQ(svc.ObjectCount("bkt"), 0u);
  EXPECT_TRUE(svc.CompleteMultipartUpload({.bucket = "bkt",
                                           .key = "k",
                                           .upload_id = up->upload_id,
                                           .parts = {{1, p->etag, ""}}})
                  .ok());
  EXPECT_EQ(*svc.GetObjectBody("bkt", "k"), "abc");
}

// --- On disk -----------------------------------------------------------------

class BucketServiceDiskTest : public ::testing::Test {
 protected:
  BucketServiceDiskTest() {
    std::string tmpl = (fs::temp_directory_path() / "fanlab-bsvc-XXXXXX");
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  ~BucketServiceDiskTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::unique_ptr<BucketService> Open() {
    auto s = BucketService::Open(clock_, {.data_dir = dir_.string()});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  VirtualClock clock_;
  fs::path dir_;
};

TEST_F(BucketServiceDiskTest, ARestartKeepsBucketsObjectsAndMetadata) {
  {
    auto svc = Open();
    ASSERT_NE(svc, nullptr);
    ASSERT_TRUE(svc->CreateBucket("artifacts").ok());
    ASSERT_TRUE(svc->CreateBucket("empty-one").ok());
    clock_.Advance(seconds(30));
    ASSERT_TRUE(svc->PutObject({.bucket = "artifacts",
                                .key = "run1/job1.json",
                                .body = "{\"ok\":true}",
                                .content_type = "application/json",
                                .metadata = {{"Job", "1"}}})
                    .ok());
    ASSERT_TRUE(
        svc->PutObject({.bucket = "artifacts", .key = "../escape", .body = "e"})
            .ok());
    ASSERT_TRUE(
        svc->PutObject({.bucket = "artifacts", .key = "gone", .body = "g"})
            .ok());
    ASSERT_TRUE(svc->DeleteObject("artifacts", "gone").ok());
  }
  EXPECT_TRUE(fs::is_directory(dir_ / "s3" / "artifacts"));

  clock_.Advance(seconds(100));
  auto svc = Open();
  ASSERT_NE(svc, nullptr);
  auto buckets = svc->ListBuckets();
  ASSERT_TRUE(buckets.ok());
  ASSERT_EQ(buckets->buckets.size(), 2u);
  EXPECT_EQ(buckets->buckets[0].name, "artifacts");
  EXPECT_EQ(buckets->buckets[0].creation_date, VirtualClock::kDefaultStart);
  EXPECT_EQ(*svc->ListKeys("artifacts"),
            (std::vector<std::string>{"../escape", "run1/job1.json"}));
  auto got = svc->GetObject({"artifacts", "run1/job1.json"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->body, "{\"ok\":true}");
  EXPECT_EQ(got->meta.content_type, "application/json");
  EXPECT_EQ(got->meta.etag, Md5Hex("{\"ok\":true}"));
  EXPECT_EQ(got->meta.last_modified, VirtualClock::kDefaultStart + seconds(30));
  EXPECT_EQ(got->meta.metadata.at("job"), "1");
  auto part = svc->GetObject({"artifacts", "run1/job1.json", "bytes=1-4"});
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->body, "\"ok\"");

  // And it keeps working after the restart.
  ASSERT_TRUE(svc->DeleteBucket("empty-one").ok());
  EXPECT_FALSE(fs::exists(dir_ / "s3" / "empty-one"));
  EXPECT_EQ(svc->DeleteBucket("artifacts").code(), s3::kBucketNotEmpty);
}

TEST_F(BucketServiceDiskTest, OpenFailsOnAnUnusableDataDir) {
  std::ofstream(dir_ / "file") << "x";
  auto s = BucketService::Open(clock_, {.data_dir = (dir_ / "file").string()});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), common::kInternalError);
}

TEST_F(BucketServiceDiskTest, OpenWithoutADataDirIsInMemory) {
  auto s = BucketService::Open(clock_, {});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->CreateBucket("mem").ok());
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace fanlab::services
