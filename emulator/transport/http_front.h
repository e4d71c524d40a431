// What the engine's HTTP listener serves, in this order:
//   1. POST with an X-Amz-Target header (any path; SDKs use "/"): the AWS
//      JSON protocol. "AmazonSQS.SendMessage", "DynamoDB_20120810.PutItem",
//      ... and the JSON body go to the one api::Dispatcher; the answer is
//      its body with Content-Type application/x-amz-json-1.0 and its HTTP
//      status, plus x-amzn-query-error on SQS errors, so that an AWS SDK
//      pointed at fanlab works unchanged.
//   2. Paths under services::kSinkPrefix ("/_sinks/NAME..."): the sinks.
//   3. Everything else: the routes (403 Missing Authentication Token when
//      none matches).
// No sockets here: transport::HttpServer feeds it, tests call it directly.
//
// Thread safety: none; the engine thread owns it.
#ifndef FANLAB_EMULATOR_TRANSPORT_HTTP_FRONT_H_
#define FANLAB_EMULATOR_TRANSPORT_HTTP_FRONT_H_

#include <functional>
#include <string_view>

#include "emulator/api/dispatcher.h"
#include "emulator/services/http_poster.h"

namespace fanlab::services {
class RouteService;
class SinkService;
}  // namespace fanlab::services

namespace fanlab::transport {

class HttpFront {
 public:
  // Dispatcher::Dispatch, or a fake.
  using ApiHandler = std::function<void(
      std::string_view action, std::string_view body, api::ApiCallback done)>;
  using Respond = std::function<void(services::HttpResponse)>;

  // `routes` and `sinks` may be null (then their requests are 403 and 404
  // as if none were defined); both must outlive the front.
  HttpFront(ApiHandler api, services::RouteService* routes,
            services::SinkService* sinks);

  // `respond` runs once, maybe before Handle returns.
  void Handle(services::HttpRequest request, Respond respond);

 private:
  ApiHandler api_;
  services::RouteService* routes_;
  services::SinkService* sinks_;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_HTTP_FRONT_H_
