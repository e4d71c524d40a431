// A queue's settable configuration, and the parsing and validation of the
// string attributes CreateQueue and SetQueueAttributes carry.
#ifndef FANLAB_EMULATOR_QUEUE_QUEUE_ATTRIBUTES_H_
#define FANLAB_EMULATOR_QUEUE_QUEUE_ATTRIBUTES_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"
#include "emulator/queue/types.h"

namespace fanlab::queue {

inline constexpr int64_t kMaxMessageSizeLimit = 1048576;  // 1 MiB
inline constexpr int64_t kMaxVisibilityTimeout = 43200;   // 12 h
inline constexpr int64_t kMaxDelaySeconds = 900;
inline constexpr int64_t kMaxWaitTimeSeconds = 20;
inline constexpr Duration kDedupWindow = std::chrono::minutes(5);

struct RedrivePolicy {
  std::string dead_letter_target_arn;
  int64_t max_receive_count = 0;
};

struct QueueConfig {
  bool fifo = false;
  int64_t delay_seconds = 0;
  int64_t maximum_message_size = kMaxMessageSizeLimit;
  int64_t message_retention_period = 345600;
  int64_t receive_message_wait_time_seconds = 0;
  int64_t visibility_timeout = 30;
  std::optional<RedrivePolicy> redrive_policy;
  std::string redrive_allow_policy;  // stored verbatim
  bool content_based_deduplication = false;
  bool dedup_scope_message_group = false;     // DeduplicationScope
  bool throughput_per_message_group = false;  // FifoThroughputLimit
  std::string policy;
  std::string kms_master_key_id;
  std::string kms_data_key_reuse_period_seconds;
  std::string sqs_managed_sse_enabled;
};

// Validates `attrs` and applies them to `config`. `creating` allows
// FifoQueue. Errors: InvalidAttributeName (unknown, read-only, or FIFO-only
// on a standard queue), InvalidAttributeValue (range, form). On error
// `config` is unchanged. Does not check that a redrive target exists.
Status ApplyQueueAttributes(const AttributeMap& attrs, bool creating,
                            QueueConfig& config);

// The value GetQueueAttributes reports for a settable attribute, nullopt
// when `name` is not one (or does not apply to this queue's type, or is
// unset).
std::optional<std::string> ConfigAttribute(const QueueConfig& config,
                                           const std::string& name);

// Every settable attribute name that applies to `config`'s queue type.
const std::vector<std::string>& ConfigAttributeNames(bool fifo);

}  // namespace fanlab::queue

#endif  // FANLAB_EMULATOR_QUEUE_QUEUE_ATTRIBUTES_H_
