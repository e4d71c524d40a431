// Evaluating expressions over items: condition semantics (missing
// attributes, types, functions), update actions and their runtime errors,
// projections.
#include "emulator/services/expression_eval.h"

#include <gtest/gtest.h>

#include <string>

#include "emulator/services/attribute_value_json.h"

namespace fanlab::services {
namespace {

class ExpressionEvalTest : public ::testing::Test {
 protected:
  ExpressionEvalTest() {
    auto item = ParseItem(R"({
      "pk": {"S": "user#1"},
      "n": {"N": "10"},
      "price": {"N": "0.1"},
      "s": {"S": "hello world"},
      "u": {"S": "é𝄞"},
      "b": {"B": "AAECAw=="},
      "flag": {"BOOL": true},
      "nothing": {"NULL": true},
      "tags": {"SS": ["red", "blue"]},
      "nums": {"NS": ["1", "2.5"]},
      "l": {"L": [{"S": "a"}, {"N": "1"}, {"M": {"c": {"S": "deep"}}}]},
      "m": {"M": {"x": {"N": "1"}, "y": {"L": [{"S": "p"}, {"S": "q"}]}}}
    })");
    EXPECT_TRUE(item.ok()) << item.status().ToString();
    item_ = *item;
  }

  void Value(const std::string& name, std::string_view json) {
    auto v = ParseAttributeValue(json);
    ASSERT_TRUE(v.ok()) << json;
    values_[name] = *v;
  }

  bool Holds(std::string_view condition) {
    ExpressionAttributes attrs(&names_, &values_);
    auto c = ParseCondition(condition, ExpressionKind::kCondition, attrs);
    EXPECT_TRUE(c.ok()) << condition << ": " << c.status().ToString();
    return c.ok() && EvaluateCondition(*c, item_);
  }

  // Applies `update` to a copy of the item; returns the error or the
  // updated item's JSON.
  Result<Item> Updated(std::string_view update) {
    ExpressionAttributes attrs(&names_, &values_);
    auto u = ParseUpdate(update, attrs);
    EXPECT_TRUE(u.ok()) << update << ": " << u.status().ToString();
    if (!u.ok()) return u.status();
    Item copy = item_;
    if (Status s = ApplyUpdate(*u, copy); !s.ok()) return s;
    return copy;
  }

  std::string Attr(const Item& item, const std::string& name) {
    auto it = item.find(name);
    return it == item.end() ? "<missing>" : ToJson(it->second);
  }

  Item item_;
  AttributeNames names_;
  AttributeValues values_;
};

TEST_F(ExpressionEvalTest, ResolvesNestedPaths) {
  auto path = [](std::initializer_list<PathElement> e) {
    return DocumentPath(e);
  };
  PathElement l{"l"}, m{"m"}, c{"c"}, y{"y"};
  PathElement i2{"", 2, true}, i1{"", 1, true}, i9{"", 9, true};
  const AttributeValue* v = ResolvePath(item_, path({l, i2, c}));
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->scalar(), "deep");
  ASSERT_NE(ResolvePath(item_, path({m, y, i1})), nullptr);
  EXPECT_EQ(ResolvePath(item_, path({m, y, i9})), nullptr);
  EXPECT_EQ(ResolvePath(item_, path({l, c})), nullptr);   // a list has no keys
  EXPECT_EQ(ResolvePath(item_, path({m, i1})), nullptr);  // nor a map indexes
  EXPECT_EQ(ResolvePath(item_, path({PathElement{"absent"}})), nullptr);
}

TEST_F(ExpressionEvalTest, EqualityIsNumericAndDeep) {
  Value(":ten", R"({"N":"10.00"})");
  Value(":tags", R"({"SS":["blue","red"]})");
  Value(":m", R"({"M":{"y":{"L":[{"S":"p"},{"S":"q"}]},"x":{"N":"1.0"}}})");
  EXPECT_TRUE(Holds("n = :ten"));
  EXPECT_TRUE(Holds("tags = :tags"));
  EXPECT_TRUE(Holds("m = :m"));
  EXPECT_FALSE(Holds("n <> :ten"));
}

