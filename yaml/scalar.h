// YAML scalars typed the way YAML 1.2's core schema types them, for every
// reader of YAML in fanlab (scenario files, SAM and CloudFormation
// templates): `~`, `null` and an empty plain scalar are null;
// `true`/`false` (also `True`, `TRUE`, ...) are booleans; `42` is an
// integer, `7.5` a number; anything else, and every quoted scalar, is a
// string.
#ifndef FANLAB_YAML_SCALAR_H_
#define FANLAB_YAML_SCALAR_H_

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

namespace YAML {
class Node;
}

namespace fanlab::yaml {

// A decimal integer ("42", "+42", "-7") that fits in 64 bits; nullopt for
// anything else.
std::optional<int64_t> ParseInteger(std::string_view text);
// A finite decimal number ("7.5", "1e3", "42"); nullopt for anything
// else, infinities and NaN included.
std::optional<double> ParseNumber(std::string_view text);

// How a node reads: "null" (also for a missing node), "boolean",
// "integer", "number", "string", or "object" / "array" for a map or a
// sequence.
std::string_view ScalarType(const YAML::Node& node);

// A scalar node's value as JSON, typed as above; null for a node that is
// not a scalar.
boost::json::value ScalarValue(const YAML::Node& node);

}  // namespace fanlab::yaml

#endif  // FANLAB_YAML_SCALAR_H_
