#include "harness/scenario_files.h"

#include <algorithm>
#include <filesystem>

namespace fanlab::harness {

namespace fs = std::filesystem;

namespace {

// Folders that hold what scenarios use, not scenarios: data/ (request
// bodies, objects), node_modules/, and hidden folders (.aws-sam/, .git/).
bool SkippedFolder(const std::string& name) {
  return name == "data" || name == "node_modules" ||
         (name.size() > 1 && name[0] == '.');
}

// Files beside scenarios that are YAML or JSON too: a stack's template,
// its samconfig, and npm's manifests.
bool SkippedFile(const std::string& name) {
  static constexpr const char* kNames[] = {
      "template.yaml", "template.yml",   "template.json",  "samconfig.yaml",
      "samconfig.yml", "samconfig.json", "package.json",   "package-lock.json",
      "tsconfig.json", "serverless.yml", "serverless.yaml"};
  for (const char* skipped : kNames) {
    if (name == skipped) return true;
  }
  return name.ends_with(".schema.json");
}

}  // namespace

std::vector<std::string> ScenarioFiles(const std::vector<std::string>& paths,
                                       std::string& error) {
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory() &&
            SkippedFolder(it->path().filename().string())) {
          it.disable_recursion_pending();
          continue;
        }
        if (!it->is_regular_file()) continue;
        std::string name = it->path().filename().string();
        std::string ext = it->path().extension().string();
        if (SkippedFile(name)) continue;
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
