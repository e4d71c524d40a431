# One bounded fuzzing run, as the fuzz_<name> ctest does it:
#   cmake -DFUZZER=... -DSECONDS=20 -DWORK=dir -DCORPUS=dir
#         -DREGRESSIONS=dir -P run_fuzzer.cmake
# New inputs go to WORK/corpus (the repo's corpus is only read), a crashing
# input to WORK/crash-<sha1> and friends; any finding fails the test, and
# its input is what to copy into fuzz/regressions/<name>/ with the fix.
file(MAKE_DIRECTORY ${WORK}/corpus)
set(dirs ${WORK}/corpus ${CORPUS})
if(EXISTS ${REGRESSIONS})
  list(APPEND dirs ${REGRESSIONS})
endif()
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10
          -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
          -artifact_prefix=${WORK}/ ${dirs}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB found ${WORK}/crash-* ${WORK}/leak-* ${WORK}/timeout-*
       ${WORK}/oom-* ${WORK}/slow-unit-*)
  message(FATAL_ERROR "fuzzing ${FUZZER} failed (${result}); input: ${found}")
endif()
