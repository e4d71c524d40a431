#include "emulator/queue/observer.h"

namespace fanlab::queue {

std::string_view QueueEventKindName(QueueEventKind kind) {
  switch (kind) {
    case QueueEventKind::kQueueCreated:
      return "QueueCreated";
    case QueueEventKind::kQueueDeleted:
      return "QueueDeleted";
    case QueueEventKind::kQueuePurged:
      return "QueuePurged";
    case QueueEventKind::kQueueAttributesChanged:
      return "QueueAttributesChanged";
    case QueueEventKind::kMessageSent:
      return "MessageSent";
    case QueueEventKind::kMessageDeduplicated:
      return "MessageDeduplicated";
    case QueueEventKind::kMessageReceived:
      return "MessageReceived";
    case QueueEventKind::kMessageDeleted:
      return "MessageDeleted";
    case QueueEventKind::kVisibilityChanged:
      return "VisibilityChanged";
    case QueueEventKind::kMessageVisibleAgain:
      return "MessageVisibleAgain";
    case QueueEventKind::kMessageExpired:
      return "MessageExpired";
    case QueueEventKind::kMessageMovedToDeadLetterQueue:
      return "MessageMovedToDeadLetterQueue";
    case QueueEventKind::kMessageMovedFromSourceQueue:
      return "MessageMovedFromSourceQueue";
  }
  return "Unknown";
}

}  // namespace fanlab::queue
