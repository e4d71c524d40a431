// The parts of an ARN, "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE", as
// the actions that answer with an owner or an account read them, and the
// ARNs of the emulator's account (core/account.h) built from its parts.
//
// Thread safety: a free function on values.
#ifndef FANLAB_EMULATOR_CORE_ARN_H_
#define FANLAB_EMULATOR_CORE_ARN_H_

#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/account.h"

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
// The region an ARN names; "" when it is not an ARN.
std::string_view ArnRegion(std::string_view text);

// "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE" of `account`.
std::string MakeArn(const Account& account, std::string_view service,
                    std::string_view resource);
// "arn:aws:lambda:REGION:ACCOUNT:function:NAME".
std::string FunctionArn(const Account& account, std::string_view name);
// "arn:aws:sqs:REGION:ACCOUNT:NAME".
std::string QueueArn(const Account& account, std::string_view name);
// "arn:aws:sns:REGION:ACCOUNT:NAME".
std::string TopicArn(const Account& account, std::string_view name);

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_ARN_H_
