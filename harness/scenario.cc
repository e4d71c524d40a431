// Loading a scenario: one walk over the file checks it against the format
// and binds it into a draft of the model (scenario_spec.cc); then the
// post-steps the format cannot declare: a template's resources, the setup
// calls in dependency order, durations named for other functions, and
// every reference to a name (undeclared queues, functions, steps,
// placeholders), checked once all names are known. Every problem becomes
// a Diagnostic; none stops the others from being found.
#include "harness/scenario.h"

#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "emulator/core/arn.h"
#include "emulator/core/ascii.h"
#include "emulator/core/base64.h"
#include "emulator/core/utf8.h"
#include "emulator/services/schedule_expression.h"
#include "harness/json_match.h"
#include "harness/scenario_sim.h"
#include "harness/scenario_spec.h"
#include "harness/yaml_util.h"
#include "stack/template.h"

namespace fanlab::harness {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Scenarios run on the engine's default account (EngineOptions::account).
std::string QueueArn(const std::string& name) {
  return fanlab::QueueArn(Account{}, name);
}
std::string TopicArn(const std::string& name) {
  return fanlab::TopicArn(Account{}, name);
}

void StepValue(const ScenarioDraft& d, const YAML::Node& node,
               const std::string& path, const std::string& inside,
               Diagnostics& errors);

// The ${kind:NAME} placeholders in every string under `node`.
void Placeholders(const ScenarioDraft& d, const YAML::Node& node,
                  const std::string& path, Diagnostics& errors) {
  if (!node) return;
  auto error = [&](std::string message) {
    errors.push_back({d.file, MarkOf(node), path, std::move(message)});
  };
  if (node.IsMap()) {
    for (const auto& kv : node) {
      Placeholders(d, kv.second, path + "." + kv.first.Scalar(), errors);
    }
    return;
  }
  if (node.IsSequence()) {
    size_t i = 0;
    for (const auto& item : node) {
      Placeholders(d, item, path + "[" + std::to_string(i++) + "]", errors);
    }
    return;
  }
  if (!node.IsScalar()) return;
  using Kind = Placeholder::Kind;
  for (const Placeholder& p : FindPlaceholders(node.Scalar())) {
    const std::set<std::string>* names = nullptr;
    switch (p.kind) {
      case Kind::kHttp:
      case Kind::kIndex:
        continue;
      case Kind::kStep:
        StepValue(d, node, path, p.inside, errors);
        continue;
      case Kind::kUnterminated:
        return error("unterminated placeholder \"" +
                     node.Scalar().substr(p.begin) + "\"");
      case Kind::kUnknown:
        error("unknown placeholder ${" + p.inside +
              "}: use ${queue_url:NAME}, ${queue_arn:NAME}, "
              "${topic_arn:NAME}, ${function_arn:NAME}, ${sink_url:NAME}, "
              "${steps.ID.json.PATH}, ${http} or ${i}");
        continue;
      case Kind::kQueueUrl:
      case Kind::kQueueArn:
        names = &d.queues;
        break;
      case Kind::kTopicArn:
        names = &d.topics;
        break;
      case Kind::kFunctionArn:
        names = &d.functions;
        break;
      case Kind::kSinkUrl:
        names = &d.sinks;
        break;
    }
    if (names->count(p.name) == 0) {
      error("${" + p.inside + "} names no declared " +
            p.inside.substr(0, p.inside.find('_')) + " \"" + p.name + "\"" +
            ScenarioDraft::DidYouMean(p.name, *names));
    }
  }
}

// ${steps.ID.json.PATH}, ${steps.ID.body}, ${steps.ID.status}: an earlier
// step's answer (the runner fills it in when the step fires).
void StepValue(const ScenarioDraft& d, const YAML::Node& node,
               const std::string& path, const std::string& inside,
               Diagnostics& errors) {
  std::string rest = inside.substr(6);
  size_t dot = rest.find('.');
  std::string id = rest.substr(0, dot);
  std::string what = dot == std::string::npos ? "" : rest.substr(dot + 1);
  if (d.step_ids.count(id) == 0) {
    errors.push_back({d.file, MarkOf(node), path,
                      "${" + inside + "} names no timeline step \"" + id +
                          "\"" + ScenarioDraft::DidYouMean(id, d.step_ids)});
  } else if (what != "body" && what != "status" && !what.starts_with("json.") &&
             what != "json") {
    errors.push_back({d.file, MarkOf(node), path,
                      "${" + inside + "}: use ${steps." + id +
                          ".json.PATH}, ${steps." + id + ".body} or ${steps." +
                          id + ".status}"});
  }
}

json::value ToAttributeValue(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return json::object{{"S", v.as_string()}};
    case json::kind::bool_:
      return json::object{{"BOOL", v.as_bool()}};
    case json::kind::null:
      return json::object{{"NULL", true}};
    case json::kind::array: {
      json::array l;
      for (const auto& e : v.as_array()) l.push_back(ToAttributeValue(e));
      return json::object{{"L", std::move(l)}};
    }
    case json::kind::object:
      return json::object{{"M", ScenarioDraft::ToAttributeValues(v)}};
    default:
      return json::object{{"N", json::serialize(v)}};
  }
}

