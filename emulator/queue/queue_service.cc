#include "emulator/queue/queue_service.h"

#include <algorithm>
#include <set>

#include "emulator/core/base64.h"
#include "emulator/core/digest.h"
#include "emulator/persist/log_writer.h"
#include "emulator/queue/message_checks.h"
#include "emulator/queue/queue.h"
#include "emulator/queue/queue_attributes.h"
#include "emulator/queue/receipt_handle.h"
#include "emulator/queue/sqs_errors.h"

namespace fanlab::queue {
namespace {

constexpr size_t kMaxBatchEntries = 10;
constexpr size_t kMaxTags = 50;
constexpr Duration kAttemptWindow = std::chrono::minutes(5);

Status Invalid(std::string message) {
  return Status(sqs::kInvalidParameterValue, std::move(message));
}

Status InvalidValue(const std::string& parameter, const std::string& value,
                    const std::string& reason) {
  return Invalid("Value " + value + " for parameter " + parameter +
                 " is invalid. Reason: " + reason);
}

Status Missing(const std::string& parameter) {
  return Status(sqs::kMissingParameter,
                "The request must contain the parameter " + parameter + ".");
}

Status NoSuchQueue() {
  return Status(sqs::kQueueDoesNotExist, "The specified queue does not exist.");
}

Status CheckRange(const char* parameter, std::optional<int64_t> v, int64_t lo,
                  int64_t hi) {
  if (v && (*v < lo || *v > hi)) {
    return InvalidValue(parameter, std::to_string(*v),
                        "Must be between " + std::to_string(lo) + " and " +
                            std::to_string(hi) + ", if provided.");
  }
  return Status::Ok();
}

// The request-level rules every batch action shares.
template <typename Entry>
Status CheckBatch(const std::vector<Entry>& entries, const char* entry_shape) {
  if (entries.empty()) {
    return Status(sqs::kEmptyBatchRequest,
                  std::string("There should be at least one ") + entry_shape +
                      " in the request.");
  }
  if (entries.size() > kMaxBatchEntries) {
    return Status(sqs::kTooManyEntriesInBatchRequest,
                  "Maximum number of entries per request are 10. You have "
                  "sent " +
                      std::to_string(entries.size()) + ".");
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (!IsValidBatchEntryId(e.id)) {
      return Status(sqs::kInvalidBatchEntryId,
                    "A batch entry id can only contain alphanumeric "
                    "characters, hyphens and underscores. It can be at most "
                    "80 letters long.");
    }
    // At most 10 entries: a scan beats building a set on this hot path.
    auto same_id = [&](const auto& other) { return other.id == e.id; };
    if (std::any_of(entries.begin(), entries.begin() + i, same_id)) {
      return Status(sqs::kBatchEntryIdsNotDistinct,
                    "Id " + e.id + " repeated.");
    }
  }
  return Status::Ok();
}

// Adds `tags` to `into`, with SQS's limits: <= 50 tags, keys 1-128 and
// values 0-256 characters.
Status MergeTags(const std::string& queue_name, const TagMap& tags,
                 TagMap& into) {
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128 || v.size() > 256) {
      return Invalid(
          "Tag key must be 1 to 128 characters and tag value at most 256 "
          "characters: " +
          k);
    }
    into[k] = v;
  }
  if (into.size() > kMaxTags) {
    return Invalid("Too many tags added for queue " + queue_name + ".");
  }
  return Status::Ok();
}

BatchResultErrorEntry Failure(const std::string& id, const Status& s) {
  return {id, IsSenderFault(s.code()), std::string(s.name()), s.message()};
}

// Runs `fn` on every entry of a batch whose results are just ids:
// successes by id, failures with their error.
template <typename Response, typename Entry, typename Fn>
Response EachEntry(const std::vector<Entry>& entries, Fn fn) {
  Response out;
  for (const auto& e : entries) {
    Status s = fn(e);
    if (s.ok()) {
      out.successful.push_back({e.id});
    } else {
      out.failed.push_back(Failure(e.id, s));
    }
  }
  return out;
}

// Pages over a sorted list of names: tokens are the last name returned.
template <typename Out>
Status Page(const std::vector<std::string>& sorted,
            const std::optional<std::string>& next_token,
            std::optional<int64_t> max_results, Out& out,
            const std::function<std::string(const std::string&)>& to_url) {
  if (Status s = CheckRange("MaxResults", max_results, 1, 1000); !s.ok()) {
    return s;
  }
  auto it = sorted.begin();
  if (next_token) {
    auto after = Base64Decode(*next_token);
    if (!after) return Invalid("Invalid NextToken value.");
    it = std::upper_bound(sorted.begin(), sorted.end(), *after);
  }
  size_t limit = max_results ? size_t(*max_results) : 1000;
  for (; it != sorted.end() && out.queue_urls.size() < limit; ++it) {
    out.queue_urls.push_back(to_url(*it));
  }
  if (max_results && it != sorted.end()) {
    out.next_token = Base64Encode(*(it - 1));
  }
  return Status::Ok();
}

bool WantsMessageAttribute(const std::vector<std::string>& patterns,
                           const std::string& name) {
  for (const auto& p : patterns) {
    if (p == "All" || p == ".*" || p == name) return true;
    if (p.size() > 2 && p.ends_with(".*") &&
        name.starts_with(std::string_view(p).substr(0, p.size() - 1))) {
      return true;
    }
  }
  return false;
}

}  // namespace

// The fields SendMessage and a SendMessageBatch entry share.
struct QueueService::SendView {
  const std::string& body;
  const std::optional<int64_t>& delay_seconds;
  const MessageAttributeMap& attributes;
  const MessageAttributeMap& system_attributes;
  const std::optional<std::string>& dedup_id;
  const std::optional<std::string>& group_id;
};

