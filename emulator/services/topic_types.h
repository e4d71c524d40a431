// The message attributes SNS's Publish carries, apart from the topic
// service so that filter policies can read them too.
#ifndef FANLAB_EMULATOR_SERVICES_TOPIC_TYPES_H_
#define FANLAB_EMULATOR_SERVICES_TOPIC_TYPES_H_

#include <map>
#include <string>

namespace fanlab::services {

// A Publish message attribute as the SNS API carries it.
struct SnsMessageAttribute {
  std::string data_type;     // "String", "Number", "Binary", "String.Array"
  std::string string_value;  // String, Number, String.Array
  std::string binary_value;  // Binary: the raw bytes
};
using SnsMessageAttributes = std::map<std::string, SnsMessageAttribute>;

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_TOPIC_TYPES_H_
