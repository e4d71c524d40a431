// `fanlab serve --data-dir` killed with SIGKILL at random moments under
// load (SendMessage, ReceiveMessage, DeleteMessage from a client), round
// after round: no acknowledged send is ever lost, no acknowledged delete
// ever comes back, and no message is ever held twice. Rounds: 5 here;
// FANLAB_KILL_ROUNDS sets more (the release-only ctest durable_kill_100
// runs 100).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

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

  transport::Context context_;
  std::set<std::string> acked_sent_, tried_delete_, acked_deleted_;
};

TEST_F(KillTest, NoAcknowledgedMessageIsLostOrResurrected) {
  int rounds = 5;
  if (const char* env = std::getenv("FANLAB_KILL_ROUNDS")) {
    rounds = std::atoi(env);
  }
  std::mt19937 rng(20261206);
  uint64_t next_body = 0;
  for (int round = 0; round < rounds; ++round) {
    pid_t pid = StartServer();
    transport::SqsClient client(context_, Endpoint(), milliseconds(300));
    std::string url = QueueUrl(client);
    ASSERT_FALSE(url.empty());
    std::atomic<bool> killed{false};
    int after_ms = std::uniform_int_distribution<int>(1, 80)(rng);
    std::thread killer([&] {
      std::this_thread::sleep_for(milliseconds(after_ms));
      ::kill(pid, SIGKILL);
      killed = true;
    });
    while (!killed) {
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
      if (!got.ok()) continue;
      for (const auto& m : got->messages) {
        EXPECT_FALSE(acked_deleted_.contains(m.body))
            << m.body << " came back after its delete was acknowledged";
        tried_delete_.insert(m.body);
        if (client.DeleteMessage({url, m.receipt_handle}).ok()) {
          acked_deleted_.insert(m.body);
        }
      }
    }
    killer.join();
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round;
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

}  // namespace
}  // namespace fanlab
