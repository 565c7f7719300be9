#!/usr/bin/env bash
# Packaging test, run by ctest (tests/packaging/CMakeLists.txt passes the
# arguments). Installs the build tree into a temporary prefix, then:
#   1. builds tests/packaging/consumer against it with find_package(gtest_dist),
#      runs it with no flags and expects one passing test;
#   2. checks the version file refuses the next major version;
#   3. builds the same consumer with FetchContent (SOURCE_DIR = this source
#      tree, no download) and runs it the same way.
# Everything happens under one temporary directory, removed on exit.
set -euo pipefail

usage() {
  echo "usage: $0 --source-dir DIR --build-dir DIR --version X.Y.Z" \
       "[--config CFG] [--cmake PATH] [--cxx PATH] [--launcher PATH]" >&2
  exit 2
}

source_dir='' build_dir='' config='' cmake=cmake cxx='' version='' launcher=''
while (($#)); do
  case "$1" in
    --source-dir) source_dir=$2 ;;
    --build-dir) build_dir=$2 ;;
    --config) config=$2 ;;
    --cmake) cmake=$2 ;;
    --cxx) cxx=$2 ;;
    --version) version=$2 ;;
    --launcher) launcher=$2 ;;
    *) echo "packaging_test: unknown argument '$1'" >&2; usage ;;
  esac
  shift 2 || usage
done
[[ -n $source_dir && -n $build_dir && -n $version ]] || usage

consumer_src="$source_dir/tests/packaging/consumer"
# Matches the PROCESSORS property in tests/packaging/CMakeLists.txt.
jobs=2

# Inside the build tree, at a fixed path: with the compiler launcher (ccache)
# a rerun compiles only what changed, as the build tree itself does.
work="$build_dir/packaging-work"
rm -rf "$work"
mkdir -p "$work"
# The prefix stays outside the build tree: the check below that the package
# names no build path must not see its own location as one.
prefix_parent=$(mktemp -d "${TMPDIR:-/tmp}/gtest_dist_packaging.XXXXXX")
trap 'rm -rf "$work" "$prefix_parent"' EXIT
prefix="$prefix_parent/prefix"

# Arguments every consumer configure shares: same compiler and build type as
# the tree under test, and no package registry, so find_package can only find
# what we installed into $prefix.
common_args=(-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
[[ -n $cxx ]] && common_args+=("-DCMAKE_CXX_COMPILER=$cxx")
[[ -n $launcher ]] && common_args+=("-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher")
[[ -n $config ]] && common_args+=("-DCMAKE_BUILD_TYPE=$config")
build_config_args=()
[[ -n $config ]] && build_config_args+=(--config "$config")

fail() { echo "packaging_test: FAIL: $*" >&2; exit 1; }
step() { echo; echo "=== packaging_test: $* (t=${SECONDS}s)"; }

# Runs a consumer binary the way a user would, with no flags and none of our
# environment variables (the calling environment must not switch modes), and
# checks it behaves as a plain gtest binary with one passing test.
run_consumer() {
  local binary=$1 output rc=0
  local -a unset_args=()
  local name
  for name in $(compgen -e); do
    [[ $name == GTEST_DIST_* || $name == GTEST_* ]] && unset_args+=(-u "$name")
  done
  output=$(env "${unset_args[@]}" "$binary" 2>&1) || rc=$?
  printf '%s\n' "$output"
  ((rc == 0)) || fail "$binary exited with status $rc, expected 0"
  grep -qF '[  PASSED  ] 1 test.' <<<"$output" ||
    fail "$binary did not print '[  PASSED  ] 1 test.'"
}

step "install $build_dir into $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" "${build_config_args[@]}"

step "check the installed tree"
config_file=$(find "$prefix" -path '*/cmake/gtest_dist/gtest_distConfig.cmake' -print -quit)
[[ -n $config_file ]] || fail "no lib*/cmake/gtest_dist/gtest_distConfig.cmake under $prefix"
package_dir=$(dirname "$config_file")
for file in gtest_distConfigVersion.cmake gtest_distTargets.cmake; do
  [[ -f $package_dir/$file ]] || fail "missing $package_dir/$file"
done
[[ -f $prefix/include/gtest_dist/gtest_dist.h ]] ||
  fail "public header include/gtest_dist/gtest_dist.h not installed"
# Exactly the public API (the source tree's include/) is installed; private
# headers under gtest_dist/ never are.
if ! diff <(cd "$source_dir/include" && find gtest_dist -name '*.h' | sort) \
          <(cd "$prefix/include" && find gtest_dist -type f | sort); then
  fail "installed headers (>) differ from the source tree's include/ (<)"
fi
# A relocatable package names no path of the machine that built it.
if grep -rlF -e "$source_dir" -e "$build_dir" "$package_dir"; then
  fail "installed CMake files above mention the source or build directory"
fi

step "consumer via find_package(gtest_dist $version CONFIG REQUIRED)"
"$cmake" -S "$consumer_src" -B "$work/find_package" "${common_args[@]}" \
  "-DCMAKE_PREFIX_PATH=$prefix" "-DCONSUMER_REQUIRE_VERSION=$version"
found_dir=$(sed -n 's/^gtest_dist_DIR:[A-Z]*=//p' "$work/find_package/CMakeCache.txt")
[[ $found_dir == "$prefix"/* ]] ||
  fail "find_package used gtest_dist_DIR=$found_dir, expected a directory under $prefix"
"$cmake" --build "$work/find_package" --parallel "$jobs" "${build_config_args[@]}"
run_consumer "$work/find_package/consumer_tests"

step "the version file refuses the next major version"
next_major=$((${version%%.*} + 1)).0
if "$cmake" -S "$consumer_src" -B "$work/wrong_version" "${common_args[@]}" \
     "-DCMAKE_PREFIX_PATH=$prefix" "-DCONSUMER_REQUIRE_VERSION=$next_major" \
     >"$work/wrong_version.log" 2>&1; then
  cat "$work/wrong_version.log"
  fail "find_package(gtest_dist $next_major) accepted version $version"
fi
grep -qF "$version" "$work/wrong_version.log" ||
  { cat "$work/wrong_version.log"; fail "version mismatch message does not name $version"; }
echo "find_package(gtest_dist $next_major) refused, as expected"

step "consumer via FetchContent (SOURCE_DIR $source_dir)"
# This variant compiles the library again, so it builds without optimisation
# or debug info (empty CMAKE_BUILD_TYPE, which also checks that gtest_dist as a
# subproject leaves the consumer's build type alone): it checks the wiring, not
# the code, and this keeps the test near a minute on two cores.
"$cmake" -S "$consumer_src" -B "$work/fetchcontent" "${common_args[@]}" \
  -DCMAKE_BUILD_TYPE= -DCONSUMER_USE_FETCHCONTENT=ON "-DGTEST_DIST_SOURCE_DIR=$source_dir"
fetched_build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$work/fetchcontent/CMakeCache.txt")
[[ -z $fetched_build_type ]] ||
  fail "gtest_dist as a subproject set the consumer's CMAKE_BUILD_TYPE to '$fetched_build_type'"
"$cmake" --build "$work/fetchcontent" --parallel "$jobs" --target consumer_tests
run_consumer "$work/fetchcontent/consumer_tests"

step "passed"
