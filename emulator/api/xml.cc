#include "emulator/api/xml.h"

#include <cstdint>

#include "emulator/api/json_fields.h"

namespace fanlab::api {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsNameChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
         c == ':' || u >= 0x80;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : in_(text) {}

  Result<XmlNode> Document() {
    if (in_.size() > kMaxXmlBytes) {
      return SerializationError("The XML body is larger than " +
                                std::to_string(kMaxXmlBytes) + " bytes.");
    }
    if (in_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // a UTF-8 BOM
    if (!Misc()) return error_;
    if (!Peek('<')) return Fail("expected an element");
    XmlNode root;
    if (!Element(root, 1)) return error_;
    if (!Misc()) return error_;
    if (pos_ != in_.size()) return Fail("text after the root element");
    return root;
  }

 private:
  bool Peek(char c) const { return pos_ < in_.size() && in_[pos_] == c; }
  bool StartsWith(std::string_view s) const {
    return in_.substr(pos_).starts_with(s);
  }
  Status Fail(std::string_view what) {
    if (error_.ok()) {
      error_ = SerializationError("The XML body is not well-formed at byte " +
                                  std::to_string(pos_) + ": " +
                                  std::string(what) + ".");
    }
    return error_;
  }
  bool Failed(std::string_view what) {
    (void)Fail(what);
    return false;
  }
  void Spaces() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
  }
  // Skips up to and past `end`; false when it never comes.
  bool SkipPast(std::string_view end) {
    size_t at = in_.find(end, pos_);
    if (at == std::string_view::npos) {
      pos_ = in_.size();
      return Failed("expected '" + std::string(end) + "'");
    }
    pos_ = at + end.size();
    return true;
  }
  // Whitespace, comments and processing instructions between elements.
  bool Misc() {
    for (;;) {
      Spaces();
      if (StartsWith("<!--")) {
        if (!SkipPast("-->")) return false;
      } else if (StartsWith("<?")) {
        if (!SkipPast("?>")) return false;
      } else if (StartsWith("<!")) {
        return Failed("markup declarations (DOCTYPE) are not accepted");
      } else {
        return true;
      }
    }
  }
  bool Name(std::string& out) {
    size_t start = pos_;
    while (pos_ < in_.size() && IsNameChar(in_[pos_])) ++pos_;
    if (pos_ == start) return Failed("expected a name");
    std::string_view name = in_.substr(start, pos_ - start);
    if (size_t colon = name.rfind(':'); colon != std::string_view::npos) {
      name.remove_prefix(colon + 1);
    }
    // "s3:" alone: a prefix and no local name (found by fuzz/xml_fuzzer).
    if (name.empty()) return Failed("expected a name after the prefix");
    out = name;
    return true;
  }
  // Text up to '<' (or, with `quote`, up to it), references resolved.
  bool Chars(std::string& out, char quote = '<') {
    while (pos_ < in_.size() && in_[pos_] != quote) {
      char c = in_[pos_];
      if (c == '<') return Failed("'<' in an attribute value");
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      size_t semi = in_.find(';', pos_);
      if (semi == std::string_view::npos || semi - pos_ > 12) {
        return Failed("an unterminated reference");
      }
      std::string_view ref = in_.substr(pos_ + 1, semi - pos_ - 1);
      if (ref == "lt") {
        out += '<';
      } else if (ref == "gt") {
        out += '>';
      } else if (ref == "amp") {
        out += '&';
      } else if (ref == "quot") {
        out += '"';
      } else if (ref == "apos") {
        out += '\'';
      } else if (ref.starts_with('#')) {
        bool hex = ref.size() > 1 && ref[1] == 'x';
        std::string_view digits = ref.substr(hex ? 2 : 1);
        uint32_t cp = 0;
        if (digits.empty()) return Failed("an empty character reference");
        for (char d : digits) {
          int v = d >= '0' && d <= '9'          ? d - '0'
                  : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                  : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                                : -1;
          if (v < 0) return Failed("a bad character reference");
          cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
          if (cp > 0x10FFFF) return Failed("a bad character reference");
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return Failed("a bad character reference");
        }
        AppendUtf8(out, cp);
      } else {
        return Failed("an unknown entity '&" + std::string(ref) + ";'");
      }
      pos_ = semi + 1;
    }
    return true;
  }
  bool Attributes() {
    for (;;) {
      Spaces();
      if (Peek('>') || Peek('/') || pos_ >= in_.size()) return true;
      std::string name, value;
      if (!Name(name)) return false;
      Spaces();
      if (!Peek('=')) return Failed("expected '=' after an attribute name");
      ++pos_;
      Spaces();
      if (!Peek('"') && !Peek('\'')) return Failed("expected a quoted value");
      char quote = in_[pos_++];
      if (!Chars(value, quote)) return false;
      if (!Peek(quote)) return Failed("an unterminated attribute value");
      ++pos_;
    }
  }
  bool Element(XmlNode& node, size_t depth) {
    if (depth > kMaxXmlDepth) {
      return Failed("elements nest deeper than " +
                    std::to_string(kMaxXmlDepth));
    }
    if (++nodes_ > kMaxXmlNodes) {
      return Failed("more than " + std::to_string(kMaxXmlNodes) + " elements");
    }
    ++pos_;  // '<'
    if (!Name(node.name) || !Attributes()) return false;
    if (StartsWith("/>")) {
      pos_ += 2;
      return true;
    }
    if (!Peek('>')) return Failed("expected '>'");
    ++pos_;
    for (;;) {
      if (pos_ >= in_.size()) {
        return Failed("expected '</" + node.name + ">'");
      }
      if (StartsWith("</")) {
        pos_ += 2;
        std::string end;
        if (!Name(end)) return false;
        if (end != node.name) {
          return Failed("'</" + end + ">' closes '<" + node.name + ">'");
        }
        Spaces();
        if (!Peek('>')) return Failed("expected '>'");
        ++pos_;
        return true;
      }
      if (StartsWith("<!--")) {
        if (!SkipPast("-->")) return false;
      } else if (StartsWith("<![CDATA[")) {
        pos_ += 9;
        size_t end = in_.find("]]>", pos_);
        if (end == std::string_view::npos) {
          return Failed("an unterminated CDATA section");
        }
        node.text.append(in_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (StartsWith("<?")) {
        if (!SkipPast("?>")) return false;
      } else if (StartsWith("<!")) {
        return Failed("markup declarations are not accepted");
      } else if (Peek('<')) {
        if (!Element(node.children.emplace_back(), depth + 1)) return false;
      } else if (!Chars(node.text)) {
        return false;
      }
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t nodes_ = 0;
  Status error_;
};

}  // namespace

const XmlNode* XmlNode::Child(std::string_view child) const {
  for (const XmlNode& c : children) {
    if (c.name == child) return &c;
  }
  return nullptr;
}

Result<XmlNode> ParseXml(std::string_view text) {
  return Parser(text).Document();
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";  // kept: a parser would turn a bare CR into LF
        break;
      default:
        out += c;
    }
  }
  return out;
}

XmlWriter::XmlWriter() : out_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>") {}

XmlWriter& XmlWriter::Open(std::string_view name, std::string_view ns) {
  out_ += '<';
  out_ += name;
  if (!ns.empty()) {
    out_ += " xmlns=\"";
    out_ += XmlEscape(ns);
    out_ += '"';
  }
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::Close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::Text(std::string_view text) {
  out_ += XmlEscape(text);
  return *this;
}

XmlWriter& XmlWriter::Element(std::string_view name, std::string_view text) {
  return Open(name).Text(text).Close(name);
}

}  // namespace fanlab::api
