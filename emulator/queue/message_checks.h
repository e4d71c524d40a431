// Validation of what a sender puts in a message, and the digests SQS returns
// for it. Pure functions; the QueueService calls them on every send.
#ifndef FANLAB_EMULATOR_QUEUE_MESSAGE_CHECKS_H_
#define FANLAB_EMULATOR_QUEUE_MESSAGE_CHECKS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "emulator/core/status.h"
#include "emulator/queue/types.h"

namespace fanlab::queue {

// MD5OfMessageAttributes as AWS computes it: attributes in name order; for
// each, the name, the data type (each as a 4-byte big-endian length then
// the bytes), a transport byte (1 for String and Number, 2 for Binary), then
// the value as length + bytes. Lower-case hex. REQUIRES: !attrs.empty().
std::string Md5OfMessageAttributes(const MessageAttributeMap& attrs);

// OK when `body` is non-empty valid UTF-8 using only the characters SQS
// allows (#x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF).
// InvalidMessageContents otherwise (MissingParameter when empty).
Status ValidateMessageBody(std::string_view body);

// Checks count (<= 10), names, data types and values of message attributes
// (`system` = MessageSystemAttributes: only AWSTraceHeader).
Status ValidateMessageAttributes(const MessageAttributeMap& attrs, bool system);

// Bytes counted against MaximumMessageSize: the body plus each attribute's
// name, data type and value.
size_t MessageSize(std::string_view body, const MessageAttributeMap& attrs);

// MessageGroupId / MessageDeduplicationId / ReceiveRequestAttemptId:
// 1-128 chars of alphanumerics and punctuation
// (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~).
bool IsValidFifoToken(std::string_view token);

// Queue names: 1-80 chars of [A-Za-z0-9_-] (".fifo" suffix allowed when
// `fifo`, and counted).
bool IsValidQueueName(std::string_view name, bool fifo);

// Batch entry ids: 1-80 chars of [A-Za-z0-9_-].
bool IsValidBatchEntryId(std::string_view id);

}  // namespace fanlab::queue

#endif  // FANLAB_EMULATOR_QUEUE_MESSAGE_CHECKS_H_
