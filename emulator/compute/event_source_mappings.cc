#include "emulator/compute/event_source_mappings.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/arn.h"
#include "emulator/core/base64.h"
#include "emulator/core/json_writer.h"

namespace fanlab::compute {
namespace json = boost::json;
using queue::QueueEventKind;

namespace {

Status Invalid(std::string message) {
  return Status(lambda::kInvalidParameterValueException, std::move(message));
}

Status NoMapping(const std::string& uuid) {
  return Status(lambda::kResourceNotFoundException,
                "The resource you requested does not exist. (Event source "
                "mapping " +
                    uuid + ")");
}

// The messageIds a ReportBatchItemFailures answer names as failed, or
// nullopt when the answer fails the whole batch (Lambda's rules: an empty
// or null list, or an empty object, is success; a malformed answer or an
// identifier not in the batch fails everything).
std::optional<std::set<std::string>> FailedItems(
    const std::string& payload, const std::set<std::string>& batch_ids) {
  std::set<std::string> failed;
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec) return std::nullopt;
  if (v.is_null()) return failed;
  if (!v.is_object()) return std::nullopt;
  const json::value* list = v.get_object().if_contains("batchItemFailures");
  if (list == nullptr || list->is_null()) return failed;
  if (!list->is_array()) return std::nullopt;
  for (const json::value& item : list->get_array()) {
    const json::value* id =
        item.is_object() ? item.get_object().if_contains("itemIdentifier")
                         : nullptr;
    if (id == nullptr || !id->is_string() || id->get_string().empty()) {
      return std::nullopt;
    }
    std::string s(id->get_string());
    if (batch_ids.count(s) == 0) return std::nullopt;
    failed.insert(std::move(s));
  }
  return failed;
}

}  // namespace

struct EventSourceMappings::Mapping {
  EventSourceMapping config;
  queue::QueueService::QueueInfo queue;
  std::vector<queue::Message> pending;  // gathered for the next batch
  TimePoint first_pending;
  int64_t in_flight = 0;  // batches with the function now
  TimerId poll_timer = 0;
  TimerId window_timer = 0;
  TimerId wake_timer = 0;
  bool deleting = false;
};

EventSourceMappings::EventSourceMappings(Clock& clock, queue::QueueService& sqs,
                                         FunctionService& functions,
                                         IdGenerator& ids)
    : clock_(clock), sqs_(sqs), functions_(functions), ids_(ids) {}

EventSourceMappings::~EventSourceMappings() {
  *alive_ = false;
  for (auto& [uuid, m] : mappings_) {
    for (TimerId t : {m->poll_timer, m->window_timer, m->wake_timer}) {
      if (t != 0) clock_.Cancel(t);
    }
  }
}

Status EventSourceMappings::Validate(
    const EventSourceMapping& m,
    const queue::QueueService::QueueInfo& queue) const {
  int64_t max_batch = queue.fifo ? 10 : 10000;
  if (m.batch_size < 1 || m.batch_size > max_batch) {
    return Invalid("BatchSize " + std::to_string(m.batch_size) +
                   " must be between 1 and " + std::to_string(max_batch) +
                   (queue.fifo ? " for a FIFO queue." : "."));
  }
  if (m.maximum_batching_window_seconds < 0 ||
      m.maximum_batching_window_seconds > 300) {
    return Invalid("MaximumBatchingWindowInSeconds must be between 0 and 300.");
  }
  if (queue.fifo && m.maximum_batching_window_seconds > 0) {
    return Invalid(
        "MaximumBatchingWindowInSeconds is not supported for FIFO queues.");
  }
  if (m.batch_size > 10 && m.maximum_batching_window_seconds < 1) {
    return Invalid(
        "Maximum batch window in seconds must be greater than 0 if maximum "
        "batch size is greater than 10");
  }
  if (m.maximum_concurrency &&
      (*m.maximum_concurrency < 2 || *m.maximum_concurrency > 1000)) {
    return Invalid(
        "ScalingConfig.MaximumConcurrency must be between 2 and "
        "1000.");
  }
  auto fn = functions_.GetFunction(m.function_name);
  if (!fn.ok()) return fn.status();
  if (fn->timeout_seconds > queue.visibility_timeout) {
    return Invalid("Queue visibility timeout: " +
                   std::to_string(queue.visibility_timeout) +
                   " seconds is less than Function timeout: " +
                   std::to_string(fn->timeout_seconds) + " seconds");
  }
  return Status::Ok();
}

