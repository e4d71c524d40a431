// TableService through its C++ API: tables, item writes with conditions and
// ReturnValues, queries and scans with their paging, limits, events, and
// the direct accessors the harness uses.
#include "emulator/services/table_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "emulator/services/attribute_value_json.h"
#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

struct Recorded {
  std::string kind, resource, key, detail;
};

class Recorder : public ServiceObserver {
 public:
  void OnServiceEvent(const ServiceEvent& e) override {
    EXPECT_EQ(e.service, "dynamodb");
    events.push_back({std::string(e.kind), std::string(e.resource),
                      std::string(e.key), std::string(e.detail)});
  }
  std::vector<Recorded> events;
};

Item J(std::string_view json) {
  auto item = ParseItem(json);
  EXPECT_TRUE(item.ok()) << json << ": " << item.status().ToString();
  return item.ok() ? *item : Item();
}

AttributeValue S(std::string s) { return AttributeValue::String(std::move(s)); }
AttributeValue N(std::string n) { return AttributeValue::Number(std::move(n)); }

class TableServiceTest : public ::testing::Test {
 protected:
  TableServiceTest() {
    tables_.SetObserver(&recorder_);
    // "events": partition key S, sort key N. "users": partition key only.
    EXPECT_TRUE(tables_.CreateTable(Schema("events", "N")).ok());
    EXPECT_TRUE(tables_.CreateTable(Schema("users", "")).ok());
    recorder_.events.clear();
  }

  static CreateTableRequest Schema(std::string name, std::string sort_type,
                                   std::string hash_type = "S") {
    CreateTableRequest r;
    r.table_name = std::move(name);
    r.billing_mode = BillingMode::kPayPerRequest;
    r.attribute_definitions.push_back(
        {"pk", *AttributeTypeFromName(hash_type)});
    r.key_schema.push_back({"pk", KeyType::kHash});
    if (!sort_type.empty()) {
      r.attribute_definitions.push_back(
          {"sk", *AttributeTypeFromName(sort_type)});
      r.key_schema.push_back({"sk", KeyType::kRange});
    }
    return r;
  }

  void Put(const std::string& table, std::string_view json) {
    PutItemRequest r;
    r.table_name = table;
    r.item = J(json);
    auto result = tables_.PutItem(r);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
  }

  // Events partition "a" has sort keys 1, 2, 9, 10, 100 (numerically
  // ordered, unlike their text); partition "b" one item.
  void PutEvents() {
    for (const char* sk : {"10", "2", "100", "1", "9"}) {
      Put("events", std::string(R"({"pk":{"S":"a"},"sk":{"N":")") + sk +
                        R"("},"v":{"N":")" + sk + R"("}})");
    }
    Put("events", R"({"pk":{"S":"b"},"sk":{"N":"1"}})");
  }

  QueryRequest Q(std::string key_condition, AttributeValues values) {
    QueryRequest q;
    q.table_name = "events";
    q.key_condition_expression = std::move(key_condition);
    q.expression.values = std::move(values);
    return q;
  }

  std::vector<std::string> SortKeys(const PageResponse& page) {
    std::vector<std::string> out;
    for (const Item& item : page.items) out.push_back(item.at("sk").scalar());
    return out;
  }

  std::string QueryError(const QueryRequest& q) {
    auto r = tables_.Query(q);
    EXPECT_FALSE(r.ok());
    return r.status().message();
  }

  VirtualClock clock_;
  TableService tables_{clock_};
  Recorder recorder_;
};

// ---- tables

TEST_F(TableServiceTest, CreateTableDescribesIt) {
  auto d = tables_.DescribeTable("events");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->table_name, "events");
  EXPECT_EQ(d->table_status, "ACTIVE");
  EXPECT_EQ(d->table_arn,
            "arn:aws:dynamodb:us-east-1:000000000000:table/events");
  EXPECT_EQ(d->table_id.size(), 36u);
  EXPECT_EQ(d->creation_time, clock_.Now());
  EXPECT_EQ(d->billing_mode, BillingMode::kPayPerRequest);
  ASSERT_EQ(d->key_schema.size(), 2u);
  EXPECT_EQ(d->key_schema[1].key_type, KeyType::kRange);
  EXPECT_EQ(d->item_count, 0);
  const Table* t = tables_.FindTable("events");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->schema().range->type, AttributeType::kN);
}

TEST_F(TableServiceTest, CreateTablePublishesAndRefusesDuplicates) {
  auto r = tables_.CreateTable(Schema("orders", ""));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(recorder_.events.size(), 1u);
  EXPECT_EQ(recorder_.events[0].kind, "TableCreated");
  EXPECT_EQ(recorder_.events[0].resource, "orders");
  EXPECT_EQ(recorder_.events[0].detail,
            R"({"TableName":"orders","KeySchema":[{"AttributeName":"pk",)"
            R"("KeyType":"HASH"}]})");
  auto again = tables_.CreateTable(Schema("orders", ""));
  EXPECT_EQ(again.status(), Status(dynamodb::kResourceInUseException,
                                   "Table already exists: orders"));
}

TEST_F(TableServiceTest, CreateTableValidatesNames) {
  auto short_name = tables_.CreateTable(Schema("ab", ""));
  EXPECT_EQ(short_name.status().message(),
            "1 validation error detected: Value 'ab' at 'tableName' failed to "
            "satisfy constraint: Member must have length greater than or "
            "equal to 3");
  auto both = tables_.CreateTable(Schema("a!", ""));
  EXPECT_EQ(both.status().message(),
            "2 validation errors detected: Value 'a!' at 'tableName' failed "
            "to satisfy constraint: Member must satisfy regular expression "
            "pattern: [a-zA-Z0-9_.-]+; Value 'a!' at 'tableName' failed to "
            "satisfy constraint: Member must have length greater than or "
            "equal to 3");
  EXPECT_TRUE(tables_.CreateTable(Schema("a.b-c_D9", "")).ok());
  EXPECT_FALSE(tables_.CreateTable(Schema(std::string(256, 'x'), "")).ok());
  EXPECT_TRUE(tables_.CreateTable(Schema(std::string(255, 'x'), "")).ok());
}

