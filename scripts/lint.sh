#!/usr/bin/env bash
# Reports C++ files under gtest_dist/, include/, tests/ and samples/ whose
# formatting differs from .clang-format. Changes nothing; exits non-zero when
# a file needs formatting. Fix with: clang-format -i FILE...
# Not run by CI yet.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null; then
  echo "lint.sh: $clang_format not found; install it with: sudo scripts/install-deps.sh --lint-tools" >&2
  exit 2
fi

dirs=()
for dir in gtest_dist include tests samples; do
  [[ -d $dir ]] && dirs+=("$dir")
done
mapfile -t files < <(find "${dirs[@]}" -type f \
  \( -name '*.cc' -o -name '*.h' -o -name '*.cpp' -o -name '*.hpp' \) | sort)
if ((${#files[@]} == 0)); then
  echo "lint.sh: no C++ files found"
  exit 0
fi

if "$clang_format" --dry-run -Werror "${files[@]}"; then
  echo "lint.sh: ${#files[@]} files formatted as .clang-format asks"
else
  echo "lint.sh: formatting differs (see above); fix with: $clang_format -i FILE..." >&2
  exit 1
fi
