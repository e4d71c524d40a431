// SendMessage on standard and FIFO queues alike: digests, ids, size limits,
// body characters, message attributes and what ReceiveMessage returns of
// them (docs/queue-semantics.md, "Messages" and "Receiving").
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/digest.h"
#include "emulator/core/status.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/queue/types.h"
#include "tests/queue/queue_fixture.h"
#include "tests/test_util.h"

namespace fanlab::queue::testing {
namespace {

constexpr size_t kOneMiB = 1048576;

// MD5OfMessageAttributes computed here, independently of the engine, from
// AWS's description: attributes by name; name, data type (each as a 4-byte
// big-endian length + bytes), transport byte (1 String/Number, 2 Binary),
// value as length + bytes. Md5OfMessageAttributesIsAwsEncoding pins it to a
// digest AWS returned.
std::string ExpectedMd5OfAttributes(const MessageAttributeMap& attrs) {
  std::string buf;
  auto put = [&buf](std::string_view s) {
    const auto n = static_cast<uint32_t>(s.size());
    buf.push_back(static_cast<char>(n >> 24));
    buf.push_back(static_cast<char>(n >> 16));
    buf.push_back(static_cast<char>(n >> 8));
    buf.push_back(static_cast<char>(n));
    buf.append(s);
  };
  for (const auto& [name, value] : attrs) {
    put(name);
    put(value.data_type);
    if (value.data_type.starts_with("Binary")) {
      buf.push_back(2);
      put(value.binary_value.value_or(""));
    } else {
      buf.push_back(1);
      put(value.string_value.value_or(""));
    }
  }
  return Md5Hex(buf);
}

MessageAttributeValue StringAttr(std::string v) {
  return {"String", std::move(v), std::nullopt};
}
MessageAttributeValue NumberAttr(std::string v) {
  return {"Number", std::move(v), std::nullopt};
}
MessageAttributeValue BinaryAttr(std::string v) {
  return {"Binary", std::nullopt, std::move(v)};
}

std::set<std::string> Keys(const MessageAttributeMap& m) {
  std::set<std::string> keys;
  for (const auto& [k, v] : m) keys.insert(k);
  return keys;
}
std::set<std::string> Keys(const AttributeMap& m) {
  std::set<std::string> keys;
  for (const auto& [k, v] : m) keys.insert(k);
  return keys;
}

enum class QueueKind { kStandard, kFifo };

class SendTest : public QueueServiceTest,
                 public ::testing::WithParamInterface<QueueKind> {
 protected:
  void SetUp() override { url_ = CreateNamed("send"); }

  bool fifo() const { return GetParam() == QueueKind::kFifo; }
  std::string Name(const std::string& base) const {
    return fifo() ? base + ".fifo" : base;
  }
  std::string CreateNamed(const std::string& base, AttributeMap attrs = {}) {
    return Create(Name(base), std::move(attrs));
  }

  // A valid request for this queue kind (FIFO: group "g", a fresh dedup id).
  SendMessageRequest Request(std::string body, std::string url = "") {
    SendMessageRequest req;
    req.queue_url = url.empty() ? url_ : url;
    req.message_body = std::move(body);
    if (fifo()) {
      req.message_group_id = "g";
      req.message_deduplication_id = "send-test-" + std::to_string(++sends_);
    }
    return req;
  }

  Result<SendMessageResponse> TrySend(const SendMessageRequest& req) {
    return service_.SendMessage(req);
  }

  void ExpectRefused(const SendMessageRequest& req, ErrorCode code) {
    auto r = TrySend(req);
    ASSERT_FALSE(r.ok()) << "accepted a message of " << req.message_body.size()
                         << " bytes";
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
  }

  // One receive (never waiting) with exactly these selections.
  std::vector<Message> ReceiveSelecting(
      std::vector<std::string> attribute_names,
      std::vector<std::string> system_attribute_names,
      std::vector<std::string> message_attribute_names,
      std::optional<int64_t> visibility = std::nullopt) {
    ReceiveMessageRequest req;
    req.queue_url = url_;
    req.max_number_of_messages = 10;
    req.attribute_names = std::move(attribute_names);
    req.message_system_attribute_names = std::move(system_attribute_names);
    req.message_attribute_names = std::move(message_attribute_names);
    req.visibility_timeout = visibility;
    auto r = service_.ReceiveMessageNow(req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->messages : std::vector<Message>{};
  }

  std::string url_;
  int sends_ = 0;
};

// --- Digests and ids
// ----------------------------------------------------------

TEST_P(SendTest, Md5OfMessageBodyIsTheMd5OfTheBody) {
  auto hello = TrySend(Request("hello"));
  ASSERT_TRUE(hello.ok()) << hello.status().ToString();
  EXPECT_EQ(hello->md5_of_message_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_FALSE(hello->md5_of_message_attributes.has_value());

  // UTF-8 bytes of "héllo 😀".
  auto utf8 =
      TrySend(Request("h\xc3\xa9"
                      "llo \xf0\x9f\x98\x80"));
  ASSERT_TRUE(utf8.ok()) << utf8.status().ToString();
  EXPECT_EQ(utf8->md5_of_message_body, "207dd4f0cd7a4f13b4932646cd1f8f2b");

  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].md5_of_body, "5d41402abc4b2a76b9719d911017c592");
  EXPECT_EQ(got[1].md5_of_body, "207dd4f0cd7a4f13b4932646cd1f8f2b");
}

TEST_P(SendTest, MessageIdIsAUuidV4) {
  std::string first = Send(url_, "one").message_id;
  std::string second = Send(url_, "two").message_id;
  EXPECT_TRUE(fanlab::testing::IsUuidV4(first)) << first;
  EXPECT_TRUE(fanlab::testing::IsUuidV4(second)) << second;
  EXPECT_NE(first, second);

  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].message_id, first);
  EXPECT_EQ(got[1].message_id, second);
}

