#include "emulator/core/ids.h"

#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>

namespace fanlab {
namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t OsRandomSeed() {
  uint64_t seed = 0;
  size_t got = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&seed);
  while (got < sizeof seed) {
    ssize_t n = ::getrandom(bytes + got, sizeof seed - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      break;
    }
  }
  if (got == sizeof seed) return seed;
  static std::atomic<uint64_t> counter{0};
  uint64_t x =
      static_cast<uint64_t>(
          std::chrono::system_clock::now().time_since_epoch().count()) ^
      (static_cast<uint64_t>(::getpid()) << 32) ^ counter.fetch_add(1);
  return SplitMix64(x);
}

std::string FormatUuid(const Uuid& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t pos = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++pos;  // keep the '-'
    out[pos++] = kHex[id[i] >> 4];
    out[pos++] = kHex[id[i] & 0xf];
  }
  return out;
}

IdGenerator::IdGenerator(uint64_t seed) {
  for (auto& s : s_) s = SplitMix64(seed);
}

uint64_t IdGenerator::NextU64() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

Uuid IdGenerator::NextUuid() {
  Uuid id;
  uint64_t a = NextU64(), b = NextU64();
  for (int i = 0; i < 8; ++i) {
    id[i] = static_cast<uint8_t>(a >> (56 - 8 * i));
    id[8 + i] = static_cast<uint8_t>(b >> (56 - 8 * i));
  }
  id[6] = (id[6] & 0x0f) | 0x40;  // version 4
  id[8] = (id[8] & 0x3f) | 0x80;  // RFC 4122 variant
  return id;
}

}  // namespace fanlab
