// The format DSL (harness/schema.h) binding as it validates: a field's
// binder receives its value typed by the field's kind, a value with an
// error is not bound, an object's finish runs once its fields are, and a
// binder whose types do not fit is refused when the format is built.
#include "harness/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace fanlab::harness {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Part {
  std::string label;
  int64_t count = 0;
  Duration wait{0};
};

struct Model {
  std::string name;
  std::vector<Part> parts;
  std::vector<std::string> finished;  // finish steps, in order
};

SpecPtr ModelSpec() {
  auto part = Then(Object({{"label", String(), true, To(&Part::label)},
                           {"count", Integer("", 0), false, To(&Part::count)},
                           {"wait", DurationSpec(), false, To(&Part::wait)}}),
                   [](Part& p, const Site& site) {
                     if (p.count > 9) site.Error("count and label disagree");
                   });
  return Object(
      {{"name", String(), false,
        Set([](Model& m, std::string name) { m.name = name; })},
       {"parts", Array(part), false, Enter([](Model& m, const Site&) -> Part& {
          return m.parts.emplace_back();
        })}});
}

std::vector<std::string> Bind(const std::string& yaml, Model& m) {
  Diagnostics errors;
  BindNode(YAML::Load(yaml), *ModelSpec(), &m, nullptr, "m.yaml", errors);
  std::vector<std::string> out;
  for (const auto& d : errors) out.push_back(d.ToString());
  return out;
}

TEST(HarnessSchemaBind, ValuesLandTypedByTheirKind) {
  Model m;
  EXPECT_THAT(Bind("{name: n, parts: [{label: a, count: 2, wait: 1m30s}, "
                   "{label: b}]}",
                   m),
              IsEmpty());
  EXPECT_EQ(m.name, "n");
  ASSERT_EQ(m.parts.size(), 2u);
  EXPECT_EQ(m.parts[0].label, "a");
  EXPECT_EQ(m.parts[0].count, 2);
  EXPECT_EQ(m.parts[0].wait, std::chrono::seconds(90));
  EXPECT_EQ(m.parts[1].label, "b");
  EXPECT_EQ(m.parts[1].count, 0);
}

TEST(HarnessSchemaBind, AValueWithAnErrorIsNotBound) {
  Model m;
  EXPECT_THAT(
      Bind("{name: 5, parts: [{label: a, count: -1, wait: soon}]}", m),
      ElementsAre("m.yaml:1:8: name: expected a string, found an integer "
                  "(5): quote it (\"5\")",
                  "m.yaml:1:37: parts[0].count: -1 is out of range: must be "
                  "at least 0",
                  "m.yaml:1:47: parts[0].wait: bad duration \"soon\": use a "
                  "number of seconds or units like 250ms, 30s, 5m, 2h, 1d, "
                  "1h30m"));
  EXPECT_EQ(m.name, "");
  ASSERT_EQ(m.parts.size(), 1u);
  EXPECT_EQ(m.parts[0].label, "a");
  EXPECT_EQ(m.parts[0].count, 0);
}

TEST(HarnessSchemaBind, AnObjectsFinishSeesItsBoundFields) {
  Model m;
  EXPECT_THAT(Bind("parts: [{count: 10, label: a}]", m),
              ElementsAre("m.yaml:1:9: parts[0]: count and label disagree"));
}

TEST(HarnessSchemaBind, ValidationAloneBindsNothing) {
  Diagnostics errors;
  ValidateNode(YAML::Load("{name: n, parts: [{label: a}]}"), *ModelSpec(), "",
               "m.yaml", errors);
  EXPECT_THAT(errors, IsEmpty());
}

TEST(HarnessSchemaBind, BindersThatDoNotFitAreRefusedWhenTheFormatIsBuilt) {
  // Fields of one object binding into two types.
  EXPECT_THROW(Object({{"a", String(), false, To(&Part::label)},
                       {"b", String(), false, To(&Model::name)}}),
               std::logic_error);
  // A duration read as a string.
  EXPECT_THROW(Object({{"a", DurationSpec(), false, To(&Part::label)}}),
               std::logic_error);
  // Enter on a leaf.
  EXPECT_THROW(
      Object({{"a", String(), false, Enter([](Model& m, const Site&) -> Part& {
                 return m.parts.emplace_back();
               })}}),
      std::logic_error);
  // Enter into another type than the object's fields bind into.
  auto part = Object({{"label", String(), true, To(&Part::label)}});
  EXPECT_THROW(
      Object({{"p", part, false,
               Enter([](Model& m, const Site&) -> Model& { return m; })}}),
      std::logic_error);
}

}  // namespace
}  // namespace fanlab::harness
