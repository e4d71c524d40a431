#include "emulator/services/aws_chunked.h"

#include <utility>

#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

// Thrown inside the decoder, caught once in DecodeAwsChunked: the decoder
// then reads as the grammar, without a Status check after every step.
struct Failure {
  ErrorCode code;
  std::string message;
};

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

unsigned HexValue(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  return static_cast<unsigned>(c - 'A' + 10);
}

// VCHAR, SP or HTAB: what an extension or a trailer value may hold.
bool IsText(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 0x21 && u <= 0x7E) || c == ' ' || c == '\t';
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-';
}

class Decoder {
 public:
  explicit Decoder(std::string_view body) : in_(body) {}

  AwsChunkedBody Decode() {
    AwsChunkedBody out;
    while (true) {
      uint64_t size = ChunkHeader();
      if (size == 0) break;
      size_t left = in_.size() - pos_;
      if (size > left) {
        Truncated("expected the chunk's data (" + std::to_string(left) +
                  " of " + std::to_string(size) + " bytes present)");
      }
      out.data.append(in_.substr(pos_, static_cast<size_t>(size)));
      pos_ += static_cast<size_t>(size);
      ++out.chunks;
      Crlf("expected CRLF after the chunk's data");
    }
    Trailers(out.trailers);
    if (pos_ != in_.size())
      Malformed("unexpected bytes after the end of the body");
    return out;
  }

 private:
  [[noreturn]] void Malformed(std::string_view what) const {
    throw Failure{s3::kInvalidRequest, "Malformed aws-chunked body at byte " +
                                           std::to_string(pos_) + ": " +
                                           std::string(what) + "."};
  }
  [[noreturn]] void Truncated(std::string_view expected) const {
    throw Failure{s3::kIncompleteBody, "The aws-chunked body ended at byte " +
                                           std::to_string(in_.size()) + ": " +
                                           std::string(expected) + "."};
  }

  bool AtEnd() const { return pos_ == in_.size(); }

  // CRLF at pos_, or an error: truncated when the body stops within it.
  void Crlf(std::string_view what) {
    std::string_view rest = in_.substr(pos_);
    if (rest.size() < 2 && std::string_view("\r\n").starts_with(rest)) {
      Truncated("expected CRLF");
    }
    if (in_.substr(pos_, 2) != "\r\n") Malformed(what);
    pos_ += 2;
  }

  // size [ext] CRLF; returns the size.
  uint64_t ChunkHeader() {
    size_t start = pos_;
    if (AtEnd()) Truncated("expected a chunk size");
    if (!IsHex(in_[pos_])) Malformed("expected a chunk size (hex digits)");
    uint64_t size = 0;
    size_t digits = 0;
    while (!AtEnd() && IsHex(in_[pos_])) {
      if (++digits > 16)
        Malformed("the chunk size has more than 16 hex digits");
      size = (size << 4) | HexValue(in_[pos_]);
      ++pos_;
    }
    if (!AtEnd() && in_[pos_] == ';') {
      ++pos_;
      while (!AtEnd() && in_[pos_] != '\r') {
        if (pos_ - start >= kMaxAwsChunkHeaderBytes) {
          Malformed("the chunk header is longer than 4096 bytes");
        }
        if (!IsText(in_[pos_])) {
          Malformed("invalid character in a chunk extension");
        }
        ++pos_;
      }
    }
    if (AtEnd()) Truncated("expected CRLF");
    if (in_[pos_] != '\r')
      Malformed("expected ';' or CRLF after the chunk size");
    Crlf("expected CRLF after the chunk size");
    return size;
  }

  // { name ':' OWS value OWS CRLF } CRLF
  void Trailers(std::map<std::string, std::string>& out) {
    size_t start = pos_;
    while (true) {
      if (pos_ - start > kMaxAwsChunkedTrailerBytes) {
        Malformed("the trailers are longer than 16384 bytes");
      }
      if (AtEnd()) Truncated("expected a trailer or the final CRLF");
      if (in_[pos_] == '\r') {
        Crlf("expected CRLF");
        return;
      }
      if (out.size() == kMaxAwsChunkedTrailers) {
        Malformed("more than 16 trailers");
      }
      size_t name_at = pos_;
      std::string name;
      while (!AtEnd() && in_[pos_] != ':') {
        char c = in_[pos_];
        if (c == '\r' || c == '\n') Malformed("a trailer has no ':'");
        if (!IsNameChar(c)) Malformed("invalid character in a trailer name");
        if (pos_ - start > kMaxAwsChunkedTrailerBytes) {
          Malformed("the trailers are longer than 16384 bytes");
        }
        name.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a')
                                              : c);
        ++pos_;
      }
      if (AtEnd()) Truncated("expected a trailer's ':'");
      if (name.empty()) Malformed("invalid character in a trailer name");
      ++pos_;  // ':'
      size_t value_start = pos_;
      while (!AtEnd() && in_[pos_] != '\r') {
        if (!IsText(in_[pos_])) {
          Malformed("invalid character in a trailer value");
        }
        if (pos_ - start > kMaxAwsChunkedTrailerBytes) {
          Malformed("the trailers are longer than 16384 bytes");
        }
        ++pos_;
      }
      std::string_view value = in_.substr(value_start, pos_ - value_start);
      while (!value.empty() &&
             (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
      }
      if (AtEnd()) Truncated("expected CRLF");
      Crlf("expected CRLF after a trailer");
      if (!out.emplace(name, std::string(value)).second) {
        pos_ = name_at;
        Malformed("trailer " + name + " appears twice");
      }
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

Result<AwsChunkedBody> DecodeAwsChunked(
    std::string_view body, std::optional<uint64_t> decoded_length) {
  AwsChunkedBody out;
  try {
    out = Decoder(body).Decode();
  } catch (Failure& f) {
    return Status(f.code, std::move(f.message));
  }
  if (decoded_length && *decoded_length != out.data.size()) {
    return Status(s3::kIncompleteBody,
                  "The decoded body is " + std::to_string(out.data.size()) +
                      " bytes but x-amz-decoded-content-length says " +
                      std::to_string(*decoded_length) + ".");
  }
  return out;
}

}  // namespace fanlab::services
