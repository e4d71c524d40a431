// Seeded identifiers. Every id the emulator hands out (message ids, request
// ids, receipt-handle nonces) comes from an IdGenerator, so a replay with
// the same seed produces the same ids.
//
// Thread safety: none; one generator per engine thread.
#ifndef FANLAB_EMULATOR_CORE_IDS_H_
#define FANLAB_EMULATOR_CORE_IDS_H_

#include <array>
#include <cstdint>
#include <string>

namespace fanlab {

using Uuid = std::array<uint8_t, 16>;

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case hex.
std::string FormatUuid(const Uuid& id);

// xoshiro256** seeded through splitmix64: fast, reproducible, not secure.
class IdGenerator {
 public:
  explicit IdGenerator(uint64_t seed = 0x66616e6c6162ULL);

  uint64_t NextU64();
  // A version-4 (random) UUID.
  Uuid NextUuid();
  std::string NextUuidString() { return FormatUuid(NextUuid()); }

 private:
  uint64_t s_[4];
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_IDS_H_
