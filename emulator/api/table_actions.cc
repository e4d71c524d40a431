// DynamoDB's actions over the one dispatcher: CreateTable, DeleteTable,
// DescribeTable, ListTables, PutItem, GetItem, DeleteItem, UpdateItem,
// Query and Scan, with the request and response shapes of the DynamoDB
// JSON 1.0 API (X-Amz-Target "DynamoDB_20120810.<Action>").
// docs/services.md lists the fields.
//
// This file only translates: JSON in, services::TableService, JSON out.
// Enum fields are checked here (DynamoDB's "Member must satisfy enum value
// set" constraint messages); everything else is the service's. The legacy
// parameters (Expected, AttributeUpdates, KeyConditions, QueryFilter,
// ScanFilter, AttributesToGet, ConditionalOperator) and secondary indexes
// are refused with a ValidationException saying so, rather than ignored.
#include <boost/json.hpp>
#include <cctype>
#include <initializer_list>

#include "emulator/api/errors.h"
#include "emulator/api/handlers.h"
#include "emulator/api/json_fields.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/attribute_value_json.h"
#include "emulator/services/dynamodb_errors.h"
#include "emulator/services/table_service.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using services::AttributeNames;
using services::AttributeValues;
using services::Item;
using services::TableService;

static_assert(kMaxBodyDepth >= services::kMaxJsonDepth,
              "a request must be able to hold a 32-level item");

Status Validation(std::string message) {
  return Status(dynamodb::kValidationException, std::move(message));
}

// "1 validation error detected: Value <value> at '<field>' failed to
// satisfy constraint: <constraint>".
Status Constraint(std::string_view value, std::string_view field,
                  std::string_view constraint) {
  return Validation(
      "1 validation error detected: Value " + std::string(value) + " at '" +
      std::string(field) +
      "' failed to satisfy constraint: " + std::string(constraint));
}

// DynamoDB's word for a missing required field, which callers name as
// DynamoDB does ("tableName", "keySchema.1.member.keyType").
constexpr MissingField kMissing =
    MemberMustNotBeNull<dynamodb::kValidationException>;

// An item-shaped field ("Item", "Key", "ExclusiveStartKey").
void ReadItem(FieldReader& r, std::string_view key, std::optional<Item>& out) {
  const json::value* v = r.Get(key);
  if (v == nullptr || !r.ok()) return;
  auto item = services::ItemFromJson(*v, r.Path(key));
  if (!item.ok()) return r.Fail(item.status());
  out = std::move(item).value();
}

// A required item-shaped field; `field` is DynamoDB's name for it.
Item RequiredItem(FieldReader& r, std::string_view key,
                  std::string_view field) {
  std::optional<Item> item;
  if (!r.Has(key)) r.Missing(key, field);
  ReadItem(r, key, item);
  return std::move(item).value_or(Item());
}

// TableName, which every action requires.
std::string TableName(FieldReader& r) {
  std::string name;
  r.Require("TableName", name, "tableName");
  return name;
}

// A string field that must be one of `allowed`; DynamoDB lists the set in
// its own order, which `allowed` gives. `field` is DynamoDB's name for it.
std::optional<std::string> Enum(
    FieldReader& r, std::string_view key, std::string_view field,
    std::initializer_list<std::string_view> allowed) {
  std::optional<std::string> v;
  r.Read(key, v);
  if (!v) return std::nullopt;
  for (std::string_view a : allowed) {
    if (*v == a) return v;
  }
  std::string set;
  for (std::string_view a : allowed) {
    set += (set.empty() ? "" : ", ") + std::string(a);
  }
  r.Fail(Constraint("'" + *v + "'", field,
                    "Member must satisfy enum value set: [" + set + "]"));
  return std::nullopt;
}

