#include "emulator/compute/result_reader.h"

#include <boost/json.hpp>

namespace fanlab::compute {
namespace json = boost::json;

namespace {
// A header line longer than this is not a header.
constexpr size_t kMaxHeader = 4096;
}  // namespace

void ResultReader::Fail(std::string what) {
  if (error_.empty()) {
    error_ = std::move(what) + " (at byte " + std::to_string(offset_) +
             " of the result channel)";
  }
  buffer_.clear();
  header_.reset();
}

void ResultReader::FailTooLarge() {
  if (error_.empty()) {
    too_large_ = true;
    error_ = "Response payload size exceeded maximum allowed payload size (" +
             std::to_string(max_payload_) + " bytes).";
  }
  buffer_.clear();
  header_.reset();
}

bool ResultReader::ParseHeader(std::string_view line) {
  std::string shown(line.substr(0, 80));
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) {
    Fail("not a result frame header: '" + shown + "'");
    return false;
  }
  const json::object& o = v.get_object();
  const json::value* status = o.if_contains("status");
  if (status == nullptr || !status->is_string()) {
    Fail("result frame header without a status string: '" + shown + "'");
    return false;
  }
  Header h;
  std::string_view s = status->get_string();
  if (s == "ok") {
    h.kind = ResultFrame::Kind::kOk;
  } else if (s == "error") {
    h.kind = ResultFrame::Kind::kError;
  } else if (s == "ready") {
    h.kind = ResultFrame::Kind::kReady;
  } else {
    Fail("unknown result frame status '" + std::string(s.substr(0, 40)) + "'");
    return false;
  }
  if (const json::value* length = o.if_contains("length")) {
    if (length->is_uint64()) {
      h.length = length->get_uint64();
    } else if (length->is_int64() && length->get_int64() >= 0) {
      h.length = static_cast<uint64_t>(length->get_int64());
    } else {
      Fail("result frame length must be a non-negative integer: '" + shown +
           "'");
      return false;
    }
  } else if (h.kind == ResultFrame::Kind::kReady) {
    h.length = 0;
  }
  if (h.length && *h.length > max_payload_) {
    FailTooLarge();
    return false;
  }
  header_ = h;
  return true;
}

std::vector<ResultFrame> ResultReader::Feed(std::string_view bytes) {
  std::vector<ResultFrame> out;
  if (!error_.empty()) return out;
  buffer_.append(bytes);
  while (true) {
    if (!header_) {
      size_t nl = buffer_.find('\n');
      if (nl == std::string::npos) {
        if (buffer_.size() > kMaxHeader) {
          Fail("no result frame header (a line of JSON) in the first " +
               std::to_string(kMaxHeader) + " bytes");
        }
        return out;
      }
      if (!ParseHeader(std::string_view(buffer_).substr(0, nl))) return out;
      buffer_.erase(0, nl + 1);
      offset_ += nl + 1;
    }
    if (!header_->length) {  // open-ended: wait for Finish()
      if (buffer_.size() > max_payload_) FailTooLarge();
      return out;
    }
    if (buffer_.size() < *header_->length) return out;
    ResultFrame frame{header_->kind, buffer_.substr(0, *header_->length)};
    buffer_.erase(0, *header_->length);
    offset_ += *header_->length;
    header_.reset();
    out.push_back(std::move(frame));
  }
}

std::optional<ResultFrame> ResultReader::Finish() {
  if (!error_.empty()) return std::nullopt;
  if (header_ && !header_->length) {
    ResultFrame frame{header_->kind, std::move(buffer_)};
    buffer_.clear();
    header_.reset();
    return frame;
  }
  if (header_) {
    Fail("the result channel closed " + std::to_string(buffer_.size()) +
         " bytes into a payload of " + std::to_string(*header_->length));
  } else if (!buffer_.empty()) {
    Fail("the result channel closed inside a frame header");
  }
  return std::nullopt;
}

}  // namespace fanlab::compute
