// DynamoDB's expression languages, parsed into ASTs: condition and filter
// expressions, key condition expressions, update expressions and projection
// expressions. One lexer, one recursive-descent parser; the evaluator lives
// in expression_eval.h.
//
// Grammar (keywords case-insensitive, function names case-sensitive):
//
//   condition  ::= or
//   or         ::= and { OR and }
//   and        ::= not { AND not }
//   not        ::= NOT not | primary
//   primary    ::= '(' condition ')'
//                | operand comparator operand
//                | operand BETWEEN operand AND operand
//                | operand IN '(' operand { ',' operand } ')'
//                | function '(' operand { ',' operand } ')'
//   comparator ::= '=' | '<>' | '<' | '<=' | '>' | '>='
//   operand    ::= path | ':value' | size '(' operand ')' | '(' operand ')'
//   path       ::= name { '.' name | '[' digits ']' }
//   name       ::= identifier | '#alias'
//   functions  ::= attribute_exists(path) | attribute_not_exists(path)
//                | attribute_type(path, :type) | begins_with(a, b)
//                | contains(a, b) | size(a)
//
//   update     ::= clause { clause }      each of SET/REMOVE/ADD/DELETE once
//   clause     ::= SET path '=' value { ',' path '=' value }
//                | REMOVE path { ',' path }
//                | ADD path ':value' { ',' path ':value' }
//                | DELETE path ':value' { ',' path ':value' }
//   value      ::= term [ ('+' | '-') term ]
//   term       ::= path | ':value' | if_not_exists(path, term)
//                | list_append(term, term) | '(' value ')'
//
//   projection ::= path { ',' path }
//
// Precedence, highest first, as DynamoDB documents it: comparators, IN,
// BETWEEN, functions, parentheses, NOT, AND, OR.
//
// Errors are ValidationExceptions worded as DynamoDB words them, prefixed
// with the parameter: "Invalid UpdateExpression: Syntax error; token:
// \"x\", near: \"a x b\"" (the token, and the text from the token before it
// to the token after it: that is where the error is), "Invalid
// ConditionExpression: An expression attribute value used in expression is
// not defined; attribute value: :v", "... Attribute name is a reserved
// keyword; reserved keyword: name", "... Invalid function name; function:
// f", "... Incorrect number of operands for operator or function; ...",
// "... Two document paths overlap with each other; ...", "... The
// expression can not be empty;", "... The expression has redundant
// parentheses;", "... Expression size has exceeded the maximum allowed
// size; expression size: N" (more than 4096 bytes), "... The document path
// has too many nesting levels; nesting levels: 33", and so on. A syntax
// error wins over everything; otherwise the first problem met reading
// left to right is reported, redundant parentheses first.
//
// Two limits stop the parse where they are met, like a syntax error:
// "... The expression contains too many operators; operator count: 301"
// (DynamoDB's), and "... The expression is nested too deeply; nesting
// levels: 257" (fanlab's, kMaxExpressionNesting: DynamoDB documents no
// such limit, and refuses most deeper expressions anyway, for redundant
// parentheses, too many operators or an unknown function).
//
// Thread safety: plain values and functions.
#ifndef FANLAB_EMULATOR_SERVICES_EXPRESSION_H_
#define FANLAB_EMULATOR_SERVICES_EXPRESSION_H_

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"
#include "emulator/services/attribute_value.h"

namespace fanlab::services {

// ExpressionAttributeNames ("#n" -> "name") and ExpressionAttributeValues
// (":v" -> value) of a request.
using AttributeNames = std::map<std::string, std::string, std::less<>>;
using AttributeValues = std::map<std::string, AttributeValue, std::less<>>;

inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr size_t kMaxInOperands = 100;
// Operators (comparators, BETWEEN, IN, AND, OR, NOT, + and -; not
// functions) in one expression, as in DynamoDB.
inline constexpr size_t kMaxExpressionOperators = 300;
// Steps of one document path ("a.b[0]" has 3), as in DynamoDB.
inline constexpr size_t kMaxDocumentPathDepth = 32;
// Parentheses open at once, grouping or around a function's arguments
// (fanlab's own limit: it bounds the parser's recursion, hence its stack).
// Within 4 KB few useful expressions come near it: nested conditions need
// an operator a level, and list_append(:l, ...) takes 16 bytes a level.
inline constexpr int kMaxExpressionNesting = 256;

// Which request parameter an expression came from: it prefixes error
// messages and decides what the expression may contain.
enum class ExpressionKind {
  kCondition,     // ConditionExpression
  kFilter,        // FilterExpression
  kKeyCondition,  // KeyConditionExpression
  kUpdate,        // UpdateExpression
  kProjection,    // ProjectionExpression
};
// "ConditionExpression", "FilterExpression", ...
std::string_view ExpressionKindName(ExpressionKind kind);

// The substitutions of one request, shared by all of its expressions: each
// parse marks the aliases and values it used, and CheckAllUsed() then
// reports those no expression used. Not owned; both maps may be null.
class ExpressionAttributes {
 public:
  ExpressionAttributes() = default;
  ExpressionAttributes(const AttributeNames* names,
                       const AttributeValues* values)
      : names_(names), values_(values) {}

