// Writing a report file a `fanlab` command was asked for (--json, --junit,
// --trace, --html, --shrunk).
#ifndef FANLAB_HARNESS_CLI_OUTPUT_FILE_H_
#define FANLAB_HARNESS_CLI_OUTPUT_FILE_H_

#include <string>

namespace fanlab::harness {

// Writes `text` to `path` (replacing it). On failure says so on stderr as
// "fanlab COMMAND: cannot write PATH" and returns false.
bool WriteOutputFile(const std::string& command, const std::string& path,
                     const std::string& text);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_CLI_OUTPUT_FILE_H_
