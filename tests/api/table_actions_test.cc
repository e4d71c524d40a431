// DynamoDB's actions through the one Dispatcher with JSON bodies: request
// and response shapes of every action, error bodies with DynamoDB's
// __type namespace and messages, and the protocol faults.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "emulator/api/dispatcher.h"
#include "emulator/core/clock.h"
#include "emulator/core/common_errors.h"
#include "emulator/queue/queue_service.h"
#include "emulator/services/dynamodb_errors.h"
#include "emulator/services/table_service.h"
#include "tests/api/dispatch_once.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;

constexpr std::string_view kDynamoDb = "com.amazonaws.dynamodb.v20120810#";

class TableActionsTest : public ::testing::Test {
 protected:
  ApiResponse Call(std::string_view action, std::string_view body) {
    return DispatchOnce(dispatcher_, action, body);
  }

  json::object Ok(std::string_view action, std::string_view body) {
    ApiResponse r = Call(action, body);
    EXPECT_TRUE(r.ok) << action << " " << body << ": " << r.body;
    if (!r.ok) return {};
    json::value v = json::parse(r.body);
    return v.is_object() ? v.as_object() : json::object{};
  }

  // The error's name (after the namespace) and message; checks the
  // namespace and DynamoDB's HTTP status.
  std::pair<std::string, std::string> Error(std::string_view action,
                                            std::string_view body) {
    ApiResponse r = Call(action, body);
    EXPECT_FALSE(r.ok) << action << " succeeded: " << r.body;
    EXPECT_EQ(r.http_status, 400);
    json::object e = json::parse(r.body).as_object();
    std::string type(e.at("__type").as_string());
    if (type.rfind("com.amazon.coral.service#", 0) != 0) {
      EXPECT_EQ(type.rfind(kDynamoDb, 0), 0u) << type;
    }
    return {type.substr(type.find('#') + 1),
            std::string(e.at("message").as_string())};
  }

  void CreateEvents() {
    Ok("CreateTable", R"({
      "TableName": "events",
      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                               {"AttributeName": "sk", "AttributeType": "N"}],
      "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"}],
      "BillingMode": "PAY_PER_REQUEST"})");
  }

  void PutEvent(int sk) {
    Ok("PutItem",
       R"({"TableName":"events","Item":{"pk":{"S":"a"},"sk":{"N":")" +
           std::to_string(sk) + R"("},"v":{"N":")" + std::to_string(sk * 10) +
           R"("}}})");
  }

  VirtualClock clock_;
  queue::QueueService queues_{clock_};
  services::TableService tables_{clock_};
  Dispatcher dispatcher_{Services{.sqs = queues_, .tables = &tables_}};
};

TEST_F(TableActionsTest, ServesTheTableActions) {
  std::vector<std::string> actions = dispatcher_.Actions();
  for (const char* a :
       {"CreateTable", "DeleteTable", "DescribeTable", "ListTables", "PutItem",
        "GetItem", "DeleteItem", "UpdateItem", "Query", "Scan"}) {
    EXPECT_NE(std::find(actions.begin(), actions.end(), a), actions.end()) << a;
  }
  // The X-Amz-Target form.
  EXPECT_TRUE(Call("DynamoDB_20120810.ListTables", "{}").ok);
  // An engine without tables does not serve them.
  Dispatcher sqs_only(queues_);
  ApiResponse r;
  sqs_only.Dispatch("PutItem", "{}", [&](ApiResponse a) { r = std::move(a); });
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, common::kUnknownOperationException);
}

