// Matching JSON the way expectations do: patterns that are subsets of the
// value, and JSONPath-like selectors.
#ifndef FANLAB_HARNESS_JSON_MATCH_H_
#define FANLAB_HARNESS_JSON_MATCH_H_

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"

namespace fanlab::harness {

// True when `value` matches `pattern`: an object pattern needs each of its
// keys in `value` with a matching value (other keys are ignored); an array
// pattern needs an array of the same length, element by element; numbers
// compare by value (1 == 1.0); anything else compares equal. A pattern
// {"json": P} against a string parses the string as JSON and matches it
// against P (JSON carried as text: a Lambda Payload, an SNS Message).
bool JsonMatches(const boost::json::value& pattern,
                 const boost::json::value& value);

// The values `path` selects in `root`: "$" is the root; ".name" or
// "['name']" a member (".0" is also element 0 of an array); "[2]" an
// element; ".*" or "[*]" every member or element. A step that finds
// nothing selects nothing. InvalidArgument for a malformed path.
Result<std::vector<boost::json::value>> JsonSelect(
    const boost::json::value& root, std::string_view path);

// `v` as compact JSON, cut to about `max` bytes (never inside a UTF-8
// character) with "..." when cut.
std::string JsonShort(const boost::json::value& v, size_t max = 200);
// `s` cut to at most `max` bytes on a UTF-8 character boundary, with
// "..." when cut.
std::string CutUtf8(std::string_view s, size_t max);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_JSON_MATCH_H_