// An entry of AttributeDefinitions or KeySchema: AttributeName and the
// enum `type_key` ("AttributeType", "KeyType"), both required. DynamoDB
// names an entry's members "<list>.<index + 1>.member.<member>", members
// spelt in lower camel case.
std::optional<std::pair<std::string, std::string>> NameAndType(
    FieldReader& e, std::string_view list, size_t index,
    std::string_view type_key,
    std::initializer_list<std::string_view> allowed) {
  std::string at =
      std::string(list) + "." + std::to_string(index + 1) + ".member.";
  std::string type_member =
      at + char(std::tolower(type_key[0])) + std::string(type_key.substr(1));
  std::optional<std::string> name;
  e.Read("AttributeName", name);
  std::optional<std::string> type = Enum(e, type_key, type_member, allowed);
  if (!name) e.Missing("AttributeName", at + "attributeName");
  if (!type) e.Missing(type_key, type_member);
  if (!e.ok()) return std::nullopt;
  return std::pair(std::move(*name), std::move(*type));
}

services::ExpressionParameters Expressions(FieldReader& r) {
  services::ExpressionParameters p;
  if (r.Has("ExpressionAttributeNames")) {
    AttributeNames names;
    r.Read("ExpressionAttributeNames", names);
    p.names = std::move(names);
  }
  std::optional<FieldReader> values = r.Object("ExpressionAttributeValues");
  if (!values) return p;
  p.values.emplace();
  for (const auto& [k, value] : values->object()) {
    auto parsed = services::AttributeValueFromJson(value, values->Path(k));
    if (!parsed.ok()) {
      r.Fail(parsed.status());
      return p;
    }
    p.values->emplace(std::string(k), std::move(parsed).value());
  }
  return p;
}

// The legacy (pre-expression) parameters fanlab does not implement.
void RefuseLegacy(FieldReader& r,
                  std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    if (r.Has(k)) {
      r.Fail(Validation("fanlab does not support the legacy parameter " +
                        std::string(k) + "; use expressions instead"));
    }
  }
}

// ReturnConsumedCapacity and ReturnItemCollectionMetrics are checked and
// otherwise ignored: fanlab meters no capacity.
void CheckMetering(FieldReader& r) {
  Enum(r, "ReturnConsumedCapacity", "returnConsumedCapacity",
       {"INDEXES", "TOTAL", "NONE"});
  Enum(r, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics",
       {"SIZE", "NONE"});
}

