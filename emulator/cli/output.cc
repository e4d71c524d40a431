#include "emulator/cli/output.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <set>
#include <vector>

namespace fanlab::cli {
namespace {

namespace json = boost::json;

bool IsScalar(const json::value& v) { return !v.is_object() && !v.is_array(); }

std::string Scalar(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  if (v.is_null()) return "None";
  return json::serialize(v);
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> SortedKeys(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : o) keys.emplace_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

void Text(const json::value& v, const std::string* name,
          const std::vector<std::string>* columns, std::string& out);

void TextObject(const json::object& o, const std::string* name,
                const std::vector<std::string>* columns, std::string& out) {
  std::vector<std::string> cells;
  std::vector<std::string> nested;
  if (columns != nullptr) {
    for (const auto& key : *columns) {
      const json::value* v = o.if_contains(key);
      cells.push_back(v != nullptr ? Scalar(*v) : "");
    }
    for (const auto& key : SortedKeys(o)) {
      if (std::find(columns->begin(), columns->end(), key) == columns->end()) {
        nested.push_back(key);
      }
    }
  } else {
    for (const auto& key : SortedKeys(o)) {
      if (IsScalar(o.at(key))) {
        cells.push_back(Scalar(o.at(key)));
      } else {
        nested.push_back(key);
      }
    }
  }
  if (!cells.empty()) {
    if (name != nullptr) cells.insert(cells.begin(), Upper(*name));
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += '\t';
      out += cells[i];
    }
    out += '\n';
  }
  for (const auto& key : nested) Text(o.at(key), &key, nullptr, out);
}

void Text(const json::value& v, const std::string* name,
          const std::vector<std::string>* columns, std::string& out) {
  if (v.is_object()) return TextObject(v.get_object(), name, columns, out);
  if (!v.is_array()) {
    out += Scalar(v);
    out += '\n';
    return;
  }
  const json::array& list = v.get_array();
  if (list.empty()) return;
  bool objects =
      std::any_of(list.begin(), list.end(),
                  [](const json::value& e) { return e.is_object(); });
  if (objects) {
    std::set<std::string> keys;
    for (const auto& e : list) {
      if (!e.is_object()) continue;
      for (const auto& [k, x] : e.get_object()) {
        if (IsScalar(x)) keys.emplace(k);
      }
    }
    std::vector<std::string> shared(keys.begin(), keys.end());
    for (const auto& e : list) Text(e, name, &shared, out);
    return;
  }
  std::vector<std::string> scalars;
  std::vector<const json::value*> lists;
  for (const auto& e : list) {
    if (IsScalar(e)) {
      scalars.push_back(Scalar(e));
    } else {
      lists.push_back(&e);
    }
  }
  if (!scalars.empty()) {
    if (name != nullptr) {
      for (const auto& s : scalars) out += Upper(*name) + "\t" + s + "\n";
    } else {
      for (size_t i = 0; i < scalars.size(); ++i) {
        if (i > 0) out += '\t';
        out += scalars[i];
      }
      out += '\n';
    }
  }
  for (const json::value* e : lists) Text(*e, name, nullptr, out);
}

// A boxed table of rows under a title; the first row is the header when
// `header` is set.
void Box(std::string_view title,
         const std::vector<std::vector<std::string>>& rows, bool header,
         std::string& out) {
  size_t n = 0;
  for (const auto& r : rows) n = std::max(n, r.size());
  std::vector<size_t> width(n, 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  }
  size_t inner = n == 0 ? 0 : n * 3 - 1;
  for (size_t w : width) inner += w;
  inner = std::max(inner, title.size() + 2);
  // Widen the last column so the title fits.
  size_t used = n == 0 ? 0 : n * 3 - 1;
  for (size_t w : width) used += w;
  if (n > 0 && used < inner) width.back() += inner - used;
  std::string rule = "+" + std::string(inner, '-') + "+\n";
  out += rule;
  size_t pad = inner - title.size();
  out += "|" + std::string(pad / 2, ' ') + std::string(title) +
         std::string(pad - pad / 2, ' ') + "|\n";
  std::string sep = "+";
  for (size_t i = 0; i < n; ++i) sep += std::string(width[i] + 2, '-') + "+";
  sep += "\n";
  if (n > 0) out += sep;
  for (size_t r = 0; r < rows.size(); ++r) {
    out += "|";
    for (size_t i = 0; i < n; ++i) {
      std::string cell = i < rows[r].size() ? rows[r][i] : "";
      out += " " + cell + std::string(width[i] - cell.size(), ' ') + " |";
    }
    out += "\n";
    if (header && r == 0) out += sep;
  }
  if (n > 0) out += sep;
}

void Table(const json::value& v, const std::string& title, std::string& out) {
  if (v.is_object()) {
    const json::object& o = v.get_object();
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> nested;
    for (const auto& key : SortedKeys(o)) {
      if (IsScalar(o.at(key))) {
        rows.push_back({key, Scalar(o.at(key))});
      } else {
        nested.push_back(key);
      }
    }
    if (!rows.empty() || nested.empty()) Box(title, rows, false, out);
    for (const auto& key : nested) Table(o.at(key), key, out);
    return;
  }
  if (v.is_array()) {
    const json::array& list = v.get_array();
    std::set<std::string> keys;
    bool objects = false;
    for (const auto& e : list) {
      if (!e.is_object()) continue;
      objects = true;
      for (const auto& [k, x] : e.get_object()) {
        if (IsScalar(x)) keys.emplace(k);
      }
    }
    std::vector<std::vector<std::string>> rows;
    if (objects && !keys.empty()) {
      rows.emplace_back(keys.begin(), keys.end());
      for (const auto& e : list) {
        if (!e.is_object()) continue;
        std::vector<std::string> row;
        for (const auto& k : keys) {
          const json::value* x = e.get_object().if_contains(k);
          row.push_back(x != nullptr && IsScalar(*x) ? Scalar(*x) : "");
        }
        rows.push_back(std::move(row));
      }
      Box(title, rows, true, out);
    } else if (!objects) {
      for (const auto& e : list) {
        if (IsScalar(e)) rows.push_back({Scalar(e)});
      }
      Box(title, rows, false, out);
    }
    for (const auto& e : list) {
      if (!e.is_object()) continue;
      for (const auto& key : SortedKeys(e.get_object())) {
        if (!IsScalar(e.get_object().at(key))) {
          Table(e.get_object().at(key), key, out);
        }
      }
    }
    return;
  }
  Box(title, {{Scalar(v)}}, false, out);
}

}  // namespace

bool ParseOutputFormat(std::string_view name, OutputFormat* format) {
  if (name == "json")
    *format = OutputFormat::kJson;
  else if (name == "text")
    *format = OutputFormat::kText;
  else if (name == "table")
    *format = OutputFormat::kTable;
  else
    return false;
  return true;
}

std::string FormatText(const json::value& value) {
  std::string out;
  Text(value, nullptr, nullptr, out);
  return out;
}

std::string FormatTable(const json::value& value, std::string_view title) {
  std::string out;
  Table(value, std::string(title), out);
  return out;
}

}  // namespace fanlab::cli
