#include "harness/expect.h"

#include <boost/json.hpp>
#include <set>

#include "emulator/core/base64.h"
#include "emulator/engine.h"
#include "emulator/services/attribute_value_json.h"
#include "emulator/services/bucket_service.h"
#include "emulator/services/sink_service.h"
#include "emulator/services/table_service.h"
#include "harness/json_match.h"
#include "harness/yaml_util.h"

namespace fanlab::harness {

namespace json = boost::json;

namespace {

int64_t Millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

// The body as JSON when it parses as an object or array.
void AddJson(json::object& doc, const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && (v.is_object() || v.is_array())) doc["Json"] = std::move(v);
}

// DynamoDB's AttributeValue JSON to plain JSON: S → string, N → number,
// BOOL, NULL, L → array, M → object, SS / NS / BS → arrays, B → base64.
json::value Plain(const json::value& av) {
  if (!av.is_object() || av.as_object().size() != 1) return av;
  const auto& [type, v] = *av.as_object().begin();
  if (type == "N" || type == "NS") {
    auto number = [](const json::value& s) -> json::value {
      boost::system::error_code ec;
      json::value n = json::parse(s.as_string(), ec);
      return ec ? json::value(s) : n;
    };
    if (type == "N") return number(v);
    json::array out;
    for (const auto& e : v.as_array()) out.push_back(number(e));
    return out;
  }
  if (type == "L") {
    json::array out;
    for (const auto& e : v.as_array()) out.push_back(Plain(e));
    return out;
  }
  if (type == "M") {
    json::object out;
    for (const auto& kv : v.as_object()) out[kv.key()] = Plain(kv.value());
    return out;
  }
  if (type == "NULL") return nullptr;
  return v;  // S, BOOL, B, SS, BS
}

struct Collection {
  std::vector<json::value> docs;
  std::string resource;  // for the events around a failure
  std::string missing;   // why there is no collection (no such queue, ...)
};

bool EventMatches(const Event& e, const EventSelector& s) {
  if (s.service && e.service != *s.service) return false;
  if (s.kind && e.kind != *s.kind) return false;
  if (s.resource && e.resource != *s.resource) return false;
  if (s.where) return JsonMatches(*s.where, e.ToJson());
  return true;
}

// Each collection kind's documents (docs/scenarios.md, "Collections").
Collection Collect(const Expectation::Invocations& x, const EvalInput& in) {
  Collection c;
  c.resource = x.function;
  for (const Event& e : in.events) {
    if (e.service != "lambda" || e.kind != "Invocation") continue;
    const json::object& d = e.detail.as_object();
    if (!c.resource.empty() && e.resource != c.resource) continue;
    if (!x.outcome.empty() && d.at("outcome") != json::value(x.outcome)) {
      continue;
    }
    if (x.error_type && (!d.contains("errorType") ||
                         d.at("errorType") != json::value(*x.error_type))) {
      continue;
    }
    json::object doc{
        {"function", e.resource}, {"requestId", e.key}, {"atMs", Millis(e.at)}};
    for (const auto& kv : d) doc[kv.key()] = kv.value();
    c.docs.push_back(std::move(doc));
  }
  return c;
}

Collection Collect(const Expectation::Messages& x, const EvalInput& in) {
  Collection c;
  c.resource = x.queue;
  auto peeked = in.engine.sqs().Peek(c.resource);
  if (!peeked.ok()) {
    c.missing = "there is no queue \"" + c.resource + "\" at the end";
    return c;
  }
  for (const queue::PeekedMessage& m : *peeked) {
    const char* s =
        m.state == queue::PeekedMessage::State::kInFlight  ? "in_flight"
        : m.state == queue::PeekedMessage::State::kDelayed ? "delayed"
                                                           : "visible";
    if (!x.state.empty() && x.state != s) continue;
    json::object attributes;
    for (const auto& [name, a] : m.attributes) {
      attributes[name] =
          a.string_value
              ? json::value(*a.string_value)
              : json::value(Base64Encode(a.binary_value.value_or("")));
    }
    json::object doc{{"MessageId", m.message_id},
                     {"Body", m.body},
                     {"MessageAttributes", std::move(attributes)},
                     {"ReceiveCount", m.receive_count},
                     {"State", s}};
    if (!m.group_id.empty()) doc["GroupId"] = m.group_id;
    AddJson(doc, m.body);
    c.docs.push_back(std::move(doc));
  }
  return c;
}

Collection Collect(const Expectation::Items& x, const EvalInput& in) {
  Collection c;
  c.resource = x.table;
  auto items = in.engine.tables().Items(c.resource);
  if (!items.ok()) {
    c.missing = "there is no table \"" + c.resource + "\" at the end";
    return c;
  }
  for (const services::Item& item : *items) {
    json::value av = json::parse(services::ToJson(item));
    json::object doc;
    for (const auto& kv : av.as_object()) doc[kv.key()] = Plain(kv.value());
    c.docs.push_back(std::move(doc));
  }
  return c;
}

Collection Collect(const Expectation::Objects& x, const EvalInput& in) {
  Collection c;
  c.resource = x.bucket;
  auto& buckets = in.engine.buckets();
  auto keys = buckets.ListKeys(c.resource, x.prefix);
  if (!keys.ok()) {
    c.missing = "there is no bucket \"" + c.resource + "\" at the end";
    return c;
  }
  for (const std::string& key : *keys) {
    auto body = buckets.GetObjectBody(c.resource, key);
    std::string text = body.ok() ? *body : "";
    json::object doc{{"Key", key}, {"Size", text.size()}, {"Body", text}};
    AddJson(doc, text);
    c.docs.push_back(std::move(doc));
  }
  return c;
}

Collection Collect(const Expectation::Emails& x, const EvalInput& in) {
  Collection c;
  c.resource = "";  // the events around: the last ones
  for (const services::Email& e : in.engine.topics().outbox()) {
    if (!x.to.empty() && e.to != x.to) continue;
    json::object doc{{"To", e.to},
                     {"Subject", e.subject},
                     {"Body", e.body},
                     {"TopicArn", e.topic_arn},
                     {"MessageId", e.message_id}};
    AddJson(doc, e.body);
    c.docs.push_back(std::move(doc));
  }
  // The outbox's times come from the Publish events of the log.
  for (json::value& doc : c.docs) {
    for (const Event& ev : in.events) {
      if (ev.service == "sns" && ev.key == Str(doc.as_object(), "MessageId")) {
        doc.as_object()["atMs"] = Millis(ev.at);
        break;
      }
    }
  }
  return c;
}

Collection Collect(const Expectation::Requests& x, const EvalInput& in) {
  Collection c;
  c.resource = x.sink;
  auto requests = in.engine.sinks().GetRequests(c.resource);
  if (!requests.ok()) {
    c.missing = "there is no sink \"" + c.resource + "\" at the end";
    return c;
  }
  for (const services::SinkRecord& r : requests->records) {
    json::object headers;
    for (const auto& [name, value] : r.headers) headers[name] = value;
    json::object doc{{"Method", r.method}, {"Path", r.path},
                     {"Query", r.query},   {"Headers", std::move(headers)},
                     {"Body", r.body},     {"atMs", Millis(r.time - in.start)}};
    AddJson(doc, r.body);
    c.docs.push_back(std::move(doc));
  }
  return c;
}

Collection Collect(const Expectation::Events& x, const EvalInput& in) {
  Collection c;
  c.resource = x.resource.value_or("");
  EventSelector selector{
      .service = x.service, .kind = x.kind, .resource = x.resource};
  for (const Event& e : in.events) {
    if (EventMatches(e, selector)) c.docs.push_back(e.ToJson());
  }
  return c;
}

std::string Describe(const std::vector<json::value>& values) {
  std::string out = std::to_string(values.size()) +
                    (values.size() == 1 ? " value" : " values");
  if (values.empty()) return out;
  out += ": ";
  for (size_t i = 0; i < values.size() && i < 5; ++i) {
    if (i > 0) out += ", ";
    out += JsonShort(values[i], 160);
  }
  if (values.size() > 5) out += ", ...";
  return out;
}

// The first values whole, for the terminal (Describe's words say how many
// there are).
json::value FirstValues(const std::vector<json::value>& values, size_t n = 5) {
  json::array out;
  for (size_t i = 0; i < values.size() && i < n; ++i) out.push_back(values[i]);
  return out;
}

std::string ValuesWords(const std::vector<json::value>& values, size_t n = 5) {
  std::string words = std::to_string(values.size()) +
                      (values.size() == 1 ? " value" : " values");
  if (values.size() > n) words += ", the first " + std::to_string(n);
  return words;
}

void SetJson(ExpectationResult& r, std::string expected_words,
             const json::value* expected, std::string found_words,
             const json::value* found, bool compare) {
  r.json = FailureJson{
      .expected_words = std::move(expected_words),
      .expected = expected != nullptr ? json::serialize(*expected) : "",
      .found_words = std::move(found_words),
      .found = found != nullptr ? json::serialize(*found) : "",
      .compare = compare};
}

// The document's time (atMs), if it has one.
std::optional<Duration> TimeOf(const json::value& doc) {
  const json::value* at = doc.as_object().if_contains("atMs");
  if (at == nullptr || !at->is_number()) return std::nullopt;
  return std::chrono::milliseconds(at->to_number<int64_t>());
}

// The collection checks of docs/scenarios.md, in order; the first that
// fails is the answer.
void CheckCollection(const CollectionChecks& checks, Collection c,
                     ExpectationResult& r) {
  if (!c.missing.empty()) {
    r.expected = "the collection to exist";
    r.found = c.missing;
    return;
  }
  std::vector<json::value> docs;
  for (auto& d : c.docs) {
    if (checks.where && !JsonMatches(*checks.where, d)) continue;
    // A document without a time is outside every window.
    if (const auto& window = checks.between) {
      std::optional<Duration> t = TimeOf(d);
      if (!t || *t < window->first || *t > window->second) continue;
    }
    docs.push_back(std::move(d));
  }
  // Time bounds apply to documents (before selection).
  const std::pair<const char*, std::optional<Duration>> bounds[] = {
      {"before", checks.before}, {"after", checks.after}};
  for (const auto& [bound, limit] : bounds) {
    if (!limit) continue;
    for (const auto& d : docs) {
      if (!d.as_object().contains("atMs")) {
        r.expected = std::string(bound) + " " + FormatDuration(*limit);
        r.found = "documents without a time (" + JsonShort(d, 120) + ")";
        return;
      }
      Duration t = std::chrono::milliseconds(
          d.as_object().at("atMs").to_number<int64_t>());
      bool ok = std::string(bound) == "before" ? t <= *limit : t >= *limit;
      if (!ok) {
        r.expected =
            "every one " + std::string(bound) + " " + FormatDuration(*limit);
        r.found = "one at " + FormatDuration(t) + ": " + JsonShort(d, 160);
        SetJson(r, r.expected, nullptr, "one at " + FormatDuration(t), &d,
                false);
        return;
      }
    }
  }
  std::vector<json::value> values;
  if (checks.select) {
    for (const auto& d : docs) {
      auto selected = JsonSelect(d, *checks.select);
      if (!selected.ok()) {
        r.expected = "a valid selector";
        r.found = selected.status().message();
        return;
      }
      for (auto& v : *selected) values.push_back(std::move(v));
    }
  } else {
    values = std::move(docs);
  }
  bool checked = false;
  auto count_check = [&](const std::optional<int64_t>& want, auto ok,
                         const char* words) {
    if (!want || !r.expected.empty()) return;
    checked = true;
    if (!ok(int64_t(values.size()), *want)) {
      r.expected = std::string(words) + " " + std::to_string(*want);
      r.found = Describe(values);
      if (!values.empty()) {
        json::value first = FirstValues(values);
        SetJson(r, r.expected, nullptr, ValuesWords(values), &first, false);
      }
    }
  };
  count_check(
      checks.count, [](int64_t n, int64_t w) { return n == w; }, "count");
  count_check(
      checks.at_least, [](int64_t n, int64_t w) { return n >= w; }, "at least");
  count_check(
      checks.at_most, [](int64_t n, int64_t w) { return n <= w; }, "at most");
  if (!r.expected.empty()) return;
  if (const auto& p = checks.match) {
    // "Every value matches" holds of nothing at all: without a count, a
    // match wants at least one value.
    if (values.empty() && !checked) {
      r.expected = "values matching " + JsonShort(*p);
      r.found = "nothing";
      return;
    }
    checked = true;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!JsonMatches(*p, values[i])) {
        r.expected = "every value to match " + JsonShort(*p);
        r.found = "value " + std::to_string(i) + " of " +
                  std::to_string(values.size()) + ": " +
                  JsonShort(values[i], 300);
        SetJson(r, "every value to match", &*p,
                "value " + std::to_string(i) + " of " +
                    std::to_string(values.size()),
                &values[i], true);
        return;
      }
    }
  }
  if (const auto& p = checks.contains) {
    checked = true;
    bool any = false;
    for (const auto& v : values) any = any || JsonMatches(*p, v);
    if (!any) {
      r.expected = "some value to match " + JsonShort(*p);
      r.found = Describe(values);
      json::value first = FirstValues(values);
      SetJson(r, "some value to match", &*p, ValuesWords(values),
              values.empty() ? nullptr : &first, false);
      return;
    }
  }
  if (const auto& p = checks.none) {
    checked = true;
    for (const auto& v : values) {
      if (JsonMatches(*p, v)) {
        r.expected = "no value to match " + JsonShort(*p);
        r.found = JsonShort(v, 300);
        SetJson(r, "no value to match", &*p, "this one", &v, false);
        return;
      }
    }
  }
  if (checks.values) {
    checked = true;
    const json::array& want = *checks.values;
    bool same = want.size() == values.size();
    for (size_t i = 0; same && i < want.size(); ++i) {
      same = JsonMatches(want[i], values[i]);
    }
    if (!same) {
      const json::value expected = want;
      r.expected = "the values " + JsonShort(expected, 300);
      r.found = Describe(values);
      // Both whole (up to 50), so that a missing or extra value shows.
      json::value found = FirstValues(values, 50);
      SetJson(r, "the values", &expected, ValuesWords(values, 50), &found,
              true);
      return;
    }
  }
  if (checks.distinct) {
    checked = true;
    std::set<std::string> seen;
    for (const auto& v : values) seen.insert(json::serialize(v));
    if (int64_t(seen.size()) != *checks.distinct) {
      r.expected = std::to_string(*checks.distinct) + " distinct values";
      r.found =
          std::to_string(seen.size()) + " distinct among " + Describe(values);
      return;
    }
  }
  if (checks.ordered) {
    checked = true;
    bool ascending = *checks.ordered == CollectionChecks::Order::kAscending;
    for (size_t i = 1; i < values.size(); ++i) {
      const json::value& a = values[i - 1];
      const json::value& b = values[i];
      bool in_order = true;
      if (a.is_number() && b.is_number()) {
        double x = a.to_number<double>(), y = b.to_number<double>();
        in_order = ascending ? x <= y : x >= y;
      } else if (a.is_string() && b.is_string()) {
        in_order = ascending ? a.as_string() <= b.as_string()
                             : a.as_string() >= b.as_string();
      } else {
        in_order = false;
      }
      if (!in_order) {
        r.expected = std::string("values in ") +
                     (ascending ? "ascending" : "descending") + " order";
        r.found = "value " + std::to_string(i - 1) + " " + JsonShort(a) +
                  " then " + JsonShort(b);
        return;
      }
    }
  }
  // With no check at all, the expectation is that there is something.
  if (!checked && values.empty()) {
    r.expected = "at least 1";
    r.found = "nothing";
  }
}

