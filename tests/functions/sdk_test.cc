// The function SDK (functions/sdk/fanlab/: frames.h, json.h, client.h):
// sdk::Run driven through pipes on a thread (the ready frame, ok and error
// frames with exact lengths, warm sequences, input written byte by byte,
// malformed and truncated frames, end of file, a vanished reader), the
// header parser, the JSON string escaper, and sdk::Client against a real
// Engine's function socket and against a Unix socket the test drives.
#include <fanlab/function.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "emulator/core/base64.h"
#include "emulator/engine.h"
#include "tests/functions/function_socket_peer.h"

namespace fanlab::sdk {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

constexpr std::string_view kReady = "{\"status\":\"ready\"}\n";

// An invocation frame: the header line, then the event.
std::string Frame(std::string_view request_id, std::string_view event,
                  int64_t deadline_ms = 1767225603000) {
  return "{\"requestId\":\"" + std::string(request_id) +
         "\",\"deadlineMs\":" + std::to_string(deadline_ms) +
         ",\"functionName\":\"f\",\"invokedFunctionArn\":"
         "\"arn:aws:lambda:us-east-1:000000000000:function:f\",\"length\":" +
         std::to_string(event.size()) + "}\n" + std::string(event);
}

struct ResultFrame {
  std::string head;  // the header line, without '\n'
  json::object header;
  std::string payload;
};

// sdk::Run(handler, in, out) on a thread, with pipes at both ends. Every
// read from the output has a hang guard (10 s), so a bug fails the test
// instead of hanging it.
class SdkRunTest : public ::testing::Test {
 protected:
  SdkRunTest() {
    EXPECT_EQ(::pipe2(in_, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(out_, O_CLOEXEC), 0);
  }
  ~SdkRunTest() override {
    if (thread_.joinable()) Finish();
    for (int fd : {in_[0], in_[1], out_[0], out_[1]}) {
      if (fd >= 0) ::close(fd);
    }
  }

  void Start(Handler handler) {
    thread_ = std::thread([this, handler = std::move(handler)] {
      rc_ = sdk::Run(handler, in_[0], out_[1]);
    });
  }

  void Write(std::string_view bytes) {
    ASSERT_TRUE(detail::WriteAll(in_[1], bytes));
  }

  // Closes the function's stdin, waits for Run and returns its value.
  int Finish() {
    CloseFd(in_[1]);
    if (thread_.joinable()) thread_.join();
    return rc_;
  }

  // After Finish: everything written to the output that was not read.
  std::string Rest() {
    CloseFd(out_[1]);
    std::string rest;
    while (Fill(&rest)) {
    }
    return rest;
  }

  std::string ReadLine() {
    size_t nl;
    while ((nl = buffer_.find('\n')) == std::string::npos) {
      if (!Fill(&buffer_)) {
        ADD_FAILURE() << "no complete line; got: " << buffer_;
        return "";
      }
    }
    std::string line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    return line;
  }

  std::string ReadBytes(size_t n) {
    while (buffer_.size() < n) {
      if (!Fill(&buffer_)) {
        ADD_FAILURE() << "wanted " << n << " bytes; got: " << buffer_;
        return "";
      }
    }
    std::string bytes = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return bytes;
  }

  ResultFrame ReadFrame() {
    ResultFrame f;
    f.head = ReadLine();
    json::error_code ec;
    json::value v = json::parse(f.head, ec);
    if (ec || !v.is_object() || !v.as_object().contains("length")) {
      ADD_FAILURE() << "not a result frame header: " << f.head;
      return f;
    }
    f.header = v.as_object();
    f.payload = ReadBytes(static_cast<size_t>(f.header["length"].as_int64()));
    return f;
  }

  void ExpectReady() { EXPECT_EQ(ReadLine() + "\n", kReady); }

  static void CloseFd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  int in_[2] = {-1, -1};
  int out_[2] = {-1, -1};

 private:
  // Appends what the output has; false at end of file or after 10 s.
  bool Fill(std::string* into) {
    pollfd p{out_[0], POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) {
      ADD_FAILURE() << "nothing from the function within 10 s";
      return false;
    }
    char chunk[4096];
    const ssize_t n = ::read(out_[0], chunk, sizeof chunk);
    if (n <= 0) return false;
    into->append(chunk, static_cast<size_t>(n));
    return true;
  }

  std::thread thread_;
  std::atomic<int> rc_{-1};
  std::string buffer_;
};

Handler Echo() {
  return [](const std::string& event, const Context&) { return event; };
}

TEST_F(SdkRunTest, WritesTheReadyFrameFirstAndReturnsZeroAtEof) {
  Start(Echo());
  ExpectReady();
  EXPECT_EQ(Finish(), kRunEof);
  EXPECT_EQ(Rest(), "");
}

TEST_F(SdkRunTest, OkFrameCarriesTheResultWithItsExactLength) {
  const std::string result = "{\"r\":\"a\\nb\"}\n  ";
  Start([&](const std::string&, const Context&) { return result; });
  ExpectReady();
  Write(Frame("r1", "{}"));
  EXPECT_EQ(ReadLine(), "{\"status\":\"ok\",\"length\":" +
                            std::to_string(result.size()) + "}");
  EXPECT_EQ(ReadBytes(result.size()), result);
  EXPECT_EQ(Finish(), kRunEof);
  EXPECT_EQ(Rest(), "");
}

TEST_F(SdkRunTest, EmptyEventAndEmptyResult) {
  std::string seen = "unset";
  Start([&](const std::string& event, const Context&) {
    seen = event;
    return std::string();
  });
  ExpectReady();
  Write(Frame("r1", ""));
  EXPECT_EQ(ReadLine(), "{\"status\":\"ok\",\"length\":0}");
  EXPECT_EQ(Finish(), kRunEof);
  EXPECT_EQ(seen, "");
  EXPECT_EQ(Rest(), "");
}

TEST_F(SdkRunTest, SdkErrorBecomesAnErrorFrame) {
  const std::string type = "Bad\"Type\\";
  const std::string message = "line 1\nline 2 \"quoted\" \\ \x01 \t end";
  Start([&](const std::string&, const Context&) -> std::string {
    throw Error(type, message);
  });
  ExpectReady();
  Write(Frame("r1", "{}"));
  ResultFrame f = ReadFrame();
  EXPECT_EQ(f.header["status"], "error");
  EXPECT_EQ(f.head, "{\"status\":\"error\",\"length\":" +
                        std::to_string(f.payload.size()) + "}");
  json::object payload = json::parse(f.payload).as_object();
  EXPECT_EQ(payload["errorType"].as_string(), type);
  EXPECT_EQ(payload["errorMessage"].as_string(), message);
  EXPECT_EQ(payload.size(), 2u);
  EXPECT_EQ(Finish(), kRunEof);
}

struct ThrowCase {
  std::string name;
  std::function<void()> thrower;
  std::string error_type;
  std::string error_message;  // empty: not checked
};

class SdkExceptionTest : public SdkRunTest,
                         public ::testing::WithParamInterface<ThrowCase> {};

TEST_P(SdkExceptionTest, BecomesAnErrorFrameNamingItsType) {
  const ThrowCase& c = GetParam();
  Start([&](const std::string&, const Context&) -> std::string {
    c.thrower();
    return "{}";
  });
  ExpectReady();
  Write(Frame("r1", "{}"));
  ResultFrame f = ReadFrame();
  EXPECT_EQ(f.header["status"], "error");
  json::object payload = json::parse(f.payload).as_object();
  EXPECT_EQ(payload["errorType"].as_string(), c.error_type);
  if (!c.error_message.empty()) {
    EXPECT_EQ(payload["errorMessage"].as_string(), c.error_message);
  }
  // The loop carries on after an error: the next frame is answered too.
  Write(Frame("r2", "{}"));
  EXPECT_EQ(ReadFrame().header["status"], "error");
  EXPECT_EQ(Finish(), kRunEof);
}

INSTANTIATE_TEST_SUITE_P(
    Throws, SdkExceptionTest,
    ::testing::Values(ThrowCase{"RuntimeError",
                                [] { throw std::runtime_error("boom \"x\""); },
                                "std::runtime_error", "boom \"x\""},
                      ThrowCase{"BadAlloc", [] { throw std::bad_alloc(); },
                                "std::bad_alloc", ""},
                      ThrowCase{"Int", [] { throw 42; }, "UnknownError", ""}),
    [](const ::testing::TestParamInfo<ThrowCase>& tpi) {
      return tpi.param.name;
    });

TEST_F(SdkRunTest, AnswersSeveralFramesInOrder) {
  int calls = 0;
  Start([&](const std::string& event, const Context& ctx) {
    ++calls;
    return "{\"n\":" + std::to_string(calls) + ",\"id\":\"" + ctx.request_id +
           "\",\"event\":" + event + "}";
  });
  ExpectReady();
  Write(Frame("a", "[1]") + Frame("b", "[2,2]") + Frame("c", "{\"k\":3}"));
  EXPECT_EQ(ReadFrame().payload, "{\"n\":1,\"id\":\"a\",\"event\":[1]}");
  EXPECT_EQ(ReadFrame().payload, "{\"n\":2,\"id\":\"b\",\"event\":[2,2]}");
  EXPECT_EQ(ReadFrame().payload, "{\"n\":3,\"id\":\"c\",\"event\":{\"k\":3}}");
  EXPECT_EQ(Finish(), kRunEof);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(Rest(), "");
}

TEST_F(SdkRunTest, ReadsFramesWrittenOneByteAtATime) {
  Start(Echo());
  ExpectReady();
  const std::string input =
      Frame("slow-1", "{\"hello\":\"x\"}") + Frame("slow-2", "[true,null]");
  std::thread writer([&] {
    for (char c : input) {
      ASSERT_EQ(::write(in_[1], &c, 1), 1);
    }
  });
  EXPECT_EQ(ReadFrame().payload, "{\"hello\":\"x\"}");
  EXPECT_EQ(ReadFrame().payload, "[true,null]");
  writer.join();
  EXPECT_EQ(Finish(), kRunEof);
}

TEST_F(SdkRunTest, EventWithNewlinesAndQuotesArrivesExactly) {
  const std::string event =
      "{\n  \"text\": \"say \\\"hi\\\"\\nbye\",\n  \"raw\": \"\\\\\"\n}\n";
  std::string seen;
  Start([&](const std::string& e, const Context&) {
    seen = e;
    return e;
  });
  ExpectReady();
  Write(Frame("r1", event) + Frame("r2", "1"));
  EXPECT_EQ(ReadFrame().payload, event);
  EXPECT_EQ(ReadFrame().payload, "1");
  EXPECT_EQ(Finish(), kRunEof);
  EXPECT_EQ(seen, "1");
}

TEST_F(SdkRunTest, ContextCarriesTheHeaderFieldsAndTheEndpoint) {
  ASSERT_EQ(::setenv("FANLAB_SOCKET", "/run/fanlab/functions", 1), 0);
  Context seen;
  Start([&](const std::string&, const Context& ctx) {
    seen = ctx;
    return std::string("{}");
  });
  ExpectReady();
  // Any field order, whitespace, escapes, and fields the SDK does not know.
  Write(
      " { \"length\" : 2 , \"future\": {\"a\": [1, 2.5e3, -0.1, true, "
      "null, \"}\"]}, \"deadlineMs\": 1767225603000,\r\t");
  Write(
      "\"requestId\": \"req-\\u00e9\\ud83d\\ude00\\/\", \"functionName\": "
      "\"fn\", \"invokedFunctionArn\": \"arn:x\", \"flag\": false}\n{}");
  ReadFrame();
  EXPECT_EQ(Finish(), kRunEof);
  ::unsetenv("FANLAB_SOCKET");
  EXPECT_EQ(seen.request_id, "req-\xc3\xa9\xf0\x9f\x98\x80/");
  EXPECT_EQ(seen.deadline_ms, 1767225603000);
  EXPECT_EQ(seen.function_name, "fn");
  EXPECT_EQ(seen.invoked_function_arn, "arn:x");
  EXPECT_EQ(seen.endpoint, "unix:///run/fanlab/functions");
}

TEST(SdkContextTest, RemainingTimeIsTheDeadlineMinusNow) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  Context ctx;
  ctx.deadline_ms = now + 60000;
  EXPECT_LE(ctx.RemainingTimeMs(), 60000);
  EXPECT_GT(ctx.RemainingTimeMs(), 50000);
  ctx.deadline_ms = now - 5000;
  EXPECT_LE(ctx.RemainingTimeMs(), -5000);
  EXPECT_GT(ctx.RemainingTimeMs(), -15000);
}

TEST_F(SdkRunTest, RemainingTimeRunsOnTheEmulatorsClockWhenNowMsIsSent) {
  // A virtual clock far from this machine's: only nowMs makes the
  // remaining time right.
  int64_t remaining = 0;
  Start([&](const std::string&, const Context& ctx) {
    remaining = ctx.RemainingTimeMs();
    return std::string("{}");
  });
  ExpectReady();
  Write(
      "{\"requestId\":\"r\",\"deadlineMs\":1000005000,"
      "\"nowMs\":1000000000,\"length\":2}\n{}");
  ReadFrame();
  EXPECT_EQ(Finish(), kRunEof);
  EXPECT_LE(remaining, 5000);
  EXPECT_GT(remaining, 4000);
}

class SdkMalformedHeaderTest
    : public SdkRunTest,
      public ::testing::WithParamInterface<const char*> {};

TEST_P(SdkMalformedHeaderTest, ReturnsTwoWithoutCallingTheHandler) {
  bool called = false;
  Start([&](const std::string&, const Context&) {
    called = true;
    return std::string("{}");
  });
  Write(std::string(GetParam()) + "\n{}\n");
  EXPECT_EQ(Finish(), kRunMalformed);
  EXPECT_FALSE(called);
  EXPECT_EQ(Rest(), kReady);
}

INSTANTIATE_TEST_SUITE_P(
    Headers, SdkMalformedHeaderTest,
    ::testing::Values(
        "", "not json", "{}", "[1]", "{\"requestId\":\"a\"",
        "{\"requestId\":\"a\",\"deadlineMs\":1,\"length\":-1}",
        "{\"requestId\":\"a\",\"deadlineMs\":1,\"length\":1.5}",
        "{\"requestId\":\"a\",\"deadlineMs\":1,\"length\":\"2\"}",
        "{\"requestId\":\"a\",\"deadlineMs\":1,\"length\":"
        "99999999999999999999}",
        "{\"requestId\":\"a\",\"deadlineMs\":1e3,\"length\":2}",
        "{\"requestId\":\"a\",\"deadlineMs\":01,\"length\":2}",
        "{\"requestId\":7,\"deadlineMs\":1,\"length\":2}",
        "{\"deadlineMs\":1,\"length\":2}", "{\"requestId\":\"a\",\"length\":2}",
        "{\"requestId\":\"a\",\"deadlineMs\":1}",
        "{\"requestId\":\"a\\x\",\"deadlineMs\":1,\"length\":2}",
        "{\"requestId\":\"a\\u12\",\"deadlineMs\":1,\"length\":2}",
        "{\"requestId\":\"a\tb\",\"deadlineMs\":1,\"length\":2}",
        "{\"requestId\":\"a\",\"deadlineMs\":1,\"length\":2,}",
        "{\"requestId\":\"a\",\"deadlineMs\":1,\"length\":2} x",
        "{\"requestId\":\"a\" \"deadlineMs\":1,\"length\":2}",
        "{\"requestId\":\"a\",\"deadlineMs\":1,\"length\":2,\"x\":[1,}",
        "{\"requestId\":\"a\",\"deadlineMs\":1,\"length\":2,\"x\":tru}"));

TEST_F(SdkRunTest, EofInsideTheEventReturnsTwo) {
  Start(Echo());
  const std::string frame = Frame("r1", "0123456789");
  Write(frame.substr(0, frame.size() - 7));  // 3 of the 10 event bytes
  EXPECT_EQ(Finish(), kRunMalformed);
  EXPECT_EQ(Rest(), kReady);
}

TEST_F(SdkRunTest, EofInsideTheHeaderLineReturnsTwo) {
  Start(Echo());
  Write("{\"requestId\":\"a\"");
  EXPECT_EQ(Finish(), kRunMalformed);
  EXPECT_EQ(Rest(), kReady);
}

TEST_F(SdkRunTest, AVanishedReaderIsAnIoErrorNotADeath) {
  CloseFd(out_[0]);  // nobody reads results: writes fail with EPIPE
  Start(Echo());
  EXPECT_EQ(Finish(), kRunIoError);
}

TEST(SdkHeaderTest, ParsesTheFieldsAndNamesWhatIsWrong) {
  detail::InvocationHeader h;
  std::string error;
  ASSERT_TRUE(detail::ParseInvocationHeader(
      "{\"requestId\":\"id\",\"deadlineMs\":-5,\"length\":0}", &h, &error))
      << error;
  EXPECT_EQ(h.request_id, "id");
  EXPECT_EQ(h.deadline_ms, -5);
  EXPECT_EQ(h.length, 0u);
  EXPECT_EQ(h.function_name, "");

  EXPECT_FALSE(detail::ParseInvocationHeader(
      "{\"requestId\":\"id\",\"deadlineMs\":1,\"length\":\"3\"}", &h, &error));
  EXPECT_THAT(error, HasSubstr("length"));
  EXPECT_FALSE(detail::ParseInvocationHeader(
      "{\"requestId\":\"id\",\"length\":3}", &h, &error));
  EXPECT_THAT(error, HasSubstr("deadlineMs is missing"));
  EXPECT_FALSE(detail::ParseInvocationHeader(
      "{\"requestId\":\"id\",\"deadlineMs\":1,\"length\":-1}", &h, &error));
  EXPECT_EQ(error, "length is negative");
  EXPECT_FALSE(detail::ParseInvocationHeader(
      "{\"requestId\":\"id\",\"deadlineMs\":1,\"length\":1} x", &h, &error));
  EXPECT_THAT(error, HasSubstr("trailing characters after the object at byte"));
  EXPECT_FALSE(detail::ParseInvocationHeader(
      "{\"requestId\":\"id\",\"nowMs\":1.5}", &h, &error));
  EXPECT_THAT(error, HasSubstr("expected an integer at byte 26 (field nowMs)"));
}

TEST(SdkHelpersTest, ErrorTypeOfAnEmulatorErrorBody) {
  EXPECT_EQ(
      sdk::ErrorTypeOf(
          R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"x"})"),
      "QueueDoesNotExist");
  EXPECT_EQ(sdk::ErrorTypeOf(R"({"message":"x", "__type" : "Plain"})"),
            "Plain");
  EXPECT_EQ(sdk::ErrorTypeOf(R"({"message":"no type"})", "Fallback"),
            "Fallback");
  EXPECT_EQ(sdk::ErrorTypeOf("not json", "Fallback"), "Fallback");
  EXPECT_EQ(sdk::ErrorTypeOf(R"({"__type":)", "Fallback"), "Fallback");
}

