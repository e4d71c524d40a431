#include "emulator/services/bucket_checks.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

#include "emulator/core/base64.h"
#include "emulator/core/digest.h"
#include "emulator/services/s3_errors.h"

namespace fanlab::services {
namespace {

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// "192.168.5.4": four dot-separated runs of digits. S3 refuses these
// whatever the numbers (999.1.1.1 too), so no range check.
bool LooksLikeIpv4(std::string_view name) {
  int groups = 0;
  size_t i = 0;
  while (i <= name.size()) {
    size_t start = i;
    while (i < name.size() && IsDigit(name[i])) ++i;
    if (i == start) return false;
    ++groups;
    if (i == name.size()) break;
    if (name[i] != '.') return false;
    ++i;
  }
  return groups == 4;
}

// Parses a run of digits; saturates at UINT64_MAX (a first byte that far
// out is unsatisfiable, a last byte that far out is clamped anyway).
std::optional<uint64_t> ParseDigits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
  }
  return v;
}

Status InvalidRange() {
  return Status(s3::kInvalidRange, "The requested range is not satisfiable");
}

Status PreconditionFailed() {
  return Status(s3::kPreconditionFailed,
                "At least one of the pre-conditions you specified did not "
                "hold");
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

bool EtagListMatches(std::string_view list, std::string_view etag) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view item = Trim(list.substr(0, comma));
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
      item = item.substr(1, item.size() - 2);
    }
    if (item == "*" || (!item.empty() && item == etag)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

Status CheckReadConditions(const ReadConditions& c, std::string_view etag,
                           TimePoint last_modified, bool copy_source) {
  if (!c.if_match.empty()) {
    if (!EtagListMatches(c.if_match, etag)) return PreconditionFailed();
  } else if (c.if_unmodified_since && last_modified > *c.if_unmodified_since) {
    return PreconditionFailed();
  }
  bool not_modified = false;
  if (!c.if_none_match.empty()) {
    not_modified = EtagListMatches(c.if_none_match, etag);
  } else if (c.if_modified_since) {
    not_modified = last_modified <= *c.if_modified_since;
  }
  if (!not_modified) return Status::Ok();
  if (copy_source) return PreconditionFailed();
  return Status(s3::kNotModified, "Not Modified");
}

Status CheckWriteConditions(const WriteConditions& c,
                            const ObjectMeta* current) {
  if (!c.if_none_match.empty()) {
    if (Trim(c.if_none_match) != "*") {
      return Status(s3::kNotImplemented,
                    "A header you provided implies functionality that is "
                    "not implemented");
    }
    if (current != nullptr) return PreconditionFailed();
  }
  if (!c.if_match.empty()) {
    if (current == nullptr) {
      return Status(s3::kNoSuchKey, "The specified key does not exist.");
    }
    if (!EtagListMatches(c.if_match, current->etag)) {
      return PreconditionFailed();
    }
  }
  return Status::Ok();
}

Status CheckContentMd5(std::string_view content_md5, std::string_view body) {
  std::optional<std::string> raw = Base64Decode(content_md5);
  if (!raw || raw->size() != 16) {
    return Status(s3::kInvalidDigest,
                  "The Content-MD5 you specified was invalid.");
  }
  Md5Digest md5 = Md5(body);
  if (std::string_view(reinterpret_cast<const char*>(md5.data()), md5.size()) !=
      *raw) {
    return Status(s3::kBadDigest,
                  "The Content-MD5 you specified did not match what we "
                  "received.");
  }
  return Status::Ok();
}

Status CheckChecksum(const ObjectChecksum& given, std::string_view body) {
  if (!IsWellFormedChecksum(given.algorithm, given.value)) {
    return Status(s3::kInvalidRequest, "Value for " +
                                           ChecksumHeaderName(given.algorithm) +
                                           " header is invalid.");
  }
  if (Checksum(given.algorithm, body) != given.value) {
    return Status(s3::kBadDigest,
                  "The " + std::string(ChecksumAlgorithmName(given.algorithm)) +
                      " you specified did not match the calculated "
                      "checksum.");
  }
  return Status::Ok();
}

Result<std::optional<ObjectChecksum>> FindChecksum(
    const std::map<std::string, std::string>& fields) {
  static constexpr std::string_view kPrefix = "x-amz-checksum-";
  std::optional<ObjectChecksum> found;
  for (auto it = fields.lower_bound(std::string(kPrefix));
       it != fields.end() && it->first.starts_with(kPrefix); ++it) {
    std::string_view suffix =
        std::string_view(it->first).substr(kPrefix.size());
    if (suffix == "algorithm" || suffix == "type" || suffix == "mode") continue;
    std::optional<ChecksumAlgorithm> algorithm = ParseChecksumAlgorithm(suffix);
    if (!algorithm) {
      return Status(s3::kInvalidRequest,
                    "Value for " + it->first + " header is invalid.");
    }
    if (found) {
      return Status(s3::kInvalidRequest,
                    "Expecting a single x-amz-checksum- header. Multiple "
                    "checksum Types are not allowed.");
    }
    found = ObjectChecksum{*algorithm, it->second, ChecksumType::kFullObject};
  }
  return found;
}

Status ValidateBucketName(std::string_view name) {
  auto invalid = [] {
    return Status(s3::kInvalidBucketName, "The specified bucket is not valid.");
  };
  if (name.size() < 3 || name.size() > 63) return invalid();
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) {
    return invalid();
  }
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') return invalid();
  }
  if (name.find("..") != std::string_view::npos) return invalid();
  if (LooksLikeIpv4(name)) return invalid();
  for (std::string_view prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (name.starts_with(prefix)) return invalid();
  }
  for (std::string_view suffix :
       {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (EndsWith(name, suffix)) return invalid();
  }
  return Status::Ok();
}

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) {
    return Status(s3::kInvalidArgument,
                  "The object key must be at least one byte long.");
  }
  if (key.size() > kMaxKeyBytes) {
    return Status(s3::kKeyTooLongError, "Your key is too long");
  }
  if (!IsValidUtf8(key)) {
    return Status(s3::kInvalidArgument, "The object key must be valid UTF-8.");
  }
  return Status::Ok();
}

