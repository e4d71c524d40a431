#include "emulator/services/expression.h"

#include <algorithm>
#include <array>

#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

// ---------------------------------------------------------------- lexer

enum class Tok {
  kEnd,
  kWord,   // [A-Za-z0-9_]+: names, keywords, function names, list indexes
  kAlias,  // #name
  kValue,  // :name
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kInvalid,  // anything else, one character (or one UTF-8 sequence)
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t begin = 0;
  size_t end = 0;
};

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Always ends with a kEnd token at text.size().
std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  auto name_end = [&](size_t from) {
    while (from < s.size() && IsNameChar(s[from])) ++from;
    return from;
  };
  while (true) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    if (i >= s.size()) break;
    Token t;
    t.begin = i;
    char c = s[i];
    if (IsNameChar(c)) {
      t.kind = Tok::kWord;
      t.end = name_end(i);
    } else if ((c == '#' || c == ':') && i + 1 < s.size() &&
               IsNameChar(s[i + 1])) {
      t.kind = c == '#' ? Tok::kAlias : Tok::kValue;
      t.end = name_end(i + 1);
    } else {
      t.end = i + 1;
      switch (c) {
        case '(':
          t.kind = Tok::kLParen;
          break;
        case ')':
          t.kind = Tok::kRParen;
          break;
        case '[':
          t.kind = Tok::kLBracket;
          break;
        case ']':
          t.kind = Tok::kRBracket;
          break;
        case ',':
          t.kind = Tok::kComma;
          break;
        case '.':
          t.kind = Tok::kDot;
          break;
        case '=':
          t.kind = Tok::kEq;
          break;
        case '+':
          t.kind = Tok::kPlus;
          break;
        case '-':
          t.kind = Tok::kMinus;
          break;
        case '<':
          t.kind = Tok::kLt;
          if (i + 1 < s.size() && s[i + 1] == '=') {
            t.kind = Tok::kLe;
            t.end = i + 2;
          } else if (i + 1 < s.size() && s[i + 1] == '>') {
            t.kind = Tok::kNe;
            t.end = i + 2;
          }
          break;
        case '>':
          t.kind = Tok::kGt;
          if (i + 1 < s.size() && s[i + 1] == '=') {
            t.kind = Tok::kGe;
            t.end = i + 2;
          }
          break;
        default:
          t.kind = Tok::kInvalid;
          // Keep a UTF-8 sequence whole, so the message quotes a character.
          while (t.end < s.size() &&
                 (static_cast<unsigned char>(s[t.end]) & 0xC0) == 0x80) {
            ++t.end;
          }
          break;
      }
    }
    i = t.end;
    out.push_back(t);
  }
  out.push_back(Token{Tok::kEnd, s.size(), s.size()});
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

// ---------------------------------------------------------------- parser

// Thrown by the parser on a syntax error and caught by the Parse*
// functions below: it never leaves this file. Recursive descent with a
// status check after every call would bury the grammar.
struct SyntaxFailure {
  Status status;
};

// A term: what can stand beside a comparator, or a boolean function call
// (which may only stand alone as a condition).
struct Term {
  Operand operand;
  bool is_boolean = false;  // attribute_exists(...), begins_with(...), ...
  Condition boolean;
  std::string function;  // the function's name, when the term is a call
  bool parenthesized = false;
};

// What a primary produced: a condition, or a bare term that only a
// following comparator (or an enclosing parenthesis) can make sense of.
struct Node {
  bool is_condition = false;
  Condition condition;
  Term term;
  bool parenthesized = false;
};

class Parser {
 public:
  Parser(std::string_view text, ExpressionKind kind,
         ExpressionAttributes& attributes)
      : text_(text), kind_(kind), attributes_(attributes), tokens_(Lex(text)) {}

  // Checks that are made before any parsing: size, emptiness.
  Status Precheck() const {
    if (text_.size() > kMaxExpressionBytes) {
      return Prefixed(
          "Expression size has exceeded the maximum allowed size; "
          "expression size: " +
          std::to_string(text_.size()));
    }
    if (tokens_.size() == 1)
      return Prefixed("The expression can not be empty;");
    return Status::Ok();
  }

  Result<Condition> WholeCondition() {
    try {
      Node node = ParseOr();
      Condition c = RequireCondition(std::move(node));
      if (Cur().kind != Tok::kEnd) Fail();
      if (Status s = Deferred(); !s.ok()) return s;
      return c;
    } catch (const SyntaxFailure& f) {
      return f.status;
    }
  }

