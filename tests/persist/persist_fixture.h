// A fresh folder per test for the persist tests (removed afterwards), and
// helpers to read and damage the files a store writes.
#ifndef FANLAB_TESTS_PERSIST_PERSIST_FIXTURE_H_
#define FANLAB_TESTS_PERSIST_PERSIST_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fanlab::persist::testing {

class TempDirTest : public ::testing::Test {
 protected:
  TempDirTest() {
    char pattern[] = "/tmp/fanlab-persist-XXXXXX";
    dir_ = ::mkdtemp(pattern);
  }
  ~TempDirTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void WriteFile(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
  }

  std::string dir_;
};

}  // namespace fanlab::persist::testing

#endif  // FANLAB_TESTS_PERSIST_PERSIST_FIXTURE_H_
