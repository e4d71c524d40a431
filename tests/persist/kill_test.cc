// `fanlab serve --data-dir` killed with SIGKILL at random moments under
// load, round after round. Messages (SendMessage, ReceiveMessage,
// DeleteMessage): no acknowledged send is ever lost, no acknowledged
// delete ever comes back, and no message is ever held twice. Objects
// (PutItem, UpdateItem, DeleteItem, CreateTopic, Subscribe, PutRule,
// PutTargets): every acknowledged write is there afterwards, every
// acknowledged delete stays done. Rounds: 5 here; FANLAB_KILL_ROUNDS sets
// more (the release-only ctests durable_kill_100 and
// durable_kill_objects_100 run 100).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator/transport/client.h"
#include "emulator/transport/context.h"
#include "emulator/transport/sqs_client.h"
#include "tests/persist/persist_fixture.h"

namespace fanlab {
namespace {

using std::chrono::milliseconds;

class KillTest : public persist::testing::TempDirTest {
 protected:
  std::string Endpoint() const { return "ipc://" + dir_ + "/sock"; }

  // Starts `fanlab serve` on the data dir; waits until it answers.
  pid_t StartServer() {
    const std::string data = dir_ + "/data";
    const std::string log = dir_ + "/serve.log";
    const std::string endpoint = Endpoint();
    pid_t pid = ::fork();
    if (pid == 0) {
      // Its banner and warnings go to a file the failures print.
      if (std::freopen(log.c_str(), "a", stderr) == nullptr ||
          std::freopen(log.c_str(), "a", stdout) == nullptr) {
        ::_exit(126);
      }
      ::execl(FANLAB_BINARY, FANLAB_BINARY, "serve", "--data-dir", data.c_str(),
              "--bind", endpoint.c_str(), "--http", "none",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  }

  std::string QueueUrl(transport::SqsClient& client) {
    for (int i = 0; i < 200; ++i) {
      auto r = client.CreateQueue({"load", {}, {}});
      if (r.ok()) return r->queue_url;
      std::this_thread::sleep_for(milliseconds(20));
    }
    ADD_FAILURE() << "the server never answered: "
                  << ReadFile(dir_ + "/serve.log");
    return "";
  }

  int Rounds() const {
    const char* env = std::getenv("FANLAB_KILL_ROUNDS");
    return env != nullptr ? std::atoi(env) : 5;
  }
  // Kills `pid` after a random 1-80 ms while `load` runs, turn after turn;
  // true when it died of the signal.
  bool KillDuring(pid_t pid, std::mt19937& rng,
                  const std::function<void()>& load) {
    std::atomic<bool> killed{false};
    int after_ms = std::uniform_int_distribution<int>(1, 80)(rng);
    std::thread killer([&] {
      std::this_thread::sleep_for(milliseconds(after_ms));
      ::kill(pid, SIGKILL);
      killed = true;
    });
    while (!killed) load();
    killer.join();
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status);
  }

  transport::Context context_;
  std::set<std::string> acked_sent_, tried_delete_, acked_deleted_;
};

TEST_F(KillTest, NoAcknowledgedMessageIsLostOrResurrected) {
  const int rounds = Rounds();
  std::mt19937 rng(20261206);
  uint64_t next_body = 0;
  for (int round = 0; round < rounds; ++round) {
    pid_t pid = StartServer();
    transport::SqsClient client(context_, Endpoint(), milliseconds(300));
    std::string url = QueueUrl(client);
    ASSERT_FALSE(url.empty());
    bool signaled = KillDuring(pid, rng, [&] {
      std::string body = "m" + std::to_string(next_body++);
      queue::SendMessageRequest send;
      send.queue_url = url;
      send.message_body = body;
      if (client.SendMessage(send).ok()) acked_sent_.insert(body);
      queue::ReceiveMessageRequest receive;
      receive.queue_url = url;
      receive.max_number_of_messages = 10;
      receive.visibility_timeout = 2;
      receive.wait_time_seconds = 0;  // the client waits for no long poll
      auto got = client.ReceiveMessage(receive);
      if (!got.ok()) return;
      for (const auto& m : got->messages) {
        EXPECT_FALSE(acked_deleted_.contains(m.body))
            << m.body << " came back after its delete was acknowledged";
        tried_delete_.insert(m.body);
        if (client.DeleteMessage({url, m.receipt_handle}).ok()) {
          acked_deleted_.insert(m.body);
        }
      }
    });
    ASSERT_TRUE(signaled) << "round " << round;
  }

  // What is left: every acknowledged send not deleted since, once each.
  pid_t pid = StartServer();
  transport::SqsClient client(context_, Endpoint(), milliseconds(5000));
  std::string url = QueueUrl(client);
  std::multiset<std::string> drained;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    queue::ReceiveMessageRequest receive;
    receive.queue_url = url;
    receive.max_number_of_messages = 10;
    receive.visibility_timeout = 600;
    receive.wait_time_seconds = 1;
    auto got = client.ReceiveMessage(receive);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    for (const auto& m : got->messages) drained.insert(m.body);
    auto attrs =
        client.GetQueueAttributes({url,
                                   {"ApproximateNumberOfMessagesNotVisible",
                                    "ApproximateNumberOfMessages"}});
    ASSERT_TRUE(attrs.ok());
    if (got->messages.empty() &&
        attrs->attributes["ApproximateNumberOfMessages"] == "0" &&
        attrs->attributes["ApproximateNumberOfMessagesNotVisible"] ==
            std::to_string(drained.size())) {
      break;
    }
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);

