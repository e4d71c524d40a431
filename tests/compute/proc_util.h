// Test helpers that read /proc: which processes exist, their parent and
// process group, and their command line.
#ifndef FANLAB_TESTS_COMPUTE_PROC_UTIL_H_
#define FANLAB_TESTS_COMPUTE_PROC_UTIL_H_

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
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

// The whole of a /proc file; "" when it cannot be read. POSIX reads, not
// an ifstream: a process that ends while its file is read makes read()
// fail with ESRCH, which libstdc++'s filebuf throws as an exception.
inline std::string ReadWholeProcFile(const std::filesystem::path& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  ::close(fd);
  return n < 0 ? std::string() : out;
}

// Every process visible now (zombies included: they keep their entry); a
// process that ends while it is looked at may be left out.
inline std::vector<ProcInfo> AllProcesses() {
  std::vector<ProcInfo> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string line = ReadWholeProcFile(entry.path() / "stat");
    if (line.empty()) continue;
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
    p.cmdline = ReadWholeProcFile(entry.path() / "cmdline");
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace fanlab::testing

#endif  // FANLAB_TESTS_COMPUTE_PROC_UTIL_H_
