// The aws-chunked content encoding: what current AWS SDKs and the CLI send
// as the body of PutObject and UploadPart by default (Content-Encoding:
// aws-chunked, x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER,
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD or ...-PAYLOAD-TRAILER, and the real
// length in x-amz-decoded-content-length). DecodeAwsChunked() turns such a
// body into the object's bytes and the trailers that follow them (where an
// SDK puts x-amz-checksum-<alg>). It is a pure function over the whole
// body; the HTTP layer has already removed any Transfer-Encoding.
//
// Grammar (CRLF is "\r\n"; nothing else ends a line):
//
//   body       ::= { chunk } last-chunk { trailer } CRLF
//   chunk      ::= size [ ext ] CRLF data CRLF      size > 0; data is
//                                                   exactly size bytes
//   last-chunk ::= size [ ext ] CRLF                size == 0 ("0", "000")
//   size       ::= 1*16 HEXDIG                      either case
//   ext        ::= ';' *( VCHAR | SP | HTAB )       ";chunk-signature=<hex>"
//   trailer    ::= name ':' OWS value OWS CRLF
//   name       ::= 1*( ALPHA | DIGIT | '-' )        lower-cased when stored
//   value      ::= *( VCHAR | SP | HTAB )
//
// Chunk signatures (and x-amz-trailer-signature) are read past, not
// verified: fanlab does not authenticate. Nothing may follow the final
// CRLF. Chunks of any size are accepted (S3 wants 8 KiB or more for every
// signed chunk but the last; SDKs that break that rule are not fanlab's to
// police).
//
// Errors name what is wrong and the byte offset (from the start of the
// encoded body) where it was found:
//
//   IncompleteBody "The aws-chunked body ended at byte 12: expected the
//     chunk's data (5 of 9 bytes present)." (and "... expected CRLF",
//     "... expected a chunk size", "... expected a trailer or the final
//     CRLF"): the body stops early.
//   IncompleteBody "The decoded body is 9 bytes but
//     x-amz-decoded-content-length says 10." (S3's own check).
//   InvalidRequest "Malformed aws-chunked body at byte 0: expected a chunk
//     size (hex digits)." and, in the same form: "the chunk size has more
//     than 16 hex digits", "expected ';' or CRLF after the chunk size",
//     "invalid character in a chunk extension", "the chunk header is longer
//     than 4096 bytes", "expected CRLF after the chunk's data", "a trailer
//     has no ':'", "invalid character in a trailer name", "invalid
//     character in a trailer value", "trailer x-amz-checksum-crc32 appears
//     twice", "more than 16 trailers", "the trailers are longer than 16384
//     bytes", "unexpected bytes after the end of the body".
//
// Limits, checked where they are met: a chunk header line (size and
// extension, without its CRLF) is at most kMaxAwsChunkHeaderBytes; at most
// kMaxAwsChunkedTrailers trailers of kMaxAwsChunkedTrailerBytes in all.
// The decoded data can never be longer than the body, so the body's own
// limit (the HTTP layer's) bounds the rest.
//
// Thread safety: plain values and functions.
#ifndef FANLAB_EMULATOR_SERVICES_AWS_CHUNKED_H_
#define FANLAB_EMULATOR_SERVICES_AWS_CHUNKED_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/core/status.h"

namespace fanlab::services {

inline constexpr size_t kMaxAwsChunkHeaderBytes = 4096;
inline constexpr size_t kMaxAwsChunkedTrailers = 16;
inline constexpr size_t kMaxAwsChunkedTrailerBytes = 16384;

struct AwsChunkedBody {
  std::string data;  // the chunks' data, concatenated
  // Trailer names lower-cased -> values with surrounding blanks removed
  // ("x-amz-checksum-crc32" -> "DUoRhQ==").
  std::map<std::string, std::string> trailers;
  size_t chunks = 0;  // data chunks, the final zero-size one not counted
};

// Decodes `body` (the grammar above). When `decoded_length` is given (the
// x-amz-decoded-content-length header), the data must be exactly that
// long. Errors as listed above; no input makes it crash, loop or allocate
// more than the body's size plus the limits.
Result<AwsChunkedBody> DecodeAwsChunked(std::string_view body,
                                        std::optional<uint64_t> decoded_length);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_AWS_CHUNKED_H_