TEST(SdkHelpersTest, EnvOrAndRequiredEnv) {
  ::setenv("FANLAB_SDK_TEST_SET", "value", 1);
  ::setenv("FANLAB_SDK_TEST_EMPTY", "", 1);
  ::unsetenv("FANLAB_SDK_TEST_UNSET");
  EXPECT_EQ(sdk::EnvOr("FANLAB_SDK_TEST_SET", "d"), "value");
  EXPECT_EQ(sdk::EnvOr("FANLAB_SDK_TEST_EMPTY", "d"), "d");
  EXPECT_EQ(sdk::EnvOr("FANLAB_SDK_TEST_UNSET", "d"), "d");
  EXPECT_EQ(sdk::RequiredEnv("FANLAB_SDK_TEST_SET"), "value");
  try {
    sdk::RequiredEnv("FANLAB_SDK_TEST_UNSET");
    ADD_FAILURE() << "no error";
  } catch (const sdk::Error& e) {
    EXPECT_EQ(e.type(), "MissingConfiguration");
    EXPECT_EQ(e.message(),
              "The environment variable FANLAB_SDK_TEST_UNSET is not set");
  }
}

TEST(SdkBase64Test, MatchesTheEmulatorsEncoderAtEveryPaddingLength) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    bytes += static_cast<char>(i * 7 + 3);
    EXPECT_EQ(Base64Encode(bytes), fanlab::Base64Encode(bytes)) << i;
  }
}