TEST_F(ExpressionEvalTest, MissingAttributes) {
  Value(":v", R"({"S":"x"})");
  EXPECT_FALSE(Holds("absent = :v"));
  EXPECT_TRUE(Holds("absent <> :v"));  // DynamoDB: true when missing
  EXPECT_FALSE(Holds("absent < :v"));
  EXPECT_TRUE(Holds("NOT absent < :v"));
  EXPECT_FALSE(Holds("absent IN (:v)"));
  EXPECT_FALSE(Holds("absent BETWEEN :v AND :v"));
  EXPECT_TRUE(Holds("attribute_not_exists(absent)"));
  EXPECT_FALSE(Holds("attribute_exists(absent)"));
  EXPECT_TRUE(Holds("attribute_exists(l[2].c)"));
  EXPECT_FALSE(Holds("begins_with(absent, :v)"));
  EXPECT_FALSE(Holds("size(absent) >= :v"));
}

TEST_F(ExpressionEvalTest, OrderingNeedsTheSameScalarType) {
  Value(":nine", R"({"N":"9"})");
  Value(":s9", R"({"S":"9"})");
  Value(":hello", R"({"S":"hello"})");
  Value(":zz", R"({"S":"hello zzz"})");
  EXPECT_TRUE(Holds("n > :nine"));  // numerically: 10 > 9
  EXPECT_FALSE(Holds("n > :s9"));   // N against S: never
  EXPECT_FALSE(Holds("n < :s9"));
  EXPECT_TRUE(Holds("s > :hello"));
  EXPECT_TRUE(Holds("s BETWEEN :hello AND :zz"));
  EXPECT_FALSE(Holds("flag > :hello"));
}

TEST_F(ExpressionEvalTest, ExactDecimalComparison) {
  Value(":tenth", R"({"N":"0.10000000000000000000000000000000000001"})");
  EXPECT_TRUE(Holds("price < :tenth"));
  EXPECT_FALSE(Holds("price = :tenth"));
}

TEST_F(ExpressionEvalTest, InAndLogic) {
  Value(":a", R"({"N":"1"})");
  Value(":b", R"({"N":"10"})");
  Value(":c", R"({"S":"10"})");
  EXPECT_TRUE(Holds("n IN (:a, :b)"));
  EXPECT_FALSE(Holds("n IN (:a, :c)"));
  EXPECT_TRUE(Holds("n = :a OR n = :b"));
  EXPECT_FALSE(Holds("n = :a AND n = :b"));
  EXPECT_TRUE(Holds("NOT (n = :a AND n = :b)"));
}

TEST_F(ExpressionEvalTest, BeginsWithAndContains) {
  Value(":he", R"({"S":"hello"})");
  Value(":wor", R"({"S":"o wor"})");
  Value(":b01", R"({"B":"AAE="})");
  Value(":red", R"({"S":"red"})");
  Value(":two", R"({"N":"2.50"})");
  Value(":one", R"({"N":"1"})");
  Value(":a", R"({"S":"a"})");
  EXPECT_TRUE(Holds("begins_with(s, :he)"));
  EXPECT_FALSE(Holds("begins_with(tags, :he)"));
  EXPECT_TRUE(Holds("begins_with(b, :b01)"));
  EXPECT_TRUE(Holds("contains(s, :wor)"));
  EXPECT_TRUE(Holds("contains(b, :b01)"));
  EXPECT_TRUE(Holds("contains(tags, :red)"));
  EXPECT_FALSE(Holds("contains(tags, :he)"));
  EXPECT_TRUE(Holds("contains(nums, :two)"));
  EXPECT_FALSE(Holds("contains(tags, :one)"));  // a number in a string set
  EXPECT_TRUE(Holds("contains(l, :a)"));
  EXPECT_TRUE(Holds("contains(l, :one)"));
  EXPECT_FALSE(Holds("contains(n, :one)"));
}

