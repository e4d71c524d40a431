# The runtime clients' tests (python_runtime_test.py, node_runtime_test.py):
# Python unittest programs driving build/<preset>/runtimes/ through
# fake_runtime_api.py. Exit code 77 (no python3 or no node) is a skip.
# Included at the end of the top-level CMakeLists.txt (functions/runtimes/
# CMakeLists.txt defers it there, where testing is enabled).
find_program(FANLAB_PYTHON3 python3)
if(NOT FANLAB_PYTHON3)
  message(STATUS "python3 not found: the runtime client tests are not registered")
  return()
endif()
# Release only: they test Python and Node.js code, which no sanitizer
# checks (the C++ side of the Runtime API has its own gtests).
foreach(language python node)
  if(CMAKE_CXX_FLAGS MATCHES "-fsanitize")
    break()
  endif()
  add_test(NAME runtimes_${language}
           COMMAND ${FANLAB_PYTHON3}
                   ${CMAKE_CURRENT_LIST_DIR}/${language}_runtime_test.py)
  set_tests_properties(runtimes_${language} PROPERTIES
    ENVIRONMENT "FANLAB_RUNTIMES_DIR=${CMAKE_BINARY_DIR}/runtimes"
    SKIP_RETURN_CODE 77
    TIMEOUT 300)
endforeach()

# The Python fork server (functions/runtimes/python/_fanlab_zygote.py):
# alone (python_zygote_test.py), and the whole Python client suite again
# with every runtime forked from it, as python3.x functions are by default.
if(NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  add_test(NAME runtimes_python_zygote_server
           COMMAND ${FANLAB_PYTHON3}
                   ${CMAKE_CURRENT_LIST_DIR}/python_zygote_test.py)
  add_test(NAME runtimes_python_zygote
           COMMAND ${FANLAB_PYTHON3}
                   ${CMAKE_CURRENT_LIST_DIR}/python_runtime_test.py)
  set_tests_properties(runtimes_python_zygote_server PROPERTIES
    ENVIRONMENT "FANLAB_RUNTIMES_DIR=${CMAKE_BINARY_DIR}/runtimes"
    SKIP_RETURN_CODE 77
    TIMEOUT 300)
  set_tests_properties(runtimes_python_zygote PROPERTIES
    ENVIRONMENT "FANLAB_RUNTIMES_DIR=${CMAKE_BINARY_DIR}/runtimes;FANLAB_TEST_PYTHON_ZYGOTE=1"
    SKIP_RETURN_CODE 77
    TIMEOUT 300)
  # The emulator's tests of python3.x functions with the fork server off
  # (the per-case tests run them with it on).
  if(TARGET fanlab_tests)
    add_test(NAME python_functions_without_zygote
             COMMAND fanlab_tests
                     --gtest_filter=RuntimeFunctionsTest.*:RuntimeEngineTest.*:LambdaCodeTest.*:ExamplesWorkflow.*:DeployTest.*:LauncherZygoteTest.*)
    set_tests_properties(python_functions_without_zygote PROPERTIES
      ENVIRONMENT "FANLAB_PYTHON_ZYGOTE=0"
      TIMEOUT 600)
  endif()
endif()

# Users' Lambda code on a real `fanlab serve` (emulator_e2e_test.py): boto3
# and the AWS SDK for JavaScript v3 inside functions, AWS's aws-lambda-ric
# as a custom runtime. Exit code 77 (no boto3) is a skip; a test whose
# node or npm package is missing skips itself and says why.
add_test(NAME runtimes_emulator_e2e
         COMMAND ${FANLAB_PYTHON3}
                 ${CMAKE_CURRENT_LIST_DIR}/emulator_e2e_test.py
                 --fanlab $<TARGET_FILE:fanlab>)
set_tests_properties(runtimes_emulator_e2e PROPERTIES
  SKIP_RETURN_CODE 77
  TIMEOUT 120)

# The virtual clock shim (functions/runtimes/clock/, libfanlab_clock.so)
# preloaded into Python, Node.js and C processes against a fake engine
# (clock_test.py). Release only: the shim is never sanitized, and the
# sanitizers' runtimes would have to come first in LD_PRELOAD.
if(NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  add_test(NAME runtimes_clock
           COMMAND ${FANLAB_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/clock_test.py)
  set_tests_properties(runtimes_clock PROPERTIES
    ENVIRONMENT "FANLAB_RUNTIMES_DIR=${CMAKE_BINARY_DIR}/runtimes"
    SKIP_RETURN_CODE 77
    TIMEOUT 120)
endif()