TEST(SdkJsonStringTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonString("a\"b\\c/"), "\"a\\\"b\\\\c/\"");
  EXPECT_EQ(JsonString("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(JsonString(std::string_view("\x00\x01\x1f\x7f", 4)),
            "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(JsonString(""), "\"\"");
}

TEST(SdkJsonStringTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(JsonString("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
            "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  EXPECT_EQ(JsonString("a\xff"
                       "b"),
            "\"a\\ufffdb\"");
  EXPECT_EQ(JsonString("\xc0\x80"), "\"\\ufffd\\ufffd\"");  // overlong
  EXPECT_EQ(JsonString("\xed\xa0\x80"),
            "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate
  EXPECT_EQ(JsonString("\xf4\x90\x80\x80"),
            "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");            // above U+10FFFF
  EXPECT_EQ(JsonString("\xe2\x82"), "\"\\ufffd\\ufffd\"");  // truncated
}

TEST(SdkJsonStringTest, EveryTwoByteStringGivesValidJson) {
  // The check below relies on Boost.JSON refusing invalid UTF-8.
  ASSERT_ANY_THROW(json::parse("\"\xff\""));
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const char s[2] = {static_cast<char>(a), static_cast<char>(b)};
      const std::string text = JsonString(std::string_view(s, 2));
      json::error_code ec;
      json::value v = json::parse(text, ec);
      ASSERT_FALSE(ec) << a << "," << b << ": " << text;
      if (a < 0x80 && b < 0x80) {
        ASSERT_EQ(v.as_string(), std::string_view(s, 2)) << a << "," << b;
      }
    }
  }
}

