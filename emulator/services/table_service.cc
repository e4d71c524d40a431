#include "emulator/services/table_service.h"

#include <algorithm>

#include "emulator/core/arn.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/attribute_value_json.h"
#include "emulator/services/dynamodb_errors.h"
#include "emulator/services/expression_eval.h"

namespace fanlab::services {

// A table and what DescribeTable tells of it beyond its items.
struct TableService::Entry {
  Table table;
  TableDescription meta;  // the parts that do not change
};

namespace {

constexpr std::string_view kInvalid =
    "One or more parameter values were invalid: ";

Status Invalid(std::string message) {
  return Status(dynamodb::kValidationException, std::move(message));
}

Status NotFound() {
  return Status(dynamodb::kResourceNotFoundException,
                "Requested resource not found");
}

// DynamoDB's constraint report: "1 validation error detected: Value 'x' at
// 'tableName' failed to satisfy constraint: ...; ...".
class Constraints {
 public:
  void Add(std::string_view value, std::string_view field,
           std::string_view constraint) {
    errors_.push_back(
        "Value " + std::string(value) + " at '" + std::string(field) +
        "' failed to satisfy constraint: " + std::string(constraint));
  }
  bool empty() const { return errors_.empty(); }
  Status ToStatus() const {
    std::string m = std::to_string(errors_.size()) + " validation error" +
                    (errors_.size() > 1 ? "s" : "") + " detected: ";
    for (size_t i = 0; i < errors_.size(); ++i) {
      if (i > 0) m += "; ";
      m += errors_[i];
    }
    return Invalid(std::move(m));
  }

