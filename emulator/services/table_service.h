// Tables: the DynamoDB-shaped service. CreateTable, DeleteTable,
// DescribeTable, ListTables, PutItem, GetItem, DeleteItem, UpdateItem,
// Query and Scan with DynamoDB's request fields, expression languages
// (expression.h), limits and error messages; tables live in memory.
//
// Requests carry expressions as text plus ExpressionAttributeNames and
// ExpressionAttributeValues, exactly as on the wire, so the C++ API and
// the JSON actions (api/table_actions.cc) behave alike. Each call checks
// its request in DynamoDB's order: parameters, then expressions (syntax,
// aliases and values, unused substitutions), then the table's existence,
// then the key against the schema, then the condition. Errors:
//   ValidationException                "1 validation error detected: Value
//                                      'ab' at 'tableName' failed to satisfy
//                                      constraint: Member must have length
//                                      greater than or equal to 3", key and
//                                      expression errors, limits, ...
//   ResourceNotFoundException          "Requested resource not found"
//                                      (DescribeTable and DeleteTable add
//                                      ": Table: <name> not found")
//   ResourceInUseException             "Table already exists: <name>"
//   ConditionalCheckFailedException    "The conditional request failed"
//
// Every change is published to the ServiceObserver (service "dynamodb",
// resource = table name): TableCreated, TableDeleted (key ""; detail
// {"TableName", "KeySchema"} / {"TableName", "ItemCount"}), ItemPut,
// ItemUpdated (key = the item's key as compact JSON, detail = the new
// item), ItemDeleted (detail = the deleted item). A PutItem always
// publishes ItemPut, even when it replaces an equal item; a DeleteItem of
// a missing item publishes nothing.
//
// Thread safety: none; the engine thread owns the service.
#ifndef FANLAB_EMULATOR_SERVICES_TABLE_SERVICE_H_
#define FANLAB_EMULATOR_SERVICES_TABLE_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/account.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/status.h"
#include "emulator/services/attribute_value.h"
#include "emulator/services/expression.h"
#include "emulator/services/service_observer.h"
#include "emulator/services/table.h"

namespace fanlab::services {

inline constexpr size_t kMaxPageBytes = 1024 * 1024;  // Query/Scan page
inline constexpr int64_t kMaxListTablesLimit = 100;

enum class KeyType { kHash, kRange };
enum class BillingMode { kProvisioned, kPayPerRequest };

struct AttributeDefinition {
  std::string name;
  AttributeType type = AttributeType::kS;  // kS, kN or kB
};

struct KeySchemaElement {
  std::string name;
  KeyType key_type = KeyType::kHash;
};

struct ProvisionedThroughput {
  int64_t read_capacity_units = 0;
  int64_t write_capacity_units = 0;
};

struct CreateTableRequest {
  std::string table_name;
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;  // HASH, then optional RANGE
  // DynamoDB's default is PROVISIONED, which requires the throughput.
  BillingMode billing_mode = BillingMode::kProvisioned;
  std::optional<ProvisionedThroughput> provisioned_throughput;
};

struct TableDescription {
  std::string table_name;
  std::string table_arn;     // arn:aws:dynamodb:REGION:ACCOUNT:table/t
  std::string table_id;      // a UUID
  std::string table_status;  // "ACTIVE", or "DELETING" from DeleteTable
  TimePoint creation_time;
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;
  BillingMode billing_mode = BillingMode::kProvisioned;
  ProvisionedThroughput provisioned_throughput;  // zeros when on demand
  int64_t item_count = 0;
  int64_t table_size_bytes = 0;
};

struct ListTablesRequest {
  std::optional<std::string> exclusive_start_table_name;
  std::optional<int64_t> limit;  // 1..100, default 100
};

struct ListTablesResponse {
  std::vector<std::string> table_names;  // sorted
  // Set when more names follow: the next request's exclusive start.
  std::optional<std::string> last_evaluated_table_name;
};

enum class ReturnValues { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };

// The substitutions and expressions common to the item calls. Absent maps
// are nullopt (an empty map is an error, as in DynamoDB).
struct ExpressionParameters {
  std::optional<AttributeNames> names;
  std::optional<AttributeValues> values;
};

struct PutItemRequest {
  std::string table_name;
  Item item;
  std::optional<std::string> condition_expression;
  ExpressionParameters expression;
  ReturnValues return_values = ReturnValues::kNone;  // NONE or ALL_OLD
  // ReturnValuesOnConditionCheckFailure = ALL_OLD.
  bool return_old_on_condition_failure = false;
};

struct DeleteItemRequest {
  std::string table_name;
  Item key;
  std::optional<std::string> condition_expression;
  ExpressionParameters expression;
  ReturnValues return_values = ReturnValues::kNone;  // NONE or ALL_OLD
  bool return_old_on_condition_failure = false;
};

struct UpdateItemRequest {
  std::string table_name;
  Item key;
  // Absent: the item is created with its key alone if it does not exist.
  // A missing item is created by any update except one made only of
  // REMOVE and DELETE actions, as in DynamoDB.
  std::optional<std::string> update_expression;
  std::optional<std::string> condition_expression;
  ExpressionParameters expression;
  ReturnValues return_values = ReturnValues::kNone;
  bool return_old_on_condition_failure = false;
};

// What a write returns: the attributes ReturnValues asked for, if any.
struct WriteResponse {
  std::optional<Item> attributes;
};

struct GetItemRequest {
  std::string table_name;
  Item key;
  std::optional<std::string> projection_expression;
  ExpressionParameters expression;  // names only
  bool consistent_read = false;     // accepted; every read is consistent
};

struct GetItemResponse {
  std::optional<Item> item;  // absent when there is no such item
};

enum class Select {
  kAllAttributes,
  kAllProjectedAttributes,  // index queries only: refused
  kSpecificAttributes,
  kCount,
};

struct QueryRequest {
  std::string table_name;
  std::optional<std::string> index_name;  // indexes are not supported
  std::optional<std::string> key_condition_expression;
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  ExpressionParameters expression;
  std::optional<int64_t> limit;  // >= 1: items evaluated, before the filter
  bool scan_index_forward = true;
  std::optional<Item> exclusive_start_key;
  std::optional<Select> select;
  bool consistent_read = false;
};

struct ScanRequest {
  std::string table_name;
  std::optional<std::string> index_name;
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  ExpressionParameters expression;
  std::optional<int64_t> limit;
  std::optional<Item> exclusive_start_key;
  std::optional<Select> select;
  std::optional<int64_t> segment;         // parallel scan: 0..total - 1
  std::optional<int64_t> total_segments;  // 1..1,000,000
  bool consistent_read = false;
};

// A page of Query or Scan. A page ends after `limit` items were evaluated
// or 1 MB of items was read; FilterExpression applies after that, so a
// page may hold fewer items than Limit, or none, and still carry a
// LastEvaluatedKey. When the page stopped early LastEvaluatedKey is the
// key of the last item evaluated (even when no more items follow, as
// DynamoDB does); pass it as ExclusiveStartKey to continue.
struct PageResponse {
  std::vector<Item> items;    // empty for Select COUNT
  int64_t count = 0;          // items that passed the filter
  int64_t scanned_count = 0;  // items evaluated
  std::optional<Item> last_evaluated_key;
  bool count_only = false;  // Select COUNT: no Items in the response
};

class TableService {
 public:
  // `clock` stamps creation times and events; it must outlive the
  // service. `seed` seeds the table ids.
  // Table ARNs name `account`.
  static constexpr uint64_t kDefaultSeed = 0x7461626c6573ULL;
  explicit TableService(Clock& clock, uint64_t seed = kDefaultSeed,
                        Account account = {});
  ~TableService();
  TableService(const TableService&) = delete;
  TableService& operator=(const TableService&) = delete;

