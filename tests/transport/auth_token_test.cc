// The auth token: its alphabet and length, and the token file `fanlab
// serve --auth-token-file` reads, or creates with a fresh token (0600).
#include "emulator/transport/auth_token.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fanlab::transport {
namespace {

namespace fs = std::filesystem;

class AuthTokenFileTest : public ::testing::Test {
 protected:
  AuthTokenFileTest() {
    dir_ = fs::path(::testing::TempDir()) /
           ("fanlab-token-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~AuthTokenFileTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string Write(const std::string& name, const std::string& text,
                    mode_t mode) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  fs::path dir_;
};

TEST(AuthTokenTest, AlphabetAndLength) {
  EXPECT_TRUE(ValidateAuthToken("abcdEFGH").ok());
  EXPECT_TRUE(ValidateAuthToken("a-b_c.d~e0123456789").ok());
  EXPECT_TRUE(ValidateAuthToken(std::string(128, 'x')).ok());
  EXPECT_FALSE(ValidateAuthToken("short").ok());
  EXPECT_FALSE(ValidateAuthToken(std::string(129, 'x')).ok());
  // '/' would split a SigV4 Credential; spaces and quotes are not tokens.
  Status slash = ValidateAuthToken("abcd/efgh");
  ASSERT_FALSE(slash.ok());
  EXPECT_NE(slash.message().find("character 5"), std::string::npos)
      << slash.message();
  EXPECT_EQ(slash.message().find("abcd"), std::string::npos)
      << "the message quotes the secret";
  EXPECT_FALSE(ValidateAuthToken("abcd efgh").ok());
  EXPECT_FALSE(ValidateAuthToken("abcd\"efgh").ok());
}

TEST(AuthTokenTest, GeneratedTokensAreValidAndDiffer) {
  auto a = GenerateAuthToken();
  auto b = GenerateAuthToken();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 40u);
  EXPECT_TRUE(ValidateAuthToken(*a).ok());
  EXPECT_NE(*a, *b);
}

TEST_F(AuthTokenFileTest, MissingFileGetsAFreshTokenInMode0600) {
  std::string path = (dir_ / "token").string();
  auto created = LoadOrCreateAuthTokenFile(path);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The next start reads the same token.
  auto read = LoadOrCreateAuthTokenFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_FALSE(read->created);
  EXPECT_EQ(read->token, created->token);
}

TEST_F(AuthTokenFileTest, ReadsTheFirstLine) {
  std::string path = Write("token", "my-token-1234\r\nignored\n", 0600);
  auto read = LoadOrCreateAuthTokenFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->token, "my-token-1234");
}

TEST_F(AuthTokenFileTest, RefusesAFileOthersCanRead) {
  std::string path = Write("token", "my-token-1234\n", 0644);
  auto read = LoadOrCreateAuthTokenFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("chmod 600"), std::string::npos)
      << read.status().message();
}

TEST_F(AuthTokenFileTest, RefusesAnInvalidToken) {
  std::string path = Write("token", "bad token\n", 0600);
  auto read = LoadOrCreateAuthTokenFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(path), std::string::npos);
}

TEST_F(AuthTokenFileTest, RefusesASymlink) {
  std::string target = Write("real", "my-token-1234\n", 0600);
  fs::create_symlink(target, dir_ / "link");
  EXPECT_FALSE(LoadOrCreateAuthTokenFile((dir_ / "link").string()).ok());
}

TEST_F(AuthTokenFileTest, MissingFolderIsAnError) {
  auto r = LoadOrCreateAuthTokenFile((dir_ / "no" / "token").string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("Cannot create"), std::string::npos);
}

}  // namespace
}  // namespace fanlab::transport