Result<EventSourceMapping> EventSourceMappings::Create(EventSourceMapping c) {
  auto queue = sqs_.DescribeByArn(c.event_source_arn);
  if (!queue.ok()) {
    return Status(lambda::kResourceNotFoundException,
                  "Queue not found: " + c.event_source_arn);
  }
  if (Status s = Validate(c, *queue); !s.ok()) return s;
  // A mapping restored from the data dir keeps its uuid.
  if (c.uuid.empty()) c.uuid = ids_.NextUuidString();
  c.last_modified = clock_.Now();
  auto m = std::make_unique<Mapping>();
  m->config = c;
  m->queue = *queue;
  Mapping& ref = *m;
  mappings_[c.uuid] = std::move(m);
  Publish("EventSourceMappingCreated", c, ref.queue.name);
  SchedulePoll(ref);  // messages may be waiting already
  return c;
}

Result<EventSourceMapping> EventSourceMappings::Get(
    const std::string& uuid) const {
  auto it = mappings_.find(uuid);
  if (it == mappings_.end() || it->second->deleting) return NoMapping(uuid);
  return it->second->config;
}

std::vector<EventSourceMapping> EventSourceMappings::List(
    const std::string& function_name, const std::string& source_arn) const {
  std::vector<EventSourceMapping> out;
  for (const auto& [uuid, m] : mappings_) {
    if (m->deleting) continue;
    if (!function_name.empty() && m->config.function_name != function_name) {
      continue;
    }
    if (!source_arn.empty() && m->config.event_source_arn != source_arn) {
      continue;
    }
    out.push_back(m->config);
  }
  return out;
}

Result<EventSourceMapping> EventSourceMappings::Update(EventSourceMapping c) {
  auto it = mappings_.find(c.uuid);
  if (it == mappings_.end() || it->second->deleting) return NoMapping(c.uuid);
  Mapping& m = *it->second;
  c.event_source_arn = m.config.event_source_arn;
  if (c.function_name.empty()) c.function_name = m.config.function_name;
  if (Status s = Validate(c, m.queue); !s.ok()) return s;
  c.last_modified = clock_.Now();
  m.config = c;
  Publish("EventSourceMappingUpdated", c, m.queue.name);
  SchedulePoll(m);
  return c;
}

Result<EventSourceMapping> EventSourceMappings::Delete(
    const std::string& uuid) {
  auto it = mappings_.find(uuid);
  if (it == mappings_.end() || it->second->deleting) return NoMapping(uuid);
  Mapping& m = *it->second;
  for (TimerId t : {m.poll_timer, m.window_timer, m.wake_timer}) {
    if (t != 0) clock_.Cancel(t);
  }
  EventSourceMapping config = m.config;
  Publish("EventSourceMappingDeleted", config, m.queue.name);
  // Messages gathered but not sent go back after their visibility timeout,
  // as they would with Lambda.
  if (m.in_flight > 0) {
    m.deleting = true;  // erased when its last batch returns
  } else {
    mappings_.erase(it);
  }
  return config;
}

void EventSourceMappings::OnQueueEvent(const queue::QueueEvent& e) {
  switch (e.kind) {
    case QueueEventKind::kMessageSent:
    case QueueEventKind::kMessageVisibleAgain:
    case QueueEventKind::kVisibilityChanged:
    case QueueEventKind::kMessageMovedFromSourceQueue:
      break;
    default:
      return;
  }
  for (auto& [uuid, m] : mappings_) {
    if (m->queue.name == e.queue) SchedulePoll(*m);
  }
}

// Polls soon, from the Clock (the observer must not call back into the
// queue service, and a burst of sends costs one poll).
void EventSourceMappings::SchedulePoll(Mapping& m, Duration after) {
  if (m.poll_timer != 0 || m.deleting || !m.config.enabled) return;
  std::string uuid = m.config.uuid;
  std::weak_ptr<bool> alive = alive_;
  m.poll_timer = clock_.ScheduleAt(clock_.Now() + after, [this, alive, uuid] {
    if (alive.expired()) return;
    auto it = mappings_.find(uuid);
    if (it == mappings_.end()) return;
    it->second->poll_timer = 0;
    Poll(uuid);
  });
}

