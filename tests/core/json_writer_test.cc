// The streaming JSON writer (emulator/core/json_writer.h): exact output for
// nested containers and scalars, RFC 8259 escaping of every control
// character, quote and backslash, UTF-8 passed through, and a sweep of the
// eight-bytes-at-a-time fast path (a special byte at every position of
// strings 0..40 long must be escaped exactly as a byte-at-a-time reference
// does, and parse back to the input).
#include "emulator/core/json_writer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace fanlab {
namespace {

namespace json = boost::json;

// The reference escaper: one byte at a time, as RFC 8259 asks.
std::string Reference(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
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
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string Escaped(std::string_view s) {
  JsonWriter w;
  w.String(s);
  return w.Take();
}

// The string a JSON text holds, parsed by Boost.JSON (lone bytes >= 0x80
// allowed: the writer passes bytes through without judging UTF-8).
std::string ParseBack(const std::string& text) {
  json::parse_options options;
  options.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, options);
  EXPECT_FALSE(ec) << ec.message() << " in " << text;
  if (ec || !v.is_string()) {
    ADD_FAILURE() << "not a JSON string: " << text;
    return "<not a string>";
  }
  return std::string(v.get_string());
}

// Printable form of a byte string for failure messages.
std::string Hex(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    out += ' ';
  }
  return out;
}

// ------------------------------------------------------------ structure

TEST(JsonWriterTest, NestedObjectsAndArraysHaveCommasExactlyBetweenValues) {
  JsonWriter w;
  w.BeginObject()
      .Key("a")
      .Int(1)
      .Key("b")
      .BeginArray()
      .Int(2)
      .String("x")
      .BeginObject()
      .Key("c")
      .Null()
      .Key("d")
      .Bool(true)
      .EndObject()
      .BeginArray()
      .EndArray()
      .BeginArray()
      .Bool(false)
      .BeginArray()
      .Int(3)
      .EndArray()
      .EndArray()
      .EndArray()
      .Key("e")
      .BeginObject()
      .Key("f")
      .BeginObject()
      .Key("g")
      .String("h")
      .EndObject()
      .Key("i")
      .Int(-4)
      .EndObject()
      .Key("j")
      .String("")
      .EndObject();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[2,"x",{"c":null,"d":true},[],[false,[3]]],)"
                     R"("e":{"f":{"g":"h"},"i":-4},"j":""})");
  // It is JSON, and Take() hands over the same text.
  const std::string text = w.str();
  boost::system::error_code ec;
  json::parse(text, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(w.Take(), text);
}

TEST(JsonWriterTest, RawValuesTakeTheirPlaceBetweenCommas) {
  JsonWriter w;
  w.BeginObject().Key("a").Raw(R"({"b":[1,2]})").Key("c").Raw("3");
  w.EndObject();
  EXPECT_EQ(w.str(), R"({"a":{"b":[1,2]},"c":3})");
  JsonWriter list;
  list.BeginArray().Raw("1").Raw("null").EndArray();
  EXPECT_EQ(list.str(), "[1,null]");
}

TEST(JsonWriterTest, EmptyObjectAndArray) {
  {
    JsonWriter w;
    w.BeginObject().EndObject();
    EXPECT_EQ(w.str(), "{}");
  }
  {
    JsonWriter w;
    w.BeginArray().EndArray();
    EXPECT_EQ(w.str(), "[]");
  }
  {
    JsonWriter w;
    w.BeginObject()
        .Key("o")
        .BeginObject()
        .EndObject()
        .Key("a")
        .BeginArray()
        .EndArray()
        .Key("n")
        .BeginArray()
        .BeginObject()
        .EndObject()
        .BeginArray()
        .EndArray()
        .BeginObject()
        .EndObject()
        .EndArray()
        .EndObject();
    EXPECT_EQ(w.str(), R"({"o":{},"a":[],"n":[{},[],{}]})");
  }
}

TEST(JsonWriterTest, ArrayOfScalars) {
  JsonWriter w;
  w.BeginArray().Int(0).Bool(true).Bool(false).Null().String("s").EndArray();
  EXPECT_EQ(w.str(), R"([0,true,false,null,"s"])");
}

TEST(JsonWriterTest, TopLevelScalars) {
  {
    JsonWriter w;
    w.String("top");
    EXPECT_EQ(w.str(), R"("top")");
  }
  {
    JsonWriter w;
    w.Null();
    EXPECT_EQ(w.str(), "null");
  }
  {
    JsonWriter w;
    w.Bool(false);
    EXPECT_EQ(w.str(), "false");
  }
  {
    JsonWriter w;
    w.Int(42);
    EXPECT_EQ(w.str(), "42");
  }
}

