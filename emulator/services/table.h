// One table's key schema and items: the storage under TableService.
//
// Items live in a two-level ordered map, partition key value -> sort key
// value -> item, so a Query walks one partition in sort-key order (numbers
// numerically, strings and binaries bytewise) in either direction, and a
// Scan walks every partition in partition-key order, which makes Scan
// order deterministic. (DynamoDB scans in the order of a hash of the
// partition key: code must not rely on Scan order either way.)
//
// Thread safety: none; the engine thread owns every table.
#ifndef FANLAB_EMULATOR_SERVICES_TABLE_H_
#define FANLAB_EMULATOR_SERVICES_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"
#include "emulator/services/attribute_value.h"

namespace fanlab::services {

inline constexpr size_t kMaxPartitionKeyBytes = 2048;
inline constexpr size_t kMaxSortKeyBytes = 1024;

// A key attribute: its name and scalar type (kS, kN or kB).
struct KeyAttribute {
  std::string name;
  AttributeType type = AttributeType::kS;
};

struct KeySchema {
  KeyAttribute hash;                  // partition key
  std::optional<KeyAttribute> range;  // sort key

  bool IsKey(std::string_view attribute) const {
    return attribute == hash.name || (range && attribute == range->name);
  }
};

// An item's primary key. `range` is NULL for a table without a sort key.
struct PrimaryKey {
  AttributeValue hash;
  AttributeValue range;
};

// A condition on the sort key, from a Query's KeyConditionExpression.
struct SortKeyCondition {
  enum class Op { kAny, kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };
  Op op = Op::kAny;
  AttributeValue low;   // the operand; BETWEEN's lower bound
  AttributeValue high;  // BETWEEN's upper bound
};

class Table {
 public:
  Table(std::string name, KeySchema schema)
      : name_(std::move(name)), schema_(std::move(schema)) {}

  const std::string& name() const { return name_; }
  const KeySchema& schema() const { return schema_; }
  size_t item_count() const { return item_count_; }
  size_t size_bytes() const { return size_bytes_; }

  // The key of a `Key` parameter: exactly the key attributes, of the
  // schema's types, else "The provided key element does not match the
  // schema"; empty values and oversized keys as KeyFromItem reports them.
  Result<PrimaryKey> KeyFromKey(const Item& key) const;
  // The key of an item to store:
  //   "One or more parameter values were invalid: Missing the key pk in the
  //    item"
  //   "One or more parameter values were invalid: Type mismatch for key pk
  //    expected: S actual: N"
  //   "One or more parameter values are not valid. The AttributeValue for a
  //    key attribute cannot contain an empty string value. Key: pk"
  //    (and "... empty binary value. Key: pk")
  //   "One or more parameter values were invalid: Size of hashkey has
  //    exceeded the maximum size limit of2048 bytes" (sic)
  //   "One or more parameter values were invalid: Aggregated size of all
  //    range keys has exceeded the size limit of 1024 bytes"
  Result<PrimaryKey> KeyFromItem(const Item& item) const;
  // The key as an item: {hash: v} or {hash: v, range: w}.
  Item KeyItem(const PrimaryKey& key) const;

  // The item stored under `key`, or null.
  const Item* Find(const PrimaryKey& key) const;
  // Stores `item` under `key` (REQUIRES: key == KeyFromItem(item)),
  // returning the item it replaced.
  std::optional<Item> Put(const PrimaryKey& key, Item item);
  // Removes and returns the item under `key`, if any.
  std::optional<Item> Erase(const PrimaryKey& key);

  // A visitor returns false to stop the walk.
  using Visitor = std::function<bool(const Item&)>;

  // Walks the items of partition `hash` whose sort key satisfies `cond`,
  // in sort-key order (descending when !forward), starting after
  // `exclusive_start` (a sort key value) when given.
  void Query(const AttributeValue& hash, const SortKeyCondition& cond,
             bool forward, const std::optional<AttributeValue>& exclusive_start,
             const Visitor& visit) const;

  // Walks every item in scan order, starting after `exclusive_start` when
  // given; with total_segments > 1, only the partitions of `segment` (a
  // partition belongs to the segment its key's hash picks).
  void Scan(const std::optional<PrimaryKey>& exclusive_start, int64_t segment,
            int64_t total_segments, const Visitor& visit) const;

 private:
  using Partition = std::map<AttributeValue, Item, KeyValueLess>;

  Result<PrimaryKey> Extract(const Item& item, bool from_key) const;

  std::string name_;
  KeySchema schema_;
  std::map<AttributeValue, Partition, KeyValueLess> partitions_;
  size_t item_count_ = 0;
  size_t size_bytes_ = 0;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_TABLE_H_