// --- Size
// -----------------------------------------------------------------------

TEST_P(SendTest, BodyOfExactlyOneMiBIsAccepted) {
  auto r = TrySend(Request(std::string(kOneMiB, 'a')));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body.size(), kOneMiB);
}

TEST_P(SendTest, BodyOfOneMiBPlusOneByteIsRefused) {
  ExpectRefused(Request(std::string(kOneMiB + 1, 'a')),
                sqs::kInvalidParameterValue);
  EXPECT_EQ(Depth(Name("send")).visible, 0u);
  EXPECT_EQ(observer_.Count(QueueEventKind::kMessageSent), 0u);
}

TEST_P(SendTest, MessageAttributesCountTowardsTheSize) {
  // Attribute "n" of type "String" (1 + 6 bytes) with a 13-byte value: 20.
  SendMessageRequest exact = Request(std::string(kOneMiB - 20, 'a'));
  exact.message_attributes["n"] = StringAttr(std::string(13, 'v'));
  auto ok = TrySend(exact);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();

  SendMessageRequest over = Request(std::string(kOneMiB - 20, 'a'));
  over.message_attributes["n"] = StringAttr(std::string(14, 'v'));
  ExpectRefused(over, sqs::kInvalidParameterValue);

  SendMessageRequest binary_over = Request(std::string(kOneMiB - 20, 'a'));
  binary_over.message_attributes["n"] = BinaryAttr(std::string(14, '\0'));
  ExpectRefused(binary_over, sqs::kInvalidParameterValue);

  EXPECT_EQ(Depth(Name("send")).visible, 1u);
}

TEST_P(SendTest, MaximumMessageSizeAttributeLowersTheLimit) {
  const std::string url =
      CreateNamed("small", {{"MaximumMessageSize", "1024"}});
  auto ok = TrySend(Request(std::string(1024, 'a'), url));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
  ExpectRefused(Request(std::string(1025, 'a'), url),
                sqs::kInvalidParameterValue);

  SendMessageRequest with_attr = Request(std::string(1000, 'a'), url);
  with_attr.message_attributes["n"] = StringAttr(std::string(18, 'v'));  // 25
  ExpectRefused(with_attr, sqs::kInvalidParameterValue);

  EXPECT_EQ(Depth(Name("small")).visible, 1u);
}

// --- Body characters
// --------------------------------------------------------------

TEST_P(SendTest, DisallowedCharactersAreInvalidMessageContents) {
  const std::vector<std::string> bad = {
      "\x01",
      "a\x08z",
      "\x0b",
      "\x0c",
      "\x1f",
      std::string("a\0z", 3),
      "\xff",              // not UTF-8
      "\xc3",              // truncated sequence
      "\xc0\xaf",          // overlong encoding of '/'
      "\xed\xa0\x80",      // U+D800, a surrogate
      "\xef\xbf\xbe",      // U+FFFE
      "\xef\xbf\xbf",      // U+FFFF
      "\xf4\x90\x80\x80",  // past U+10FFFF
  };
  for (const std::string& body : bad) {
    SCOPED_TRACE(::testing::PrintToString(body));
    ExpectRefused(Request("ok " + body + " ok"), sqs::kInvalidMessageContents);
  }
  EXPECT_EQ(Depth(Name("send")).visible, 0u);
}

