// The one registration (api/handlers.h): handlers keyed by (service,
// action), so that two services' actions of the same name stay apart.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emulator/api/handlers.h"
#include "emulator/core/clock.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::api {
namespace {

Handler Answer(std::string body) {
  return [body](CallContext&, std::string_view, ApiCallback& done) {
    done(Ok(body));
  };
}

TEST(RegistryTest, TwoServicesActionsOfOneNameStayApart) {
  Registry r;
  r.Add(ApiService::kSqs, "TagResource", Answer("sqs"));
  r.Add(ApiService::kSns, "TagResource", Answer("sns"));
  r.Add(ApiService::kSns, "Publish", Answer("publish"));
  ASSERT_NE(r.Find(ApiService::kSqs, "TagResource"), nullptr);
  ASSERT_NE(r.Find(ApiService::kSns, "TagResource"), nullptr);
  EXPECT_EQ(r.Find(ApiService::kSqs, "Publish"), nullptr);
  EXPECT_EQ(r.ServicesOf("TagResource"),
            (std::vector<ApiService>{ApiService::kSqs, ApiService::kSns}));
  EXPECT_EQ(r.ServicesOf("Publish"),
            (std::vector<ApiService>{ApiService::kSns}));
  EXPECT_TRUE(r.ServicesOf("Nothing").empty());

  // Calling through Find reaches each service's own handler.
  VirtualClock clock;
  queue::QueueService sqs(clock, {});
  Services services{.sqs = sqs};
  ApiRequest request;
  CallContext context{services, request};
  std::string answered;
  ApiCallback done = [&](ApiResponse x) { answered = x.body; };
  (*r.Find(ApiService::kSns, "TagResource"))(context, "{}", done);
  EXPECT_EQ(answered, "sns");
  (*r.Find(ApiService::kSqs, "TagResource"))(context, "{}", done);
  EXPECT_EQ(answered, "sqs");
  // A second registration of the same pair replaces the first.
  r.Add(ApiService::kSns, "Publish", Answer("again"));
  EXPECT_EQ(r.all().size(), 3u);
  (*r.Find(ApiService::kSns, "Publish"))(context, "{}", done);
  EXPECT_EQ(answered, "again");
}

TEST(RegistryTest, ServiceNamesRoundTrip) {
  for (ApiService s : {ApiService::kSqs, ApiService::kLambda, ApiService::kS3,
                       ApiService::kDynamoDb, ApiService::kSns,
                       ApiService::kEvents, ApiService::kHttp}) {
    EXPECT_EQ(ServiceFromName(ServiceName(s)), s);
  }
  EXPECT_FALSE(ServiceFromName("ec2").has_value());
}

}  // namespace
}  // namespace fanlab::api
