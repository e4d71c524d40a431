// algorithmia: a local stand-in for Algorithmia's algorithm API (the
// marketplace the seed calls is not reachable from here), behind
// POST /v1/algo/{algorithm+} (HTTP API, payload format 2.0):
//   - no "Authorization: Simple <key>" header: 401
//     {"error": {"message": "authorization required"}};
//   - <owner>/Hello/<version>: 200 {"result": "Hello <input>",
//     "metadata": {"content_type": "text", "duration": 0.001}};
//   - <owner>/Sum/<version> with input {"numbers": [...]}: the sum;
//   - any other algorithm: 404 {"error": {"message": "algorithm
//     algo://<algorithm> not found"}}.
#include "schedule.h"

namespace {

using namespace scheduler;

// The name part of "owner/name/version".
std::string NameOf(const std::string& algorithm) {
  size_t first = algorithm.find('/');
  if (first == std::string::npos) return "";
  size_t second = algorithm.find('/', first + 1);
  return algorithm.substr(first + 1, second == std::string::npos
                                         ? std::string::npos
                                         : second - first - 1);
}

std::string Answer(int status, json::object body) {
  return Reply(status, body);
}

std::string Error(int status, const std::string& message) {
  return Answer(status, {{"error", {{"message", message}}}});
}

std::string Call(const std::string& text, const sdk::Context&) {
  json::object event = sdk::ParseObject(text, "The event");
  const json::value* params = event.if_contains("pathParameters");
  const json::value* algo = params != nullptr && params->is_object()
                                ? params->as_object().if_contains("algorithm")
                                : nullptr;
  std::string algorithm = algo != nullptr && algo->is_string()
                              ? std::string(algo->as_string())
                              : "";
  const json::value* headers = event.if_contains("headers");
  const json::value* auth =
      headers != nullptr && headers->is_object()
          ? headers->as_object().if_contains("authorization")
          : nullptr;
  if (auth == nullptr || !auth->is_string() ||
      !auth->as_string().starts_with("Simple ") ||
      auth->as_string().size() == 7) {
    return Error(401, "authorization required");
  }
  const json::value* b = event.if_contains("body");
  std::string input =
      b != nullptr && b->is_string() ? std::string(b->as_string()) : "";
  json::object metadata{{"content_type", "text"}, {"duration", 0.001}};
  std::string name = NameOf(algorithm);
  if (name == "Hello") {
    return Answer(200, {{"result", "Hello " + input}, {"metadata", metadata}});
  }
  if (name == "Sum") {
    boost::system::error_code ec;
    json::value v = json::parse(input, ec);
    const json::value* numbers =
        !ec && v.is_object() ? v.as_object().if_contains("numbers") : nullptr;
    if (numbers == nullptr || !numbers->is_array()) {
      return Error(400, "input must be {\"numbers\": [...]}");
    }
    double sum = 0;
    for (const json::value& n : numbers->as_array()) {
      if (!n.is_number()) return Error(400, "numbers must be numbers");
      sum += n.to_number<double>();
    }
    metadata["content_type"] = "json";
    return Answer(200, {{"result", sum}, {"metadata", metadata}});
  }
  return Error(404, "algorithm algo://" + algorithm + " not found");
}

}  // namespace

int main() { return sdk::Run(Call); }
