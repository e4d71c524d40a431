// Between the handlers' JSON shapes and XML, by a service model: what the
// query protocol's answers and REST-XML's bodies share.
//
// Names and nesting follow the model as botocore's XML parser reads it:
//  - a member is the element named by its locationName (the reference's,
//    else its shape's), else by the member's name;
//  - a list is <Name><member>..</member>...</Name> (the inner name is the
//    list member's locationName, default "member"); a flattened list is
//    the items themselves, repeated, each named by the list member's
//    locationName, else by the member's name;
//  - a map is <Name><entry><key>..</key><value>..</value></entry>...</Name>
//    (key and value named by their locationNames); a flattened map repeats
//    <Name><key/><value/></Name>;
//  - booleans are true/false; blobs are base64 (as in the JSON shapes);
//    timestamps are ISO 8601 (a JSON number is epoch seconds).
// Members the model locates elsewhere (headers, URI, status code) are not
// written: the REST codecs put them in their place.
//
// Thread safety: free functions on values.
#ifndef FANLAB_EMULATOR_API_MODEL_XML_H_
#define FANLAB_EMULATOR_API_MODEL_XML_H_

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/api/service_model.h"
#include "emulator/api/xml.h"
#include "emulator/core/status.h"

namespace fanlab::api {

// The wire name of a member: the reference's locationName, else its
// shape's, else the member's own name.
std::string_view WireName(const Member& member);
// True when the list or map a reference points at is flattened.
bool Flattened(const ShapeRef& ref);

// Writes the members of `object` (a structure of `shape`) as child
// elements, in the model's order; members absent from `object`, and those
// located outside the body, are left out.
void WriteXmlMembers(XmlWriter& w, const boost::json::object& object,
                     const Shape& shape);

// The JSON shape of `node`, read as `shape` (a structure: each child by
// wire name). Unknown elements are ignored; a number, boolean or
// timestamp that does not read is a SerializationException naming it.
Result<boost::json::value> XmlToJson(const XmlNode& node, const Shape& shape);

// A scalar's text on an XML or query wire (REQUIRES: `v` is a string,
// number or bool).
std::string ScalarText(const boost::json::value& v, const Shape& shape);

// The JSON value of a scalar's wire text for `shape` ("5" -> 5 for an
// integer, "true" -> true, a string stays a string); nullopt when the text
// is not one (the caller names the field).
std::optional<boost::json::value> ScalarFromText(std::string_view text,
                                                 const Shape& shape);

// "2026-12-06T06:00:00.000Z" (or epoch seconds) -> "Sun, 06 Dec 2026
// 06:00:00 GMT"; "" when it does not read.
std::string HttpDate(const boost::json::value& timestamp);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_MODEL_XML_H_
