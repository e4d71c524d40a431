// Topics: SNS's publish/subscribe, pure C++ on a Clock.
//
// A topic fans each published message out to its subscriptions:
//   sqs        the queue (by ARN) gets SNS's Notification envelope as the
//              body, or the bare message and its attributes as SQS message
//              attributes with RawMessageDelivery;
//   lambda     the function (by ARN) is invoked asynchronously (Event) with
//              SNS's event, {"Records": [{"EventSource": "aws:sns", ...}]};
//   email      recorded in the outbox (the harness and `fanlab sns outbox`
//   email-json read it), and written as an .eml file under the data dir
//              when one is set; email-json carries the envelope as the body;
//   http       a real POST of the envelope (or the bare message when raw)
//              with SNS's x-amz-sns-* headers; a failed POST is retried 3
//              times, 20 s apart on the Clock, as SNS's default HTTP
//              delivery policy does.
// Subscriptions are confirmed at once (no SubscriptionConfirmation round
// trip): a local pipeline has nobody to click the link.
//
// Deliveries to queues, functions and emails happen inside Publish, in
// subscription order, so a replay is deterministic; HTTP POSTs complete
// later. A failed delivery never fails the Publish (SNS answers before it
// delivers): it is published to the observer ("DeliveryFailed") and
// counted in the subscription's stats.
//
// Thread safety: none; the engine thread owns the service.
#ifndef FANLAB_EMULATOR_SERVICES_TOPIC_SERVICE_H_
#define FANLAB_EMULATOR_SERVICES_TOPIC_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/core/account.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/status.h"
#include "emulator/services/filter_policy.h"
#include "emulator/services/service_observer.h"
#include "emulator/services/topic_types.h"
#include "emulator/sim/fault_injector.h"

namespace fanlab::services {

struct Topic {
  std::string name;
  std::string arn;
  std::map<std::string, std::string> attributes;  // DisplayName, Policy, ...
};

struct Subscription {
  std::string arn;
  std::string topic_arn;
  std::string protocol;  // sqs | lambda | email | email-json | http
  std::string endpoint;
  bool raw_message_delivery = false;
  // FilterPolicy's text ("" when none), its scope ("MessageAttributes" or
  // "MessageBody"), and the parsed policy.
  std::string filter_policy;
  std::string filter_policy_scope = "MessageAttributes";
  std::shared_ptr<const FilterPolicy> filter;
  // Delivery stats, for the harness.
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t filtered_out = 0;  // messages the filter policy kept away
};

struct PublishInput {
  std::string topic_arn;  // TopicArn (or TargetArn naming a topic)
  std::string message;
  std::optional<std::string> subject;
  // "json": `message` is a JSON object of per-protocol messages with a
  // required "default" key.
  std::string message_structure;
  SnsMessageAttributes attributes;
};

// One message delivered to an email or email-json subscription.
struct Email {
  std::string message_id;
  std::string topic_arn;
  std::string subscription_arn;
  std::string to;
  std::string subject;
  std::string body;
  TimePoint time;
  std::string file;  // the .eml file written, or empty
};

struct TopicServiceOptions {
  std::string region = Account{}.region;
  std::string account = Account{}.id;
  // When set, each email is also written to <data_dir>/emails/NNNNNN.eml,
  // numbered on from the files an earlier run left there.
  std::string data_dir;
  // Base of the UnsubscribeURL in envelopes.
  std::string public_url = "http://127.0.0.1";
};

// Where deliveries go. Every member may be empty: deliveries of that
// protocol then fail (and are reported as failed).
struct TopicTargets {
  // SendMessage to the queue with this ARN.
  std::function<Status(const std::string& queue_arn, const std::string& body,
                       const SnsMessageAttributes& attributes)>
      send_to_queue;
  // An Event invocation of the function with this ARN.
  std::function<Status(const std::string& function_arn,
                       const std::string& event)>
      invoke_function;
  // POSTs `body` to `url`; `done` gets the HTTP status, or an error when
  // no answer came. May complete later, on the engine thread.
  std::function<void(const std::string& url,
                     std::vector<std::pair<std::string, std::string>> headers,
                     std::string body, std::function<void(Result<int>)> done)>
      post_http;
};

class TopicService {
 public:
  // `clock` and `ids` must outlive the service.
  TopicService(Clock& clock, IdGenerator& ids, TopicServiceOptions options,
               TopicTargets targets);
  ~TopicService();
  TopicService(const TopicService&) = delete;
  TopicService& operator=(const TopicService&) = delete;

