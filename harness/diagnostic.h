// Where a scenario file is wrong: "file:line:column: field.path: message".
#ifndef FANLAB_HARNESS_DIAGNOSTIC_H_
#define FANLAB_HARNESS_DIAGNOSTIC_H_

#include <string>
#include <vector>

namespace fanlab::harness {

// A place in a scenario file, 1-based; 0 when unknown (a scenario built in
// C++ rather than read from a file).
struct Mark {
  int line = 0;
  int column = 0;
};

struct Diagnostic {
  std::string file;
  Mark mark;
  std::string path;  // "resources.queues[2].attributes.DelaySeconds"
  std::string message;

  // "scenarios/a.yaml:12:5: timeline[0].at: ..." (parts that are unknown
  // are left out).
  std::string ToString() const {
    std::string out = file;
    if (mark.line > 0) {
      out +=
          ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
    }
    if (!out.empty()) out += ": ";
    if (!path.empty()) out += path + ": ";
    return out + message;
  }
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_DIAGNOSTIC_H_
