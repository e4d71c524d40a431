#include "emulator/transport/context.h"

#include <zmq.hpp>

namespace fanlab::transport {

Context::Context() : context_(std::make_unique<zmq::context_t>()) {}
Context::~Context() = default;

}  // namespace fanlab::transport