TEST_F(TableActionsTest, CreateDescribeListDelete) {
  clock_.Advance(std::chrono::seconds(5));
  Ok("CreateTable", R"({
    "TableName": "users",
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 2},
    "Tags": [{"Key": "team", "Value": "x"}]})");
  json::object d = Ok("DescribeTable", R"({"TableName":"users"})");
  json::object t = d.at("Table").as_object();
  EXPECT_EQ(t.at("TableName"), "users");
  EXPECT_EQ(t.at("TableStatus"), "ACTIVE");
  EXPECT_EQ(t.at("TableArn"),
            "arn:aws:dynamodb:us-east-1:000000000000:table/users");
  EXPECT_EQ(t.at("CreationDateTime").as_int64(),
            ToEpochMillis(clock_.Now()) / 1000);
  EXPECT_EQ(t.at("KeySchema"),
            json::parse(R"([{"AttributeName":"id","KeyType":"HASH"}])"));
  EXPECT_EQ(t.at("AttributeDefinitions"),
            json::parse(R"([{"AttributeName":"id","AttributeType":"S"}])"));
  EXPECT_EQ(t.at("ProvisionedThroughput"),
            json::parse(R"({"NumberOfDecreasesToday":0,"ReadCapacityUnits":5,)"
                        R"("WriteCapacityUnits":2})"));
  EXPECT_EQ(t.at("ItemCount"), 0);
  EXPECT_FALSE(t.contains("BillingModeSummary"));
  EXPECT_EQ(t.at("TableId").as_string().size(), 36u);

  CreateEvents();
  json::object list = Ok("ListTables", R"({"Limit":1})");
  EXPECT_EQ(list.at("TableNames"), json::parse(R"(["events"])"));
  EXPECT_EQ(list.at("LastEvaluatedTableName"), "events");
  list = Ok("ListTables", R"({"ExclusiveStartTableName":"events"})");
  EXPECT_EQ(list.at("TableNames"), json::parse(R"(["users"])"));
  EXPECT_FALSE(list.contains("LastEvaluatedTableName"));
  json::object events = Ok("DescribeTable", R"({"TableName":"events"})");
  EXPECT_EQ(events.at("Table").at("BillingModeSummary").at("BillingMode"),
            "PAY_PER_REQUEST");

  json::object deleted = Ok("DeleteTable", R"({"TableName":"users"})");
  EXPECT_EQ(deleted.at("TableDescription").at("TableStatus"), "DELETING");
  EXPECT_EQ(Error("DescribeTable", R"({"TableName":"users"})"),
            std::make_pair(std::string("ResourceNotFoundException"),
                           std::string("Requested resource not found: Table: "
                                       "users not found")));
}

TEST_F(TableActionsTest, CreateTableErrors) {
  EXPECT_EQ(Error("CreateTable", "{}").second,
            "1 validation error detected: Value null at 'tableName' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_EQ(Error("CreateTable", R"({"TableName":"abc"})").second,
            "1 validation error detected: Value null at 'attributeDefinitions' "
            "failed to satisfy constraint: Member must not be null");
  EXPECT_EQ(Error("CreateTable", R"({"TableName":"abc",
      "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"X"}],
      "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]})")
                .second,
            "1 validation error detected: Value 'X' at "
            "'attributeDefinitions.1.member.attributeType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [B, N, S]");
  EXPECT_EQ(Error("CreateTable", R"({"TableName":"abc",
      "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
      "KeySchema":[{"AttributeName":"id","KeyType":"PRIMARY"}]})")
                .second,
            "1 validation error detected: Value 'PRIMARY' at "
            "'keySchema.1.member.keyType' failed to satisfy constraint: Member "
            "must satisfy enum value set: [HASH, RANGE]");
  EXPECT_EQ(Error("CreateTable", R"({"TableName":"abc","BillingMode":"FREE",
      "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
      "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]})")
                .second,
            "1 validation error detected: Value 'FREE' at 'billingMode' failed "
            "to satisfy constraint: Member must satisfy enum value set: "
            "[PROVISIONED, PAY_PER_REQUEST]");
  EXPECT_EQ(
      Error("CreateTable", R"({"TableName":"abc","GlobalSecondaryIndexes":[],
      "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
      "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]})")
          .first,
      "ValidationException");
  CreateEvents();
  auto again = Error("CreateTable", R"({"TableName":"events",
      "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
      "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
      "BillingMode":"PAY_PER_REQUEST"})");
  EXPECT_EQ(again.first, "ResourceInUseException");
  EXPECT_EQ(again.second, "Table already exists: events");
}

