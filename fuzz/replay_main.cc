// The fuzz targets as regression tests, built with the project's own
// compiler in the release and sanitizer presets (libFuzzer is clang's):
//
//   fanlab_fuzz_replay TARGET PATH...
//
// feeds every file under each PATH (a file, or a folder read recursively,
// in name order) to TARGET's entry point, the same LLVMFuzzerTestOneInput
// libFuzzer calls, and prints how many it fed. A crash, a sanitizer report
// or a broken invariant ends the process as it would end the fuzzer. A
// missing PATH is skipped (a target may have no regressions yet).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/replay_targets.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s TARGET PATH...\n", argv[0]);
    return 2;
  }
  std::string_view name = argv[1];
  const fanlab::fuzz::ReplayTarget* target = nullptr;
  for (const auto& t : fanlab::fuzz::kReplayTargets) {
    if (t.name == name) target = &t;
  }
  if (target == nullptr) {
    std::fprintf(stderr, "no fuzz target named %s\n", argv[1]);
    return 2;
  }
  std::vector<fs::path> files;
  for (int i = 2; i < argc; ++i) {
    fs::path path = argv[i];
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "cannot read %s\n", file.c_str());
      return 1;
    }
    std::fprintf(stderr, "%s: %s\n", argv[1], file.c_str());
    target->run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%s: %zu inputs replayed\n", argv[1], files.size());
  return 0;
}
