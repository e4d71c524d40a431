#include "emulator/services/table.h"

#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

Status Invalid(std::string message) {
  return Status(dynamodb::kValidationException, std::move(message));
}

Status KeyMismatch() {
  return Invalid("The provided key element does not match the schema");
}

bool Less(const AttributeValue& a, const AttributeValue& b) {
  return CompareScalars(a, b) < 0;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// FNV-1a: a stable hash, so a parallel scan splits a table the same way
// on every run.
uint64_t Fnv1a(const AttributeValue& v) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ULL;
  };
  for (char c : AttributeTypeName(v.type())) mix(static_cast<unsigned char>(c));
  for (char c : v.scalar()) mix(static_cast<unsigned char>(c));
  return h;
}

}  // namespace

Result<PrimaryKey> Table::Extract(const Item& item, bool from_key) const {
  PrimaryKey key;
  const KeyAttribute* attrs[2] = {&schema_.hash,
                                  schema_.range ? &*schema_.range : nullptr};
  if (from_key && item.size() != (schema_.range ? 2u : 1u)) {
    return KeyMismatch();
  }
  for (int i = 0; i < 2 && attrs[i] != nullptr; ++i) {
    const KeyAttribute& a = *attrs[i];
    auto it = item.find(a.name);
    if (it == item.end()) {
      if (from_key) return KeyMismatch();
      return Invalid(
          "One or more parameter values were invalid: Missing the key " +
          a.name + " in the item");
    }
    const AttributeValue& v = it->second;
    if (v.type() != a.type) {
      if (from_key) return KeyMismatch();
      return Invalid(
          "One or more parameter values were invalid: Type mismatch for key " +
          a.name + " expected: " + std::string(AttributeTypeName(a.type)) +
          " actual: " + std::string(AttributeTypeName(v.type())));
    }
    if (v.type() != AttributeType::kN && v.scalar().empty()) {
      return Invalid(
          "One or more parameter values are not valid. The AttributeValue "
          "for a key attribute cannot contain an empty " +
          std::string(v.type() == AttributeType::kS ? "string" : "binary") +
          " value. Key: " + a.name);
    }
    size_t bytes =
        v.type() == AttributeType::kN ? AttributeSize(v) : v.scalar().size();
    if (i == 0 && bytes > kMaxPartitionKeyBytes) {
      return Invalid(
          "One or more parameter values were invalid: Size of hashkey has "
          "exceeded the maximum size limit of2048 bytes");
    }
    if (i == 1 && bytes > kMaxSortKeyBytes) {
      return Invalid(
          "One or more parameter values were invalid: Aggregated size of all "
          "range keys has exceeded the size limit of 1024 bytes");
    }
    (i == 0 ? key.hash : key.range) = v;
  }
  return key;
}

Result<PrimaryKey> Table::KeyFromKey(const Item& key) const {
  return Extract(key, true);
}

Result<PrimaryKey> Table::KeyFromItem(const Item& item) const {
  return Extract(item, false);
}

Item Table::KeyItem(const PrimaryKey& key) const {
  Item out;
  out.emplace(schema_.hash.name, key.hash);
  if (schema_.range) out.emplace(schema_.range->name, key.range);
  return out;
}

const Item* Table::Find(const PrimaryKey& key) const {
  auto p = partitions_.find(key.hash);
  if (p == partitions_.end()) return nullptr;
  auto it = p->second.find(key.range);
  return it == p->second.end() ? nullptr : &it->second;
}

std::optional<Item> Table::Put(const PrimaryKey& key, Item item) {
  size_t bytes = ItemSize(item);
  Partition& partition = partitions_[key.hash];
  auto [it, inserted] = partition.try_emplace(key.range);
  std::optional<Item> old;
  if (!inserted) {
    size_bytes_ -= ItemSize(it->second);
    old = std::move(it->second);
  } else {
    ++item_count_;
  }
  it->second = std::move(item);
  size_bytes_ += bytes;
  return old;
}

std::optional<Item> Table::Erase(const PrimaryKey& key) {
  auto p = partitions_.find(key.hash);
  if (p == partitions_.end()) return std::nullopt;
  auto it = p->second.find(key.range);
  if (it == p->second.end()) return std::nullopt;
  std::optional<Item> old = std::move(it->second);
  p->second.erase(it);
  if (p->second.empty()) partitions_.erase(p);
  --item_count_;
  size_bytes_ -= ItemSize(*old);
  return old;
}

void Table::Query(const AttributeValue& hash, const SortKeyCondition& cond,
                  bool forward,
                  const std::optional<AttributeValue>& exclusive_start,
                  const Visitor& visit) const {
  auto p = partitions_.find(hash);
  if (p == partitions_.end()) return;
  const Partition& part = p->second;
  // [lo, hi): the items the condition selects, as iterators.
  auto lo = part.begin();
  auto hi = part.end();
  using Op = SortKeyCondition::Op;
  switch (cond.op) {
    case Op::kAny:
      break;
    case Op::kEq:
      lo = part.lower_bound(cond.low);
      hi = part.upper_bound(cond.low);
      break;
    case Op::kLt:
      hi = part.lower_bound(cond.low);
      break;
    case Op::kLe:
      hi = part.upper_bound(cond.low);
      break;
    case Op::kGt:
      lo = part.upper_bound(cond.low);
      break;
    case Op::kGe:
      lo = part.lower_bound(cond.low);
      break;
    case Op::kBetween:
      if (Less(cond.high, cond.low)) return;
      lo = part.lower_bound(cond.low);
      hi = part.upper_bound(cond.high);
      break;
    case Op::kBeginsWith:
      lo = part.lower_bound(cond.low);
      hi = lo;
      while (hi != part.end() &&
             StartsWith(hi->first.scalar(), cond.low.scalar())) {
        ++hi;
      }
      break;
  }
  if (lo == hi) return;
  if (forward) {
    auto it = lo;
    if (exclusive_start) {
      auto after = part.upper_bound(*exclusive_start);
      if (after == part.end()) return;
      if (Less(lo->first, after->first)) it = after;
    }
    for (; it != part.end() && (hi == part.end() || Less(it->first, hi->first));
         ++it) {
      if (!visit(it->second)) return;
    }
    return;
  }
  auto end = hi;
  if (exclusive_start) {
    auto before = part.lower_bound(*exclusive_start);
    if (end == part.end() ||
        (before != part.end() && Less(before->first, end->first))) {
      end = before;
    }
  }
  while (end != part.begin()) {
    --end;
    if (Less(end->first, lo->first)) return;
    if (!visit(end->second)) return;
  }
}

void Table::Scan(const std::optional<PrimaryKey>& exclusive_start,
                 int64_t segment, int64_t total_segments,
                 const Visitor& visit) const {
  auto p = partitions_.begin();
  std::optional<Partition::const_iterator> resume;
  if (exclusive_start) {
    p = partitions_.lower_bound(exclusive_start->hash);
    if (p != partitions_.end() &&
        CompareScalars(p->first, exclusive_start->hash) == 0) {
      resume = p->second.upper_bound(exclusive_start->range);
    }
  }
  for (; p != partitions_.end(); ++p) {
    auto it = resume ? *resume : p->second.begin();
    resume.reset();
    if (total_segments > 1 &&
        static_cast<int64_t>(Fnv1a(p->first) %
                             static_cast<uint64_t>(total_segments)) !=
            segment) {
      continue;
    }
    for (; it != p->second.end(); ++it) {
      if (!visit(it->second)) return;
    }
  }
}

}  // namespace fanlab::services
