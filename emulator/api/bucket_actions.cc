// Bucket actions over the one dispatcher (not served yet).
#include "emulator/api/handlers.h"

namespace fanlab::api {

void AddBucketActions(HandlerMap&) {}

}  // namespace fanlab::api