// sdk::Client against a real Engine's function socket.
TEST(SdkClientTest, CallsTheEngine) {
  transport::Context context;
  EngineOptions options;
  options.virtual_clock = true;
  Engine engine(options, context);
  const auto socket = engine.FunctionSocket();
  ASSERT_TRUE(socket.ok()) << socket.status().ToString();
  std::thread loop([&] { engine.Run(); });

  Client client("unix://" + *socket);
  Client::Reply created =
      client.Call("CreateQueue", "{\"QueueName\":\"sdk-jobs\"}", 10000);
  EXPECT_TRUE(created.ok) << created.body;
  EXPECT_EQ(json::parse(created.body).at("QueueUrl"),
            "http://localhost/000000000000/sdk-jobs");
  Client::Reply missing =
      client.Call("GetQueueUrl", "{\"QueueName\":\"nope\"}", 10000);
  EXPECT_FALSE(missing.ok);
  EXPECT_THAT(missing.body, HasSubstr("QueueDoesNotExist"));

  engine.Stop();
  loop.join();
}

class SdkClientSocketTest : public ::testing::Test,
                            public testing::FunctionSocketPeer {};

TEST_F(SdkClientSocketTest, SkipsRepliesThatAreNotItsOwn) {
  ASSERT_EQ(::setenv("FANLAB_SOCKET", path_.c_str(), 1), 0);
  ASSERT_EQ(::setenv("AWS_ACCESS_KEY_ID", "FLENV7", 1), 0);
  Client client;  // the endpoint from FANLAB_SOCKET
  ::unsetenv("FANLAB_SOCKET");
  ::unsetenv("AWS_ACCESS_KEY_ID");
  std::vector<std::string> request;
  std::thread server([&] {
    request = Receive();
    if (request.size() != 4) return;
    Send({"not-" + request[0], "ok", "{\"wrong\":1}"});
    Send({request[0], "ok"});  // two frames: not a reply
    Send({request[0], "error", "{\"right\":true}"});
  });
  Client::Reply reply = client.Call("Ping", "{\"x\":1}", 10000);
  server.join();
  ASSERT_EQ(request.size(), 4u);
  EXPECT_EQ(request[1], "Ping");
  EXPECT_EQ(request[2], "{\"x\":1}");
  EXPECT_EQ(request[3], "FLENV7");  // the caller's access key
  EXPECT_FALSE(reply.ok);
  EXPECT_EQ(reply.body, "{\"right\":true}");
}

