#include "harness/report_progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace fanlab::harness {

bool StderrIsTerminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDERR_FILENO) != 0 && term != nullptr && *term != '\0' &&
         std::strcmp(term, "dumb") != 0;
}

int TerminalColumns() {
  struct winsize size {};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

std::string RunProgressText(size_t done, size_t total, size_t passed,
                            size_t failed, size_t errors,
                            const std::string& running) {
  std::string out = "[" + std::to_string(done) + "/" + std::to_string(total) +
                    "] " + std::to_string(passed) + " passed, " +
                    std::to_string(failed) + " failed";
  if (errors > 0) out += ", " + std::to_string(errors) + " errors";
  if (!running.empty()) out += ": running " + running;
  return out;
}

ProgressLine::ProgressLine(std::ostream& out, bool enabled,
                           std::chrono::milliseconds tick, int columns, Now now)
    : out_(out),
      enabled_(enabled),
      columns_(columns > 1 ? columns : 80),
      now_(std::move(now)),
      start_(now_()) {
  if (!enabled_ || tick.count() <= 0) return;
  ticker_ = std::thread([this, tick] {
    std::unique_lock lock(mu_);
    while (!wake_.wait_for(lock, tick, [this] { return stopping_; })) {
      if (shown_) DrawLocked();
    }
  });
}

ProgressLine::~ProgressLine() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  Clear();
}

void ProgressLine::Update(std::string status) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  status_ = std::move(status);
  shown_ = true;
  DrawLocked();
}

void ProgressLine::Clear() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (!shown_) return;
  shown_ = false;
  out_ << "\r\x1b[2K" << std::flush;
}

void ProgressLine::DrawLocked() {
  double elapsed = std::chrono::duration<double>(now_() - start_).count();
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "  %.1f s", elapsed);
  std::string line = status_;
  size_t room = size_t(columns_ - 1) - std::strlen(seconds);
  if (line.size() > room) {
    // Cut on a character boundary, keeping the elapsed time in view.
    size_t n = room > 3 ? room - 3 : 0;
    while (n > 0 && (static_cast<unsigned char>(line[n]) & 0xC0) == 0x80) --n;
    line = line.substr(0, n) + "...";
  }
  out_ << "\r\x1b[2K" << line << seconds << std::flush;
}

}  // namespace fanlab::harness
