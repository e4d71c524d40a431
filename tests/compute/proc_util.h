// Test helpers that read /proc: which processes exist, their parent and
// process group, and their command line.
#ifndef FANLAB_TESTS_COMPUTE_PROC_UTIL_H_
#define FANLAB_TESTS_COMPUTE_PROC_UTIL_H_

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace fanlab::testing {

struct ProcInfo {
  int pid = 0;
  int ppid = 0;
  int pgrp = 0;
  char state = '?';     // 'Z': a zombie
  std::string cmdline;  // arguments joined by NUL bytes
};

// Every process visible now (zombies included: they keep their entry).
inline std::vector<ProcInfo> AllProcesses() {
  std::vector<ProcInfo> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid pgrp ...: comm may hold spaces, so skip past
    // the last ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    ProcInfo p;
    p.pid = std::stoi(name);
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    rest >> state >> p.ppid >> p.pgrp;
    p.state = state.empty() ? '?' : state[0];
    std::ifstream cmdline(entry.path() / "cmdline");
    p.cmdline.assign(std::istreambuf_iterator<char>(cmdline),
                     std::istreambuf_iterator<char>());
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace fanlab::testing

#endif  // FANLAB_TESTS_COMPUTE_PROC_UTIL_H_
