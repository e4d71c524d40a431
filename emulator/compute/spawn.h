// Starting one program as a function's main process: the child side of
// PosixLauncher (launcher.cc), between the new process and its exec.
//
// The child shares the emulator's memory until it has exec'd (clone with
// CLONE_VM and CLONE_VFORK, as the C library's posix_spawn does): the
// emulator's page tables are not copied for a process that drops them at
// once, which a fork of a large emulator pays for at every cold start.
// The calling thread waits until the exec is done (or failed); the
// emulator's other threads go on. Builds with a sanitizer fork instead:
// their runtimes watch memory and descriptors from calls the child would
// make in the shared memory.
//
// Linux only. Thread safety: any thread may call SpawnProcess; the child
// inherits that thread's signal mask (all blocked while it sets up) and,
// through PR_SET_PDEATHSIG, dies with that thread.
#ifndef FANLAB_EMULATOR_COMPUTE_SPAWN_H_
#define FANLAB_EMULATOR_COMPUTE_SPAWN_H_

#include <cstdint>
#include <string>

#include "emulator/core/status.h"

namespace fanlab::compute {

struct SpawnRequest {
  const char* program = nullptr;      // a path to an executable file
  const char* const* argv = nullptr;  // NULL-terminated; argv[0] first
  const char* const* envp = nullptr;  // NULL-terminated: the whole env
  const char* working_dir = nullptr;  // NULL or "": the emulator's
  // Descriptors of the caller that become the child's 0, 1, 2 and 3
  // (stdout and stderr may be the same). Every other descriptor is closed
  // in the child.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int result_fd = -1;
  // Resource limits, soft and hard, never above the caller's own hard
  // limit (raising it needs privilege). memory_bytes 0: RLIMIT_AS left
  // alone.
  uint64_t memory_bytes = 0;
  uint64_t open_files = 1024;
  uint64_t processes = 1024;
};

// Starts the program in a process of its own group (its pid), its own
// descendants' subreaper, killed when the calling thread ends, with every
// signal at its default disposition and none blocked. Returns its pid, or
// the error that stopped it before its exec (errno's text: a start
// directory that does not exist, an exec refused); the failed child has
// then been reaped.
Result<int> SpawnProcess(const SpawnRequest& request);

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_SPAWN_H_
