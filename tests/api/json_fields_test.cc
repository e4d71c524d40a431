// The one JSON field reader (emulator/api/json_fields.h): the body's rules
// (empty is {}, one depth limit, an object or a SerializationException),
// null as absent, the one integer rule, paths in errors, the first failure
// sticking, and a service's own wording for a missing field.
#include "emulator/api/json_fields.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/common_errors.h"
#include "emulator/services/dynamodb_errors.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::api {
namespace {

Status TestMissing(std::string_view name) {
  return Status(dynamodb::kValidationException, "missing " + std::string(name));
}

// Reads `body` with `read`, under TestMissing.
template <typename F>
Status Read(std::string_view body, F read) {
  return ReadJsonBody(body, TestMissing, read);
}

std::string Nested(int depth) {
  std::string body;
  for (int i = 0; i < depth - 1; ++i) body += "{\"a\":";
  body += "{}";
  for (int i = 0; i < depth - 1; ++i) body += "}";
  return body;
}

TEST(JsonFieldsTest, TheBodyIsAJsonObjectOrASerializationException) {
  EXPECT_TRUE(Read("", [](FieldReader&) {}).ok());
  EXPECT_TRUE(Read("{}", [](FieldReader&) {}).ok());
  for (std::string_view body : {"{", "{}{}", "nope", "\xff"}) {
    Status s = Read(body, [](FieldReader&) { ADD_FAILURE() << "read"; });
    EXPECT_EQ(s.code(), common::kSerializationException) << body;
    EXPECT_TRUE(s.message().starts_with("The request body is not valid JSON"))
        << s.message();
  }
  for (std::string_view body : {"[]", "null", "1", "\"s\""}) {
    EXPECT_EQ(Read(body, [](FieldReader&) {}),
              SerializationError("The request body must be a JSON object."))
        << body;
  }
}

TEST(JsonFieldsTest, OneDepthLimitForEveryBody) {
  EXPECT_TRUE(Read(Nested(kMaxBodyDepth), [](FieldReader&) {}).ok());
  EXPECT_EQ(Read(Nested(kMaxBodyDepth + 1), [](FieldReader&) {}).code(),
            common::kSerializationException);
}

TEST(JsonFieldsTest, NullIsAbsent) {
  std::string s = "kept";
  std::optional<std::string> o;
  int64_t i = 7;
  bool b = true;
  std::vector<std::string> list = {"kept"};
  std::map<std::string, std::string> map = {{"k", "v"}};
  bool object_seen = false;
  Status read = Read(
      R"({"s":null,"o":null,"i":null,"b":null,"l":null,"m":null,"x":null})",
      [&](FieldReader& r) {
        EXPECT_FALSE(r.Has("s"));
        EXPECT_EQ(r.Get("s"), nullptr);
        r.Read("s", s);
        r.Read("o", o);
        r.Read("i", i);
        r.Read("b", b);
        r.Read("l", list);
        r.Read("m", map);
        object_seen = r.Object("x").has_value();
        r.Objects("x", [](FieldReader&, size_t) { ADD_FAILURE(); });
        r.Members("x", [](std::string_view, FieldReader&) { ADD_FAILURE(); });
      });
  EXPECT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(s, "kept");
  EXPECT_FALSE(o.has_value());
  EXPECT_EQ(i, 7);
  EXPECT_TRUE(b);
  EXPECT_EQ(list, std::vector<std::string>{"kept"});
  EXPECT_EQ(map.size(), 1u);
  EXPECT_FALSE(object_seen);
}

TEST(JsonFieldsTest, RequiredNullIsMissingInTheServicesWords) {
  std::string name;
  EXPECT_EQ(Read(R"({"Name":null})",
                 [&](FieldReader& r) { r.Require("Name", name); }),
            TestMissing("Name"));
  EXPECT_EQ(Read("{}", [&](FieldReader& r) { r.Require("Name", name, "nm"); }),
            TestMissing("nm"));
  // Nested: the path names it.
  EXPECT_EQ(Read(R"({"Entries":[{"Id":"a"},{}]})",
                 [&](FieldReader& r) {
                   r.Objects("Entries", [&](FieldReader& e, size_t) {
                     e.Require("Id", name);
                   });
                 }),
            TestMissing("Entries[1].Id"));
}

TEST(JsonFieldsTest, WrongTypesNameTheFieldsPath) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {R"({"S":1})", "Field S must be a string."},
      {R"({"I":"1"})", "Field I must be an integer."},
      {R"({"B":"true"})", "Field B must be a boolean."},
      {R"({"L":"x"})", "Field L must be a list of strings."},
      {R"({"L":["a",2]})", "Field L[1] must be a string."},
      {R"({"M":[]})", "Field M must be a map of strings."},
      {R"({"M":{"k":1}})", "Field M.k must be a string."},
      {R"({"H":{"k":null}})", "Field H.k must be a string."},
      {R"({"O":1})", "Field O must be an object."},
      {R"({"O":{"S":[]}})", "Field O.S must be a string."},
      {R"({"E":{}})", "Field E must be a list of objects."},
      {R"({"E":[{},1]})", "Field E[1] must be an object."},
      {R"({"E":[{},{"I":1.5}]})", "Field E[1].I must be an integer."},
      {R"({"A":[]})", "Field A must be a map of objects."},
      {R"({"A":{"x":"y"}})", "Field A.x must be an object."},
      {R"({"A":{"x":{"B":0}}})", "Field A.x.B must be a boolean."},
      {R"({"D":"!!"})", "Field D must be base64-encoded bytes."},
  };
  for (const Case& c : cases) {
    Status s = Read(c.body, [](FieldReader& r) {
      std::string str;
      int64_t i = 0;
      bool b = false;
      std::vector<std::string> list;
      std::map<std::string, std::string> map;
      std::vector<std::pair<std::string, std::string>> headers;
      std::optional<std::string> bytes;
      r.Read("S", str);
      r.Read("I", i);
      r.Read("B", b);
      r.Read("L", list);
      r.Read("M", map);
      r.Read("H", headers);
      if (auto o = r.Object("O")) o->Read("S", str);
      r.Objects("E", [&](FieldReader& e, size_t) { e.Read("I", i); });
      r.Members("A", [&](std::string_view, FieldReader& a) { a.Read("B", b); });
      r.ReadBase64("D", bytes);
    });
    EXPECT_EQ(s, SerializationError(c.message)) << c.body;
  }
}

