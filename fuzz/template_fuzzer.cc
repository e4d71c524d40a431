// SAM and CloudFormation templates (stack/template.h): parameters,
// conditions, mappings, globals, the intrinsics and every resource type
// read into calls. The first byte's low bit turns allow_unknown on; the
// rest is the template. The file sits in a folder that does not exist, so
// CodeUri and the like find nothing.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_input.h"
#include "stack/template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fanlab;
  fuzz::FuzzInput in(data, size);
  stack::TemplateOptions options;
  options.allow_unknown = (in.Byte() & 1) != 0;
  options.parameters = {{"Stage", "dev"}};
  stack::StackResult result =
      stack::ParseTemplate(std::string(in.Rest()),
                           "/nonexistent/fanlab-fuzz/template.yaml", options);
  (void)result;
  return 0;
}
