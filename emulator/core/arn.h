// The parts of an ARN, "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE", as
// the actions that answer with an owner or an account read them.
//
// Thread safety: a free function on values.
#ifndef FANLAB_EMULATOR_CORE_ARN_H_
#define FANLAB_EMULATOR_CORE_ARN_H_

#include <optional>
#include <string_view>

namespace fanlab {

// Views into the ARN text it was parsed from.
struct Arn {
  std::string_view partition;  // "aws"
  std::string_view service;    // "sns", "events", ...
  std::string_view region;
  std::string_view account;
  std::string_view resource;  // the rest, ':'s included ("rule/nightly")
};

// nullopt when `text` does not start with "arn:" or has fewer than six
// ':'-separated parts.
std::optional<Arn> ParseArn(std::string_view text);

// The account an ARN names; "" when it is not an ARN.
std::string_view ArnAccount(std::string_view text);

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_ARN_H_
