// A one-line status on a terminal, rewritten in place: `fanlab run`'s
// "[3/11] 2 passed, 0 failed: orders  4.2 s", a bench's measurement. It
// draws only when told the stream is a terminal (StderrIsTerminal() on
// the command line; tests decide), so a redirected or piped run stays
// quiet; before anything else is printed on the same terminal, Clear()
// erases it.
//
// Thread safety: every method may be called from any thread.
#ifndef FANLAB_HARNESS_REPORT_PROGRESS_H_
#define FANLAB_HARNESS_REPORT_PROGRESS_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace fanlab::harness {

// Whether stderr is a terminal worth drawing on: isatty(2), and TERM is
// set and not "dumb".
bool StderrIsTerminal();
// The terminal's width in columns (stderr's), else 80.
int TerminalColumns();

// `fanlab run`'s status: "[3/11] 2 passed, 1 failed: running orders".
// `errors` (scenarios that did not load or set up) shows when non-zero;
// `running` is left out when empty.
std::string RunProgressText(size_t done, size_t total, size_t passed,
                            size_t failed, size_t errors,
                            const std::string& running);

class ProgressLine {
 public:
  using Now = std::function<std::chrono::steady_clock::time_point()>;

  // Draws on `out` only when `enabled`. With a non-zero `tick`, a thread
  // redraws the line that often, so that the elapsed time moves during a
  // long step. Lines are cut to `columns` - 1 characters. `now` is the
  // time source of the elapsed time (tests inject one).
  ProgressLine(std::ostream& out, bool enabled,
               std::chrono::milliseconds tick = std::chrono::milliseconds(0),
               int columns = 80, Now now = std::chrono::steady_clock::now);
  // Clears the line.
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  // Shows "`status`  <elapsed> s" (the time since construction) in place
  // of the previous line.
  void Update(std::string status);
  // Erases the line; the next Update draws again.
  void Clear();

 private:
  void DrawLocked();

  std::ostream& out_;
  const bool enabled_;
  const int columns_;
  const Now now_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::string status_;
  bool shown_ = false;
  bool stopping_ = false;
  std::thread ticker_;
};

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_REPORT_PROGRESS_H_