TEST_F(SdkClientSocketTest,
       NoAnswerInTimeIsAnInternalErrorAndLateOnesAreSkipped) {
  Client client(endpoint_);
  // Nobody answers within 0 ms: the call gives up at once.
  Client::Reply late = client.Call("Slow", "{}", 0);
  EXPECT_FALSE(late.ok);
  json::object body = json::parse(late.body).as_object();
  EXPECT_EQ(body["__type"], "com.amazonaws.sqs#InternalError");
  EXPECT_EQ(body["message"], "No answer to Slow within 0 ms.");

  // The late answer to the first call arrives before the second's.
  std::thread server([&] {
    std::vector<std::string> first = Receive();
    std::vector<std::string> second = Receive();
    if (first.size() < 3 || second.size() < 3) return;
    Send({first[0], "ok", "{\"call\":1}"});
    Send({second[0], "ok", "{\"call\":2}"});
  });
  Client::Reply reply = client.Call("Fast", "{}", 10000);
  server.join();
  EXPECT_TRUE(reply.ok);
  EXPECT_EQ(reply.body, "{\"call\":2}");
}

TEST_F(SdkClientSocketTest, CallAllPipelinesAndOrdersRepliesByRequest) {
  Client client(endpoint_);
  std::vector<std::string> bodies;
  for (int i = 0; i < 5; ++i) {
    bodies.push_back("{\"i\":" + std::to_string(i) + "}");
  }
  std::vector<std::vector<std::string>> requests;
  std::thread server([&] {
    // A window of 2: only two requests arrive before an answer goes back.
    requests.push_back(Receive());
    requests.push_back(Receive());
    EXPECT_FALSE(Readable(100)) << "a third request came before any answer";
    if (requests[0].size() < 3 || requests[1].size() < 3) return;
    // Not replies to these calls: skipped.
    Send({"x" + requests[0][0], "ok", "{\"bad\":1}"});
    Send({std::to_string(std::stoull(requests[1][0]) + 1), "ok",
          "{\"unsent\":1}"});
    Send({requests[0][0], "ok"});
    // Answers out of order, the second an error.
    Send({requests[1][0], "error", "{\"n\":1}"});
    Send({requests[0][0], "ok", "{\"n\":0}"});
    const auto answer = [&](size_t i) {
      if (requests[i].size() < 3) return;
      Send({requests[i][0], "ok", "{\"n\":" + std::to_string(i) + "}"});
    };
    requests.push_back(Receive());
    requests.push_back(Receive());
    answer(3);
    answer(2);
    requests.push_back(Receive());
    answer(4);
  });
  std::vector<Client::Reply> replies =
      client.CallAll("Invoke", bodies, /*window=*/2, 10000);
  server.join();
  ASSERT_EQ(requests.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    ASSERT_GE(requests[i].size(), 3u);
    EXPECT_EQ(requests[i][1], "Invoke");
    EXPECT_EQ(requests[i][2], bodies[i]);
  }
  ASSERT_EQ(replies.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(replies[i].ok, i != 1) << i;
    EXPECT_EQ(replies[i].body, "{\"n\":" + std::to_string(i) + "}");
  }
  EXPECT_TRUE(client.CallAll("Ping", {}).empty());
}