  Result<UpdateExpression> WholeUpdate() {
    try {
      UpdateExpression u = ParseUpdateClauses();
      if (Status s = Deferred(); !s.ok()) return s;
      return u;
    } catch (const SyntaxFailure& f) {
      return f.status;
    }
  }

  Result<ProjectionExpression> WholeProjection() {
    try {
      ProjectionExpression p;
      std::vector<DocumentPath> seen;
      while (true) {
        p.paths.push_back(ParsePath());
        CheckOverlap(p.paths.back(), seen);
        if (Cur().kind != Tok::kComma) break;
        Advance();
      }
      if (Cur().kind != Tok::kEnd) Fail();
      if (Status s = Deferred(); !s.ok()) return s;
      return p;
    } catch (const SyntaxFailure& f) {
      return f.status;
    }
  }

 private:
  bool IsCondition() const {
    return kind_ == ExpressionKind::kCondition ||
           kind_ == ExpressionKind::kFilter ||
           kind_ == ExpressionKind::kKeyCondition;
  }
  bool IsKey() const { return kind_ == ExpressionKind::kKeyCondition; }

  // ---- tokens

  const Token& Cur() const { return tokens_[pos_]; }
  const Token& Peek() const {
    return tokens_[std::min(pos_ + 1, tokens_.size() - 1)];
  }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  std::string_view Text(const Token& t) const {
    return text_.substr(t.begin, t.end - t.begin);
  }
  bool IsWord(const Token& t, std::string_view word) const {
    return t.kind == Tok::kWord && EqualsIgnoreCase(Text(t), word);
  }
  // Words the grammar of this kind of expression reserves for itself.
  bool IsKeyword(const Token& t) const {
    if (t.kind != Tok::kWord) return false;
    if (IsCondition()) {
      return IsWord(t, "AND") || IsWord(t, "OR") || IsWord(t, "NOT") ||
             IsWord(t, "BETWEEN") || IsWord(t, "IN");
    }
    if (kind_ == ExpressionKind::kUpdate) return IsClauseWord(t);
    return false;
  }
  bool IsClauseWord(const Token& t) const {
    return IsWord(t, "SET") || IsWord(t, "REMOVE") || IsWord(t, "ADD") ||
           IsWord(t, "DELETE");
  }

  Status Prefixed(std::string message) const {
    return Status(dynamodb::kValidationException,
                  "Invalid " + std::string(ExpressionKindName(kind_)) + ": " +
                      std::move(message));
  }

  // A syntax error at the current token: DynamoDB quotes the token and
  // the text from the token before it to the token after it.
  [[noreturn]] void Fail() const {
    const Token& t = Cur();
    std::string token = t.kind == Tok::kEnd ? "<EOF>" : std::string(Text(t));
    size_t from = pos_ > 0 ? tokens_[pos_ - 1].begin : t.begin;
    size_t to = t.end;
    if (t.kind == Tok::kEnd) {
      to = text_.size();
    } else if (pos_ + 1 < tokens_.size() &&
               tokens_[pos_ + 1].kind != Tok::kEnd) {
      to = tokens_[pos_ + 1].end;
    }
    throw SyntaxFailure{
        Prefixed("Syntax error; token: \"" + token + "\", near: \"" +
                 std::string(text_.substr(from, to - from)) + "\"")};
  }

  void Expect(Tok kind) {
    if (Cur().kind != kind) Fail();
    Advance();
  }

  // The first problem that is not a syntax error, reported once the whole
  // expression has parsed.
  void Semantic(std::string message) {
    if (semantic_.ok()) semantic_ = Prefixed(std::move(message));
  }
  void RedundantParentheses() {
    if (parens_.ok()) {
      parens_ = Prefixed("The expression has redundant parentheses;");
    }
  }
  Status Deferred() const { return parens_.ok() ? semantic_ : parens_; }

  // ---- limits

  // Counts one operator against kMaxExpressionOperators; past it the parse
  // stops, as DynamoDB's does ("operator count: 301").
  void CountOperator() {
    if (++operators_ > kMaxExpressionOperators) {
      throw SyntaxFailure{
          Prefixed("The expression contains too many operators; operator "
                   "count: " +
                   std::to_string(operators_))};
    }
  }

