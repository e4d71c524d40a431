# The gtest cases the tsan preset does not run, each with the reason it
# cannot run under ThreadSanitizer. tests/CMakeLists.txt takes them out of
# the shards and runs them as fanlab_tests_no_tsan (label no_tsan), which
# the tsan test preset excludes; the release and asan presets run them.
set(FANLAB_NO_TSAN_TESTS "")
