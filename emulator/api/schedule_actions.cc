// Schedule actions over the one dispatcher (not served yet).
#include "emulator/api/handlers.h"

namespace fanlab::api {

void AddScheduleActions(HandlerMap&) {}

}  // namespace fanlab::api
