// SaturatingAdd over every integer type a quantity may be stored in: a typed
// test suite and a type-parameterized one instantiated for two type lists.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "inventory.h"

namespace inventory {
namespace {

template <typename Quantity>
class SaturatingAddTest : public testing::Test {
 protected:
  using Limits = std::numeric_limits<Quantity>;
};

using QuantityTypes = testing::Types<std::int16_t, std::int32_t, std::int64_t, std::uint32_t>;
TYPED_TEST_SUITE(SaturatingAddTest, QuantityTypes);

TYPED_TEST(SaturatingAddTest, AddsSmallQuantities) {
  EXPECT_EQ(SaturatingAdd<TypeParam>(2, 3), TypeParam{5});
  EXPECT_EQ(SaturatingAdd<TypeParam>(0, 0), TypeParam{0});
}

TYPED_TEST(SaturatingAddTest, StopsAtTheMaximum) {
  using Limits = typename TestFixture::Limits;
  EXPECT_EQ(SaturatingAdd<TypeParam>(Limits::max(), 1), Limits::max());
  EXPECT_EQ(SaturatingAdd<TypeParam>(Limits::max() - 1, 1), Limits::max());
}

// The same properties written once for any quantity type; each project
// instantiates them for the types it stores.
template <typename Quantity>
class QuantityContract : public testing::Test {};

TYPED_TEST_SUITE_P(QuantityContract);

TYPED_TEST_P(QuantityContract, AdditionCommutes) {
  const TypeParam a = 17;
  const TypeParam b = 25;
  EXPECT_EQ(SaturatingAdd(a, b), SaturatingAdd(b, a));
}

TYPED_TEST_P(QuantityContract, ZeroIsNeutral) {
  const TypeParam a = 1234 % (std::numeric_limits<TypeParam>::max() / 2);
  EXPECT_EQ(SaturatingAdd(a, TypeParam{0}), a);
}

TYPED_TEST_P(QuantityContract, NeverWrapsBelowTheMinimum) {
  if constexpr (std::is_signed_v<TypeParam>) {
    using Limits = std::numeric_limits<TypeParam>;
    EXPECT_EQ(SaturatingAdd<TypeParam>(Limits::min(), -1), Limits::min());
  } else {
    GTEST_SKIP() << "unsigned quantities have no negative side";
  }
}

REGISTER_TYPED_TEST_SUITE_P(QuantityContract, AdditionCommutes, ZeroIsNeutral,
                            NeverWrapsBelowTheMinimum);

using PalletCounts = testing::Types<std::int8_t, std::int16_t>;
using UnitCounts = testing::Types<std::int64_t, std::uint64_t>;
INSTANTIATE_TYPED_TEST_SUITE_P(Pallets, QuantityContract, PalletCounts);
INSTANTIATE_TYPED_TEST_SUITE_P(Units, QuantityContract, UnitCounts);

}  // namespace
}  // namespace inventory
