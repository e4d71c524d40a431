// What the engine's HTTP listener serves. Each request is recognised, in
// this order, as:
//   1. The AWS JSON protocol: a POST with an X-Amz-Target header (any
//      path; SDKs use "/"). "AmazonSQS.SendMessage",
//      "DynamoDB_20120810.PutItem", ... and the JSON body go to the
//      dispatcher as they are; the answer is its body with Content-Type
//      application/x-amz-json-1.0 and its HTTP status, plus
//      x-amzn-query-error on SQS errors.
//   2. S3 by host, virtual-hosted style: a Host of BUCKET.s3.localhost[:P]
//      or BUCKET.localhost[:P] (any BUCKET.s3.* or BUCKET.localhost*).
//   3. The query protocol: a form POST (or a GET) with an Action
//      parameter. The service is the SigV4 scope's (sqs or sns); unsigned,
//      the service whose model has that action (SQS first).
//   4. REST by SigV4 scope: a request signed for "lambda" is REST-JSON,
//      for "s3" REST-XML (path style).
//   5. Paths under services::kSinkPrefix ("/_sinks/NAME..."): the sinks.
//   6. Everything else: the routes (403 Missing Authentication Token when
//      none matches).
// Before any of that, the front refuses (403, in the shape of the protocol
// the request speaks, AccessDenied; a plain JSON message for routes and
// sinks) what a web page could send: a Host that is not served
// (IsServedHost), an Origin that is not a served origin (IsServedOrigin;
// "null" included), and `Sec-Fetch-Site: cross-site`. CORS preflights
// from elsewhere carry such an Origin and are refused the same way. With
// an auth token, every request of the AWS protocols (1 to 4) must be
// signed with the token as its access key id (Authorization's
// Credential=TOKEN/... or a presigned X-Amz-Credential), else the
// protocol's own error for an unknown key: UnrecognizedClientException
// (JSON, REST-JSON), InvalidClientTokenId (query), InvalidAccessKeyId
// (S3). Sinks and routes are not AWS APIs and take no token (a route is
// the user's own API; the Runtime API has listeners of its own).
// docs/protocol.md describes each protocol's shapes and errors. A SigV4
// signature (Authorization header or presigned X-Amz-Credential) is parsed,
// never verified: its access key id travels with the call
// (api::ApiRequest::access_key_id). Queue URLs in answers carry the Host
// the client used (api::ApiRequest::endpoint).
// No sockets here: transport::HttpServer feeds it, tests call it directly.
//
// Thread safety: none; the engine thread owns it.
#ifndef FANLAB_EMULATOR_TRANSPORT_HTTP_FRONT_H_
#define FANLAB_EMULATOR_TRANSPORT_HTTP_FRONT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/api/dispatcher.h"
#include "emulator/services/http_poster.h"

namespace fanlab::services {
class RouteService;
class SinkService;
}  // namespace fanlab::services

namespace fanlab::transport {

// The credential scope of a SigV4 signature:
// "Credential=AKID/20261206/us-east-1/sqs/aws4_request".
struct SigV4Scope {
  std::string access_key_id;
  std::string date;
  std::string region;
  std::string service;
};

// The scope of `request`'s signature: from its Authorization header
// ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...") or
// a presigned URL's X-Amz-Credential; nullopt when unsigned or not SigV4.
std::optional<SigV4Scope> ParseSigV4(const services::HttpRequest& request);

// The bucket a virtual-hosted S3 Host names: "b" for "b.s3.localhost:4566"
// or "b.localhost"; "" for any other host.
std::string VirtualHostBucket(std::string_view host);

// What the front serves, beyond the loopback names.
struct HttpFrontOptions {
  // The base URL queue URLs carry ("http://fanlab:4566") instead of the
  // Host each client used; its host is served too.
  std::string advertised_url;
  // More host names to serve (`fanlab serve --hostname`), each with its
  // subdomains ("fanlab" serves "fanlab:4566" and "b.fanlab").
  std::vector<std::string> hostnames;
  // Non-empty: the access key id every AWS-protocol request must sign
  // with ...
  std::string auth_token;
  // ... or one this accepts (the engine: a function environment's own
  // credentials, which its SDK calls sign with).
  std::function<bool(std::string_view access_key_id)> also_accept;
};

// True when `host` (a Host header: NAME or NAME:PORT) names this machine
// or a served name: localhost and every *.localhost, 127.x.y.z, [::1],
// `hostnames` and their subdomains; names compare without case, a
// trailing dot ignored. A port must be digits.
bool IsServedHost(std::string_view host,
                  const std::vector<std::string>& hostnames);
// True when `origin` (an Origin header) is http:// or https:// and a
// served host (IsServedHost); false for "null" and anything else.
bool IsServedOrigin(std::string_view origin,
                    const std::vector<std::string>& hostnames);

class HttpFront {
 public:
  // Dispatcher::Dispatch, or a fake.
  using ApiHandler =
      std::function<void(api::ApiRequest request, api::ApiCallback done)>;
  using Respond = std::function<void(services::HttpResponse)>;

  // `routes` and `sinks` may be null (then their requests are 403 and 404
  // as if none were defined); both must outlive the front. With an
  // `advertised_url` ("http://fanlab:4566"), queue URLs carry it instead of
  // the Host each client used.
  HttpFront(ApiHandler api, services::RouteService* routes,
            services::SinkService* sinks, std::string advertised_url = "");
  HttpFront(ApiHandler api, services::RouteService* routes,
            services::SinkService* sinks, HttpFrontOptions options);

  // `respond` runs once, maybe before Handle returns.
  void Handle(services::HttpRequest request, Respond respond);

 private:
  void Json(services::HttpRequest&& request, api::ApiRequest call,
            Respond respond);
  void Query(const services::HttpRequest& request, api::ApiRequest call,
             const std::optional<SigV4Scope>& scope, Respond respond);
  void RestJson(const services::HttpRequest& request, api::ApiRequest call,
                Respond respond);
  void RestXml(const services::HttpRequest& request, std::string bucket,
               api::ApiRequest call, Respond respond);
  // A fresh request id for an answer.
  std::string NextRequestId();
  // Which protocol a request speaks (the order of the list above).
  enum class Protocol { kJson, kQuery, kRestJson, kRestXml, kOther };
  // Why `request` is refused before it is served (Host, Origin, token),
  // as the answer to send; nullopt to serve it.
  std::optional<services::HttpResponse> Refusal(
      const services::HttpRequest& request, const std::string* host,
      const std::optional<SigV4Scope>& scope, Protocol protocol);

  ApiHandler api_;
  services::RouteService* routes_;
  services::SinkService* sinks_;
  std::string advertised_url_;
  std::vector<std::string> hostnames_;  // options.hostnames + advertised
  std::string auth_token_;
  std::function<bool(std::string_view)> also_accept_;
  uint64_t requests_ = 0;
};

}  // namespace fanlab::transport

#endif  // FANLAB_EMULATOR_TRANSPORT_HTTP_FRONT_H_