// stack: a template's resources, created first; their names join the
// scenario's, so steps and expectations can name them. A call refused at
// setup is reported at the `stack` key, with the template's place.
void LoadStack(ScenarioDraft& d, Diagnostics& errors) {
  if (!d.stack || !d.stack.IsScalar()) return;
  stack::TemplateOptions options;
  if (d.parameters && d.parameters.IsMap()) {
    for (const auto& [k, v] : ValueOf<ScalarMap>(d.parameters)) {
      options.parameters[k] = v;
    }
  }
  const std::string relative = d.stack.Scalar();
  const std::string file = (fs::path(d.base_dir) / relative).string();
  stack::StackResult loaded = stack::LoadTemplate(file, options);
  errors.insert(errors.end(), loaded.errors.begin(), loaded.errors.end());
  if (!loaded.stack) return;
  for (const stack::StackCall& c : loaded.stack->calls) {
    std::string where = relative + ":" + std::to_string(c.mark.line) + ":" +
                        std::to_string(c.mark.column) + " " + c.path;
    d.scenario.setup.push_back(
        {c.action, c.body, Origin{MarkOf(d.stack), "stack " + where}});
  }
  const std::pair<const char*, std::set<std::string>*> kinds[] = {
      {"queue", &d.queues},
      {"function", &d.functions},
      {"topic", &d.topics},
      {"bucket", &d.buckets},
      {"table", &d.tables}};
  for (const auto& [kind, names] : kinds) {
    auto it = loaded.stack->names.find(kind);
    if (it != loaded.stack->names.end()) {
      names->insert(it->second.begin(), it->second.end());
    }
  }
}

// The setup calls in order: queues first, each dead-letter queue before
// the queues that name it, down a chain (a -> b -> c is created c, b, a):
// each time, the first queue in file order whose dead-letter queue is
// created (or not declared here). A cycle cannot be created: each queue
// in it is reported. Then the other sections, in the order that lets
// each name what the ones before it made.
void Assemble(ScenarioDraft& d, Diagnostics& errors) {
  std::vector<ScenarioDraft::QueueCreate*> creates;
  for (auto& q : d.queue_creates) creates.push_back(&q);
  std::set<std::string> created;
  while (!creates.empty()) {
    auto ready = std::find_if(creates.begin(), creates.end(), [&](auto* c) {
      return c->dead_letter.empty() || d.queues.count(c->dead_letter) == 0 ||
             created.count(c->dead_letter) > 0;
    });
    if (ready == creates.end()) {
      for (const auto* c : creates) {
        errors.push_back({d.file, c->call.origin.mark,
                          c->call.origin.path + ".dead_letter.queue",
                          "dead-letter queues form a cycle through \"" +
                              c->dead_letter + "\""});
      }
      break;
    }
    created.insert(
        std::string((*ready)->call.body.at("QueueName").as_string()));
    d.scenario.setup.push_back(std::move((*ready)->call));
    creates.erase(ready);
  }
  for (auto* section : {&d.functions_setup, &d.buckets_setup, &d.tables_setup,
                        &d.topics_setup, &d.sinks_setup, &d.mappings_setup,
                        &d.schedules_setup, &d.routes_setup}) {
    for (ActionCall& c : *section) {
      ScenarioDraft::DropUnset(c.body);
      d.scenario.setup.push_back(std::move(c));
    }
  }
}