TEST_F(ExpressionEvalTest, AttributeType) {
  for (const auto& [path, type] :
       std::vector<std::pair<std::string, std::string>>{{"n", "N"},
                                                        {"s", "S"},
                                                        {"b", "B"},
                                                        {"flag", "BOOL"},
                                                        {"nothing", "NULL"},
                                                        {"tags", "SS"},
                                                        {"nums", "NS"},
                                                        {"l", "L"},
                                                        {"m", "M"}}) {
    values_[":t"] = AttributeValue::String(type);
    EXPECT_TRUE(Holds("attribute_type(" + path + ", :t)")) << path;
  }
  values_[":t"] = AttributeValue::String("S");
  EXPECT_FALSE(Holds("attribute_type(n, :t)"));
}

TEST_F(ExpressionEvalTest, SizeCountsWhatDynamoDbCounts) {
  auto size_is = [&](const std::string& path, int n) {
    values_[":size"] = AttributeValue::Number(std::to_string(n));
    return Holds("size(" + path + ") = :size");
  };
  EXPECT_TRUE(size_is("s", 11));
  EXPECT_TRUE(size_is("u", 3));  // UTF-16 code units: é, then a surrogate pair
  EXPECT_TRUE(size_is("b", 4));
  EXPECT_TRUE(size_is("tags", 2));
  EXPECT_TRUE(size_is("l", 3));
  EXPECT_TRUE(size_is("m", 2));
  EXPECT_TRUE(size_is("m.y", 2));
  EXPECT_FALSE(size_is("n", 2));  // no size: the comparison is false
  EXPECT_FALSE(size_is("flag", 1));
}

TEST_F(ExpressionEvalTest, SetArithmeticIsExact) {
  Value(":d", R"({"N":"0.2"})");
  auto r = Updated("SET price = price + :d, n = n - :d");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Attr(*r, "price"), R"({"N":"0.3"})");
  EXPECT_EQ(Attr(*r, "n"), R"({"N":"9.8"})");
}

TEST_F(ExpressionEvalTest, OperandsReadTheOriginalItem) {
  auto r = Updated("SET s = n, n = s");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Attr(*r, "s"), R"({"N":"10"})");
  EXPECT_EQ(Attr(*r, "n"), R"({"S":"hello world"})");
}

TEST_F(ExpressionEvalTest, IfNotExistsAndListAppend) {
  Value(":zero", R"({"N":"0"})");
  Value(":one", R"({"N":"1"})");
  Value(":more", R"({"L":[{"S":"z"}]})");
  Value(":empty", R"({"L":[]})");
  auto r = Updated(
      "SET visits = if_not_exists(visits, :zero) + :one, n = "
      "if_not_exists(n, :zero), l = list_append(l, :more), fresh = "
      "list_append(if_not_exists(fresh, :empty), :more)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Attr(*r, "visits"), R"({"N":"1"})");
  EXPECT_EQ(Attr(*r, "n"), R"({"N":"10"})");
  EXPECT_EQ((*r)["l"].list().size(), 4u);
  EXPECT_EQ(ToJson((*r)["l"].list()[3]), R"({"S":"z"})");
  EXPECT_EQ(Attr(*r, "fresh"), R"({"L":[{"S":"z"}]})");
  auto prepend = Updated("SET l = list_append(:more, l)");
  ASSERT_TRUE(prepend.ok());
  EXPECT_EQ(ToJson((*prepend)["l"].list()[0]), R"({"S":"z"})");
}

TEST_F(ExpressionEvalTest, SetIntoNestedPaths) {
  Value(":v", R"({"S":"new"})");
  auto r = Updated("SET m.x = :v, m.z = :v, m.y[0] = :v, m.y[10] = :v");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Attr(*r, "m"),
            R"({"M":{"x":{"S":"new"},"y":{"L":[{"S":"new"},{"S":"q"},)"
            R"({"S":"new"}]},"z":{"S":"new"}}})");
  auto missing_parent = Updated("SET absent.x = :v");
  ASSERT_FALSE(missing_parent.ok());
  EXPECT_EQ(missing_parent.status().message(),
            "The document path provided in the update expression is invalid "
            "for update");
  EXPECT_FALSE(Updated("SET s.x = :v").ok());   // s is no map
  EXPECT_FALSE(Updated("SET m[0] = :v").ok());  // m is no list
}