TEST_F(TableServiceTest, CreateTableValidatesTheKeySchema) {
  auto error = [&](CreateTableRequest r) {
    auto d = tables_.CreateTable(r);
    EXPECT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), dynamodb::kValidationException);
    return d.status().message();
  };
  CreateTableRequest r = Schema("tab1", "S");
  std::swap(r.key_schema[0].key_type, r.key_schema[1].key_type);
  EXPECT_EQ(error(r),
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key "
            "type");
  r = Schema("tab1", "S");
  r.key_schema[1].key_type = KeyType::kHash;
  EXPECT_EQ(error(r),
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE "
            "key type");
  r = Schema("tab1", "S");
  r.key_schema[1].name = "pk";
  EXPECT_EQ(error(r),
            "Both the Hash Key and the Range Key element in the KeySchema "
            "have the same name");
  r = Schema("tab1", "");
  r.attribute_definitions[0].name = "other";
  EXPECT_EQ(error(r),
            "One or more parameter values were invalid: Some index key "
            "attributes are not defined in AttributeDefinitions. Keys: [pk], "
            "AttributeDefinitions: [other]");
  r = Schema("tab1", "");
  r.attribute_definitions.push_back({"extra", AttributeType::kS});
  EXPECT_EQ(error(r),
            "One or more parameter values were invalid: Number of attributes "
            "in KeySchema does not exactly match number of attributes defined "
            "in AttributeDefinitions");
  r = Schema("tab1", "S");
  r.attribute_definitions.pop_back();
  EXPECT_EQ(error(r),
            "Invalid KeySchema: Some index key attribute have no definition");
  r = Schema("tab1", "");
  r.key_schema.clear();
  EXPECT_EQ(error(r),
            "1 validation error detected: Value '[]' at 'keySchema' failed to "
            "satisfy constraint: Member must have length greater than or "
            "equal to 1");
}

TEST_F(TableServiceTest, CreateTableChecksBillingAndThroughput) {
  CreateTableRequest r = Schema("tab1", "");
  r.billing_mode = BillingMode::kProvisioned;
  EXPECT_EQ(tables_.CreateTable(r).status().message(),
            "One or more parameter values were invalid: ReadCapacityUnits and "
            "WriteCapacityUnits must both be specified when BillingMode is "
            "PROVISIONED");
  r.provisioned_throughput = ProvisionedThroughput{0, 5};
  EXPECT_EQ(tables_.CreateTable(r).status().message(),
            "1 validation error detected: Value '0' at "
            "'provisionedThroughput.readCapacityUnits' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1");
  r.provisioned_throughput = ProvisionedThroughput{5, 5};
  auto d = tables_.CreateTable(r);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->provisioned_throughput.write_capacity_units, 5);
  CreateTableRequest on_demand = Schema("tab2", "");
  on_demand.provisioned_throughput = ProvisionedThroughput{1, 1};
  EXPECT_EQ(tables_.CreateTable(on_demand).status().message(),
            "One or more parameter values were invalid: Neither "
            "ReadCapacityUnits nor WriteCapacityUnits can be specified when "
            "BillingMode is PAY_PER_REQUEST");
}

TEST_F(TableServiceTest, DeleteTable) {
  Put("users", R"({"pk":{"S":"u1"}})");
  recorder_.events.clear();
  auto d = tables_.DeleteTable("users");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->table_status, "DELETING");
  EXPECT_EQ(d->item_count, 1);
  ASSERT_EQ(recorder_.events.size(), 1u);
  EXPECT_EQ(recorder_.events[0].kind, "TableDeleted");
  EXPECT_EQ(recorder_.events[0].detail,
            R"({"TableName":"users","ItemCount":1})");
  EXPECT_EQ(tables_.DescribeTable("users").status(),
            Status(dynamodb::kResourceNotFoundException,
                   "Requested resource not found: Table: users not found"));
  EXPECT_EQ(tables_.DeleteTable("users").status().code(),
            dynamodb::kResourceNotFoundException);
}

TEST_F(TableServiceTest, ListTablesPages) {
  for (const char* n : {"t-c", "t-a", "t-b"}) {
    ASSERT_TRUE(tables_.CreateTable(Schema(n, "")).ok());
  }
  auto all = tables_.ListTables({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->table_names,
            (std::vector<std::string>{"events", "t-a", "t-b", "t-c", "users"}));
  EXPECT_FALSE(all->last_evaluated_table_name);
  std::vector<std::string> seen;
  ListTablesRequest r;
  r.limit = 2;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = tables_.ListTables(r);
    ASSERT_TRUE(page.ok());
    seen.insert(seen.end(), page->table_names.begin(), page->table_names.end());
    if (!page->last_evaluated_table_name) break;
    r.exclusive_start_table_name = page->last_evaluated_table_name;
  }
  EXPECT_EQ(seen, all->table_names);
  r.limit = 0;
  EXPECT_EQ(tables_.ListTables(r).status().message(),
            "1 validation error detected: Value '0' at 'limit' failed to "
            "satisfy constraint: Member must have value greater than or equal "
            "to 1");
  r.limit = 101;
  EXPECT_FALSE(tables_.ListTables(r).ok());
}

// ---- item writes

