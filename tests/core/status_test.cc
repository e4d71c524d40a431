#include "emulator/core/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanlab {
namespace {

// Two services' errors, declared as a service declares its own.
constexpr ErrorKind kMissing("one", "MissingThing", 404);
constexpr ErrorKind kRenamed("two", "RenamedThing", 400, "Legacy.Renamed");
constexpr ErrorKind kBroken("", "BrokenThing", 500, {},
                            /*caller_at_fault=*/false);

TEST(ErrorKindTest, QueryCodeDefaultsToTheName) {
  EXPECT_EQ(kMissing.query_code, "MissingThing");
  EXPECT_EQ(kRenamed.query_code, "Legacy.Renamed");
  EXPECT_EQ(kRenamed.name, "RenamedThing");
  EXPECT_EQ(kRenamed.service, "two");
}

TEST(ErrorCodeTest, ReadsItsKind) {
  ErrorCode code = kRenamed;
  EXPECT_FALSE(code.ok());
  EXPECT_EQ(code.kind(), &kRenamed);
  EXPECT_EQ(code.name(), "RenamedThing");
  EXPECT_EQ(code.query_code(), "Legacy.Renamed");
  EXPECT_EQ(code.http_status(), 400);
  EXPECT_TRUE(code.sender_fault());
  EXPECT_FALSE(ErrorCode(kBroken).sender_fault());
  EXPECT_EQ(ErrorName(kMissing), "MissingThing");
  EXPECT_EQ(WireCode(kRenamed), "Legacy.Renamed");
  EXPECT_FALSE(IsSenderFault(kBroken));
}

TEST(ErrorCodeTest, OkHasNoKind) {
  ErrorCode ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok, ErrorCode::kOk);
  EXPECT_EQ(ok.kind(), nullptr);
  EXPECT_EQ(ok.name(), "");
  EXPECT_EQ(ok.query_code(), "");
  EXPECT_EQ(ok.http_status(), 200);
  EXPECT_FALSE(ok.sender_fault());
}

TEST(ErrorCodeTest, EqualWhenTheSameKind) {
  // Same name, another service: another error.
  constexpr ErrorKind kAlsoMissing("two", "MissingThing", 400);
  EXPECT_EQ(ErrorCode(kMissing), kMissing);
  EXPECT_NE(ErrorCode(kMissing), kAlsoMissing);
  EXPECT_NE(ErrorCode(kMissing), ErrorCode::kOk);
  EXPECT_TRUE(Status(kMissing, "m").code() == kMissing);
}

TEST(ErrorCodeTest, PrintsServiceAndName) {
  std::ostringstream out;
  out << ErrorCode(kMissing) << " " << kBroken << " " << ErrorCode();
  EXPECT_EQ(out.str(), "one:MissingThing BrokenThing OK");
}

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.name(), "");
  EXPECT_EQ(s, Status::Ok());
}

TEST(StatusTest, CarriesCodeAndMessage) {
  Status s(kMissing, "The specified queue does not exist.");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), kMissing);
  EXPECT_EQ(s.message(), "The specified queue does not exist.");
  EXPECT_EQ(s.name(), "MissingThing");
}

TEST(StatusTest, ToStringIsNameColonMessage) {
  Status s(kMissing, "The specified queue does not exist.");
  EXPECT_EQ(s.ToString(), "MissingThing: The specified queue does not exist.");
  EXPECT_EQ(Status(kRenamed, "x").ToString(), "RenamedThing: x");
}

TEST(StatusTest, Equality) {
  Status a(kRenamed, "x");
  EXPECT_EQ(a, Status(kRenamed, "x"));
  EXPECT_NE(a, Status(kRenamed, "y"));
  EXPECT_NE(a, Status(kBroken, "x"));
  EXPECT_NE(a, Status::Ok());
}

Result<int> Half(int n) {
  if (n % 2 != 0) {
    return Status(kRenamed, "odd");
  }
  return n / 2;
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = Half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 4);
  EXPECT_EQ(*r, 4);
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.status(), Status::Ok());
}

TEST(ResultTest, HoldsStatus) {
  Result<int> r = Half(7);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.status().code(), kRenamed);
  EXPECT_EQ(r.status().message(), "odd");
}

TEST(ResultTest, ValueIsMutableAndArrowWorks) {
  Result<std::string> r = std::string("abc");
  EXPECT_EQ(r->size(), 3u);
  r.value() += "d";
  *r += "e";
  EXPECT_EQ(r.value(), "abcde");
  const Result<std::string>& cr = r;
  EXPECT_EQ(cr->size(), 5u);
  EXPECT_EQ(*cr, "abcde");
}

TEST(ResultTest, HoldsMoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(42);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 42);
}

TEST(ResultTest, VectorValue) {
  Result<std::vector<int>> r = std::vector<int>{1, 2, 3};
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3u);
  Result<std::vector<int>> e = Status(kRenamed, "full");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status(), Status(kRenamed, "full"));
}

}  // namespace
}  // namespace fanlab
