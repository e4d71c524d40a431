// The XML reader (the REST-XML and query protocols' bodies), and what is
// built on it: the document read into JSON against an S3 operation's input
// shape (the first byte picks the operation). A document that reads is
// written back with XmlWriter and must read again, to the same tree.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>

#include "emulator/api/model_xml.h"
#include "emulator/api/service_model.h"
#include "emulator/api/xml.h"
#include "fuzz/fuzz_input.h"

namespace {

using fanlab::api::XmlNode;
using fanlab::api::XmlWriter;

void Write(XmlWriter& w, const XmlNode& node) {
  w.Open(node.name);
  if (node.children.empty()) w.Text(node.text);
  for (const XmlNode& child : node.children) Write(w, child);
  w.Close(node.name);
}

// Names and, for leaves, texts; a mixed element's text is not written.
bool SameTree(const XmlNode& a, const XmlNode& b) {
  if (a.name != b.name || a.children.size() != b.children.size()) {
    return false;
  }
  if (a.children.empty()) return a.text == b.text;
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!SameTree(a.children[i], b.children[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fanlab;
  fuzz::FuzzInput in(data, size);
  uint8_t pick = in.Byte();
  std::string_view text = in.Rest();
  auto node = api::ParseXml(text);
  if (!node.ok()) return 0;

  const auto& operations = api::ServiceModel::Get("s3").operations();
  auto op = operations.begin();
  std::advance(op, pick % operations.size());
  if (op->second.input != nullptr) {
    (void)api::XmlToJson(*node, *op->second.input);
  }

  XmlWriter w;
  Write(w, *node);
  std::string again = w.Take();
  auto reread = api::ParseXml(again);
  if (!reread.ok() || !SameTree(*node, *reread)) {
    std::fprintf(stderr, "XmlWriter's output did not read back: %s\n",
                 again.c_str());
    std::abort();
  }
  return 0;
}
