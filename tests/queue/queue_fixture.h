// The one fixture for queue-engine tests: a QueueService on a VirtualClock,
// with an observer recording every event, and short helpers that fail the
// test on an unexpected error.
#ifndef FANLAB_TESTS_QUEUE_QUEUE_FIXTURE_H_
#define FANLAB_TESTS_QUEUE_QUEUE_FIXTURE_H_

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::queue::testing {

using std::chrono::seconds;

// The smallest step of the clock: `deadline - kTick` is "just before".
inline constexpr Duration kTick = Duration(1);

struct RecordedEvent {
  QueueEventKind kind;
  TimePoint at;
  std::string queue;
  std::string message_id;
  uint32_t receive_count;
};

class RecordingObserver : public QueueObserver {
 public:
  void OnQueueEvent(const QueueEvent& e) override {
    events.push_back({e.kind, e.at, std::string(e.queue),
                      std::string(e.message_id), e.receive_count});
  }
  size_t Count(QueueEventKind kind) const {
    size_t n = 0;
    for (const auto& e : events) n += e.kind == kind;
    return n;
  }
  std::vector<RecordedEvent> events;
};

class QueueServiceTest : public ::testing::Test {
 protected:
  explicit QueueServiceTest(QueueServiceOptions options = {})
      : service_(clock_, std::move(options)) {
    service_.SetObserver(&observer_);
  }

  // Creates a queue (FIFO when the name ends in ".fifo") and returns its URL.
  std::string Create(const std::string& name, AttributeMap attrs = {}) {
    if (name.ends_with(".fifo")) attrs.emplace("FifoQueue", "true");
    auto r = service_.CreateQueue({name, attrs, {}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->queue_url : "";
  }

  // Sends `body`; on a FIFO queue with group `group` and dedup id = a fresh
  // counter unless `dedup` is given.
  SendMessageResponse Send(const std::string& url, const std::string& body,
                           const std::string& group = "g",
                           std::optional<std::string> dedup = std::nullopt) {
    SendMessageRequest req;
    req.queue_url = url;
    req.message_body = body;
    if (url.ends_with(".fifo")) {
      req.message_group_id = group;
      req.message_deduplication_id =
          dedup ? *dedup : "dedup-" + std::to_string(++dedup_counter_);
    }
    auto r = service_.SendMessage(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : SendMessageResponse{};
  }

  // Receives without waiting; asks for All system attributes.
  std::vector<Message> Receive(
      const std::string& url, int max = 10,
      std::optional<int64_t> visibility = std::nullopt) {
    ReceiveMessageRequest req;
    req.queue_url = url;
    req.max_number_of_messages = max;
    req.visibility_timeout = visibility;
    req.message_system_attribute_names = {"All"};
    req.message_attribute_names = {"All"};
    auto r = service_.ReceiveMessageNow(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->messages : std::vector<Message>{};
  }

  // Receives exactly one message (a test failure otherwise).
  std::optional<Message> ReceiveOne(
      const std::string& url,
      std::optional<int64_t> visibility = std::nullopt) {
    std::vector<Message> got = Receive(url, 1, visibility);
    EXPECT_EQ(got.size(), 1u) << "expected exactly one message";
    if (got.size() != 1) return std::nullopt;
    return got[0];
  }

  // True when a receive right now returns nothing.
  bool NothingReceivable(const std::string& url) {
    return Receive(url, 10).empty();
  }

  Status Delete(const std::string& url, const std::string& handle) {
    return service_.DeleteMessage({url, handle}).status();
  }

  Status ChangeVisibility(const std::string& url, const std::string& handle,
                          int64_t seconds_) {
    return service_.ChangeMessageVisibility({url, handle, seconds_}).status();
  }

  QueueDepth Depth(const std::string& name) {
    auto r = service_.Depth(name);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : QueueDepth{};
  }

  std::string Attribute(const std::string& url, const std::string& name) {
    auto r = service_.GetQueueAttributes({url, {name}});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    auto it = r->attributes.find(name);
    return it == r->attributes.end() ? "" : it->second;
  }

  void Advance(Duration d) { clock_.Advance(d); }

  VirtualClock clock_;
  RecordingObserver observer_;
  QueueService service_;
  int dedup_counter_ = 0;
};

}  // namespace fanlab::queue::testing

#endif  // FANLAB_TESTS_QUEUE_QUEUE_FIXTURE_H_
