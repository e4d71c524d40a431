#include "emulator/api/protocol_rest.h"

#include <boost/json.hpp>

#include "emulator/api/json_fields.h"
#include "emulator/api/model_xml.h"
#include "emulator/core/ascii.h"
#include "emulator/core/common_errors.h"
#include "emulator/services/route_service.h"

namespace fanlab::api {

namespace json = boost::json;

namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (path.starts_with('/')) path.remove_prefix(1);
  while (!path.empty()) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  // "/a/" is "/a": a trailing '/' leaves an empty last segment.
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

bool HasParam(const QueryParams& query, std::string_view name,
              std::string_view value, bool any_value) {
  for (const auto& [k, v] : query) {
    if (k == name && (any_value || v == value)) return true;
  }
  return false;
}

// How well `op`'s template matches; -1 when it does not.
int Match(const Operation& op, const std::vector<std::string_view>& path,
          std::string_view raw_path, const QueryParams& query,
          const services::HttpHeaders& headers,
          std::map<std::string, std::string, std::less<>>& labels) {
  std::string_view uri = op.request_uri;
  std::string_view fixed;
  if (size_t q = uri.find('?'); q != std::string_view::npos) {
    fixed = uri.substr(q + 1);
    uri = uri.substr(0, q);
  }
  int score = 0;
  // A required member located in the query string or a header must be
  // there: what tells UploadPart (?partNumber&uploadId) and CopyObject
  // (x-amz-copy-source) from PutObject on the same path.
  if (op.input != nullptr) {
    for (const Member& m : op.input->members) {
      if (!m.required) continue;
      if (m.ref.location == "querystring") {
        if (!HasParam(query, m.WireName(), "", true)) return -1;
        score += 1000;
      } else if (m.ref.location == "header") {
        if (services::FindHeader(headers, m.WireName()) == nullptr) return -1;
        score += 1000;
      }
    }
  }
  while (!fixed.empty()) {
    size_t amp = fixed.find('&');
    std::string_view p = fixed.substr(0, amp);
    fixed = amp == std::string_view::npos ? "" : fixed.substr(amp + 1);
    size_t eq = p.find('=');
    if (!HasParam(query, p.substr(0, eq),
                  eq == std::string_view::npos ? "" : p.substr(eq + 1),
                  eq == std::string_view::npos)) {
      return -1;
    }
    score += 1000;
  }
  std::vector<std::string_view> want = Segments(uri);
  labels.clear();
  size_t i = 0;
  for (; i < want.size(); ++i) {
    std::string_view w = want[i];
    if (w.starts_with('{') && w.ends_with("+}")) {
      if (i >= path.size()) return -1;
      // The rest of the raw path from this segment on.
      size_t at = static_cast<size_t>(path[i].data() - raw_path.data());
      std::string_view rest = raw_path.substr(at);
      labels[std::string(w.substr(1, w.size() - 3))] =
          services::PercentDecode(rest);
      return score;
    }
    if (i >= path.size()) return -1;
    if (w.starts_with('{') && w.ends_with('}')) {
      if (path[i].empty()) return -1;
      labels[std::string(w.substr(1, w.size() - 2))] =
          services::PercentDecode(path[i]);
    } else if (w == path[i]) {
      score += 1;
    } else {
      return -1;
    }
  }
  return i == path.size() ? score : -1;
}

const std::string* Header(const services::HttpHeaders& headers,
                          std::string_view name) {
  return services::FindHeader(headers, name);
}

}  // namespace

Result<RestMatch> MatchOperation(const ServiceModel& model,
                                 std::string_view method, std::string_view path,
                                 const QueryParams& query,
                                 const services::HttpHeaders& headers) {
  std::vector<std::string_view> segments = Segments(path);
  RestMatch best;
  int best_score = -1;
  for (const auto& [name, op] : model.operations()) {
    if (op.method != method) continue;
    std::map<std::string, std::string, std::less<>> labels;
    int score = Match(op, segments, path, query, headers, labels);
    if (score > best_score) {
      best_score = score;
      best.operation = &op;
      best.labels = std::move(labels);
    }
  }
  if (best.operation == nullptr) {
    return Status(common::kUnknownOperationException,
                  "No action of this service is " + std::string(method) + " " +
                      std::string(path.substr(0, 256)) + ".");
  }
  for (const auto& [label, value] : best.labels) {
    if (value.size() > kMaxUriLabelBytes) {
      return SerializationError("URI label " + label + " is longer than " +
                                std::to_string(kMaxUriLabelBytes) + " bytes.");
    }
  }
  return best;
}

