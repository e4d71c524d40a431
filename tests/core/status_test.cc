#include "emulator/core/status.h"

#include <gtest/gtest.h>

#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanlab {
namespace {

struct NamedCode {
  ErrorCode code;
  std::string_view name;
};

// Every error shape, with the name SQS's JSON protocol gives it.
constexpr NamedCode kNamedCodes[] = {
    {ErrorCode::kQueueDoesNotExist, "QueueDoesNotExist"},
    {ErrorCode::kQueueNameExists, "QueueNameExists"},
    {ErrorCode::kQueueDeletedRecently, "QueueDeletedRecently"},
    {ErrorCode::kPurgeQueueInProgress, "PurgeQueueInProgress"},
    {ErrorCode::kReceiptHandleIsInvalid, "ReceiptHandleIsInvalid"},
    {ErrorCode::kInvalidParameterValue, "InvalidParameterValue"},
    {ErrorCode::kInvalidAttributeName, "InvalidAttributeName"},
    {ErrorCode::kInvalidAttributeValue, "InvalidAttributeValue"},
    {ErrorCode::kMissingParameter, "MissingParameter"},
    {ErrorCode::kInvalidMessageContents, "InvalidMessageContents"},
    {ErrorCode::kMessageNotInflight, "MessageNotInflight"},
    {ErrorCode::kOverLimit, "OverLimit"},
    {ErrorCode::kBatchEntryIdsNotDistinct, "BatchEntryIdsNotDistinct"},
    {ErrorCode::kTooManyEntriesInBatchRequest, "TooManyEntriesInBatchRequest"},
    {ErrorCode::kEmptyBatchRequest, "EmptyBatchRequest"},
    {ErrorCode::kInvalidBatchEntryId, "InvalidBatchEntryId"},
    {ErrorCode::kBatchRequestTooLong, "BatchRequestTooLong"},
    {ErrorCode::kInvalidIdFormat, "InvalidIdFormat"},
    {ErrorCode::kUnsupportedOperation, "UnsupportedOperation"},
    {ErrorCode::kInvalidAction, "InvalidAction"},
    {ErrorCode::kResourceNotFoundException, "ResourceNotFoundException"},
    {ErrorCode::kResourceConflictException, "ResourceConflictException"},
    {ErrorCode::kInvalidParameterValueException,
     "InvalidParameterValueException"},
    {ErrorCode::kTooManyRequestsException, "TooManyRequestsException"},
    {ErrorCode::kRequestTooLargeException, "RequestTooLargeException"},
    {ErrorCode::kRequestEntityTooLargeException,
     "RequestEntityTooLargeException"},
    {ErrorCode::kNoSuchBucket, "NoSuchBucket"},
    {ErrorCode::kNoSuchKey, "NoSuchKey"},
    {ErrorCode::kBucketAlreadyOwnedByYou, "BucketAlreadyOwnedByYou"},
    {ErrorCode::kBucketNotEmpty, "BucketNotEmpty"},
    {ErrorCode::kInvalidBucketName, "InvalidBucketName"},
    {ErrorCode::kInvalidArgument, "InvalidArgument"},
    {ErrorCode::kKeyTooLongError, "KeyTooLongError"},
    {ErrorCode::kEntityTooLarge, "EntityTooLarge"},
    {ErrorCode::kConditionalCheckFailedException,
     "ConditionalCheckFailedException"},
    {ErrorCode::kValidationException, "ValidationException"},
    {ErrorCode::kResourceInUseException, "ResourceInUseException"},
    {ErrorCode::kNotFoundException, "NotFoundException"},
    {ErrorCode::kInvalidParameterException, "InvalidParameterException"},
    {ErrorCode::kInvalidRange, "InvalidRange"},
    {ErrorCode::kMetadataTooLarge, "MetadataTooLarge"},
    {ErrorCode::kNoSuchUpload, "NoSuchUpload"},
    {ErrorCode::kInvalidPart, "InvalidPart"},
    {ErrorCode::kInvalidPartOrder, "InvalidPartOrder"},
    {ErrorCode::kEntityTooSmall, "EntityTooSmall"},
    {ErrorCode::kInvalidRequest, "InvalidRequest"},
    {ErrorCode::kInvalidDigest, "InvalidDigest"},
    {ErrorCode::kBadDigest, "BadDigest"},
    {ErrorCode::kIncompleteBody, "IncompleteBody"},
    {ErrorCode::kPreconditionFailed, "PreconditionFailed"},
    {ErrorCode::kNotModified, "NotModified"},
    {ErrorCode::kNotImplemented, "NotImplemented"},
    {ErrorCode::kMalformedXML, "MalformedXML"},
    {ErrorCode::kLimitExceededException, "LimitExceededException"},
    {ErrorCode::kSerializationException, "SerializationException"},
    {ErrorCode::kUnknownOperationException, "UnknownOperationException"},
    {ErrorCode::kInternalError, "InternalError"},
};

class ErrorNameTest : public testing::TestWithParam<NamedCode> {};

TEST_P(ErrorNameTest, IsTheSqsShapeName) {
  EXPECT_EQ(ErrorName(GetParam().code), GetParam().name);
  EXPECT_EQ(Status(GetParam().code, "m").name(), GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(AllCodes, ErrorNameTest,
                         testing::ValuesIn(kNamedCodes));

TEST(ErrorNameTest, FromNameTakesSnsExceptionSuffixes) {
  EXPECT_EQ(ErrorCodeFromName("EmptyBatchRequest"),
            ErrorCode::kEmptyBatchRequest);
  EXPECT_EQ(ErrorCodeFromName("EmptyBatchRequestException"),
            ErrorCode::kEmptyBatchRequest);
  EXPECT_EQ(ErrorCodeFromName("NotFoundException"),
            ErrorCode::kNotFoundException);
  EXPECT_EQ(ErrorCodeFromName("Exception"), ErrorCode::kOk);
  EXPECT_EQ(ErrorCodeFromName("NoSuchThingException"), ErrorCode::kOk);
}

TEST(ErrorNameTest, OkHasEmptyName) {
  EXPECT_EQ(ErrorName(ErrorCode::kOk), "");
}

TEST(ErrorNameTest, EveryCodeHasADistinctName) {
  std::set<std::string_view> names;
  const int last = static_cast<int>(ErrorCode::kInternalError);
  for (int i = 1; i <= last; ++i) {
    std::string_view name = ErrorName(static_cast<ErrorCode>(i));
    EXPECT_FALSE(name.empty()) << i;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(last));
  EXPECT_EQ(std::size(kNamedCodes), static_cast<size_t>(last))
      << "a new ErrorCode needs a row in kNamedCodes";
}

TEST(WireCodeTest, QueueDoesNotExistUsesTheLegacyQueryCode) {
  EXPECT_EQ(WireCode(ErrorCode::kQueueDoesNotExist),
            "AWS.SimpleQueueService.NonExistentQueue");
}

TEST(WireCodeTest, QueueNameExistsIsQueueAlreadyExists) {
  EXPECT_EQ(WireCode(ErrorCode::kQueueNameExists), "QueueAlreadyExists");
}

TEST(WireCodeTest, PlainCodesAreTheirName) {
  for (ErrorCode code :
       {ErrorCode::kInvalidParameterValue, ErrorCode::kReceiptHandleIsInvalid,
        ErrorCode::kMissingParameter, ErrorCode::kInvalidMessageContents,
        ErrorCode::kOverLimit, ErrorCode::kInvalidAttributeName,
        ErrorCode::kInvalidAttributeValue, ErrorCode::kInternalError}) {
    EXPECT_EQ(WireCode(code), ErrorName(code));
  }
}

TEST(WireCodeTest, NeverEmptyForAnError) {
  const int last = static_cast<int>(ErrorCode::kInternalError);
  for (int i = 1; i <= last; ++i) {
    EXPECT_FALSE(WireCode(static_cast<ErrorCode>(i)).empty()) << i;
  }
}

TEST(IsSenderFaultTest, OnlyInternalErrorIsNotTheSendersFault) {
  EXPECT_FALSE(IsSenderFault(ErrorCode::kInternalError));
  EXPECT_TRUE(IsSenderFault(ErrorCode::kInvalidParameterValue));
  EXPECT_TRUE(IsSenderFault(ErrorCode::kQueueDoesNotExist));
  EXPECT_TRUE(IsSenderFault(ErrorCode::kReceiptHandleIsInvalid));
  EXPECT_TRUE(IsSenderFault(ErrorCode::kOverLimit));
}

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.message(), "");
  EXPECT_EQ(s.name(), "");
  EXPECT_EQ(s, Status::Ok());
}

TEST(StatusTest, CarriesCodeAndMessage) {
  Status s(ErrorCode::kQueueDoesNotExist,
           "The specified queue does not exist.");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kQueueDoesNotExist);
  EXPECT_EQ(s.message(), "The specified queue does not exist.");
  EXPECT_EQ(s.name(), "QueueDoesNotExist");
}

