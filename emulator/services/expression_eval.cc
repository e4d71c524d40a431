#include "emulator/services/expression_eval.h"

#include <algorithm>
#include <map>
#include <optional>

#include "emulator/services/attribute_value_number.h"
#include "emulator/services/dynamodb_errors.h"

namespace fanlab::services {
namespace {

Status Invalid(std::string message) {
  return Status(dynamodb::kValidationException, std::move(message));
}

Status IncorrectType() {
  return Invalid(
      "An operand in the update expression has an incorrect data type");
}

Status InvalidPath() {
  return Invalid(
      "The document path provided in the update expression is invalid for "
      "update");
}

Status TooLarge() {
  return Invalid("Item size to update has exceeded the maximum allowed size");
}

// An operand's value: borrowed from the item or the expression when it
// can be, owned when computed (size()).
class Evaluated {
 public:
  Evaluated() = default;
  explicit Evaluated(const AttributeValue* borrowed) : borrowed_(borrowed) {}
  explicit Evaluated(AttributeValue owned) : owned_(std::move(owned)) {}

  const AttributeValue* get() const {
    return borrowed_ != nullptr ? borrowed_ : (owned_ ? &*owned_ : nullptr);
  }

  // The value itself: moved out when owned, copied when borrowed.
  // REQUIRES: get() != nullptr.
  AttributeValue Release() && {
    return borrowed_ != nullptr ? *borrowed_ : std::move(*owned_);
  }

 private:
  const AttributeValue* borrowed_ = nullptr;
  std::optional<AttributeValue> owned_;
};

size_t Utf16Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // a lead byte: one code point
    if (c >= 0xF0) ++n;           // beyond the BMP: a surrogate pair
  }
  return n;
}

std::optional<size_t> SizeOf(const AttributeValue& v) {
  switch (v.type()) {
    case AttributeType::kS:
      return Utf16Length(v.scalar());
    case AttributeType::kB:
      return v.scalar().size();
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS:
      return v.members().size();
    case AttributeType::kL:
      return v.list().size();
    case AttributeType::kM:
      return v.map().size();
    default:
      return std::nullopt;
  }
}

Evaluated EvaluateOperand(const Operand& op, const Item& item) {
  switch (op.kind) {
    case OperandKind::kPath:
      return Evaluated(ResolvePath(item, op.path));
    case OperandKind::kValue:
      return Evaluated(&op.value);
    case OperandKind::kSize: {
      if (op.args.empty()) return Evaluated();
      Evaluated inner = EvaluateOperand(op.args[0], item);
      if (inner.get() == nullptr) return Evaluated();
      std::optional<size_t> n = SizeOf(*inner.get());
      if (!n) return Evaluated();
      return Evaluated(AttributeValue::Number(std::to_string(*n)));
    }
    default:
      // Update-only operands never reach a condition (the parser refuses
      // them there).
      return Evaluated();
  }
}

bool IsScalar(const AttributeValue& v) {
  return v.type() == AttributeType::kS || v.type() == AttributeType::kN ||
         v.type() == AttributeType::kB;
}

// -1/0/1, or nullopt when the two are not comparable for ordering.
std::optional<int> Order(const AttributeValue* a, const AttributeValue* b) {
  if (a == nullptr || b == nullptr || a->type() != b->type() || !IsScalar(*a)) {
    return std::nullopt;
  }
  return CompareScalars(*a, *b);
}

bool Compare(Comparator c, const AttributeValue* a, const AttributeValue* b) {
  if (c == Comparator::kEq) return a != nullptr && b != nullptr && *a == *b;
  if (c == Comparator::kNe) return !(a != nullptr && b != nullptr && *a == *b);
  std::optional<int> o = Order(a, b);
  if (!o) return false;
  switch (c) {
    case Comparator::kLt:
      return *o < 0;
    case Comparator::kLe:
      return *o <= 0;
    case Comparator::kGt:
      return *o > 0;
    default:
      return *o >= 0;
  }
}

bool BeginsWith(const AttributeValue* a, const AttributeValue* b) {
  if (a == nullptr || b == nullptr || a->type() != b->type()) return false;
  if (a->type() != AttributeType::kS && a->type() != AttributeType::kB) {
    return false;
  }
  return a->scalar().compare(0, b->scalar().size(), b->scalar()) == 0;
}