 private:
  std::vector<std::string> errors_;
};

std::string Quoted(std::string_view v) { return "'" + std::string(v) + "'"; }

void CheckTableName(Constraints& c, std::string_view name, size_t min_length) {
  bool pattern = std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
  });
  if (!pattern) {
    c.Add(Quoted(name), "tableName",
          "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  }
  if (name.size() < min_length) {
    c.Add(Quoted(name), "tableName",
          "Member must have length greater than or equal to " +
              std::to_string(min_length));
  }
  if (name.size() > 255) {
    c.Add(Quoted(name), "tableName",
          "Member must have length less than or equal to 255");
  }
}

Status CheckItemTableName(std::string_view name) {
  Constraints c;
  CheckTableName(c, name, 1);
  return c.empty() ? Status::Ok() : c.ToStatus();
}

void CheckLimit(Constraints& c, const std::optional<int64_t>& limit) {
  if (limit && *limit < 1) {
    c.Add(Quoted(std::to_string(*limit)), "limit",
          "Member must have value greater than or equal to 1");
  }
}

// ExpressionAttributeNames/Values need an expression to be used in, and
// must be well-formed maps.
Status CheckSubstitutions(const ExpressionParameters& p, bool any_expression) {
  if (!any_expression && p.names) {
    return Invalid(
        "ExpressionAttributeNames can only be specified when using "
        "expressions");
  }
  if (!any_expression && p.values) {
    return Invalid(
        "ExpressionAttributeValues can only be specified when using "
        "expressions");
  }
  return CheckExpressionAttributeMaps(p.names ? &*p.names : nullptr,
                                      p.values ? &*p.values : nullptr);
}

ExpressionAttributes AttributesOf(const ExpressionParameters& p) {
  return ExpressionAttributes(p.names ? &*p.names : nullptr,
                              p.values ? &*p.values : nullptr);
}

Status ConditionFailed() {
  return Status(dynamodb::kConditionalCheckFailedException,
                "The conditional request failed");
}

// Parses an optional condition-like expression into `out`.
Status ParseOptional(const std::optional<std::string>& text,
                     ExpressionKind kind, ExpressionAttributes& attributes,
                     std::optional<Condition>& out) {
  if (!text) return Status::Ok();
  auto parsed = ParseCondition(*text, kind, attributes);
  if (!parsed.ok()) return parsed.status();
  out = std::move(parsed).value();
  return Status::Ok();
}

Status ParseOptionalProjection(const std::optional<std::string>& text,
                               ExpressionAttributes& attributes,
                               std::optional<ProjectionExpression>& out) {
  if (!text) return Status::Ok();
  auto parsed = ParseProjection(*text, attributes);
  if (!parsed.ok()) return parsed.status();
  out = std::move(parsed).value();
  return Status::Ok();
}

// ---- item writes

Status NestingExceeded() {
  return Invalid("Nesting Levels have exceeded supported limits");
}

// Parses a write's ConditionExpression, the last expression it reads, then
// reports the substitutions that no expression used.
Result<std::optional<Condition>> ParseConditionLast(
    const std::optional<std::string>& text, ExpressionAttributes& attributes) {
  std::optional<Condition> condition;
  if (Status s = ParseOptional(text, ExpressionKind::kCondition, attributes,
                               condition);
      !s.ok()) {
    return s;
  }
  if (Status s = attributes.CheckAllUsed(); !s.ok()) return s;
  return condition;
}

// What PutItem and DeleteItem check before they look up the table, in
// DynamoDB's order: the table name, ReturnValues (NONE or ALL_OLD), the
// substitutions, the condition, then substitutions it left unused.
// Returns the parsed condition, if any.
template <typename Request>
Result<std::optional<Condition>> CheckPutOrDelete(const Request& request) {
  if (Status s = CheckItemTableName(request.table_name); !s.ok()) return s;
  if (request.return_values != ReturnValues::kNone &&
      request.return_values != ReturnValues::kAllOld) {
    return Invalid("ReturnValues can only be ALL_OLD or NONE");
  }
  if (Status s = CheckSubstitutions(request.expression,
                                    request.condition_expression.has_value());
      !s.ok()) {
    return s;
  }
  ExpressionAttributes attributes = AttributesOf(request.expression);
  return ParseConditionLast(request.condition_expression, attributes);
}

// Evaluates a write's condition on the item as it is (`existing`, null
// when there is none: the condition then sees an empty item). When it
// fails and the request asked for ALL_OLD on failure, the item goes to
// `*failure_item` (if not null).
Status CheckCondition(const std::optional<Condition>& condition,
                      const Item* existing, bool return_old_on_failure,
                      std::optional<Item>* failure_item) {
  if (!condition ||
      EvaluateCondition(*condition, existing ? *existing : Item())) {
    return Status::Ok();
  }
  if (failure_item != nullptr && return_old_on_failure && existing != nullptr) {
    *failure_item = *existing;
  }
  return ConditionFailed();
}

// ---- Query key conditions

struct KeyQuery {
  AttributeValue hash;
  SortKeyCondition range;
};

// One comparison of a key condition: an attribute, an operator, values.
struct KeyLeaf {
  std::string attribute;
  SortKeyCondition::Op op = SortKeyCondition::Op::kEq;
  std::vector<const AttributeValue*> values;
};

void Flatten(const Condition& c, std::vector<const Condition*>& out) {
  if (c.kind == ConditionKind::kAnd) {
    for (const Condition& child : c.children) Flatten(child, out);
  } else {
    out.push_back(&c);
  }
}

SortKeyCondition::Op OpOf(Comparator c, bool flipped) {
  using Op = SortKeyCondition::Op;
  switch (c) {
    case Comparator::kLt:
      return flipped ? Op::kGt : Op::kLt;
    case Comparator::kLe:
      return flipped ? Op::kGe : Op::kLe;
    case Comparator::kGt:
      return flipped ? Op::kLt : Op::kGt;
    case Comparator::kGe:
      return flipped ? Op::kLe : Op::kGe;
    default:
      return Op::kEq;
  }
}

// The attribute a key-condition operand names ("" for anything but a
// one-step path).
std::string KeyAttributeOf(const Operand& op) {
  if (op.kind != OperandKind::kPath || op.path.size() != 1 ||
      op.path[0].is_index) {
    return "";
  }
  return op.path[0].name;
}

Result<KeyLeaf> LeafOf(const Condition& c) {
  KeyLeaf leaf;
  auto value = [](const Operand& op) -> const AttributeValue* {
    return op.kind == OperandKind::kValue ? &op.value : nullptr;
  };
  switch (c.kind) {
    case ConditionKind::kCompare: {
      const Operand& a = c.operands[0];
      const Operand& b = c.operands[1];
      bool flipped = a.kind == OperandKind::kValue;
      const Operand& path = flipped ? b : a;
      const Operand& v = flipped ? a : b;
      if (path.kind != OperandKind::kPath || value(v) == nullptr) break;
      leaf.attribute = KeyAttributeOf(path);
      leaf.op = OpOf(c.comparator, flipped);
      leaf.values = {value(v)};
      return leaf;
    }
    case ConditionKind::kBetween:
      if (c.operands[0].kind != OperandKind::kPath ||
          value(c.operands[1]) == nullptr || value(c.operands[2]) == nullptr) {
        break;
      }
      leaf.attribute = KeyAttributeOf(c.operands[0]);
      leaf.op = SortKeyCondition::Op::kBetween;
      leaf.values = {value(c.operands[1]), value(c.operands[2])};
      return leaf;
    case ConditionKind::kBeginsWith:
      if (c.operands[0].kind != OperandKind::kPath ||
          value(c.operands[1]) == nullptr) {
        break;
      }
      leaf.attribute = KeyAttributeOf(c.operands[0]);
      leaf.op = SortKeyCondition::Op::kBeginsWith;
      leaf.values = {value(c.operands[1])};
      return leaf;
    default:
      break;
  }
  return Invalid("Query key condition not supported");
}

Status SchemaType(const KeyLeaf& leaf, AttributeType type) {
  for (const AttributeValue* v : leaf.values) {
    if (v->type() != type) {
      return Invalid(std::string(kInvalid) +
                     "Condition parameter type does not match schema type");
    }
  }
  return Status::Ok();
}

// Checks a parsed KeyConditionExpression against the key schema, in the
// order DynamoDB reports problems.
Result<KeyQuery> ToKeyQuery(const Condition& condition,
                            const KeySchema& schema) {
  std::vector<const Condition*> parts;
  Flatten(condition, parts);
  std::vector<KeyLeaf> leaves;
  for (const Condition* c : parts) {
    auto leaf = LeafOf(*c);
    if (!leaf.ok()) return leaf.status();
    leaves.push_back(std::move(leaf).value());
  }
  for (size_t i = 0; i < leaves.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (leaves[i].attribute == leaves[j].attribute) {
        return Invalid(
            "Invalid KeyConditionExpression: KeyConditionExpressions must "
            "only contain one condition per key");
      }
    }
  }
  size_t key_count = schema.range ? 2 : 1;
  if (leaves.size() > key_count) {
    return Invalid("The number of query conditions (" +
                   std::to_string(leaves.size()) +
                   ") exceeds the number of key attributes defined in the "
                   "schema (" +
                   std::to_string(key_count) + ")");
  }
  const KeyLeaf* hash = nullptr;
  const KeyLeaf* range = nullptr;
  for (const KeyLeaf& leaf : leaves) {
    if (leaf.attribute == schema.hash.name) {
      hash = &leaf;
    } else if (schema.range && leaf.attribute == schema.range->name) {
      range = &leaf;
    }
  }
  if (hash == nullptr) {
    return Invalid("Query condition missed key schema element: " +
                   schema.hash.name);
  }
  if (leaves.size() != (range != nullptr ? 2u : 1u)) {
    return Invalid("Query condition missed key schema element: " +
                   (schema.range ? schema.range->name : schema.hash.name));
  }
  if (hash->op != SortKeyCondition::Op::kEq) {
    return Invalid("Query key condition not supported");
  }
  if (Status s = SchemaType(*hash, schema.hash.type); !s.ok()) return s;
  KeyQuery q;
  q.hash = *hash->values[0];
  if (q.hash.type() != AttributeType::kN && q.hash.scalar().empty()) {
    return Invalid(
        "One or more parameter values are not valid. The AttributeValue for "
        "a key attribute cannot contain an empty " +
        std::string(q.hash.type() == AttributeType::kS ? "string" : "binary") +
        " value. Key: " + schema.hash.name);
  }
  if (range != nullptr) {
    if (Status s = SchemaType(*range, schema.range->type); !s.ok()) return s;
    q.range.op = range->op;
    q.range.low = *range->values[0];
    if (range->values.size() > 1) q.range.high = *range->values[1];
  }
  return q;
}

// The first key attribute an operand or condition names, or "".
std::string KeyNamedIn(const Operand& op, const KeySchema& schema) {
  if (op.kind == OperandKind::kPath && !op.path.empty() &&
      schema.IsKey(op.path[0].name)) {
    return op.path[0].name;
  }
  for (const Operand& a : op.args) {
    if (std::string k = KeyNamedIn(a, schema); !k.empty()) return k;
  }
  return "";
}

std::string KeyNamedIn(const Condition& c, const KeySchema& schema) {
  for (const Operand& op : c.operands) {
    if (std::string k = KeyNamedIn(op, schema); !k.empty()) return k;
  }
  for (const Condition& child : c.children) {
    if (std::string k = KeyNamedIn(child, schema); !k.empty()) return k;
  }
  return "";
}

// Accumulates one page of Query or Scan.
class Pager {
 public:
  Pager(const Table& table, const std::optional<Condition>& filter,
        const std::optional<ProjectionExpression>& projection, bool count_only,
        std::optional<int64_t> limit)
      : table_(table), filter_(filter), projection_(projection), limit_(limit) {
    page_.count_only = count_only;
  }

