// The shape of a scenario file, declared once: the loader validates files
// against it (unknown keys, wrong types, missing fields, bad durations,
// values out of range, every error with its line and column) and
// `fanlab schema` prints it as the JSON Schema editors use
// (scenarios/scenario.schema.json is that output, checked by a test).
// Each field may also say where its value lands in the model (a binder:
// To, Set, Enter, and Then for an object's finish step), so that one walk
// (BindNode) both checks a file and fills the model:
//
//   Object({{"settle", DurationSpec(), false, To(&RunSpec::settle)},
//           {"for", DurationSpec(), false,
//            Set([](RunSpec& r, Duration d) { r.duration = d; })}})
//
// A binder's types are checked when the format is built: the value type
// must fit the field's kind (Fits), and every field of an object must
// bind into the same type, the one its parent's Enter returns.
#ifndef FANLAB_HARNESS_SCHEMA_H_
#define FANLAB_HARNESS_SCHEMA_H_

#include <yaml-cpp/node/node.h>

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

#include "emulator/core/clock.h"
#include "harness/diagnostic.h"

namespace fanlab::harness {

struct Spec;
using SpecPtr = std::shared_ptr<const Spec>;
// A map of scalars, in file order (attributes, environment, headers).
using ScalarMap = std::vector<std::pair<std::string, std::string>>;

// Where a value being bound was written, and what the walk carries: a
// binder reports what the format alone cannot see through Error.
struct Site {
  const YAML::Node& node;  // the value (a list's element, a map's value)
  std::string path;        // "resources.queues[0].name"
  YAML::Node key;          // a map's entry: its key; else a null node
  const std::string& file;
  Diagnostics& errors;
  void* context;  // what BindNode was given (the loader's own state)