TEST_F(TableActionsTest, PutGetDeleteRoundTripEveryType) {
  CreateEvents();
  const std::string item =
      R"({"pk":{"S":"a"},"sk":{"N":"1"},"b":{"B":"AAE="},"t":{"BOOL":true},)"
      R"("z":{"NULL":true},"m":{"M":{"x":{"L":[{"N":"1"},{"SS":["s"]}]}}},)"
      R"("ns":{"NS":["2","1.5"]},"bs":{"BS":["AQ=="]}})";
  EXPECT_EQ(Ok("PutItem", R"({"TableName":"events","Item":)" + item + "}"),
            json::object{});
  json::object got = Ok("GetItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ConsistentRead":true})");
  EXPECT_EQ(got.at("Item"), json::parse(item));
  got = Ok("GetItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
      "ProjectionExpression":"m.x[1], #t", "ExpressionAttributeNames":{"#t":"t"}})");
  EXPECT_EQ(got.at("Item"),
            json::parse(R"({"m":{"M":{"x":{"L":[{"SS":["s"]}]}}},)"
                        R"("t":{"BOOL":true}})"));
  EXPECT_EQ(Ok("GetItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"2"}}})"),
            json::object{});
  json::object old = Ok("DeleteItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ReturnValues":"ALL_OLD"})");
  EXPECT_EQ(old.at("Attributes"), json::parse(item));
  EXPECT_EQ(Ok("DeleteItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ReturnValues":"ALL_OLD"})"),
            json::object{});
}

TEST_F(TableActionsTest, ItemErrors) {
  CreateEvents();
  EXPECT_EQ(Error("PutItem", R"({"TableName":"nope","Item":{"pk":{"S":"a"}}})"),
            std::make_pair(std::string("ResourceNotFoundException"),
                           std::string("Requested resource not found")));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"events"})").second,
            "1 validation error detected: Value null at 'item' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_EQ(Error("GetItem", R"({"TableName":"events"})").second,
            "1 validation error detected: Value null at 'key' failed to "
            "satisfy constraint: Member must not be null");
  EXPECT_EQ(
      Error("PutItem", R"({"TableName":"events","Item":{"pk":{"S":"a"}}})")
          .second,
      "One or more parameter values were invalid: Missing the key sk in "
      "the item");
  EXPECT_EQ(Error("GetItem", R"({"TableName":"events","Key":{"pk":{"S":"a"}}})")
                .second,
            "The provided key element does not match the schema");
  EXPECT_EQ(Error("PutItem", R"({"TableName":"events",
      "Item":{"pk":{"S":"a"},"sk":{"N":"1"},"s":{"SS":[]}}})")
                .second,
            "One or more parameter values were invalid: An string set  may "
            "not be empty");
  EXPECT_EQ(Error("PutItem", R"({"TableName":"events","ReturnValues":"ALL",
      "Item":{"pk":{"S":"a"},"sk":{"N":"1"}}})")
                .second,
            "1 validation error detected: Value 'ALL' at 'returnValues' failed "
            "to satisfy constraint: Member must satisfy enum value set: "
            "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
  EXPECT_EQ(Error("PutItem", R"({"TableName":"events","ReturnValues":"ALL_NEW",
      "Item":{"pk":{"S":"a"},"sk":{"N":"1"}}})")
                .second,
            "ReturnValues can only be ALL_OLD or NONE");
  EXPECT_EQ(Error("PutItem", R"({"TableName":"events",
      "Item":{"pk":{"S":"a"},"sk":{"N":"1"}},
      "Expected":{"pk":{"Exists":false}}})")
                .second,
            "fanlab does not support the legacy parameter Expected; use "
            "expressions instead");
}

TEST_F(TableActionsTest, ProtocolFaultsAreSerializationExceptions) {
  ApiResponse r = Call("PutItem", "{not json");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, common::kSerializationException);
  EXPECT_NE(r.body.find("com.amazon.coral.service#SerializationException"),
            std::string::npos);
  CreateEvents();
  EXPECT_EQ(Error("PutItem", R"({"TableName":"events",
      "Item":{"pk":{"S":1},"sk":{"N":"1"}}})"),
            std::make_pair(std::string("SerializationException"),
                           std::string("Item.pk.S must be a string.")));
  EXPECT_EQ(Error("Query", R"({"TableName":"events","Limit":"ten"})").second,
            "Field Limit must be an integer.");
  EXPECT_EQ(Error("Scan", R"({"TableName":7})").second,
            "Field TableName must be a string.");
  EXPECT_EQ(Error("Scan", "[]").second,
            "The request body must be a JSON object.");
}