TEST_F(TableServiceTest, PutThenGet) {
  Put("users", R"({"pk":{"S":"u1"},"n":{"N":"1.50"},"tags":{"SS":["x"]}})");
  ASSERT_EQ(recorder_.events.size(), 1u);
  EXPECT_EQ(recorder_.events[0].kind, "ItemPut");
  EXPECT_EQ(recorder_.events[0].resource, "users");
  EXPECT_EQ(recorder_.events[0].key, R"({"pk":{"S":"u1"}})");
  EXPECT_EQ(recorder_.events[0].detail,
            R"({"n":{"N":"1.5"},"pk":{"S":"u1"},"tags":{"SS":["x"]}})");
  GetItemRequest g;
  g.table_name = "users";
  g.key = J(R"({"pk":{"S":"u1"}})");
  auto got = tables_.GetItem(g);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->item);
  EXPECT_EQ(ToJson(*got->item),
            R"({"n":{"N":"1.5"},"pk":{"S":"u1"},"tags":{"SS":["x"]}})");
  g.key = J(R"({"pk":{"S":"nobody"}})");
  EXPECT_FALSE(tables_.GetItem(g)->item);
  auto d = tables_.DescribeTable("users");
  EXPECT_EQ(d->item_count, 1);
  EXPECT_GT(d->table_size_bytes, 0);
}

TEST_F(TableServiceTest, GetItemProjects) {
  Put("users", R"({"pk":{"S":"u1"},"a":{"M":{"b":{"N":"1"},"c":{"N":"2"}}}})");
  GetItemRequest g;
  g.table_name = "users";
  g.key = J(R"({"pk":{"S":"u1"}})");
  g.projection_expression = "#a.b, absent";
  g.expression.names = AttributeNames{{"#a", "a"}};
  auto got = tables_.GetItem(g);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(ToJson(*got->item), R"({"a":{"M":{"b":{"N":"1"}}}})");
  // A projection matching nothing of an existing item is an empty item.
  g.projection_expression = "absent";
  g.expression.names.reset();
  EXPECT_EQ(ToJson(*tables_.GetItem(g)->item), "{}");
}

TEST_F(TableServiceTest, PutReturnsTheOldItem) {
  Put("users", R"({"pk":{"S":"u1"},"v":{"N":"1"}})");
  PutItemRequest r;
  r.table_name = "users";
  r.item = J(R"({"pk":{"S":"u1"},"v":{"N":"2"}})");
  r.return_values = ReturnValues::kAllOld;
  auto result = tables_.PutItem(r);
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(result->attributes);
  EXPECT_EQ(ToJson(*result->attributes), R"({"pk":{"S":"u1"},"v":{"N":"1"}})");
  r.return_values = ReturnValues::kAllNew;
  EXPECT_EQ(tables_.PutItem(r).status().message(),
            "ReturnValues can only be ALL_OLD or NONE");
}

TEST_F(TableServiceTest, PutChecksTheKey) {
  auto error = [&](std::string table, std::string_view item) {
    PutItemRequest r;
    r.table_name = std::move(table);
    r.item = J(item);
    auto result = tables_.PutItem(r);
    EXPECT_FALSE(result.ok()) << item;
    return result.status().message();
  };
  EXPECT_EQ(error("events", R"({"pk":{"S":"a"}})"),
            "One or more parameter values were invalid: Missing the key sk in "
            "the item");
  EXPECT_EQ(error("events", R"({"pk":{"N":"1"},"sk":{"N":"1"}})"),
            "One or more parameter values were invalid: Type mismatch for key "
            "pk expected: S actual: N");
  EXPECT_EQ(error("users", R"({"pk":{"S":""}})"),
            "One or more parameter values are not valid. The AttributeValue "
            "for a key attribute cannot contain an empty string value. Key: "
            "pk");
  EXPECT_EQ(
      error("users", "{\"pk\":{\"S\":\"" + std::string(2049, 'k') + "\"}}"),
      "One or more parameter values were invalid: Size of hashkey has "
      "exceeded the maximum size limit of2048 bytes");
  ASSERT_TRUE(tables_.CreateTable(Schema("strings", "S")).ok());
  EXPECT_EQ(error("strings", "{\"pk\":{\"S\":\"a\"},\"sk\":{\"S\":\"" +
                                 std::string(1025, 's') + "\"}}"),
            "One or more parameter values were invalid: Aggregated size of "
            "all range keys has exceeded the size limit of 1024 bytes");
  EXPECT_EQ(error("nope", R"({"pk":{"S":"a"}})"),
            "Requested resource not found");
}

TEST_F(TableServiceTest, ItemsAreLimitedTo400Kb) {
  // Name "pk" (2) + "u1" (2) + name "big" (3) + the string.
  std::string fits(kMaxItemBytes - 7, 'x');
  Put("users", "{\"pk\":{\"S\":\"u1\"},\"big\":{\"S\":\"" + fits + "\"}}");
  PutItemRequest r;
  r.table_name = "users";
  r.item = J("{\"pk\":{\"S\":\"u1\"},\"big\":{\"S\":\"" + fits + "x\"}}");
  EXPECT_EQ(tables_.PutItem(r).status().message(),
            "Item size has exceeded the maximum allowed size");
  UpdateItemRequest u;
  u.table_name = "users";
  u.key = J(R"({"pk":{"S":"u1"}})");
  u.update_expression = "SET more = :v";
  u.expression.values = AttributeValues{{":v", S("x")}};
  EXPECT_EQ(tables_.UpdateItem(u).status().message(),
            "Item size to update has exceeded the maximum allowed size");
}

TEST_F(TableServiceTest, ConditionalPut) {
  PutItemRequest r;
  r.table_name = "users";
  r.item = J(R"({"pk":{"S":"u1"},"v":{"N":"1"}})");
  r.condition_expression = "attribute_not_exists(pk)";
  ASSERT_TRUE(tables_.PutItem(r).ok());
  recorder_.events.clear();
  r.item = J(R"({"pk":{"S":"u1"},"v":{"N":"2"}})");
  r.return_old_on_condition_failure = true;
  std::optional<Item> failed;
  auto again = tables_.PutItem(r, &failed);
  EXPECT_EQ(again.status(), Status(dynamodb::kConditionalCheckFailedException,
                                   "The conditional request failed"));
  ASSERT_TRUE(failed);
  EXPECT_EQ(ToJson(*failed), R"({"pk":{"S":"u1"},"v":{"N":"1"}})");
  EXPECT_TRUE(recorder_.events.empty());
  auto stored = tables_.Get("users", J(R"({"pk":{"S":"u1"}})"));
  EXPECT_EQ((*stored)->at("v").scalar(), "1");
  // A version check, the optimistic-locking idiom.
  r.condition_expression = "v = :expected";
  r.expression.values = AttributeValues{{":expected", N("1")}};
  EXPECT_TRUE(tables_.PutItem(r).ok());
  EXPECT_EQ(tables_.PutItem(r).status().code(),
            dynamodb::kConditionalCheckFailedException);
}

