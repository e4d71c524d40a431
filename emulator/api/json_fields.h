// Reading a request's JSON body: one set of rules for every service's
// actions (sqs_json.cc and each <service>_actions.cc).
//
//  - The body: empty means {}. Text that is not JSON, nests deeper than
//    kMaxBodyDepth, or is not an object is a SerializationException ("The
//    request body is not valid JSON: ..." / "The request body must be a
//    JSON object.").
//  - A field that is absent or JSON null is absent, everywhere (the SDKs
//    omit unset members or send them as null). Unknown fields are ignored,
//    as AWS does.
//  - A field of the wrong type is a SerializationException naming its path:
//    "Field Entries[2].DelaySeconds must be an integer."
//  - An integer is a JSON integer, or a number without a fraction (5.0),
//    within int64. Anything else (5.5, 1e19, 2^63) is not an integer.
//  - A missing required field is worded by its service: each passes its
//    MissingField rule (SQS's MissingParameter, S3's InvalidArgument, SNS's
//    InvalidParameterException, ...).
//
// Reading stops at the first failure. That failure is kept in one Status
// shared by the body's reader and the readers of its nested objects; after
// it, reads leave their outputs alone, and ReadJsonBody returns it.
//
// Thread safety: a reader belongs to one request on one thread.
#ifndef FANLAB_EMULATOR_API_JSON_FIELDS_H_
#define FANLAB_EMULATOR_API_JSON_FIELDS_H_

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/core/status.h"

namespace fanlab::api {

// The deepest body any action accepts. DynamoDB's is the deepest: a
// 32-level item takes two JSON levels a level, plus the request's own
// (services::kMaxJsonDepth, which table_actions.cc checks against this).
inline constexpr size_t kMaxBodyDepth = 128;

// How a service words a missing required field, given the name to show
// (the field's path unless the caller names it otherwise).
using MissingField = Status (*)(std::string_view name);

// "The request must contain the parameter <name>." as error `kind`: the
// wording that SQS (MissingParameter), S3 (InvalidArgument), Lambda and
// fanlab's HTTP actions (InvalidParameterValueException) share.
template <const ErrorKind& kind>
Status MustContainParameter(std::string_view name) {
  return Status(kind, "The request must contain the parameter " +
                          std::string(name) + ".");
}

// "1 validation error detected: Value null at '<member>' failed to satisfy
// constraint: Member must not be null" as error `kind`: the wording that
// DynamoDB and EventBridge (ValidationException) share, the callers naming
// the member as each service does.
template <const ErrorKind& kind>
Status MemberMustNotBeNull(std::string_view member) {
  return Status(kind, "1 validation error detected: Value null at '" +
                          std::string(member) +
                          "' failed to satisfy constraint: Member must not "
                          "be null");
}

// A SerializationException: the request is not a well-formed call.
Status SerializationError(std::string message);

// `v` as an integer by the one rule above; nullopt when it is not one.
std::optional<int64_t> JsonInteger(const boost::json::value& v);

// Parses `body` (empty means {}) into `out`, with `out`'s storage.
// Returns the SerializationException above when it is not a JSON object.
Status ParseJsonBody(std::string_view body, boost::json::value& out);

// Reads the fields of one JSON object. Every read names its field by key;
// errors name it by path (the reader's prefix, then the key).
class FieldReader {
 public:
  // REQUIRES: `object` and `status` outlive the reader and the readers it
  // hands out. `prefix` begins every field's path: "" for the body,
  // "Entries[2]." for an object in a list.
  FieldReader(const boost::json::object& object, MissingField missing,
              Status& status, std::string prefix = "");

  bool ok() const { return status_->ok(); }
  const Status& status() const { return *status_; }
  const boost::json::object& object() const { return *object_; }

  // The field's path for errors: "Entries[2].Id".
  std::string Path(std::string_view key) const {
    return prefix_ + std::string(key);
  }

  // Records a failure unless one is already recorded.
  void Fail(Status s);
  // "Field <path> must be <expected>." (expected: "a string", ...).
  void Fail(std::string_view key, std::string_view expected);
  // The service's missing-field error for `name`, or for the key's path.
  void Missing(std::string_view key, std::string_view name = {});

  // The field's value; nullptr when absent or null.
  const boost::json::value* Get(std::string_view key) const;
  bool Has(std::string_view key) const { return Get(key) != nullptr; }