void CheckQueue(const Expectation::Queue& q, const EvalInput& in,
                ExpectationResult& r) {
  auto depth = in.engine.sqs().Depth(q.name);
  if (!depth.ok()) {
    if (q.exists) {
      r.expected = "queue " + q.name + " to exist";
      r.found = "no such queue";
    }
    return;
  }
  if (!q.exists) {
    r.expected = "queue " + q.name + " to be gone";
    r.found = "it exists, " + std::to_string(depth->visible) + " visible, " +
              std::to_string(depth->in_flight) + " in flight, " +
              std::to_string(depth->delayed) + " delayed";
    return;
  }
  const std::tuple<const char*, std::optional<int64_t>, uint64_t> fields[] = {
      {"visible", q.visible, depth->visible},
      {"in_flight", q.in_flight, depth->in_flight},
      {"delayed", q.delayed, depth->delayed}};
  for (const auto& [key, want, value] : fields) {
    if (want && *want != int64_t(value)) {
      r.expected = std::string(key) + " " + std::to_string(*want);
      r.found = std::string(key) + " " + std::to_string(value);
      return;
    }
  }
}

// A selector as reports show it: {"service":"lambda","kind":"Invocation"}.
std::string Show(const EventSelector& s) {
  json::object o;
  if (s.service) o["service"] = *s.service;
  if (s.kind) o["kind"] = *s.kind;
  if (s.resource) o["resource"] = *s.resource;
  if (s.where) o["where"] = *s.where;
  return JsonShort(o);
}