TEST_F(TableActionsTest, StreamsAreRefusedAndTheirFieldsTypeChecked) {
  auto create = [](std::string name, std::string streams) {
    return R"({"TableName":")" + name + R"(",)" +
           R"("AttributeDefinitions":[{"AttributeName":"pk",)" +
           R"("AttributeType":"S"}],)" +
           R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],)" +
           R"("BillingMode":"PAY_PER_REQUEST","StreamSpecification":)" +
           streams + "}";
  };
  EXPECT_EQ(
      Error("CreateTable", create("a", R"({"StreamEnabled":true})")).first,
      "ValidationException");
  EXPECT_EQ(Error("CreateTable", create("a", R"({"StreamEnabled":"yes"})")),
            std::make_pair(
                std::string("SerializationException"),
                std::string("Field StreamSpecification.StreamEnabled must be "
                            "a boolean.")));
  EXPECT_EQ(Error("CreateTable", create("a", "[]")).second,
            "Field StreamSpecification must be an object.");
  Ok("CreateTable", create("off", R"({"StreamEnabled":false})"));
  Ok("CreateTable", create("null", "null"));
}

TEST_F(TableActionsTest, DeeplyNestedItemsPassTheJsonReader) {
  CreateEvents();
  std::string deep = R"({"S":"leaf"})";
  for (int i = 0; i < 32; ++i) deep = R"({"L":[)" + deep + "]}";
  Ok("PutItem", R"({"TableName":"events","Item":{"pk":{"S":"a"},)"
                R"("sk":{"N":"1"},"deep":)" +
                    deep + "}}");
  std::string deeper = R"({"L":[)" + deep + "]}";
  EXPECT_EQ(Error("PutItem", R"({"TableName":"events","Item":{"pk":{"S":"a"},)"
                             R"("sk":{"N":"1"},"deep":)" +
                                 deeper + "}}")
                .second,
            "Nesting Levels have exceeded supported limits");
}

// An update nested the item one level deeper each time ("SET a.b = a"),
// past what the JSON reader accepts: GetItem then answered an item that
// could not be written back.
TEST_F(TableActionsTest, UpdateCannotNestPastTheLimit) {
  CreateEvents();
  const std::string key = R"("Key":{"pk":{"S":"a"},"sk":{"N":"1"}})";
  const std::string update = R"({"TableName":"events",)" + key +
                             R"(,"UpdateExpression":"SET a.b = a"})";
  Ok("PutItem", R"({"TableName":"events","Item":{"pk":{"S":"a"},)"
                R"("sk":{"N":"1"},"a":{"M":{}}}})");
  for (int depth = 2; depth <= 32; ++depth) Ok("UpdateItem", update);
  EXPECT_EQ(Error("UpdateItem", update),
            std::make_pair(std::string("ValidationException"),
                           std::string("Nesting Levels have exceeded "
                                       "supported limits")));
  // The item GetItem answers can be put back as it is. (Spliced as text:
  // the fixture's JSON parser stops at 32 levels of JSON.)
  ApiResponse got = Call("GetItem", R"({"TableName":"events",)" + key + "}");
  ASSERT_TRUE(got.ok) << got.body;
  ASSERT_EQ(got.body.rfind(R"({"Item":)", 0), 0u) << got.body;
  Ok("PutItem", R"({"TableName":"events",)" + got.body.substr(1));
}

TEST_F(TableActionsTest, ConditionalCheckFailedCarriesTheItemWhenAsked) {
  CreateEvents();
  PutEvent(1);
  const std::string put =
      R"({"TableName":"events","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
      R"j("ConditionExpression":"attribute_not_exists(pk)")j";
  auto plain = Error("PutItem", put + "}");
  EXPECT_EQ(plain,
            std::make_pair(std::string("ConditionalCheckFailedException"),
                           std::string("The conditional request failed")));
  ApiResponse r =
      Call("PutItem", put + R"(,"ReturnValuesOnConditionCheckFailure":)"
                            R"("ALL_OLD"})");
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.code, dynamodb::kConditionalCheckFailedException);
  json::object body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("__type"),
            "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException");
  EXPECT_EQ(body.at("Item"),
            json::parse(R"({"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"10"}})"));
}

