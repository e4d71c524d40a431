// What the harness reads out of YAML nodes: durations, JSON values, and
// scalars typed the way YAML 1.2's core schema types them.
#ifndef FANLAB_HARNESS_YAML_UTIL_H_
#define FANLAB_HARNESS_YAML_UTIL_H_

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/clock.h"
#include "harness/diagnostic.h"
#include "yaml/scalar.h"

namespace YAML {
class Node;
}

namespace fanlab::harness {

// "250ms", "30s", "5m", "2h", "1d", and sums of them ("1h30m"); a plain
// number is seconds ("90", "1.5"). nullopt for anything else or a
// negative value.
std::optional<Duration> ParseDuration(std::string_view text);
// "1h30m", "250ms", "0s": the shortest exact spelling.
std::string FormatDuration(Duration d);

// A duration node (a string as above, or a number of seconds).
std::optional<Duration> DurationOf(const YAML::Node& node);

// The node as JSON: maps become objects (keys in file order), sequences
// arrays, and plain scalars null (~, null, empty), booleans (true/false),
// integers, numbers, or else strings; quoted scalars are always strings.
boost::json::value YamlToJson(const YAML::Node& node);

// How a node reads: "string", "integer", "number", "boolean", "null",
// "object", "array" (yaml/scalar.h).
using yaml::ScalarType;

// Resolves YAML 1.1 merge keys in every map reachable from `root`, in
// place: a plain `<<` key (or one tagged !!merge) whose value is a map
// (`<<: *defaults`) or a list of maps (`<<: [*a, *b]`) is replaced by the
// keys of those maps that the map does not have itself. Explicit keys win
// over merged ones, wherever they stand; in a list, an earlier map wins
// over a later one; a merged map's own merge keys count as its keys. The
// merged keys take the place of the `<<` entry, in their map's order. Keys
// and values are the anchored nodes themselves, so their marks point where
// they were written. A `<<` with any other value is removed and reported
// (file left empty, the mark of the value). Aliases share nodes: each map
// is resolved once, cycles included.
Diagnostics ResolveMergeKeys(YAML::Node root);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_YAML_UTIL_H_
