// A failed expectation's expected and found values as the terminal shows
// them: indented JSON, both sides at the same indentation, the lines at
// the paths where they differ marked in the gutter.
//
// Differences follow the expectations' matching rules (json_match.h): an
// object pattern's key missing from the found value, or a value that does
// not match, is a difference; keys the found object has beyond the
// pattern's are not (they are shown, unmarked), unless `exact`. Arrays
// compare element by element, so a missing or extra element is one.
#ifndef FANLAB_HARNESS_REPORT_DIFF_H_
#define FANLAB_HARNESS_REPORT_DIFF_H_

#include <boost/json/value.hpp>
#include <string>
#include <vector>

namespace fanlab::harness {

struct JsonDiff {
  enum class Kind { kChanged, kMissing, kExtra };
  std::string path;  // "$", "$.detail.errorType", "$.Records[2]"
  Kind kind = Kind::kChanged;
};

// Where `found` differs from `expected`, in document order.
std::vector<JsonDiff> DiffJson(const boost::json::value& expected,
                               const boost::json::value& found,
                               bool exact = false);

struct JsonDiffStyle {
  bool color = false;
  // Strings longer than this are cut: around their first difference when
  // they differ, else keeping their start and end.
  size_t max_string = 72;
  // Elements of a long array shown (the rest are counted).
  size_t max_items = 5;
};

// `v` as indented JSON lines (2 spaces a level) with a 2-character gutter:
// "~ " on a value that differs, "- " on one missing from the other side,
// "+ " on one only this side has, "  " elsewhere. `diffs` are DiffJson's;
// `expected_side` says which side `v` is (a missing value shows on the
// expected side, an extra one on the found side). The differing part of a
// long string is kept in view.
std::vector<std::string> RenderJsonLines(const boost::json::value& v,
                                         const std::vector<JsonDiff>& diffs,
                                         bool expected_side,
                                         const boost::json::value* other,
                                         const JsonDiffStyle& style);

// A failure's `expected` and `found` blocks: each a label line
// ("expected: " + text, with a colon when JSON follows) and its JSON
// (serialized; empty: none for that side) indented to start under the
// text. With `compare` and JSON on both sides, the differences are marked
// and a last line lists them: "differs at: $.a, $.b[1] (missing)".
// Without, both are shown as they are (a `contains` pattern next to the
// values that did not contain it).
std::vector<std::string> RenderExpectedFound(const std::string& expected_text,
                                             const std::string& expected_json,
                                             const std::string& found_text,
                                             const std::string& found_json,
                                             bool compare,
                                             const JsonDiffStyle& style);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_REPORT_DIFF_H_