void CheckOrder(const Expectation::Order& order, const EvalInput& in,
                ExpectationResult& r) {
  const std::vector<EventSelector>& selectors = order.selectors;
  std::vector<std::vector<size_t>> hits(selectors.size());
  for (size_t i = 0; i < in.events.size(); ++i) {
    for (size_t s = 0; s < selectors.size(); ++s) {
      if (EventMatches(in.events[i], selectors[s])) hits[s].push_back(i);
    }
  }
  for (size_t s = 0; s < selectors.size(); ++s) {
    if (hits[s].empty()) {
      r.expected = "events matching " + Show(selectors[s]);
      r.found = "none";
      return;
    }
  }
  for (size_t s = 0; s + 1 < selectors.size(); ++s) {
    size_t last = hits[s].back();
    size_t first_next = hits[s + 1].front();
    if (last > first_next) {
      r.expected = "every " + Show(selectors[s]) + " before every " +
                   Show(selectors[s + 1]);
      r.found = "[" + in.events[first_next].Summary() + "] came before [" +
                in.events[last].Summary() + "]";
      return;
    }
  }
}

void CheckResponse(const Expectation::Response& x, const EvalInput& in,
                   ExpectationResult& r) {
  auto it = in.responses.find(x.step);
  if (it == in.responses.end() || !it->second.done) {
    r.expected = "an answer to step " + x.step;
    r.found = it == in.responses.end() ? "the step never ran"
                                       : "no answer by the end of the run";
    return;
  }
  const StepResponse& a = it->second;
  // A bare `response` (or one with only a body pattern) wants success.
  if (!x.ok && !x.error && !x.status && !a.ok) {
    r.expected = "success";
    r.found = "error " + a.error + ": " + JsonShort(json::value(a.body), 300);
    boost::system::error_code ec;
    json::value body = json::parse(a.body, ec);
    if (ec) body = json::string(a.body);
    SetJson(r, "success", nullptr, "error " + a.error, &body, false);
    return;
  }
  if (x.status && *x.status != a.status) {
    r.expected = "status " + std::to_string(*x.status);
    r.found = "status " + std::to_string(a.status) + ": " +
              JsonShort(json::value(a.body), 300);
    return;
  }
  if (x.ok && *x.ok != a.ok) {
    r.expected = *x.ok ? "success" : "an error";
    r.found = (a.ok ? "success: " : "error: ") + a.body;
    return;
  }
  if (x.error && a.error != *x.error) {
    r.expected = "error " + *x.error;
    r.found = a.error.empty() ? "success: " + a.body : "error " + a.error;
    return;
  }
  if (x.body && a.body != *x.body) {
    const json::value expected = json::string(*x.body);
    r.expected = "body " + JsonShort(expected, 300);
    r.found = "body " + JsonShort(json::value(a.body), 300);
    json::value found = json::string(a.body);
    SetJson(r, "body", &expected, "body", &found, true);
    return;
  }
  if (const auto& p = x.json) {
    boost::system::error_code ec;
    json::value body = json::parse(a.body, ec);
    if (ec || !JsonMatches(*p, body)) {
      r.expected = "a body matching " + JsonShort(*p, 300);
      r.found =
          ec ? "a body that is not JSON: " + JsonShort(json::value(a.body))
             : JsonShort(body, 300);
      if (!ec) SetJson(r, "a body matching", &*p, "the body", &body, true);
      return;
    }
  }
}

