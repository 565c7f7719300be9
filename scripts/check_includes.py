#!/usr/bin/env python3
"""Checks that every #include between folders of gtest_dist/ follows the module
map in docs/architecture.md ("## Module map": one table row per folder, the
last column naming what it may include). Run by scripts/lint.sh.

Exits 1 listing each include against the map, or each folder the map lacks.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAP = os.path.join(ROOT, "docs", "architecture.md")
SOURCES = os.path.join(ROOT, "gtest_dist")
INCLUDE = re.compile(r'^\s*#\s*include\s+"gtest_dist/([^"]+)"', re.MULTILINE)


def read_map():
    """{folder: set of what it may include} from the module map table; the
    top level is '' and may include anything (None)."""
    with open(MAP, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Module map", 1)
    if len(section) != 2:
        sys.exit("check_includes: no '## Module map' section in %s" % MAP)
    allowed = {}
    for line in section[1].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not line.startswith("|"):
            continue
        folder = re.fullmatch(r"`([a-z_]+)/`", cells[0])
        if folder:
            allowed[folder.group(1)] = set(re.findall(r"`([a-z_./]+)`", cells[-1]))
        elif cells[0] == "top level":
            allowed[""] = None
    return allowed


def main():
    allowed = read_map()
    problems = []
    for directory, _, files in sorted(os.walk(SOURCES)):
        relative = os.path.relpath(directory, SOURCES)
        folder = "" if relative == "." else relative.split(os.sep)[0]
        for name in sorted(files):
            if not name.endswith((".cc", ".h")):
                continue
            path = os.path.join(directory, name)
            shown = os.path.relpath(path, ROOT)
            if folder not in allowed:
                problems.append("%s: folder %s/ is not in the module map (%s)" %
                                (shown, folder, os.path.relpath(MAP, ROOT)))
                continue
            if allowed[folder] is None:
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for included in INCLUDE.findall(text):
                parts = included.split("/")
                if len(parts) == 1:  # a top-level header such as dist_flags.h
                    target = parts[0]
                elif parts[0] == folder:
                    continue
                else:
                    target = parts[0]
                if target == "gtest_dist.h" or target in allowed[folder]:
                    continue
                problems.append("%s includes gtest_dist/%s: %s/ may include only %s" %
                                (shown, included, folder,
                                 ", ".join(sorted(allowed[folder])) or "nothing"))
    for problem in problems:
        print("check_includes: " + problem, file=sys.stderr)
    if problems:
        print("check_includes: %d includes against the module map in %s" %
              (len(problems), os.path.relpath(MAP, ROOT)), file=sys.stderr)
        return 1
    print("check_includes: every include follows the module map (%d folders)" % len(allowed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
