// SNS subscription filter policies: which published messages a
// subscription receives.
//
// A policy is a JSON object. With the MessageAttributes scope (the default)
// each key names a message attribute and holds a list of conditions; with
// the MessageBody scope keys follow the (JSON) message's own keys, nesting
// as it nests. A message matches when every key matches, and a key matches
// when any of its conditions does:
//   "x", 5                    equals (strings, or numbers by value)
//   {"prefix": "x"}, {"suffix": "x"}, {"equals-ignore-case": "x"}
//   {"anything-but": "x" | 5 | ["x", 5] | {"prefix": "x"}}
//   {"numeric": ["=", 5]}, {"numeric": [">", 0, "<=", 5]}
//   {"exists": true | false}
// A String.Array attribute (or a JSON array in the body) matches when any
// of its elements does. A missing attribute matches only {"exists":
// false}. Binary attributes match only "exists".
//
// Thread safety: a parsed policy is an immutable value.
#ifndef FANLAB_EMULATOR_SERVICES_FILTER_POLICY_H_
#define FANLAB_EMULATOR_SERVICES_FILTER_POLICY_H_

#include <memory>
#include <string>
#include <string_view>

#include "emulator/core/status.h"
#include "emulator/services/topic_types.h"

namespace fanlab::services {

class FilterPolicy {
 public:
  enum class Scope { kMessageAttributes, kMessageBody };

  // InvalidParameterException naming what is wrong: not a JSON object, a
  // condition fanlab does not know, more than 5 keys, more than 150
  // combinations of values (SNS's limits).
  static Result<FilterPolicy> Parse(std::string_view json, Scope scope);

  // True when a message with `attributes` and body `message` passes.
  bool Matches(const SnsMessageAttributes& attributes,
               std::string_view message) const;

  Scope scope() const { return scope_; }

  struct Node;  // a key's conditions, or nested keys (defined in the .cc)

 private:
  FilterPolicy(std::shared_ptr<const Node> root, Scope scope)
      : root_(std::move(root)), scope_(scope) {}

  std::shared_ptr<const Node> root_;
  Scope scope_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_FILTER_POLICY_H_
