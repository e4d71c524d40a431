# Precompiled headers (FANLAB_PCH): the third-party and standard headers
# that most translation units parse, compiled once per target group instead
# of once per file. Only build time changes: every source still includes
# what it uses (a build with -DFANLAB_PCH=OFF checks that), and the headers
# below are system headers, so editing fanlab's own never rebuilds a PCH.
#
# Two headers, each built once:
#   fanlab_queue's: Boost.JSON and the standard library; the libraries that
#     link Boost.JSON (and so share its compile definitions, which a PCH
#     must match) reuse it: queue, compute, services, api, yaml, stack,
#     harness, the CLI libraries, the bench drivers, the executable and the
#     fuzz replay.
#   fanlab_tests': the same with GoogleTest and GoogleMock.
# core, sim and persist (small files, no Boost.JSON) and transport and
# engine (no Boost.JSON definitions) compile without one. Asio is left out:
# about one file in ten includes it, and a larger PCH costs every file more
# to load than the few that use Asio would save.

set(FANLAB_PCH_LIBRARY_HEADERS
  <boost/json.hpp>
  <algorithm>
  <atomic>
  <chrono>
  <cstdint>
  <functional>
  <map>
  <memory>
  <mutex>
  <optional>
  <sstream>
  <string>
  <string_view>
  <unordered_map>
  <variant>
  <vector>
)
set(FANLAB_PCH_TEST_HEADERS
  <gtest/gtest.h>
  <gmock/gmock.h>
  <boost/json.hpp>
  <algorithm>
  <atomic>
  <chrono>
  <cstdint>
  <filesystem>
  <fstream>
  <functional>
  <map>
  <memory>
  <optional>
  <set>
  <sstream>
  <string>
  <string_view>
  <thread>
  <vector>
)

# The target whose PCH the libraries reuse.
set(FANLAB_PCH_LIBRARY_OWNER fanlab_queue)
set(FANLAB_PCH_LIBRARY_USERS
  fanlab_compute fanlab_services fanlab_api fanlab_yaml fanlab_stack
  fanlab_harness fanlab_harness_cli fanlab_cli_services fanlab_bench_drivers
  fanlab fanlab_fuzz_replay)

# Called once every target exists (end of the top-level CMakeLists.txt).
function(fanlab_enable_pch)
  if(NOT FANLAB_PCH)
    return()
  endif()
  target_precompile_headers(${FANLAB_PCH_LIBRARY_OWNER}
    PRIVATE ${FANLAB_PCH_LIBRARY_HEADERS})
  foreach(target ${FANLAB_PCH_LIBRARY_USERS})
    if(TARGET ${target})
      target_precompile_headers(${target}
        REUSE_FROM ${FANLAB_PCH_LIBRARY_OWNER})
    endif()
  endforeach()
  if(TARGET fanlab_tests)
    target_precompile_headers(fanlab_tests PRIVATE ${FANLAB_PCH_TEST_HEADERS})
  endif()
  # GCC 12 at -O3 optimises `"lit" + std::string` differently once
  # libstdc++ comes from a PCH (the same code parsed as text does not warn)
  # and then warns -Wstringop-overflow, -Wstringop-overread or
  # -Warray-bounds on the memcpy in char_traits.h (16 files): the false
  # positive of GCC PR 105651 that -Wno-restrict silences in its -Wrestrict
  # form. Off where a PCH is used; a -DFANLAB_PCH=OFF build keeps the three.
  foreach(target ${FANLAB_PCH_LIBRARY_OWNER} ${FANLAB_PCH_LIBRARY_USERS}
                 fanlab_tests)
    if(TARGET ${target})
      target_compile_options(${target} PRIVATE
        "$<$<CXX_COMPILER_ID:GNU>:-Wno-stringop-overflow;-Wno-stringop-overread;-Wno-array-bounds>")
    endif()
  endforeach()
endfunction()
