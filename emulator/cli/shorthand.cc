#include "emulator/cli/shorthand.h"

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <string>

#include "emulator/api/service_model.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::cli {
namespace {

namespace json = boost::json;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<json::value> Document() {
    auto object = Structure('\0');
    if (!object.ok()) return object;
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected '" + Here() + "'");
    return object;
  }

 private:
  // Key=Value pairs up to `close` ('\0': the end of the text).
  Result<json::value> Structure(char close) {
    json::object object;
    while (true) {
      SkipSpace();
      size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '=' && text_[pos_] != ',' &&
             text_[pos_] != close && text_[pos_] != '{' && text_[pos_] != '[') {
        ++pos_;
      }
      std::string key(Trim(text_.substr(start, pos_ - start)));
      if (key.empty()) return Error("expected Key=Value");
      if (pos_ >= text_.size() || text_[pos_] != '=') {
        return Error("expected '=' after '" + key + "'");
      }
      ++pos_;
      auto value = Value(close);
      if (!value.ok()) return value;
      object[key] = std::move(*value);
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (close == '\0' ? pos_ == text_.size()
                        : pos_ < text_.size() && text_[pos_] == close) {
        return json::value(std::move(object));
      }
      return Error(close == '\0'
                       ? "expected ',' or the end"
                       : std::string("expected ',' or '") + close + "'");
    }
  }

  Result<json::value> List() {
    json::array list;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') return json::value(list);
    while (true) {
      auto value = Value(']');
      if (!value.ok()) return value;
      list.push_back(std::move(*value));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') return json::value(list);
      return Error("expected ',' or ']'");
    }
  }

  // One value inside a container closed by `close`.
  Result<json::value> Value(char close) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '{') {
      ++pos_;
      auto object = Structure('}');
      if (!object.ok()) return object;
      ++pos_;  // '}'
      return object;
    }
    if (pos_ < text_.size() && text_[pos_] == '[') {
      ++pos_;
      auto list = List();
      if (!list.ok()) return list;
      ++pos_;  // ']'
      return list;
    }
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      char quote = text_[pos_++];
      std::string out;
      while (pos_ < text_.size() && text_[pos_] != quote) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        out += text_[pos_++];
      }
      if (pos_ >= text_.size()) {
        return Error(std::string("unterminated ") + quote + "-quoted string");
      }
      ++pos_;
      return json::value(out);
    }
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != close &&
           text_[pos_] != '}' && text_[pos_] != ']') {
      ++pos_;
    }
    return json::value(std::string(Trim(text_.substr(start, pos_ - start))));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
      s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
      s.remove_suffix(1);
    }
    return s;
  }
  std::string Here() const {
    return pos_ < text_.size() ? std::string(1, text_[pos_]) : "end";
  }
  Status Error(const std::string& what) const {
    return Status(sqs::kInvalidParameterValue,
                  "shorthand: " + what + " at offset " + std::to_string(pos_) +
                      " of '" + std::string(text_) + "'");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

json::value Coerce(json::value value, const api::Shape* shape) {
  if (shape == nullptr) return value;
  const std::string& type = shape->type;
  if (value.is_object() && type == "structure") {
    json::object& object = value.get_object();
    for (auto& [key, member_value] : object) {
      if (const api::Member* m = shape->FindMember(key)) {
        member_value = Coerce(std::move(member_value), m->ref.shape);
      }
    }
    return value;
  }
  if (value.is_object() && type == "map") {
    for (auto& [key, v] : value.get_object()) {
      v = Coerce(std::move(v), shape->value.shape);
    }
    return value;
  }
  if (value.is_array() && type == "list") {
    for (auto& v : value.get_array())
      v = Coerce(std::move(v), shape->member.shape);
    return value;
  }
  if (!value.is_string()) return value;
  std::string_view text = value.get_string();
  if (type == "integer" || type == "long") {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size() &&
        !text.empty()) {
      return json::value(n);
    }
  } else if (type == "float" || type == "double") {
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc() && end == text.data() + text.size() &&
        !text.empty()) {
      return json::value(d);
    }
  } else if (type == "boolean") {
    if (text == "true" || text == "false") return json::value(text == "true");
  }
  return value;
}

}  // namespace

Result<json::value> ParseShorthand(std::string_view text) {
  return Parser(text).Document();
}

bool LooksLikeShorthand(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  char c = text[first];
  return c != '{' && c != '[' && c != '"' &&
         text.find('=') != std::string_view::npos;
}

json::value CoerceToShape(json::value value, const api::Shape* shape) {
  return Coerce(std::move(value), shape);
}

}  // namespace fanlab::cli