// durations: {NAME: {duration, duration_max}}: the virtual time of
// functions declared elsewhere (a template's, most of all). A function
// with a duration of its own is not given a second one here.
void ApplyDurations(ScenarioDraft& d, Diagnostics& errors) {
  for (const ScenarioDraft::DurationEntry& e : d.duration_entries) {
    const std::string name = e.key.Scalar();
    auto error = [&](std::string message) {
      errors.push_back({d.file, MarkOf(e.key), e.path, std::move(message)});
    };
    if (d.functions.count(name) == 0) {
      error("no function named \"" + name +
            "\" in resources.functions or the stack" +
            ScenarioDraft::DidYouMean(name, d.functions));
    } else if (d.scenario.virtual_durations.count(name) > 0) {
      error("function \"" + name +
            "\" has a duration in resources.functions already");
    } else {
      d.SetVirtualDuration(name, e.duration,
                           Site{e.node, e.path, e.key, d.file, errors, &d});
    }
  }
}

}  // namespace

ActionCall& ScenarioDraft::Call(std::deque<ActionCall>& section,
                                std::string action, const Site& site) {
  return section.emplace_back(
      ActionCall{std::move(action), {}, Origin{MarkOf(site.node), site.path}});
}

void ScenarioDraft::Declare(std::set<std::string>& names,
                            const std::string& name, const Site& site) {
  if (!name.empty() && !names.insert(name).second) {
    site.Error("\"" + name + "\" is declared twice");
  }
}

void ScenarioDraft::Refer(const Site& site, const std::set<std::string>& names,
                          const char* kind) {
  const std::string name =
      site.node && site.node.IsScalar() ? site.node.Scalar() : "";
  checks.push_back([&names, kind, name, at = site.node, path = site.path,
                    this](Diagnostics& errors) {
    if (name.empty() || names.count(name) > 0) return;
    errors.push_back(
        {file, MarkOf(at), path,
         "no " + std::string(kind) + " named \"" + name + "\" in resources." +
             kind + "s" +
             (name.starts_with("arn:") ? " (give its name, not an ARN)"
                                       : DidYouMean(name, names))});
  });
}

void ScenarioDraft::CheckPlaceholders(const YAML::Node& node,
                                      const std::string& path) {
  checks.push_back([this, node, path](Diagnostics& errors) {
    Placeholders(*this, node, path, errors);
  });
}

void ScenarioDraft::SetVirtualDuration(const std::string& name,
                                       const VirtualDuration& v,
                                       const Site& site) {
  if (v.min) {
    Duration max = v.max.value_or(*v.min);
    if (max < *v.min) {
      site.Error(site.node["duration_max"], site.path + ".duration_max",
                 "duration_max is at least duration (" +
                     FormatDuration(*v.min) + "), not " + FormatDuration(max));
    }
    scenario.virtual_durations[name] = {*v.min, max};
  } else if (v.max) {
    scenario.virtual_durations[name] = {Duration(0), *v.max};
  }
}