services::ReturnValues ReturnValues(FieldReader& r) {
  auto v = Enum(r, "ReturnValues", "returnValues",
                {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"});
  if (!v || *v == "NONE") return services::ReturnValues::kNone;
  if (*v == "ALL_OLD") return services::ReturnValues::kAllOld;
  if (*v == "ALL_NEW") return services::ReturnValues::kAllNew;
  if (*v == "UPDATED_OLD") return services::ReturnValues::kUpdatedOld;
  return services::ReturnValues::kUpdatedNew;
}

bool ReturnOldOnConditionFailure(FieldReader& r) {
  auto v = Enum(r, "ReturnValuesOnConditionCheckFailure",
                "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"});
  return v && *v == "ALL_OLD";
}

std::optional<services::Select> Select(FieldReader& r) {
  auto v = Enum(r, "Select", "select",
                {"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES",
                 "ALL_PROJECTED_ATTRIBUTES"});
  if (!v) return std::nullopt;
  if (*v == "COUNT") return services::Select::kCount;
  if (*v == "ALL_ATTRIBUTES") return services::Select::kAllAttributes;
  if (*v == "SPECIFIC_ATTRIBUTES") {
    return services::Select::kSpecificAttributes;
  }
  return services::Select::kAllProjectedAttributes;
}

// A failed condition, with the item as it was when the request asked for
// it (ReturnValuesOnConditionCheckFailure ALL_OLD): DynamoDB adds "Item"
// to the error body.
ApiResponse ConditionFailure(const Status& s, const std::optional<Item>& item) {
  ApiResponse r = DynamoDbError(s);
  if (item && r.body.size() > 1 && r.body.back() == '}') {
    r.body.pop_back();
    r.body += ",\"Item\":" + services::ToJson(*item) + "}";
  }
  return r;
}

void WriteDescription(JsonWriter& w, const services::TableDescription& d) {
  w.BeginObject().Key("AttributeDefinitions").BeginArray();
  for (const auto& a : d.attribute_definitions) {
    w.BeginObject()
        .Key("AttributeName")
        .String(a.name)
        .Key("AttributeType")
        .String(services::AttributeTypeName(a.type))
        .EndObject();
  }
  w.EndArray().Key("TableName").String(d.table_name);
  w.Key("KeySchema").BeginArray();
  for (const auto& k : d.key_schema) {
    w.BeginObject()
        .Key("AttributeName")
        .String(k.name)
        .Key("KeyType")
        .String(k.key_type == services::KeyType::kHash ? "HASH" : "RANGE")
        .EndObject();
  }
  int64_t created = ToEpochMillis(d.creation_time) / 1000;
  w.EndArray()
      .Key("TableStatus")
      .String(d.table_status)
      .Key("CreationDateTime")
      .Int(created)
      .Key("ProvisionedThroughput")
      .BeginObject()
      .Key("NumberOfDecreasesToday")
      .Int(0)
      .Key("ReadCapacityUnits")
      .Int(d.provisioned_throughput.read_capacity_units)
      .Key("WriteCapacityUnits")
      .Int(d.provisioned_throughput.write_capacity_units)
      .EndObject()
      .Key("TableSizeBytes")
      .Int(d.table_size_bytes)
      .Key("ItemCount")
      .Int(d.item_count)
      .Key("TableArn")
      .String(d.table_arn)
      .Key("TableId")
      .String(d.table_id);
  if (d.billing_mode == services::BillingMode::kPayPerRequest) {
    w.Key("BillingModeSummary")
        .BeginObject()
        .Key("BillingMode")
        .String("PAY_PER_REQUEST")
        .Key("LastUpdateToPayPerRequestDateTime")
        .Int(created)
        .EndObject();
  }
  w.Key("DeletionProtectionEnabled").Bool(false).EndObject();
}

std::string DescriptionBody(std::string_view key,
                            const services::TableDescription& d) {
  JsonWriter w;
  w.BeginObject().Key(key);
  WriteDescription(w, d);
  w.EndObject();
  return w.Take();
}

std::string AttributesBody(std::string_view key,
                           const std::optional<Item>& item) {
  if (!item) return "{}";
  JsonWriter w;
  w.BeginObject().Key(key);
  services::WriteItem(w, *item);
  w.EndObject();
  return w.Take();
}

// ---- table actions

void CreateTable(TableService& ts, std::string_view body, ApiCallback& done) {
  services::CreateTableRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    req.table_name = TableName(r);
    RefuseLegacy(r, {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"});
    if (!r.Has("AttributeDefinitions"))
      r.Missing("AttributeDefinitions", "attributeDefinitions");
    if (!r.Has("KeySchema")) r.Missing("KeySchema", "keySchema");
    r.Objects("AttributeDefinitions", [&](FieldReader& e, size_t i) {
      auto d = NameAndType(e, "attributeDefinitions", i, "AttributeType",
                           {"B", "N", "S"});
      if (!d) return;
      req.attribute_definitions.push_back(
          {d->first, *services::AttributeTypeFromName(d->second)});
    });
    r.Objects("KeySchema", [&](FieldReader& e, size_t i) {
      auto k = NameAndType(e, "keySchema", i, "KeyType", {"HASH", "RANGE"});
      if (!k) return;
      req.key_schema.push_back({k->first, k->second == "HASH"
                                              ? services::KeyType::kHash
                                              : services::KeyType::kRange});
    });
    auto billing = Enum(r, "BillingMode", "billingMode",
                        {"PROVISIONED", "PAY_PER_REQUEST"});
    if (billing && *billing == "PAY_PER_REQUEST") {
      req.billing_mode = services::BillingMode::kPayPerRequest;
    }
    if (std::optional<FieldReader> pt = r.Object("ProvisionedThroughput")) {
      std::optional<int64_t> read_units, write_units;
      pt->Require("ReadCapacityUnits", read_units,
                  "provisionedThroughput.readCapacityUnits");
      pt->Require("WriteCapacityUnits", write_units,
                  "provisionedThroughput.writeCapacityUnits");
      if (!pt->ok()) return;
      req.provisioned_throughput =
          services::ProvisionedThroughput{*read_units, *write_units};
    }
    if (std::optional<FieldReader> ss = r.Object("StreamSpecification")) {
      bool enabled = false;
      ss->Read("StreamEnabled", enabled);
      if (enabled) {
        r.Fail(
            Validation("fanlab tables have no streams: StreamEnabled must "
                       "be false"));
      }
    }
  });
  if (!read.ok()) return done(DynamoDbError(read));
  auto d = ts.CreateTable(req);
  if (!d.ok()) return done(DynamoDbError(d.status()));
  done(Ok(DescriptionBody("TableDescription", *d)));
}

void DescribeOrDelete(TableService& ts, std::string_view body,
                      ApiCallback& done, bool remove) {
  std::string name;
  Status read = ReadJsonBody(body, kMissing,
                             [&](FieldReader& r) { name = TableName(r); });
  if (!read.ok()) return done(DynamoDbError(read));
  auto d = remove ? ts.DeleteTable(name) : ts.DescribeTable(name);
  if (!d.ok()) return done(DynamoDbError(d.status()));
  done(Ok(DescriptionBody(remove ? "TableDescription" : "Table", *d)));
}

void DescribeTable(TableService& ts, std::string_view body, ApiCallback& done) {
  DescribeOrDelete(ts, body, done, false);
}

void DeleteTable(TableService& ts, std::string_view body, ApiCallback& done) {
  DescribeOrDelete(ts, body, done, true);
}

void ListTables(TableService& ts, std::string_view body, ApiCallback& done) {
  services::ListTablesRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    r.Read("ExclusiveStartTableName", req.exclusive_start_table_name);
    r.Read("Limit", req.limit);
  });
  if (!read.ok()) return done(DynamoDbError(read));
  auto list = ts.ListTables(req);
  if (!list.ok()) return done(DynamoDbError(list.status()));
  JsonWriter w;
  w.BeginObject().Key("TableNames").BeginArray();
  for (const auto& n : list->table_names) w.String(n);
  w.EndArray();
  if (list->last_evaluated_table_name) {
    w.Key("LastEvaluatedTableName").String(*list->last_evaluated_table_name);
  }
  w.EndObject();
  done(Ok(w.Take()));
}

