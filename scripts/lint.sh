#!/usr/bin/env bash
# The house rules, checked: changes nothing, exits non-zero on a finding. CI
# runs it (.ci/run, step lint).
#
#   scripts/lint.sh [--base REF] [--build DIR] [--format-only | --tidy-only]
#
# 0. Layering: every include between folders of gtest_dist/ is one the module
#    map in docs/architecture.md allows (scripts/check_includes.py).
# 1. Formatting: every .cc/.h under gtest_dist/ include/ tests/ samples/ bench/
#    as .clang-format says (clang-format --dry-run -Werror). Fix a file with
#    clang-format -i FILE.
# 2. clang-tidy (checks and their exclusions in .clang-tidy) on the C++ files
#    changed since REF (default: $LINT_BASE, else origin/HEAD, else
#    origin/main), uncommitted changes included. A changed header is checked
#    through its own .cc, and through every changed .cc that includes it. It
#    reads DIR/compile_commands.json (default DIR: build/, configured first).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

base=${LINT_BASE:-} build=build format=1 tidy=1
while (($#)); do
  case "$1" in
    --base) base=${2:?--base needs a git revision}; shift ;;
    --build) build=${2:?--build needs a directory}; shift ;;
    --format-only) tidy=0 ;;
    --tidy-only) format=0 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "lint.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

need() {
  if ! command -v "$1" >/dev/null; then
    echo "lint.sh: $1 not found; install it with: sudo scripts/install-deps.sh --lint-tools" >&2
    exit 2
  fi
}

status=0

if ((format && tidy)); then
  python3 scripts/check_includes.py || status=1
fi

if ((format)); then
  clang_format=${CLANG_FORMAT:-clang-format}
  need "$clang_format"
  dirs=()
  for dir in gtest_dist include tests samples bench; do
    [[ -d $dir ]] && dirs+=("$dir")
  done
  mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.cc' -o -name '*.h' \) \
    -not -path '*/node_modules/*' | sort)
  if "$clang_format" --dry-run -Werror "${files[@]}"; then
    echo "lint.sh: format: ${#files[@]} files as .clang-format asks"
  else
    echo "lint.sh: format: the files above differ from .clang-format;" \
         "fix with: $clang_format -i FILE..." >&2
    status=1
  fi
fi

if ((tidy)); then
  clang_tidy=${CLANG_TIDY:-clang-tidy}
  need "$clang_tidy"
  if [[ -z $base ]]; then
    for candidate in origin/HEAD origin/main; do
      if git rev-parse -q --verify "$candidate^{commit}" >/dev/null; then
        base=$candidate
        break
      fi
    done
  fi
  if [[ -z $base ]]; then
    echo "lint.sh: tidy: no base to compare with (no origin/HEAD or origin/main);" \
         "pass --base REF" >&2
    exit 2
  fi
  if [[ ! -f $build/compile_commands.json ]]; then
    echo "lint.sh: tidy: $build/compile_commands.json missing; configure first:" \
         "cmake -S . -B $build" >&2
    exit 2
  fi
  merge_base=$(git merge-base "$base" HEAD)
  paths=('gtest_dist/*.cc' 'gtest_dist/*.h' 'include/*.h' 'tests/*.cc' 'tests/*.h'
         'samples/*.cc' 'samples/*.h' 'bench/*.cc')
  mapfile -t changed < <({
    git diff --name-only --diff-filter=d "$merge_base" -- "${paths[@]}"
    git ls-files --others --exclude-standard -- "${paths[@]}"
  } | sort -u)
  # The translation units to run: changed sources, and each changed header's
  # own source. Only those the build compiles (in compile_commands.json).
  units=()
  for file in "${changed[@]}"; do
    [[ -f $file ]] || continue
    case "$file" in
      *.h) file=${file%.h}.cc ;;
    esac
    if [[ -f $file ]] && grep -qF "\"file\": \"$root/$file\"" "$build/compile_commands.json"; then
      units+=("$file")
    fi
  done
  mapfile -t units < <(printf '%s\n' "${units[@]}" | sed '/^$/d' | sort -u)
  if ((${#units[@]} == 0)); then
    echo "lint.sh: tidy: no compiled C++ file changed since $base ($merge_base)"
  else
    echo "lint.sh: tidy: ${#units[@]} files changed since $base: ${units[*]}"
    # Findings are errors here: .clang-tidy lists what we chose not to check.
    # -std=c++17: GCC defaults to it, so compile_commands.json does not say
    # it, and clang-tidy's clang would parse C++14.
    if ! printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 1 \
        "$clang_tidy" -p "$build" --quiet --warnings-as-errors='*' --extra-arg=-std=c++17; then
      echo "lint.sh: tidy: findings above (checks and exclusions: .clang-tidy)" >&2
      status=1
    else
      echo "lint.sh: tidy: no findings"
    fi
  fi
fi

exit "$status"
