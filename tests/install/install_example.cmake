# ctest install_example: installs this build into a fresh prefix, then
# configures, builds and runs examples/cpp-test against it with nothing but
# find_package(fanlab), as a user's project would. Also checks that the
# installed fanlab finds its functions and runtime clients from the prefix.
#   cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P install_example.cmake
foreach(var BUILD_DIR SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_example: -D${var}= is required")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "install_example: `${cmd}` failed (${rc}):\n${out}")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(file bin/fanlab lib/fanlab/functions/fanlab-test-function
             lib/fanlab/functions/fanlab-doparallel
             lib/fanlab/runtimes/python/bootstrap.py
             lib/fanlab/runtimes/node/bootstrap.mjs include/fanlab/function.h
             include/fanlab-harness/harness/testing/matchers.h
             lib/cmake/fanlab/fanlabConfig.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "install_example: ${prefix}/${file} was not installed")
  endif()
endforeach()

# The example, built by the user's own 9-line CMakeLists.txt.
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/cpp-test -B ${WORK_DIR}/build
    -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR}/build --output-on-failure)

# The installed command replays a scenario naming a workflow function by
# its bare program name, found in <prefix>/lib/fanlab/functions.
run(${prefix}/bin/fanlab run ${SOURCE_DIR}/scenarios/doparallel/basic.yaml)
message(STATUS "install_example: installed, built and passed in ${WORK_DIR}")