  bool Visit(const Item& item) {
    ++page_.scanned_count;
    bytes_ += ItemSize(item);
    last_ = &item;
    if (!filter_ || EvaluateCondition(*filter_, item)) {
      ++page_.count;
      if (!page_.count_only) {
        page_.items.push_back(projection_ ? Project(item, projection_->paths)
                                          : item);
      }
    }
    if ((limit_ && page_.scanned_count >= *limit_) || bytes_ >= kMaxPageBytes) {
      stopped_ = true;
      return false;
    }
    return true;
  }

  PageResponse Finish() {
    if (stopped_ && last_ != nullptr) {
      auto key = table_.KeyFromItem(*last_);
      if (key.ok()) page_.last_evaluated_key = table_.KeyItem(*key);
    }
    return std::move(page_);
  }

 private:
  const Table& table_;
  const std::optional<Condition>& filter_;
  const std::optional<ProjectionExpression>& projection_;
  std::optional<int64_t> limit_;
  PageResponse page_;
  size_t bytes_ = 0;
  const Item* last_ = nullptr;
  bool stopped_ = false;
};

Status CheckSelect(const std::optional<Select>& select, bool has_projection,
                   bool has_index) {
  if (!select) return Status::Ok();
  switch (*select) {
    case Select::kAllProjectedAttributes:
      if (!has_index) {
        return Invalid(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an "
            "IndexName");
      }
      break;
    case Select::kSpecificAttributes:
      if (!has_projection) {
        return Invalid(
            "Must specify the AttributesToGet or ProjectionExpression when "
            "choosing to get SPECIFIC_ATTRIBUTES");
      }
      break;
    case Select::kCount:
      if (has_projection) {
        return Invalid(
            "Cannot specify the ProjectionExpression when choosing to get "
            "only the Count");
      }
      break;
    case Select::kAllAttributes:
      if (has_projection) {
        return Invalid(
            "Cannot specify the ProjectionExpression when choosing to get "
            "ALL_ATTRIBUTES");
      }
      break;
  }
  return Status::Ok();
}

Result<PrimaryKey> StartKey(const Table& table, const Item& key) {
  auto k = table.KeyFromKey(key);
  if (!k.ok()) {
    return Invalid("The provided starting key is invalid: " +
                   k.status().message());
  }
  return k;
}

std::string KeyTypeName(KeyType t) {
  return t == KeyType::kHash ? "HASH" : "RANGE";
}

}  // namespace