TEST_F(TableServiceTest, SubstitutionsMustBeUsed) {
  PutItemRequest r;
  r.table_name = "users";
  r.item = J(R"({"pk":{"S":"u1"}})");
  r.expression.values = AttributeValues{{":v", S("x")}};
  EXPECT_EQ(tables_.PutItem(r).status().message(),
            "ExpressionAttributeValues can only be specified when using "
            "expressions");
  r.expression.values.reset();
  r.expression.names = AttributeNames{{"#a", "a"}};
  EXPECT_EQ(tables_.PutItem(r).status().message(),
            "ExpressionAttributeNames can only be specified when using "
            "expressions");
  r.condition_expression = "attribute_not_exists(pk)";
  EXPECT_EQ(tables_.PutItem(r).status().message(),
            "Value provided in ExpressionAttributeNames unused in "
            "expressions: keys: {#a}");
  r.expression.names = AttributeNames{};
  EXPECT_EQ(tables_.PutItem(r).status().message(),
            "ExpressionAttributeNames must not be empty");
  // Expressions are checked before the table is looked up.
  r.expression.names.reset();
  r.table_name = "nope";
  r.condition_expression = "attribute_not_exists(";
  EXPECT_EQ(tables_.PutItem(r).status().code(), dynamodb::kValidationException);
}

TEST_F(TableServiceTest, DeleteItem) {
  Put("users", R"({"pk":{"S":"u1"},"v":{"N":"1"}})");
  recorder_.events.clear();
  DeleteItemRequest r;
  r.table_name = "users";
  r.key = J(R"({"pk":{"S":"u1"}})");
  r.condition_expression = "v > :min";
  r.expression.values = AttributeValues{{":min", N("5")}};
  std::optional<Item> failed;
  r.return_old_on_condition_failure = true;
  EXPECT_EQ(tables_.DeleteItem(r, &failed).status().code(),
            dynamodb::kConditionalCheckFailedException);
  EXPECT_TRUE(failed);
  r.expression.values = AttributeValues{{":min", N("0")}};
  r.return_values = ReturnValues::kAllOld;
  auto deleted = tables_.DeleteItem(r);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(ToJson(*deleted->attributes), R"({"pk":{"S":"u1"},"v":{"N":"1"}})");
  ASSERT_EQ(recorder_.events.size(), 1u);
  EXPECT_EQ(recorder_.events[0].kind, "ItemDeleted");
  EXPECT_EQ(recorder_.events[0].detail, R"({"pk":{"S":"u1"},"v":{"N":"1"}})");
  // Deleting what is not there succeeds and publishes nothing.
  r.condition_expression.reset();
  r.expression.values.reset();
  deleted = tables_.DeleteItem(r);
  ASSERT_TRUE(deleted.ok());
  EXPECT_FALSE(deleted->attributes);
  EXPECT_EQ(recorder_.events.size(), 1u);
}

TEST_F(TableServiceTest, KeysMustMatchTheSchema) {
  const std::string mismatch =
      "The provided key element does not match the schema";
  DeleteItemRequest r;
  r.table_name = "events";
  for (std::string_view key :
       {R"({"pk":{"S":"a"}})", R"({"pk":{"S":"a"},"sk":{"S":"1"}})",
        R"({"pk":{"S":"a"},"sk":{"N":"1"},"x":{"N":"1"}})",
        R"({"pk":{"S":"a"},"other":{"N":"1"}})"}) {
    r.key = J(key);
    EXPECT_EQ(tables_.DeleteItem(r).status().message(), mismatch) << key;
  }
  GetItemRequest g;
  g.table_name = "users";
  g.key = J(R"({"pk":{"S":""}})");
  EXPECT_EQ(tables_.GetItem(g).status().message(),
            "One or more parameter values are not valid. The AttributeValue "
            "for a key attribute cannot contain an empty string value. Key: "
            "pk");
}

TEST_F(TableServiceTest, UpdateCreatesAndModifies) {
  UpdateItemRequest r;
  r.table_name = "users";
  r.key = J(R"({"pk":{"S":"u1"}})");
  r.update_expression = "SET visits = if_not_exists(visits, :zero) + :one";
  r.expression.values = AttributeValues{{":zero", N("0")}, {":one", N("1")}};
  r.return_values = ReturnValues::kAllNew;
  auto first = tables_.UpdateItem(r);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(ToJson(*first->attributes),
            R"({"pk":{"S":"u1"},"visits":{"N":"1"}})");
  auto second = tables_.UpdateItem(r);
  EXPECT_EQ(ToJson(*second->attributes),
            R"({"pk":{"S":"u1"},"visits":{"N":"2"}})");
  ASSERT_EQ(recorder_.events.size(), 2u);
  EXPECT_EQ(recorder_.events[1].kind, "ItemUpdated");
  EXPECT_EQ(recorder_.events[1].detail,
            R"({"pk":{"S":"u1"},"visits":{"N":"2"}})");
  // No UpdateExpression at all: the item exists with its key.
  UpdateItemRequest bare;
  bare.table_name = "users";
  bare.key = J(R"({"pk":{"S":"u2"}})");
  ASSERT_TRUE(tables_.UpdateItem(bare).ok());
  EXPECT_EQ(ToJson(**tables_.Get("users", bare.key)), R"({"pk":{"S":"u2"}})");
  // An update that only takes data away does not create a missing item.
  recorder_.events.clear();
  UpdateItemRequest removal;
  removal.table_name = "users";
  removal.key = J(R"({"pk":{"S":"u3"}})");
  removal.update_expression = "REMOVE a DELETE s :set";
  removal.expression.values =
      AttributeValues{{":set", AttributeValue::StringSet({"x"})}};
  removal.return_values = ReturnValues::kAllNew;
  auto removed = tables_.UpdateItem(removal);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_FALSE(removed->attributes);
  EXPECT_FALSE(*tables_.Get("users", removal.key));
  EXPECT_TRUE(recorder_.events.empty());
}

