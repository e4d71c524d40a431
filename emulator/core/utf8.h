// UTF-8 well-formedness, the one check every service uses.
//
// Thread safety: a pure function.
#ifndef FANLAB_EMULATOR_CORE_UTF8_H_
#define FANLAB_EMULATOR_CORE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fanlab {

// True when `bytes` is well-formed UTF-8: shortest forms, no surrogates,
// nothing past U+10FFFF. (S3 keys must be; HTTP bodies that are travel as
// JSON text, others base64-encoded.)
inline bool IsValidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > bytes.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(bytes[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_UTF8_H_
