#!/usr/bin/env python3
"""Writes the C++ sources of `gen_suite`, the integration tests' big suite.

The suite is synthetic but shaped like a real one: fixtures with
SetUpTestSuite/TearDownTestSuite, value-parameterized suites, typed and
type-parameterized suites, some output, a few properties, three failing tests,
two skipped and two disabled ones. Everything is derived from the suite and
test names (CRC-32), so the output is the same on every run and every machine.

Compiled with -DGTEST_DIST_EXTRA_TEST the sources define exactly one more test
(the `gen_suite_plus_one` binary: a worker whose binary differs).

Usage: make_suite.py --out-dir DIR [--files N]
Writes DIR/gen_suite_0.cc .. DIR/gen_suite_{N-1}.cc, leaving a file untouched
when its content did not change (no needless rebuild).
"""

import argparse
import os
import sys
import zlib

SUITES = 48  # 24 fixtures x 12 tests, 12 value-param x 10, 12 typed x 9
FIXTURE_TESTS = 12
PARAM_VALUES = 5  # each of the 2 TEST_P runs for 0..4
TYPED_TYPES = ("std::int32_t", "std::int64_t", "std::uint16_t")
CONTRACT_TYPES = ("std::int32_t", "std::uint64_t")

VERBS = ("Adds", "Removes", "Merges", "Splits", "Sorts", "Finds", "Counts", "Checks",
         "Parses", "Formats", "Rounds", "Clamps", "Hashes", "Reverses")
NOUNS = ("Entries", "Totals", "Ranges", "Keys", "Rows", "Batches", "Labels", "Offsets",
         "Weights", "Slots", "Ids", "Limits", "Columns")
DOMAINS = ("Ledger", "Cache", "Router", "Queue", "Index", "Codec", "Planner", "Buffer")

# (suite number, test index) of the tests that fail on purpose, and how.
FAIL_FIXTURE = {(6, 3): "expect", (22, 10): "assert"}
FAIL_PARAM = (13, 3)        # SuiteNNParam.Accumulates/3 fails
FAIL_TYPED = (27, "std::int64_t")  # one typed test fails for one type only
SKIP_FIXTURE = {(10, 1), (40, 7)}
DISABLED_FIXTURE = {(14, 5), (36, 0)}


def crc(text):
    return zlib.crc32(text.encode())


def sleep_ms(name):
    """0-5 ms for one test in three, 0 for the rest: fast, but not all instant."""
    h = crc(name)
    return (h >> 4) % 6 if h % 3 == 0 else 0


def kind_of(number):
    # Half fixtures, a quarter value-parameterized, a quarter typed.
    return ("fixture", "param", "fixture", "typed")[number % 4]


def suite_name(number):
    kind = kind_of(number)
    domain = DOMAINS[number % len(DOMAINS)]
    suffix = {"fixture": domain, "param": "Param", "typed": "Typed"}[kind]
    return "Suite%02d%s" % (number, suffix)