  void SetObserver(ServiceObserver* observer) { observer_ = observer; }
  // Consulted at every delivery to a subscription (a fault may deliver a
  // notification twice); null: no faults. Must outlive the service.
  void SetFaults(sim::FaultInjector* faults) { faults_ = faults; }
  // The base of the UnsubscribeURL in envelopes (the HTTP front's URL).
  void SetPublicUrl(std::string url) { options_.public_url = std::move(url); }

  // Returns the topic's ARN; idempotent for an existing name.
  // InvalidParameterException: a name not 1-256 of [A-Za-z0-9_-] (FIFO
  // topics, ".fifo", are not supported), an unknown attribute.
  Result<std::string> CreateTopic(
      const std::string& name,
      const std::map<std::string, std::string>& attributes = {});
  // Deletes the topic and its subscriptions. Deleting a topic that does
  // not exist succeeds, as in SNS.
  Status DeleteTopic(const std::string& topic_arn);
  std::vector<Topic> ListTopics() const;
  // NotFoundException: no such topic.
  Result<Topic> GetTopic(const std::string& topic_arn) const;
  Status SetTopicAttribute(const std::string& topic_arn,
                           const std::string& name, const std::string& value);

  // Returns the subscription's ARN; the same one again for an existing
  // topic + protocol + endpoint with the same attributes (other attributes:
  // InvalidParameterException). Attributes: RawMessageDelivery
  // ("true"/"false"), FilterPolicy and FilterPolicyScope (filter_policy.h).
  // InvalidParameterException: unknown protocol, an endpoint that does not
  // fit the protocol, https (no TLS here), a bad policy. NotFoundException:
  // no such topic.
  Result<std::string> Subscribe(
      const std::string& topic_arn, const std::string& protocol,
      const std::string& endpoint,
      const std::map<std::string, std::string>& attributes = {});
  // NotFoundException: no such subscription.
  Status Unsubscribe(const std::string& subscription_arn);
  std::vector<Subscription> ListSubscriptions() const;
  Result<std::vector<Subscription>> ListSubscriptionsByTopic(
      const std::string& topic_arn) const;
  Result<Subscription> GetSubscription(const std::string& arn) const;
  Status SetSubscriptionAttribute(const std::string& arn,
                                  const std::string& name,
                                  const std::string& value);

  // Checks and delivers `input`; returns the MessageId.
  // InvalidParameterException: an empty or oversized message (256 KiB,
  // attributes included), a bad subject (over 100 characters, a line break,
  // non-ASCII), a bad attribute, MessageStructure json without "default".
  // NotFoundException: no such topic.
  Result<std::string> Publish(const PublishInput& input);

  // Durable state (a data dir): re-creates `topic` with its
  // `subscriptions` exactly (ARNs, order, filter policies; stats start at
  // 0), without events. InvalidParameterException: the topic exists, or
  // a filter policy no longer parses (the topic is then not created).
  Status RestoreTopic(const Topic& topic,
                      const std::vector<Subscription>& subscriptions);

  // Every email delivered so far, oldest first.
  const std::vector<Email>& outbox() const { return outbox_; }

 private:
  struct TopicState;
  TopicState* Find(const std::string& topic_arn);
  const TopicState* Find(const std::string& topic_arn) const;
  Subscription* FindSubscription(const std::string& arn);
  // Sets FilterPolicy or FilterPolicyScope on `s` (parsing the policy
  // against the scope); InvalidParameterException leaves `s` as it was.
  Status SetFilter(Subscription& s, std::string_view name,
                   const std::string& value);
  void Deliver(const TopicState& topic, Subscription& sub,
               const PublishInput& input, const std::string& message_id);
  void PostHttp(std::string sub_arn, std::string message_id, std::string url,
                std::vector<std::pair<std::string, std::string>> headers,
                std::string body, int attempt);
  void DeliveryDone(const std::string& sub_arn, const std::string& message_id,
                    const Status& status);
  // Hands one event to the observer.
  void Emit(std::string_view kind, std::string_view resource,
            std::string_view key, std::string_view detail);

  Clock& clock_;
  IdGenerator& ids_;
  TopicServiceOptions options_;
  TopicTargets targets_;
  ServiceObserver* observer_ = nullptr;
  sim::FaultInjector* faults_ = nullptr;
  std::map<std::string, std::unique_ptr<TopicState>> topics_;  // by ARN
  std::vector<Email> outbox_;
  uint64_t eml_files_ = 0;  // .eml files in the data dir
  // HTTP retries waiting on the Clock, cancelled with the service.
  std::map<uint64_t, TimerId> retry_timers_;
  uint64_t next_retry_ = 0;
  // Watched by POSTs in flight, so an answer after the service is gone is
  // dropped.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_TOPIC_SERVICE_H_