TableService::TableService(Clock& clock, uint64_t seed, Account account)
    : clock_(clock), ids_(seed), account_(std::move(account)) {}

TableService::~TableService() = default;

TableService::Entry* TableService::Find(std::string_view name) {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second.get();
}

const TableService::Entry* TableService::Find(std::string_view name) const {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : it->second.get();
}

const Table* TableService::FindTable(std::string_view name) const {
  const Entry* e = Find(name);
  return e == nullptr ? nullptr : &e->table;
}

void TableService::Publish(std::string_view kind, std::string_view table,
                           std::string_view key,
                           std::string_view detail) const {
  Notify(observer_, "dynamodb", clock_.Now(), kind, table, key, detail);
}

void TableService::PublishItem(std::string_view kind, const Table& table,
                               const PrimaryKey& key, const Item& item) const {
  if (observer_ == nullptr) return;
  Publish(kind, table.name(), ToJson(table.KeyItem(key)), ToJson(item));
}

TableDescription TableService::Describe(const Entry& entry) const {
  TableDescription d = entry.meta;
  d.item_count = static_cast<int64_t>(entry.table.item_count());
  d.table_size_bytes = static_cast<int64_t>(entry.table.size_bytes());
  return d;
}

Result<TableDescription> TableService::CreateTable(
    const CreateTableRequest& request) {
  Constraints c;
  CheckTableName(c, request.table_name, 3);
  if (request.key_schema.empty() || request.key_schema.size() > 2) {
    std::string value = "[";
    for (size_t i = 0; i < request.key_schema.size(); ++i) {
      if (i > 0) value += ", ";
      value += "KeySchemaElement(attributeName=" + request.key_schema[i].name +
               ", keyType=" + KeyTypeName(request.key_schema[i].key_type) + ")";
    }
    value += "]";
    c.Add(Quoted(value), "keySchema",
          request.key_schema.empty()
              ? "Member must have length greater than or equal to 1"
              : "Member must have length less than or equal to 2");
  }
  if (const auto& pt = request.provisioned_throughput) {
    if (pt->read_capacity_units < 1) {
      c.Add(Quoted(std::to_string(pt->read_capacity_units)),
            "provisionedThroughput.readCapacityUnits",
            "Member must have value greater than or equal to 1");
    }
    if (pt->write_capacity_units < 1) {
      c.Add(Quoted(std::to_string(pt->write_capacity_units)),
            "provisionedThroughput.writeCapacityUnits",
            "Member must have value greater than or equal to 1");
    }
  }
  if (!c.empty()) return c.ToStatus();

  if (request.billing_mode == BillingMode::kPayPerRequest) {
    if (request.provisioned_throughput) {
      return Invalid(std::string(kInvalid) +
                     "Neither ReadCapacityUnits nor WriteCapacityUnits can be "
                     "specified when BillingMode is PAY_PER_REQUEST");
    }
  } else if (!request.provisioned_throughput) {
    return Invalid(std::string(kInvalid) +
                   "ReadCapacityUnits and WriteCapacityUnits must both be "
                   "specified when BillingMode is PROVISIONED");
  }
  const auto& keys = request.key_schema;
  const auto& defs = request.attribute_definitions;
  if (keys.size() > defs.size()) {
    return Invalid(
        "Invalid KeySchema: Some index key attribute have no definition");
  }
  auto definition = [&](const std::string& name) -> const AttributeDefinition* {
    for (const auto& d : defs) {
      if (d.name == name) return &d;
    }
    return nullptr;
  };
  for (const auto& k : keys) {
    if (definition(k.name) == nullptr) {
      std::string key_names, def_names;
      for (size_t i = 0; i < keys.size(); ++i) {
        key_names += (i > 0 ? ", " : "") + keys[i].name;
      }
      for (size_t i = 0; i < defs.size(); ++i) {
        def_names += (i > 0 ? ", " : "") + defs[i].name;
      }
      return Invalid(std::string(kInvalid) +
                     "Some index key attributes are not defined in "
                     "AttributeDefinitions. Keys: [" +
                     key_names + "], AttributeDefinitions: [" + def_names +
                     "]");
    }
  }
  if (keys.size() == 2 && keys[0].name == keys[1].name) {
    return Invalid(
        "Both the Hash Key and the Range Key element in the KeySchema have "
        "the same name");
  }
  if (keys[0].key_type != KeyType::kHash) {
    return Invalid(
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key "
        "type");
  }
  if (keys.size() == 2 && keys[1].key_type != KeyType::kRange) {
    return Invalid(
        "Invalid KeySchema: The second KeySchemaElement is not a RANGE key "
        "type");
  }
  if (keys.size() != defs.size()) {
    return Invalid(std::string(kInvalid) +
                   "Number of attributes in KeySchema does not exactly match "
                   "number of attributes defined in AttributeDefinitions");
  }
  if (Find(request.table_name) != nullptr) {
    return Status(dynamodb::kResourceInUseException,
                  "Table already exists: " + request.table_name);
  }

  KeySchema schema;
  schema.hash = KeyAttribute{keys[0].name, definition(keys[0].name)->type};
  if (keys.size() == 2) {
    schema.range = KeyAttribute{keys[1].name, definition(keys[1].name)->type};
  }
  auto entry = std::make_unique<Entry>(
      Entry{Table(request.table_name, schema), TableDescription()});
  TableDescription& m = entry->meta;
  m.table_name = request.table_name;
  m.table_arn = MakeArn(account_, "dynamodb", "table/" + request.table_name);
  m.table_id = ids_.NextUuidString();
  // Tables are usable at once: there is no CREATING phase to wait out.
  m.table_status = "ACTIVE";
  m.creation_time = clock_.Now();
  m.attribute_definitions = defs;
  m.key_schema = keys;
  m.billing_mode = request.billing_mode;
  if (request.provisioned_throughput) {
    m.provisioned_throughput = *request.provisioned_throughput;
  }
  TableDescription d = Describe(*entry);
  tables_.emplace(request.table_name, std::move(entry));

  if (observer_ != nullptr) {
    JsonWriter w;
    w.BeginObject().Key("TableName").String(request.table_name);
    w.Key("KeySchema").BeginArray();
    for (const auto& k : keys) {
      w.BeginObject()
          .Key("AttributeName")
          .String(k.name)
          .Key("KeyType")
          .String(KeyTypeName(k.key_type))
          .EndObject();
    }
    w.EndArray().EndObject();
    Publish("TableCreated", request.table_name, "", w.str());
  }
  return d;
}