Status ReadLocated(const Shape& input, const RestMatch& match,
                   const QueryParams& query,
                   const services::HttpHeaders& headers, json::object& out) {
  for (const Member& m : input.members) {
    const std::string& where = m.ref.location;
    if (where.empty() || where == "statusCode") continue;
    const Shape& s = *m.ref.shape;
    std::string_view name = WireName(m);
    auto convert = [&](std::string_view text,
                       std::string_view source) -> Result<json::value> {
      std::optional<json::value> v = ScalarFromText(text, s);
      if (!v) {
        return SerializationError(
            std::string(source) + " " + std::string(name) + " must be " +
            (s.type == "boolean" ? "true or false" : "a number") + ", not '" +
            std::string(text.substr(0, 64)) + "'.");
      }
      return std::move(*v);
    };
    if (where == "uri") {
      auto it = match.labels.find(name);
      if (it == match.labels.end()) continue;
      auto v = convert(it->second, "URI label");
      if (!v.ok()) return v.status();
      out[m.name] = std::move(*v);
    } else if (where == "querystring") {
      if (s.type == "list") {
        json::array items;
        for (const auto& [k, v] : query) {
          if (k == name) items.emplace_back(json::string(v));
        }
        if (!items.empty()) out[m.name] = std::move(items);
        continue;
      }
      if (s.type == "map") continue;  // every other parameter: unused
      for (const auto& [k, text] : query) {
        if (k != name) continue;
        auto v = convert(text, "Query parameter");
        if (!v.ok()) return v.status();
        out[m.name] = std::move(*v);
        break;
      }
    } else if (where == "header") {
      const std::string* text = Header(headers, name);
      if (text == nullptr) continue;
      auto v = convert(*text, "Header");
      if (!v.ok()) return v.status();
      out[m.name] = std::move(*v);
    } else if (where == "headers") {
      json::object map;
      for (const auto& [k, v] : headers) {
        if (k.size() <= name.size() ||
            !EqualsIgnoringAsciiCase(std::string_view(k).substr(0, name.size()),
                                     name)) {
          continue;
        }
        std::string key = k.substr(name.size());
        for (char& c : key) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        map[key] = v;
      }
      if (!map.empty()) out[m.name] = std::move(map);
    }
  }
  return Status();
}

void WriteLocated(const Shape& output, json::object& body,
                  services::HttpResponse& response) {
  for (const Member& m : output.members) {
    const std::string& where = m.ref.location;
    if (where.empty()) continue;
    auto it = body.find(m.name);
    if (it == body.end()) continue;
    json::value v = std::move(it->value());
    body.erase(it);
    if (v.is_null()) continue;
    const Shape& s = *m.ref.shape;
    if (where == "statusCode") {
      if (v.is_int64()) response.status = static_cast<int>(v.get_int64());
    } else if (where == "header") {
      if (v.is_object() || v.is_array()) continue;
      std::string text = s.type == "timestamp" &&
                                 m.ref.timestamp_format != "iso8601" &&
                                 s.timestamp_format != "iso8601"
                             ? HttpDate(v)
                             : ScalarText(v, s);
      if (!text.empty()) {
        response.headers.push_back({std::string(WireName(m)), text});
      }
    } else if (where == "headers" && v.is_object()) {
      for (const auto& [k, val] : v.get_object()) {
        if (!val.is_string()) continue;
        response.headers.push_back({std::string(WireName(m)) + std::string(k),
                                    std::string(val.get_string())});
      }
    }
  }
}

}  // namespace fanlab::api
