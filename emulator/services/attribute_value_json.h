// AttributeValues and items in DynamoDB's JSON form:
//   {"S": "text"}  {"N": "12.5"}  {"B": "<base64>"}  {"BOOL": true}
//   {"NULL": true} {"M": {"name": {...}}}  {"L": [{...}, ...]}
//   {"SS": ["a"]}  {"NS": ["1"]}  {"BS": ["<base64>"]}
// and an item as {"attr": {"S": "x"}, ...}.
//
// Reading checks everything DynamoDB checks of a value. A field of the wrong
// JSON type is a SerializationException naming its path ("Item.tags.SS[1]
// must be a string."); a well-formed but invalid value is a
// ValidationException in DynamoDB's words:
//   "Supplied AttributeValue is empty, must contain exactly one of the
//    supported datatypes"
//   "Supplied AttributeValue has more than one datatypes set, must contain
//    exactly one of the supported datatypes"
//   "One or more parameter values were invalid: Null attribute value types
//    must have the value of true"
//   "Nesting Levels have exceeded supported limits"  (deeper than 32)
//   plus number errors (attribute_value_number.h) and set errors
//   (AttributeValue::MakeSet). Members that are JSON null are ignored, as
//   the AWS SDKs omit them; unknown members are ignored as DynamoDB does.
//
// Thread safety: free functions on values.
#ifndef FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_JSON_H_
#define FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_JSON_H_

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "emulator/core/json_writer.h"
#include "emulator/core/status.h"
#include "emulator/services/attribute_value.h"

namespace fanlab::services {

// The JSON nesting a parser must allow for a request that holds a
// 32-level item (two JSON levels per AttributeValue level, plus the
// request's own): pass it as boost::json::parse_options::max_depth.
inline constexpr size_t kMaxJsonDepth = 128;

// `path` names the value in SerializationException messages ("Item.a").
Result<AttributeValue> AttributeValueFromJson(const boost::json::value& json,
                                              std::string_view path);
// An object of attribute name -> AttributeValue.
Result<Item> ItemFromJson(const boost::json::value& json,
                          std::string_view path);
// Parses `text` as an item: convenient for tests and scenario files.
Result<Item> ParseItem(std::string_view text);
Result<AttributeValue> ParseAttributeValue(std::string_view text);

// Writes the JSON form (numbers as their canonical text, binaries base64).
void WriteAttributeValue(JsonWriter& w, const AttributeValue& value);
void WriteItem(JsonWriter& w, const Item& item);
// Compact JSON text of a value or an item (attribute names sorted).
std::string ToJson(const AttributeValue& value);
std::string ToJson(const Item& item);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_ATTRIBUTE_VALUE_JSON_H_