Result<TableDescription> TableService::DeleteTable(std::string_view name) {
  if (Status s = CheckItemTableName(name); !s.ok()) return s;
  auto it = tables_.find(name);
  if (it == tables_.end()) {
    return Status(dynamodb::kResourceNotFoundException,
                  "Requested resource not found: Table: " + std::string(name) +
                      " not found");
  }
  TableDescription d = Describe(*it->second);
  d.table_status = "DELETING";
  tables_.erase(it);
  if (observer_ != nullptr) {
    JsonWriter w;
    w.BeginObject()
        .Key("TableName")
        .String(d.table_name)
        .Key("ItemCount")
        .Int(d.item_count)
        .EndObject();
    Publish("TableDeleted", d.table_name, "", w.str());
  }
  return d;
}

Result<TableDescription> TableService::DescribeTable(
    std::string_view name) const {
  if (Status s = CheckItemTableName(name); !s.ok()) return s;
  const Entry* e = Find(name);
  if (e == nullptr) {
    return Status(dynamodb::kResourceNotFoundException,
                  "Requested resource not found: Table: " + std::string(name) +
                      " not found");
  }
  return Describe(*e);
}

Result<ListTablesResponse> TableService::ListTables(
    const ListTablesRequest& request) const {
  Constraints c;
  if (request.limit && *request.limit < 1) {
    c.Add(Quoted(std::to_string(*request.limit)), "limit",
          "Member must have value greater than or equal to 1");
  }
  if (request.limit && *request.limit > kMaxListTablesLimit) {
    c.Add(Quoted(std::to_string(*request.limit)), "limit",
          "Member must have value less than or equal to 100");
  }
  if (request.exclusive_start_table_name) {
    CheckTableName(c, *request.exclusive_start_table_name, 3);
  }
  if (!c.empty()) return c.ToStatus();
  int64_t limit = request.limit.value_or(kMaxListTablesLimit);
  ListTablesResponse out;
  auto it = request.exclusive_start_table_name
                ? tables_.upper_bound(*request.exclusive_start_table_name)
                : tables_.begin();
  for (; it != tables_.end(); ++it) {
    if (static_cast<int64_t>(out.table_names.size()) == limit) {
      out.last_evaluated_table_name = out.table_names.back();
      break;
    }
    out.table_names.push_back(it->first);
  }
  return out;
}