QueueService::QueueService(Clock& clock, QueueServiceOptions options)
    : clock_(clock),
      options_(std::move(options)),
      ids_(options_.seed),
      handle_key_(ids_.NextU64()),
      epoch_(ids_.NextU64()) {}

QueueService::~QueueService() {
  for (auto& [id, w] : waiters_) clock_.Cancel(w.timer);
  for (auto& [name, q] : queues_) {
    if (q->wake_timer != 0) clock_.Cancel(q->wake_timer);
  }
}

std::string QueueService::QueueUrl(std::string_view name) const {
  return options_.url_base + "/" + options_.account_id + "/" +
         std::string(name);
}

std::string QueueService::QueueArn(std::string_view name) const {
  return "arn:aws:sqs:" + options_.region + ":" + options_.account_id + ":" +
         std::string(name);
}

Queue* QueueService::FindByName(std::string_view name) {
  auto it = queues_.find(std::string(name));
  return it == queues_.end() ? nullptr : it->second.get();
}

Queue* QueueService::FindByArn(std::string_view arn) {
  std::string prefix = QueueArn("");
  if (!arn.starts_with(prefix)) return nullptr;
  return FindByName(arn.substr(prefix.size()));
}

Result<Queue*> QueueService::FindByUrl(const std::string& url) {
  if (url.empty()) return Missing("QueueUrl");
  std::string_view path = url;
  while (path.ends_with('/')) path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return NoSuchQueue();
  std::string_view name = path.substr(slash + 1);
  std::string_view rest = path.substr(0, slash);
  size_t slash2 = rest.rfind('/');
  std::string_view account =
      slash2 == std::string_view::npos ? rest : rest.substr(slash2 + 1);
  if (account != options_.account_id) return NoSuchQueue();
  Queue* q = FindByName(name);
  if (q == nullptr) return NoSuchQueue();
  return q;
}

void QueueService::ForgetOldDeletions(TimePoint now) {
  while (!deletion_order_.empty() &&
         deletion_order_.front().first + options_.deleted_queue_cooldown <=
             now) {
    auto it = recently_deleted_.find(deletion_order_.front().second);
    if (it != recently_deleted_.end() &&
        it->second == deletion_order_.front().first) {
      recently_deleted_.erase(it);
    }
    deletion_order_.pop_front();
  }
}

void QueueService::MarkServe(Queue& q) {
  if (!q.waiters.empty()) serve_.push_back(q.name());
}