void EventSourceMappings::Poll(const std::string& uuid) {
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return;
  Mapping& m = *it->second;
  if (m.deleting || !m.config.enabled) return;
  // Never more batches at once than the function may run.
  int64_t max_concurrency = m.config.maximum_concurrency.value_or(1000);
  auto fn = functions_.GetFunction(m.config.function_name);
  if (fn.ok() && fn->reserved_concurrency) {
    max_concurrency = std::min(max_concurrency, *fn->reserved_concurrency);
  }
  while (m.in_flight < max_concurrency) {
    int64_t want = m.config.batch_size - int64_t(m.pending.size());
    queue::ReceiveMessageRequest req{
        .queue_url = m.queue.url,
        .attribute_names = {"All"},
        .message_attribute_names = {"All"},
        .max_number_of_messages = std::min<int64_t>(10, want)};
    auto got = sqs_.ReceiveMessageNow(req);
    if (!got.ok()) {
      // The queue is gone: the mapping stops, as Lambda disables it.
      m.config.enabled = false;
      m.config.state_transition_reason =
          "Queue deleted: " + got.status().message();
      m.config.last_modified = clock_.Now();
      Publish("EventSourceMappingUpdated", m.config, m.queue.name);
      return;
    }
    if (m.pending.empty() && !got->messages.empty()) {
      m.first_pending = clock_.Now();
    }
    for (auto& msg : got->messages) m.pending.push_back(std::move(msg));
    bool full = int64_t(m.pending.size()) >= m.config.batch_size;
    if (full || (!m.pending.empty() && got->messages.empty() &&
                 m.config.maximum_batching_window_seconds == 0)) {
      Dispatch(m);
      continue;
    }
    if (got->messages.empty()) break;
  }
  if (!m.pending.empty() && m.window_timer == 0 &&
      m.in_flight < max_concurrency) {
    // Wait out the batching window for more, then send what there is.
    std::weak_ptr<bool> alive = alive_;
    m.window_timer = clock_.ScheduleAt(
        m.first_pending +
            std::chrono::seconds(m.config.maximum_batching_window_seconds),
        [this, alive, uuid] {
          if (alive.expired()) return;
          auto found = mappings_.find(uuid);
          if (found == mappings_.end()) return;
          Mapping& mm = *found->second;
          mm.window_timer = 0;
          if (!mm.pending.empty()) Dispatch(mm);
          Poll(uuid);
        });
  }
  // Nothing visible now: look again when a delay or visibility timeout
  // ends, batches of ours out or not (a message whose visibility lapses
  // while the batch holding it still runs is delivered again, as SQS
  // hands it out again). With every slot taken, the end of a batch polls.
  if (m.pending.empty() && m.in_flight < max_concurrency) {
    if (m.wake_timer != 0) clock_.Cancel(m.wake_timer);
    m.wake_timer = 0;
    if (auto next = sqs_.NextTransition(m.queue.name)) {
      std::weak_ptr<bool> alive = alive_;
      m.wake_timer = clock_.ScheduleAt(*next, [this, alive, uuid] {
        if (alive.expired()) return;
        auto found = mappings_.find(uuid);
        if (found == mappings_.end()) return;
        found->second->wake_timer = 0;
        Poll(uuid);
      });
    }
  }
}