  // The attribute name behind `alias` ("#n"), or null when undefined.
  const std::string* Name(std::string_view alias);
  // The value behind `token` (":v"), or null when undefined.
  const AttributeValue* Value(std::string_view token);

  // "Value provided in ExpressionAttributeNames unused in expressions:
  // keys: {#a, #b}", then the same for ExpressionAttributeValues.
  Status CheckAllUsed() const;

 private:
  const AttributeNames* names_ = nullptr;
  const AttributeValues* values_ = nullptr;
  std::set<std::string, std::less<>> used_names_;
  std::set<std::string, std::less<>> used_values_;
};

// The shape checks DynamoDB makes of the maps themselves, before any
// expression is read: "ExpressionAttributeNames must not be empty",
// "ExpressionAttributeNames contains invalid key: Syntax error; key:
// \"x\"" (keys are '#' or ':' then [A-Za-z0-9_]+), and the same for
// ExpressionAttributeValues. Null maps are fine.
Status CheckExpressionAttributeMaps(const AttributeNames* names,
                                    const AttributeValues* values);

// One step of a document path: a map key / top-level attribute name
// (aliases already substituted), or a list index.
struct PathElement {
  std::string name;
  size_t index = 0;
  bool is_index = false;

  friend bool operator==(const PathElement&, const PathElement&) = default;
};
using DocumentPath = std::vector<PathElement>;

// DynamoDB's rendering in messages: "[a, b, [2]]".
std::string PathToString(const DocumentPath& path);
// The usual rendering: "a.b[2]".
std::string PathToText(const DocumentPath& path);

enum class OperandKind {
  kPath,
  kValue,
  kSize,         // size(args[0])
  kIfNotExists,  // if_not_exists(args[0] (a path), args[1])
  kListAppend,   // list_append(args[0], args[1])
  kPlus,         // args[0] + args[1]
  kMinus,        // args[0] - args[1]
};

struct Operand {
  OperandKind kind = OperandKind::kPath;
  DocumentPath path;     // kPath
  AttributeValue value;  // kValue: a copy of the substituted value
  std::vector<Operand> args;
};

enum class Comparator { kEq, kNe, kLt, kLe, kGt, kGe };
// "=", "<>", "<", "<=", ">", ">=".
std::string_view ComparatorText(Comparator c);

enum class ConditionKind {
  kCompare,        // operands[0] comparator operands[1]
  kBetween,        // operands[0] BETWEEN operands[1] AND operands[2]
  kIn,             // operands[0] IN (operands[1..])
  kAnd,            // children[0] AND children[1]
  kOr,             // children[0] OR children[1]
  kNot,            // NOT children[0]
  kExists,         // attribute_exists(operands[0])
  kNotExists,      // attribute_not_exists(operands[0])
  kAttributeType,  // attribute_type(operands[0], operands[1])
  kBeginsWith,     // begins_with(operands[0], operands[1])
  kContains,       // contains(operands[0], operands[1])
};

struct Condition {
  ConditionKind kind = ConditionKind::kCompare;
  Comparator comparator = Comparator::kEq;
  std::vector<Operand> operands;
  std::vector<Condition> children;
};

enum class UpdateKind { kSet, kRemove, kAdd, kDelete };

struct UpdateAction {
  UpdateKind kind = UpdateKind::kSet;
  DocumentPath path;
  Operand value;  // SET's value; ADD's and DELETE's :value; unused by REMOVE
};

struct UpdateExpression {
  std::vector<UpdateAction> actions;  // in the order written
};

struct ProjectionExpression {
  std::vector<DocumentPath> paths;
};

// `kind` is kCondition, kFilter or kKeyCondition. A key condition is
// parsed with the same grammar and then refused what DynamoDB refuses
// there ("Invalid operator used in KeyConditionExpression: OR" for OR,
// NOT, IN, <> and functions other than begins_with; ordering comparisons
// and begins_with on values that no key could hold); table_service.cc
// checks it against the key schema.
Result<Condition> ParseCondition(std::string_view text, ExpressionKind kind,
                                 ExpressionAttributes& attributes);
Result<UpdateExpression> ParseUpdate(std::string_view text,
                                     ExpressionAttributes& attributes);
Result<ProjectionExpression> ParseProjection(std::string_view text,
                                             ExpressionAttributes& attributes);

// True when `word` is one of DynamoDB's 573 reserved words (any case).
bool IsReservedWord(std::string_view word);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_EXPRESSION_H_