Result<WriteResponse> TableService::PutItem(
    const PutItemRequest& request,
    std::optional<Item>* condition_failure_item) {
  auto condition = CheckPutOrDelete(request);
  if (!condition.ok()) return condition.status();
  Entry* e = Find(request.table_name);
  if (e == nullptr) return NotFound();
  auto key = e->table.KeyFromItem(request.item);
  if (!key.ok()) return key.status();
  // The JSON reader refuses deeper values; this holds C++ callers to the
  // same rule, before anything walks the item.
  if (!NestingWithinLimit(request.item)) return NestingExceeded();
  if (ItemSize(request.item) > kMaxItemBytes) {
    return Invalid("Item size has exceeded the maximum allowed size");
  }
  const Item* existing = e->table.Find(*key);
  if (Status s = CheckCondition(*condition, existing,
                                request.return_old_on_condition_failure,
                                condition_failure_item);
      !s.ok()) {
    return s;
  }
  std::optional<Item> old = e->table.Put(*key, request.item);
  PublishItem("ItemPut", e->table, *key, request.item);
  WriteResponse r;
  if (request.return_values == ReturnValues::kAllOld)
    r.attributes = std::move(old);
  return r;
}

Result<WriteResponse> TableService::DeleteItem(
    const DeleteItemRequest& request,
    std::optional<Item>* condition_failure_item) {
  auto condition = CheckPutOrDelete(request);
  if (!condition.ok()) return condition.status();
  Entry* e = Find(request.table_name);
  if (e == nullptr) return NotFound();
  auto key = e->table.KeyFromKey(request.key);
  if (!key.ok()) return key.status();
  const Item* existing = e->table.Find(*key);
  if (Status s = CheckCondition(*condition, existing,
                                request.return_old_on_condition_failure,
                                condition_failure_item);
      !s.ok()) {
    return s;
  }
  std::optional<Item> old = e->table.Erase(*key);
  if (old) PublishItem("ItemDeleted", e->table, *key, *old);
  WriteResponse r;
  if (request.return_values == ReturnValues::kAllOld)
    r.attributes = std::move(old);
  return r;
}

Result<WriteResponse> TableService::UpdateItem(
    const UpdateItemRequest& request,
    std::optional<Item>* condition_failure_item) {
  if (Status s = CheckItemTableName(request.table_name); !s.ok()) return s;
  if (Status s = CheckSubstitutions(
          request.expression, request.update_expression.has_value() ||
                                  request.condition_expression.has_value());
      !s.ok()) {
    return s;
  }
  ExpressionAttributes attributes = AttributesOf(request.expression);
  std::optional<UpdateExpression> update;
  if (request.update_expression) {
    auto parsed = ParseUpdate(*request.update_expression, attributes);
    if (!parsed.ok()) return parsed.status();
    update = std::move(parsed).value();
  }
  auto condition = ParseConditionLast(request.condition_expression, attributes);
  if (!condition.ok()) return condition.status();
  Entry* e = Find(request.table_name);
  if (e == nullptr) return NotFound();
  Table& table = e->table;
  auto key = table.KeyFromKey(request.key);
  if (!key.ok()) return key.status();
  if (update) {
    for (const UpdateAction& a : update->actions) {
      if (table.schema().IsKey(a.path[0].name)) {
        return Invalid(std::string(kInvalid) + "Cannot update attribute " +
                       a.path[0].name + ". This attribute is part of the key");
      }
    }
  }
  const Item* existing = table.Find(*key);
  if (Status s = CheckCondition(*condition, existing,
                                request.return_old_on_condition_failure,
                                condition_failure_item);
      !s.ok()) {
    return s;
  }
  // DynamoDB creates a missing item on update, except when the update only
  // takes data away (REMOVE, DELETE): then nothing is written.
  if (existing == nullptr && update &&
      std::all_of(update->actions.begin(), update->actions.end(),
                  [](const UpdateAction& a) {
                    return a.kind == UpdateKind::kRemove ||
                           a.kind == UpdateKind::kDelete;
                  })) {
    return WriteResponse();
  }
  Item updated = existing ? *existing : table.KeyItem(*key);
  if (update) {
    if (Status s = ApplyUpdate(*update, updated); !s.ok()) return s;
  }
  // An update can nest deeper than any request could: "SET a.b = a" adds
  // a level each time it runs.
  if (!NestingWithinLimit(updated)) return NestingExceeded();
  if (ItemSize(updated) > kMaxItemBytes) {
    return Invalid("Item size to update has exceeded the maximum allowed size");
  }
  WriteResponse r;
  std::vector<DocumentPath> paths;
  if (update) paths = UpdatedPaths(*update);
  switch (request.return_values) {
    case ReturnValues::kNone:
      break;
    case ReturnValues::kAllOld:
      if (existing) r.attributes = *existing;
      break;
    case ReturnValues::kAllNew:
      r.attributes = updated;
      break;
    case ReturnValues::kUpdatedOld:
      if (existing) r.attributes = Project(*existing, paths);
      break;
    case ReturnValues::kUpdatedNew:
      r.attributes = Project(updated, paths);
      break;
  }
  if (r.attributes && r.attributes->empty()) r.attributes.reset();
  table.Put(*key, updated);
  PublishItem("ItemUpdated", table, *key, updated);
  return r;
}

