// Standard base64 (RFC 4648 §4, with padding), the encoding AWS uses for
// binary values in its JSON protocols.
#ifndef FANLAB_EMULATOR_CORE_BASE64_H_
#define FANLAB_EMULATOR_CORE_BASE64_H_

#include <optional>
#include <string>
#include <string_view>

namespace fanlab {

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not canonical padded base64 (bad character, bad
// length, bad padding).
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_BASE64_H_
