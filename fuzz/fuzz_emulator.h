// Every service the HTTP front serves but Lambda's functions (they need
// processes), on a virtual clock, behind the real Dispatcher and HttpFront:
// what the request-codec fuzzers feed. Built fresh for each input, so that
// an input's outcome never depends on the inputs before it, with a few
// resources already there (queues "q" and "q.fifo", bucket "bkt", table
// "tbl" keyed by "pk", topic "tpc", rule "rule") so that requests get past
// the lookups.
//
// Thread safety: none; one input at a time.
#ifndef FANLAB_FUZZ_FUZZ_EMULATOR_H_
#define FANLAB_FUZZ_FUZZ_EMULATOR_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "emulator/api/in_process_services.h"
#include "emulator/transport/http_front.h"

namespace fanlab::fuzz {

class FuzzEmulator {
 public:
  FuzzEmulator();
  FuzzEmulator(const FuzzEmulator&) = delete;
  FuzzEmulator& operator=(const FuzzEmulator&) = delete;

  // Hands `request` to the front. An answer must be well-formed (a status
  // in 100-599, header names and values that can be sent) and come at most
  // once (a long poll may park it); anything else aborts.
  void Send(services::HttpRequest request);
  // Moves the virtual clock on (timers fire: visibility timeouts, delays,
  // schedules, parked long polls).
  void Advance(Duration d) { services_.clock().Advance(d); }

  api::Dispatcher& dispatcher() { return services_.dispatcher(); }

 private:
  void Setup(std::string_view action, std::string_view body);

  api::InProcessServices services_;
  transport::HttpFront front_;
};

// The REST targets' input (rest_json, rest_xml): up to 16 requests
// separated by "\n%%\n", each a request as text (ParseTextRequest). A
// request without a Host gets "localhost:4566"; one without an
// Authorization header is signed for `service` unless its first line ends
// in " UNSIGNED" (dropped). Each is sent to a fresh FuzzEmulator, and the
// virtual clock moves 31 s after each.
void SendRestRequests(const uint8_t* data, size_t size,
                      std::string_view service);

}  // namespace fanlab::fuzz

#endif  // FANLAB_FUZZ_FUZZ_EMULATOR_H_
