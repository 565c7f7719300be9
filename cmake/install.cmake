# Install rules and the CMake package for find_package(gtest_dist CONFIG).
# Included from the top-level CMakeLists.txt when GTEST_DIST_INSTALL is ON.
#
# Consumers write the same link line whether they install us or pull us in with
# FetchContent/add_subdirectory: the exported names below (gtest_dist::gtest_dist,
# gtest_dist::main, gtest_dist::gmock_main) equal the in-tree ALIAS targets.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GTEST_DIST_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/gtest_dist"
    CACHE STRING "Where to install gtest_distConfig.cmake, relative to the prefix")
mark_as_advanced(GTEST_DIST_INSTALL_CMAKEDIR)

set(_gtest_dist_installed_targets gtest_dist gtest_dist_main)
install(TARGETS gtest_dist_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
if(TARGET gtest_dist_gmock_main)
  list(APPEND _gtest_dist_installed_targets gtest_dist_gmock_main)
endif()
install(TARGETS ${_gtest_dist_installed_targets}
  EXPORT gtest_distTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

# Only the public API: private headers under gtest_dist/ are never installed.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/gtest_dist"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  FILES_MATCHING PATTERN "*.h")

install(EXPORT gtest_distTargets
  NAMESPACE gtest_dist::
  FILE gtest_distTargets.cmake
  DESTINATION "${GTEST_DIST_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/gtest_distConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/gtest_distConfig.cmake"
  INSTALL_DESTINATION "${GTEST_DIST_INSTALL_CMAKEDIR}")

# 0.x releases follow the same rule as later ones: a consumer asking for 0.1
# accepts any 0.y with y >= 1. Revisit if 0.x minors start breaking the API.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/gtest_distConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMajorVersion)

install(FILES
  "${PROJECT_BINARY_DIR}/gtest_distConfig.cmake"
  "${PROJECT_BINARY_DIR}/gtest_distConfigVersion.cmake"
  DESTINATION "${GTEST_DIST_INSTALL_CMAKEDIR}")
