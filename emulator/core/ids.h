// Seeded identifiers. Every id the emulator hands out (message ids, request
// ids, receipt-handle nonces) comes from an IdGenerator, so a replay with
// the same seed produces the same ids. A run that is not a replay (the
// real clock, no seed given) seeds from the OS (OsRandomSeed), so that its
// ids never repeat another run's.
//
// Thread safety: none; one generator per engine thread.
#ifndef FANLAB_EMULATOR_CORE_IDS_H_
#define FANLAB_EMULATOR_CORE_IDS_H_

#include <array>
#include <cstdint>
#include <string>

namespace fanlab {

using Uuid = std::array<uint8_t, 16>;

// 64 bits from the kernel's random source (getrandom); different in every
// call and every run. Should the kernel refuse, a mix of the time, the
// process id and a counter: never a constant.
uint64_t OsRandomSeed();

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