TEST_F(SdkClientSocketTest, CallAllGivesUpOnWhatIsUnansweredAfterTimeout) {
  Client client(endpoint_);
  std::thread server([&] {
    std::vector<std::string> first = Receive();
    std::vector<std::string> second = Receive();
    if (first.size() < 3 || second.size() < 3) return;
    Send({second[0], "ok", "{\"second\":1}"});
  });
  std::vector<Client::Reply> replies =
      client.CallAll("Slow", {"{}", "{}"}, 8, 200);
  server.join();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_FALSE(replies[0].ok);
  EXPECT_THAT(replies[0].body, HasSubstr("No answer to Slow within 200 ms."));
  EXPECT_TRUE(replies[1].ok);
  EXPECT_EQ(replies[1].body, "{\"second\":1}");
}

TEST(SdkClientEndpointTest, AnEmptyEndpointThrows) {
  try {
    Client client("");
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.type(), "InvalidEndpoint");
  }
}

TEST(SdkClientEndpointTest, AnEndpointThatIsNotAUnixSocketThrows) {
  for (std::string endpoint :
       {std::string("tcp://127.0.0.1:9400"), std::string("unix://"),
        "unix:///" + std::string(107, 'x')}) {
    try {
      Client client(endpoint);
      ADD_FAILURE() << "no exception for " << endpoint;
    } catch (const Error& e) {
      EXPECT_EQ(e.type(), "InvalidEndpoint");
      EXPECT_THAT(e.what(), HasSubstr(endpoint)) << endpoint;
    }
  }
}