TEST_F(TableActionsTest, UpdateItem) {
  CreateEvents();
  json::object r = Ok("UpdateItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
      "UpdateExpression":"SET #c = if_not_exists(#c, :zero) + :inc ADD tags :t",
      "ExpressionAttributeNames":{"#c":"count"},
      "ExpressionAttributeValues":{":zero":{"N":"0"},":inc":{"N":"0.5"},
                                   ":t":{"SS":["x"]}},
      "ReturnValues":"UPDATED_NEW"})");
  EXPECT_EQ(r.at("Attributes"),
            json::parse(R"({"count":{"N":"0.5"},"tags":{"SS":["x"]}})"));
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
      "UpdateExpression":"SET count = :v",
      "ExpressionAttributeValues":{":v":{"N":"1"}}})")
                .second,
            "Invalid UpdateExpression: Attribute name is a reserved keyword; "
            "reserved keyword: count");
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
      "UpdateExpression":"ADD hits : incr",
      "ExpressionAttributeValues":{":incr":{"N":"1"}}})")
                .second,
            "Invalid UpdateExpression: Syntax error; token: \":\", near: "
            "\"hits : incr\"");
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
      "UpdateExpression":"SET a = :v",
      "ExpressionAttributeValues":{":v":{"N":"1"},":unused":{"N":"2"}}})")
                .second,
            "Value provided in ExpressionAttributeValues unused in "
            "expressions: keys: {:unused}");
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
      "UpdateExpression":"SET a = :v",
      "ExpressionAttributeValues":{":v":{"N":"one"}}})")
                .second,
            "The parameter cannot be converted to a numeric value: one");
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"events",
      "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
      "AttributeUpdates":{"a":{"Action":"PUT","Value":{"N":"1"}}}})")
                .first,
            "ValidationException");
}

TEST_F(TableActionsTest, QueryPagesWithLastEvaluatedKey) {
  CreateEvents();
  for (int sk : {3, 1, 2}) PutEvent(sk);
  json::object page = Ok("Query", R"({"TableName":"events",
      "KeyConditionExpression":"pk = :p AND sk >= :min",
      "ExpressionAttributeValues":{":p":{"S":"a"},":min":{"N":"2"}},
      "ScanIndexForward":false,"Limit":1})");
  EXPECT_EQ(page.at("Items"),
            json::parse(R"([{"pk":{"S":"a"},"sk":{"N":"3"},"v":{"N":"30"}}])"));
  EXPECT_EQ(page.at("Count"), 1);
  EXPECT_EQ(page.at("ScannedCount"), 1);
  EXPECT_EQ(page.at("LastEvaluatedKey"),
            json::parse(R"({"pk":{"S":"a"},"sk":{"N":"3"}})"));
  page = Ok("Query", R"({"TableName":"events",
      "KeyConditionExpression":"pk = :p AND sk >= :min",
      "ExpressionAttributeValues":{":p":{"S":"a"},":min":{"N":"2"}},
      "ScanIndexForward":false,
      "ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"3"}}})");
  EXPECT_EQ(page.at("Items"),
            json::parse(R"([{"pk":{"S":"a"},"sk":{"N":"2"},"v":{"N":"20"}}])"));
  EXPECT_FALSE(page.contains("LastEvaluatedKey"));
  json::object count = Ok("Query", R"({"TableName":"events","Select":"COUNT",
      "KeyConditionExpression":"pk = :p",
      "FilterExpression":"v > :v",
      "ExpressionAttributeValues":{":p":{"S":"a"},":v":{"N":"15"}}})");
  EXPECT_FALSE(count.contains("Items"));
  EXPECT_EQ(count.at("Count"), 2);
  EXPECT_EQ(count.at("ScannedCount"), 3);
  EXPECT_EQ(Error("Query", R"({"TableName":"events",
      "KeyConditionExpression":"pk = :p OR sk = :s",
      "ExpressionAttributeValues":{":p":{"S":"a"},":s":{"N":"1"}}})")
                .second,
            "Invalid KeyConditionExpression: Invalid operator used in "
            "KeyConditionExpression: OR");
  EXPECT_EQ(Error("Query", R"({"TableName":"events","Select":"SOME",
      "KeyConditionExpression":"pk = :p",
      "ExpressionAttributeValues":{":p":{"S":"a"}}})")
                .second,
            "1 validation error detected: Value 'SOME' at 'select' failed to "
            "satisfy constraint: Member must satisfy enum value set: "
            "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
            "ALL_PROJECTED_ATTRIBUTES]");
  EXPECT_EQ(Error("Query", R"({"TableName":"events",
      "KeyConditions":{"pk":{"ComparisonOperator":"EQ",
                             "AttributeValueList":[{"S":"a"}]}}})")
                .first,
            "ValidationException");
}

