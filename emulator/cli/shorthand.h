// The aws CLI's shorthand syntax for structures and lists, so that flags
// read as they do with `aws`:
//
//   --entries Id=1,MessageBody=a Id=2,MessageBody=b,DelaySeconds=5
//   --message-attributes 'k={DataType=String,StringValue=v}'
//   --key 'id={S=42}'
//
// Grammar: a structure is `Key=Value(,Key=Value)*`; a value is a nested
// structure `{...}`, a list `[v,v,...]`, a quoted string ('...' or "...",
// backslash escapes the quote) or a bare word running to the next `,`,
// `}` or `]` (a bare word may hold `=`; spaces around it are trimmed).
// Values parse as strings; CoerceToShape then gives them the types the
// service model declares (integers, booleans, ...), as the aws CLI does.
#ifndef FANLAB_EMULATOR_CLI_SHORTHAND_H_
#define FANLAB_EMULATOR_CLI_SHORTHAND_H_

#include <boost/json/value.hpp>
#include <string_view>

#include "emulator/core/status.h"

namespace fanlab::api {
struct Shape;
}

namespace fanlab::cli {

// `text` as a JSON object. Errors (InvalidParameterValue) name the offset
// and what was expected there.
Result<boost::json::value> ParseShorthand(std::string_view text);

// True when `text` reads as shorthand rather than JSON: it does not start
// with `{`, `[` or `"` and has a `=` in it.
bool LooksLikeShorthand(std::string_view text);

// `value` with every string leaf converted to the type `shape` declares
// (integer, long, float, double -> number; boolean -> true/false); unknown
// members, and leaves that do not convert, are left as they are for the
// service to judge. A null shape returns `value` unchanged.
boost::json::value CoerceToShape(boost::json::value value,
                                 const api::Shape* shape);

}  // namespace fanlab::cli

#endif  // FANLAB_EMULATOR_CLI_SHORTHAND_H_
