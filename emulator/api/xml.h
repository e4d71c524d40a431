// A small XML writer and a bounded, strict XML reader: what the query and
// REST-XML protocols need, nothing more.
//
// Reader grammar (a subset of XML 1.0; anything else is an error naming
// the byte offset):
//   document := prolog? element misc*
//   prolog   := "<?xml" ... "?>" misc*
//   misc     := whitespace | comment | "<?" ... "?>"
//   element  := "<" name attribute* "/>"
//             | "<" name attribute* ">" content "</" name ">"
//   content  := (text | element | comment | "<![CDATA[" ... "]]>")*
//   text     := characters but '<'; the references &lt; &gt; &amp; &quot;
//               &apos; &#N; &#xN; (N a code point, written as UTF-8)
// A name's namespace prefix ("s3:Key") is dropped: elements are matched by
// local name. Attributes are read and ignored. DOCTYPE and any other
// markup declaration is refused (no entity expansion, ever).
//
// Limits: kMaxXmlDepth nested elements, kMaxXmlNodes elements in all,
// kMaxXmlBytes of input.
//
// Thread safety: free functions and a writer on values.
#ifndef FANLAB_EMULATOR_API_XML_H_
#define FANLAB_EMULATOR_API_XML_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/core/status.h"

namespace fanlab::api {

inline constexpr size_t kMaxXmlDepth = 32;
inline constexpr size_t kMaxXmlNodes = 100000;
inline constexpr size_t kMaxXmlBytes = 4 * 1024 * 1024;

struct XmlNode {
  std::string name;  // the local name
  std::string text;  // the text content, references resolved
  std::vector<XmlNode> children;

  // The first child named `child`; nullptr when none.
  const XmlNode* Child(std::string_view child) const;
};

// Parses one XML document. Errors are SerializationException: "The XML
// body is not well-formed at byte 17: expected '>'." (or the limit hit).
Result<XmlNode> ParseXml(std::string_view text);

// Writes XML text: elements opened and closed in order, text escaped.
class XmlWriter {
 public:
  // Starts the document with the XML declaration.
  XmlWriter();

  // <name xmlns="ns"> (no xmlns when `ns` is empty).
  XmlWriter& Open(std::string_view name, std::string_view ns = {});
  XmlWriter& Close(std::string_view name);
  XmlWriter& Text(std::string_view text);
  // <name>text</name>
  XmlWriter& Element(std::string_view name, std::string_view text);

  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// `text` with & < > " ' escaped.
std::string XmlEscape(std::string_view text);

}  // namespace fanlab::api

#endif  // FANLAB_EMULATOR_API_XML_H_