bool Contains(const AttributeValue* a, const AttributeValue* b) {
  if (a == nullptr || b == nullptr) return false;
  switch (a->type()) {
    case AttributeType::kS:
    case AttributeType::kB:
      return b->type() == a->type() &&
             a->scalar().find(b->scalar()) != std::string::npos;
    case AttributeType::kSS:
    case AttributeType::kNS:
    case AttributeType::kBS: {
      AttributeType member = a->type() == AttributeType::kSS ? AttributeType::kS
                             : a->type() == AttributeType::kNS
                                 ? AttributeType::kN
                                 : AttributeType::kB;
      if (b->type() != member) return false;
      const auto& m = a->members();
      return std::find(m.begin(), m.end(), b->scalar()) != m.end();
    }
    case AttributeType::kL:
      return std::find(a->list().begin(), a->list().end(), *b) !=
             a->list().end();
    default:
      return false;
  }
}

// ---- updates

// The container a path's last step lives in, and that step; null when the
// parent is missing or of the wrong kind for the step.
struct Slot {
  AttributeMap* map = nullptr;    // the step is a name in this map
  AttributeList* list = nullptr;  // the step is an index in this list
  const PathElement* step = nullptr;
};

Slot FindSlot(Item& item, const DocumentPath& path) {
  Slot slot;
  AttributeMap* map = &item;
  AttributeList* list = nullptr;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    AttributeValue* next = nullptr;
    const PathElement& e = path[i];
    if (!e.is_index && map != nullptr) {
      auto it = map->find(e.name);
      if (it != map->end()) next = &it->second;
    } else if (e.is_index && list != nullptr && e.index < list->size()) {
      next = &(*list)[e.index];
    }
    if (next == nullptr) return Slot();
    map = next->type() == AttributeType::kM ? &next->mutable_map() : nullptr;
    list = next->type() == AttributeType::kL ? &next->mutable_list() : nullptr;
  }
  const PathElement& last = path.back();
  if (!last.is_index && map != nullptr) slot.map = map;
  if (last.is_index && list != nullptr) slot.list = list;
  if (slot.map == nullptr && slot.list == nullptr) return Slot();
  slot.step = &last;
  return slot;
}

// The existing value in `slot`, or null.
AttributeValue* Existing(const Slot& slot) {
  if (slot.map != nullptr) {
    auto it = slot.map->find(slot.step->name);
    return it == slot.map->end() ? nullptr : &it->second;
  }
  return slot.step->index < slot.list->size() ? &(*slot.list)[slot.step->index]
                                              : nullptr;
}

void Store(const Slot& slot, AttributeValue value) {
  if (slot.map != nullptr) {
    (*slot.map)[slot.step->name] = std::move(value);
  } else if (slot.step->index < slot.list->size()) {
    (*slot.list)[slot.step->index] = std::move(value);
  } else {
    slot.list->push_back(std::move(value));  // past the end: appended
  }
}

// A SET operand's value and its AttributeSize().
struct SetValue {
  Evaluated value;
  size_t bytes = 0;
};

// `value`, unless it takes more than `limit` bytes.
Result<SetValue> Within(Evaluated value, size_t limit) {
  size_t bytes = AttributeSize(*value.get());
  if (bytes > limit) return TooLarge();
  return SetValue{std::move(value), bytes};
}

