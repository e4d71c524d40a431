// What one run of the engine must not share with the next: on the real
// clock, ids and receipt handles differ run to run (a handle kept from an
// earlier run is ReceiptHandleIsInvalid, never another consumer's
// message), unless a seed makes the run a replay; and an engine whose data
// dir cannot be opened is never served as if it could.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "emulator/engine.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/transport/context.h"

namespace fanlab {
namespace {

struct Sent {
  std::string message_id;
  std::string receipt_handle;
};

class EngineRestartTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> Start(EngineOptions options = {}) {
    return std::make_unique<Engine>(std::move(options), context_);
  }

  // Creates queue "q", sends one message and receives it (300 s held).
  Sent SendAndReceive(Engine& engine) {
    auto& sqs = engine.sqs();
    auto created = sqs.CreateQueue({"q", {}, {}});
    EXPECT_TRUE(created.ok());
    queue::SendMessageRequest send;
    send.queue_url = created->queue_url;
    send.message_body = "work";
    auto sent = sqs.SendMessage(send);
    EXPECT_TRUE(sent.ok());
    queue::ReceiveMessageRequest receive;
    receive.queue_url = created->queue_url;
    receive.visibility_timeout = 300;
    auto got = sqs.ReceiveMessageNow(receive);
    EXPECT_TRUE(got.ok() && got->messages.size() == 1);
    if (!sent.ok() || !got.ok() || got->messages.empty()) return {};
    return {sent->message_id, got->messages[0].receipt_handle};
  }

  Status Delete(Engine& engine, const std::string& handle) {
    queue::DeleteMessageRequest del;
    del.queue_url = engine.sqs().CreateQueue({"q", {}, {}})->queue_url;
    del.receipt_handle = handle;
    auto r = engine.sqs().DeleteMessage(del);
    return r.ok() ? Status::Ok() : r.status();
  }

  transport::Context context_;
};

TEST_F(EngineRestartTest, RealClockRunsShareNoIdsAndRefuseEachOthersHandles) {
  auto first = Start();
  Sent before = SendAndReceive(*first);
  first.reset();  // the restart
  auto second = Start();
  Sent after = SendAndReceive(*second);
  EXPECT_NE(before.message_id, after.message_id);
  EXPECT_NE(before.receipt_handle, after.receipt_handle);
  // The stale handle names the same queue, message number and receive as
  // the new consumer's: it must not delete that message.
  Status stale = Delete(*second, before.receipt_handle);
  EXPECT_EQ(stale.code(), sqs::kReceiptHandleIsInvalid) << stale.ToString();
  auto depth = second->sqs().Depth("q");
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(depth->in_flight, 1u);
  EXPECT_TRUE(Delete(*second, after.receipt_handle).ok());
}

TEST_F(EngineRestartTest, ASeedOrTheVirtualClockReplaysTheSameIds) {
  EngineOptions seeded;
  seeded.seed = 99;
  seeded.queue.seed = 99;
  Sent a = SendAndReceive(*Start(seeded));
  Sent b = SendAndReceive(*Start(seeded));
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_EQ(a.receipt_handle, b.receipt_handle);

  EngineOptions virtual_clock;
  virtual_clock.virtual_clock = true;
  Sent c = SendAndReceive(*Start(virtual_clock));
  Sent d = SendAndReceive(*Start(virtual_clock));
  EXPECT_EQ(c.message_id, d.message_id);
}

TEST_F(EngineRestartTest, AnEngineWhoseDataDirCannotBeOpenedIsNotServed) {
  std::filesystem::path file =
      std::filesystem::temp_directory_path() /
      ("fanlab-not-a-dir-" + std::to_string(::getpid()));
  std::ofstream(file) << "a file, not a folder";
  EngineOptions options;
  options.data_dir = file.string();
  auto created = Engine::Create(options, context_);
  EXPECT_FALSE(created.ok());
  // The public constructor does not degrade silently: it is not served.
  auto engine = Start(options);
  auto bound = engine->Bind("inproc://not-served");
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.status().message().find(file.string()), std::string::npos)
      << bound.status().message();
  EXPECT_FALSE(engine->BindHttp("127.0.0.1:0").ok());
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace fanlab
