// Small checks shared by tests across folders.
#ifndef FANLAB_TESTS_TEST_UTIL_H_
#define FANLAB_TESTS_TEST_UTIL_H_

#include <string_view>

namespace fanlab::testing {

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lower-case hex, y in [89ab].
// Hand-written: GCC 12's <regex> trips -Wmaybe-uninitialized under
// -O1 -Werror (the asan preset).
inline bool IsUuidV4(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4' &&
         std::string_view("89ab").find(s[19]) != std::string_view::npos;
}

}  // namespace fanlab::testing

#endif  // FANLAB_TESTS_TEST_UTIL_H_