// ---- item actions

// PutItem, DeleteItem and UpdateItem: `read_own` reads the action's own
// fields, then come the ones the three share. The answer carries the
// Attributes asked for, or the error with the item a failed condition saw.
template <typename Request>
void WriteItem(TableService& ts, std::string_view body, ApiCallback& done,
               void (*read_own)(FieldReader&, Request&),
               Result<services::WriteResponse> (TableService::*call)(
                   const Request&, std::optional<Item>*)) {
  Request req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    req.table_name = TableName(r);
    read_own(r, req);
    r.Read("ConditionExpression", req.condition_expression);
    req.expression = Expressions(r);
    req.return_values = ReturnValues(r);
    req.return_old_on_condition_failure = ReturnOldOnConditionFailure(r);
    CheckMetering(r);
  });
  if (!read.ok()) return done(DynamoDbError(read));
  std::optional<Item> failed;
  auto result = (ts.*call)(req, &failed);
  if (!result.ok()) return done(ConditionFailure(result.status(), failed));
  done(Ok(AttributesBody("Attributes", result->attributes)));
}

void PutItem(TableService& ts, std::string_view body, ApiCallback& done) {
  WriteItem<services::PutItemRequest>(
      ts, body, done,
      [](FieldReader& r, services::PutItemRequest& req) {
        RefuseLegacy(r, {"Expected", "ConditionalOperator"});
        req.item = RequiredItem(r, "Item", "item");
      },
      &TableService::PutItem);
}

void DeleteItem(TableService& ts, std::string_view body, ApiCallback& done) {
  WriteItem<services::DeleteItemRequest>(
      ts, body, done,
      [](FieldReader& r, services::DeleteItemRequest& req) {
        RefuseLegacy(r, {"Expected", "ConditionalOperator"});
        req.key = RequiredItem(r, "Key", "key");
      },
      &TableService::DeleteItem);
}

void UpdateItem(TableService& ts, std::string_view body, ApiCallback& done) {
  WriteItem<services::UpdateItemRequest>(
      ts, body, done,
      [](FieldReader& r, services::UpdateItemRequest& req) {
        RefuseLegacy(r,
                     {"AttributeUpdates", "Expected", "ConditionalOperator"});
        req.key = RequiredItem(r, "Key", "key");
        r.Read("UpdateExpression", req.update_expression);
      },
      &TableService::UpdateItem);
}

