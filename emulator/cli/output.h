// The aws CLI's --output formats for a reply: json (pretty-printed), text
// (tab-separated lines, for shell pipelines) and table (boxed, for eyes).
//
// text follows the aws CLI's rules: a structure's scalar members go on one
// line in key order, prefixed by the upper-cased name of the member that
// holds it; its lists and structures follow, each under its own name; the
// rows of a list of structures share the columns of every scalar key any
// of them has. Booleans print as True/False, null as None.
#ifndef FANLAB_EMULATOR_CLI_OUTPUT_H_
#define FANLAB_EMULATOR_CLI_OUTPUT_H_

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace fanlab::cli {

enum class OutputFormat { kJson, kText, kTable };

// "json", "text", "table"; false for anything else.
bool ParseOutputFormat(std::string_view name, OutputFormat* format);

std::string FormatText(const boost::json::value& value);
// `title` heads the table (the operation's name).
std::string FormatTable(const boost::json::value& value,
                        std::string_view title);

}  // namespace fanlab::cli

#endif  // FANLAB_EMULATOR_CLI_OUTPUT_H_
