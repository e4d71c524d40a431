// ASCII text helpers shared by the services (header names, cron month and
// day names, filter policies' equals-ignore-case).
//
// Thread safety: pure functions.
#ifndef FANLAB_EMULATOR_CORE_ASCII_H_
#define FANLAB_EMULATOR_CORE_ASCII_H_

#include <cstddef>
#include <string_view>

namespace fanlab {

// True when `a` and `b` are equal but for the case of ASCII letters (other
// bytes, UTF-8 included, must be equal as they are).
inline bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_ASCII_H_
