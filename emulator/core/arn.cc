#include "emulator/core/arn.h"

namespace fanlab {

std::optional<Arn> ParseArn(std::string_view text) {
  std::string_view parts[5];
  std::string_view rest = text;
  for (std::string_view& part : parts) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    part = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  if (parts[0] != "arn") return std::nullopt;
  return Arn{parts[1], parts[2], parts[3], parts[4], rest};
}

std::string_view ArnAccount(std::string_view text) {
  std::optional<Arn> arn = ParseArn(text);
  return arn ? arn->account : std::string_view();
}

std::string_view ArnRegion(std::string_view text) {
  std::optional<Arn> arn = ParseArn(text);
  return arn ? arn->region : std::string_view();
}

std::string MakeArn(const Account& account, std::string_view service,
                    std::string_view resource) {
  std::string out = "arn:" + account.partition + ":";
  out.append(service);
  out += ":" + account.region + ":" + account.id + ":";
  out.append(resource);
  return out;
}

std::string FunctionArn(const Account& account, std::string_view name) {
  return MakeArn(account, "lambda", "function:" + std::string(name));
}

std::string QueueArn(const Account& account, std::string_view name) {
  return MakeArn(account, "sqs", name);
}

std::string TopicArn(const Account& account, std::string_view name) {
  return MakeArn(account, "sns", name);
}

}  // namespace fanlab