std::string ScenarioDraft::ReadFile(const std::string& relative,
                                    const Site& site) {
  fs::path p = fs::path(base_dir) / relative;
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    site.Error("cannot read " + p.string());
    return "";
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ScenarioDraft::Content(const Site& site) {
  const YAML::Node& n = site.node;
  if (n["json"]) return json::serialize(YamlToJson(n["json"]));
  if (n["file"]) {
    const YAML::Node file_node = n["file"];
    Site file_site{file_node, site.path + ".file", site.key,
                   site.file, site.errors,         site.context};
    return ReadFile(file_node.IsScalar() ? file_node.Scalar() : "", file_site);
  }
  return n["body"] && n["body"].IsScalar() ? n["body"].Scalar() : "";
}

std::string ScenarioDraft::Destination(const std::string& d, const Site& site) {
  const bool queue = d.starts_with("queue:");
  if (queue || d.starts_with("topic:")) {
    const char* kind = queue ? "queue" : "topic";
    const std::set<std::string>* names = queue ? &queues : &topics;
    std::string name = d.substr(6);
    checks.push_back([names, kind, name, at = site.node, path = site.path,
                      this](Diagnostics& errors) {
      if (!names->count(name)) {
        errors.push_back(
            {file, MarkOf(at), path,
             "no " + std::string(kind) + " named \"" + name + "\""});
      }
    });
    return queue ? QueueArn(name) : TopicArn(name);
  }
  if (!d.starts_with("arn:")) {
    site.Error("a destination is queue:NAME, topic:NAME or an ARN");
  }
  return d;
}

json::object ScenarioDraft::MessageAttributes(const YAML::Node& n) {
  json::object out;
  if (!n || !n.IsMap()) return out;
  for (const auto& kv : n) {
    std::string_view type = ScalarType(kv.second);
    bool number = type == "integer" || type == "number";
    out[kv.first.Scalar()] =
        json::object{{"DataType", number ? "Number" : "String"},
                     {"StringValue", kv.second.Scalar()}};
  }
  return out;
}

json::object ScenarioDraft::ToAttributeValues(const json::value& item) {
  json::object out;
  for (const auto& kv : item.as_object()) {
    out[kv.key()] = ToAttributeValue(kv.value());
  }
  return out;
}

void ScenarioDraft::DropUnset(json::object& body) {
  // A new object: json::object::erase moves the last key into the gap.
  json::object kept;
  for (auto& kv : body) {
    if (!kv.value().is_null()) kept[kv.key()] = std::move(kv.value());
  }
  body = std::move(kept);
}

std::string ScenarioDraft::DidYouMean(const std::string& word,
                                      const std::set<std::string>& names) {
  std::string best = Closest(word, {names.begin(), names.end()});
  return best.empty() ? "" : " (did you mean \"" + best + "\"?)";
}

namespace {

std::string ExecutableDir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "" : self.parent_path().string();
}

bool Executable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// Where the second document of `text` starts: its `---` line (the
// parser's mark of an empty document is not reliable).
// Where each document of a YAML stream starts, without building them:
// YAML::LoadAll builds every document, and on some malformed inputs
// yaml-cpp 0.7's parser starts the same document again and again, without
// end (found by fuzz/scenario_fuzzer). A start at a place seen before ends
// the stream.
class DocumentStarts : public YAML::EventHandler {
 public:
  // The starts of up to `limit` documents.
  static std::vector<YAML::Mark> Of(const std::string& text, size_t limit) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentStarts starts;
    while (starts.marks_.size() < limit && !starts.repeated_ &&
           parser.HandleNextDocument(starts)) {
    }
    return std::move(starts.marks_);
  }

  void OnDocumentStart(const YAML::Mark& mark) override {
    for (const YAML::Mark& m : marks_) {
      if (m.pos == mark.pos) repeated_ = true;
    }
    if (!repeated_) marks_.push_back(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark> marks_;
  bool repeated_ = false;
};

Mark SecondDocument(const std::string& text, const YAML::Mark& second) {
  int line = 0;
  bool content = false;  // the first document has begun
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    ++line;
    if (l.starts_with("---") &&
        (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r')) {
      if (content) return Mark{line, 1};
      content = true;  // an explicit start of the first document
      continue;
    }
    if (l.starts_with("...")) continue;
    size_t first = l.find_first_not_of(" \t\r");
    if (first != std::string::npos && l[first] != '#' && l[first] != '%') {
      content = true;
    }
  }
  return Mark{second.line + 1, second.column + 1};
}

}  // namespace

std::string FindFunctionProgram(const std::string& program,
                                const std::string& base_dir,
                                const LoadOptions& options,
                                std::vector<std::string>* searched) {
  if (program.find('/') != std::string::npos) {
    fs::path p = fs::path(program).is_absolute() ? fs::path(program)
                                                 : fs::path(base_dir) / program;
    p = p.lexically_normal();
    if (searched) searched->push_back(p.string());
    return Executable(p) ? p.string() : "";
  }
  std::vector<std::string> dirs = options.function_dirs;
  if (const char* env = std::getenv("FANLAB_FUNCTIONS_DIR"); env && *env) {
    dirs.push_back(env);
  }
  if (std::string exe = ExecutableDir(); !exe.empty()) {
    dirs.push_back(exe + "/functions");
    dirs.push_back((fs::path(exe).parent_path() / "functions").string());
    // An installed fanlab: <prefix>/bin/fanlab, <prefix>/lib/fanlab/functions.
    dirs.push_back(
        (fs::path(exe).parent_path() / "lib" / "fanlab" / "functions")
            .string());
  }
  if (const char* path = std::getenv("PATH")) {
    std::string all = path;
    for (size_t start = 0; start <= all.size();) {
      size_t end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      if (end > start) dirs.push_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const auto& dir : dirs) {
    fs::path p = fs::path(dir) / program;
    if (Executable(p)) return fs::absolute(p).lexically_normal().string();
  }
  if (searched) {
    size_t shown =
        std::min<size_t>(dirs.size(), options.function_dirs.size() + 3);
    for (size_t i = 0; i < shown; ++i) searched->push_back(dirs[i]);
    if (dirs.size() > shown) searched->push_back("$PATH");
  }
  return "";
}

std::vector<Placeholder> FindPlaceholders(std::string_view text) {
  using Kind = Placeholder::Kind;
  static const std::pair<std::string_view, Kind> kNamed[] = {
      {"queue_url", Kind::kQueueUrl},
      {"queue_arn", Kind::kQueueArn},
      {"topic_arn", Kind::kTopicArn},
      {"function_arn", Kind::kFunctionArn},
      {"sink_url", Kind::kSinkUrl}};
  std::vector<Placeholder> out;
  for (size_t at = text.find("${"); at != std::string_view::npos;) {
    Placeholder p;
    p.begin = at;
    size_t close = text.find('}', at);
    if (close == std::string_view::npos) {
      p.kind = Kind::kUnterminated;
      p.end = text.size();
      out.push_back(std::move(p));
      break;
    }
    p.end = close + 1;
    p.inside = std::string(text.substr(at + 2, close - at - 2));
    if (p.inside == "http") {
      p.kind = Kind::kHttp;
    } else if (p.inside == "i") {
      p.kind = Kind::kIndex;
    } else if (p.inside.starts_with("steps.")) {
      p.kind = Kind::kStep;
      p.name = p.inside.substr(6);
    } else {
      // kind:NAME (a kind alone names "").
      const size_t colon = p.inside.find(':');
      const std::string_view word = std::string_view(p.inside).substr(0, colon);
      for (const auto& [named, kind] : kNamed) {
        if (word == named) {
          p.kind = kind;
          if (colon != std::string::npos) p.name = p.inside.substr(colon + 1);
        }
      }
    }
    out.push_back(std::move(p));
    at = text.find("${", close);
  }
  return out;
}

LoadResult ParseScenario(const std::string& text, const std::string& file,
                         const LoadOptions& options) {
  LoadResult result;
  YAML::Node root;
  try {
    std::vector<YAML::Mark> documents = DocumentStarts::Of(text, 2);
    if (documents.size() > 1) {
      // Only one scenario per file: a second document would be ignored.
      result.errors.push_back(
          {file, SecondDocument(text, documents[1]), "",
           "a scenario file holds one YAML document; this one starts a "
           "second (remove the `---` or split the file)"});
      return result;
    }
    if (!documents.empty()) root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Mark mark{e.mark.is_null() ? 0 : e.mark.line + 1,
              e.mark.is_null() ? 0 : e.mark.column + 1};
    result.errors.push_back({file, mark, "", "not valid YAML: " + e.msg});
    return result;
  }
  // `<<: *defaults` merge keys, once, before anything reads the tree.
  for (Diagnostic& d : ResolveMergeKeys(root)) {
    d.file = file;
    result.errors.push_back(std::move(d));
  }
  if (!root.IsMap()) {
    result.errors.push_back({file, MarkOf(root), "",
                             "a scenario is an object (name, resources, "
                             "timeline, expect, ...)"});
    return result;
  }
  std::string base_dir = fs::path(file).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  ScenarioDraft draft(file, base_dir, options);
  Scenario& s = draft.scenario;
  try {
    BindNode(root, *ScenarioSpec(), &draft, &draft, file, result.errors);
    s.file = file;
    if (s.name.empty()) s.name = fs::path(file).stem().string();
    LoadStack(draft, result.errors);
    ApplyDurations(draft, result.errors);
    Assemble(draft, result.errors);
    for (const auto& check : draft.checks) check(result.errors);
  } catch (const std::exception& e) {
    // A shape the reader did not expect; the format check has said why.
    if (result.errors.empty()) {
      result.errors.push_back({file,
                               {},
                               "",
                               std::string("cannot read the "
                                           "scenario: ") +
                                   e.what()});
    }
  }
  std::stable_sort(s.timeline.begin(), s.timeline.end(),
                   [](const Step& a, const Step& b) { return a.at < b.at; });
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::pair(a.mark.line, a.mark.column) <
                            std::pair(b.mark.line, b.mark.column);
                   });
  if (result.errors.empty()) result.scenario = std::move(s);
  return result;
}

LoadResult LoadScenario(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back({path, {}, "", "cannot read the file"});
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseScenario(text.str(), path, options);
}

std::string ScenarioJsonSchema() {
  return ToJsonSchema(*ScenarioSpec(),
                      "https://fanlab.dev/schemas/scenario.schema.json",
                      "fanlab scenario");
}

}  // namespace fanlab::harness
