// The expression parser: the shapes it builds (precedence, parentheses,
// functions, update clauses, projections) and every error it reports, with
// DynamoDB's exact messages.
#include "emulator/services/expression.h"

#include <gtest/gtest.h>

#include <string>

#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

// Parses with the given substitutions; values are strings unless the
// test builds its own map.
class ExpressionTest : public ::testing::Test {
 protected:
  ExpressionTest() {
    values_[":v"] = AttributeValue::String("x");
    values_[":w"] = AttributeValue::String("y");
    values_[":n"] = AttributeValue::Number("5");
    values_[":one"] = AttributeValue::Number("1");
    values_[":b"] = AttributeValue::Bool(true);
    values_[":l"] = AttributeValue::List({});
    values_[":ss"] = AttributeValue::StringSet({"a"});
    values_[":t"] = AttributeValue::String("S");
    names_["#a"] = "data";
    names_["#n"] = "name";
  }

  Result<Condition> Cond(std::string_view text,
                         ExpressionKind kind = ExpressionKind::kCondition) {
    attributes_ = ExpressionAttributes(&names_, &values_);
    return ParseCondition(text, kind, attributes_);
  }
  std::string CondError(std::string_view text,
                        ExpressionKind kind = ExpressionKind::kCondition) {
    auto c = Cond(text, kind);
    EXPECT_FALSE(c.ok()) << text << " parsed";
    EXPECT_EQ(c.status().code(), dynamodb::kValidationException);
    return c.status().message();
  }
  Result<UpdateExpression> Update(std::string_view text) {
    attributes_ = ExpressionAttributes(&names_, &values_);
    return ParseUpdate(text, attributes_);
  }
  std::string UpdateError(std::string_view text) {
    auto u = Update(text);
    EXPECT_FALSE(u.ok()) << text << " parsed";
    return u.status().message();
  }
  std::string ProjectionError(std::string_view text) {
    attributes_ = ExpressionAttributes(&names_, &values_);
    auto p = ParseProjection(text, attributes_);
    EXPECT_FALSE(p.ok()) << text << " parsed";
    return p.status().message();
  }

  AttributeNames names_;
  AttributeValues values_;
  ExpressionAttributes attributes_;
};

TEST_F(ExpressionTest, ComparisonBuildsPathAndValue) {
  auto c = Cond("a.b[2].c >= :n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, ConditionKind::kCompare);
  EXPECT_EQ(c->comparator, Comparator::kGe);
  ASSERT_EQ(c->operands.size(), 2u);
  EXPECT_EQ(PathToText(c->operands[0].path), "a.b[2].c");
  EXPECT_EQ(PathToString(c->operands[0].path), "[a, b, [2], c]");
  EXPECT_EQ(c->operands[1].kind, OperandKind::kValue);
  EXPECT_EQ(c->operands[1].value.scalar(), "5");
}

TEST_F(ExpressionTest, EveryComparator) {
  const std::pair<const char*, Comparator> cases[] = {
      {"=", Comparator::kEq}, {"<>", Comparator::kNe},
      {"<", Comparator::kLt}, {"<=", Comparator::kLe},
      {">", Comparator::kGt}, {">=", Comparator::kGe}};
  for (const auto& [text, comparator] : cases) {
    auto c = Cond(std::string("a ") + text + " :v");
    ASSERT_TRUE(c.ok()) << text;
    EXPECT_EQ(c->comparator, comparator) << text;
  }
}

TEST_F(ExpressionTest, AliasesAreSubstituted) {
  auto c = Cond("#a.#n = :v");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(PathToText(c->operands[0].path), "data.name");
}

TEST_F(ExpressionTest, AndBindsTighterThanOr) {
  auto c = Cond("a = :v OR b = :v AND c = :v");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->kind, ConditionKind::kOr);
  EXPECT_EQ(c->children[0].kind, ConditionKind::kCompare);
  EXPECT_EQ(c->children[1].kind, ConditionKind::kAnd);
}