TEST_P(SendTest, EveryAllowedCharacterRangeIsAccepted) {
  const std::string body =
      "\t\n\r ~\x7f"
      "\xed\x9f\xbf"       // U+D7FF
      "\xee\x80\x80"       // U+E000
      "\xef\xbf\xbd"       // U+FFFD
      "\xf0\x90\x80\x80"   // U+10000
      "\xf4\x8f\xbf\xbf";  // U+10FFFF
  auto r = TrySend(Request(body));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->md5_of_message_body, Md5Hex(body));
  auto got = Receive(url_);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, body);
}

TEST_P(SendTest, EmptyBodyIsMissingParameter) {
  ExpectRefused(Request(""), sqs::kMissingParameter);
  EXPECT_EQ(Depth(Name("send")).visible, 0u);
}

// --- Message attributes
// -------------------------------------------------------------

TEST_P(SendTest, MessageAttributesRoundTrip) {
  MessageAttributeMap attrs = {
      {"s", StringAttr("text value")},
      {"n", NumberAttr("42")},
      {"b", BinaryAttr(std::string("\x00\x01\xff", 3))},
      {"i", {"Number.int", "7", std::nullopt}},
  };
  SendMessageRequest req = Request("with attributes");
  req.message_attributes = attrs;
  auto sent = TrySend(req);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->md5_of_message_attributes,
            "16c980c7feb9a1acdeab115755303068");
  EXPECT_EQ(sent->md5_of_message_attributes, ExpectedMd5OfAttributes(attrs));

  auto got = Receive(url_);  // MessageAttributeNames = All
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message_attributes, attrs);
  EXPECT_EQ(got[0].md5_of_message_attributes, sent->md5_of_message_attributes);
}

TEST_P(SendTest, Md5OfMessageAttributesIsAwsEncoding) {
  // Digests AWS returned for these (pinned by moto's test suite).
  MessageAttributeMap attrs = {{"timestamp", NumberAttr("1493147359900")}};
  ASSERT_EQ(ExpectedMd5OfAttributes(attrs),
            "235c5c510d26fb653d073faed50ae77c");  // the test's own encoder

  SendMessageRequest req = Request("derp");
  req.message_attributes = attrs;
  auto r = TrySend(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->md5_of_message_body, "58fd9edd83341c29f1aebba81c31e257");
  EXPECT_EQ(r->md5_of_message_attributes, "235c5c510d26fb653d073faed50ae77c");

  SendMessageRequest named = Request("derp");
  named.message_attributes = {
      {"SOME_Valid.attribute-Name", NumberAttr("1493147359900")}};
  auto r2 = TrySend(named);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->md5_of_message_attributes, "36655e7e9d7c0e8479fa3f3f42247ae7");
}

TEST_P(SendTest, MessageAttributeNamesSelectWhatIsReturned) {
  const MessageAttributeMap attrs = {
      {"Task", StringAttr("3")},   {"Status", StringAttr("ok")},
      {"meta.a", StringAttr("1")}, {"meta.b", NumberAttr("2")},
      {"mother", StringAttr("x")}, {"other", BinaryAttr("\x01\x02")},
  };
  SendMessageRequest req = Request("filtered");
  req.message_attributes = attrs;
  auto sent = TrySend(req);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();

  struct Case {
    std::vector<std::string> names;
    std::set<std::string> expected;
  };
  const std::set<std::string> all = Keys(attrs);
  const std::vector<Case> cases = {
      {{"All"}, all},
      {{".*"}, all},
      {{"meta.*"}, {"meta.a", "meta.b"}},
      {{"Task"}, {"Task"}},
      {{"Task", "missing", "Status"}, {"Task", "Status"}},
      {{"meta.a", "other"}, {"meta.a", "other"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.names));
    // Visibility 0: the message stays receivable for the next case.
    auto got = ReceiveSelecting({}, {}, c.names, /*visibility=*/0);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(Keys(got[0].message_attributes), c.expected);
    MessageAttributeMap subset;
    for (const std::string& name : c.expected) subset[name] = attrs.at(name);
    EXPECT_EQ(got[0].message_attributes, subset);
    // The digest covers exactly the attributes returned.
    EXPECT_EQ(got[0].md5_of_message_attributes,
              ExpectedMd5OfAttributes(subset));
  }
}