TEST_F(TableServiceTest, UpdateReturnValues) {
  Put("users", R"({"pk":{"S":"u1"},"a":{"N":"1"},"b":{"M":{"c":{"N":"1"},)"
               R"("d":{"N":"1"}}},"gone":{"S":"x"}})");
  auto run = [&](ReturnValues rv) {
    UpdateItemRequest r;
    r.table_name = "users";
    r.key = J(R"({"pk":{"S":"u1"}})");
    r.update_expression = "SET a = a + :one, b.c = :one REMOVE gone";
    r.expression.values = AttributeValues{{":one", N("1")}};
    r.return_values = rv;
    auto result = tables_.UpdateItem(r);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result->attributes ? ToJson(*result->attributes) : "<none>";
  };
  EXPECT_EQ(run(ReturnValues::kNone), "<none>");
  EXPECT_EQ(run(ReturnValues::kUpdatedOld),
            R"({"a":{"N":"2"},"b":{"M":{"c":{"N":"1"}}}})");
  EXPECT_EQ(run(ReturnValues::kUpdatedNew),
            R"({"a":{"N":"4"},"b":{"M":{"c":{"N":"1"}}}})");
  EXPECT_EQ(run(ReturnValues::kAllOld),
            R"({"a":{"N":"4"},"b":{"M":{"c":{"N":"1"},"d":{"N":"1"}}},)"
            R"("pk":{"S":"u1"}})");
  EXPECT_EQ(run(ReturnValues::kAllNew),
            R"({"a":{"N":"6"},"b":{"M":{"c":{"N":"1"},"d":{"N":"1"}}},)"
            R"("pk":{"S":"u1"}})");
}

TEST_F(TableServiceTest, UpdateRefusesKeyAttributesAndKeepsItemsOnError) {
  Put("events", R"({"pk":{"S":"a"},"sk":{"N":"1"},"s":{"S":"x"}})");
  UpdateItemRequest r;
  r.table_name = "events";
  r.key = J(R"({"pk":{"S":"a"},"sk":{"N":"1"}})");
  r.update_expression = "SET sk = :one";
  r.expression.values = AttributeValues{{":one", N("1")}};
  EXPECT_EQ(tables_.UpdateItem(r).status().message(),
            "One or more parameter values were invalid: Cannot update "
            "attribute sk. This attribute is part of the key");
  r.update_expression = "SET t = :one, u = s + :one";
  EXPECT_EQ(tables_.UpdateItem(r).status().message(),
            "An operand in the update expression has an incorrect data type");
  auto item = tables_.Get("events", r.key);
  EXPECT_EQ(ToJson(**item), R"({"pk":{"S":"a"},"s":{"S":"x"},"sk":{"N":"1"}})");
}

// "SET a.b = a" nests `a` one level deeper each time it runs; unchecked,
// it reached 41 levels (an item fanlab's own JSON reader then refused),
// and a long path on the left nested ~1,900 levels per call until the
// engine's recursion overflowed the stack.
TEST_F(TableServiceTest, UpdateCannotNestPastTheLimit) {
  Put("users", R"({"pk":{"S":"u1"},"a":{"M":{}}})");
  UpdateItemRequest r;
  r.table_name = "users";
  r.key = J(R"({"pk":{"S":"u1"}})");
  r.update_expression = "SET a.b = a";
  for (int depth = 2; depth <= kMaxNestingDepth; ++depth) {
    ASSERT_TRUE(tables_.UpdateItem(r).ok()) << depth;
  }
  recorder_.events.clear();
  const Status too_deep(dynamodb::kValidationException,
                        "Nesting Levels have exceeded supported limits");
  EXPECT_EQ(tables_.UpdateItem(r).status(), too_deep);
  // The longest path DynamoDB takes (32 steps) on the deepest item.
  r.update_expression = "SET a";
  for (int i = 0; i < 31; ++i) r.update_expression->append(".b");
  r.update_expression->append(" = a");
  EXPECT_EQ(tables_.UpdateItem(r).status(), too_deep);
  EXPECT_TRUE(recorder_.events.empty());
  auto item = tables_.Get("users", r.key);
  ASSERT_TRUE(item.ok() && *item);
  EXPECT_EQ(NestingDepth((*item)->at("a")), kMaxNestingDepth);
  EXPECT_TRUE(ParseItem(ToJson(**item)).ok());
}

// The JSON reader holds requests to 32 levels; PutItem holds C++ callers
// to the same rule.
TEST_F(TableServiceTest, PutCannotNestPastTheLimit) {
  AttributeValue deep = AttributeValue::Null();
  for (int i = 0; i <= kMaxNestingDepth; ++i) {
    AttributeList list;
    list.push_back(std::move(deep));
    deep = AttributeValue::List(std::move(list));
  }
  PutItemRequest r;
  r.table_name = "users";
  r.item = J(R"({"pk":{"S":"u1"}})");
  r.item["deep"] = std::move(deep);
  EXPECT_EQ(tables_.PutItem(r).status().message(),
            "Nesting Levels have exceeded supported limits");
  EXPECT_FALSE(*tables_.Get("users", r.item));
}

