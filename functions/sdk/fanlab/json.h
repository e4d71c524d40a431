// The SDK's dependency-free JSON helpers: writing a string literal
// (JsonString), base64 (Base64Encode), and a small recursive-descent reader
// (detail::JsonCursor) that the frame and Runtime API loops use to read
// their few fields. Functions that build or read whole documents use a JSON
// library (fanlab/json_client.h brings Boost.JSON).
//
// Thread safety: every function here is reentrant; a JsonCursor belongs to
// one thread at a time.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_JSON_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_JSON_H_

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fanlab::sdk {

// `s` as a JSON string literal, quotes included: `"`, `\` and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, so that the output
// is always valid JSON.
inline std::string JsonString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: copied when it is well-formed UTF-8 (shortest
    // form, no surrogates, at most U+10FFFF), else one byte is replaced.
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07, min = 0x10000;
    }
    bool valid = len != 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      valid = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    valid =
        valid && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out.push_back('"');
  return out;
}

// `bytes` in standard base64 with padding: what PutObject's Body and
// binary attribute values carry.
inline std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) |
                       (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                       uint8_t(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out += kAlphabet[(n >> shift) & 63];
    }
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) |
                       (two ? uint32_t(uint8_t(bytes[i + 1])) << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += two ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

namespace detail {

// A recursive-descent reader of one JSON text, just enough for the header
// line: strings and integers are decoded, any other value is checked and
// skipped. Errors name the byte offset.
class JsonCursor {
 public:
  explicit JsonCursor(std::string_view text) : s_(text) {}

  size_t pos() const { return i_; }
  const std::string& error() const { return error_; }

  void SkipWhitespace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' ||
                              s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[i_]; }
  bool Consume(char c) {
    SkipWhitespace();
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  bool Fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at byte " + std::to_string(i_);
    return false;
  }

  // A string value, unescaped into UTF-8 (a lone surrogate becomes U+FFFD).
  bool String(std::string* out) {
    SkipWhitespace();
    if (Peek() != '"') return Fail("expected a string");
    ++i_;
    out->clear();
    while (true) {
      if (AtEnd()) return Fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return Fail("control character in a string");
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) return Fail("unterminated escape");
      const char e = s_[i_ + 1];
      i_ += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_, 2) == "\\u") {
            const size_t save = i_;
            i_ += 2;
            uint32_t low = 0;
            if (!Hex4(&low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              i_ = save;  // not a pair: the next escape stands alone
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // lone surrogate
          AppendUtf8(cp, out);
          break;
        }
        default:
          i_ -= 2;
          return Fail("invalid escape");
      }
    }
  }

  // An integer value: -?(0|[1-9][0-9]*), no fraction or exponent, in range.
  bool Integer(int64_t* out) {
    SkipWhitespace();
    const size_t start = i_;
    if (Peek() == '-') ++i_;
    if (Peek() == '0') {
      ++i_;
    } else if (Peek() >= '1' && Peek() <= '9') {
      while (Peek() >= '0' && Peek() <= '9') ++i_;
    } else {
      i_ = start;
      return Fail("expected an integer");
    }
    if (Peek() == '.' || Peek() == 'e' || Peek() == 'E') {
      i_ = start;
      return Fail("expected an integer");
    }
    const auto [end, ec] =
        std::from_chars(s_.data() + start, s_.data() + i_, *out);
    if (ec != std::errc() || end != s_.data() + i_) {
      i_ = start;
      return Fail("integer out of range");
    }
    return true;
  }

  // Checks and skips any JSON value.
  bool SkipValue(int depth = 0) {
    if (depth > 64) return Fail("nested too deeply");
    SkipWhitespace();
    const char c = Peek();
    if (c == '"') {
      std::string ignored;
      return String(&ignored);
    }
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      if (Consume(close)) return true;
      do {
        if (c == '{') {
          std::string key;
          if (!String(&key)) return false;
          if (!Consume(':')) return Fail("expected ':'");
        }
        if (!SkipValue(depth + 1)) return false;
      } while (Consume(','));
      return Consume(close) ||
             Fail(std::string("expected ',' or '") + close + "'");
    }
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(i_, word.size()) == word) {
        i_ += word.size();
        return true;
      }
    }
    return Number();
  }

 private:
  bool Hex4(uint32_t* out) {
    if (i_ + 4 > s_.size()) return Fail("short \\u escape");
    *out = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_];
      uint32_t v;
      if (h >= '0' && h <= '9') {
        v = static_cast<uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        v = static_cast<uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        v = static_cast<uint32_t>(h - 'A' + 10);
      } else {
        return Fail("bad hex digit in \\u escape");
      }
      *out = *out * 16 + v;
      ++i_;
    }
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number() {
    const auto digits = [this] {
      const size_t start = i_;
      while (Peek() >= '0' && Peek() <= '9') ++i_;
      return i_ > start;
    };
    if (Peek() == '-') ++i_;
    if (Peek() == '0') {
      ++i_;
    } else if (!(Peek() >= '1' && Peek() <= '9') || !digits()) {
      return Fail("expected a value");
    }
    if (Peek() == '.') {
      ++i_;
      if (!digits()) return Fail("expected a digit");
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (Peek() == '+' || Peek() == '-') ++i_;
      if (!digits()) return Fail("expected a digit");
    }
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

// Reads the members of the JSON object `text`, calling `on_member(key,
// cursor)` for each with the cursor at the value; `on_member` must consume
// the value (String, Integer or SkipValue) and return false on failure.
// Returns false when the text is not one object or `on_member` fails; the
// cursor's error() then says why and where (`*error` gets it).
template <typename OnMember>
bool ReadObject(std::string_view text, OnMember on_member, std::string* error) {
  JsonCursor j(text);
  const auto fail = [&](const std::string& why) {
    *error = why.empty() ? j.error() : why;
    return false;
  };
  if (!j.Consume('{')) return fail("expected a JSON object");
  if (!j.Consume('}')) {
    do {
      std::string key;
      if (!j.String(&key)) return fail("");
      if (!j.Consume(':')) {
        j.Fail("expected ':'");
        return fail("");
      }
      if (!on_member(key, j)) {
        return fail(j.error().empty() ? "bad value (field " + key + ")"
                                      : j.error() + " (field " + key + ")");
      }
    } while (j.Consume(','));
    if (!j.Consume('}')) {
      j.Fail("expected ',' or '}'");
      return fail("");
    }
  }
  j.SkipWhitespace();
  if (!j.AtEnd()) {
    j.Fail("trailing characters after the object");
    return fail("");
  }
  return true;
}

}  // namespace detail
}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_JSON_H_