  size_t lost = 0, resurrected = 0, duplicates = 0;
  for (const auto& body : acked_sent_) {
    if (!tried_delete_.contains(body) && !drained.contains(body)) {
      ++lost;
      ADD_FAILURE() << body << " was acknowledged and is gone";
    }
  }
  for (const auto& body : drained) {
    resurrected += acked_deleted_.contains(body);
    duplicates += drained.count(body) > 1;
  }
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(resurrected, 0u);
  EXPECT_EQ(duplicates, 0u);
  EXPECT_GT(acked_sent_.size(), static_cast<size_t>(rounds));
  std::cout << rounds << " kill -9 rounds: " << acked_sent_.size()
            << " sends and " << acked_deleted_.size()
            << " deletes acknowledged, " << drained.size() << " left, lost "
            << lost << ", resurrected " << resurrected << ", duplicates "
            << duplicates << "\n";
}

namespace json = boost::json;

TEST_F(KillTest, NoAcknowledgedObjectWriteIsLost) {
  const int rounds = Rounds();
  std::mt19937 rng(20261207);
  std::set<std::string> items, deleted_items, topics, rules;
  std::map<std::string, int64_t> counters;  // item -> acknowledged value
  uint64_t next = 0;
  for (int round = 0; round < rounds; ++round) {
    pid_t pid = StartServer();
    transport::Client client(context_, Endpoint());
    auto call = [&](std::string_view action, const json::value& body) {
      auto r = client.Call(action, json::serialize(body), milliseconds(300));
      return r.ok() && r->ok;
    };
    // The table once; on later rounds it is there already.
    json::object table{
        {"TableName", "items"},
        {"AttributeDefinitions",
         {{{"AttributeName", "k"}, {"AttributeType", "S"}}}},
        {"KeySchema", {{{"AttributeName", "k"}, {"KeyType", "HASH"}}}},
        {"BillingMode", "PAY_PER_REQUEST"}};
    bool ready = false;
    for (int i = 0; i < 200 && !ready; ++i) {
      ready = call("CreateTable", table) ||
              call("DescribeTable", {{"TableName", "items"}});
      if (!ready) std::this_thread::sleep_for(milliseconds(20));
    }
    ASSERT_TRUE(ready) << ReadFile(dir_ + "/serve.log");
    bool signaled = KillDuring(pid, rng, [&] {
      uint64_t n = next++;
      std::string k = "i" + std::to_string(n);
      if (call("PutItem",
               {{"TableName", "items"},
                {"Item", {{"k", {{"S", k}}}, {"c", {{"N", "0"}}}}}})) {
        items.insert(k);
        counters[k] = 0;
      }
      // Count the previous item up; delete every fifth.
      std::string prev = "i" + std::to_string(n > 0 ? n - 1 : 0);
      if (items.contains(prev) && !deleted_items.contains(prev)) {
        if (n % 5 == 0) {
          tried_delete_.insert(prev);
          if (call("DeleteItem",
                   {{"TableName", "items"}, {"Key", {{"k", {{"S", prev}}}}}})) {
            deleted_items.insert(prev);
          }
        } else if (call("UpdateItem", {{"TableName", "items"},
                                       {"Key", {{"k", {{"S", prev}}}}},
                                       {"UpdateExpression", "SET c = c + :one"},
                                       {"ExpressionAttributeValues",
                                        {{":one", {{"N", "1"}}}}}})) {
          ++counters[prev];
        }
      }
      // Topics and rules now and then (EventBridge allows 300 rules).
      if (n % 7 == 0 && rules.size() < 250) {
        std::string name = "r" + std::to_string(n);
        if (call("PutRule",
                 {{"Name", name}, {"ScheduleExpression", "rate(1 day)"}}) &&
            call("PutTargets",
                 {{"Rule", name},
                  {"Targets",
                   {{{"Id", "t"},
                     {"Arn",
                      "arn:aws:sqs:us-east-1:000000000000:nowhere"}}}}})) {
          rules.insert(name);
        }
      }
      if (n % 3 == 0) {
        std::string name = "t" + std::to_string(n);
        auto created = client.Call(
            "CreateTopic", json::serialize(json::object{{"Name", name}}),
            milliseconds(300));
        if (created.ok() && created->ok) {
          std::string arn(
              json::parse(created->body).at("TopicArn").as_string());
          if (call("Subscribe", {{"TopicArn", arn},
                                 {"Protocol", "email"},
                                 {"Endpoint", name + "@example.com"}})) {
            topics.insert(arn);
          }
        }
      }
    });
    EXPECT_TRUE(signaled);
  }

  pid_t pid = StartServer();
  transport::Client client(context_, Endpoint());
  auto get = [&](std::string_view action,
                 const json::value& body) -> std::optional<json::object> {
    for (int i = 0; i < 200; ++i) {
      auto r = client.Call(action, json::serialize(body), milliseconds(5000));
      if (!r.ok()) {
        std::this_thread::sleep_for(milliseconds(20));
        continue;
      }
      if (!r->ok) return std::nullopt;
      return json::parse(r->body).as_object();
    }
    return std::nullopt;
  };
  size_t lost = 0, resurrected = 0, wrong = 0;
  for (const auto& k : items) {
    auto got = get("GetItem", {{"TableName", "items"},
                               {"Key", {{"k", {{"S", k}}}}},
                               {"ConsistentRead", true}});
    ASSERT_TRUE(got.has_value()) << ReadFile(dir_ + "/serve.log");
    bool there = got->contains("Item");
    if (deleted_items.contains(k)) {
      resurrected += there;
      EXPECT_FALSE(there) << k
                          << " came back after its delete was acknowledged";
      continue;
    }
    if (!there && tried_delete_.contains(k)) continue;  // not acknowledged
    if (!there) {
      ++lost;
      ADD_FAILURE() << k << " was acknowledged and is gone";
      continue;
    }
    // An update sent and not acknowledged may have been applied: at
    // least the acknowledged count, at most one more.
    int64_t c =
        std::stoll(std::string(got->at("Item").at("c").at("N").as_string()));
    if (c < counters[k] || c > counters[k] + 1) {
      ++wrong;
      ADD_FAILURE() << k << " counts " << c << ", acknowledged " << counters[k];
    }
  }
  for (const auto& arn : topics) {
    auto subs = get("ListSubscriptionsByTopic", {{"TopicArn", arn}});
    if (!subs || subs->at("Subscriptions").as_array().empty()) {
      ++lost;
      ADD_FAILURE() << arn << " or its subscription is gone";
    }
  }
  for (const auto& name : rules) {
    auto targets = get("ListTargetsByRule", {{"Rule", name}});
    if (!targets || targets->at("Targets").as_array().empty()) {
      ++lost;
      ADD_FAILURE() << "rule " << name << " or its target is gone";
    }
  }
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(resurrected, 0u);
  EXPECT_EQ(wrong, 0u);
  EXPECT_GT(items.size(), static_cast<size_t>(rounds));
  std::cout << rounds << " kill -9 rounds: " << items.size() << " item puts, "
            << deleted_items.size() << " item deletes, " << topics.size()
            << " topics, " << rules.size() << " rules acknowledged; lost "
            << lost << ", resurrected " << resurrected << ", miscounted "
            << wrong << "\n";
}

}  // namespace
}  // namespace fanlab