TEST(JsonWriterTest, IntExtremes) {
  JsonWriter w;
  w.BeginArray()
      .Int(std::numeric_limits<int64_t>::min())
      .Int(std::numeric_limits<int64_t>::max())
      .Int(0)
      .Int(-1)
      .Int(1000000)
      .EndArray();
  EXPECT_EQ(w.str(), "[-9223372036854775808,9223372036854775807,0,-1,1000000]");
  json::value v = json::parse(w.str());
  EXPECT_EQ(v.at(0).as_int64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(v.at(1).as_int64(), std::numeric_limits<int64_t>::max());
}

TEST(JsonWriterTest, KeysAreEscapedLikeStrings) {
  JsonWriter w;
  w.BeginObject()
      .Key("q\"k")
      .Int(1)
      .Key("b\\k")
      .Int(2)
      .Key(std::string_view("n\nk\x01", 4))
      .Int(3)
      .EndObject();
  EXPECT_EQ(w.str(), R"({"q\"k":1,"b\\k":2,"n\nk\u0001":3})");
  json::value v = json::parse(w.str());
  EXPECT_EQ(v.at("q\"k").as_int64(), 1);
  EXPECT_EQ(v.at("b\\k").as_int64(), 2);
  EXPECT_EQ(v.at("n\nk\x01").as_int64(), 3);
}

TEST(JsonWriterTest, StrShowsTheTextSoFarAndTakeHandsItOver) {
  JsonWriter w;
  w.BeginObject().Key("k");
  EXPECT_EQ(w.str(), R"({"k":)");
  w.String("v").EndObject();
  EXPECT_EQ(w.Take(), R"({"k":"v"})");
}

// ------------------------------------------------------------ escaping

TEST(JsonWriterTest, EveryControlCharacterIsEscaped) {
  const std::vector<std::string> want = {
      R"("\u0000")", R"("\u0001")", R"("\u0002")", R"("\u0003")", R"("\u0004")",
      R"("\u0005")", R"("\u0006")", R"("\u0007")", R"("\b")",     R"("\t")",
      R"("\n")",     R"("\u000b")", R"("\f")",     R"("\r")",     R"("\u000e")",
      R"("\u000f")", R"("\u0010")", R"("\u0011")", R"("\u0012")", R"("\u0013")",
      R"("\u0014")", R"("\u0015")", R"("\u0016")", R"("\u0017")", R"("\u0018")",
      R"("\u0019")", R"("\u001a")", R"("\u001b")", R"("\u001c")", R"("\u001d")",
      R"("\u001e")", R"("\u001f")",
  };
  ASSERT_EQ(want.size(), 0x20u);
  for (int c = 0; c < 0x20; ++c) {
    const std::string s(1, static_cast<char>(c));
    const std::string got = Escaped(s);
    EXPECT_EQ(got, want[c]) << "byte 0x" << Hex(s);
    EXPECT_EQ(ParseBack(got), s) << "byte 0x" << Hex(s);
  }
  // All 32 in one string (long enough to go through the 8-byte path).
  std::string all;
  std::string all_want = "\"";
  for (int c = 0; c < 0x20; ++c) {
    all += static_cast<char>(c);
    all_want += want[c].substr(1, want[c].size() - 2);
  }
  all_want += '"';
  EXPECT_EQ(Escaped(all), all_want);
  EXPECT_EQ(ParseBack(Escaped(all)), all);
}

