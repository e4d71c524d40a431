// Evaluating parsed expressions (expression.h) over items: conditions and
// filters, update actions, projections.
//
// Conditions never fail at evaluation: a path that is missing, or a value
// of a type an operator does not apply to, makes that comparison false,
// as in DynamoDB. The details:
//  - a = b holds when both exist and are equal (sets as sets, numbers
//    numerically); a <> b is its negation (so it holds when a is missing);
//  - <, <=, >, >= and BETWEEN hold only between two S, two N or two B
//    (strings and binaries bytewise, numbers exactly);
//  - a IN (b, c, ...) holds when a equals one of them;
//  - begins_with(a, b): S prefix of S, or B prefix of B;
//  - contains(a, b): S substring of S, B of B, a member of a set of b's
//    type, or an element of a list equal to b;
//  - attribute_type(a, :t) compares a's type with the name in :t;
//  - size(a): UTF-16 code units of an S (what DynamoDB counts), bytes of a
//    B, members of a set, elements of an L or M; missing for other types.
//
// Updates can fail on the item's data (ValidationException):
//   "The provided expression refers to an attribute that does not exist in
//    the item"                          (a SET operand path is missing)
//   "An operand in the update expression has an incorrect data type"
//                                       (+ - on non-numbers, list_append on
//                                        non-lists, ADD/DELETE on a type
//                                        that does not match)
//   "The document path provided in the update expression is invalid for
//    update"                            (a nested path whose parent is
//                                        missing or of the wrong kind)
//   "Item size to update has exceeded the maximum allowed size"
//                                       (the SET values together, or any
//                                        part of one, such as a list_append
//                                        argument, take more than
//                                        kMaxItemBytes: refused before the
//                                        value is built)
//   and the number range errors when + - or ADD leave DynamoDB's range.
//
// Thread safety: pure functions.
#ifndef FANLAB_EMULATOR_SERVICES_EXPRESSION_EVAL_H_
#define FANLAB_EMULATOR_SERVICES_EXPRESSION_EVAL_H_

#include <vector>

#include "emulator/core/status.h"
#include "emulator/services/attribute_value.h"
#include "emulator/services/expression.h"

namespace fanlab::services {

// The value at `path` in `item`, or null when any step is missing (a name
// in something that is not a map, an index past a list's end, ...).
const AttributeValue* ResolvePath(const Item& item, const DocumentPath& path);

// Whether `item` satisfies `condition`. A missing item is an empty Item.
bool EvaluateCondition(const Condition& condition, const Item& item);

// Applies every action of `update` to `item`, all operands being read
// from the item as it was before the update (so "SET a = b, b = a" swaps).
// SET actions run in the order written (an index past a list's end
// appends), then ADD and DELETE, then REMOVE (list elements removed from
// the highest index down, so indexes name the original positions). A
// DELETE that empties a set removes the attribute. On error `item` may be
// partly updated: callers work on a copy.
Status ApplyUpdate(const UpdateExpression& update, Item& item);

// The parts of `item` that `paths` name, nested as in the item: "a.b"
// keeps {a: {b}}, "l[1], l[3]" keeps a list of those two elements in index
// order. Paths that name nothing contribute nothing.
Item Project(const Item& item, const std::vector<DocumentPath>& paths);

// The paths an update writes (ReturnValues UPDATED_OLD / UPDATED_NEW
// project the old or new item on them).
std::vector<DocumentPath> UpdatedPaths(const UpdateExpression& update);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_EXPRESSION_EVAL_H_
