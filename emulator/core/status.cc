#include "emulator/core/status.h"

#include <ostream>

namespace fanlab {

std::ostream& operator<<(std::ostream& out, ErrorCode code) {
  if (code.ok()) return out << "OK";
  if (!code.kind()->service.empty()) out << code.kind()->service << ":";
  return out << code.name();
}

std::ostream& operator<<(std::ostream& out, const ErrorKind& kind) {
  return out << ErrorCode(kind);
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(name());
  out += ": ";
  out += message_;
  return out;
}

}  // namespace fanlab
