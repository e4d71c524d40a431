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
#include <initializer_list>

#include "emulator/api/handlers.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/attribute_value_json.h"
#include "emulator/services/table_service.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using services::AttributeNames;
using services::AttributeValues;
using services::Item;
using services::TableService;

Status Serialization(std::string message) {
  return Status(ErrorCode::kSerializationException, std::move(message));
}

Status Validation(std::string message) {
  return Status(ErrorCode::kValidationException, std::move(message));
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

Status NotNull(std::string_view field) {
  return Constraint("null", field, "Member must not be null");
}

// Reads the fields of one request object. The first failure sticks: later
// reads return nothing, and status() reports it.
class Reader {
 public:
  explicit Reader(const json::object& o) : o_(o) {}

  const Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  void Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
  }

  // The field, or null when absent or JSON null (as the SDKs omit them).
  const json::value* Get(std::string_view key) const {
    const json::value* v = o_.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  std::optional<std::string> String(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr || !ok()) return std::nullopt;
    if (!v->is_string()) {
      Fail(Serialization(std::string(key) + " must be a string."));
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<int64_t> Int(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr || !ok()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() < (uint64_t{1} << 62)) {
      return static_cast<int64_t>(v->get_uint64());
    }
    Fail(Serialization(std::string(key) + " must be an integer."));
    return std::nullopt;
  }

  std::optional<bool> Bool(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr || !ok()) return std::nullopt;
    if (!v->is_bool()) {
      Fail(Serialization(std::string(key) + " must be a boolean."));
      return std::nullopt;
    }
    return v->get_bool();
  }

  std::optional<Item> ItemField(std::string_view key) {
    const json::value* v = Get(key);
    if (v == nullptr || !ok()) return std::nullopt;
    auto item = services::ItemFromJson(*v, key);
    if (!item.ok()) {
      Fail(item.status());
      return std::nullopt;
    }
    return std::move(item).value();
  }

  // TableName, which every action requires.
  std::string TableName() {
    auto name = String("TableName");
    if (!name && ok()) Fail(NotNull("tableName"));
    return name.value_or("");
  }

  // A required item-shaped field ("Item", "Key").
  Item RequiredItem(std::string_view key, std::string_view field) {
    auto item = ItemField(key);
    if (!item && ok()) Fail(NotNull(field));
    return item.value_or(Item());
  }

  // A string field that must be one of `allowed`; DynamoDB lists the set
  // in its own order, which `allowed` gives.
  std::optional<std::string> Enum(
      std::string_view key, std::string_view field,
      std::initializer_list<std::string_view> allowed) {
    auto v = String(key);
    if (!v) return std::nullopt;
    for (std::string_view a : allowed) {
      if (*v == a) return v;
    }
    std::string set;
    for (std::string_view a : allowed) {
      set += (set.empty() ? "" : ", ") + std::string(a);
    }
    Fail(Constraint("'" + *v + "'", field,
                    "Member must satisfy enum value set: [" + set + "]"));
    return std::nullopt;
  }

  services::ExpressionParameters Expressions() {
    services::ExpressionParameters p;
    if (const json::value* v = Get("ExpressionAttributeNames"); v && ok()) {
      if (!v->is_object()) {
        Fail(Serialization("ExpressionAttributeNames must be an object."));
        return p;
      }
      AttributeNames names;
      for (const auto& [k, name] : v->get_object()) {
        if (!name.is_string()) {
          Fail(Serialization("ExpressionAttributeNames." + std::string(k) +
                             " must be a string."));
          return p;
        }
        names.emplace(std::string(k), std::string(name.get_string()));
      }
      p.names = std::move(names);
    }
    if (const json::value* v = Get("ExpressionAttributeValues"); v && ok()) {
      if (!v->is_object()) {
        Fail(Serialization("ExpressionAttributeValues must be an object."));
        return p;
      }
      AttributeValues values;
      for (const auto& [k, value] : v->get_object()) {
        auto parsed = services::AttributeValueFromJson(
            value, "ExpressionAttributeValues." + std::string(k));
        if (!parsed.ok()) {
          Fail(parsed.status());
          return p;
        }
        values.emplace(std::string(k), std::move(parsed).value());
      }
      p.values = std::move(values);
    }
    return p;
  }

  // The legacy (pre-expression) parameters fanlab does not implement.
  void RefuseLegacy(std::initializer_list<std::string_view> keys) {
    for (std::string_view k : keys) {
      if (Get(k) != nullptr) {
        Fail(Validation("fanlab does not support the legacy parameter " +
                        std::string(k) + "; use expressions instead"));
      }
    }
  }

  // ReturnConsumedCapacity and ReturnItemCollectionMetrics are checked and
  // otherwise ignored: fanlab meters no capacity.
  void CheckMetering() {
    Enum("ReturnConsumedCapacity", "returnConsumedCapacity",
         {"INDEXES", "TOTAL", "NONE"});
    Enum("ReturnItemCollectionMetrics", "returnItemCollectionMetrics",
         {"SIZE", "NONE"});
  }

  services::ReturnValues ReturnValues() {
    auto v = Enum("ReturnValues", "returnValues",
                  {"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"});
    if (!v || *v == "NONE") return services::ReturnValues::kNone;
    if (*v == "ALL_OLD") return services::ReturnValues::kAllOld;
    if (*v == "ALL_NEW") return services::ReturnValues::kAllNew;
    if (*v == "UPDATED_OLD") return services::ReturnValues::kUpdatedOld;
    return services::ReturnValues::kUpdatedNew;
  }

  bool ReturnOldOnConditionFailure() {
    auto v = Enum("ReturnValuesOnConditionCheckFailure",
                  "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"});
    return v && *v == "ALL_OLD";
  }

  std::optional<services::Select> Select() {
    auto v = Enum("Select", "select",
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

 private:
  const json::object& o_;
  Status status_;
};

// Parses `body` as an object and hands it to `read`. Items may nest 32
// levels, deeper than Boost.JSON's default limit.
template <typename F>
Status ReadBody(std::string_view body, F read) {
  if (body.empty()) body = "{}";
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = services::kMaxJsonDepth;
  json::value v = json::parse(body, ec, {}, options);
  if (ec) {
    return Serialization("The request body is not valid JSON: " + ec.message() +
                         ".");
  }
  if (!v.is_object()) {
    return Serialization("The request body must be a JSON object.");
  }
  Reader r(v.get_object());
  read(r);
  return r.status();
}

ApiResponse Ok(std::string body) { return ApiResponse{true, std::move(body)}; }

ApiResponse Error(const Status& s) {
  return ErrorResponse(s, ApiService::kDynamoDb);
}

// A failed condition, with the item as it was when the request asked for
// it (ReturnValuesOnConditionCheckFailure ALL_OLD): DynamoDB adds "Item"
// to the error body.
ApiResponse ConditionFailure(const Status& s, const std::optional<Item>& item) {
  ApiResponse r = Error(s);
  if (item && r.body.size() > 1 && r.body.back() == '}') {
    r.body.pop_back();
    r.body += ",\"Item\":" + services::ToJson(*item) + "}";
  }
  return r;
}

std::string_view TypeName(services::AttributeType t) {
  return services::AttributeTypeName(t);
}

void WriteDescription(JsonWriter& w, const services::TableDescription& d) {
  w.BeginObject().Key("AttributeDefinitions").BeginArray();
  for (const auto& a : d.attribute_definitions) {
    w.BeginObject()
        .Key("AttributeName")
        .String(a.name)
        .Key("AttributeType")
        .String(TypeName(a.type))
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
  Status read = ReadBody(body, [&](Reader& r) {
    req.table_name = r.TableName();
    r.RefuseLegacy({"GlobalSecondaryIndexes", "LocalSecondaryIndexes"});
    const json::value* defs = r.Get("AttributeDefinitions");
    const json::value* keys = r.Get("KeySchema");
    if (r.ok() && defs == nullptr) r.Fail(NotNull("attributeDefinitions"));
    if (r.ok() && keys == nullptr) r.Fail(NotNull("keySchema"));
    if (!r.ok()) return;
    if (!defs->is_array()) {
      return r.Fail(Serialization("AttributeDefinitions must be a list."));
    }
    if (!keys->is_array()) {
      return r.Fail(Serialization("KeySchema must be a list."));
    }
    for (size_t i = 0; i < defs->get_array().size() && r.ok(); ++i) {
      const json::value& e = defs->get_array()[i];
      std::string at =
          "attributeDefinitions." + std::to_string(i + 1) + ".member";
      if (!e.is_object()) {
        return r.Fail(Serialization("AttributeDefinitions[" +
                                    std::to_string(i) +
                                    "] must be an object."));
      }
      Reader er(e.get_object());
      auto name = er.String("AttributeName");
      auto type =
          er.Enum("AttributeType", at + ".attributeType", {"B", "N", "S"});
      if (er.ok() && !name) er.Fail(NotNull(at + ".attributeName"));
      if (er.ok() && !type) er.Fail(NotNull(at + ".attributeType"));
      if (!er.ok()) return r.Fail(er.status());
      req.attribute_definitions.push_back(
          {*name, *services::AttributeTypeFromName(*type)});
    }
    for (size_t i = 0; i < keys->get_array().size() && r.ok(); ++i) {
      const json::value& e = keys->get_array()[i];
      std::string at = "keySchema." + std::to_string(i + 1) + ".member";
      if (!e.is_object()) {
        return r.Fail(Serialization("KeySchema[" + std::to_string(i) +
                                    "] must be an object."));
      }
      Reader er(e.get_object());
      auto name = er.String("AttributeName");
      auto type = er.Enum("KeyType", at + ".keyType", {"HASH", "RANGE"});
      if (er.ok() && !name) er.Fail(NotNull(at + ".attributeName"));
      if (er.ok() && !type) er.Fail(NotNull(at + ".keyType"));
      if (!er.ok()) return r.Fail(er.status());
      req.key_schema.push_back({*name, *type == "HASH"
                                           ? services::KeyType::kHash
                                           : services::KeyType::kRange});
    }
    auto billing = r.Enum("BillingMode", "billingMode",
                          {"PROVISIONED", "PAY_PER_REQUEST"});
    if (billing && *billing == "PAY_PER_REQUEST") {
      req.billing_mode = services::BillingMode::kPayPerRequest;
    }
    if (const json::value* pt = r.Get("ProvisionedThroughput"); pt && r.ok()) {
      if (!pt->is_object()) {
        return r.Fail(
            Serialization("ProvisionedThroughput must be an object."));
      }
      Reader pr(pt->get_object());
      auto read_units = pr.Int("ReadCapacityUnits");
      auto write_units = pr.Int("WriteCapacityUnits");
      if (pr.ok() && !read_units) {
        pr.Fail(NotNull("provisionedThroughput.readCapacityUnits"));
      }
      if (pr.ok() && !write_units) {
        pr.Fail(NotNull("provisionedThroughput.writeCapacityUnits"));
      }
      if (!pr.ok()) return r.Fail(pr.status());
      req.provisioned_throughput =
          services::ProvisionedThroughput{*read_units, *write_units};
    }
    if (const json::value* ss = r.Get("StreamSpecification"); ss && r.ok()) {
      const json::value* enabled =
          ss->is_object() ? ss->get_object().if_contains("StreamEnabled")
                          : nullptr;
      if (enabled != nullptr && enabled->is_bool() && enabled->get_bool()) {
        r.Fail(
            Validation("fanlab tables have no streams: StreamEnabled must "
                       "be false"));
      }
    }
  });
  if (!read.ok()) return done(Error(read));
  auto d = ts.CreateTable(req);
  if (!d.ok()) return done(Error(d.status()));
  done(Ok(DescriptionBody("TableDescription", *d)));
}

void DescribeOrDelete(TableService& ts, std::string_view body,
                      ApiCallback& done, bool remove) {
  std::string name;
  Status read = ReadBody(body, [&](Reader& r) { name = r.TableName(); });
  if (!read.ok()) return done(Error(read));
  auto d = remove ? ts.DeleteTable(name) : ts.DescribeTable(name);
  if (!d.ok()) return done(Error(d.status()));
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
  Status read = ReadBody(body, [&](Reader& r) {
    req.exclusive_start_table_name = r.String("ExclusiveStartTableName");
    req.limit = r.Int("Limit");
  });
  if (!read.ok()) return done(Error(read));
  auto list = ts.ListTables(req);
  if (!list.ok()) return done(Error(list.status()));
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

void PutItem(TableService& ts, std::string_view body, ApiCallback& done) {
  services::PutItemRequest req;
  Status read = ReadBody(body, [&](Reader& r) {
    req.table_name = r.TableName();
    r.RefuseLegacy({"Expected", "ConditionalOperator"});
    req.item = r.RequiredItem("Item", "item");
    req.condition_expression = r.String("ConditionExpression");
    req.expression = r.Expressions();
    req.return_values = r.ReturnValues();
    req.return_old_on_condition_failure = r.ReturnOldOnConditionFailure();
    r.CheckMetering();
  });
  if (!read.ok()) return done(Error(read));
  std::optional<Item> failed;
  auto result = ts.PutItem(req, &failed);
  if (!result.ok()) return done(ConditionFailure(result.status(), failed));
  done(Ok(AttributesBody("Attributes", result->attributes)));
}

void DeleteItem(TableService& ts, std::string_view body, ApiCallback& done) {
  services::DeleteItemRequest req;
  Status read = ReadBody(body, [&](Reader& r) {
    req.table_name = r.TableName();
    r.RefuseLegacy({"Expected", "ConditionalOperator"});
    req.key = r.RequiredItem("Key", "key");
    req.condition_expression = r.String("ConditionExpression");
    req.expression = r.Expressions();
    req.return_values = r.ReturnValues();
    req.return_old_on_condition_failure = r.ReturnOldOnConditionFailure();
    r.CheckMetering();
  });
  if (!read.ok()) return done(Error(read));
  std::optional<Item> failed;
  auto result = ts.DeleteItem(req, &failed);
  if (!result.ok()) return done(ConditionFailure(result.status(), failed));
  done(Ok(AttributesBody("Attributes", result->attributes)));
}

void UpdateItem(TableService& ts, std::string_view body, ApiCallback& done) {
  services::UpdateItemRequest req;
  Status read = ReadBody(body, [&](Reader& r) {
    req.table_name = r.TableName();
    r.RefuseLegacy({"AttributeUpdates", "Expected", "ConditionalOperator"});
    req.key = r.RequiredItem("Key", "key");
    req.update_expression = r.String("UpdateExpression");
    req.condition_expression = r.String("ConditionExpression");
    req.expression = r.Expressions();
    req.return_values = r.ReturnValues();
    req.return_old_on_condition_failure = r.ReturnOldOnConditionFailure();
    r.CheckMetering();
  });
  if (!read.ok()) return done(Error(read));
  std::optional<Item> failed;
  auto result = ts.UpdateItem(req, &failed);
  if (!result.ok()) return done(ConditionFailure(result.status(), failed));
  done(Ok(AttributesBody("Attributes", result->attributes)));
}

void GetItem(TableService& ts, std::string_view body, ApiCallback& done) {
  services::GetItemRequest req;
  Status read = ReadBody(body, [&](Reader& r) {
    req.table_name = r.TableName();
    r.RefuseLegacy({"AttributesToGet"});
    req.key = r.RequiredItem("Key", "key");
    req.projection_expression = r.String("ProjectionExpression");
    req.expression.names = r.Expressions().names;
    req.consistent_read = r.Bool("ConsistentRead").value_or(false);
    r.CheckMetering();
  });
  if (!read.ok()) return done(Error(read));
  auto result = ts.GetItem(req);
  if (!result.ok()) return done(Error(result.status()));
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
  Status read = ReadBody(body, [&](Reader& r) {
    req.table_name = r.TableName();
    r.RefuseLegacy({"KeyConditions", "QueryFilter", "AttributesToGet",
                    "ConditionalOperator"});
    req.index_name = r.String("IndexName");
    req.key_condition_expression = r.String("KeyConditionExpression");
    req.filter_expression = r.String("FilterExpression");
    req.projection_expression = r.String("ProjectionExpression");
    req.expression = r.Expressions();
    req.limit = r.Int("Limit");
    req.scan_index_forward = r.Bool("ScanIndexForward").value_or(true);
    req.exclusive_start_key = r.ItemField("ExclusiveStartKey");
    req.select = r.Select();
    req.consistent_read = r.Bool("ConsistentRead").value_or(false);
    r.CheckMetering();
  });
  if (!read.ok()) return done(Error(read));
  auto page = ts.Query(req);
  if (!page.ok()) return done(Error(page.status()));
  done(Ok(PageBody(*page)));
}

void Scan(TableService& ts, std::string_view body, ApiCallback& done) {
  services::ScanRequest req;
  Status read = ReadBody(body, [&](Reader& r) {
    req.table_name = r.TableName();
    r.RefuseLegacy({"ScanFilter", "AttributesToGet", "ConditionalOperator"});
    req.index_name = r.String("IndexName");
    req.filter_expression = r.String("FilterExpression");
    req.projection_expression = r.String("ProjectionExpression");
    req.expression = r.Expressions();
    req.limit = r.Int("Limit");
    req.exclusive_start_key = r.ItemField("ExclusiveStartKey");
    req.select = r.Select();
    req.segment = r.Int("Segment");
    req.total_segments = r.Int("TotalSegments");
    req.consistent_read = r.Bool("ConsistentRead").value_or(false);
    r.CheckMetering();
  });
  if (!read.ok()) return done(Error(read));
  auto page = ts.Scan(req);
  if (!page.ok()) return done(Error(page.status()));
  done(Ok(PageBody(*page)));
}

Handler WithTables(void (*f)(TableService&, std::string_view, ApiCallback&)) {
  // The dispatcher only routes here when Services::tables is set.
  return [f](Services& s, std::string_view body, ApiCallback& done) {
    f(*s.tables, body, done);
  };
}

}  // namespace

void AddTableActions(HandlerMap& map) {
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
    map[name] = Action{ApiService::kDynamoDb, WithTables(f)};
  }
}

}  // namespace fanlab::api
