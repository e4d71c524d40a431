// DynamoDB's AttributeValue: the typed value of an item attribute, and the
// item itself (a map from attribute name to value).
//
// The ten types are S (string), N (number, exact decimal: see
// attribute_value_number.h), B (binary), BOOL, NULL, M (map), L (list), and
// the sets SS, NS, BS. Binary values hold raw bytes here; base64 is only the
// wire encoding (attribute_value_json.h).
//
// Invariants of a value built through this API (the JSON reader checks
// them on input, so a value in a table always satisfies them):
//  - N and NS members are canonical numbers;
//  - sets are non-empty and hold no duplicates (numbers compared
//    numerically, which canonical text makes a plain string comparison).
// Sets keep the order their members were given in; equality ignores it.
// Maps are ordered by attribute name, so items print deterministically.
//
// Thread safety: plain values.
#ifndef FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_H_
#define FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"

namespace fanlab::services {

enum class AttributeType : uint8_t {
  kS,
  kN,
  kB,
  kBool,
  kNull,
  kM,
  kL,
  kSS,
  kNS,
  kBS,
};

// "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS".
std::string_view AttributeTypeName(AttributeType type);
// The type named `name` (exactly as AttributeTypeName spells it).
std::optional<AttributeType> AttributeTypeFromName(std::string_view name);

class AttributeValue;
using AttributeMap = std::map<std::string, AttributeValue, std::less<>>;
using AttributeList = std::vector<AttributeValue>;
// An item: attribute name -> value.
using Item = AttributeMap;

class AttributeValue {
 public:
  // A NULL value.
  AttributeValue();
  AttributeValue(const AttributeValue& other);
  AttributeValue(AttributeValue&& other) noexcept;
  AttributeValue& operator=(const AttributeValue& other);
  AttributeValue& operator=(AttributeValue&& other) noexcept;
  ~AttributeValue();

  static AttributeValue String(std::string s);
  // REQUIRES: `canonical` is a canonical number (CanonicalNumber()).
  static AttributeValue Number(std::string canonical);
  // Parses and canonicalises `text`; CanonicalNumber()'s errors.
  static Result<AttributeValue> NumberFrom(std::string_view text);
  static AttributeValue Binary(std::string bytes);
  static AttributeValue Bool(bool b);
  static AttributeValue Null();
  static AttributeValue Map(AttributeMap map);
  static AttributeValue List(AttributeList list);
  // REQUIRES: non-empty, distinct members (NS: canonical numbers). Use
  // MakeSet() to build one from unchecked input.
  static AttributeValue StringSet(std::vector<std::string> members);
  static AttributeValue NumberSet(std::vector<std::string> members);
  static AttributeValue BinarySet(std::vector<std::string> members);

  // A set of type `type` (kSS, kNS, kBS) from `members`: numbers are
  // canonicalised, then emptiness and duplicates are checked. Errors
  // (ValidationException) in DynamoDB's wording:
  //   "One or more parameter values were invalid: An string set  may not be
  //    empty" (sic: DynamoDB's grammar and double space; "An number set  may
  //    not be empty"; "Binary sets should not be empty")
  //   "One or more parameter values were invalid: Input collection
  //    [\"a\", \"b\", \"b\"] contains duplicates." (members quoted, in byte
  //    order up to the first repeat, then the repeat, then the rest; a BS
  //    lists base64 members and adds "of type BS"; an NS names no members)
  //   CanonicalNumber()'s errors for a bad NS member.
  static Result<AttributeValue> MakeSet(AttributeType type,
                                        std::vector<std::string> members);

  AttributeType type() const { return type_; }
  bool is_set() const {
    return type_ == AttributeType::kSS || type_ == AttributeType::kNS ||
           type_ == AttributeType::kBS;
  }
  // S: the text; N: the canonical number; B: the raw bytes.
  // REQUIRES: type() is kS, kN or kB.
  const std::string& scalar() const { return scalar_; }
  // REQUIRES: type() == kBool.
  bool boolean() const { return boolean_; }
  // REQUIRES: is_set().
  const std::vector<std::string>& members() const { return members_; }
  std::vector<std::string>& mutable_members() { return members_; }
  // REQUIRES: type() == kL.
  const AttributeList& list() const { return list_; }
  AttributeList& mutable_list() { return list_; }
  // REQUIRES: type() == kM.
  const AttributeMap& map() const { return *map_; }
  AttributeMap& mutable_map() { return *map_; }

  // DynamoDB equality: same type and value; sets equal as sets.
  friend bool operator==(const AttributeValue& a, const AttributeValue& b);

  // The value as DynamoDB prints it inside messages: "{S:abc}", "{N:5}",
  // "{B:<base64>}" (scalars only; others print their type name).
  std::string Describe() const;

 private:
  AttributeType type_ = AttributeType::kNull;
  bool boolean_ = true;
  std::string scalar_;
  std::vector<std::string> members_;
  AttributeList list_;
  std::unique_ptr<AttributeMap> map_;  // kM only
};

// -1, 0, 1 for two key values (S, N or B) of the same type: strings and
// binaries bytewise (unsigned), numbers numerically. The order of sort keys
// in a partition, and of ordering comparisons in expressions.
// REQUIRES: a.type() == b.type(), one of kS, kN, kB.
int CompareScalars(const AttributeValue& a, const AttributeValue& b);

// Strict weak order over key values of one table (one type per key
// attribute), for std::map.
struct KeyValueLess {
  bool operator()(const AttributeValue& a, const AttributeValue& b) const {
    return CompareScalars(a, b) < 0;
  }
};

// The size DynamoDB charges for a value and for an item (the 400 KB item
// limit): names and strings in UTF-8 bytes, binaries in bytes, numbers one
// byte per two significant digits plus one, BOOL and NULL one byte, lists
// and maps 3 bytes plus one per element plus their elements.
size_t AttributeSize(const AttributeValue& value);
size_t ItemSize(const Item& item);
inline constexpr size_t kMaxItemBytes = 400 * 1024;

// Nesting depth: 0 for a scalar or set, 1 + the deepest element for a
// list or map. DynamoDB allows 32 levels. The walk stops once it is past
// the limit, so a deeper value reports kMaxNestingDepth + 1 however deep
// it is, at the cost of at most that many levels of recursion.
int NestingDepth(const AttributeValue& value);
inline constexpr int kMaxNestingDepth = 32;

// Whether every attribute of `item` is within kMaxNestingDepth.
bool NestingWithinLimit(const Item& item);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_H_
