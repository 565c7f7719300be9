// The Inventory class: a fixture with a suite-wide set-up, death tests,
// properties in the report, output, a skipped and a disabled test.
#include "inventory.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

namespace inventory {
namespace {

// A reference stock list, parsed once per test process: parsing the real one
// is what a project would not want to repeat in every test.
constexpr const char* kReferenceStock[] = {
    "ABC-0001,12,aisle 1",
    "ABC-0002,3,aisle 1",
    "PAL-0017,40,\"dock, north\"",
    "WXYZ-0100,1,cage",
};

class InventoryTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    reference_ = new Inventory;
    for (const char* line : kReferenceStock) {
      const std::vector<std::string> fields = SplitCsvLine(line);
      reference_->Receive(*ParseSku(fields[0]), std::stoi(fields[1]));
    }
    std::printf("InventoryTest: loaded %zu reference items\n", reference_->DistinctItems());
  }

  static void TearDownTestSuite() {
    delete reference_;
    reference_ = nullptr;
  }

  void SetUp() override { inventory_ = *reference_; }

  static Inventory* reference_;
  Inventory inventory_;  // a fresh copy of the reference stock per test
};

Inventory* InventoryTest::reference_ = nullptr;

TEST_F(InventoryTest, ReferenceStockIsLoaded) {
  EXPECT_EQ(inventory_.DistinctItems(), 4u);
  EXPECT_EQ(inventory_.TotalUnits(), 56);
  EXPECT_EQ(inventory_.OnHand(*ParseSku("PAL-17")), 40);
}

TEST_F(InventoryTest, ReceiveAddsToOnHand) {
  const Sku sku = *ParseSku("ABC-2");
  inventory_.Receive(sku, 5);
  EXPECT_EQ(inventory_.OnHand(sku), 8);
  inventory_.Receive(sku, 0);  // ignored
  EXPECT_EQ(inventory_.OnHand(sku), 8);
}

TEST_F(InventoryTest, ShipRefusesMoreThanOnHand) {
  const Sku sku = *ParseSku("ABC-2");
  EXPECT_FALSE(inventory_.Ship(sku, 4));
  EXPECT_EQ(inventory_.OnHand(sku), 3);
  EXPECT_TRUE(inventory_.Ship(sku, 3));
  EXPECT_EQ(inventory_.OnHand(sku), 0);
  EXPECT_EQ(inventory_.DistinctItems(), 3u);
}

TEST_F(InventoryTest, ReceiveSaturatesInsteadOfOverflowing) {
  const Sku sku = *ParseSku("WXYZ-100");
  inventory_.Receive(sku, std::numeric_limits<int>::max());
  EXPECT_EQ(inventory_.OnHand(sku), std::numeric_limits<int>::max());
}

TEST_F(InventoryTest, RecordsStockFiguresInTheReport) {
  // Shows up as properties of this test in the XML and JSON reports.
  RecordProperty("distinct_items", static_cast<int>(inventory_.DistinctItems()));
  RecordProperty("warehouse", "north");
  EXPECT_GT(inventory_.TotalUnits(), 0);
}

TEST_F(InventoryTest, PrintsAStockReport) {
  // A test's output is kept with the test, stdout and stderr alike.
  std::cout << "stock report: " << inventory_.TotalUnits() << " units in "
            << inventory_.DistinctItems() << " items" << std::endl;
  std::cerr << "stock report: nothing below reorder level" << std::endl;
  SUCCEED();
}

TEST_F(InventoryTest, SyncsWithWarehouseDatabase) {
  const char* database = std::getenv("SAMPLES_WAREHOUSE_DB");
  if (database == nullptr) {
    GTEST_SKIP() << "no warehouse database configured (set SAMPLES_WAREHOUSE_DB)";
  }
  FAIL() << "the warehouse sync is not written yet";
}

// Disabled until stocktake adjustments keep an audit trail.
TEST_F(InventoryTest, DISABLED_AdjustKeepsAuditTrail) {
  inventory_.Adjust(*ParseSku("ABC-1"), 10);
  FAIL() << "no audit trail yet";
}

// Death tests run first in a plain run (gtest's rule for suites named
// *DeathTest); distributed, they must work in a worker's child as well.
using InventoryDeathTest = InventoryTest;

TEST_F(InventoryDeathTest, NegativeStockAbortsWithTheSku) {
  inventory_.Adjust(*ParseSku("ABC-1"), -2);
  EXPECT_DEATH(inventory_.CheckInvariants(), "negative stock for ABC-0001: -2");
}

TEST_F(InventoryDeathTest, ValidStockPassesTheCheck) {
  inventory_.Adjust(*ParseSku("ABC-1"), 0);
  EXPECT_EXIT(
      {
        inventory_.CheckInvariants();
        std::exit(0);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace inventory