  void Error(std::string message) const { Error(node, path, message); }
  void Error(const YAML::Node& at, const std::string& at_path,
             std::string message) const;
  template <class C>
  C& Context() const {
    return *static_cast<C*>(context);
  }
};

// How a checked value lands in the model. Built by To, Set and Enter
// below, which type it: `target` is what the enclosing object binds into,
// `value` what a leaf is read as (it must fit the field's kind: Fits), and
// for Enter, `child` what the nested object binds into.
struct Bind {
  std::function<void*(void* target, const Site& site)> call;
  std::type_index target = typeid(void);
  std::type_index value = typeid(void);
  std::type_index child = typeid(void);
  explicit operator bool() const { return static_cast<bool>(call); }
};

struct Field {
  std::string name;
  SpecPtr spec;
  bool required = false;
  // Empty: the field is validated only. A leaf field is bound once its
  // value is valid; an object field (or each element of a list, or each
  // entry of a map, of objects) is entered before its own fields are
  // walked, and binds them into what Enter returns.
  Bind bind;
};

struct Spec {
  enum class Kind {
    kString,  // a string: plain numbers and booleans must be quoted
    kInteger,
    kNumber,
    kBoolean,
    kDuration,      // "1h30m", "250ms", or a number of seconds
    kJson,          // any value (a message body, an item, a pattern)
    kObject,        // `fields`; unknown keys are errors
    kMap,           // any keys, each value `items`
    kArray,         // each element `items`
    kEnum,          // one of `values`
    kScalar,        // a string, number or boolean (written as a string)
    kStringOrList,  // a string, or a list of strings
  };
  Kind kind = Kind::kString;
  std::string description;
  std::vector<Field> fields;
  SpecPtr items;
  std::vector<std::string> values;
  std::optional<double> minimum, maximum;
  // kObject: exactly one of these keys must be present (the kind of a
  // timeline step or of an expectation).
  std::vector<std::string> exactly_one_of;
  // kObject: what its fields bind into (void: nothing), and a post-step
  // run once they are bound (defaults that depend on other fields, checks
  // across fields); `finish.value` is unused. A kArray whose objects are
  // entered one by one (Enter) may have a `finish` too: it runs on what
  // the array's field binds into once every element is, if none of them
  // had an error (a check across the elements).
  std::type_index target = typeid(void);
  Bind finish;
};

// Builders, so that the scenario's spec reads like its documentation.
SpecPtr String(std::string description = "");
SpecPtr Integer(std::string description = "",
                std::optional<double> minimum = std::nullopt,
                std::optional<double> maximum = std::nullopt);
SpecPtr Number(std::string description = "");
SpecPtr Boolean(std::string description = "");
SpecPtr DurationSpec(std::string description = "");
SpecPtr AnyJson(std::string description = "");
SpecPtr Scalar(std::string description = "");
SpecPtr StringOrList(std::string description = "");
SpecPtr Enum(std::vector<std::string> values, std::string description = "");
SpecPtr Array(SpecPtr items, std::string description = "");
SpecPtr MapOf(SpecPtr values, std::string description = "");
SpecPtr Object(std::vector<Field> fields, std::string description = "",
               std::vector<std::string> exactly_one_of = {});

// `object` with `finish` run once its fields are bound: f(T&, const
// Site&), T what the fields bind into. On an array of objects entered one
// by one, T is what the array's field binds into (Spec::finish).
template <class F>
SpecPtr Then(SpecPtr object, F f);

// Checks `node` against `spec`, appending one Diagnostic per problem (all
// of them, not only the first). `path` names the node ("" for the root).
void ValidateNode(const YAML::Node& node, const Spec& spec,
                  const std::string& path, const std::string& file,
                  Diagnostics& out);

// The same walk, binding as it goes: `target` is what the root object
// binds into (of `spec.target`'s type), `context` what binders reach
// through Site::Context. A value with an error is not bound; the root's
// `finish` runs last.
void BindNode(const YAML::Node& node, const Spec& spec, void* target,
              void* context, const std::string& file, Diagnostics& out);

// A leaf's value as its binder takes it. std::string: any scalar;
// int64_t, uint64_t: an integer; double: a number; bool; Duration;
// std::vector<std::string>: a string or a list of them (a string is split
// at spaces); ScalarMap: a map of scalars, in file order;
// boost::json::value: anything, as JSON; YAML::Node: the node itself.
template <class V>
V ValueOf(const YAML::Node& node);

template <>
std::string ValueOf<std::string>(const YAML::Node& node);
template <>
int64_t ValueOf<int64_t>(const YAML::Node& node);
template <>
uint64_t ValueOf<uint64_t>(const YAML::Node& node);
template <>
double ValueOf<double>(const YAML::Node& node);
template <>
bool ValueOf<bool>(const YAML::Node& node);
template <>
Duration ValueOf<Duration>(const YAML::Node& node);
template <>
std::vector<std::string> ValueOf<std::vector<std::string>>(
    const YAML::Node& node);
template <>
ScalarMap ValueOf<ScalarMap>(const YAML::Node& node);
template <>
boost::json::value ValueOf<boost::json::value>(const YAML::Node& node);
template <>
YAML::Node ValueOf<YAML::Node>(const YAML::Node& node);

// Whether a leaf of `kind` may be bound as a `value`.
bool Fits(Spec::Kind kind, std::type_index value);

namespace bind_internal {
template <class F>
struct Signature : Signature<decltype(&F::operator())> {};
template <class C, class R, class... A>
struct Signature<R (C::*)(A...) const> {
  using Result = R;
  using Args = std::tuple<A...>;
  static constexpr size_t kArity = sizeof...(A);
};
template <class F, size_t I>
using Arg =
    std::remove_cvref_t<std::tuple_element_t<I, typename Signature<F>::Args>>;
}  // namespace bind_internal

// t.*member = the value.
template <class T, class V>
Bind To(V T::*member) {
  return Bind{[member](void* t, const Site& site) -> void* {
                static_cast<T*>(t)->*member = ValueOf<V>(site.node);
                return nullptr;
              },
              typeid(T), typeid(V), typeid(void)};
}

// f(T&, V) or f(T&, V, const Site&): a setter for what a plain member
// cannot hold (a JSON key, a conversion, a check).
template <class F>
Bind Set(F f) {
  using T = bind_internal::Arg<F, 0>;
  using V = bind_internal::Arg<F, 1>;
  return Bind{[f](void* t, const Site& site) -> void* {
                if constexpr (bind_internal::Signature<F>::kArity == 3) {
                  f(*static_cast<T*>(t), ValueOf<V>(site.node), site);
                } else {
                  f(*static_cast<T*>(t), ValueOf<V>(site.node));
                }
                return nullptr;
              },
              typeid(T), typeid(V), typeid(void)};
}

// f(T&, const Site&) -> C&: where an object (or each element of a list
// of objects) binds its fields.
template <class F>
Bind Enter(F f) {
  using T = bind_internal::Arg<F, 0>;
  using C = std::remove_cvref_t<typename bind_internal::Signature<F>::Result>;
  return Bind{[f](void* t, const Site& site) -> void* {
                return &f(*static_cast<T*>(t), site);
              },
              typeid(T), typeid(void), typeid(C)};
}

template <class F>
SpecPtr Then(SpecPtr object, F f) {
  using T = bind_internal::Arg<F, 0>;
  auto s = std::make_shared<Spec>(*object);
  if (s->target != typeid(void) && s->target != typeid(T)) {
    throw std::logic_error("a finish step binds into another type");
  }
  s->target = typeid(T);
  s->finish = Bind{[f](void* t, const Site& site) -> void* {
                     f(*static_cast<T*>(t), site);
                     return nullptr;
                   },
                   typeid(T), typeid(void), typeid(void)};
  return s;
}

// `spec` as a JSON Schema (draft-07) document.
std::string ToJsonSchema(const Spec& spec, const std::string& id,
                         const std::string& title);

// The candidate closest to `word` (a few edits away at most), for "did
// you mean"; "" when none is close.
std::string Closest(const std::string& word,
                    const std::vector<std::string>& candidates);

// The mark of a node (1-based).
Mark MarkOf(const YAML::Node& node);

}  // namespace fanlab::harness

#endif  // FANLAB_HARNESS_SCHEMA_H_