TEST(SdkClientEndpointTest, ASocketNobodyListensOnIsAnInternalErrorReply) {
  Client client("unix:///nonexistent/fanlab/functions");
  Client::Reply reply = client.Call("Ping", "{}", 10000);
  EXPECT_FALSE(reply.ok);
  json::object body = json::parse(reply.body).as_object();
  EXPECT_EQ(body["__type"], "com.amazonaws.sqs#InternalError");
  EXPECT_EQ(body["message"],
            "No answer to Ping: cannot connect to "
            "unix:///nonexistent/fanlab/functions: No such file or directory.");
}

TEST_F(SdkClientSocketTest, PipelinedCallsCarryTheKey) {
  std::vector<std::vector<std::string>> requests;
  std::thread server([&] {
    for (int i = 0; i < 2; ++i) {
      requests.push_back(Receive());
      if (requests.back().size() >= 3) {
        Send({requests.back()[0], "ok", "{}"});
      }
    }
  });
  ASSERT_EQ(::setenv("AWS_ACCESS_KEY_ID", "FLENV000000000000005", 1), 0);
  Client client(endpoint_);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  EXPECT_EQ(client.CallAll("ListQueues", {"{}", "{}"}, 2, 10000).size(), 2u);
  server.join();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[3], "FLENV000000000000005");
  }
}

