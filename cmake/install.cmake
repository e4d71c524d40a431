# What `cmake --install` puts under a prefix (docs/install.md):
#   bin/fanlab                          the command line
#   lib/fanlab/functions/fanlab-*       the workflows' and test functions
#   lib/fanlab/runtimes/{python,node}/  the Lambda runtime clients
#   lib/fanlab/runtimes/libfanlab_clock.so  their virtual clock shim
#   include/fanlab/*.h                  the C++ function SDK
#   include/fanlab-harness/...          the harness, stack and emulator headers
#   lib/libfanlab_*.a                   the harness and the emulator under it
#   lib/cmake/fanlab/                   find_package(fanlab): fanlab::harness,
#                                       fanlab::sdk
# and `cpack -G DEB` packages the same tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Fixed, not multiarch: the executable finds them at ../lib/fanlab.
set(FANLAB_INSTALL_LIBDIR lib/fanlab)
set(FANLAB_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/fanlab)

install(TARGETS fanlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ${FANLAB_FUNCTION_TARGETS}
        RUNTIME DESTINATION ${FANLAB_INSTALL_LIBDIR}/functions)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/functions/runtimes/python
                  ${PROJECT_SOURCE_DIR}/functions/runtimes/node
        DESTINATION ${FANLAB_INSTALL_LIBDIR}/runtimes
        FILES_MATCHING PATTERN "*.py" PATTERN "*.mjs"
        PATTERN "__pycache__" EXCLUDE)
if(TARGET fanlab_clock)
  install(TARGETS fanlab_clock
          LIBRARY DESTINATION ${FANLAB_INSTALL_LIBDIR}/runtimes)
endif()

# Headers keep their repo paths, so that the installed ones include each
# other exactly as in the tree.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/functions/sdk/fanlab
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
foreach(dir emulator harness stack yaml)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fanlab-harness
          FILES_MATCHING PATTERN "*.h"
          PATTERN "cli" EXCLUDE PATTERN "models" EXCLUDE)
endforeach()

# The libraries behind fanlab::harness, with the names users link.
set(FANLAB_EXPORTED_LIBRARIES
  fanlab_core fanlab_sim fanlab_persist fanlab_queue fanlab_compute
  fanlab_services fanlab_api
  fanlab_transport fanlab_engine fanlab_yaml fanlab_stack fanlab_harness)
foreach(lib ${FANLAB_EXPORTED_LIBRARIES})
  string(REPLACE "fanlab_" "" name ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${name})
endforeach()
set_target_properties(fanlab_sdk PROPERTIES EXPORT_NAME sdk)
# Where a user's test finds the installed functions (harness/testing's
# BuildTreeOptions() reads this definition).
target_compile_definitions(fanlab_harness INTERFACE
  $<INSTALL_INTERFACE:FANLAB_FUNCTIONS_DIR="$<INSTALL_PREFIX>/${FANLAB_INSTALL_LIBDIR}/functions">)
# fanlab_warnings is linked privately into each library: exported as a
# link-only dependency, it carries nothing to a user's targets.
install(TARGETS ${FANLAB_EXPORTED_LIBRARIES} fanlab_sdk fanlab_warnings
        EXPORT fanlabTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT fanlabTargets NAMESPACE fanlab::
        DESTINATION ${FANLAB_INSTALL_CMAKEDIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/fanlabConfig.cmake.in
  ${PROJECT_BINARY_DIR}/fanlabConfig.cmake
  INSTALL_DESTINATION ${FANLAB_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/fanlabConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fanlabConfig.cmake
              ${PROJECT_BINARY_DIR}/fanlabConfigVersion.cmake
        DESTINATION ${FANLAB_INSTALL_CMAKEDIR})

# `cpack -G DEB` in the build dir: a Debian package of the tree above,
# depending on the Debian packages the libraries and runtimes need.
set(CPACK_PACKAGE_NAME fanlab)
set(CPACK_PACKAGE_VENDOR fanlab)
set(CPACK_PACKAGE_CONTACT "fanlab maintainers <fanlab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Local emulator and test harness for serverless fan-out/fan-in pipelines")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libzmq5, libzip4, libssl3, libyaml-cpp0.7, libboost-json1.81.0, libjemalloc2, python3")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "nodejs, libzmq3-dev, libboost-json1.81-dev, libyaml-cpp-dev, libzip-dev, libssl-dev, cppzmq-dev")
include(CPack)
