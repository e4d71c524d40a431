// DynamoDB's expressions: parsed and then used on an item the way the
// table service uses them (a condition evaluated, an update applied, a
// projection taken). The first byte picks the kind (condition, filter, key
// condition, update, projection), the first line is the expression, and
// the rest, when it reads as an item in DynamoDB JSON, is the item (else a
// fixed one). The aliases #a #b #l #m #n and the values :s :n :b :t :l :m
// :ss :ns :bs :null are defined.
#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/services/attribute_value_json.h"
#include "emulator/services/expression.h"
#include "emulator/services/expression_eval.h"
#include "fuzz/fuzz_input.h"

namespace {

using namespace fanlab::services;

const char* const kValues =
    R"({":s":{"S":"x"},":n":{"N":"-1.5e3"},":b":{"B":"AQI="},)"
    R"(":t":{"BOOL":true},":l":{"L":[{"N":"1"},{"S":"a"}]},)"
    R"(":m":{"M":{"k":{"S":"v"}}},":ss":{"SS":["a","b"]},)"
    R"(":ns":{"NS":["1","2"]},":bs":{"BS":["AQ=="]},":null":{"NULL":true}})";

const char* const kItem =
    R"({"pk":{"S":"p"},"a":{"S":"abc"},"b":{"N":"7"},)"
    R"("l":{"L":[{"N":"1"},{"M":{"x":{"S":"y"}}},{"L":[]}]},)"
    R"("m":{"M":{"x":{"S":"y"},"n":{"N":"0"},"s":{"SS":["a"]}}},)"
    R"("ns":{"NS":["3"]}})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fanlab::fuzz::FuzzInput in(data, size);
  auto kind = static_cast<ExpressionKind>(in.Byte() % 5);
  std::string_view text = in.Line();
  std::string_view rest = in.Rest();

  static const AttributeNames names = {
      {"#a", "a"}, {"#b", "b"}, {"#l", "l"}, {"#m", "m"}, {"#n", "n"}};
  static const Item default_item = *ParseItem(kItem);
  static const AttributeValues values = [] {
    Item v = *ParseItem(kValues);
    return AttributeValues(v.begin(), v.end());
  }();
  Item item = default_item;
  if (!rest.empty()) {
    auto given = ParseItem(rest);
    if (given.ok()) item = *std::move(given);
  }

  ExpressionAttributes attributes(&names, &values);
  switch (kind) {
    case ExpressionKind::kCondition:
    case ExpressionKind::kFilter:
    case ExpressionKind::kKeyCondition: {
      auto condition = ParseCondition(text, kind, attributes);
      if (condition.ok()) (void)EvaluateCondition(*condition, item);
      break;
    }
    case ExpressionKind::kUpdate: {
      auto update = ParseUpdate(text, attributes);
      if (update.ok()) {
        (void)UpdatedPaths(*update);
        (void)ApplyUpdate(*update, item);
        (void)ToJson(item);
      }
      break;
    }
    case ExpressionKind::kProjection: {
      auto projection = ParseProjection(text, attributes);
      if (projection.ok()) (void)ToJson(Project(item, projection->paths));
      break;
    }
  }
  (void)attributes.CheckAllUsed();
  return 0;
}