TEST_F(SdkClientSocketTest, AKeyLongerThanTheEmulatorTakesIsNotSent) {
  std::vector<std::string> request;
  std::thread server([&] {
    request = Receive();
    if (request.size() >= 3) Send({request[0], "ok", "{}"});
  });
  ASSERT_EQ(::setenv("AWS_ACCESS_KEY_ID", std::string(129, 'K').c_str(), 1), 0);
  Client client(endpoint_);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  EXPECT_TRUE(client.Call("ListQueues", "{}", 10000).ok);
  server.join();
  EXPECT_EQ(request.size(), 3u);
}

TEST_F(SdkClientSocketTest, AClosedConnectionFailsTheCallAndTheNextReconnects) {
  Client client(endpoint_);
  std::thread server([&] {
    Receive();
    ::close(peer_);  // gone without an answer
    peer_ = -1;
    std::vector<std::string> again = Receive();  // a new connection
    if (again.size() >= 3) Send({again[0], "ok", "{\"again\":1}"});
  });
  Client::Reply lost = client.Call("Ping", "{}", 10000);
  EXPECT_FALSE(lost.ok);
  EXPECT_THAT(lost.body, HasSubstr("No answer to Ping: the emulator closed the "
                                   "connection."));
  Client::Reply reply = client.Call("Ping", "{}", 10000);
  server.join();
  EXPECT_TRUE(reply.ok);
  EXPECT_EQ(reply.body, "{\"again\":1}");
}

}  // namespace
}  // namespace fanlab::sdk