Result<GetItemResponse> TableService::GetItem(
    const GetItemRequest& request) const {
  if (Status s = CheckItemTableName(request.table_name); !s.ok()) return s;
  if (Status s = CheckSubstitutions(request.expression,
                                    request.projection_expression.has_value());
      !s.ok()) {
    return s;
  }
  ExpressionAttributes attributes = AttributesOf(request.expression);
  std::optional<ProjectionExpression> projection;
  if (Status s = ParseOptionalProjection(request.projection_expression,
                                         attributes, projection);
      !s.ok()) {
    return s;
  }
  if (Status s = attributes.CheckAllUsed(); !s.ok()) return s;
  const Entry* e = Find(request.table_name);
  if (e == nullptr) return NotFound();
  auto key = e->table.KeyFromKey(request.key);
  if (!key.ok()) return key.status();
  GetItemResponse r;
  if (const Item* item = e->table.Find(*key)) {
    r.item = projection ? Project(*item, projection->paths) : *item;
  }
  return r;
}

Result<TableService::ReadPlan> TableService::PlanRead(
    const std::optional<std::string>& filter_expression,
    const std::optional<std::string>& projection_expression,
    ExpressionAttributes& attributes, const std::string& table_name,
    const std::optional<std::string>& index_name) const {
  ReadPlan plan;
  if (Status s = ParseOptional(filter_expression, ExpressionKind::kFilter,
                               attributes, plan.filter);
      !s.ok()) {
    return s;
  }
  if (Status s = ParseOptionalProjection(projection_expression, attributes,
                                         plan.projection);
      !s.ok()) {
    return s;
  }
  if (Status s = attributes.CheckAllUsed(); !s.ok()) return s;
  const Entry* e = Find(table_name);
  if (e == nullptr) return NotFound();
  if (index_name) {
    return Invalid("The table does not have the specified index: " +
                   *index_name);
  }
  plan.table = &e->table;
  return plan;
}

Result<PageResponse> TableService::Query(const QueryRequest& request) const {
  Constraints c;
  CheckTableName(c, request.table_name, 1);
  CheckLimit(c, request.limit);
  if (!c.empty()) return c.ToStatus();
  if (Status s =
          CheckSelect(request.select, request.projection_expression.has_value(),
                      request.index_name.has_value());
      !s.ok()) {
    return s;
  }
  if (!request.key_condition_expression) {
    return Invalid(
        "Either the KeyConditions or KeyConditionExpression parameter must be "
        "specified in the request.");
  }
  if (Status s = CheckSubstitutions(request.expression, true); !s.ok()) {
    return s;
  }
  ExpressionAttributes attributes = AttributesOf(request.expression);
  std::optional<Condition> key_condition;
  if (Status s = ParseOptional(request.key_condition_expression,
                               ExpressionKind::kKeyCondition, attributes,
                               key_condition);
      !s.ok()) {
    return s;
  }
  auto plan = PlanRead(request.filter_expression, request.projection_expression,
                       attributes, request.table_name, request.index_name);
  if (!plan.ok()) return plan.status();
  const Table& table = *plan->table;
  const std::optional<Condition>& filter = plan->filter;
  const std::optional<ProjectionExpression>& projection = plan->projection;
  auto q = ToKeyQuery(*key_condition, table.schema());
  if (!q.ok()) return q.status();
  // The key condition is where a Query's keys go; a filter may only look
  // at the other attributes (a Scan's filter may look at anything).
  if (filter) {
    if (std::string key = KeyNamedIn(*filter, table.schema()); !key.empty()) {
      return Invalid(
          "Filter Expression can only contain non-primary key attributes: "
          "Primary key attribute: " +
          key);
    }
  }
  std::optional<AttributeValue> start;
  if (request.exclusive_start_key) {
    auto k = StartKey(table, *request.exclusive_start_key);
    if (!k.ok()) return k.status();
    if (!(k->hash == q->hash)) {
      return Invalid(
          "The provided starting key is invalid: The provided key element "
          "does not match the partition key of the query");
    }
    start = k->range;
  }
  Pager pager(table, filter, projection, request.select == Select::kCount,
              request.limit);
  table.Query(q->hash, q->range, request.scan_index_forward, start,
              [&pager](const Item& item) { return pager.Visit(item); });
  return pager.Finish();
}