TEST_F(TableActionsTest, ScanFiltersAndProjects) {
  CreateEvents();
  for (int sk : {1, 2, 3}) PutEvent(sk);
  json::object page = Ok("Scan", R"({"TableName":"events",
      "FilterExpression":"v BETWEEN :lo AND :hi",
      "ProjectionExpression":"sk",
      "ExpressionAttributeValues":{":lo":{"N":"15"},":hi":{"N":"25"}},
      "ReturnConsumedCapacity":"TOTAL"})");
  EXPECT_EQ(page.at("Items"), json::parse(R"([{"sk":{"N":"2"}}])"));
  EXPECT_EQ(page.at("Count"), 1);
  EXPECT_EQ(page.at("ScannedCount"), 3);
  page = Ok("Scan", R"({"TableName":"events","Segment":0,"TotalSegments":1})");
  EXPECT_EQ(page.at("Count"), 3);
  EXPECT_EQ(Error("Scan", R"({"TableName":"events","FilterExpression":"v >"})")
                .second,
            "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: "
            "\">\"");
  EXPECT_EQ(Error("Scan", R"({"TableName":"events","Limit":0})").second,
            "1 validation error detected: Value '0' at 'limit' failed to "
            "satisfy constraint: Member must have value greater than or equal "
            "to 1");
}

TEST_F(TableActionsTest, GarbageBodiesGetExactlyOneAnswer) {
  CreateEvents();
  PutEvent(1);
  const char* actions[] = {
      "CreateTable", "DeleteTable", "DescribeTable", "ListTables", "PutItem",
      "GetItem",     "DeleteItem",  "UpdateItem",    "Query",      "Scan"};
  const char* bodies[] = {
      "",
      "null",
      "[]",
      "7",
      "\"x\"",
      "{",
      "{}",
      R"({"TableName":[]})",
      R"({"TableName":"events","Item":5,"Key":"k"})",
      R"({"TableName":"events","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
      R"("ConditionExpression":5})",
      R"({"TableName":"events","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
      R"("UpdateExpression":"SET","ExpressionAttributeValues":[]})",
      R"({"TableName":"events","KeyConditionExpression":"((((",)"
      R"("ExpressionAttributeNames":{"#a":5}})",
      R"({"TableName":"events","ExclusiveStartKey":{"pk":{"X":"a"}},)"
      R"("Limit":-1,"Segment":"0"})",
      R"({"TableName":"events","AttributeDefinitions":{},"KeySchema":[1]})",
      R"({"TableName":"events","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
      R"("ConditionExpression":"a = :v AND","ExpressionAttributeValues":)"
      R"({":v":{"M":{"x":{"L":[{"NS":["1","x"]}]}}}}})",
  };
  for (const char* action : actions) {
    for (const char* body : bodies) {
      ApiResponse r = Call(action, body);  // asserts a single answer
      if (!r.ok) {
        json::value e = json::parse(r.body);
        EXPECT_TRUE(e.is_object() && e.as_object().contains("__type"))
            << action << " " << body << ": " << r.body;
      }
    }
  }
  // One body names "events" with nothing wrong for DeleteTable: it went.
  EXPECT_EQ(tables_.FindTable("events"), nullptr);
}

}  // namespace
}  // namespace fanlab::api