// Evaluates a SET operand over the item as it was. The value may take at
// most `limit` bytes: every value a SET computes ends up whole in the
// item, so a larger one could never be stored, and failing as soon as a
// part is too large keeps nested list_append calls from building a value
// hundreds of times the item's size. Paths and values are borrowed, not
// copied, until they are known to fit.
Result<SetValue> EvaluateSetOperand(const Operand& op, const Item& original,
                                    size_t limit) {
  switch (op.kind) {
    case OperandKind::kValue:
      return Within(Evaluated(&op.value), limit);
    case OperandKind::kPath: {
      const AttributeValue* v = ResolvePath(original, op.path);
      if (v == nullptr) {
        return Invalid(
            "The provided expression refers to an attribute that does not "
            "exist in the item");
      }
      return Within(Evaluated(v), limit);
    }
    case OperandKind::kIfNotExists: {
      const AttributeValue* v = ResolvePath(original, op.args[0].path);
      if (v != nullptr) return Within(Evaluated(v), limit);
      return EvaluateSetOperand(op.args[1], original, limit);
    }
    case OperandKind::kListAppend: {
      auto a = EvaluateSetOperand(op.args[0], original, limit);
      if (!a.ok()) return a;
      const AttributeValue& first = *a->value.get();
      // The joined list holds both lists' elements under one list's
      // overhead, so the second list may take what the first leaves.
      constexpr size_t kListOverhead = 3;
      size_t rest = first.type() == AttributeType::kL
                        ? limit - a->bytes + kListOverhead
                        : limit;
      auto b = EvaluateSetOperand(op.args[1], original, rest);
      if (!b.ok()) return b;
      const AttributeValue& second = *b->value.get();
      if (first.type() != AttributeType::kL ||
          second.type() != AttributeType::kL) {
        return IncorrectType();
      }
      size_t bytes = a->bytes + b->bytes - kListOverhead;
      AttributeValue joined = std::move(a->value).Release();
      AttributeList& list = joined.mutable_list();
      list.insert(list.end(), second.list().begin(), second.list().end());
      return SetValue{Evaluated(std::move(joined)), bytes};
    }
    case OperandKind::kPlus:
    case OperandKind::kMinus: {
      // The operands are numbers or the wrong type: bound them by the item
      // limit alone, so that a type error is reported as one.
      auto a = EvaluateSetOperand(op.args[0], original, kMaxItemBytes);
      if (!a.ok()) return a;
      auto b = EvaluateSetOperand(op.args[1], original, kMaxItemBytes);
      if (!b.ok()) return b;
      const AttributeValue& x = *a->value.get();
      const AttributeValue& y = *b->value.get();
      if (x.type() != AttributeType::kN || y.type() != AttributeType::kN) {
        return IncorrectType();
      }
      auto n = op.kind == OperandKind::kPlus
                   ? AddNumbers(x.scalar(), y.scalar())
                   : SubtractNumbers(x.scalar(), y.scalar());
      if (!n.ok()) return n.status();
      return Within(Evaluated(AttributeValue::Number(std::move(n).value())),
                    limit);
    }
    case OperandKind::kSize:
      break;
  }
  return IncorrectType();
}

Status ApplyAdd(const UpdateAction& a, Item& item) {
  Slot slot = FindSlot(item, a.path);
  if (slot.step == nullptr) return InvalidPath();
  AttributeValue* current = Existing(slot);
  const AttributeValue& operand = a.value.value;
  if (current == nullptr) {
    Store(slot, operand);
    return Status::Ok();
  }
  if (current->type() != operand.type()) return IncorrectType();
  if (operand.type() == AttributeType::kN) {
    auto sum = AddNumbers(current->scalar(), operand.scalar());
    if (!sum.ok()) return sum.status();
    *current = AttributeValue::Number(std::move(sum).value());
    return Status::Ok();
  }
  std::vector<std::string>& members = current->mutable_members();
  for (const std::string& m : operand.members()) {
    if (std::find(members.begin(), members.end(), m) == members.end()) {
      members.push_back(m);
    }
  }
  return Status::Ok();
}

Status ApplyDelete(const UpdateAction& a, Item& item) {
  Slot slot = FindSlot(item, a.path);
  if (slot.step == nullptr) return InvalidPath();
  AttributeValue* current = Existing(slot);
  if (current == nullptr) return Status::Ok();
  const AttributeValue& operand = a.value.value;
  if (current->type() != operand.type()) return IncorrectType();
  std::vector<std::string>& members = current->mutable_members();
  for (const std::string& m : operand.members()) {
    members.erase(std::remove(members.begin(), members.end(), m),
                  members.end());
  }
  if (members.empty()) {
    // Sets cannot be empty: the attribute goes.
    if (slot.map != nullptr) {
      slot.map->erase(slot.step->name);
    } else {
      slot.list->erase(slot.list->begin() +
                       static_cast<std::ptrdiff_t>(slot.step->index));
    }
  }
  return Status::Ok();
}

