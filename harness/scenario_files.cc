#include "harness/scenario_files.h"

#include <algorithm>
#include <filesystem>

namespace fanlab::harness {

namespace fs = std::filesystem;

std::vector<std::string> ScenarioFiles(const std::vector<std::string>& paths,
                                       std::string& error) {
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        // Folders named data/ hold what scenarios read (request bodies,
        // objects), not scenarios.
        if (it->is_directory() && it->path().filename() == "data") {
          it.disable_recursion_pending();
          continue;
        }
        if (!it->is_regular_file()) continue;
        std::string name = it->path().filename().string();
        std::string ext = it->path().extension().string();
        if (name.ends_with(".schema.json")) continue;
        if (ext == ".yaml" || ext == ".yml" || ext == ".json") {
          found.push_back(it->path().string());
        }
      }
      if (ec) {
        error = path + ": cannot read the folder: " + ec.message();
        return {};
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      out.push_back(path);
    } else {
      error = path + ": no such file or folder";
      return {};
    }
  }
  return out;
}

}  // namespace fanlab::harness