// list_append built its whole value before the item size was checked: a
// 40,000-element list appended to itself 256 leaves deep took more than
// 1.7 GB, then bad_alloc. The size is now checked as the value grows.
// (Fewer, longer elements here, for speed: the size is what counts.)
TEST_F(TableServiceTest, ListAppendIsBoundedByTheItemSize) {
  PutItemRequest put;
  put.table_name = "users";
  put.item = J(R"({"pk":{"S":"u1"}})");
  // 4,000 strings: 3 + 4,000 * (1 + 29) bytes, about 117 KB.
  put.item["l"] = AttributeValue::List(
      AttributeList(4000, S("twenty-nine bytes of content.")));
  ASSERT_TRUE(tables_.PutItem(put).ok());
  UpdateItemRequest r;
  r.table_name = "users";
  r.key = J(R"({"pk":{"S":"u1"}})");
  const std::string too_large =
      "Item size to update has exceeded the maximum allowed size";
  // Refused where the value first outgrows the limit (the third append),
  // before a later action is even evaluated: finishing the value would
  // have reported the missing attribute instead.
  r.update_expression =
      "SET x = list_append(list_append(list_append(l, l), l), l), "
      "y = nope";
  ASSERT_EQ(tables_.UpdateItem(r).status().message(), too_large);
  // The values of all SET actions together are bounded the same way.
  r.update_expression = "SET x = l, y = l, z = l, w = l, v = nope";
  EXPECT_EQ(tables_.UpdateItem(r).status().message(), too_large);
  // The reviewer's case: 256 leaves, within 4 KB of expression.
  std::string value = "l";
  for (int i = 0; i < 255; ++i) value = "list_append(" + value + ", l)";
  r.update_expression = "SET x = " + value;
  ASSERT_LE(r.update_expression->size(), kMaxExpressionBytes);
  EXPECT_EQ(tables_.UpdateItem(r).status().message(), too_large);
  EXPECT_EQ(ItemSize(**tables_.Get("users", r.key)), 2u + 2 + 1 + 120003);
  // What fits is still appended.
  r.update_expression = "SET x = list_append(l, l)";
  ASSERT_TRUE(tables_.UpdateItem(r).ok());
  EXPECT_EQ((*tables_.Get("users", r.key))->at("x").list().size(), 8000u);
}

TEST_F(TableServiceTest, ConditionalUpdate) {
  Put("users", R"({"pk":{"S":"u1"},"state":{"S":"open"}})");
  UpdateItemRequest r;
  r.table_name = "users";
  r.key = J(R"({"pk":{"S":"u1"}})");
  r.update_expression = "SET #s = :closed";
  r.condition_expression = "#s = :open";
  r.expression.names = AttributeNames{{"#s", "state"}};
  r.expression.values =
      AttributeValues{{":open", S("open")}, {":closed", S("closed")}};
  ASSERT_TRUE(tables_.UpdateItem(r).ok());
  EXPECT_EQ(tables_.UpdateItem(r).status().code(),
            dynamodb::kConditionalCheckFailedException);
  // A condition on an item that does not exist sees an empty item.
  r.key = J(R"({"pk":{"S":"u9"}})");
  r.condition_expression = "attribute_exists(pk)";
  r.expression.values = AttributeValues{{":closed", S("closed")}};
  EXPECT_EQ(tables_.UpdateItem(r).status().code(),
            dynamodb::kConditionalCheckFailedException);
  EXPECT_FALSE(*tables_.Get("users", r.key));
}

// ---- queries

TEST_F(TableServiceTest, QueryReturnsSortKeyOrder) {
  PutEvents();
  auto page = tables_.Query(Q("pk = :a", {{":a", S("a")}}));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(SortKeys(*page),
            (std::vector<std::string>{"1", "2", "9", "10", "100"}));
  EXPECT_EQ(page->count, 5);
  EXPECT_EQ(page->scanned_count, 5);
  EXPECT_FALSE(page->last_evaluated_key);
  QueryRequest backwards = Q("pk = :a", {{":a", S("a")}});
  backwards.scan_index_forward = false;
  EXPECT_EQ(SortKeys(*tables_.Query(backwards)),
            (std::vector<std::string>{"100", "10", "9", "2", "1"}));
}

TEST_F(TableServiceTest, QuerySortKeyConditions) {
  PutEvents();
  auto keys = [&](std::string kce, AttributeValues values,
                  bool forward = true) {
    values[":a"] = S("a");
    QueryRequest q = Q("pk = :a AND " + kce, values);
    q.scan_index_forward = forward;
    auto page = tables_.Query(q);
    EXPECT_TRUE(page.ok()) << kce << ": " << page.status().ToString();
    return page.ok() ? SortKeys(*page) : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys("sk = :x", {{":x", N("9")}}), V{"9"});
  EXPECT_EQ(keys("sk < :x", {{":x", N("10")}}), (V{"1", "2", "9"}));
  EXPECT_EQ(keys("sk <= :x", {{":x", N("10")}}), (V{"1", "2", "9", "10"}));
  EXPECT_EQ(keys("sk > :x", {{":x", N("9")}}), (V{"10", "100"}));
  EXPECT_EQ(keys("sk >= :x", {{":x", N("9")}}), (V{"9", "10", "100"}));
  EXPECT_EQ(keys(":x <= sk", {{":x", N("9")}}), (V{"9", "10", "100"}));
  EXPECT_EQ(keys("sk BETWEEN :x AND :y", {{":x", N("2")}, {":y", N("10")}}),
            (V{"2", "9", "10"}));
  EXPECT_EQ(
      keys("sk BETWEEN :x AND :y", {{":x", N("2")}, {":y", N("10")}}, false),
      (V{"10", "9", "2"}));
  EXPECT_EQ(keys("sk < :x", {{":x", N("0")}}), V{});
  EXPECT_EQ(keys("(sk > :x)", {{":x", N("99.5")}}), V{"100"});
}

