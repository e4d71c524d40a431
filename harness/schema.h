// The shape of a scenario file, declared once: the loader validates files
// against it (unknown keys, wrong types, missing fields, bad durations,
// values out of range, every error with its line and column) and
// `fanlab schema` prints it as the JSON Schema editors use
// (scenarios/scenario.schema.json is that output, checked by a test).
#ifndef FANLAB_HARNESS_SCHEMA_H_
#define FANLAB_HARNESS_SCHEMA_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/diagnostic.h"

namespace YAML {
class Node;
}

namespace fanlab::harness {

struct Spec;
using SpecPtr = std::shared_ptr<const Spec>;

struct Field {
  std::string name;
  SpecPtr spec;
  bool required = false;
};

struct Spec {
  enum class Kind {
    kString,  // a string: plain numbers and booleans must be quoted
    kInteger,
    kNumber,
    kBoolean,
    kDuration,      // "1h30m", "250ms", or a number of seconds
    kJson,          // any value (a message body, an item, a pattern)
    kObject,        // `fields`; unknown keys are errors
    kMap,           // any keys, each value `items`
    kArray,         // each element `items`
    kEnum,          // one of `values`
    kScalar,        // a string, number or boolean (written as a string)
    kStringOrList,  // a string, or a list of strings
  };
  Kind kind = Kind::kString;
  std::string description;
  std::vector<Field> fields;
  SpecPtr items;
  std::vector<std::string> values;
  std::optional<double> minimum, maximum;
  // kObject: exactly one of these keys must be present (the kind of a
  // timeline step or of an expectation).
  std::vector<std::string> exactly_one_of;
};

// Builders, so that the scenario's spec reads like its documentation.
SpecPtr String(std::string description = "");
SpecPtr Integer(std::string description = "",
                std::optional<double> minimum = std::nullopt,
                std::optional<double> maximum = std::nullopt);
SpecPtr Number(std::string description = "");
SpecPtr Boolean(std::string description = "");
SpecPtr DurationSpec(std::string description = "");
SpecPtr AnyJson(std::string description = "");
SpecPtr Scalar(std::string description = "");
SpecPtr StringOrList(std::string description = "");
SpecPtr Enum(std::vector<std::string> values, std::string description = "");
SpecPtr Array(SpecPtr items, std::string description = "");
SpecPtr MapOf(SpecPtr values, std::string description = "");
SpecPtr Object(std::vector<Field> fields, std::string description = "",
               std::vector<std::string> exactly_one_of = {});

// Checks `node` against `spec`, appending one Diagnostic per problem (all
// of them, not only the first). `path` names the node ("" for the root).
void ValidateNode(const YAML::Node& node, const Spec& spec,
                  const std::string& path, const std::string& file,
                  Diagnostics& out);

// `spec` as a JSON Schema (draft-07) document.
std::string ToJsonSchema(const Spec& spec, const std::string& id,
                         const std::string& title);

// The candidate closest to `word` (a few edits away at most), for "did
// you mean"; "" when none is close.
std::string Closest(const std::string& word,
                    const std::vector<std::string>& candidates);

// The mark of a node (1-based).
Mark MarkOf(const YAML::Node& node);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCHEMA_H_