  // One open parenthesis, grouping or around a function's arguments, for
  // as long as it lives. Every recursion of the parser passes through one
  // (or through NOT, which CountOperator bounds), so this bounds the
  // stack the parse needs.
  class Nesting {
   public:
    explicit Nesting(Parser& parser) : parser_(parser) {
      if (++parser_.nesting_ > kMaxExpressionNesting) {
        throw SyntaxFailure{
            parser_.Prefixed("The expression is nested too deeply; nesting "
                             "levels: " +
                             std::to_string(parser_.nesting_))};
      }
    }
    ~Nesting() { --parser_.nesting_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& parser_;
  };

  // ---- paths and values

  // One name of a path: an identifier or an alias.
  std::string ParseName() {
    const Token& t = Cur();
    if (t.kind == Tok::kAlias) {
      std::string alias(Text(t));
      Advance();
      const std::string* name = attributes_.Name(alias);
      if (name == nullptr) {
        Semantic(
            "An expression attribute name used in the document path is not "
            "defined; attribute name: " +
            alias);
        return alias;
      }
      return *name;
    }
    if (t.kind != Tok::kWord || IsKeyword(t) ||
        (Text(t)[0] >= '0' && Text(t)[0] <= '9')) {
      Fail();
    }
    std::string name(Text(t));
    Advance();
    if (IsReservedWord(name)) {
      Semantic("Attribute name is a reserved keyword; reserved keyword: " +
               name);
    }
    return name;
  }