def test_names(suite, count):
    names = []
    h = crc(suite)
    i = 0
    while len(names) < count:
        name = VERBS[(h + 3 * i) % len(VERBS)] + NOUNS[(h // 7 + 5 * i) % len(NOUNS)]
        if name not in names:
            names.append(name)
        i += 1
    return names


def body(full_name, seed, indent="  "):
    """A deterministic check: a sum computed in a loop against its formula."""
    n = 50 + seed % 400
    lines = [
        "std::int64_t sum = 0;",
        "for (std::int64_t i = 1; i <= %d; ++i) sum += i;" % n,
        "EXPECT_EQ(sum, std::int64_t{%d});" % (n * (n + 1) // 2),
    ]
    ms = sleep_ms(full_name)
    if ms:
        lines.append("std::this_thread::sleep_for(std::chrono::milliseconds(%d));" % ms)
    if seed % 11 == 0:
        lines.append('std::printf("%s: checked %d terms\\n", "%s");' % ("%s", n, full_name))
    if seed % 13 == 0:
        lines.append("testing::Test::RecordProperty(\"terms\", %d);" % n)
    return "".join(indent + line + "\n" for line in lines)


def fixture_suite(number):
    suite = suite_name(number)
    out = []
    out.append("class %s : public testing::Test {\n protected:\n" % suite)
    out.append("  static void SetUpTestSuite() {\n")
    out.append("    table_ = new std::vector<int>(%d);\n" % (16 + number))
    out.append("    std::iota(table_->begin(), table_->end(), %d);\n  }\n" % number)
    out.append("  static void TearDownTestSuite() {\n    delete table_;\n"
               "    table_ = nullptr;\n  }\n")
    out.append("  // Set once per test process by SetUpTestSuite; a test that finds it\n"
               "  // null ran without its suite's set-up.\n")
    out.append("  static std::vector<int>* table_;\n};\n")
    out.append("std::vector<int>* %s::table_ = nullptr;\n\n" % suite)
    for index, name in enumerate(test_names(suite, FIXTURE_TESTS)):
        key = (number, index)
        test = ("DISABLED_" + name) if key in DISABLED_FIXTURE else name
        out.append("TEST_F(%s, %s) {\n" % (suite, test))
        out.append("  ASSERT_NE(table_, nullptr) << \"SetUpTestSuite did not run\";\n")
        out.append("  EXPECT_EQ(table_->front(), %d);\n" % number)
        if key in SKIP_FIXTURE:
            out.append('  GTEST_SKIP() << "needs a %s backend, not configured here";\n'
                       % DOMAINS[number % len(DOMAINS)].lower())
        if key in DISABLED_FIXTURE:
            out.append('  FAIL() << "disabled tests must not run";\n')
        out.append(body("%s.%s" % (suite, test), crc(suite + name)))
        how = FAIL_FIXTURE.get(key)
        if how == "expect":
            out.append("  // Intentional failure: the integration tests expect it.\n")
            out.append("  EXPECT_EQ(table_->size(), 0u) << \"intentional failure in %s.%s\";\n"
                       % (suite, name))
        elif how == "assert":
            out.append("  // Intentional failure: the integration tests expect it.\n")
            out.append("  ASSERT_TRUE(table_->empty()) << \"intentional failure in %s.%s\";\n"
                       % (suite, name))
        out.append("}\n\n")
    return "".join(out)


def param_suite(number):
    suite = suite_name(number)
    out = ["class %s : public testing::TestWithParam<int> {};\n\n" % suite]
    for name in test_names(suite, 2):
        out.append("TEST_P(%s, %s) {\n" % (suite, name))
        out.append("  const int value = GetParam();\n")
        out.append("  ASSERT_GE(value, 0);\n")
        out.append(body("%s.%s" % (suite, name), crc(suite + name)))
        out.append("}\n\n")
    if number == FAIL_PARAM[0]:
        out.append("TEST_P(%s, Accumulates) {\n" % suite)
        out.append("  // Intentional failure for one value: the integration tests expect it.\n")
        out.append("  EXPECT_NE(GetParam(), %d) << \"intentional failure in %s for value %d\";\n"
                   % (FAIL_PARAM[1], suite, FAIL_PARAM[1]))
        out.append("}\n\n")
    out.append("INSTANTIATE_TEST_SUITE_P(Gen, %s, testing::Range(0, %d));\n\n"
               % (suite, PARAM_VALUES))
    return "".join(out)


def typed_suite(number):
    suite = suite_name(number)
    out = ["template <typename T>\nclass %s : public testing::Test {};\n" % suite]
    out.append("using %sTypes = testing::Types<%s>;\n" % (suite, ", ".join(TYPED_TYPES)))
    out.append("TYPED_TEST_SUITE(%s, %sTypes);\n\n" % (suite, suite))
    for index, name in enumerate(test_names(suite, 3)):
        out.append("TYPED_TEST(%s, %s) {\n" % (suite, name))
        out.append("  const TypeParam value = static_cast<TypeParam>(%d);\n" % (index + number))
        out.append("  EXPECT_EQ(static_cast<int>(value), %d);\n" % (index + number))
        out.append(body("%s.%s" % (suite, name), crc(suite + name)))
        if number == FAIL_TYPED[0] and index == 0:
            out.append("  // Intentional failure for one type: the integration tests expect it.\n")
            out.append("  EXPECT_FALSE((std::is_same_v<TypeParam, %s>))"
                       " << \"intentional failure in %s for %s\";\n"
                       % (FAIL_TYPED[1], suite, FAIL_TYPED[1]))
        out.append("}\n\n")
    return "".join(out)


def contract_suite(number):
    """A type-parameterized suite (TYPED_TEST_SUITE_P), after every 8th suite."""
    suite = "Suite%02dContract" % number
    names = test_names(suite, 3)
    out = ["template <typename T>\nclass %s : public testing::Test {};\n" % suite]
    out.append("TYPED_TEST_SUITE_P(%s);\n\n" % suite)
    for name in names:
        out.append("TYPED_TEST_P(%s, %s) {\n" % (suite, name))
        out.append("  EXPECT_TRUE(std::is_integral_v<TypeParam>);\n")
        out.append(body("%s.%s" % (suite, name), crc(suite + name)))
        out.append("}\n\n")
    out.append("REGISTER_TYPED_TEST_SUITE_P(%s, %s);\n" % (suite, ", ".join(names)))
    out.append("using %sTypes = testing::Types<%s>;\n" % (suite, ", ".join(CONTRACT_TYPES)))
    out.append("INSTANTIATE_TYPED_TEST_SUITE_P(Gen, %s, %sTypes);\n\n" % (suite, suite))
    return "".join(out)


HEADER = """\
// Generated by tests/integration/make_suite.py (file %d of %d). Do not edit:
// change the generator. Part of gen_suite, the integration tests' big suite.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

"""

EXTRA = """\
#ifdef GTEST_DIST_EXTRA_TEST
// Only in gen_suite_plus_one: its test list differs from gen_suite's by this
// one test, so a supervisor must refuse it as a worker.
TEST(SuiteExtra, OnlyInThePlusOneBinary) { SUCCEED(); }
#endif

"""


def check_plan():
    """The special tests must land in suites of the right kind."""
    for number, _ in list(FAIL_FIXTURE) + list(SKIP_FIXTURE) + list(DISABLED_FIXTURE):
        assert kind_of(number) == "fixture", "suite %d is not a fixture suite" % number
    assert kind_of(FAIL_PARAM[0]) == "param", "suite %d is not a param suite" % FAIL_PARAM[0]
    assert kind_of(FAIL_TYPED[0]) == "typed", "suite %d is not a typed suite" % FAIL_TYPED[0]


def generate(files):
    check_plan()
    sources = [HEADER % (i, files) for i in range(files)]
    for number in range(SUITES):
        kind = kind_of(number)
        text = {"fixture": fixture_suite, "param": param_suite, "typed": typed_suite}[kind](number)
        if number % 8 == 7:
            text += contract_suite(number)
        sources[number % files] += text
    sources[0] += EXTRA
    return [s + "}  // namespace\n" for s in sources]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--files", type=int, default=4)
    args = parser.parse_args(argv)
    if args.files < 1:
        parser.error("--files must be at least 1, got %d" % args.files)
    os.makedirs(args.out_dir, exist_ok=True)
    for i, text in enumerate(generate(args.files)):
        path = os.path.join(args.out_dir, "gen_suite_%d.cc" % i)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except FileNotFoundError:
            pass
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
