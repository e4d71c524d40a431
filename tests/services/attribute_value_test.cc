// AttributeValue: the ten types, their JSON form, DynamoDB's validation
// messages, equality, ordering of key values and item sizes.
#include "emulator/services/attribute_value.h"

#include <gtest/gtest.h>

#include <string>

#include "emulator/core/common_errors.h"
#include "emulator/services/attribute_value_json.h"

namespace fanlab::services {
namespace {

AttributeValue Value(std::string_view json) {
  auto v = ParseAttributeValue(json);
  EXPECT_TRUE(v.ok()) << json << ": " << v.status().ToString();
  return v.ok() ? *v : AttributeValue();
}

Status ValueError(std::string_view json) {
  auto v = ParseAttributeValue(json);
  EXPECT_FALSE(v.ok()) << json << " was accepted";
  return v.status();
}

TEST(AttributeValueTest, EveryTypeRoundTripsThroughJson) {
  for (std::string_view json :
       {R"({"S":"héllo"})", R"({"S":""})", R"({"N":"-12.5"})",
        R"({"B":"AAEC/w=="})", R"({"BOOL":false})", R"({"NULL":true})",
        R"({"M":{"a":{"N":"1"},"b":{"L":[]}}})",
        R"({"L":[{"S":"x"},{"M":{}},{"NULL":true}]})", R"({"SS":["b","a"]})",
        R"({"NS":["2","1.5"]})", R"({"BS":["AA==","/w=="]})"}) {
    EXPECT_EQ(ToJson(Value(json)), json);
  }
}

TEST(AttributeValueTest, NumbersAreCanonicalised) {
  EXPECT_EQ(ToJson(Value(R"({"N":"1.50"})")), R"({"N":"1.5"})");
  EXPECT_EQ(ToJson(Value(R"({"NS":["1E2","07"]})")), R"({"NS":["100","7"]})");
}

TEST(AttributeValueTest, BinaryHoldsRawBytes) {
  AttributeValue v = Value(R"({"B":"AAEC/w=="})");
  EXPECT_EQ(v.type(), AttributeType::kB);
  EXPECT_EQ(v.scalar(), std::string("\x00\x01\x02\xff", 4));
}

TEST(AttributeValueTest, EmptyAndAmbiguousValuesAreRefused) {
  EXPECT_EQ(ValueError("{}").message(),
            "Supplied AttributeValue is empty, must contain exactly one of "
            "the supported datatypes");
  // Null members and unknown members do not count, as in DynamoDB.
  EXPECT_EQ(ValueError(R"({"S":null,"X":"1"})").message(),
            "Supplied AttributeValue is empty, must contain exactly one of "
            "the supported datatypes");
  EXPECT_EQ(ValueError(R"({"S":"a","N":"1"})").message(),
            "Supplied AttributeValue has more than one datatypes set, must "
            "contain exactly one of the supported datatypes");
  EXPECT_EQ(ValueError(R"({"NULL":false})").message(),
            "One or more parameter values were invalid: Null attribute value "
            "types must have the value of true");
}

TEST(AttributeValueTest, WrongJsonTypesAreSerializationErrorsWithAPath) {
  Status s = ValueError(R"({"S":5})");
  EXPECT_EQ(s.code(), common::kSerializationException);
  EXPECT_EQ(s.message(), "Value.S must be a string.");
  EXPECT_EQ(ValueError(R"({"L":[{"SS":["a",1]}]})").message(),
            "Value.L[0].SS[1] must be a string.");
  EXPECT_EQ(ValueError(R"({"B":"not base64!"})").message(),
            "Value.B must be valid base64.");
  EXPECT_EQ(ValueError(R"({"M":[]})").message(), "Value.M must be an object.");
  EXPECT_EQ(ValueError(R"("S")").message(),
            "Value must be an AttributeValue object.");
}

TEST(AttributeValueTest, BadNumbersUseDynamoDbMessages) {
  EXPECT_EQ(ValueError(R"({"N":"abc"})").message(),
            "The parameter cannot be converted to a numeric value: abc");
  EXPECT_EQ(ValueError(R"({"NS":["1",""]})").message(),
            "The parameter cannot be converted to a numeric value: ");
  EXPECT_EQ(ValueError(R"({"M":{"x":{"L":[{"N":"1e126"}]}}})").message(),
            "Number overflow. Attempting to store a number with magnitude "
            "larger than supported range");
}

TEST(AttributeValueTest, SetsMayNotBeEmpty) {
  EXPECT_EQ(ValueError(R"({"SS":[]})").message(),
            "One or more parameter values were invalid: An string set  may "
            "not be empty");
  EXPECT_EQ(ValueError(R"({"NS":[]})").message(),
            "One or more parameter values were invalid: An number set  may "
            "not be empty");
  EXPECT_EQ(ValueError(R"({"BS":[]})").message(),
            "One or more parameter values were invalid: Binary sets should "
            "not be empty");
  // An empty string is a fine member.
  EXPECT_EQ(Value(R"({"SS":[""]})").members().size(), 1u);
}

TEST(AttributeValueTest, SetsMayNotHoldDuplicates) {
  EXPECT_EQ(ValueError(R"({"SS":["b","a","b"]})").message(),
            "One or more parameter values were invalid: Input collection "
            "[\"a\", \"b\", \"b\"] contains duplicates.");
  EXPECT_EQ(ValueError(R"({"BS":["/w==","AA==","AA=="]})").message(),
            "One or more parameter values were invalid: Input collection "
            "[\"AA==\",\"/w==\",\"AA==\"]of type BS contains duplicates.");
  // Numbers are duplicates when numerically equal.
  EXPECT_EQ(ValueError(R"({"NS":["1","1.0"]})").message(),
            "One or more parameter values were invalid: Input collection "
            "contains duplicates.");
}

TEST(AttributeValueTest, NestingBeyondThirtyTwoLevelsIsRefused) {
  std::string ok = R"({"S":"x"})";
  for (int i = 0; i < 32; ++i) ok = R"({"L":[)" + ok + "]}";
  EXPECT_EQ(NestingDepth(Value(ok)), 32);
  std::string deep = R"({"M":{"a":)" + ok + "}}";
  EXPECT_EQ(ValueError(deep).message(),
            "Nesting Levels have exceeded supported limits");
}

// NestingDepth() walks no further than it must to know a value is too
// deep: a caller can check what an update built before recursing into it.
TEST(AttributeValueTest, NestingDepthStopsPastTheLimit) {
  AttributeValue deep = AttributeValue::String("leaf");
  for (int i = 0; i < 1000; ++i) {
    if (i % 2) {
      AttributeList list;
      list.push_back(std::move(deep));
      deep = AttributeValue::List(std::move(list));
    } else {
      AttributeMap map;
      map.emplace("m", std::move(deep));
      deep = AttributeValue::Map(std::move(map));
    }
  }
  EXPECT_EQ(NestingDepth(deep), kMaxNestingDepth + 1);
  // Depth is the deepest element's, wherever it sits.
  AttributeList elements;
  elements.push_back(AttributeValue::Null());
  elements.push_back(AttributeValue::List({}));
  elements.push_back(std::move(deep));
  AttributeValue wide = AttributeValue::List(std::move(elements));
  EXPECT_EQ(NestingDepth(wide), kMaxNestingDepth + 1);
  EXPECT_FALSE(NestingWithinLimit(
      {{"ok", AttributeValue::Null()}, {"wide", std::move(wide)}}));
  AttributeValue limit = AttributeValue::Null();
  for (int i = 0; i < kMaxNestingDepth; ++i) {
    limit = AttributeValue::List({AttributeValue::Bool(true), limit});
  }
  EXPECT_EQ(NestingDepth(limit), kMaxNestingDepth);
  EXPECT_TRUE(NestingWithinLimit({{"limit", limit}}));
}

TEST(AttributeValueTest, EqualityIsDynamoDbs) {
  EXPECT_EQ(Value(R"({"N":"1.0"})"), Value(R"({"N":"1"})"));
  EXPECT_EQ(Value(R"({"SS":["a","b"]})"), Value(R"({"SS":["b","a"]})"));
  EXPECT_FALSE(Value(R"({"SS":["a"]})") == Value(R"({"SS":["a","b"]})"));
  EXPECT_FALSE(Value(R"({"S":"1"})") == Value(R"({"N":"1"})"));
  EXPECT_FALSE(Value(R"({"L":[{"N":"1"},{"N":"2"}]})") ==
               Value(R"({"L":[{"N":"2"},{"N":"1"}]})"));
  EXPECT_EQ(Value(R"({"M":{"a":{"BOOL":true}}})"),
            Value(R"({"M":{"a":{"BOOL":true}}})"));
}

TEST(AttributeValueTest, KeyValuesOrderBytewiseAndNumerically) {
  EXPECT_LT(
      CompareScalars(AttributeValue::String("B"), AttributeValue::String("a")),
      0);
  EXPECT_LT(
      CompareScalars(AttributeValue::String("a"), AttributeValue::String("ab")),
      0);
  // Bytes compare unsigned: 0xff sorts after 0x01.
  EXPECT_LT(CompareScalars(AttributeValue::Binary("\x01"),
                           AttributeValue::Binary("\xff")),
            0);
  EXPECT_LT(CompareScalars(Value(R"({"N":"9"})"), Value(R"({"N":"10"})")), 0);
  EXPECT_LT(CompareScalars(Value(R"({"N":"-10"})"), Value(R"({"N":"-9"})")), 0);
}

TEST(AttributeValueTest, SizesFollowDynamoDbsRules) {
  EXPECT_EQ(AttributeSize(AttributeValue::String("héllo")), 6u);
  EXPECT_EQ(AttributeSize(Value(R"({"N":"12345"})")), 4u);  // 3 + 1
  EXPECT_EQ(AttributeSize(AttributeValue::Bool(true)), 1u);
  EXPECT_EQ(AttributeSize(Value(R"({"L":[{"S":"ab"},{"NULL":true}]})")),
            3u + (1 + 2) + (1 + 1));
  EXPECT_EQ(AttributeSize(Value(R"({"M":{"k":{"S":"v"}}})")), 3u + 1 + 1 + 1);
  auto item = ParseItem(R"({"pk":{"S":"abc"},"n":{"N":"1"}})");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(ItemSize(*item), (2u + 3) + (1u + 2));
}

TEST(AttributeValueTest, DescribeForMessages) {
  EXPECT_EQ(AttributeValue::String("a").Describe(), "{S:a}");
  EXPECT_EQ(Value(R"({"N":"5"})").Describe(), "{N:5}");
  EXPECT_EQ(AttributeValue::Bool(true).Describe(), "{BOOL:true}");
  EXPECT_EQ(Value(R"({"SS":["a"]})").Describe(), "{SS}");
}

TEST(AttributeValueTest, ItemsParseAndPrintSorted) {
  auto item = ParseItem(R"({"b":{"S":"2"},"a":{"N":"1"}})");
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(ToJson(*item), R"({"a":{"N":"1"},"b":{"S":"2"}})");
  auto bad = ParseItem(R"({"a":{"S":1}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "Item.a.S must be a string.");
  EXPECT_FALSE(ParseItem("[").ok());
}

TEST(AttributeValueTest, CopiesAreDeep) {
  AttributeValue a = Value(R"({"M":{"x":{"N":"1"}}})");
  AttributeValue b = a;
  b.mutable_map()["x"] = AttributeValue::String("changed");
  EXPECT_EQ(ToJson(a), R"({"M":{"x":{"N":"1"}}})");
  EXPECT_EQ(ToJson(b), R"({"M":{"x":{"S":"changed"}}})");
}

}  // namespace
}  // namespace fanlab::services