Result<std::optional<ByteRange>> ResolveRange(std::string_view range,
                                              uint64_t size) {
  constexpr std::string_view kUnit = "bytes=";
  if (!range.starts_with(kUnit)) return std::optional<ByteRange>();
  std::string_view spec = range.substr(kUnit.size());
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<ByteRange>();
  std::string_view first_text = spec.substr(0, dash);
  std::string_view last_text = spec.substr(dash + 1);
  std::optional<uint64_t> first = ParseDigits(first_text);
  std::optional<uint64_t> last = ParseDigits(last_text);
  // Anything else in either half (a second range after a comma, spaces,
  // signs) makes the whole value malformed: ignored, as S3 does.
  if ((!first_text.empty() && !first) || (!last_text.empty() && !last)) {
    return std::optional<ByteRange>();
  }
  if (!first && !last) return std::optional<ByteRange>();
  if (!first) {  // "bytes=-N": the last N bytes
    if (*last == 0) return InvalidRange();
    if (size == 0) return std::optional<ByteRange>();
    uint64_t n = std::min(*last, size);
    return std::optional<ByteRange>(ByteRange{size - n, size - 1});
  }
  if (last && *last < *first) return std::optional<ByteRange>();
  if (*first >= size) return InvalidRange();
  uint64_t end = last ? std::min(*last, size - 1) : size - 1;
  return std::optional<ByteRange>(ByteRange{*first, end});
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || IsDigit(c) ||
        c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out.push_back(c);
    } else {
      auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xF]);
    }
  }
  return out;
}

}  // namespace fanlab::services
