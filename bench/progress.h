// Which measurement a bench is running, on the progress line of
// `fanlab bench ...` (stderr, only when it is a terminal; quiet
// otherwise). The command wraps a bench's run in a BenchProgress; the
// bench calls BenchStage as each measurement starts. Without a
// BenchProgress alive, BenchStage does nothing (tests, JSON pipelines).
#ifndef FANLAB_BENCH_PROGRESS_H_
#define FANLAB_BENCH_PROGRESS_H_

#include <iostream>
#include <memory>
#include <string>
#include <string_view>

namespace fanlab::harness {
class ProgressLine;
}

namespace fanlab::bench {

class BenchProgress {
 public:
  // Draws "`name`: <stage>  <elapsed> s" on `out` (stderr) when `enabled`
  // (harness::StderrIsTerminal() on the command line), redrawn every
  // quarter second; one alive at a time.
  BenchProgress(std::string name, bool enabled, std::ostream& out = std::cerr);
  // Erases the line (call Done() first to erase it earlier).
  ~BenchProgress();
  BenchProgress(const BenchProgress&) = delete;
  BenchProgress& operator=(const BenchProgress&) = delete;

  // Erases the line and stops drawing, before the results are printed.
  void Done();

 private:
  std::string name_;
  std::unique_ptr<harness::ProgressLine> line_;
};

// The measurement starting now ("cold invocations, 200").
void BenchStage(std::string_view what);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_PROGRESS_H_
