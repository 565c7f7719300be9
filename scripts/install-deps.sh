#!/usr/bin/env bash
# Installs what building and testing gtest_dist needs on Debian 12 (bookworm).
# Safe to run again: when every package is already installed it changes
# nothing and needs neither root nor the network.
#
#   sudo scripts/install-deps.sh              # build and test dependencies
#   sudo scripts/install-deps.sh --lint-tools # also clang-format, clang-tidy
#
# With CI set in the environment (CI=true, as .ci/run runs it) the lint tools
# are installed too.
set -euo pipefail

packages=(
  # Toolchain and test drivers; ccache makes a rebuild of unchanged files free
  # (.ci/run and scripts/sanitize.sh use it when it is there).
  cmake g++ make python3 git ccache
  # Network namespaces for the multi-host integration tests.
  iproute2
  # GoogleTest 1.12 (GTest::gtest, GTest::gmock).
  libgtest-dev libgmock-dev
  # GoogleTest's own test programs and golden files (tests/compat/).
  googletest
  # Boost 1.74 headers: Asio, Beast.
  libboost-dev libboost-system-dev
  # Wire format.
  nlohmann-json3-dev
  # SHA-256 fingerprints, HMAC, TLS.
  libssl-dev
  # Run history store: SQLite (embedded, linked). libpq is not linked, only
  # loaded for a postgresql:// store (no libpq-dev needed); the tests' server.
  libsqlite3-dev libpq5 postgresql
  # The libFuzzer target over the wire protocol (clang's fuzzer runtime).
  clang libclang-rt-14-dev
  # LLVM's linker: CI and scripts/sanitize.sh link with it when present (a
  # test binary with debug info links in about a third of GNU ld's CPU time).
  lld
  # Workers over ssh: the client the supervisor starts, and the server the
  # ssh integration test runs on 127.0.0.1.
  openssh-client openssh-server
  # The dashboard's browser tests: headless chromium driven by playwright-core.
  chromium nodejs
)
# Debian's nodejs comes without npm; NodeSource's has it built in and
# conflicts with Debian's npm package.
if ! command -v npm >/dev/null; then packages+=(npm); fi
if [[ -n ${CI:-} && ${CI:-} != false ]]; then packages+=(clang-format clang-tidy); fi

for arg in "$@"; do
  case "$arg" in
    --lint-tools) packages+=(clang-format clang-tidy) ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg' (accepted: --lint-tools)" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  if [[ $(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) != installed ]]; then
    missing+=("$package")
  fi
done

# playwright-core for the browser tests, at the version package-lock.json pins;
# runs as whoever runs this script (no root needed once node is there).
install_browser_test_modules() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  if [[ -d $dir/node_modules/playwright-core ]]; then return; fi
  echo "install-deps.sh: npm ci in $dir"
  (cd "$dir" && npm ci --no-audit --no-fund)
}

if ((${#missing[@]} == 0)); then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  install_browser_test_modules
  exit 0
fi

if ((EUID != 0)); then
  echo "install-deps.sh: missing packages: ${missing[*]}" >&2
  echo "install-deps.sh: installing them needs root; run: sudo $0${*:+ $*}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null; then
  echo "install-deps.sh: apt-get not found; this script supports Debian 12 (bookworm)." >&2
  echo "install-deps.sh: install these by other means: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
install_browser_test_modules
echo "install-deps.sh: done"