Status ApplyRemove(const DocumentPath& path, Item& item) {
  Slot slot = FindSlot(item, path);
  if (slot.step == nullptr) {
    // Removing a top-level attribute never fails; a nested one needs its
    // parent.
    if (path.size() == 1) return Status::Ok();
    return InvalidPath();
  }
  if (slot.map != nullptr) {
    slot.map->erase(slot.step->name);
  } else if (slot.step->index < slot.list->size()) {
    slot.list->erase(slot.list->begin() +
                     static_cast<std::ptrdiff_t>(slot.step->index));
  }
  return Status::Ok();
}

// Orders REMOVE paths so that, among siblings in one list, the highest
// index goes first: removing it does not shift the others.
bool RemoveFirst(const DocumentPath* a, const DocumentPath* b) {
  size_t n = std::min(a->size(), b->size());
  for (size_t i = 0; i < n; ++i) {
    const PathElement& x = (*a)[i];
    const PathElement& y = (*b)[i];
    if (x.is_index && y.is_index) {
      if (x.index != y.index) return x.index > y.index;
    } else if (x.is_index != y.is_index) {
      return x.is_index;
    } else if (x.name != y.name) {
      return x.name < y.name;
    }
  }
  return a->size() > b->size();
}

// ---- projection

struct ProjectionNode {
  bool whole = false;
  std::map<std::string, ProjectionNode, std::less<>> names;
  std::map<size_t, ProjectionNode> indexes;
};

std::optional<AttributeValue> ProjectValue(const AttributeValue& v,
                                           const ProjectionNode& node) {
  if (node.whole) return v;
  if (v.type() == AttributeType::kM && !node.names.empty()) {
    AttributeMap out;
    for (const auto& [name, child] : node.names) {
      auto it = v.map().find(name);
      if (it == v.map().end()) continue;
      if (auto p = ProjectValue(it->second, child)) out.emplace(name, *p);
    }
    if (out.empty()) return std::nullopt;
    return AttributeValue::Map(std::move(out));
  }
  if (v.type() == AttributeType::kL && !node.indexes.empty()) {
    AttributeList out;
    for (const auto& [index, child] : node.indexes) {
      if (index >= v.list().size()) break;
      if (auto p = ProjectValue(v.list()[index], child)) out.push_back(*p);
    }
    if (out.empty()) return std::nullopt;
    return AttributeValue::List(std::move(out));
  }
  return std::nullopt;
}

}  // namespace

const AttributeValue* ResolvePath(const Item& item, const DocumentPath& path) {
  if (path.empty() || path[0].is_index) return nullptr;
  auto it = item.find(path[0].name);
  if (it == item.end()) return nullptr;
  const AttributeValue* v = &it->second;
  for (size_t i = 1; i < path.size(); ++i) {
    const PathElement& e = path[i];
    if (e.is_index) {
      if (v->type() != AttributeType::kL || e.index >= v->list().size()) {
        return nullptr;
      }
      v = &v->list()[e.index];
    } else {
      if (v->type() != AttributeType::kM) return nullptr;
      auto child = v->map().find(e.name);
      if (child == v->map().end()) return nullptr;
      v = &child->second;
    }
  }
  return v;
}

