#include "emulator/core/base64.h"

#include <array>
#include <cstdint>

namespace fanlab {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeReverse() {
  std::array<int8_t, 256> r{};
  for (auto& v : r) v = -1;
  for (int i = 0; i < 64; ++i) r[static_cast<uint8_t>(kAlphabet[i])] = i;
  return r;
}
constexpr auto kReverse = MakeReverse();

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4, '=');
  char* o = out.data();
  const auto* in = reinterpret_cast<const uint8_t*>(bytes.data());
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n =
        (uint32_t(in[i]) << 16) | (uint32_t(in[i + 1]) << 8) | in[i + 2];
    *o++ = kAlphabet[n >> 18];
    *o++ = kAlphabet[(n >> 12) & 63];
    *o++ = kAlphabet[(n >> 6) & 63];
    *o++ = kAlphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = uint32_t(in[i]) << 16;
    if (rest == 2) n |= uint32_t(in[i + 1]) << 8;
    *o++ = kAlphabet[n >> 18];
    *o++ = kAlphabet[(n >> 12) & 63];
    if (rest == 2) *o++ = kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  std::string out(text.size() / 4 * 3 - pad, '\0');
  char* o = out.data();
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    size_t chars = last ? 4 - pad : 4;
    uint32_t n = 0;
    for (size_t j = 0; j < 4; ++j) {
      int v = 0;
      if (j < chars) {
        v = kReverse[static_cast<uint8_t>(text[i + j])];
        if (v < 0) return std::nullopt;  // bad character, or '=' too early
      }
      n = (n << 6) | uint32_t(v);
    }
    *o++ = char(n >> 16);
    if (chars > 2) *o++ = char((n >> 8) & 0xff);
    if (chars > 3) *o++ = char(n & 0xff);
    // Canonical form only: the bits under the padding must be zero.
    if ((chars == 3 && (n & 0xff) != 0) || (chars == 2 && (n & 0xffff) != 0)) {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace fanlab
