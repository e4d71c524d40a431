// The one account the emulator plays: the partition, region and id every
// ARN is built from (core/arn.h). One value, passed where ARNs are made,
// instead of "us-east-1" and "000000000000" spelled in each file.
//
// Thread safety: a value.
#ifndef FANLAB_EMULATOR_CORE_ACCOUNT_H_
#define FANLAB_EMULATOR_CORE_ACCOUNT_H_

#include <string>

#include "emulator/core/digest.h"

namespace fanlab {

struct Account {
  std::string partition = "aws";
  std::string region = "us-east-1";
  std::string id = "000000000000";
  // What S3 reports as the owner's DisplayName.
  std::string display_name = "fanlab";

  // S3's canonical user id for this account (Owner.ID): 64 hex digits,
  // the same for the same id.
  std::string CanonicalUserId() const { return Sha256Hex("fanlab:" + id); }
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_ACCOUNT_H_