  DocumentPath ParsePath() {
    DocumentPath path;
    path.push_back(PathElement{ParseName()});
    while (true) {
      if (Cur().kind == Tok::kDot) {
        Advance();
        path.push_back(PathElement{ParseName()});
      } else if (Cur().kind == Tok::kLBracket) {
        Advance();
        std::string_view digits = Text(Cur());
        if (Cur().kind != Tok::kWord ||
            !std::all_of(digits.begin(), digits.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
          Fail();
        }
        size_t index = 0;
        for (char c : digits) {
          // Saturate: an index that large is past any list's end anyway.
          index = std::min<size_t>(index * 10 + (c - '0'), size_t{1} << 40);
        }
        Advance();
        Expect(Tok::kRBracket);
        PathElement e;
        e.index = index;
        e.is_index = true;
        path.push_back(e);
      } else {
        if (path.size() > kMaxDocumentPathDepth) {
          Semantic(
              "The document path has too many nesting levels; nesting "
              "levels: " +
              std::to_string(path.size()));
        }
        return path;
      }
    }
  }

  Operand ParseValueToken() {
    std::string token(Text(Cur()));
    Advance();
    Operand op;
    op.kind = OperandKind::kValue;
    const AttributeValue* v = attributes_.Value(token);
    if (v == nullptr) {
      Semantic(
          "An expression attribute value used in expression is not defined; "
          "attribute value: " +
          token);
    } else {
      op.value = *v;
    }
    return op;
  }

  static bool IsValue(const Operand& op) {
    return op.kind == OperandKind::kValue;
  }

  void OperandType(std::string_view function, const Operand& op) {
    Semantic(
        "Incorrect operand type for operator or function; operator or "
        "function: " +
        std::string(function) +
        ", operand type: " + std::string(AttributeTypeName(op.value.type())));
  }

  void CheckDistinct(std::string_view op, const Operand& a, const Operand& b) {
    if (a.kind == OperandKind::kPath && b.kind == OperandKind::kPath &&
        a.path == b.path) {
      Semantic(
          "The first operand must be distinct from the remaining operands "
          "for this operator or function; operator: " +
          std::string(op) + ", first operand: " + PathToString(a.path));
    }
  }

  // ---- conditions

  Node ParseOr() {
    Node left = ParseAnd();
    while (IsWord(Cur(), "OR")) {
      Condition l = RequireCondition(std::move(left));
      if (IsKey()) {
        Semantic("Invalid operator used in KeyConditionExpression: OR");
      }
      CountOperator();
      Advance();
      Condition r = RequireCondition(ParseAnd());
      left = Node();
      left.is_condition = true;
      left.condition.kind = ConditionKind::kOr;
      left.condition.children.push_back(std::move(l));
      left.condition.children.push_back(std::move(r));
    }
    return left;
  }

  Node ParseAnd() {
    Node left = ParseNot();
    while (IsWord(Cur(), "AND")) {
      Condition l = RequireCondition(std::move(left));
      CountOperator();
      Advance();
      Condition r = RequireCondition(ParseNot());
      left = Node();
      left.is_condition = true;
      left.condition.kind = ConditionKind::kAnd;
      left.condition.children.push_back(std::move(l));
      left.condition.children.push_back(std::move(r));
    }
    return left;
  }

  Node ParseNot() {
    if (!IsWord(Cur(), "NOT")) return ParsePrimary();
    if (IsKey())
      Semantic("Invalid operator used in KeyConditionExpression: NOT");
    CountOperator();
    Advance();
    Condition inner = RequireCondition(ParseNot());
    Node n;
    n.is_condition = true;
    n.condition.kind = ConditionKind::kNot;
    n.condition.children.push_back(std::move(inner));
    return n;
  }

  bool AtComparison() const {
    switch (Cur().kind) {
      case Tok::kEq:
      case Tok::kNe:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe:
        return true;
      default:
        return IsWord(Cur(), "BETWEEN") || IsWord(Cur(), "IN");
    }
  }

  Node ParsePrimary() {
    if (Cur().kind == Tok::kLParen) {
      Nesting level(*this);
      Advance();
      Node inner = ParseOr();
      Expect(Tok::kRParen);
      if (inner.parenthesized) RedundantParentheses();
      if (!inner.is_condition) {
        // "(a) = :v": a parenthesised operand.
        if (inner.term.parenthesized) RedundantParentheses();
        inner.term.parenthesized = true;
        if (AtComparison()) return ParseComparison(std::move(inner.term));
      }
      inner.parenthesized = true;
      return inner;
    }
    Term term = ParseTerm();
    if (AtComparison()) return ParseComparison(std::move(term));
    Node n;
    if (term.is_boolean) {
      n.is_condition = true;
      n.condition = std::move(term.boolean);
    } else {
      n.term = std::move(term);
    }
    return n;
  }

  // A node where a condition must stand. A bare path or value there is a
  // syntax error at the token that follows it; a bare size() is misused.
  Condition RequireCondition(Node node) {
    if (node.is_condition) return std::move(node.condition);
    if (!node.term.function.empty()) {
      Misused(node.term.function);
      return Condition();
    }
    Fail();
  }

  void Misused(std::string_view function) {
    Semantic(
        "The function is not allowed to be used this way in an expression; "
        "function: " +
        std::string(function));
  }

  // A term where an operand must stand.
  Operand RequireOperand(Term term) {
    if (term.is_boolean) Misused(term.function);
    return std::move(term.operand);
  }

  Term ParseOperandParens() {
    if (Cur().kind != Tok::kLParen) return ParseTerm();
    Nesting level(*this);
    Advance();
    Term t = ParseOperandParens();
    Expect(Tok::kRParen);
    if (t.parenthesized) RedundantParentheses();
    t.parenthesized = true;
    return t;
  }

  // A value, a function call or a path, in a condition or an update
  // (ParseFunction reads the arguments as the expression's kind wants).
  Term ParseTerm() {
    const Token& t = Cur();
    Term term;
    if (t.kind == Tok::kValue) {
      term.operand = ParseValueToken();
      return term;
    }
    if (t.kind == Tok::kWord && Peek().kind == Tok::kLParen && !IsKeyword(t)) {
      return ParseFunction();
    }
    term.operand.kind = OperandKind::kPath;
    term.operand.path = ParsePath();
    return term;
  }

  static Comparator ComparatorOf(Tok kind) {
    switch (kind) {
      case Tok::kNe:
        return Comparator::kNe;
      case Tok::kLt:
        return Comparator::kLt;
      case Tok::kLe:
        return Comparator::kLe;
      case Tok::kGt:
        return Comparator::kGt;
      case Tok::kGe:
        return Comparator::kGe;
      default:
        return Comparator::kEq;
    }
  }

  // In a key condition, an ordering comparison only makes sense on values
  // a key can hold (S, N, B).
  void CheckKeyOrderingOperand(std::string_view op, const Operand& operand) {
    if (!IsKey() || !IsValue(operand)) return;
    AttributeType t = operand.value.type();
    if (t != AttributeType::kS && t != AttributeType::kN &&
        t != AttributeType::kB) {
      OperandType(op, operand);
    }
  }

  Node ParseComparison(Term left_term) {
    Operand left = RequireOperand(std::move(left_term));
    Node n;
    n.is_condition = true;
    Condition& c = n.condition;
    CountOperator();  // the comparator, BETWEEN or IN
    if (IsWord(Cur(), "BETWEEN")) {
      Advance();
      Operand low = RequireOperand(ParseOperandParens());
      if (!IsWord(Cur(), "AND")) Fail();
      Advance();
      Operand high = RequireOperand(ParseOperandParens());
      CheckKeyOrderingOperand("BETWEEN", left);
      CheckKeyOrderingOperand("BETWEEN", low);
      CheckKeyOrderingOperand("BETWEEN", high);
      CheckBetweenBounds(low, high);
      c.kind = ConditionKind::kBetween;
      c.operands = {std::move(left), std::move(low), std::move(high)};
      return n;
    }
    if (IsWord(Cur(), "IN")) {
      if (IsKey())
        Semantic("Invalid operator used in KeyConditionExpression: IN");
      Advance();
      Expect(Tok::kLParen);
      c.kind = ConditionKind::kIn;
      c.operands.push_back(std::move(left));
      while (true) {
        c.operands.push_back(RequireOperand(ParseOperandParens()));
        if (Cur().kind != Tok::kComma) break;
        Advance();
      }
      Expect(Tok::kRParen);
      if (c.operands.size() - 1 > kMaxInOperands) {
        Semantic(
            "The IN operator is provided with too many operands; number of "
            "operands: " +
            std::to_string(c.operands.size() - 1));
      }
      return n;
    }
    Comparator comparator = ComparatorOf(Cur().kind);
    Advance();
    Operand right = RequireOperand(ParseOperandParens());
    std::string_view op = ComparatorText(comparator);
    if (IsKey() && comparator == Comparator::kNe) {
      Semantic("Invalid operator used in KeyConditionExpression: <>");
    }
    if (comparator != Comparator::kEq && comparator != Comparator::kNe) {
      CheckKeyOrderingOperand(op, left);
      CheckKeyOrderingOperand(op, right);
    }
    CheckDistinct(op, left, right);
    c.kind = ConditionKind::kCompare;
    c.comparator = comparator;
    c.operands = {std::move(left), std::move(right)};
    return n;
  }

  void CheckBetweenBounds(const Operand& low, const Operand& high) {
    if (!IsValue(low) || !IsValue(high)) return;
    const AttributeValue& a = low.value;
    const AttributeValue& b = high.value;
    std::string bounds =
        "lower bound operand: AttributeValue: " + a.Describe() +
        ", upper bound operand: AttributeValue: " + b.Describe();
    if (a.type() != b.type()) {
      Semantic(
          "The BETWEEN operator requires same data type for lower and upper "
          "bounds; " +
          bounds);
      return;
    }
    bool scalar = a.type() == AttributeType::kS ||
                  a.type() == AttributeType::kN ||
                  a.type() == AttributeType::kB;
    if (scalar && CompareScalars(a, b) > 0) {
      Semantic(
          "The BETWEEN operator requires upper bound to be greater than or "
          "equal to lower bound; " +
          bounds);
    }
  }

  // name '(' term { ',' term } ')', then what the name makes of it.
  Term ParseFunction() {
    std::string name(Text(Cur()));
    Advance();
    Nesting level(*this);
    Expect(Tok::kLParen);
    std::vector<Term> args;
    while (true) {
      args.push_back(kind_ == ExpressionKind::kUpdate ? UpdateTermParens()
                                                      : ParseOperandParens());
      if (Cur().kind != Tok::kComma) break;
      Advance();
    }
    Expect(Tok::kRParen);
    return IsCondition() ? ConditionFunction(name, std::move(args))
                         : UpdateFunction(name, std::move(args));
  }

  // Returns false (after recording the error) when `args` has not `n`.
  bool Arity(const std::string& name, const std::vector<Term>& args, size_t n) {
    if (args.size() == n) return true;
    Semantic(
        "Incorrect number of operands for operator or function; operator or "
        "function: " +
        name + ", number of operands: " + std::to_string(args.size()));
    return false;
  }

  void RequirePath(const std::string& name, const Operand& op) {
    if (op.kind != OperandKind::kPath) {
      Semantic(
          "Operator or function requires a document path; operator or "
          "function: " +
          name);
    }
  }

  Term ConditionFunction(const std::string& name, std::vector<Term> args) {
    Term term;
    term.function = name;
    static constexpr std::array<std::string_view, 6> kKnown = {
        "attribute_exists", "attribute_not_exists",
        "attribute_type",   "begins_with",
        "contains",         "size"};
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      Semantic("Invalid function name; function: " + name);
      return term;
    }
    if (IsKey() && name != "begins_with") {
      Semantic("Invalid operator used in KeyConditionExpression: " + name);
    }
    std::vector<Operand> ops;
    for (Term& a : args) ops.push_back(RequireOperand(std::move(a)));
    if (name == "size") {
      term.operand.kind = OperandKind::kSize;
      if (Arity(name, args, 1)) {
        const Operand& a = ops[0];
        if (IsValue(a) && (a.value.type() == AttributeType::kN ||
                           a.value.type() == AttributeType::kBool ||
                           a.value.type() == AttributeType::kNull)) {
          OperandType(name, a);
        }
      }
      term.operand.args = std::move(ops);
      return term;
    }
    term.is_boolean = true;
    Condition& c = term.boolean;
    if (name == "attribute_exists" || name == "attribute_not_exists") {
      c.kind = name == "attribute_exists" ? ConditionKind::kExists
                                          : ConditionKind::kNotExists;
      if (Arity(name, args, 1)) RequirePath(name, ops[0]);
    } else if (name == "attribute_type") {
      c.kind = ConditionKind::kAttributeType;
      if (Arity(name, args, 2)) {
        CheckDistinct(name, ops[0], ops[1]);
        const Operand& t = ops[1];
        if (!IsValue(t)) {
          Semantic(
              "Incorrect operand type for operator or function; operator or "
              "function: attribute_type, operand type: "
              "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
        } else if (t.value.type() != AttributeType::kS) {
          OperandType(name, t);
        } else if (!AttributeTypeFromName(t.value.scalar())) {
          Semantic(
              "Invalid attribute type name found; type: " + t.value.scalar() +
              ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
        }
      }
    } else if (name == "begins_with") {
      c.kind = ConditionKind::kBeginsWith;
      if (Arity(name, args, 2)) {
        CheckDistinct(name, ops[0], ops[1]);
        for (const Operand& op : ops) {
          if (IsValue(op) && op.value.type() != AttributeType::kS &&
              op.value.type() != AttributeType::kB) {
            OperandType(name, op);
          }
        }
      }
    } else {
      c.kind = ConditionKind::kContains;
      if (Arity(name, args, 2)) CheckDistinct(name, ops[0], ops[1]);
    }
    c.operands = std::move(ops);
    return term;
  }

  // ---- update expressions

  UpdateExpression ParseUpdateClauses() {
    UpdateExpression u;
    std::vector<DocumentPath> seen;
    bool used[4] = {false, false, false, false};
    do {
      const Token& t = Cur();
      UpdateKind kind;
      if (IsWord(t, "SET")) {
        kind = UpdateKind::kSet;
      } else if (IsWord(t, "REMOVE")) {
        kind = UpdateKind::kRemove;
      } else if (IsWord(t, "ADD")) {
        kind = UpdateKind::kAdd;
      } else if (IsWord(t, "DELETE")) {
        kind = UpdateKind::kDelete;
      } else {
        Fail();
      }
      static constexpr std::array<std::string_view, 4> kNames = {
          "SET", "REMOVE", "ADD", "DELETE"};
      int k = static_cast<int>(kind);
      if (used[k]) {
        Semantic("The \"" + std::string(kNames[k]) +
                 "\" section can only be used once in an update expression;");
      }
      used[k] = true;
      Advance();
      while (true) {
        UpdateAction a;
        a.kind = kind;
        a.path = ParsePath();
        CheckOverlap(a.path, seen);
        if (kind == UpdateKind::kSet) {
          Expect(Tok::kEq);
          a.value = ParseSetValue();
        } else if (kind != UpdateKind::kRemove) {
          if (Cur().kind != Tok::kValue) Fail();
          a.value = ParseValueToken();
          CheckAddDeleteOperand(kind, a.value);
        }
        u.actions.push_back(std::move(a));
        if (Cur().kind != Tok::kComma) break;
        Advance();
      }
    } while (Cur().kind != Tok::kEnd);
    return u;
  }

  void CheckAddDeleteOperand(UpdateKind kind, const Operand& op) {
    if (op.value.is_set()) return;
    AttributeType t = op.value.type();
    if (kind == UpdateKind::kAdd && t == AttributeType::kN) return;
    std::string_view type_name;
    switch (t) {
      case AttributeType::kS:
        type_name = "STRING";
        break;
      case AttributeType::kN:
        type_name = "NUMBER";
        break;
      case AttributeType::kB:
        type_name = "BINARY";
        break;
      case AttributeType::kBool:
        type_name = "BOOLEAN";
        break;
      case AttributeType::kNull:
        type_name = "NULL";
        break;
      case AttributeType::kL:
        type_name = "LIST";
        break;
      default:
        type_name = "MAP";
        break;
    }
    Semantic("Incorrect operand type for operator or function; operator: " +
             std::string(kind == UpdateKind::kAdd ? "ADD" : "DELETE") +
             ", operand type: " + std::string(type_name));
  }

  // value ::= term [ ('+' | '-') term ], the whole possibly parenthesised.
  Operand ParseSetValue() {
    Term first = UpdateTermParens();
    if (Cur().kind != Tok::kPlus && Cur().kind != Tok::kMinus) {
      return std::move(first.operand);
    }
    if (first.parenthesized && IsArithmetic(first.operand)) Fail();
    bool plus = Cur().kind == Tok::kPlus;
    CountOperator();
    Advance();
    Term second = UpdateTermParens();
    if (IsArithmetic(second.operand)) Fail();
    Operand op;
    op.kind = plus ? OperandKind::kPlus : OperandKind::kMinus;
    for (const Operand* a : {&first.operand, &second.operand}) {
      if (IsValue(*a) && a->value.type() != AttributeType::kN) {
        OperandType(plus ? "+" : "-", *a);
      }
    }
    op.args.push_back(std::move(first.operand));
    op.args.push_back(std::move(second.operand));
    if (Cur().kind == Tok::kPlus || Cur().kind == Tok::kMinus) Fail();
    return op;
  }

  static bool IsArithmetic(const Operand& op) {
    return op.kind == OperandKind::kPlus || op.kind == OperandKind::kMinus;
  }

  // An update term, or a parenthesised value: "(a + :b)" or "(a)".
  Term UpdateTermParens() {
    if (Cur().kind != Tok::kLParen) return ParseTerm();
    Nesting level(*this);
    Advance();
    Term t;
    t.operand = ParseSetValue();
    Expect(Tok::kRParen);
    t.parenthesized = true;
    return t;
  }

  Term UpdateFunction(const std::string& name, std::vector<Term> args) {
    Term term;
    term.function = name;
    std::vector<Operand> ops;
    for (Term& a : args) ops.push_back(std::move(a.operand));
    if (name == "if_not_exists") {
      term.operand.kind = OperandKind::kIfNotExists;
      if (Arity(name, args, 2)) RequirePath(name, ops[0]);
    } else if (name == "list_append") {
      term.operand.kind = OperandKind::kListAppend;
      if (Arity(name, args, 2)) {
        for (const Operand& op : ops) {
          if (IsValue(op) && op.value.type() != AttributeType::kL) {
            OperandType(name, op);
          }
        }
      }
    } else {
      Semantic("Invalid function name; function: " + name);
    }
    term.operand.args = std::move(ops);
    return term;
  }

  // ---- shared

  // Two paths of one update or projection may neither be equal, nor one
  // hold the other ("overlap"), nor name the same step once as a map key
  // and once as a list index ("conflict").
  void CheckOverlap(const DocumentPath& path, std::vector<DocumentPath>& seen) {
    for (const DocumentPath& other : seen) {
      size_t n = std::min(other.size(), path.size());
      bool diverge = false;
      for (size_t i = 0; i < n && !diverge; ++i) {
        if (other[i].is_index != path[i].is_index) {
          Semantic(
              "Two document paths conflict with each other; must remove or "
              "rewrite one of these paths; path one: " +
              PathToString(other) + ", path two: " + PathToString(path));
          diverge = true;
        } else if (!(other[i] == path[i])) {
          diverge = true;
        }
      }
      if (!diverge) {
        Semantic(
            "Two document paths overlap with each other; must remove or "
            "rewrite one of these paths; path one: " +
            PathToString(other) + ", path two: " + PathToString(path));
      }
    }
    seen.push_back(path);
  }

  std::string_view text_;
  ExpressionKind kind_;
  ExpressionAttributes& attributes_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Status semantic_;
  Status parens_;
  size_t operators_ = 0;
  int nesting_ = 0;  // parentheses open now
};

bool ValidKey(std::string_view key, char lead) {
  return key.size() >= 2 && key[0] == lead &&
         std::all_of(key.begin() + 1, key.end(), IsNameChar);
}

std::string Keys(const std::vector<std::string>& keys) {
  std::string out = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ", ";
    out += keys[i];
  }
  return out + "}";
}

}  // namespace

std::string_view ExpressionKindName(ExpressionKind kind) {
  switch (kind) {
    case ExpressionKind::kCondition:
      return "ConditionExpression";
    case ExpressionKind::kFilter:
      return "FilterExpression";
    case ExpressionKind::kKeyCondition:
      return "KeyConditionExpression";
    case ExpressionKind::kUpdate:
      return "UpdateExpression";
    case ExpressionKind::kProjection:
      return "ProjectionExpression";
  }
  return "ConditionExpression";
}

std::string_view ComparatorText(Comparator c) {
  switch (c) {
    case Comparator::kEq:
      return "=";
    case Comparator::kNe:
      return "<>";
    case Comparator::kLt:
      return "<";
    case Comparator::kLe:
      return "<=";
    case Comparator::kGt:
      return ">";
    case Comparator::kGe:
      return ">=";
  }
  return "=";
}

const std::string* ExpressionAttributes::Name(std::string_view alias) {
  if (names_ == nullptr) return nullptr;
  auto it = names_->find(alias);
  if (it == names_->end()) return nullptr;
  used_names_.insert(it->first);
  return &it->second;
}

const AttributeValue* ExpressionAttributes::Value(std::string_view token) {
  if (values_ == nullptr) return nullptr;
  auto it = values_->find(token);
  if (it == values_->end()) return nullptr;
  used_values_.insert(it->first);
  return &it->second;
}

Status ExpressionAttributes::CheckAllUsed() const {
  std::vector<std::string> unused;
  if (names_ != nullptr) {
    for (const auto& [k, v] : *names_) {
      if (!used_names_.count(k)) unused.push_back(k);
    }
  }
  if (!unused.empty()) {
    return Status(dynamodb::kValidationException,
                  "Value provided in ExpressionAttributeNames unused in "
                  "expressions: keys: " +
                      Keys(unused));
  }
  if (values_ != nullptr) {
    for (const auto& [k, v] : *values_) {
      if (!used_values_.count(k)) unused.push_back(k);
    }
  }
  if (!unused.empty()) {
    return Status(dynamodb::kValidationException,
                  "Value provided in ExpressionAttributeValues unused in "
                  "expressions: keys: " +
                      Keys(unused));
  }
  return Status::Ok();
}

Status CheckExpressionAttributeMaps(const AttributeNames* names,
                                    const AttributeValues* values) {
  if (names != nullptr) {
    if (names->empty()) {
      return Status(dynamodb::kValidationException,
                    "ExpressionAttributeNames must not be empty");
    }
    for (const auto& [k, v] : *names) {
      if (!ValidKey(k, '#')) {
        return Status(dynamodb::kValidationException,
                      "ExpressionAttributeNames contains invalid key: Syntax "
                      "error; key: \"" +
                          k + "\"");
      }
    }
  }
  if (values != nullptr) {
    if (values->empty()) {
      return Status(dynamodb::kValidationException,
                    "ExpressionAttributeValues must not be empty");
    }
    for (const auto& [k, v] : *values) {
      if (!ValidKey(k, ':')) {
        return Status(dynamodb::kValidationException,
                      "ExpressionAttributeValues contains invalid key: Syntax "
                      "error; key: \"" +
                          k + "\"");
      }
    }
  }
  return Status::Ok();
}

std::string PathToString(const DocumentPath& path) {
  std::string out = "[";
  for (size_t i = 0; i < path.size(); ++i) {
    if (i > 0) out += ", ";
    out += path[i].is_index ? "[" + std::to_string(path[i].index) + "]"
                            : path[i].name;
  }
  return out + "]";
}

std::string PathToText(const DocumentPath& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i].is_index) {
      out += "[" + std::to_string(path[i].index) + "]";
    } else {
      if (i > 0) out += ".";
      out += path[i].name;
    }
  }
  return out;
}

Result<Condition> ParseCondition(std::string_view text, ExpressionKind kind,
                                 ExpressionAttributes& attributes) {
  Parser p(text, kind, attributes);
  if (Status s = p.Precheck(); !s.ok()) return s;
  return p.WholeCondition();
}

Result<UpdateExpression> ParseUpdate(std::string_view text,
                                     ExpressionAttributes& attributes) {
  Parser p(text, ExpressionKind::kUpdate, attributes);
  if (Status s = p.Precheck(); !s.ok()) return s;
  return p.WholeUpdate();
}

Result<ProjectionExpression> ParseProjection(std::string_view text,
                                             ExpressionAttributes& attributes) {
  Parser p(text, ExpressionKind::kProjection, attributes);
  if (Status s = p.Precheck(); !s.ok()) return s;
  return p.WholeProjection();
}

}  // namespace fanlab::services
