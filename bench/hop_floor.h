// The floor under a deterministic scenario's wall time: the wake-ups of
// its function processes, and nothing else.
//
// A deterministic run serves what its processes send in rounds: it
// answers every message of a round (each answer sets one process going),
// then waits until every process it set going has called back and is
// idle, and serves the next. Whatever fanlab does, each message costs at
// least one process woken and one engine woken. The floor does exactly
// that with no work: one thread writes 8 bytes to each of the processes a
// round sets going, over a Unix stream socket pair each; each process
// reads them and writes 8 bytes back; the thread waits (epoll) for every
// answer before the next round. `rounds` rounds carry `messages` messages
// in all, spread evenly; a round is as wide as the run's widest mean
// round (messages / rounds, rounded up), at most kMaxHopWidth processes.
//
// What a scenario costs above it is fanlab's own (its services, the
// event log, the /proc look before each round) and its functions' work;
// what the floor costs is the machine's: context switches and wake-ups,
// which on a virtual machine with idle CPUs in halt are tens of
// microseconds each.
//
// Forks its processes: call it where no other thread forks or holds a
// lock a child could need (the children only read, write and _exit).
#ifndef FANLAB_BENCH_HOP_FLOOR_H_
#define FANLAB_BENCH_HOP_FLOOR_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace fanlab::bench {

inline constexpr size_t kMaxHopWidth = 256;

// Seconds for `rounds` rounds of `messages` wake-ups; 0 when there is
// nothing to measure (no rounds), or on an error (`error` says which
// system call failed).
double HopFloorSeconds(uint64_t rounds, uint64_t messages, std::string& error);

}  // namespace fanlab::bench

#endif  // FANLAB_BENCH_HOP_FLOOR_H_