TEST_F(TableServiceTest, QueryBeginsWithOnStrings) {
  ASSERT_TRUE(tables_.CreateTable(Schema("strings", "S")).ok());
  for (const char* sk : {"order#2", "order#10", "ordex", "order", "orc", "p"}) {
    Put("strings",
        std::string(R"({"pk":{"S":"a"},"sk":{"S":")") + sk + R"("}})");
  }
  QueryRequest q = Q("pk = :a AND begins_with(sk, :p)",
                     {{":a", S("a")}, {":p", S("order")}});
  q.table_name = "strings";
  EXPECT_EQ(SortKeys(*tables_.Query(q)),
            (std::vector<std::string>{"order", "order#10", "order#2"}));
  q.scan_index_forward = false;
  EXPECT_EQ(SortKeys(*tables_.Query(q)),
            (std::vector<std::string>{"order#2", "order#10", "order"}));
}

TEST_F(TableServiceTest, QueryPagesWithLimitAndLastEvaluatedKey) {
  PutEvents();
  for (bool forward : {true, false}) {
    QueryRequest q = Q("pk = :a", {{":a", S("a")}});
    q.limit = 2;
    q.scan_index_forward = forward;
    std::vector<std::string> seen;
    int pages = 0;
    while (true) {
      auto page = tables_.Query(q);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      ++pages;
      auto keys = SortKeys(*page);
      seen.insert(seen.end(), keys.begin(), keys.end());
      if (!page->last_evaluated_key) break;
      q.exclusive_start_key = page->last_evaluated_key;
      ASSERT_LT(pages, 10);
    }
    // 5 items in pages of 2: the third page holds one item and, not
    // stopped by the limit, carries no key.
    EXPECT_EQ(pages, 3);
    std::vector<std::string> expected = {"1", "2", "9", "10", "100"};
    if (!forward) std::reverse(expected.begin(), expected.end());
    EXPECT_EQ(seen, expected);
  }
}

TEST_F(TableServiceTest, LimitCountsItemsBeforeTheFilter) {
  PutEvents();
  QueryRequest q = Q("pk = :a", {{":a", S("a")}, {":min", N("5")}});
  q.filter_expression = "v > :min";
  q.limit = 3;
  auto page = tables_.Query(q);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  // Evaluated 1, 2, 9; only 9 passed the filter.
  EXPECT_EQ(page->scanned_count, 3);
  EXPECT_EQ(page->count, 1);
  EXPECT_EQ(SortKeys(*page), std::vector<std::string>{"9"});
  ASSERT_TRUE(page->last_evaluated_key);
  EXPECT_EQ(ToJson(*page->last_evaluated_key),
            R"({"pk":{"S":"a"},"sk":{"N":"9"}})");
  // A Query's filter may not look at the key.
  QueryRequest on_key = Q("pk = :a", {{":a", S("a")}, {":min", N("5")}});
  on_key.filter_expression = "v > :min OR size(sk) > :min";
  EXPECT_EQ(QueryError(on_key),
            "Filter Expression can only contain non-primary key attributes: "
            "Primary key attribute: sk");
  // A limit that ends exactly on the last item still hands out a key.
  q.limit = 5;
  EXPECT_TRUE(tables_.Query(q)->last_evaluated_key);
}

TEST_F(TableServiceTest, QuerySelectCountAndProjection) {
  PutEvents();
  QueryRequest q = Q("pk = :a", {{":a", S("a")}});
  q.select = Select::kCount;
  auto count = tables_.Query(q);
  ASSERT_TRUE(count.ok());
  EXPECT_TRUE(count->count_only);
  EXPECT_TRUE(count->items.empty());
  EXPECT_EQ(count->count, 5);
  q.projection_expression = "v";
  EXPECT_EQ(QueryError(q),
            "Cannot specify the ProjectionExpression when choosing to get "
            "only the Count");
  q.select = Select::kSpecificAttributes;
  auto projected = tables_.Query(q);
  ASSERT_TRUE(projected.ok());
  EXPECT_EQ(ToJson(projected->items[0]), R"({"v":{"N":"1"}})");
  q.projection_expression.reset();
  EXPECT_EQ(QueryError(q),
            "Must specify the AttributesToGet or ProjectionExpression when "
            "choosing to get SPECIFIC_ATTRIBUTES");
  q.select = Select::kAllProjectedAttributes;
  EXPECT_EQ(QueryError(q),
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an "
            "IndexName");
}

TEST_F(TableServiceTest, KeyConditionsAreCheckedAgainstTheSchema) {
  EXPECT_EQ(QueryError(Q("sk = :n", {{":n", N("1")}})),
            "Query condition missed key schema element: pk");
  EXPECT_EQ(
      QueryError(Q("pk = :a AND extra = :n", {{":a", S("a")}, {":n", N("1")}})),
      "Query condition missed key schema element: sk");
  EXPECT_EQ(QueryError(Q("pk = :a AND sk > :n AND sk < :n",
                         {{":a", S("a")}, {":n", N("1")}})),
            "Invalid KeyConditionExpression: KeyConditionExpressions must "
            "only contain one condition per key");
  EXPECT_EQ(QueryError(Q("pk = :a AND sk > :n AND extra = :n",
                         {{":a", S("a")}, {":n", N("1")}})),
            "The number of query conditions (3) exceeds the number of key "
            "attributes defined in the schema (2)");
  EXPECT_EQ(QueryError(Q("pk > :a", {{":a", S("a")}})),
            "Query key condition not supported");
  EXPECT_EQ(QueryError(Q("pk = :n", {{":n", N("1")}})),
            "One or more parameter values were invalid: Condition parameter "
            "type does not match schema type");
  EXPECT_EQ(QueryError(Q("pk = :a AND begins_with(sk, :s)",
                         {{":a", S("a")}, {":s", S("1")}})),
            "One or more parameter values were invalid: Condition parameter "
            "type does not match schema type");
  EXPECT_EQ(QueryError(Q("pk = :a", {{":a", S("")}})),
            "One or more parameter values are not valid. The AttributeValue "
            "for a key attribute cannot contain an empty string value. Key: "
            "pk");
  QueryRequest none;
  none.table_name = "events";
  EXPECT_EQ(QueryError(none),
            "Either the KeyConditions or KeyConditionExpression parameter "
            "must be specified in the request.");
  QueryRequest indexed = Q("pk = :a", {{":a", S("a")}});
  indexed.index_name = "by-v";
  EXPECT_EQ(QueryError(indexed),
            "The table does not have the specified index: by-v");
  QueryRequest missing = Q("pk = :a", {{":a", S("a")}});
  missing.table_name = "nope";
  EXPECT_EQ(tables_.Query(missing).status().code(),
            dynamodb::kResourceNotFoundException);
  QueryRequest limited = Q("pk = :a", {{":a", S("a")}});
  limited.limit = 0;
  EXPECT_EQ(QueryError(limited),
            "1 validation error detected: Value '0' at 'limit' failed to "
            "satisfy constraint: Member must have value greater than or equal "
            "to 1");
}

TEST_F(TableServiceTest, QueryStartKeyMustFit) {
  PutEvents();
  QueryRequest q = Q("pk = :a", {{":a", S("a")}});
  q.exclusive_start_key = J(R"({"pk":{"S":"a"}})");
  EXPECT_EQ(QueryError(q),
            "The provided starting key is invalid: The provided key element "
            "does not match the schema");
  q.exclusive_start_key = J(R"({"pk":{"S":"b"},"sk":{"N":"1"}})");
  EXPECT_EQ(QueryError(q),
            "The provided starting key is invalid: The provided key element "
            "does not match the partition key of the query");
  // A start key need not name an existing item.
  q.exclusive_start_key = J(R"({"pk":{"S":"a"},"sk":{"N":"5"}})");
  EXPECT_EQ(SortKeys(*tables_.Query(q)),
            (std::vector<std::string>{"9", "10", "100"}));
}

// ---- scans

TEST_F(TableServiceTest, ScanWalksEveryItemInKeyOrder) {
  PutEvents();
  ScanRequest s;
  s.table_name = "events";
  auto page = tables_.Scan(s);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 6u);
  EXPECT_EQ(page->items[0].at("pk").scalar(), "a");
  EXPECT_EQ(page->items[4].at("sk").scalar(), "100");
  EXPECT_EQ(page->items[5].at("pk").scalar(), "b");
  // The harness's view is the same walk.
  auto items = tables_.Items("events");
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 6u);
  EXPECT_EQ(ToJson((*items)[5]), ToJson(page->items[5]));
}

