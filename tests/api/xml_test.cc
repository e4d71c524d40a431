#include "emulator/api/xml.h"

#include <gtest/gtest.h>

#include <string>

#include "emulator/core/common_errors.h"

namespace fanlab::api {
namespace {

TEST(XmlTest, ReadsElementsTextReferencesAndCdata) {
  auto root = ParseXml(
      "<?xml version=\"1.0\"?>\n<!-- c --><s3:A xmlns:s3=\"x\" k='v'>"
      "<B>x &amp; &lt;y&gt; &#65;&#x42;&#xe9;</B><C/><D><![CDATA[<raw>]]></D>"
      "</s3:A>\n");
  ASSERT_TRUE(root.ok()) << root.status().message();
  EXPECT_EQ(root->name, "A");
  ASSERT_EQ(root->children.size(), 3u);
  EXPECT_EQ(root->Child("B")->text, "x & <y> AB\xC3\xA9");
  EXPECT_EQ(root->Child("C")->text, "");
  EXPECT_EQ(root->Child("D")->text, "<raw>");
  EXPECT_EQ(root->Child("E"), nullptr);
}

TEST(XmlTest, MalformedDocumentsNameTheByte) {
  for (const char* bad :
       {"", "<A>", "<A></B>", "<A><B></A></B>", "text", "<A>&bogus;</A>",
        "<A>&#0;</A>", "<A>&#xD800;</A>", "<A b=c></A>", "<A></A><B/>",
        "<A><!-- open</A>", "<A><![CDATA[x</A>", "<A>&amp</A>", "<>"}) {
    auto r = ParseXml(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), common::kSerializationException) << bad;
    EXPECT_NE(r.status().message().find("not well-formed at byte"),
              std::string::npos)
        << r.status().message();
  }
}

// Found by fuzz/xml_fuzzer: "<s4:/>" read as an element with an empty name,
// which the writer then wrote as "<></>".
TEST(XmlTest, PrefixWithoutLocalNameIsRefused) {
  for (const char* bad : {"<s4:/>", "<s3:>x</s3:>", "<A b:=\"1\"/>"}) {
    auto r = ParseXml(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("expected a name after the prefix"),
              std::string::npos)
        << r.status().message();
  }
  EXPECT_EQ(ParseXml("<s3:Key>k</s3:Key>")->name, "Key");
}

TEST(XmlTest, DoctypeIsRefusedSoNoEntityIsEverExpanded) {
  auto r = ParseXml(
      "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("DOCTYPE"), std::string::npos);
}

TEST(XmlTest, DepthLimitHolds) {
  std::string ok, deep;
  for (size_t i = 0; i < kMaxXmlDepth; ++i) ok += "<a>";
  for (size_t i = 0; i < kMaxXmlDepth; ++i) ok += "</a>";
  EXPECT_TRUE(ParseXml(ok).ok());
  for (size_t i = 0; i < kMaxXmlDepth + 1; ++i) deep += "<a>";
  for (size_t i = 0; i < kMaxXmlDepth + 1; ++i) deep += "</a>";
  auto r = ParseXml(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("deeper"), std::string::npos);
}

TEST(XmlTest, SizeAndNodeLimitsHold) {
  std::string big = "<a>" + std::string(kMaxXmlBytes, 'x') + "</a>";
  EXPECT_FALSE(ParseXml(big).ok());
  std::string many = "<a>";
  for (size_t i = 0; i < kMaxXmlNodes; ++i) many += "<b/>";
  many += "</a>";
  auto r = ParseXml(many);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("elements"), std::string::npos);
}

TEST(XmlTest, WriterEscapesAndRoundTrips) {
  XmlWriter w;
  w.Open("R", "urn:x").Element("T", "a<b>&\"c'\r").Close("R");
  std::string text = w.Take();
  EXPECT_EQ(text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><R xmlns=\"urn:x\">"
            "<T>a&lt;b&gt;&amp;&quot;c&apos;&#13;</T></R>");
  auto back = ParseXml(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Child("T")->text, "a<b>&\"c'\r");
}

}  // namespace
}  // namespace fanlab::api
