#include "emulator/services/attribute_value.h"

#include <algorithm>
#include <set>

#include "emulator/core/base64.h"
#include "emulator/services/attribute_value_number.h"
#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

constexpr std::string_view kInvalid =
    "One or more parameter values were invalid: ";

Status Invalid(std::string_view detail) {
  return Status(dynamodb::kValidationException,
                std::string(kInvalid) + std::string(detail));
}

// "Input collection [...] contains duplicates." as DynamoDB words it: the
// members it had seen before the first repeat in byte order, the repeat,
// then the rest as sent.
Status Duplicates(AttributeType type, const std::vector<std::string>& members,
                  size_t repeat) {
  if (type == AttributeType::kNS) {
    return Invalid("Input collection contains duplicates.");
  }
  std::vector<std::string> shown(members.begin(), members.begin() + repeat);
  std::sort(shown.begin(), shown.end());  // std::string: unsigned bytewise
  shown.insert(shown.end(), members.begin() + repeat, members.end());
  std::string list = "[";
  for (size_t i = 0; i < shown.size(); ++i) {
    if (type == AttributeType::kBS) {
      if (i > 0) list += ",";
      list += "\"" + Base64Encode(shown[i]) + "\"";
    } else {
      if (i > 0) list += ", ";
      list += "\"" + shown[i] + "\"";
    }
  }
  list += "]";
  if (type == AttributeType::kBS) {
    return Invalid("Input collection " + list +
                   "of type BS contains duplicates.");
  }
  return Invalid("Input collection " + list + " contains duplicates.");
}

bool SameMembers(const std::vector<std::string>& a,
                 const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  std::vector<std::string> x = a, y = b;
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

}  // namespace

std::string_view AttributeTypeName(AttributeType type) {
  switch (type) {
    case AttributeType::kS:
      return "S";
    case AttributeType::kN:
      return "N";
    case AttributeType::kB:
      return "B";
    case AttributeType::kBool:
      return "BOOL";
    case AttributeType::kNull:
      return "NULL";
    case AttributeType::kM:
      return "M";
    case AttributeType::kL:
      return "L";
    case AttributeType::kSS:
      return "SS";
    case AttributeType::kNS:
      return "NS";
    case AttributeType::kBS:
      return "BS";
  }
  return "NULL";
}

std::optional<AttributeType> AttributeTypeFromName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(AttributeType::kBS); ++i) {
    auto type = static_cast<AttributeType>(i);
    if (AttributeTypeName(type) == name) return type;
  }
  return std::nullopt;
}

AttributeValue::AttributeValue() = default;
AttributeValue::AttributeValue(const AttributeValue& other)
    : type_(other.type_),
      boolean_(other.boolean_),
      scalar_(other.scalar_),
      members_(other.members_),
      list_(other.list_),
      map_(other.map_ ? std::make_unique<AttributeMap>(*other.map_) : nullptr) {
}
AttributeValue::AttributeValue(AttributeValue&& other) noexcept = default;
AttributeValue& AttributeValue::operator=(const AttributeValue& other) {
  if (this != &other) *this = AttributeValue(other);
  return *this;
}
AttributeValue& AttributeValue::operator=(AttributeValue&& other) noexcept =
    default;
AttributeValue::~AttributeValue() = default;

AttributeValue AttributeValue::String(std::string s) {
  AttributeValue v;
  v.type_ = AttributeType::kS;
  v.scalar_ = std::move(s);
  return v;
}

AttributeValue AttributeValue::Number(std::string canonical) {
  AttributeValue v;
  v.type_ = AttributeType::kN;
  v.scalar_ = std::move(canonical);
  return v;
}

Result<AttributeValue> AttributeValue::NumberFrom(std::string_view text) {
  auto canonical = CanonicalNumber(text);
  if (!canonical.ok()) return canonical.status();
  return Number(std::move(canonical).value());
}

AttributeValue AttributeValue::Binary(std::string bytes) {
  AttributeValue v;
  v.type_ = AttributeType::kB;
  v.scalar_ = std::move(bytes);
  return v;
}

AttributeValue AttributeValue::Bool(bool b) {
  AttributeValue v;
  v.type_ = AttributeType::kBool;
  v.boolean_ = b;
  return v;
}

AttributeValue AttributeValue::Null() { return AttributeValue(); }

AttributeValue AttributeValue::Map(AttributeMap map) {
  AttributeValue v;
  v.type_ = AttributeType::kM;
  v.map_ = std::make_unique<AttributeMap>(std::move(map));
  return v;
}

AttributeValue AttributeValue::List(AttributeList list) {
  AttributeValue v;
  v.type_ = AttributeType::kL;
  v.list_ = std::move(list);
  return v;
}

AttributeValue AttributeValue::StringSet(std::vector<std::string> members) {
  AttributeValue v;
  v.type_ = AttributeType::kSS;
  v.members_ = std::move(members);
  return v;
}

