// What the history recorder says when a store cannot be written.
#include "gtest_dist/history/history_recorder.h"

#include <gtest/gtest.h>

#include <string>

#include "gtest_dist/history/database.h"
#include "tests/unit/history_test_support.h"

namespace gtest_dist {
namespace history {
namespace {

TEST(DescribeLocationTest, PasswordsAreReplaced) {
  EXPECT_EQ(DescribeLocation("postgresql://ci:secret@db:5432/h?sslmode=require"),
            "postgresql://ci:***@db:5432/h?sslmode=require");
  EXPECT_EQ(DescribeLocation("host=db dbname=h password=secret user=ci"),
            "host=db dbname=h password=*** user=ci");
  EXPECT_EQ(DescribeLocation("postgresql://ci@db/h"), "postgresql://ci@db/h");
  EXPECT_EQ(DescribeLocation("/home/ci/history.sqlite"), "/home/ci/history.sqlite");
}

// Regression: "not recorded in <location>" printed the URL with its password.
TEST(HistoryRecorderTest, WhatWasNotRecordedNamesTheStoreWithoutItsPassword) {
  TestCatalog catalog({TestEntry{0, 0, "S", "A", "", "", "a.cc", 1, false}}, "digest");
  RunPlan plan;
  plan.catalog = &catalog;
  plan.selected = {0};
  RecorderContext context;
  context.binary_name = "suite_test";
  // Nothing listens on port 1: refused at once (or libpq missing); either
  // way the run is not recorded.
  bool healthy = true;
  const std::string text = MessagesOfAPassedRun(
      "postgresql://ci:secret@127.0.0.1:1/none?connect_timeout=2", plan, context, &healthy);
  EXPECT_FALSE(healthy);
  EXPECT_NE(text.find("not recorded in postgresql://ci:***@127.0.0.1:1/none"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("secret"), std::string::npos) << text;
}

}  // namespace
}  // namespace history
}  // namespace gtest_dist