std::string EventSourceMappings::Event(
    const Mapping& m, const std::vector<queue::Message>& batch) const {
  JsonWriter w;
  w.BeginObject().Key("Records").BeginArray();
  for (const auto& msg : batch) {
    w.BeginObject()
        .Key("messageId")
        .String(msg.message_id)
        .Key("receiptHandle")
        .String(msg.receipt_handle)
        .Key("body")
        .String(msg.body)
        .Key("attributes")
        .BeginObject();
    for (const auto& [k, v] : msg.attributes) w.Key(k).String(v);
    w.EndObject().Key("messageAttributes").BeginObject();
    for (const auto& [name, a] : msg.message_attributes) {
      w.Key(name).BeginObject();
      if (a.string_value) w.Key("stringValue").String(*a.string_value);
      if (a.binary_value) {
        w.Key("binaryValue").String(Base64Encode(*a.binary_value));
      }
      w.Key("stringListValues").BeginArray().EndArray();
      w.Key("binaryListValues").BeginArray().EndArray();
      w.Key("dataType").String(a.data_type).EndObject();
    }
    w.EndObject().Key("md5OfBody").String(msg.md5_of_body);
    if (msg.md5_of_message_attributes) {
      w.Key("md5OfMessageAttributes").String(*msg.md5_of_message_attributes);
    }
    w.Key("eventSource")
        .String("aws:sqs")
        .Key("eventSourceARN")
        .String(m.queue.arn)
        .Key("awsRegion")
        .String(ArnRegion(m.queue.arn))
        .EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

void EventSourceMappings::Publish(std::string_view kind,
                                  const EventSourceMapping& m,
                                  std::string_view queue_name) const {
  if (observer_ == nullptr) return;
  JsonWriter w;
  w.BeginObject()
      .Key("eventSourceArn")
      .String(m.event_source_arn)
      .Key("queue")
      .String(queue_name)
      .Key("batchSize")
      .Int(m.batch_size)
      .Key("maximumBatchingWindowInSeconds")
      .Int(m.maximum_batching_window_seconds)
      .Key("enabled")
      .Bool(m.enabled)
      .Key("stateTransitionReason")
      .String(m.state_transition_reason);
  if (m.maximum_concurrency) {
    w.Key("maximumConcurrency").Int(*m.maximum_concurrency);
  }
  if (m.report_batch_item_failures) {
    w.Key("functionResponseTypes")
        .BeginArray()
        .String("ReportBatchItemFailures")
        .EndArray();
  }
  w.EndObject();
  services::Notify(observer_, "lambda", clock_.Now(), kind, m.function_name,
                   m.uuid, w.Take());
}

void EventSourceMappings::Dispatch(Mapping& m) {
  std::vector<queue::Message> batch = std::move(m.pending);
  m.pending.clear();
  if (m.window_timer != 0) clock_.Cancel(m.window_timer);
  m.window_timer = 0;
  if (m.wake_timer != 0) clock_.Cancel(m.wake_timer);
  m.wake_timer = 0;
  ++m.in_flight;
  std::string uuid = m.config.uuid;
  std::string event = Event(m, batch);
  std::weak_ptr<bool> alive = alive_;
  functions_.Invoke(m.config.function_name, std::move(event),
                    [this, alive, uuid, batch = std::move(batch)](
                        Result<InvokeResult> result) mutable {
                      if (alive.expired()) return;
                      OnResult(uuid, std::move(batch), std::move(result));
                    });
}

void EventSourceMappings::OnResult(const std::string& uuid,
                                   std::vector<queue::Message> batch,
                                   Result<InvokeResult> result) {
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return;
  Mapping& m = *it->second;
  --m.in_flight;
  // What to delete: everything on success; with ReportBatchItemFailures
  // all but the failed items; nothing on an error, a timeout or a throttle
  // (those messages return when their visibility timeout ends).
  std::set<std::string> keep;
  bool delete_any = result.ok() && !result->function_error;
  if (delete_any && m.config.report_batch_item_failures) {
    std::set<std::string> ids;
    for (const auto& msg : batch) ids.insert(msg.message_id);
    auto failed = FailedItems(result->payload, ids);
    if (!failed) {
      delete_any = false;
    } else {
      keep = std::move(*failed);
    }
  }
  if (delete_any) {
    std::vector<queue::DeleteMessageBatchRequestEntry> entries;
    for (const auto& msg : batch) {
      if (keep.count(msg.message_id) != 0) continue;
      entries.push_back({std::to_string(entries.size()), msg.receipt_handle});
      if (entries.size() == 10) {
        (void)sqs_.DeleteMessageBatch({m.queue.url, std::move(entries)});
        entries.clear();
      }
    }
    if (!entries.empty()) {
      (void)sqs_.DeleteMessageBatch({m.queue.url, std::move(entries)});
    }
  }
  if (m.deleting) {
    if (m.in_flight == 0) mappings_.erase(it);
    return;
  }
  // Poll again from the Clock, not from here (this may run inside
  // Dispatch). A throttled function gets a second of rest, as Lambda backs
  // off.
  bool throttled = !result.ok() &&
                   result.status().code() == lambda::kTooManyRequestsException;
  SchedulePoll(m, throttled ? Duration(std::chrono::seconds(1)) : Duration(0));
}

}  // namespace fanlab::compute
