#include "fuzz/fuzz_input.h"

#include <string>

namespace fanlab::fuzz {

std::string_view FuzzInput::Line() {
  std::string_view line = Until("\n");
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string_view FuzzInput::Until(std::string_view separator) {
  size_t at = rest_.find(separator);
  if (at == std::string_view::npos) return Rest();
  std::string_view part = rest_.substr(0, at);
  rest_.remove_prefix(at + separator.size());
  return part;
}

services::HttpRequest ParseTextRequest(std::string_view text) {
  FuzzInput in(text);
  services::HttpRequest request;
  std::string_view first = in.Line();
  size_t space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  std::string_view target =
      space == std::string_view::npos ? "" : first.substr(space + 1);
  size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    request.query = std::string(target.substr(question + 1));
  }
  while (!in.empty()) {
    std::string_view line = in.Line();
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? "" : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(std::string(name), std::string(value));
  }
  request.body = std::string(in.Rest());
  request.source_ip = "127.0.0.1";
  return request;
}

}  // namespace fanlab::fuzz
