// Finding scenario files: the files named, and every .yaml, .yml and
// .json file under the folders named, sorted. A folder search passes over
// what lives beside scenarios in a project: folders named data/ (what
// scenarios read: request bodies, objects) and node_modules/, hidden
// folders, *.schema.json, a stack's template.{yaml,yml,json},
// samconfig.*, serverless.{yml,yaml}, package.json, package-lock.json and
// tsconfig.json. Files named directly are always taken.
#ifndef FANLAB_HARNESS_SCENARIO_FILES_H_
#define FANLAB_HARNESS_SCENARIO_FILES_H_

#include <string>
#include <vector>

namespace fanlab::harness {

// The files, or an error naming a path that does not exist.
std::vector<std::string> ScenarioFiles(const std::vector<std::string>& paths,
                                       std::string& error);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCENARIO_FILES_H_