TEST_P(SendTest, NoMessageAttributeNamesReturnsNoneAndNoDigest) {
  SendMessageRequest req = Request("filtered");
  req.message_attributes = {{"Task", StringAttr("3")}};
  ASSERT_TRUE(TrySend(req).ok());

  auto got = ReceiveSelecting({}, {}, {});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].message_attributes.empty());
  EXPECT_FALSE(got[0].md5_of_message_attributes.has_value());
  EXPECT_TRUE(got[0].attributes.empty());
}

TEST_P(SendTest, TenMessageAttributesAreAcceptedElevenRefused) {
  SendMessageRequest ten = Request("ten");
  for (int i = 0; i < 10; ++i) {
    ten.message_attributes["a" + std::to_string(i)] = StringAttr("v");
  }
  auto ok = TrySend(ten);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();

  SendMessageRequest eleven = Request("eleven");
  eleven.message_attributes = ten.message_attributes;
  eleven.message_attributes["a10"] = StringAttr("v");
  ExpectRefused(eleven, sqs::kInvalidParameterValue);
  EXPECT_EQ(Depth(Name("send")).visible, 1u);
}

TEST_P(SendTest, MalformedMessageAttributesAreRefused) {
  const std::vector<std::pair<std::string, MessageAttributeValue>> bad = {
      {"AWS.reserved", StringAttr("v")},
      {"aws.reserved", StringAttr("v")},
      {"Amazon.reserved", StringAttr("v")},
      {"AMAZON.reserved", StringAttr("v")},
      {".leading", StringAttr("v")},
      {"trailing.", StringAttr("v")},
      {"double..dot", StringAttr("v")},
      {"has space", StringAttr("v")},
      {std::string(257, 'n'), StringAttr("v")},
      {"type", {"Text", "v", std::nullopt}},
      {"type", {"", "v", std::nullopt}},
      {"type", {"String." + std::string(250, 'l'), "v", std::nullopt}},
      {"value", {"String", std::nullopt, std::nullopt}},
      {"value", {"Binary", std::nullopt, std::nullopt}},
      {"value", {"Number", std::nullopt, std::nullopt}},
      {"value", NumberAttr("abc")},
  };
  for (const auto& [name, value] : bad) {
    SCOPED_TRACE(name + " " + value.data_type);
    SendMessageRequest req = Request("x");
    req.message_attributes[name] = value;
    ExpectRefused(req, sqs::kInvalidParameterValue);
  }
  EXPECT_EQ(Depth(Name("send")).visible, 0u);

  // The edges that are fine.
  SendMessageRequest good = Request("x");
  good.message_attributes = {
      {std::string(256, 'n'), StringAttr("v")},
      {"Some_Valid.attribute-Name", {"Number.float", "-12.50", std::nullopt}},
      {"label", {"String." + std::string(249, 'l'), "v", std::nullopt}},
  };
  auto ok = TrySend(good);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

// --- System attributes
// ----------------------------------------------------------

TEST_P(SendTest, AllSystemAttributesAreReturnedWithTheirValues) {
  const TimePoint sent_at = clock_.Now();
  auto sent = TrySend(Request("x"));
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();

  Advance(seconds(5));
  const TimePoint received_at = clock_.Now();
  auto got = ReceiveSelecting({}, {"All"}, {});
  ASSERT_EQ(got.size(), 1u);
  std::set<std::string> expected = {"ApproximateReceiveCount",
                                    "ApproximateFirstReceiveTimestamp",
                                    "SentTimestamp", "SenderId"};
  if (fifo()) {
    expected.insert(
        {"MessageGroupId", "MessageDeduplicationId", "SequenceNumber"});
  }
  const AttributeMap& a = got[0].attributes;
  EXPECT_EQ(Keys(a), expected);
  EXPECT_EQ(a.at("ApproximateReceiveCount"), "1");
  EXPECT_EQ(a.at("SentTimestamp"), std::to_string(ToEpochMillis(sent_at)));
  EXPECT_EQ(a.at("ApproximateFirstReceiveTimestamp"),
            std::to_string(ToEpochMillis(received_at)));
  EXPECT_EQ(a.at("SenderId"), service_.options().sender_id);
  if (fifo()) {
    EXPECT_EQ(a.at("MessageGroupId"), "g");
    EXPECT_EQ(a.at("MessageDeduplicationId"), "send-test-1");
    EXPECT_EQ(a.at("SequenceNumber"), sent->sequence_number);
  }

  // A second receive keeps the first receive's timestamp.
  ASSERT_TRUE(ChangeVisibility(url_, got[0].receipt_handle, 0).ok());
  Advance(seconds(3));
  auto again = ReceiveSelecting({"All"}, {}, {});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attributes.at("ApproximateReceiveCount"), "2");
  EXPECT_EQ(again[0].attributes.at("ApproximateFirstReceiveTimestamp"),
            std::to_string(ToEpochMillis(received_at)));
}