TEST(JsonWriterTest, QuoteAndBackslashAreEscaped) {
  EXPECT_EQ(Escaped("\""), R"("\"")");
  EXPECT_EQ(Escaped("\\"), R"("\\")");
  EXPECT_EQ(Escaped(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
  EXPECT_EQ(Escaped(R"(\\"")"), R"("\\\\\"\"")");
  EXPECT_EQ(ParseBack(Escaped(R"(a"b\c)")), R"(a"b\c)");
}

TEST(JsonWriterTest, OtherPrintableAndHighBytesPassThrough) {
  // Neighbours of the special bytes, DEL, and a slash (never escaped).
  EXPECT_EQ(Escaped(" !#[]/\x7f"), "\" !#[]/\x7f\"");
  std::string high;
  for (int c = 0x80; c <= 0xff; ++c) high += static_cast<char>(c);
  EXPECT_EQ(Escaped(high), "\"" + high + "\"");
}

TEST(JsonWriterTest, Utf8MultibytePassesThroughUnchanged) {
  // 2-, 3- and 4-byte sequences, short and past eight bytes.
  const std::string s =
      "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e \xe6\x97\xa5"
      "\xe6\x9c\xac\xe8\xaa\x9e";
  EXPECT_EQ(Escaped(s), "\"" + s + "\"");
  boost::system::error_code ec;
  json::value v = json::parse(Escaped(s), ec);  // strict UTF-8 check
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(std::string(v.as_string()), s);
  // Mixed with escapes.
  const std::string mixed = "\xc3\xa9\"\n\xe2\x82\xac\\";
  EXPECT_EQ(Escaped(mixed), "\"\xc3\xa9\\\"\\n\xe2\x82\xac\\\\\"");
}

// ------------------------------------------------------------ fast path

// A single byte `special` at each position of strings 0..40 bytes long,
// the rest plain: the output is exactly the reference and parses back to
// the input. Covers every alignment of the byte within and after the
// eight-byte words.
TEST(JsonWriterTest, FastPathSingleSpecialAtEveryPositionParsesBack) {
  const std::vector<unsigned char> specials = {'"',  '\\', 0x1f, 0x00, 0x20,
                                               0x7f, 0x80, 0xff, '\n', 0x01};
  for (size_t len = 0; len <= 40; ++len) {
    const std::string plain(len, 'a');
    EXPECT_EQ(Escaped(plain), "\"" + plain + "\"");
    EXPECT_EQ(ParseBack(Escaped(plain)), plain);
    for (size_t pos = 0; pos < len; ++pos) {
      for (unsigned char special : specials) {
        std::string s = plain;
        s[pos] = static_cast<char>(special);
        const std::string got = Escaped(s);
        ASSERT_EQ(got, Reference(s))
            << "len " << len << " pos " << pos << " bytes " << Hex(s);
        ASSERT_EQ(ParseBack(got), s)
            << "len " << len << " pos " << pos << " bytes " << Hex(s);
      }
    }
  }
}

// Every byte value at every position of strings 1..24 long, on fillers chosen
// to sit next to the special values (so that a borrow in the word test could
// hide one).
TEST(JsonWriterTest, FastPathEveryByteValueAtEveryPositionMatchesReference) {
  const std::vector<char> fillers = {'a', '!', '#', ']', '\xff'};
  for (char filler : fillers) {
    for (size_t len = 1; len <= 24; ++len) {
      for (size_t pos = 0; pos < len; ++pos) {
        for (int b = 0; b < 256; ++b) {
          std::string s(len, filler);
          s[pos] = static_cast<char>(b);
          ASSERT_EQ(Escaped(s), Reference(s))
              << "len " << len << " pos " << pos << " bytes " << Hex(s);
        }
      }
    }
  }
}

// Two special bytes at every pair of positions (a word with several, and
// specials in neighbouring words).
TEST(JsonWriterTest, FastPathTwoSpecialsAtEveryPairOfPositions) {
  constexpr size_t kLen = 24;
  const std::vector<std::pair<char, char>> pairs = {
      {'"', '\\'}, {'\0', '\x1f'}, {'\n', '"'}, {'\\', '\0'}};
  for (auto [first, second] : pairs) {
    for (size_t i = 0; i < kLen; ++i) {
      for (size_t j = i + 1; j < kLen; ++j) {
        std::string s(kLen, 'z');
        s[i] = first;
        s[j] = second;
        const std::string got = Escaped(s);
        ASSERT_EQ(got, Reference(s)) << "positions " << i << "," << j;
        ASSERT_EQ(ParseBack(got), s) << "positions " << i << "," << j;
      }
    }
  }
}

TEST(JsonWriterTest, LongBodyWithSparseEscapesRoundTrips) {
  std::string s;
  for (int i = 0; i < 5000; ++i) {
    s += static_cast<char>('a' + i % 26);
    if (i % 97 == 0) s += '"';
    if (i % 131 == 0) s += '\\';
    if (i % 173 == 0) s += '\x02';
    if (i % 211 == 0) s += "\xc3\xa9";
  }
  const std::string got = Escaped(s);
  EXPECT_EQ(got, Reference(s));
  EXPECT_EQ(ParseBack(got), s);
}

// Values appended after earlier output (the fast path reads its input,
// not the buffer it appends to).
TEST(JsonWriterTest, StringsInsideAnObjectEscapeIndependently) {
  JsonWriter w;
  w.BeginObject()
      .Key("k1")
      .String("12345678\"")
      .Key("k2")
      .String("abcdefgh")
      .Key("k3")
      .String(std::string_view("\0\0\0\0\0\0\0\0", 8))
      .EndObject();
  EXPECT_EQ(w.str(),
            R"({"k1":"12345678\"","k2":"abcdefgh",)"
            R"("k3":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"})");
}

}  // namespace
}  // namespace fanlab