void GetItem(TableService& ts, std::string_view body, ApiCallback& done) {
  services::GetItemRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    req.table_name = TableName(r);
    RefuseLegacy(r, {"AttributesToGet"});
    req.key = RequiredItem(r, "Key", "key");
    r.Read("ProjectionExpression", req.projection_expression);
    req.expression.names = Expressions(r).names;
    r.Read("ConsistentRead", req.consistent_read);
    CheckMetering(r);
  });
  if (!read.ok()) return done(DynamoDbError(read));
  auto result = ts.GetItem(req);
  if (!result.ok()) return done(DynamoDbError(result.status()));
  done(Ok(AttributesBody("Item", result->item)));
}

std::string PageBody(const services::PageResponse& page) {
  JsonWriter w;
  w.BeginObject();
  if (!page.count_only) {
    w.Key("Items").BeginArray();
    for (const Item& item : page.items) services::WriteItem(w, item);
    w.EndArray();
  }
  w.Key("Count").Int(page.count).Key("ScannedCount").Int(page.scanned_count);
  if (page.last_evaluated_key) {
    w.Key("LastEvaluatedKey");
    services::WriteItem(w, *page.last_evaluated_key);
  }
  w.EndObject();
  return w.Take();
}

void Query(TableService& ts, std::string_view body, ApiCallback& done) {
  services::QueryRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    req.table_name = TableName(r);
    RefuseLegacy(r, {"KeyConditions", "QueryFilter", "AttributesToGet",
                     "ConditionalOperator"});
    r.Read("IndexName", req.index_name);
    r.Read("KeyConditionExpression", req.key_condition_expression);
    r.Read("FilterExpression", req.filter_expression);
    r.Read("ProjectionExpression", req.projection_expression);
    req.expression = Expressions(r);
    r.Read("Limit", req.limit);
    r.Read("ScanIndexForward", req.scan_index_forward);
    ReadItem(r, "ExclusiveStartKey", req.exclusive_start_key);
    req.select = Select(r);
    r.Read("ConsistentRead", req.consistent_read);
    CheckMetering(r);
  });
  if (!read.ok()) return done(DynamoDbError(read));
  auto page = ts.Query(req);
  if (!page.ok()) return done(DynamoDbError(page.status()));
  done(Ok(PageBody(*page)));
}

void Scan(TableService& ts, std::string_view body, ApiCallback& done) {
  services::ScanRequest req;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& r) {
    req.table_name = TableName(r);
    RefuseLegacy(r, {"ScanFilter", "AttributesToGet", "ConditionalOperator"});
    r.Read("IndexName", req.index_name);
    r.Read("FilterExpression", req.filter_expression);
    r.Read("ProjectionExpression", req.projection_expression);
    req.expression = Expressions(r);
    r.Read("Limit", req.limit);
    ReadItem(r, "ExclusiveStartKey", req.exclusive_start_key);
    req.select = Select(r);
    r.Read("Segment", req.segment);
    r.Read("TotalSegments", req.total_segments);
    r.Read("ConsistentRead", req.consistent_read);
    CheckMetering(r);
  });
  if (!read.ok()) return done(DynamoDbError(read));
  auto page = ts.Scan(req);
  if (!page.ok()) return done(DynamoDbError(page.status()));
  done(Ok(PageBody(*page)));
}

Handler WithTables(void (*f)(TableService&, std::string_view, ApiCallback&)) {
  // The dispatcher only routes here when Services::tables is set.
  return [f](CallContext& c, std::string_view body, ApiCallback& done) {
    f(*c.services.tables, body, done);
  };
}

}  // namespace

void AddTableActions(Registry& registry) {
  std::pair<const char*,
            void (*)(TableService&, std::string_view, ApiCallback&)>
      actions[] = {
          {"CreateTable", CreateTable},
          {"DeleteTable", DeleteTable},
          {"DescribeTable", DescribeTable},
          {"ListTables", ListTables},
          {"PutItem", PutItem},
          {"GetItem", GetItem},
          {"DeleteItem", DeleteItem},
          {"UpdateItem", UpdateItem},
          {"Query", Query},
          {"Scan", Scan},
      };
  for (const auto& [name, f] : actions) {
    registry.Add(ApiService::kDynamoDb, name, WithTables(f));
  }
}

}  // namespace fanlab::api
