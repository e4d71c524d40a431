// The one account the emulator plays: the partition, region and id every
// ARN is built from (core/arn.h). One value, passed where ARNs are made,
// instead of "us-east-1" and "000000000000" spelled in each file.
//
// Thread safety: a value.
#ifndef FANLAB_EMULATOR_CORE_ACCOUNT_H_
#define FANLAB_EMULATOR_CORE_ACCOUNT_H_

#include <string>

namespace fanlab {

struct Account {
  std::string partition = "aws";
  std::string region = "us-east-1";
  std::string id = "000000000000";
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_ACCOUNT_H_