TEST(JsonFieldsTest, OneIntegerRule) {
  struct Case {
    const char* json;
    std::optional<int64_t> value;
  };
  const Case cases[] = {
      {"0", 0},
      {"-1", -1},
      {"5.0", 5},
      {"-0.0", 0},
      {"1e3", 1000},
      {"4611686018427387904", int64_t{1} << 62},  // 2^62
      {"9223372036854775807", INT64_MAX},
      {"-9223372036854775808", INT64_MIN},
      {"-9.223372036854775808e18", INT64_MIN},
      {"5.5", std::nullopt},
      {"1e19", std::nullopt},
      {"-1e19", std::nullopt},
      {"9223372036854775808", std::nullopt},      // 2^63
      {"18446744073709551615", std::nullopt},     // 2^64 - 1: not clamped
      {"9.223372036854775807e18", std::nullopt},  // rounds to 2^63
      {"1e400", std::nullopt},
      {"\"5\"", std::nullopt},
      {"true", std::nullopt},
  };
  for (const Case& c : cases) {
    std::optional<int64_t> read;
    Status s = Read(std::string(R"({"N":)") + c.json + "}",
                    [&](FieldReader& r) { r.Read("N", read); });
    if (c.value) {
      EXPECT_TRUE(s.ok()) << c.json << ": " << s.ToString();
      EXPECT_EQ(read, c.value) << c.json;
    } else {
      EXPECT_EQ(s, SerializationError("Field N must be an integer.")) << c.json;
      EXPECT_FALSE(read.has_value()) << c.json;
    }
  }
}

TEST(JsonFieldsTest, TheFirstFailureSticksAndLaterReadsDoNothing) {
  std::string a = "a", b = "b";
  Status s = Read(R"({"A":1,"B":"read"})", [&](FieldReader& r) {
    r.Read("A", a);
    r.Read("B", b);
    r.Fail(Status(s3::kInvalidArgument, "later"));
    r.Missing("C");
    EXPECT_FALSE(r.ok());
  });
  EXPECT_EQ(s, SerializationError("Field A must be a string."));
  EXPECT_EQ(a, "a");
  EXPECT_EQ(b, "b");
}

TEST(JsonFieldsTest, APresentFieldReplacesWhatWasThere) {
  std::vector<std::string> list = {"old", "older"};
  std::map<std::string, std::string> map = {{"old", "1"}};
  std::vector<std::pair<std::string, std::string>> headers = {{"Old", "1"}};
  std::optional<std::string> bytes;
  ASSERT_TRUE(Read(R"({"L":["new"],"M":{"b":"2","a":"1"},
                       "H":{"X-B":"2","X-A":"1"},"D":"aGk="})",
                   [&](FieldReader& r) {
                     r.Read("L", list);
                     r.Read("M", map);
                     r.Read("H", headers);
                     r.ReadBase64("D", bytes);
                   })
                  .ok());
  EXPECT_EQ(list, std::vector<std::string>{"new"});
  EXPECT_EQ(map, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  // Headers keep the body's order.
  EXPECT_EQ(headers, (std::vector<std::pair<std::string, std::string>>{
                         {"X-B", "2"}, {"X-A", "1"}}));
  EXPECT_EQ(bytes, "hi");
}

TEST(JsonFieldsTest, NestedReadersWalkListsAndMapsInOrder) {
  std::vector<std::string> seen;
  Status s =
      Read(R"({"E":[{"Id":"a"},{"Id":"b"}],
                      "A":{"x":{"V":"1"},"y":{"V":"2"}}})",
           [&](FieldReader& r) {
             r.Objects("E", [&](FieldReader& e, size_t i) {
               std::string id;
               e.Require("Id", id);
               seen.push_back(std::to_string(i) + id);
               EXPECT_EQ(e.Path("Id"), "E[" + std::to_string(i) + "].Id");
             });
             r.Members("A", [&](std::string_view name, FieldReader& a) {
               std::string v;
               a.Read("V", v);
               seen.push_back(std::string(name) + v);
               EXPECT_EQ(a.Path("V"), "A." + std::string(name) + ".V");
             });
           });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(seen, (std::vector<std::string>{"0a", "1b", "x1", "y2"}));
}

TEST(JsonFieldsTest, MustContainParameterIsTheSharedWording) {
  EXPECT_EQ(MustContainParameter<s3::kInvalidArgument>("Key"),
            Status(s3::kInvalidArgument,
                   "The request must contain the parameter Key."));
}

}  // namespace
}  // namespace fanlab::api
