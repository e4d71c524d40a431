#include "harness/cli/output_file.h"

#include <fstream>
#include <iostream>

namespace fanlab::harness {

bool WriteOutputFile(const std::string& command, const std::string& path,
                     const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.flush();
  if (!out) {
    std::cerr << "fanlab " << command << ": cannot write " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace fanlab::harness