  // Null stops publishing. Not owned.
  void SetObserver(ServiceObserver* observer) { observer_ = observer; }

  Result<TableDescription> CreateTable(const CreateTableRequest& request);
  // The description as it was, with TableStatus "DELETING".
  Result<TableDescription> DeleteTable(std::string_view table_name);
  Result<TableDescription> DescribeTable(std::string_view table_name) const;
  Result<ListTablesResponse> ListTables(const ListTablesRequest& request) const;

  // For a failed condition, `*condition_failure_item` (when not null and
  // the request asked for ALL_OLD on failure) receives the item as it is,
  // or stays nullopt when there is none; the call returns
  // ConditionalCheckFailedException.
  Result<WriteResponse> PutItem(
      const PutItemRequest& request,
      std::optional<Item>* condition_failure_item = nullptr);
  Result<WriteResponse> DeleteItem(
      const DeleteItemRequest& request,
      std::optional<Item>* condition_failure_item = nullptr);
  Result<WriteResponse> UpdateItem(
      const UpdateItemRequest& request,
      std::optional<Item>* condition_failure_item = nullptr);
  Result<GetItemResponse> GetItem(const GetItemRequest& request) const;
  Result<PageResponse> Query(const QueryRequest& request) const;
  Result<PageResponse> Scan(const ScanRequest& request) const;

  // ---- Direct access for the harness and tests (no expressions, no
  // events).

  // Names of every table, sorted.
  std::vector<std::string> TableNames() const;
  // Every item of `table_name` in scan order; ResourceNotFoundException
  // when there is no such table.
  Result<std::vector<Item>> Items(std::string_view table_name) const;
  // The item whose key attributes `key` holds (extra attributes in `key`
  // are ignored, so an item can be looked up by itself), or nullopt.
  Result<std::optional<Item>> Get(std::string_view table_name,
                                  const Item& key) const;
  // The table itself, or null.
  const Table* FindTable(std::string_view table_name) const;

  // ---- Durable state (a data dir): re-creating what was journaled,
  // without events.

  // A table exactly as `meta` describes it (its id and creation time
  // kept; counts ignored). ResourceInUseException: the name is taken;
  // ValidationException: a key schema that does not hold.
  Status RestoreTable(const TableDescription& meta);
  // Stores `item` in `table_name` as it is. ResourceNotFoundException:
  // no such table; key errors as PutItem reports them.
  Status RestoreItem(std::string_view table_name, Item item);
  // Every item of every table, in table then scan order.
  void ForEachItem(const std::function<void(const Table& table,
                                            const Item& item)>& visit) const;

 private:
  struct Entry;

  Entry* Find(std::string_view name);
  const Entry* Find(std::string_view name) const;
  TableDescription Describe(const Entry& entry) const;
  void Publish(std::string_view kind, std::string_view table,
               std::string_view key, std::string_view detail) const;
  void PublishItem(std::string_view kind, const Table& table,
                   const PrimaryKey& key, const Item& item) const;
  // What Query and Scan share once their own checks are done: the filter
  // and projection parsed against `attributes` (every substitution must
  // then be used) and the table, which has no index to name.
  struct ReadPlan {
    std::optional<Condition> filter;
    std::optional<ProjectionExpression> projection;
    const Table* table = nullptr;
  };
  Result<ReadPlan> PlanRead(
      const std::optional<std::string>& filter_expression,
      const std::optional<std::string>& projection_expression,
      ExpressionAttributes& attributes, const std::string& table_name,
      const std::optional<std::string>& index_name) const;

  Clock& clock_;
  IdGenerator ids_;
  Account account_;
  ServiceObserver* observer_ = nullptr;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> tables_;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_TABLE_SERVICE_H_
