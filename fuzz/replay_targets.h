// The fuzz targets fanlab_fuzz_replay knows: each target's entry point,
// renamed from LLVMFuzzerTestOneInput when built for replay
// (fuzz/CMakeLists.txt generates the table).
#ifndef FANLAB_FUZZ_REPLAY_TARGETS_H_
#define FANLAB_FUZZ_REPLAY_TARGETS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace fanlab::fuzz {

struct ReplayTarget {
  std::string_view name;  // "aws_json": fuzz/aws_json_fuzzer.cc
  int (*run)(const uint8_t* data, size_t size);
};

extern const std::vector<ReplayTarget> kReplayTargets;

}  // namespace fanlab::fuzz

#endif  // FANLAB_FUZZ_REPLAY_TARGETS_H_