// The last events that concern `resource` in `service` (any service when
// empty), or the last events at all when there is no resource.
std::vector<std::string> Around(const std::vector<Event>& events,
                                const std::string& resource,
                                std::string_view service) {
  std::vector<std::string> out;
  for (size_t i = events.size(); i-- > 0 && out.size() < 6;) {
    if (resource.empty() ||
        (events[i].resource == resource &&
         (service.empty() || events[i].service == service))) {
      out.insert(out.begin(), events[i].Summary());
    }
  }
  return out;
}

}  // namespace

ExpectationResult Evaluate(const Expectation& e, const EvalInput& in) {
  ExpectationResult r{
      .kind = std::string(e.kind()), .label = e.label, .origin = e.origin};
  std::string resource;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Expectation::Queue>) {
          CheckQueue(x, in, r);
          resource = x.name;
        } else if constexpr (std::is_same_v<T, Expectation::Order>) {
          CheckOrder(x, in, r);
        } else if constexpr (std::is_same_v<T, Expectation::Response>) {
          CheckResponse(x, in, r);
          resource = x.step;
        } else {
          Collection c = Collect(x, in);
          resource = c.resource;
          CheckCollection(x.checks, std::move(c), r);
        }
      },
      e.check);
  r.passed = r.expected.empty();
  // The resource's own service: a topic and a function may share a name.
  const std::string_view kind = e.kind();
  std::string_view service = kind == "invocations"                   ? "lambda"
                             : kind == "messages" || kind == "queue" ? "sqs"
                             : kind == "items"    ? "dynamodb"
                             : kind == "objects"  ? "s3"
                             : kind == "requests" ? "http"
                             : kind == "response" ? "harness"
                                                  : "";
  if (!r.passed) r.context = Around(in.events, resource, service);
  return r;
}

}  // namespace fanlab::harness