TEST_F(ExpressionTest, NotBindsTighterThanAnd) {
  auto c = Cond("NOT a = :v AND b = :v");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->kind, ConditionKind::kAnd);
  EXPECT_EQ(c->children[0].kind, ConditionKind::kNot);
}

TEST_F(ExpressionTest, ParenthesesRegroup) {
  auto c = Cond("(a = :v OR b = :v) AND c = :v");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->kind, ConditionKind::kAnd);
  EXPECT_EQ(c->children[0].kind, ConditionKind::kOr);
  auto operand = Cond("(a) = :v");
  ASSERT_TRUE(operand.ok()) << operand.status().ToString();
  EXPECT_EQ(operand->kind, ConditionKind::kCompare);
}

TEST_F(ExpressionTest, KeywordsAreCaseInsensitive) {
  auto c = Cond("not a between :n and :n or b in (:v, :w)");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, ConditionKind::kOr);
  EXPECT_EQ(c->children[0].kind, ConditionKind::kNot);
  EXPECT_EQ(c->children[0].children[0].kind, ConditionKind::kBetween);
  EXPECT_EQ(c->children[1].kind, ConditionKind::kIn);
  EXPECT_EQ(c->children[1].operands.size(), 3u);
}

TEST_F(ExpressionTest, BetweenTakesItsOwnAnd) {
  auto c = Cond("a BETWEEN :one AND :n AND b = :v");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->kind, ConditionKind::kAnd);
  EXPECT_EQ(c->children[0].kind, ConditionKind::kBetween);
}

TEST_F(ExpressionTest, Functions) {
  const std::pair<const char*, ConditionKind> cases[] = {
      {"attribute_exists(a)", ConditionKind::kExists},
      {"attribute_not_exists(#a)", ConditionKind::kNotExists},
      {"attribute_type(a, :t)", ConditionKind::kAttributeType},
      {"begins_with(a, :v)", ConditionKind::kBeginsWith},
      {"contains(a, :v)", ConditionKind::kContains}};
  for (const auto& [text, kind] : cases) {
    auto c = Cond(text);
    ASSERT_TRUE(c.ok()) << text << ": " << c.status().ToString();
    EXPECT_EQ(c->kind, kind) << text;
  }
  auto size = Cond("size(a) > :n");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->operands[0].kind, OperandKind::kSize);
}