Status QueueService::ValidateRedrive(const Queue* self,
                                     const std::string& self_arn, bool fifo,
                                     const QueueConfig& config) {
  if (!config.redrive_policy) return Status::Ok();
  const std::string& target_arn = config.redrive_policy->dead_letter_target_arn;
  auto bad = [&](const std::string& why) {
    return Status(
        sqs::kInvalidParameterValue,
        "Value " + target_arn +
            " for parameter RedrivePolicy is invalid. Reason: " + why);
  };
  if (target_arn == self_arn) {
    return bad("Dead-letter target cannot be the queue itself.");
  }
  Queue* target = FindByArn(target_arn);
  if (target == nullptr || target == self) {
    return bad("Dead letter target does not exist.");
  }
  if (target->fifo() != fifo) {
    return bad("Dead-letter queue must be same type of queue as the source.");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- queues

Result<CreateQueueResponse> QueueService::CreateQueue(
    const CreateQueueRequest& req) {
  const TimePoint now = clock_.Now();
  if (req.queue_name.empty()) return Missing("QueueName");
  QueueConfig config;
  if (Status s =
          ApplyQueueAttributes(req.attributes, /*creating=*/true, config);
      !s.ok()) {
    return s;
  }
  bool fifo_name = req.queue_name.ends_with(".fifo");
  if (config.fifo != fifo_name ||
      !IsValidQueueName(req.queue_name, fifo_name)) {
    return Invalid(
        "Can only include alphanumeric characters, hyphens, or underscores. "
        "1 to 80 in length. The name of a FIFO queue must end with the .fifo "
        "suffix and be created with the attribute FifoQueue=true.");
  }

  if (Queue* existing = FindByName(req.queue_name)) {
    for (const auto& [name, value] : req.attributes) {
      if (ConfigAttribute(existing->config(), name) !=
          ConfigAttribute(config, name)) {
        return Status(sqs::kQueueNameExists,
                      "A queue already exists with the same name and a "
                      "different value for attribute " +
                          name);
      }
    }
    return CreateQueueResponse{existing->url()};
  }

  ForgetOldDeletions(now);
  auto deleted = recently_deleted_.find(req.queue_name);
  if (deleted != recently_deleted_.end()) {
    if (now < deleted->second + options_.deleted_queue_cooldown) {
      return Status(sqs::kQueueDeletedRecently,
                    "You must wait 60 seconds after deleting a queue before "
                    "you can create another queue with the same name.");
    }
    recently_deleted_.erase(deleted);
  }
  std::string arn = QueueArn(req.queue_name);
  if (Status s = ValidateRedrive(nullptr, arn, config.fifo, config); !s.ok()) {
    return s;
  }
  TagMap tags;
  if (Status s = MergeTags(req.queue_name, req.tags, tags); !s.ok()) return s;

  auto q =
      std::make_unique<Queue>(req.queue_name, arn, QueueUrl(req.queue_name),
                              next_queue_uid_++, config, now, observer_);
  q->tags() = std::move(tags);
  q->SetJournal(journal_);
  q->LogConfig();
  Queue& ref = *q;
  queues_.emplace(req.queue_name, std::move(q));
  ref.Emit(QueueEventKind::kQueueCreated, now, nullptr);
  return CreateQueueResponse{ref.url()};
}

Result<GetQueueUrlResponse> QueueService::GetQueueUrl(
    const GetQueueUrlRequest& req) {
  if (req.queue_name.empty()) return Missing("QueueName");
  if (req.queue_owner_aws_account_id &&
      *req.queue_owner_aws_account_id != options_.account_id) {
    return NoSuchQueue();
  }
  Queue* q = FindByName(req.queue_name);
  if (q == nullptr) return NoSuchQueue();
  return GetQueueUrlResponse{q->url()};
}

std::vector<std::string> QueueService::QueueNames() const {
  std::vector<std::string> names;
  names.reserve(queues_.size());
  for (const auto& [name, q] : queues_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

Result<ListQueuesResponse> QueueService::ListQueues(
    const ListQueuesRequest& req) {
  std::vector<std::string> names;
  for (auto& name : QueueNames()) {
    if (!req.queue_name_prefix || name.starts_with(*req.queue_name_prefix)) {
      names.push_back(std::move(name));
    }
  }
  ListQueuesResponse out;
  Status s = Page(names, req.next_token, req.max_results, out,
                  [this](const std::string& n) { return QueueUrl(n); });
  if (!s.ok()) return s;
  return out;
}

Result<Empty> QueueService::DeleteQueue(const DeleteQueueRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  Queue& q = **found;
  const TimePoint now = clock_.Now();
  Callbacks failed;
  for (uint64_t id : q.waiters) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) continue;
    clock_.Cancel(it->second.timer);
    failed.emplace_back(std::move(it->second.done), NoSuchQueue());
    waiters_.erase(it);
  }
  if (q.wake_timer != 0) clock_.Cancel(q.wake_timer);
  q.Emit(QueueEventKind::kQueueDeleted, now, nullptr);
  std::string name = q.name();
  if (journal_ != nullptr) {
    journal_->Add(persist::RecordKind::kQueueDelete,
                  persist::QueueRefRecord{q.uid()});
  }
  queues_.erase(name);
  ForgetOldDeletions(now);
  recently_deleted_[name] = now;
  deletion_order_.emplace_back(now, name);
  for (auto& [done, result] : failed) done(std::move(result));
  return Empty{};
}

Result<Empty> QueueService::PurgeQueue(const PurgeQueueRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  Queue& q = **found;
  const TimePoint now = clock_.Now();
  if (q.last_purge_at && now < *q.last_purge_at + options_.purge_cooldown) {
    return Status(sqs::kPurgeQueueInProgress,
                  "Only one PurgeQueue operation on " + q.name() +
                      " is allowed every 60 seconds.");
  }
  q.last_purge_at = now;
  uint64_t n = q.Purge();
  q.LogConfig();
  q.Emit(QueueEventKind::kQueuePurged, now, nullptr, {}, n);
  return Empty{};
}

Result<GetQueueAttributesResponse> QueueService::GetQueueAttributes(
    const GetQueueAttributesRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  Queue& q = **found;
  q.Advance(clock_.Now());
  auto seconds = [](TimePoint t) {
    return std::to_string(ToEpochMillis(t) / 1000);
  };
  auto read_only = [&](const std::string& name) -> std::optional<std::string> {
    if (name == "QueueArn") return q.arn();
    if (name == "ApproximateNumberOfMessages") return std::to_string(q.ready());
    if (name == "ApproximateNumberOfMessagesNotVisible") {
      return std::to_string(q.in_flight());
    }
    if (name == "ApproximateNumberOfMessagesDelayed") {
      return std::to_string(q.delayed());
    }
    if (name == "CreatedTimestamp") return seconds(q.created_at());
    if (name == "LastModifiedTimestamp") return seconds(q.last_modified_at());
    return std::nullopt;
  };
  static const std::vector<std::string> kReadOnly = {
      "QueueArn",
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
      "CreatedTimestamp",
      "LastModifiedTimestamp"};
  const auto& settable = ConfigAttributeNames(/*fifo=*/true);

  std::vector<std::string> names;
  for (const auto& n : req.attribute_names) {
    if (n == "All") {
      names = kReadOnly;
      names.insert(names.end(), settable.begin(), settable.end());
      break;
    }
    if (std::find(kReadOnly.begin(), kReadOnly.end(), n) == kReadOnly.end() &&
        std::find(settable.begin(), settable.end(), n) == settable.end()) {
      return Status(sqs::kInvalidAttributeName, "Unknown Attribute " + n + ".");
    }
    names.push_back(n);
  }
  GetQueueAttributesResponse out;
  for (const auto& n : names) {
    auto v = read_only(n);
    if (!v) v = ConfigAttribute(q.config(), n);
    if (v) out.attributes[n] = std::move(*v);
  }
  return out;
}

Result<Empty> QueueService::SetQueueAttributes(
    const SetQueueAttributesRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  Queue& q = **found;
  const TimePoint now = clock_.Now();
  q.Advance(now);
  QueueConfig next = q.config();
  if (Status s = ApplyQueueAttributes(req.attributes, /*creating=*/false, next);
      !s.ok()) {
    return s;
  }
  if (req.attributes.contains("RedrivePolicy")) {
    if (Status s = ValidateRedrive(&q, q.arn(), q.fifo(), next); !s.ok()) {
      return s;
    }
  }
  q.config() = std::move(next);
  q.Touch(now);
  q.LogConfig();
  q.Emit(QueueEventKind::kQueueAttributesChanged, now, nullptr);
  // A shorter retention may expire messages now.
  q.Advance(now);
  return Empty{};
}

// -------------------------------------------------------------- sending

Result<SendMessageResponse> QueueService::SendTo(Queue& q, const SendView& m) {
  const TimePoint now = clock_.Now();
  const QueueConfig& config = q.config();
  if (Status s = ValidateMessageBody(m.body); !s.ok()) return s;
  if (Status s = ValidateMessageAttributes(m.attributes, false); !s.ok()) {
    return s;
  }
  if (Status s = ValidateMessageAttributes(m.system_attributes, true);
      !s.ok()) {
    return s;
  }
  if (MessageSize(m.body, m.attributes) >
      static_cast<size_t>(config.maximum_message_size)) {
    return Invalid(
        "One or more parameters are invalid. Reason: Message must be shorter "
        "than " +
        std::to_string(config.maximum_message_size) + " bytes.");
  }
  if (Status s =
          CheckRange("DelaySeconds", m.delay_seconds, 0, kMaxDelaySeconds);
      !s.ok()) {
    return s;
  }

  std::unique_ptr<MessageExtras> extras;
  auto ensure_extras = [&]() -> MessageExtras& {
    if (!extras) extras = std::make_unique<MessageExtras>();
    return *extras;
  };
  std::string dedup_key;
  if (q.fifo()) {
    if (m.delay_seconds && *m.delay_seconds != 0) {
      return InvalidValue("DelaySeconds", std::to_string(*m.delay_seconds),
                          "The request include parameter that is not valid "
                          "for this queue type.");
    }
    if (!m.group_id) return Missing("MessageGroupId");
    if (!IsValidFifoToken(*m.group_id)) {
      return InvalidValue("MessageGroupId", *m.group_id,
                          "MessageGroupId can only include alphanumeric and "
                          "punctuation characters. 1 to 128 in length.");
    }
    std::string dedup_id;
    if (m.dedup_id) {
      if (!IsValidFifoToken(*m.dedup_id)) {
        return InvalidValue("MessageDeduplicationId", *m.dedup_id,
                            "MessageDeduplicationId can only include "
                            "alphanumeric and punctuation characters. 1 to "
                            "128 in length.");
      }
      dedup_id = *m.dedup_id;
    } else if (config.content_based_deduplication) {
      dedup_id = Sha256Hex(m.body);
    } else {
      return Invalid(
          "The queue should either have ContentBasedDeduplication enabled or "
          "MessageDeduplicationId provided explicitly");
    }
    dedup_key = config.dedup_scope_message_group ? *m.group_id + '\n' + dedup_id
                                                 : dedup_id;
    if (const auto* dup = q.FindDuplicate(dedup_key, now)) {
      SendMessageResponse out;
      out.md5_of_message_body = Md5Hex(m.body);
      if (!m.attributes.empty()) {
        out.md5_of_message_attributes = Md5OfMessageAttributes(m.attributes);
      }
      if (!m.system_attributes.empty()) {
        out.md5_of_message_system_attributes =
            Md5OfMessageAttributes(m.system_attributes);
      }
      out.message_id = FormatUuid(dup->message_id);
      out.sequence_number = dup->sequence_number;
      QueueEvent e{};
      e.kind = QueueEventKind::kMessageDeduplicated;
      e.at = now;
      e.queue = q.name();
      e.message_id = out.message_id;
      e.group_id = *m.group_id;
      e.detail = dedup_id;
      Publish(e);
      return out;
    }
    MessageExtras& x = ensure_extras();
    x.group_id = *m.group_id;
    x.dedup_id = std::move(dedup_id);
    x.sequence_number = q.NextSequenceNumber();
  } else {
    if (m.dedup_id) {
      return InvalidValue("MessageDeduplicationId", *m.dedup_id,
                          "The request includes a parameter that is not "
                          "valid for this queue type.");
    }
    if (m.group_id) {
      if (!IsValidFifoToken(*m.group_id)) {
        return InvalidValue("MessageGroupId", *m.group_id,
                            "MessageGroupId can only include alphanumeric "
                            "and punctuation characters. 1 to 128 in "
                            "length.");
      }
      ensure_extras().group_id = *m.group_id;
    }
  }

  SendMessageResponse out;
  NewMessage msg;
  msg.id = ids_.NextUuid();
  msg.body = m.body;
  msg.body_md5 = Md5(m.body);
  msg.sent_at = now;
  // FIFO queues delay at queue level only (a per-message 0 is tolerated).
  msg.delay = std::chrono::seconds(
      q.fifo() ? config.delay_seconds
               : m.delay_seconds.value_or(config.delay_seconds));
  if (!m.attributes.empty()) {
    MessageExtras& x = ensure_extras();
    x.attributes = m.attributes;
    x.attributes_md5 = Md5OfMessageAttributes(m.attributes);
    out.md5_of_message_attributes = x.attributes_md5;
  }
  if (!m.system_attributes.empty()) {
    ensure_extras().system_attributes = m.system_attributes;
    out.md5_of_message_system_attributes =
        Md5OfMessageAttributes(m.system_attributes);
  }
  if (extras && !extras->sequence_number.empty()) {
    out.sequence_number = extras->sequence_number;
  }
  out.md5_of_message_body = ToHex(msg.body_md5);
  out.message_id = FormatUuid(msg.id);
  msg.extras = std::move(extras);
  if (q.fifo()) {
    q.RecordDedup(std::move(dedup_key),
                  {msg.id, *out.sequence_number, now + kDedupWindow});
  }
  q.Advance(now);
  uint64_t seq = q.Store(std::move(msg), now);
  q.Emit(QueueEventKind::kMessageSent, now, q.Find(seq));
  MarkServe(q);
  return out;
}

Result<SendMessageResponse> QueueService::SendMessage(
    const SendMessageRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  auto r =
      SendTo(**found, {req.message_body, req.delay_seconds,
                       req.message_attributes, req.message_system_attributes,
                       req.message_deduplication_id, req.message_group_id});
  FlushServe();
  return r;
}

Result<SendMessageBatchResponse> QueueService::SendMessageBatch(
    const SendMessageBatchRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  if (Status s = CheckBatch(req.entries, "SendMessageBatchRequestEntry");
      !s.ok()) {
    return s;
  }
  size_t total = 0;
  for (const auto& e : req.entries) {
    total += MessageSize(e.message_body, e.message_attributes);
  }
  if (total > static_cast<size_t>(kMaxMessageSizeLimit)) {
    return Status(sqs::kBatchRequestTooLong,
                  "Batch requests cannot be longer than 1048576 bytes. You "
                  "have sent " +
                      std::to_string(total) + " bytes.");
  }
  SendMessageBatchResponse out;
  for (const auto& e : req.entries) {
    auto r = SendTo(**found, {e.message_body, e.delay_seconds,
                              e.message_attributes, e.message_system_attributes,
                              e.message_deduplication_id, e.message_group_id});
    if (r.ok()) {
      out.successful.push_back({e.id, std::move(r->message_id),
                                std::move(r->md5_of_message_body),
                                std::move(r->md5_of_message_attributes),
                                std::move(r->md5_of_message_system_attributes),
                                std::move(r->sequence_number)});
    } else {
      out.failed.push_back(Failure(e.id, r.status()));
    }
  }
  FlushServe();
  return out;
}

// ------------------------------------------------------------ receiving

void QueueService::MoveToDeadLetterQueue(Queue& from, StoredMessage&& m) {
  const TimePoint now = clock_.Now();
  const std::string& target_arn =
      from.config().redrive_policy->dead_letter_target_arn;
  Queue* target = FindByArn(target_arn);
  from.Emit(QueueEventKind::kMessageMovedToDeadLetterQueue, now, &m,
            target != nullptr ? std::string_view(target->name())
                              : std::string_view("(missing; dropped)"));
  if (target == nullptr) return;
  // SQS: a standard message keeps its enqueue time for retention; a FIFO
  // message's restarts when it is moved.
  const TimePoint retention_base = target->fifo() ? now : m.RetentionBase();
  NewMessage moved;
  moved.id = m.id;
  moved.body = std::move(m.body);
  moved.body_md5 = m.body_md5;
  moved.extras = std::move(m.extras);
  if (!moved.extras) moved.extras = std::make_unique<MessageExtras>();
  moved.extras->dead_letter_source_arn = from.arn();
  moved.sent_at = m.sent_at;
  moved.retention_base = retention_base;
  if (target->fifo()) {
    moved.extras->sequence_number = target->NextSequenceNumber();
  }
  target->Advance(now);
  uint64_t seq = target->Store(std::move(moved), now);
  target->Emit(QueueEventKind::kMessageMovedFromSourceQueue, now,
               target->Find(seq), from.name());
  MarkServe(*target);
}

void QueueService::LapseFaults(Queue& q, const std::vector<Delivery>& got,
                               TimePoint now) {
  for (const Delivery& d : got) {
    auto again = faults_->OnDelivery(q.name(), FormatUuid(d.message->id));
    if (StoredMessage* m = again ? q.Find(d.message->seq) : nullptr) {
      q.SetVisibility(*m, now + *again, now);
    }
  }
}

Result<ReceiveMessageResponse> QueueService::TryReceive(
    Queue& q, const ReceiveMessageRequest& req) {
  const TimePoint now = clock_.Now();
  q.Advance(now);
  std::vector<Delivery> deliveries;

  // A retried FIFO receive returns what the first attempt returned, while
  // none of it was deleted or had its visibility changed; the retry
  // restarts their visibility timeout (SQS's ReceiveMessage reference).
  const Duration visibility = std::chrono::seconds(
      req.visibility_timeout.value_or(q.config().visibility_timeout));
  const std::string* attempt_id = q.fifo() && req.receive_request_attempt_id
                                      ? &*req.receive_request_attempt_id
                                      : nullptr;
  bool repeated = false;
  if (attempt_id != nullptr) {
    if (Queue::Attempt* attempt = q.FindAttempt(*attempt_id, now)) {
      repeated = true;
      for (const auto& e : attempt->entries) {
        StoredMessage* m = q.Find(e.seq);
        if (m == nullptr || m->state != MessageState::kInFlight ||
            m->receipt != e.receipt || m->visible_at != e.visible_at) {
          repeated = false;
          break;
        }
      }
      if (repeated) {
        for (auto& e : attempt->entries) {
          StoredMessage* m = q.Find(e.seq);
          q.SetVisibility(*m, now + visibility, now);
          e.visible_at = m->visible_at;
          deliveries.push_back({m, ReceiptHandle{.queue_uid = q.uid(),
                                                 .message_seq = e.seq,
                                                 .receipt = e.receipt}});
        }
      } else {
        q.ForgetAttempt(*attempt_id);
      }
    }
  }

  if (!repeated) {
    size_t max = static_cast<size_t>(req.max_number_of_messages.value_or(1));
    if (q.in_flight() >= options_.max_inflight_messages) {
      if (!q.fifo()) {
        return Status(sqs::kOverLimit,
                      "The maximum number of in-flight messages (" +
                          std::to_string(options_.max_inflight_messages) +
                          ") for queue " + q.name() + " is reached.");
      }
      max = 0;
    } else {
      max = std::min(max, options_.max_inflight_messages - q.in_flight());
    }
    if (max > 0) {
      deliveries = q.Receive(max, visibility, now,
                             [this](Queue& from, StoredMessage&& m) {
                               MoveToDeadLetterQueue(from, std::move(m));
                             });
      if (faults_) LapseFaults(q, deliveries, now);
    }
    if (attempt_id != nullptr && !deliveries.empty()) {
      Queue::Attempt attempt{now + kAttemptWindow, {}};
      for (const auto& d : deliveries) {
        attempt.entries.push_back(
            {d.message->seq, d.handle.receipt, d.message->visible_at});
      }
      q.RecordAttempt(*attempt_id, std::move(attempt));
    }
  }

  // Which system attributes were asked for.
  std::set<std::string_view> wanted;
  for (const auto* list :
       {&req.attribute_names, &req.message_system_attribute_names}) {
    for (const auto& n : *list) wanted.insert(n);
  }
  bool all = wanted.contains("All");
  auto want = [&](std::string_view n) { return all || wanted.contains(n); };

  ReceiveMessageResponse out;
  out.messages.reserve(deliveries.size());
  for (const Delivery& d : deliveries) {
    const StoredMessage& m = *d.message;
    Message msg;
    msg.message_id = FormatUuid(m.id);
    ReceiptHandle handle = d.handle;
    handle.epoch = epoch_;
    msg.receipt_handle = EncodeReceiptHandle(handle, handle_key_);
    msg.md5_of_body = ToHex(m.body_md5);
    msg.body = m.body;
    if (!wanted.empty()) {
      auto& a = msg.attributes;
      if (want("SenderId")) a["SenderId"] = options_.sender_id;
      if (want("SentTimestamp")) {
        a["SentTimestamp"] = std::to_string(ToEpochMillis(m.sent_at));
      }
      if (want("ApproximateReceiveCount")) {
        a["ApproximateReceiveCount"] = std::to_string(m.receive_count);
      }
      if (want("ApproximateFirstReceiveTimestamp")) {
        a["ApproximateFirstReceiveTimestamp"] =
            std::to_string(ToEpochMillis(m.first_receive_at));
      }
      if (m.extras) {
        const MessageExtras& x = *m.extras;
        if (!x.group_id.empty() && want("MessageGroupId")) {
          a["MessageGroupId"] = x.group_id;
        }
        if (!x.dedup_id.empty() && want("MessageDeduplicationId")) {
          a["MessageDeduplicationId"] = x.dedup_id;
        }
        if (!x.sequence_number.empty() && want("SequenceNumber")) {
          a["SequenceNumber"] = x.sequence_number;
        }
        auto trace = x.system_attributes.find("AWSTraceHeader");
        if (trace != x.system_attributes.end() && want("AWSTraceHeader")) {
          a["AWSTraceHeader"] = trace->second.string_value.value_or("");
        }
        if (!x.dead_letter_source_arn.empty() &&
            want("DeadLetterQueueSourceArn")) {
          a["DeadLetterQueueSourceArn"] = x.dead_letter_source_arn;
        }
      }
    }
    if (m.extras && !m.extras->attributes.empty() &&
        !req.message_attribute_names.empty()) {
      for (const auto& [name, value] : m.extras->attributes) {
        if (WantsMessageAttribute(req.message_attribute_names, name)) {
          msg.message_attributes.emplace(name, value);
        }
      }
      if (msg.message_attributes.size() == m.extras->attributes.size()) {
        msg.md5_of_message_attributes = m.extras->attributes_md5;
      } else if (!msg.message_attributes.empty()) {
        msg.md5_of_message_attributes =
            Md5OfMessageAttributes(msg.message_attributes);
      }
    }
    out.messages.push_back(std::move(msg));
  }
  return out;
}

void QueueService::ReceiveMessage(const ReceiveMessageRequest& req,
                                  ReceiveCallback done) {
  auto fail = [&](Status s) { done(std::move(s)); };
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return fail(found.status());
  Queue& q = **found;
  if (Status s =
          CheckRange("MaxNumberOfMessages", req.max_number_of_messages, 1, 10);
      !s.ok()) {
    return fail(s);
  }
  if (Status s = CheckRange("VisibilityTimeout", req.visibility_timeout, 0,
                            kMaxVisibilityTimeout);
      !s.ok()) {
    return fail(s);
  }
  if (Status s = CheckRange("WaitTimeSeconds", req.wait_time_seconds, 0,
                            kMaxWaitTimeSeconds);
      !s.ok()) {
    return fail(s);
  }
  if (req.receive_request_attempt_id &&
      !IsValidFifoToken(*req.receive_request_attempt_id)) {
    return fail(InvalidValue("ReceiveRequestAttemptId",
                             *req.receive_request_attempt_id,
                             "ReceiveRequestAttemptId can only include "
                             "alphanumeric and punctuation characters. 1 to "
                             "128 in length."));
  }
  auto result = TryReceive(q, req);
  int64_t wait = req.wait_time_seconds.value_or(
      q.config().receive_message_wait_time_seconds);
  if (result.ok() && result->messages.empty() && wait > 0) {
    ParkReceive(q, req, std::move(done), std::chrono::seconds(wait));
    FlushServe();
    return;
  }
  FlushServe();
  done(std::move(result));
}

Result<ReceiveMessageResponse> QueueService::ReceiveMessageNow(
    ReceiveMessageRequest req) {
  req.wait_time_seconds = 0;
  std::optional<Result<ReceiveMessageResponse>> out;
  ReceiveMessage(req, [&](Result<ReceiveMessageResponse> r) {
    out.emplace(std::move(r));
  });
  return std::move(*out);
}

size_t QueueService::ParkedReceives() const { return waiters_.size(); }

void QueueService::ParkReceive(Queue& q, ReceiveMessageRequest req,
                               ReceiveCallback done, Duration wait) {
  uint64_t id = next_waiter_id_++;
  Waiter& w = waiters_[id];
  w.request = std::move(req);
  w.done = std::move(done);
  w.queue_name = q.name();
  w.timer = clock_.ScheduleAfter(wait, [this, id] {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) return;
    ReceiveCallback cb = std::move(it->second.done);
    if (Queue* owner = FindByName(it->second.queue_name)) {
      auto& ids = owner->waiters;
      ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
      ArmWakeTimer(*owner);
    }
    waiters_.erase(it);
    cb(ReceiveMessageResponse{});
  });
  q.waiters.push_back(id);
  ArmWakeTimer(q);
}

void QueueService::ServeWaiters(Queue& q, Callbacks& out) {
  while (!q.waiters.empty()) {
    q.Advance(clock_.Now());
    if (!q.HasDeliverable()) break;
    uint64_t id = q.waiters.front();
    auto it = waiters_.find(id);
    if (it == waiters_.end()) {
      q.waiters.pop_front();
      continue;
    }
    auto result = TryReceive(q, it->second.request);
    if (result.ok() && result->messages.empty()) break;
    q.waiters.pop_front();
    clock_.Cancel(it->second.timer);
    out.emplace_back(std::move(it->second.done), std::move(result));
    waiters_.erase(it);
  }
  ArmWakeTimer(q);
}

void QueueService::ArmWakeTimer(Queue& q) {
  std::optional<TimePoint> next;
  if (!q.waiters.empty()) next = q.NextWake();
  if (q.wake_timer != 0 && next && q.wake_at == *next) return;
  if (q.wake_timer != 0) {
    clock_.Cancel(q.wake_timer);
    q.wake_timer = 0;
  }
  if (!next) return;
  q.wake_at = *next;
  q.wake_timer =
      clock_.ScheduleAt(*next, [this, name = q.name(), uid = q.uid()] {
        Queue* target = FindByName(name);
        if (target == nullptr || target->uid() != uid) return;
        target->wake_timer = 0;
        serve_.push_back(name);
        FlushServe();
      });
}

void QueueService::FlushServe() {
  if (flushing_) return;  // the outer flush picks up what is added
  flushing_ = true;
  Callbacks ready;
  while (!serve_.empty()) {
    std::string name = std::move(serve_.back());
    serve_.pop_back();
    if (Queue* q = FindByName(name)) ServeWaiters(*q, ready);
  }
  flushing_ = false;
  // Callbacks last: they may call back into the service.
  for (auto& [done, result] : ready) done(std::move(result));
}

// ------------------------------------------------- deleting, visibility

Result<QueueService::HandleTarget> QueueService::ResolveHandle(
    Queue& q, const std::string& handle) {
  if (handle.empty()) return Missing("ReceiptHandle");
  auto h = DecodeReceiptHandle(handle, handle_key_);
  if (!h || h->epoch != epoch_ || h->queue_uid != q.uid()) {
    return Status(sqs::kReceiptHandleIsInvalid,
                  "The input receipt handle \"" + handle +
                      "\" is not a valid receipt handle.");
  }
  q.Advance(clock_.Now());
  HandleTarget t;
  t.message = q.Find(h->message_seq);
  t.current = t.message != nullptr && t.message->receipt == h->receipt;
  t.held = t.current && t.message->state == MessageState::kInFlight;
  return t;
}

Status QueueService::DeleteIn(Queue& q, const std::string& handle) {
  auto target = ResolveHandle(q, handle);
  if (!target.ok()) return target.status();
  StoredMessage* m = target->message;
  if (m == nullptr) return Status::Ok();  // already gone: idempotent
  if (!target->held) {
    if (q.fifo()) {
      return InvalidValue("ReceiptHandle", handle,
                          "The receipt handle has expired.");
    }
    // Standard: a handle superseded by a newer receive must not delete the
    // message its new holder works on; an expired but current one may.
    if (!target->current) return Status::Ok();
  }
  const TimePoint now = clock_.Now();
  q.Emit(QueueEventKind::kMessageDeleted, now, m);
  q.Remove(*m);
  if (q.fifo()) MarkServe(q);  // the group's next message may be free now
  return Status::Ok();
}

Status QueueService::ChangeVisibilityIn(Queue& q, const std::string& handle,
                                        int64_t timeout) {
  // A missing handle is reported before a bad timeout (ResolveHandle).
  Status range =
      CheckRange("VisibilityTimeout", timeout, 0, kMaxVisibilityTimeout);
  if (!range.ok() && !handle.empty()) return range;
  auto target = ResolveHandle(q, handle);
  if (!target.ok()) return target.status();
  StoredMessage* m = target->message;
  if (m == nullptr) {
    return InvalidValue("ReceiptHandle", handle,
                        "Message does not exist or is not available for "
                        "visibility timeout change.");
  }
  if (!target->held) {
    if (q.fifo()) {
      return Status(sqs::kMessageNotInflight,
                    "The message referred to isn't in flight.");
    }
    return Status::Ok();  // standard: an expired handle changes nothing
  }
  const TimePoint now = clock_.Now();
  TimePoint visible_at = now + std::chrono::seconds(timeout);
  if (visible_at - m->in_flight_since >
      std::chrono::seconds(kMaxVisibilityTimeout)) {
    return InvalidValue("VisibilityTimeout", std::to_string(timeout),
                        "Total VisibilityTimeout for the message is beyond "
                        "the limit [43200 seconds]");
  }
  q.SetVisibility(*m, visible_at, now);
  if (visible_at <= now) MarkServe(q);
  ArmWakeTimer(q);
  return Status::Ok();
}

Result<Empty> QueueService::DeleteMessage(const DeleteMessageRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  Status s = DeleteIn(**found, req.receipt_handle);
  FlushServe();
  if (!s.ok()) return s;
  return Empty{};
}

Result<DeleteMessageBatchResponse> QueueService::DeleteMessageBatch(
    const DeleteMessageBatchRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  if (Status s = CheckBatch(req.entries, "DeleteMessageBatchRequestEntry");
      !s.ok()) {
    return s;
  }
  auto out = EachEntry<DeleteMessageBatchResponse>(
      req.entries, [&](const DeleteMessageBatchRequestEntry& e) {
        return DeleteIn(**found, e.receipt_handle);
      });
  FlushServe();
  return out;
}

Result<Empty> QueueService::ChangeMessageVisibility(
    const ChangeMessageVisibilityRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  Status s =
      ChangeVisibilityIn(**found, req.receipt_handle, req.visibility_timeout);
  FlushServe();
  if (!s.ok()) return s;
  return Empty{};
}

Result<ChangeMessageVisibilityBatchResponse>
QueueService::ChangeMessageVisibilityBatch(
    const ChangeMessageVisibilityBatchRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  if (Status s =
          CheckBatch(req.entries, "ChangeMessageVisibilityBatchRequestEntry");
      !s.ok()) {
    return s;
  }
  auto out = EachEntry<ChangeMessageVisibilityBatchResponse>(
      req.entries, [&](const ChangeMessageVisibilityBatchRequestEntry& e) {
        return e.visibility_timeout
                   ? ChangeVisibilityIn(**found, e.receipt_handle,
                                        *e.visibility_timeout)
                   : Missing("VisibilityTimeout");
      });
  FlushServe();
  return out;
}

// ----------------------------------------------------------------- tags

Result<Empty> QueueService::TagQueue(const TagQueueRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  TagMap next = (*found)->tags();
  if (Status s = MergeTags((*found)->name(), req.tags, next); !s.ok()) {
    return s;
  }
  (*found)->tags() = std::move(next);
  (*found)->LogConfig();
  return Empty{};
}

Result<Empty> QueueService::UntagQueue(const UntagQueueRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  for (const auto& k : req.tag_keys) (*found)->tags().erase(k);
  (*found)->LogConfig();
  return Empty{};
}

Result<ListQueueTagsResponse> QueueService::ListQueueTags(
    const ListQueueTagsRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  return ListQueueTagsResponse{(*found)->tags()};
}

Result<ListDeadLetterSourceQueuesResponse>
QueueService::ListDeadLetterSourceQueues(
    const ListDeadLetterSourceQueuesRequest& req) {
  auto found = FindByUrl(req.queue_url);
  if (!found.ok()) return found.status();
  std::vector<std::string> sources;
  for (const auto& name : QueueNames()) {
    const auto& policy = queues_.at(name)->config().redrive_policy;
    if (policy && policy->dead_letter_target_arn == (*found)->arn()) {
      sources.push_back(name);
    }
  }
  ListDeadLetterSourceQueuesResponse out;
  Status s = Page(sources, req.next_token, req.max_results, out,
                  [this](const std::string& n) { return QueueUrl(n); });
  if (!s.ok()) return s;
  return out;
}

Result<QueueService::QueueInfo> QueueService::DescribeByArn(
    std::string_view arn) {
  Queue* q = FindByArn(arn);
  if (q == nullptr) return NoSuchQueue();
  return QueueInfo{q->name(), q->url(), q->arn(), q->fifo(),
                   q->config().visibility_timeout};
}

std::optional<TimePoint> QueueService::NextTransition(
    std::string_view queue_name) {
  Queue* q = FindByName(queue_name);
  if (q == nullptr) return std::nullopt;
  q->Advance(clock_.Now());
  if (q->in_flight() + q->delayed() == 0) return std::nullopt;
  return q->NextTransition();
}

Result<QueueDepth> QueueService::Depth(std::string_view queue_name) {
  Queue* q = FindByName(queue_name);
  if (q == nullptr) return NoSuchQueue();
  q->Advance(clock_.Now());
  return QueueDepth{q->ready(), q->in_flight(), q->delayed()};
}

Result<QueueFootprint> QueueService::Footprint(std::string_view queue_name) {
  Queue* q = FindByName(queue_name);
  if (q == nullptr) return NoSuchQueue();
  q->Advance(clock_.Now());
  return q->footprint();
}

Result<std::vector<PeekedMessage>> QueueService::Peek(
    std::string_view queue_name) {
  Queue* q = FindByName(queue_name);
  if (q == nullptr) return NoSuchQueue();
  q->Advance(clock_.Now());
  std::vector<PeekedMessage> out;
  for (const StoredMessage* m : q->Messages()) {
    PeekedMessage p{.message_id = FormatUuid(m->id),
                    .body = m->body,
                    .receive_count = m->receive_count,
                    .sent_at = m->sent_at};
    if (m->extras) {
      p.attributes = m->extras->attributes;
      p.group_id = m->extras->group_id;
    }
    p.state =
        m->state == MessageState::kInFlight  ? PeekedMessage::State::kInFlight
        : m->state == MessageState::kDelayed ? PeekedMessage::State::kDelayed
                                             : PeekedMessage::State::kVisible;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace fanlab::queue