  // Reads a field into `out` when it is present: its value replaces
  // `out` (a list or map is replaced whole, as an update expects). Absent,
  // `out` is left alone; of the wrong type, it is left alone and the read
  // fails.
  void Read(std::string_view key, std::string& out);
  void Read(std::string_view key, std::optional<std::string>& out);
  void Read(std::string_view key, bool& out);
  void Read(std::string_view key, int64_t& out);
  void Read(std::string_view key, std::optional<int64_t>& out);
  void Read(std::string_view key, std::vector<std::string>& out);
  // A map of strings, in the body's order (HTTP headers).
  void Read(std::string_view key,
            std::vector<std::pair<std::string, std::string>>& out);
  template <typename Compare>
  void Read(std::string_view key,
            std::map<std::string, std::string, Compare>& out) {
    std::map<std::string, std::string, Compare> read;
    if (ReadStringMap(key, [&read](std::string_view k, std::string_view v) {
          read.emplace(k, v);
        })) {
      out = std::move(read);
    }
  }
  // A base64 string, decoded.
  void ReadBase64(std::string_view key, std::optional<std::string>& bytes);

  // As Read, but an absent field is the service's missing-field error,
  // naming `name` (default: the field's path).
  template <typename T>
  void Require(std::string_view key, T& out, std::string_view name = {}) {
    if (!Has(key)) return Missing(key, name);
    Read(key, out);
  }

  // A reader of the object at `key`, sharing this one's status; nullopt
  // when the field is absent or not an object (a failure).
  std::optional<FieldReader> Object(std::string_view key);

  // Calls each(FieldReader& entry, size_t index) for the objects of the
  // list at `key`, in order, while no read has failed.
  template <typename F>
  void Objects(std::string_view key, F each) {
    const boost::json::value* v = Present(key);
    if (v == nullptr) return;
    if (!v->is_array()) return Fail(key, "a list of objects");
    const boost::json::array& list = v->get_array();
    for (size_t i = 0; i < list.size() && ok(); ++i) {
      std::string at = std::string(key) + "[" + std::to_string(i) + "]";
      if (!list[i].is_object()) return Fail(at, "an object");
      FieldReader entry = Nested(list[i].get_object(), at);
      each(entry, i);
    }
  }

  // Calls each(std::string_view name, FieldReader& value) for the members
  // of the map of objects at `key`, while no read has failed.
  template <typename F>
  void Members(std::string_view key, F each) {
    const boost::json::value* v = Present(key);
    if (v == nullptr) return;
    if (!v->is_object()) return Fail(key, "a map of objects");
    for (const auto& [name, value] : v->get_object()) {
      if (!ok()) return;
      std::string at = std::string(key) + "." + std::string(name);
      if (!value.is_object()) return Fail(at, "an object");
      FieldReader member = Nested(value.get_object(), at);
      each(std::string_view(name), member);
    }
  }

  // A reader of `object`, found at `at` (a key, "Entries[2]", ...) in this
  // one, sharing its status.
  FieldReader Nested(const boost::json::object& object,
                     std::string_view at) const {
    return FieldReader(object, missing_, *status_, Path(at) + ".");
  }

 private:
  // Get(), but nullptr too once a read has failed.
  const boost::json::value* Present(std::string_view key) const;
  // Calls add(name, value) for each member of the map of strings at `key`;
  // false when absent or a read failed.
  bool ReadStringMap(
      std::string_view key,
      const std::function<void(std::string_view, std::string_view)>& add);

  const boost::json::object* object_;
  MissingField missing_;
  Status* status_;
  std::string prefix_;
};

// Parses `body` (ParseJsonBody) and calls read(FieldReader&) on it, with
// `missing` as the service's rule. Returns the first failure: the body's,
// or that of a read.
template <typename F>
Status ReadJsonBody(std::string_view body, MissingField missing, F&& read) {
  // A stack arena: one request's worth of nodes without a heap allocation
  // each (the queue's hot path reads its bodies here too).
  alignas(std::max_align_t) unsigned char arena[8192];
  boost::json::monotonic_resource memory(arena, sizeof arena);
  boost::json::value parsed(&memory);
  if (Status s = ParseJsonBody(body, parsed); !s.ok()) return s;
  Status status;
  FieldReader reader(parsed.get_object(), missing, status);
  read(reader);
  return status;
}

// For an action that reads its fields and then answers at once:
// act(FieldReader&) returns the response body or an error, and calls its
// service only when every read succeeded. The first failure wins: the
// body's, a read's, or the action's own.
template <typename F>
Result<std::string> ReadAndAct(std::string_view body, MissingField missing,
                               F&& act) {
  std::optional<Result<std::string>> out;
  Status read =
      ReadJsonBody(body, missing, [&](FieldReader& r) { out.emplace(act(r)); });
  if (!read.ok()) return read;
  return std::move(*out);
}

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_JSON_FIELDS_H_