AttributeValue AttributeValue::NumberSet(std::vector<std::string> members) {
  AttributeValue v;
  v.type_ = AttributeType::kNS;
  v.members_ = std::move(members);
  return v;
}

AttributeValue AttributeValue::BinarySet(std::vector<std::string> members) {
  AttributeValue v;
  v.type_ = AttributeType::kBS;
  v.members_ = std::move(members);
  return v;
}

Result<AttributeValue> AttributeValue::MakeSet(
    AttributeType type, std::vector<std::string> members) {
  if (members.empty()) {
    switch (type) {
      case AttributeType::kSS:
        return Invalid("An string set  may not be empty");
      case AttributeType::kNS:
        return Invalid("An number set  may not be empty");
      default:
        return Invalid("Binary sets should not be empty");
    }
  }
  if (type == AttributeType::kNS) {
    for (std::string& m : members) {
      auto canonical = CanonicalNumber(m);
      if (!canonical.ok()) return canonical.status();
      m = std::move(canonical).value();
    }
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < members.size(); ++i) {
    if (!seen.insert(members[i]).second) {
      return Duplicates(type, members, i);
    }
  }
  AttributeValue v;
  v.type_ = type;
  v.members_ = std::move(members);
  return v;
}

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case AttributeType::kS:
    case AttributeType::kN:
    case AttributeType::kB:
      return a.scalar_ == b.scalar_;
    case AttributeType::kBool:
      return a.boolean_ == b.boolean_;
    case AttributeType::kNull:
      return true;
    case AttributeType::kM:
      return *a.map_ == *b.map_;
    case AttributeType::kL:
      return a.list_ == b.list_;
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS:
      return SameMembers(a.members_, b.members_);
  }
  return false;
}

std::string AttributeValue::Describe() const {
  std::string name(AttributeTypeName(type_));
  switch (type_) {
    case AttributeType::kS:
    case AttributeType::kN:
      return "{" + name + ":" + scalar_ + "}";
    case AttributeType::kB:
      return "{" + name + ":" + Base64Encode(scalar_) + "}";
    case AttributeType::kBool:
      return "{" + name + ":" + (boolean_ ? "true" : "false") + "}";
    default:
      return "{" + name + "}";
  }
}

int CompareScalars(const AttributeValue& a, const AttributeValue& b) {
  if (a.type() == AttributeType::kN) {
    return CompareNumbers(a.scalar(), b.scalar());
  }
  int c = a.scalar().compare(b.scalar());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

size_t AttributeSize(const AttributeValue& value) {
  switch (value.type()) {
    case AttributeType::kS:
    case AttributeType::kB:
      return value.scalar().size();
    case AttributeType::kN:
      return (SignificantDigits(value.scalar()) + 1) / 2 + 1;
    case AttributeType::kBool:
    case AttributeType::kNull:
      return 1;
    case AttributeType::kSS:
    case AttributeType::kBS: {
      size_t n = 0;
      for (const auto& m : value.members()) n += m.size();
      return n;
    }
    case AttributeType::kNS: {
      size_t n = 0;
      for (const auto& m : value.members()) {
        n += (SignificantDigits(m) + 1) / 2 + 1;
      }
      return n;
    }
    case AttributeType::kL: {
      size_t n = 3;
      for (const auto& e : value.list()) n += 1 + AttributeSize(e);
      return n;
    }
    case AttributeType::kM: {
      size_t n = 3;
      for (const auto& [k, e] : value.map())
        n += 1 + k.size() + AttributeSize(e);
      return n;
    }
  }
  return 0;
}

size_t ItemSize(const Item& item) {
  size_t n = 0;
  for (const auto& [name, value] : item)
    n += name.size() + AttributeSize(value);
  return n;
}

namespace {

// NestingDepth() with at most `budget` levels walked: a value deeper than
// `budget` reports budget + 1.
int BoundedDepth(const AttributeValue& value, int budget) {
  if (value.type() != AttributeType::kL && value.type() != AttributeType::kM) {
    return 0;
  }
  if (budget == 0) return 1;
  int deepest = 0;
  auto visit = [&](const AttributeValue& e) {
    deepest = std::max(deepest, BoundedDepth(e, budget - 1));
    return deepest < budget;  // false once past the budget: stop
  };
  if (value.type() == AttributeType::kL) {
    for (const auto& e : value.list()) {
      if (!visit(e)) break;
    }
  } else {
    for (const auto& [k, e] : value.map()) {
      if (!visit(e)) break;
    }
  }
  return 1 + deepest;
}

}  // namespace

int NestingDepth(const AttributeValue& value) {
  return BoundedDepth(value, kMaxNestingDepth);
}

bool NestingWithinLimit(const Item& item) {
  return std::all_of(item.begin(), item.end(), [](const auto& attribute) {
    return NestingDepth(attribute.second) <= kMaxNestingDepth;
  });
}

}  // namespace fanlab::services