TEST_P(SendTest, AttributeNamesSelectSystemAttributes) {
  ASSERT_TRUE(TrySend(Request("x")).ok());

  // Legacy AttributeNames.
  auto legacy = ReceiveSelecting({"SentTimestamp"}, {}, {}, /*visibility=*/0);
  ASSERT_EQ(legacy.size(), 1u);
  EXPECT_EQ(Keys(legacy[0].attributes), std::set<std::string>{"SentTimestamp"});

  // MessageSystemAttributeNames.
  auto system = ReceiveSelecting({}, {"ApproximateReceiveCount", "SenderId"},
                                 {}, /*visibility=*/0);
  ASSERT_EQ(system.size(), 1u);
  EXPECT_EQ(Keys(system[0].attributes),
            (std::set<std::string>{"ApproximateReceiveCount", "SenderId"}));
  EXPECT_EQ(system[0].attributes.at("ApproximateReceiveCount"), "2");

  // Nothing asked, nothing returned.
  auto none = ReceiveSelecting({}, {}, {}, /*visibility=*/0);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].attributes.empty());
}

TEST_P(SendTest, AwsTraceHeaderRoundTrips) {
  const std::string trace =
      "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
  SendMessageRequest req = Request("traced");
  req.message_system_attributes["AWSTraceHeader"] = StringAttr(trace);
  auto sent = TrySend(req);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->md5_of_message_system_attributes,
            "5f48eef650c1d0207456969c85af2fdd");
  EXPECT_EQ(sent->md5_of_message_system_attributes,
            ExpectedMd5OfAttributes(req.message_system_attributes));
  EXPECT_FALSE(sent->md5_of_message_attributes.has_value());

  auto by_name = ReceiveSelecting({}, {"AWSTraceHeader"}, {}, 0);
  ASSERT_EQ(by_name.size(), 1u);
  EXPECT_EQ(by_name[0].attributes, (AttributeMap{{"AWSTraceHeader", trace}}));
  // A system attribute is not a message attribute.
  EXPECT_TRUE(by_name[0].message_attributes.empty());

  auto all = ReceiveSelecting({}, {"All"}, {"All"}, 0);
  ASSERT_EQ(all.size(), 1u);
  ASSERT_TRUE(all[0].attributes.contains("AWSTraceHeader"));
  EXPECT_EQ(all[0].attributes.at("AWSTraceHeader"), trace);
  EXPECT_TRUE(all[0].message_attributes.empty());

  auto other = ReceiveSelecting({}, {"SentTimestamp"}, {}, 0);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_FALSE(other[0].attributes.contains("AWSTraceHeader"));
}

TEST_P(SendTest, OnlyAwsTraceHeaderIsASystemAttribute) {
  SendMessageRequest unknown = Request("x");
  unknown.message_system_attributes["SentTimestamp"] = StringAttr("1");
  ExpectRefused(unknown, sqs::kInvalidParameterValue);

  SendMessageRequest binary = Request("x");
  binary.message_system_attributes["AWSTraceHeader"] = BinaryAttr("Root=1");
  ExpectRefused(binary, sqs::kInvalidParameterValue);

  EXPECT_EQ(Depth(Name("send")).visible, 0u);
}

// --- Queue and observer
// -----------------------------------------------------------

TEST_P(SendTest, SendToAMissingQueueIsQueueDoesNotExist) {
  ExpectRefused(
      Request("x", "http://localhost/000000000000/" + Name("missing")),
      sqs::kQueueDoesNotExist);
}

TEST_P(SendTest, ObserverSeesMessageSentWithTheMessageId) {
  auto sent = TrySend(Request("observed"));
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();

  ASSERT_EQ(observer_.Count(QueueEventKind::kMessageSent), 1u);
  for (const RecordedEvent& e : observer_.events) {
    if (e.kind != QueueEventKind::kMessageSent) continue;
    EXPECT_EQ(e.message_id, sent->message_id);
    EXPECT_EQ(e.queue, Name("send"));
    EXPECT_EQ(e.at, clock_.Now());
  }
}

INSTANTIATE_TEST_SUITE_P(
    QueueKinds, SendTest,
    ::testing::Values(QueueKind::kStandard, QueueKind::kFifo),
    [](const ::testing::TestParamInfo<QueueKind>& param_info) -> std::string {
      return param_info.param == QueueKind::kFifo ? "Fifo" : "Standard";
    });

}  // namespace
}  // namespace fanlab::queue::testing
