// A streaming JSON writer: appends straight to one string, with no tree in
// between. The API's responses are written with it, so a reply costs one
// growing buffer rather than a node per field.
//
//   JsonWriter w;
//   w.BeginObject().Key("QueueUrl").String(url).EndObject();
//   std::string body = w.Take();
//
// Strings are escaped as RFC 8259 requires (quote, backslash, control
// characters); other bytes, UTF-8 included, pass through unchanged.
//
// Thread safety: a plain value; one writer per thread.
#ifndef FANLAB_EMULATOR_CORE_JSON_WRITER_H_
#define FANLAB_EMULATOR_CORE_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace fanlab {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(256); }

  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  // The key of the next value (REQUIRES: inside an object).
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A value that is already JSON text, copied as it is.
  // REQUIRES: `json` is one well-formed JSON value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  JsonWriter& Open(char c);
  JsonWriter& Close(char c);
  void BeforeValue();
  void AppendEscaped(std::string_view s);

  std::string out_;
  bool need_comma_ = false;  // a value was written at this level
  bool after_key_ = false;   // the next value follows "key":
};

}  // namespace fanlab

#endif  // FANLAB_EMULATOR_CORE_JSON_WRITER_H_