TEST_F(ExpressionTest, SyntaxErrorsQuoteTheTokenAndItsNeighbours) {
  EXPECT_EQ(CondError("a = :v AND"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", "
            "near: \"AND\"");
  EXPECT_EQ(CondError("a == :v"),
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: "
            "\"== :v\"");
  EXPECT_EQ(CondError("#a attribute_not_exists :v", ExpressionKind::kFilter),
            "Invalid FilterExpression: Syntax error; token: "
            "\"attribute_not_exists\", near: \"#a attribute_not_exists :v\"");
  EXPECT_EQ(CondError("a ! :v"),
            "Invalid ConditionExpression: Syntax error; token: \"!\", near: "
            "\"a ! :v\"");
  EXPECT_EQ(CondError("a"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", "
            "near: \"a\"");
  EXPECT_EQ(CondError("a = :v b"),
            "Invalid ConditionExpression: Syntax error; token: \"b\", near: "
            "\":v b\"");
  EXPECT_EQ(CondError("a = b = c"),
            "Invalid ConditionExpression: Syntax error; token: \"=\", near: "
            "\"b = c\"");
  EXPECT_EQ(CondError("a AND b = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"AND\", "
            "near: \"a AND b\"");
  EXPECT_EQ(CondError("(a = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", "
            "near: \":v\"");
  EXPECT_EQ(CondError("a[x] = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"x\", near: "
            "\"[x]\"");
  EXPECT_EQ(CondError("1a = :v"),
            "Invalid ConditionExpression: Syntax error; token: \"1a\", near: "
            "\"1a =\"");
  EXPECT_EQ(CondError("a = # AND b"),
            "Invalid ConditionExpression: Syntax error; token: \"#\", near: "
            "\"= # AND\"");
  EXPECT_EQ(CondError("a IN :v"),
            "Invalid ConditionExpression: Syntax error; token: \":v\", near: "
            "\"IN :v\"");
  EXPECT_EQ(CondError("a = :v + :w"),
            "Invalid ConditionExpression: Syntax error; token: \"+\", near: "
            "\":v + :w\"");
}

TEST_F(ExpressionTest, EmptyAndOversizedExpressions) {
  EXPECT_EQ(CondError("   "),
            "Invalid ConditionExpression: The expression can not be empty;");
  EXPECT_EQ(UpdateError(""),
            "Invalid UpdateExpression: The expression can not be empty;");
  std::string big = "a = :v";
  big.append(kMaxExpressionBytes - big.size() + 1, ' ');
  EXPECT_EQ(CondError(big),
            "Invalid ConditionExpression: Expression size has exceeded the "
            "maximum allowed size; expression size: 4097");
  big.pop_back();
  EXPECT_TRUE(Cond(big).ok());
}

TEST_F(ExpressionTest, UndefinedSubstitutions) {
  EXPECT_EQ(CondError("a = :nope"),
            "Invalid ConditionExpression: An expression attribute value used "
            "in expression is not defined; attribute value: :nope");
  EXPECT_EQ(CondError("#nope = :v"),
            "Invalid ConditionExpression: An expression attribute name used "
            "in the document path is not defined; attribute name: #nope");
}

TEST_F(ExpressionTest, ReservedWordsNeedAnAlias) {
  EXPECT_EQ(CondError("name = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved "
            "keyword; reserved keyword: name");
  EXPECT_EQ(CondError("a.Status = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved "
            "keyword; reserved keyword: Status");
  EXPECT_TRUE(Cond("#n = :v").ok());
  EXPECT_TRUE(IsReservedWord("name"));
  EXPECT_TRUE(IsReservedWord("ZONE"));
  EXPECT_TRUE(IsReservedWord("Abort"));
  EXPECT_FALSE(IsReservedWord("username"));
  EXPECT_FALSE(IsReservedWord("enabled"));
}

TEST_F(ExpressionTest, FunctionErrors) {
  EXPECT_EQ(CondError("foo(a)"),
            "Invalid ConditionExpression: Invalid function name; function: "
            "foo");
  EXPECT_EQ(CondError("SIZE(a) > :n"),
            "Invalid ConditionExpression: Invalid function name; function: "
            "SIZE");
  EXPECT_EQ(CondError("begins_with(a)"),
            "Invalid ConditionExpression: Incorrect number of operands for "
            "operator or function; operator or function: begins_with, number "
            "of operands: 1");
  EXPECT_EQ(CondError("attribute_exists(:v)"),
            "Invalid ConditionExpression: Operator or function requires a "
            "document path; operator or function: attribute_exists");
  EXPECT_EQ(CondError("size(a)"),
            "Invalid ConditionExpression: The function is not allowed to be "
            "used this way in an expression; function: size");
  EXPECT_EQ(CondError("attribute_exists(a) = :v"),
            "Invalid ConditionExpression: The function is not allowed to be "
            "used this way in an expression; function: attribute_exists");
  EXPECT_EQ(CondError("begins_with(a, :n)"),
            "Invalid ConditionExpression: Incorrect operand type for operator "
            "or function; operator or function: begins_with, operand type: N");
  EXPECT_EQ(CondError("size(:n) > :one"),
            "Invalid ConditionExpression: Incorrect operand type for operator "
            "or function; operator or function: size, operand type: N");
  EXPECT_EQ(CondError("attribute_type(a, :n)"),
            "Invalid ConditionExpression: Incorrect operand type for operator "
            "or function; operator or function: attribute_type, operand type: "
            "N");
  values_[":x"] = AttributeValue::String("X");
  EXPECT_EQ(CondError("attribute_type(a, :x)"),
            "Invalid ConditionExpression: Invalid attribute type name found; "
            "type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
  EXPECT_EQ(CondError("if_not_exists(a, :v) = :v"),
            "Invalid ConditionExpression: Invalid function name; function: "
            "if_not_exists");
}

TEST_F(ExpressionTest, OperandsMustBeDistinct) {
  EXPECT_EQ(CondError("contains(#a, #a)"),
            "Invalid ConditionExpression: The first operand must be distinct "
            "from the remaining operands for this operator or function; "
            "operator: contains, first operand: [data]");
  EXPECT_EQ(CondError("a.b = a.b"),
            "Invalid ConditionExpression: The first operand must be distinct "
            "from the remaining operands for this operator or function; "
            "operator: =, first operand: [a, b]");
}

TEST_F(ExpressionTest, RedundantParentheses) {
  EXPECT_EQ(CondError("((attribute_not_exists(a)))"),
            "Invalid ConditionExpression: The expression has redundant "
            "parentheses;");
  EXPECT_EQ(CondError("((a)) = :v"),
            "Invalid ConditionExpression: The expression has redundant "
            "parentheses;");
  // Reported ahead of an earlier problem of another kind.
  EXPECT_EQ(CondError("a = :nope AND ((b = :v))"),
            "Invalid ConditionExpression: The expression has redundant "
            "parentheses;");
  EXPECT_TRUE(Cond("((a = :v) AND (b = :v))").ok());
}

TEST_F(ExpressionTest, BetweenBoundsAreChecked) {
  EXPECT_EQ(CondError("a BETWEEN :n AND :one"),
            "Invalid ConditionExpression: The BETWEEN operator requires upper "
            "bound to be greater than or equal to lower bound; lower bound "
            "operand: AttributeValue: {N:5}, upper bound operand: "
            "AttributeValue: {N:1}");
  EXPECT_EQ(CondError("a BETWEEN :n AND :v"),
            "Invalid ConditionExpression: The BETWEEN operator requires same "
            "data type for lower and upper bounds; lower bound operand: "
            "AttributeValue: {N:5}, upper bound operand: AttributeValue: "
            "{S:x}");
}

TEST_F(ExpressionTest, InTakesAtMostAHundredOperands) {
  std::string list;
  for (int i = 0; i < 101; ++i) list += (i ? ", :v" : ":v");
  EXPECT_EQ(CondError("a IN (" + list + ")"),
            "Invalid ConditionExpression: The IN operator is provided with "
            "too many operands; number of operands: 101");
  EXPECT_TRUE(Cond("a IN (" + list.substr(4) + ")").ok());
}

std::string Repeat(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// DynamoDB's 300-operator limit: "a<b or (a<b or (...))" with 149 levels
// has 299 operators and parses; parentheses are not operators.
TEST_F(ExpressionTest, AnExpressionHasAtMostThreeHundredOperators) {
  auto chain = [](int levels) {
    return "a<b" + Repeat(" OR (a<b", levels) + Repeat(")", levels);
  };
  EXPECT_TRUE(Cond(chain(149)).ok());
  // Functions are not operators: 300.
  EXPECT_TRUE(Cond(chain(149) + " AND attribute_exists(c)").ok());
  const std::string too_many =
      "Invalid ConditionExpression: The expression contains too many "
      "operators; operator count: 301";
  EXPECT_EQ(CondError(chain(149) + " AND c = :v"), too_many);
  ASSERT_LE(chain(454).size(), kMaxExpressionBytes);
  EXPECT_EQ(CondError(chain(454)), too_many);
  // NOT counts; each one is also a level of the parser's recursion.
  EXPECT_EQ(CondError(Repeat("NOT ", 1000) + "a < b"), too_many);
  EXPECT_EQ(CondError(Repeat("a < b AND ", 150) + "a < b"), too_many);
  // The limit stops the parse where it is met, like a syntax error.
  EXPECT_EQ(CondError("a = :missing AND " + Repeat("NOT ", 300) + "a < b"),
            too_many);
  // In an update expression, + and - are the operators.
  std::string sets = "SET ";
  for (int i = 0; i < 301; ++i) {
    sets += (i ? ",x" : "x") + std::to_string(i) + "=:n+:n";
  }
  ASSERT_LE(sets.size(), kMaxExpressionBytes);
  EXPECT_EQ(UpdateError(sets),
            "Invalid UpdateExpression: The expression contains too many "
            "operators; operator count: 301");
}

// The parser recurses once per open parenthesis; without a limit, 2,000
// of them (4 KB) overflowed a debug build's stack. The deepest expression
// within the size limit must be refused cleanly in an ordinary test thread.
TEST_F(ExpressionTest, DeeplyNestedParenthesesAreAValidationError) {
  const std::string too_deep =
      "Invalid ConditionExpression: The expression is nested too deeply; "
      "nesting levels: 257";
  EXPECT_EQ(CondError(std::string(kMaxExpressionBytes, '(')), too_deep);
  EXPECT_EQ(CondError(Repeat("(", 2046) + "a<b" + Repeat(")", 2046)), too_deep);
  EXPECT_EQ(CondError(Repeat("(", 2046) + "a) < b"), too_deep);
  EXPECT_EQ(CondError("a < " + Repeat("(", 2000) + "b" + Repeat(")", 2000)),
            too_deep);
  EXPECT_EQ(CondError("a < " + Repeat("size(", 600) + "b" + Repeat(")", 600)),
            too_deep);
  EXPECT_EQ(CondError(Repeat("NOT (", 600) + "a < b" + Repeat(")", 600)),
            too_deep);
  EXPECT_EQ(UpdateError("SET a = " + Repeat("(", 4000) + ":v"),
            "Invalid UpdateExpression: The expression is nested too deeply; "
            "nesting levels: 257");
  EXPECT_EQ(
      UpdateError("SET a = " + Repeat("f(", 1000) + ":v" + Repeat(")", 1000)),
      "Invalid UpdateExpression: The expression is nested too deeply; "
      "nesting levels: 257");
  // 256 levels parse (and meet the error DynamoDB gives this one).
  EXPECT_EQ(
      UpdateError("SET a = " + Repeat("f(", 256) + ":v" + Repeat(")", 256)),
      "Invalid UpdateExpression: Invalid function name; function: f");
  // 10,000 parentheses do not fit in an expression: refused by size
  // before the parser sees them.
  EXPECT_EQ(CondError(Repeat("(", 10000) + "a < b" + Repeat(")", 10000)),
            "Invalid ConditionExpression: Expression size has exceeded the "
            "maximum allowed size; expression size: 20005");
}

// DynamoDB allows 32 steps in a document path, list indexes included.
TEST_F(ExpressionTest, DocumentPathsHaveAtMostThirtyTwoLevels) {
  attributes_ = ExpressionAttributes(&names_, &values_);
  EXPECT_TRUE(ParseProjection("a" + Repeat(".b", 31), attributes_).ok());
  EXPECT_EQ(ProjectionError("a" + Repeat(".b", 32)),
            "Invalid ProjectionExpression: The document path has too many "
            "nesting levels; nesting levels: 33");
  EXPECT_EQ(CondError("attribute_exists(a" + Repeat("[0]", 40) + ")"),
            "Invalid ConditionExpression: The document path has too many "
            "nesting levels; nesting levels: 41");
  EXPECT_EQ(UpdateError("SET a" + Repeat(".b", 32) + " = a"),
            "Invalid UpdateExpression: The document path has too many "
            "nesting levels; nesting levels: 33");
  EXPECT_TRUE(Update("SET a" + Repeat(".b", 31) + " = a").ok());
}

TEST_F(ExpressionTest, FirstProblemInReadingOrderIsReported) {
  EXPECT_EQ(CondError("a = :missing AND begins_with(b, :n)"),
            "Invalid ConditionExpression: An expression attribute value used "
            "in expression is not defined; attribute value: :missing");
  EXPECT_EQ(CondError("begins_with(b, :n) AND a = :missing"),
            "Invalid ConditionExpression: Incorrect operand type for operator "
            "or function; operator or function: begins_with, operand type: N");
  // A syntax error anywhere wins.
  EXPECT_EQ(CondError("a = :missing AND"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", "
            "near: \"AND\"");
}

TEST_F(ExpressionTest, KeyConditionsRefuseWhatQueriesCannotDo) {
  const ExpressionKind k = ExpressionKind::kKeyCondition;
  EXPECT_EQ(CondError("pk = :v OR sk = :w", k),
            "Invalid KeyConditionExpression: Invalid operator used in "
            "KeyConditionExpression: OR");
  EXPECT_EQ(CondError("NOT pk = :v", k),
            "Invalid KeyConditionExpression: Invalid operator used in "
            "KeyConditionExpression: NOT");
  EXPECT_EQ(CondError("pk <> :v", k),
            "Invalid KeyConditionExpression: Invalid operator used in "
            "KeyConditionExpression: <>");
  EXPECT_EQ(CondError("pk IN (:v)", k),
            "Invalid KeyConditionExpression: Invalid operator used in "
            "KeyConditionExpression: IN");
  EXPECT_EQ(CondError("pk = :v AND contains(sk, :w)", k),
            "Invalid KeyConditionExpression: Invalid operator used in "
            "KeyConditionExpression: contains");
  EXPECT_EQ(CondError("pk = :v AND sk < :b", k),
            "Invalid KeyConditionExpression: Incorrect operand type for "
            "operator or function; operator or function: <, operand type: "
            "BOOL");
  EXPECT_EQ(CondError("pk = :v AND :b >= sk", k),
            "Invalid KeyConditionExpression: Incorrect operand type for "
            "operator or function; operator or function: >=, operand type: "
            "BOOL");
  values_[":b2"] = AttributeValue::Bool(false);
  EXPECT_EQ(CondError("pk = :v AND sk BETWEEN :b2 AND :b", k),
            "Invalid KeyConditionExpression: Incorrect operand type for "
            "operator or function; operator or function: BETWEEN, operand "
            "type: BOOL");
  EXPECT_TRUE(Cond("pk = :v AND begins_with(sk, :w)", k).ok());
  EXPECT_TRUE(Cond("(pk = :v) AND (sk BETWEEN :one AND :n)", k).ok());
}

TEST_F(ExpressionTest, UpdateClauses) {
  auto u = Update(
      "SET a = :v, b.c[1] = b.c[0] + :n, l = list_append(if_not_exists(l, "
      ":l), :l) REMOVE r1, r2[3] ADD hits :one, tags :ss DELETE gone :ss");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_EQ(u->actions.size(), 8u);
  EXPECT_EQ(u->actions[0].kind, UpdateKind::kSet);
  EXPECT_EQ(u->actions[1].value.kind, OperandKind::kPlus);
  EXPECT_EQ(u->actions[2].value.kind, OperandKind::kListAppend);
  EXPECT_EQ(u->actions[2].value.args[0].kind, OperandKind::kIfNotExists);
  EXPECT_EQ(u->actions[3].kind, UpdateKind::kRemove);
  EXPECT_EQ(PathToText(u->actions[4].path), "r2[3]");
  EXPECT_EQ(u->actions[5].kind, UpdateKind::kAdd);
  EXPECT_EQ(u->actions[7].kind, UpdateKind::kDelete);
  // Clauses in any order and case; parentheses around a value.
  EXPECT_TRUE(Update("remove x set y = (:n - z)").ok());
  EXPECT_TRUE(Update("SET y = (:n) - (z)").ok());
}

TEST_F(ExpressionTest, UpdateSyntaxErrors) {
  EXPECT_EQ(UpdateError("ADD hits : incr"),
            "Invalid UpdateExpression: Syntax error; token: \":\", near: "
            "\"hits : incr\"");
  EXPECT_EQ(UpdateError("INVALID SYNTAX HERE"),
            "Invalid UpdateExpression: Syntax error; token: \"INVALID\", "
            "near: \"INVALID SYNTAX\"");
  EXPECT_EQ(UpdateError("SET a = :v,"),
            "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: "
            "\",\"");
  EXPECT_EQ(UpdateError("SET a = :n + :n + :n"),
            "Invalid UpdateExpression: Syntax error; token: \"+\", near: \":n "
            "+ :n\"");
  EXPECT_EQ(UpdateError("SET a :v"),
            "Invalid UpdateExpression: Syntax error; token: \":v\", near: \"a "
            ":v\"");
  EXPECT_EQ(UpdateError("ADD a b"),
            "Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a "
            "b\"");
  EXPECT_EQ(UpdateError("SET a = :v, REMOVE b"),
            "Invalid UpdateExpression: Syntax error; token: \"REMOVE\", near: "
            "\", REMOVE b\"");
  EXPECT_EQ(UpdateError("SET a = (:n + :n) + :n"),
            "Invalid UpdateExpression: Syntax error; token: \"+\", near: \") "
            "+ :n\"");
}

TEST_F(ExpressionTest, UpdateSemanticErrors) {
  EXPECT_EQ(UpdateError("SET a = :v SET b = :v"),
            "Invalid UpdateExpression: The \"SET\" section can only be used "
            "once in an update expression;");
  EXPECT_EQ(UpdateError("SET a = :v REMOVE a"),
            "Invalid UpdateExpression: Two document paths overlap with each "
            "other; must remove or rewrite one of these paths; path one: [a], "
            "path two: [a]");
  EXPECT_EQ(UpdateError("SET a.b = :v REMOVE a"),
            "Invalid UpdateExpression: Two document paths overlap with each "
            "other; must remove or rewrite one of these paths; path one: [a, "
            "b], path two: [a]");
  EXPECT_EQ(UpdateError("SET a.b = :v, a[0] = :v"),
            "Invalid UpdateExpression: Two document paths conflict with each "
            "other; must remove or rewrite one of these paths; path one: [a, "
            "b], path two: [a, [0]]");
  EXPECT_EQ(UpdateError("ADD a :v"),
            "Invalid UpdateExpression: Incorrect operand type for operator or "
            "function; operator: ADD, operand type: STRING");
  EXPECT_EQ(UpdateError("DELETE a :n"),
            "Invalid UpdateExpression: Incorrect operand type for operator or "
            "function; operator: DELETE, operand type: NUMBER");
  EXPECT_EQ(UpdateError("SET a = b + :v"),
            "Invalid UpdateExpression: Incorrect operand type for operator or "
            "function; operator or function: +, operand type: S");
  EXPECT_EQ(UpdateError("SET a = list_append(a, :v)"),
            "Invalid UpdateExpression: Incorrect operand type for operator or "
            "function; operator or function: list_append, operand type: S");
  EXPECT_EQ(UpdateError("SET a = if_not_exists(:v, :v)"),
            "Invalid UpdateExpression: Operator or function requires a "
            "document path; operator or function: if_not_exists");
  EXPECT_EQ(UpdateError("SET a = size(b)"),
            "Invalid UpdateExpression: Invalid function name; function: size");
  EXPECT_EQ(UpdateError("SET a = list_append(:l)"),
            "Invalid UpdateExpression: Incorrect number of operands for "
            "operator or function; operator or function: list_append, number "
            "of operands: 1");
  EXPECT_EQ(UpdateError("SET a = :nope"),
            "Invalid UpdateExpression: An expression attribute value used in "
            "expression is not defined; attribute value: :nope");
  EXPECT_EQ(UpdateError("REMOVE #nope"),
            "Invalid UpdateExpression: An expression attribute name used in "
            "the document path is not defined; attribute name: #nope");
  EXPECT_EQ(UpdateError("SET size = :v"),
            "Invalid UpdateExpression: Attribute name is a reserved keyword; "
            "reserved keyword: size");
}

TEST_F(ExpressionTest, Projections) {
  attributes_ = ExpressionAttributes(&names_, &values_);
  auto p = ParseProjection("a, b.c, d[1], #a", attributes_);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->paths.size(), 4u);
  EXPECT_EQ(PathToText(p->paths[3]), "data");
  EXPECT_EQ(ProjectionError("a, a.b"),
            "Invalid ProjectionExpression: Two document paths overlap with "
            "each other; must remove or rewrite one of these paths; path one: "
            "[a], path two: [a, b]");
  EXPECT_EQ(ProjectionError("a.b, a[0]"),
            "Invalid ProjectionExpression: Two document paths conflict with "
            "each other; must remove or rewrite one of these paths; path one: "
            "[a, b], path two: [a, [0]]");
  EXPECT_EQ(ProjectionError("a,"),
            "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", "
            "near: \",\"");
  EXPECT_EQ(ProjectionError("a b"),
            "Invalid ProjectionExpression: Syntax error; token: \"b\", near: "
            "\"a b\"");
  EXPECT_EQ(ProjectionError("comment"),
            "Invalid ProjectionExpression: Attribute name is a reserved "
            "keyword; reserved keyword: comment");
}

TEST_F(ExpressionTest, UnusedSubstitutionsAreReported) {
  ExpressionAttributes attrs(&names_, &values_);
  ASSERT_TRUE(
      ParseCondition("#a = :v", ExpressionKind::kCondition, attrs).ok());
  EXPECT_EQ(attrs.CheckAllUsed().message(),
            "Value provided in ExpressionAttributeNames unused in "
            "expressions: keys: {#n}");
  ASSERT_TRUE(ParseCondition("#n = :v", ExpressionKind::kFilter, attrs).ok());
  EXPECT_EQ(attrs.CheckAllUsed().message(),
            "Value provided in ExpressionAttributeValues unused in "
            "expressions: keys: {:b, :l, :n, :one, :ss, :t, :w}");
  AttributeValues one = {{":v", AttributeValue::String("x")}};
  ExpressionAttributes all(nullptr, &one);
  ASSERT_TRUE(ParseCondition("a = :v", ExpressionKind::kCondition, all).ok());
  EXPECT_TRUE(all.CheckAllUsed().ok());
}

TEST_F(ExpressionTest, SubstitutionMapsAreChecked) {
  AttributeNames empty_names;
  EXPECT_EQ(CheckExpressionAttributeMaps(&empty_names, nullptr).message(),
            "ExpressionAttributeNames must not be empty");
  AttributeValues empty_values;
  EXPECT_EQ(CheckExpressionAttributeMaps(nullptr, &empty_values).message(),
            "ExpressionAttributeValues must not be empty");
  AttributeNames bad_name = {{"a", "x"}};
  EXPECT_EQ(CheckExpressionAttributeMaps(&bad_name, nullptr).message(),
            "ExpressionAttributeNames contains invalid key: Syntax error; "
            "key: \"a\"");
  AttributeValues bad_value = {{":a-b", AttributeValue::String("x")}};
  EXPECT_EQ(CheckExpressionAttributeMaps(nullptr, &bad_value).message(),
            "ExpressionAttributeValues contains invalid key: Syntax error; "
            "key: \":a-b\"");
  EXPECT_TRUE(CheckExpressionAttributeMaps(&names_, &values_).ok());
  EXPECT_TRUE(CheckExpressionAttributeMaps(nullptr, nullptr).ok());
}

}  // namespace
}  // namespace fanlab::services
