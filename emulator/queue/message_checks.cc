#include "emulator/queue/message_checks.h"

#include <cctype>
#include <cstring>
#include <string>

#include "emulator/core/digest.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::queue {
namespace {

constexpr size_t kMaxMessageAttributes = 10;
constexpr size_t kMaxAttributeNameLength = 256;
constexpr size_t kMaxDataTypeLength = 256;

void AppendLengthPrefixed(std::string& out, std::string_view bytes) {
  uint32_t n = static_cast<uint32_t>(bytes.size());
  out += static_cast<char>(n >> 24);
  out += static_cast<char>(n >> 16);
  out += static_cast<char>(n >> 8);
  out += static_cast<char>(n);
  out += bytes;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances
// i, or -1 for malformed input (overlong forms and surrogates included).
int32_t DecodeUtf8(std::string_view s, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (i + len > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    uint8_t b = byte(i + k);
    if ((b & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
  i += len;
  return cp;
}

bool IsAllowedCodePoint(int32_t cp) {
  return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
         (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

// Only checks well-formed UTF-8 with SQS's allowed characters.
bool IsValidSqsText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Fast path: eight printable ASCII bytes at a time (no byte < 0x20 and
    // none >= 0x80), the common case for JSON bodies.
    while (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ULL;
      constexpr uint64_t kHigh = 0x8080808080808080ULL;
      uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
      if (((w & kHigh) | below_space) != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    if (static_cast<uint8_t>(s[i]) >= 0x20 &&
        static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    int32_t cp = DecodeUtf8(s, i);
    if (cp < 0 || !IsAllowedCodePoint(cp)) return false;
  }
  return true;
}

// SQS's Number: optional sign, digits with an optional decimal point,
// optional exponent; at most 38 significant digits.
bool IsValidNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0, significant = 0;
  bool leading = true, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && !dot) {
      dot = true;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
      if (c != '0') leading = false;
      if (!leading) ++significant;
    } else {
      break;
    }
  }
  if (digits == 0 || significant > 38) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
         ++i) {
      ++exp_digits;
    }
    if (exp_digits == 0 || exp_digits > 3) return false;
  }
  return i == s.size();
}

Status Invalid(std::string message) {
  return Status(sqs::kInvalidParameterValue, std::move(message));
}

bool IsAttributeNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         c == '.';
}

Status ValidateAttributeName(const std::string& name, bool system) {
  if (system) {
    if (name != "AWSTraceHeader") {
      return Invalid("Message system attribute name '" + name +
                     "' is invalid. Supported: AWSTraceHeader.");
    }
    return Status::Ok();
  }
  auto bad = [&](std::string_view why) {
    return Invalid("Message attribute name '" + name + "' is invalid. " +
                   std::string(why));
  };
  if (name.empty()) return bad("It must not be empty.");
  if (name.size() > kMaxAttributeNameLength) {
    return bad("It must be at most 256 characters long.");
  }
  for (char c : name) {
    if (!IsAttributeNameChar(c)) {
      return bad("It may contain only alphanumerics, '_', '-' and '.'.");
    }
  }
  if (StartsWithNoCase(name, "AWS.") || StartsWithNoCase(name, "Amazon.")) {
    return bad("The prefixes 'AWS.' and 'Amazon.' are reserved.");
  }
  if (name.front() == '.' || name.back() == '.') {
    return bad("It must not start or end with a period.");
  }
  if (name.find("..") != std::string::npos) {
    return bad("It must not contain successive periods.");
  }
  return Status::Ok();
}

}  // namespace

std::string Md5OfMessageAttributes(const MessageAttributeMap& attrs) {
  std::string buf;
  for (const auto& [name, value] : attrs) {
    AppendLengthPrefixed(buf, name);
    AppendLengthPrefixed(buf, value.data_type);
    if (value.binary_value && !value.string_value) {
      buf += '\x02';
      AppendLengthPrefixed(buf, *value.binary_value);
    } else {
      buf += '\x01';
      AppendLengthPrefixed(buf, value.string_value.value_or(""));
    }
  }
  return Md5Hex(buf);
}

Status ValidateMessageBody(std::string_view body) {
  if (body.empty()) {
    return Status(sqs::kMissingParameter,
                  "The request must contain the parameter MessageBody.");
  }
  if (!IsValidSqsText(body)) {
    return Status(sqs::kInvalidMessageContents,
                  "Invalid characters found. Valid unicode characters are "
                  "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | "
                  "#x10000 to #x10FFFF");
  }
  return Status::Ok();
}

Status ValidateMessageAttributes(const MessageAttributeMap& attrs,
                                 bool system) {
  if (attrs.size() > kMaxMessageAttributes) {
    return Invalid("Number of message attributes [" +
                   std::to_string(attrs.size()) +
                   "] exceeds the allowed maximum [10].");
  }
  for (const auto& [name, value] : attrs) {
    if (Status s = ValidateAttributeName(name, system); !s.ok()) return s;
    const std::string& type = value.data_type;
    if (type.empty()) {
      return Invalid("The message attribute '" + name +
                     "' must contain non-empty message attribute type.");
    }
    if (type.size() > kMaxDataTypeLength || !IsValidSqsText(type)) {
      return Invalid("The message attribute '" + name +
                     "' has an invalid message attribute type.");
    }
    std::string_view base = std::string_view(type).substr(0, type.find('.'));
    bool has_label = type.find('.') != std::string::npos;
    if (has_label && type.size() == base.size() + 1) {
      return Invalid("The message attribute '" + name +
                     "' has an empty custom type label.");
    }
    if (system && (base != "String" || has_label)) {
      return Invalid("The message system attribute '" + name +
                     "' must be of type String.");
    }
    if (base == "String" || base == "Number") {
      if (!value.string_value || value.binary_value) {
        return Invalid("The message attribute '" + name + "' with type '" +
                       std::string(base) + "' must use field 'String'.");
      }
      if (value.string_value->empty()) {
        return Invalid("The message attribute '" + name +
                       "' must contain non-empty message attribute value.");
      }
      if (!IsValidSqsText(*value.string_value)) {
        return Status(sqs::kInvalidMessageContents,
                      "The message attribute '" + name +
                          "' contains invalid characters.");
      }
      if (base == "Number" && !IsValidNumber(*value.string_value)) {
        return Invalid("Could not cast message attribute '" + name +
                       "' value to number.");
      }
    } else if (base == "Binary") {
      if (!value.binary_value || value.string_value) {
        return Invalid("The message attribute '" + name +
                       "' with type 'Binary' must use field 'Binary'.");
      }
      if (value.binary_value->empty()) {
        return Invalid("The message attribute '" + name +
                       "' must contain non-empty message attribute value.");
      }
    } else {
      return Invalid("The type of message attribute '" + name +
                     "' is invalid. You must use only the following "
                     "supported type prefixes: Binary, Number, String.");
    }
  }
  return Status::Ok();
}

size_t MessageSize(std::string_view body, const MessageAttributeMap& attrs) {
  size_t n = body.size();
  for (const auto& [name, value] : attrs) {
    n += name.size() + value.data_type.size();
    if (value.string_value) n += value.string_value->size();
    if (value.binary_value) n += value.binary_value->size();
  }
  return n;
}

bool IsValidFifoToken(std::string_view token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && !std::ispunct(u)) return false;
  }
  return true;
}

bool IsValidQueueName(std::string_view name, bool fifo) {
  if (name.empty() || name.size() > 80) return false;
  std::string_view stem = name;
  if (fifo) {
    if (!name.ends_with(".fifo")) return false;
    stem.remove_suffix(5);
    if (stem.empty()) return false;
  }
  for (char c : stem) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

bool IsValidBatchEntryId(std::string_view id) {
  return IsValidQueueName(id, /*fifo=*/false);
}

}  // namespace fanlab::queue
