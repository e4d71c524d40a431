#include "bench/progress.h"

#include <iostream>
#include <mutex>

#include "harness/report_progress.h"

namespace fanlab::bench {

namespace {

// The BenchProgress alive, its line and name; guarded by mu.
std::mutex mu;
BenchProgress* current = nullptr;
harness::ProgressLine* current_line = nullptr;
std::string current_name;

}  // namespace

BenchProgress::BenchProgress(std::string name, bool enabled, std::ostream& out)
    : name_(std::move(name)),
      line_(std::make_unique<harness::ProgressLine>(
          out, enabled, std::chrono::milliseconds(250),
          harness::TerminalColumns())) {
  std::lock_guard lock(mu);
  current = this;
  current_line = line_.get();
  current_name = name_;
  line_->Update(name_);
}

BenchProgress::~BenchProgress() { Done(); }

void BenchProgress::Done() {
  std::lock_guard lock(mu);
  if (current == this) {
    current = nullptr;
    current_line = nullptr;
  }
  if (line_) line_->Clear();
  line_.reset();
}

void BenchStage(std::string_view what) {
  std::lock_guard lock(mu);
  if (current_line == nullptr) return;
  current_line->Update(current_name + ": " + std::string(what));
}

}  // namespace fanlab::bench