TEST_F(TableServiceTest, ScanPagesAndFilters) {
  PutEvents();
  for (int limit = 1; limit <= 7; ++limit) {
    ScanRequest s;
    s.table_name = "events";
    s.limit = limit;
    s.filter_expression = "attribute_exists(v)";
    int64_t count = 0, scanned = 0;
    for (int pages = 0; pages < 20; ++pages) {
      auto page = tables_.Scan(s);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      count += page->count;
      scanned += page->scanned_count;
      if (!page->last_evaluated_key) break;
      s.exclusive_start_key = page->last_evaluated_key;
    }
    EXPECT_EQ(count, 5) << "limit " << limit;
    EXPECT_EQ(scanned, 6) << "limit " << limit;
  }
}

TEST_F(TableServiceTest, ParallelScanSegmentsPartitionTheTable) {
  for (int i = 0; i < 40; ++i) {
    Put("users", "{\"pk\":{\"S\":\"user" + std::to_string(i) + "\"}}");
  }
  std::multiset<std::string> seen;
  for (int64_t segment = 0; segment < 4; ++segment) {
    ScanRequest s;
    s.table_name = "users";
    s.segment = segment;
    s.total_segments = 4;
    auto page = tables_.Scan(s);
    ASSERT_TRUE(page.ok());
    EXPECT_LT(page->items.size(), 40u);  // each segment holds only a part
    for (const Item& item : page->items) seen.insert(item.at("pk").scalar());
  }
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 40u);
  ScanRequest bad;
  bad.table_name = "users";
  bad.segment = 4;
  bad.total_segments = 4;
  EXPECT_EQ(tables_.Scan(bad).status().message(),
            "The Segment parameter is zero-based and must be less than "
            "parameter TotalSegments: Segment: 4 is not less than "
            "TotalSegments: 4");
  bad.total_segments.reset();
  EXPECT_EQ(tables_.Scan(bad).status().message(),
            "The TotalSegments parameter is required but was not present in "
            "the request when Segment parameter is present");
}

TEST_F(TableServiceTest, PagesStopAtOneMegabyte) {
  std::string blob(100 * 1024, 'x');
  for (int i = 0; i < 15; ++i) {
    Put("users", "{\"pk\":{\"S\":\"u" + std::to_string(100 + i) +
                     "\"},\"blob\":{\"S\":\"" + blob + "\"}}");
  }
  ScanRequest s;
  s.table_name = "users";
  s.select = Select::kCount;
  auto page = tables_.Scan(s);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->scanned_count, 11);  // the 11th item crosses 1 MB
  EXPECT_TRUE(page->last_evaluated_key);
  s.exclusive_start_key = page->last_evaluated_key;
  page = tables_.Scan(s);
  EXPECT_EQ(page->scanned_count, 4);
  EXPECT_FALSE(page->last_evaluated_key);
}

TEST_F(TableServiceTest, HarnessAccessors) {
  Put("users", R"({"pk":{"S":"u1"},"v":{"N":"7"}})");
  EXPECT_EQ(tables_.TableNames(),
            (std::vector<std::string>{"events", "users"}));
  // Get ignores non-key attributes, so an item can look itself up.
  auto found = tables_.Get("users", J(R"({"pk":{"S":"u1"},"v":{"N":"0"}})"));
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->at("v").scalar(), "7");
  EXPECT_FALSE(*tables_.Get("users", J(R"({"pk":{"S":"u2"}})")));
  EXPECT_EQ(tables_.Get("nope", {}).status().code(),
            dynamodb::kResourceNotFoundException);
  EXPECT_EQ(tables_.Items("nope").status().code(),
            dynamodb::kResourceNotFoundException);
  EXPECT_EQ(tables_.FindTable("nope"), nullptr);
}

}  // namespace
}  // namespace fanlab::services
