// Finding scenario files: the files named, and every .yaml, .yml and
// .json file under the folders named, sorted; not *.schema.json, and
// nothing under a folder named data/ (what scenarios read: request bodies,
// objects).
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