TEST_F(ExpressionEvalTest, RemoveUsesOriginalIndexes) {
  auto r = Updated("REMOVE l[0], l[2], m.x, absent");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Attr(*r, "l"), R"({"L":[{"N":"1"}]})");
  EXPECT_EQ(Attr(*r, "m"), R"({"M":{"y":{"L":[{"S":"p"},{"S":"q"}]}}})");
  auto past_end = Updated("REMOVE l[7]");
  ASSERT_TRUE(past_end.ok());
  EXPECT_EQ((*past_end)["l"].list().size(), 3u);
  EXPECT_FALSE(Updated("REMOVE absent.x").ok());
}

TEST_F(ExpressionEvalTest, AddNumbersAndSets) {
  Value(":five", R"({"N":"5"})");
  Value(":colors", R"({"SS":["green","red"]})");
  auto r = Updated("ADD n :five, counter2 :five, tags :colors, fresh :colors");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Attr(*r, "n"), R"({"N":"15"})");
  EXPECT_EQ(Attr(*r, "counter2"), R"({"N":"5"})");
  EXPECT_EQ(Attr(*r, "tags"), R"({"SS":["red","blue","green"]})");
  EXPECT_EQ(Attr(*r, "fresh"), R"({"SS":["green","red"]})");
}

TEST_F(ExpressionEvalTest, DeleteFromSets) {
  Value(":red", R"({"SS":["red","purple"]})");
  Value(":all", R"({"SS":["red","blue"]})");
  auto r = Updated("DELETE tags :red");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Attr(*r, "tags"), R"({"SS":["blue"]})");
  auto emptied = Updated("DELETE tags :all, absent :all");
  ASSERT_TRUE(emptied.ok());
  EXPECT_EQ(Attr(*emptied, "tags"), "<missing>");  // sets are never empty
}

TEST_F(ExpressionEvalTest, UpdateErrorsOnTheData) {
  Value(":one", R"({"N":"1"})");
  Value(":set", R"({"NS":["1"]})");
  Value(":l", R"({"L":[]})");
  const std::string wrong_type =
      "An operand in the update expression has an incorrect data type";
  EXPECT_EQ(Updated("SET x = s + :one").status().message(), wrong_type);
  EXPECT_EQ(Updated("SET x = list_append(s, :l)").status().message(),
            wrong_type);
  EXPECT_EQ(Updated("ADD s :one").status().message(), wrong_type);
  EXPECT_EQ(Updated("ADD tags :set").status().message(), wrong_type);
  EXPECT_EQ(Updated("DELETE n :set").status().message(), wrong_type);
  EXPECT_EQ(Updated("SET x = absent + :one").status().message(),
            "The provided expression refers to an attribute that does not "
            "exist in the item");
  values_[":big"] = AttributeValue::Number("9" + std::string(125, '0'));
  EXPECT_EQ(Updated("SET x = :big + :big").status().message(),
            "Number overflow. Attempting to store a number with magnitude "
            "larger than supported range");
}

TEST_F(ExpressionEvalTest, ProjectionKeepsTheShape) {
  ExpressionAttributes attrs(&names_, &values_);
  auto p =
      ParseProjection("pk, m.y[1], l[2].c, l[0], absent, m.absent, s.x", attrs);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Item out = Project(item_, p->paths);
  EXPECT_EQ(ToJson(out),
            R"({"l":{"L":[{"S":"a"},{"M":{"c":{"S":"deep"}}}]},)"
            R"("m":{"M":{"y":{"L":[{"S":"q"}]}}},"pk":{"S":"user#1"}})");
  EXPECT_TRUE(Project(item_, {}).empty());
}

TEST_F(ExpressionEvalTest, UpdatedPathsAreTheActionPaths) {
  ExpressionAttributes attrs(&names_, &values_);
  Value(":one", R"({"N":"1"})");
  auto u = ParseUpdate("SET a = :one REMOVE b.c", attrs);
  ASSERT_TRUE(u.ok());
  auto paths = UpdatedPaths(*u);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(PathToText(paths[1]), "b.c");
}

}  // namespace
}  // namespace fanlab::services