TEST(StatusTest, ToStringIsNameColonMessage) {
  Status s(ErrorCode::kQueueDoesNotExist,
           "The specified queue does not exist.");
  EXPECT_EQ(s.ToString(),
            "QueueDoesNotExist: The specified queue does not exist.");
  EXPECT_EQ(Status(ErrorCode::kOverLimit, "x").ToString(), "OverLimit: x");
}

TEST(StatusTest, Equality) {
  Status a(ErrorCode::kOverLimit, "x");
  EXPECT_EQ(a, Status(ErrorCode::kOverLimit, "x"));
  EXPECT_NE(a, Status(ErrorCode::kOverLimit, "y"));
  EXPECT_NE(a, Status(ErrorCode::kInternalError, "x"));
  EXPECT_NE(a, Status::Ok());
}

Result<int> Half(int n) {
  if (n % 2 != 0) {
    return Status(ErrorCode::kInvalidParameterValue, "odd");
  }
  return n / 2;
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = Half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 4);
  EXPECT_EQ(*r, 4);
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.status(), Status::Ok());
}

TEST(ResultTest, HoldsStatus) {
  Result<int> r = Half(7);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(r.status().message(), "odd");
}

TEST(ResultTest, ValueIsMutableAndArrowWorks) {
  Result<std::string> r = std::string("abc");
  EXPECT_EQ(r->size(), 3u);
  r.value() += "d";
  *r += "e";
  EXPECT_EQ(r.value(), "abcde");
  const Result<std::string>& cr = r;
  EXPECT_EQ(cr->size(), 5u);
  EXPECT_EQ(*cr, "abcde");
}

TEST(ResultTest, HoldsMoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(42);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 42);
}

TEST(ResultTest, VectorValue) {
  Result<std::vector<int>> r = std::vector<int>{1, 2, 3};
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3u);
  Result<std::vector<int>> e = Status(ErrorCode::kOverLimit, "full");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status(), Status(ErrorCode::kOverLimit, "full"));
}

}  // namespace
}  // namespace fanlab
