// S3's errors (buckets and objects), with the HTTP statuses S3 answers
// them with; REST-XML's <Code> is the name.
//
// Thread safety: constants.
#ifndef FANLAB_EMULATOR_SERVICES_S3_ERRORS_H_
#define FANLAB_EMULATOR_SERVICES_S3_ERRORS_H_

#include "emulator/core/status.h"

namespace fanlab::s3 {

inline constexpr ErrorKind kNoSuchBucket("s3", "NoSuchBucket", 404);
inline constexpr ErrorKind kNoSuchKey("s3", "NoSuchKey", 404);
inline constexpr ErrorKind kNoSuchUpload("s3", "NoSuchUpload", 404);
inline constexpr ErrorKind kBucketAlreadyOwnedByYou("s3",
                                                    "BucketAlreadyOwnedByYou",
                                                    409);
inline constexpr ErrorKind kBucketNotEmpty("s3", "BucketNotEmpty", 409);
inline constexpr ErrorKind kInvalidBucketName("s3", "InvalidBucketName", 400);
inline constexpr ErrorKind kInvalidArgument("s3", "InvalidArgument", 400);
inline constexpr ErrorKind kKeyTooLongError("s3", "KeyTooLongError", 400);
inline constexpr ErrorKind kEntityTooLarge("s3", "EntityTooLarge", 400);
inline constexpr ErrorKind kEntityTooSmall("s3", "EntityTooSmall", 400);
inline constexpr ErrorKind kInvalidRange("s3", "InvalidRange", 416);
inline constexpr ErrorKind kMetadataTooLarge("s3", "MetadataTooLarge", 400);
inline constexpr ErrorKind kInvalidPart("s3", "InvalidPart", 400);
inline constexpr ErrorKind kInvalidPartOrder("s3", "InvalidPartOrder", 400);
inline constexpr ErrorKind kInvalidRequest("s3", "InvalidRequest", 400);
inline constexpr ErrorKind kInvalidDigest("s3", "InvalidDigest", 400);
inline constexpr ErrorKind kBadDigest("s3", "BadDigest", 400);
inline constexpr ErrorKind kIncompleteBody("s3", "IncompleteBody", 400);
inline constexpr ErrorKind kPreconditionFailed("s3", "PreconditionFailed", 412);
// Not an error on the wire: REST-XML answers it 304 with no body.
inline constexpr ErrorKind kNotModified("s3", "NotModified", 304);
inline constexpr ErrorKind kNotImplemented("s3", "NotImplemented", 501);
inline constexpr ErrorKind kMalformedXML("s3", "MalformedXML", 400);

// Every error above (the registry in api/error_registry.cc reads it).
inline constexpr const ErrorKind* kErrors[] = {
    &kNoSuchBucket,       &kNoSuchKey,
    &kNoSuchUpload,       &kBucketAlreadyOwnedByYou,
    &kBucketNotEmpty,     &kInvalidBucketName,
    &kInvalidArgument,    &kKeyTooLongError,
    &kEntityTooLarge,     &kEntityTooSmall,
    &kInvalidRange,       &kMetadataTooLarge,
    &kInvalidPart,        &kInvalidPartOrder,
    &kInvalidRequest,     &kInvalidDigest,
    &kBadDigest,          &kIncompleteBody,
    &kPreconditionFailed, &kNotModified,
    &kNotImplemented,     &kMalformedXML,
};

}  // namespace fanlab::s3

#endif  // FANLAB_EMULATOR_SERVICES_S3_ERRORS_H_
