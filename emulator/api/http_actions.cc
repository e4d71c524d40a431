// Http actions over the one dispatcher (not served yet).
#include "emulator/api/handlers.h"

namespace fanlab::api {

void AddHttpActions(HandlerMap&) {}

}  // namespace fanlab::api