Result<PageResponse> TableService::Scan(const ScanRequest& request) const {
  Constraints c;
  CheckTableName(c, request.table_name, 1);
  CheckLimit(c, request.limit);
  if (request.total_segments && *request.total_segments < 1) {
    c.Add(Quoted(std::to_string(*request.total_segments)), "totalSegments",
          "Member must have value greater than or equal to 1");
  }
  if (request.total_segments && *request.total_segments > 1000000) {
    c.Add(Quoted(std::to_string(*request.total_segments)), "totalSegments",
          "Member must have value less than or equal to 1000000");
  }
  if (request.segment && *request.segment < 0) {
    c.Add(Quoted(std::to_string(*request.segment)), "segment",
          "Member must have value greater than or equal to 0");
  }
  if (!c.empty()) return c.ToStatus();
  if (request.segment && !request.total_segments) {
    return Invalid(
        "The TotalSegments parameter is required but was not present in the "
        "request when Segment parameter is present");
  }
  if (request.total_segments && !request.segment) {
    return Invalid(
        "The Segment parameter is required but was not present in the request "
        "when parameter TotalSegments is present");
  }
  if (request.segment && *request.segment >= *request.total_segments) {
    return Invalid(
        "The Segment parameter is zero-based and must be less than parameter "
        "TotalSegments: Segment: " +
        std::to_string(*request.segment) + " is not less than TotalSegments: " +
        std::to_string(*request.total_segments));
  }
  if (Status s =
          CheckSelect(request.select, request.projection_expression.has_value(),
                      request.index_name.has_value());
      !s.ok()) {
    return s;
  }
  if (Status s = CheckSubstitutions(
          request.expression, request.filter_expression.has_value() ||
                                  request.projection_expression.has_value());
      !s.ok()) {
    return s;
  }
  ExpressionAttributes attributes = AttributesOf(request.expression);
  auto plan = PlanRead(request.filter_expression, request.projection_expression,
                       attributes, request.table_name, request.index_name);
  if (!plan.ok()) return plan.status();
  const Table& table = *plan->table;
  const std::optional<Condition>& filter = plan->filter;
  const std::optional<ProjectionExpression>& projection = plan->projection;
  std::optional<PrimaryKey> start;
  if (request.exclusive_start_key) {
    auto k = StartKey(table, *request.exclusive_start_key);
    if (!k.ok()) return k.status();
    start = std::move(k).value();
  }
  Pager pager(table, filter, projection, request.select == Select::kCount,
              request.limit);
  table.Scan(start, request.segment.value_or(0),
             request.total_segments.value_or(1),
             [&pager](const Item& item) { return pager.Visit(item); });
  return pager.Finish();
}

std::vector<std::string> TableService::TableNames() const {
  std::vector<std::string> out;
  out.reserve(tables_.size());
  for (const auto& [name, e] : tables_) out.push_back(name);
  return out;
}

Result<std::vector<Item>> TableService::Items(std::string_view name) const {
  const Entry* e = Find(name);
  if (e == nullptr) return NotFound();
  std::vector<Item> out;
  out.reserve(e->table.item_count());
  e->table.Scan(std::nullopt, 0, 1, [&out](const Item& item) {
    out.push_back(item);
    return true;
  });
  return out;
}

Status TableService::RestoreTable(const TableDescription& meta) {
  if (Find(meta.table_name) != nullptr) {
    return Status(dynamodb::kResourceInUseException,
                  "Table already exists: " + meta.table_name);
  }
  const auto& keys = meta.key_schema;
  auto type_of = [&](const std::string& name) -> std::optional<AttributeType> {
    for (const auto& d : meta.attribute_definitions) {
      if (d.name == name) return d.type;
    }
    return std::nullopt;
  };
  if (keys.empty() || keys.size() > 2 || keys[0].key_type != KeyType::kHash ||
      !type_of(keys[0].name) || (keys.size() == 2 && !type_of(keys[1].name))) {
    return Invalid("Invalid KeySchema");
  }
  KeySchema schema;
  schema.hash = KeyAttribute{keys[0].name, *type_of(keys[0].name)};
  if (keys.size() == 2) {
    schema.range = KeyAttribute{keys[1].name, *type_of(keys[1].name)};
  }
  auto entry =
      std::make_unique<Entry>(Entry{Table(meta.table_name, schema), meta});
  entry->meta.item_count = 0;
  entry->meta.table_size_bytes = 0;
  tables_.emplace(meta.table_name, std::move(entry));
  return Status::Ok();
}

Status TableService::RestoreItem(std::string_view table_name, Item item) {
  Entry* e = Find(table_name);
  if (e == nullptr) return NotFound();
  auto key = e->table.KeyFromItem(item);
  if (!key.ok()) return key.status();
  e->table.Put(*key, std::move(item));
  return Status::Ok();
}

void TableService::ForEachItem(
    const std::function<void(const Table& table, const Item& item)>& visit)
    const {
  for (const auto& entry : tables_) {
    const Table& table = entry.second->table;
    table.Scan(std::nullopt, 0, 1, [&](const Item& item) {
      visit(table, item);
      return true;
    });
  }
}

Result<std::optional<Item>> TableService::Get(std::string_view name,
                                              const Item& key) const {
  const Entry* e = Find(name);
  if (e == nullptr) return NotFound();
  const KeySchema& schema = e->table.schema();
  Item key_only;
  for (const auto& [attr, value] : key) {
    if (schema.IsKey(attr)) key_only.emplace(attr, value);
  }
  auto k = e->table.KeyFromKey(key_only);
  if (!k.ok()) return k.status();
  const Item* item = e->table.Find(*k);
  return item ? std::optional<Item>(*item) : std::nullopt;
}

}  // namespace fanlab::services