bool EvaluateCondition(const Condition& c, const Item& item) {
  switch (c.kind) {
    case ConditionKind::kAnd:
      return EvaluateCondition(c.children[0], item) &&
             EvaluateCondition(c.children[1], item);
    case ConditionKind::kOr:
      return EvaluateCondition(c.children[0], item) ||
             EvaluateCondition(c.children[1], item);
    case ConditionKind::kNot:
      return !EvaluateCondition(c.children[0], item);
    case ConditionKind::kCompare: {
      Evaluated a = EvaluateOperand(c.operands[0], item);
      Evaluated b = EvaluateOperand(c.operands[1], item);
      return Compare(c.comparator, a.get(), b.get());
    }
    case ConditionKind::kBetween: {
      Evaluated a = EvaluateOperand(c.operands[0], item);
      Evaluated low = EvaluateOperand(c.operands[1], item);
      Evaluated high = EvaluateOperand(c.operands[2], item);
      std::optional<int> lo = Order(a.get(), low.get());
      std::optional<int> hi = Order(a.get(), high.get());
      return lo && hi && *lo >= 0 && *hi <= 0;
    }
    case ConditionKind::kIn: {
      Evaluated a = EvaluateOperand(c.operands[0], item);
      if (a.get() == nullptr) return false;
      for (size_t i = 1; i < c.operands.size(); ++i) {
        Evaluated b = EvaluateOperand(c.operands[i], item);
        if (b.get() != nullptr && *a.get() == *b.get()) return true;
      }
      return false;
    }
    case ConditionKind::kExists:
      return ResolvePath(item, c.operands[0].path) != nullptr;
    case ConditionKind::kNotExists:
      return ResolvePath(item, c.operands[0].path) == nullptr;
    case ConditionKind::kAttributeType: {
      Evaluated a = EvaluateOperand(c.operands[0], item);
      Evaluated t = EvaluateOperand(c.operands[1], item);
      return a.get() != nullptr && t.get() != nullptr &&
             t.get()->type() == AttributeType::kS &&
             AttributeTypeName(a.get()->type()) == t.get()->scalar();
    }
    case ConditionKind::kBeginsWith: {
      Evaluated a = EvaluateOperand(c.operands[0], item);
      Evaluated b = EvaluateOperand(c.operands[1], item);
      return BeginsWith(a.get(), b.get());
    }
    case ConditionKind::kContains: {
      Evaluated a = EvaluateOperand(c.operands[0], item);
      Evaluated b = EvaluateOperand(c.operands[1], item);
      return Contains(a.get(), b.get());
    }
  }
  return false;
}

Status ApplyUpdate(const UpdateExpression& update, Item& item) {
  const Item original = item;
  // SET values first, all read from the original item. The paths of one
  // update do not overlap, so each value ends up whole in the item, and
  // together they may take at most kMaxItemBytes. (The one exception: a
  // value appended past a list's end that a REMOVE of the same update
  // then drops by its new index. Refusing that early is a price paid for
  // never building an oversized value.)
  std::vector<std::pair<const UpdateAction*, AttributeValue>> sets;
  size_t set_bytes = 0;
  for (const UpdateAction& a : update.actions) {
    if (a.kind != UpdateKind::kSet) continue;
    auto v = EvaluateSetOperand(a.value, original, kMaxItemBytes - set_bytes);
    if (!v.ok()) return v.status();
    set_bytes += v->bytes;
    sets.emplace_back(&a, std::move(v->value).Release());
  }
  for (auto& [a, v] : sets) {
    Slot slot = FindSlot(item, a->path);
    if (slot.step == nullptr) return InvalidPath();
    Store(slot, std::move(v));
  }
  std::vector<const DocumentPath*> removes;
  for (const UpdateAction& a : update.actions) {
    Status s;
    if (a.kind == UpdateKind::kAdd) {
      s = ApplyAdd(a, item);
    } else if (a.kind == UpdateKind::kDelete) {
      s = ApplyDelete(a, item);
    } else if (a.kind == UpdateKind::kRemove) {
      removes.push_back(&a.path);
    }
    if (!s.ok()) return s;
  }
  std::sort(removes.begin(), removes.end(), RemoveFirst);
  for (const DocumentPath* p : removes) {
    if (Status s = ApplyRemove(*p, item); !s.ok()) return s;
  }
  return Status::Ok();
}

Item Project(const Item& item, const std::vector<DocumentPath>& paths) {
  ProjectionNode root;
  for (const DocumentPath& path : paths) {
    if (path.empty() || path[0].is_index) continue;
    ProjectionNode* node = &root;
    for (const PathElement& e : path) {
      node = e.is_index ? &node->indexes[e.index] : &node->names[e.name];
    }
    node->whole = true;
  }
  Item out;
  for (const auto& [name, child] : root.names) {
    auto it = item.find(name);
    if (it == item.end()) continue;
    if (auto p = ProjectValue(it->second, child)) out.emplace(name, *p);
  }
  return out;
}

std::vector<DocumentPath> UpdatedPaths(const UpdateExpression& update) {
  std::vector<DocumentPath> out;
  out.reserve(update.actions.size());
  for (const UpdateAction& a : update.actions) out.push_back(a.path);
  return out;
}

}  // namespace fanlab::services
