#include "datapath/gateway/address_pool.h"

#include <gtest/gtest.h>

namespace switchyard::dp {
namespace {

TEST(AddressPool, HandsOutTheLowestAndMergesWhatComesBack) {
  AddressPool pool;
  pool.Reset(10, 20);
  EXPECT_EQ(pool.Lowest(), 10u);
  EXPECT_TRUE(pool.Take(10));
  EXPECT_TRUE(pool.Take(12));
  EXPECT_FALSE(pool.Take(12));  // taken
  EXPECT_FALSE(pool.Take(9));   // outside
  EXPECT_FALSE(pool.Take(21));
  EXPECT_EQ(pool.Lowest(), 11u);
  EXPECT_TRUE(pool.Take(11));
  EXPECT_EQ(pool.Lowest(), 13u);
  EXPECT_EQ(pool.intervals(), 1u);
  pool.Give(11);
  EXPECT_EQ(pool.intervals(), 2u);  // [11] and [13, 20]
  pool.Give(12);
  EXPECT_EQ(pool.intervals(), 1u);  // [11, 20]
  pool.Give(10);
  pool.Give(10);  // already free
  pool.Give(25);  // outside
  EXPECT_EQ(pool.intervals(), 1u);
  EXPECT_EQ(pool.Lowest(), 10u);
  EXPECT_TRUE(pool.IsFree(20));
  EXPECT_FALSE(pool.IsFree(21));
}

TEST(AddressPool, EmptyAndFullPoolsHaveNoLowest) {
  AddressPool pool;
  EXPECT_EQ(pool.Lowest(), 0u);
  pool.Reset(5, 4);
  EXPECT_EQ(pool.Lowest(), 0u);
  pool.Reset(7, 7);
  EXPECT_TRUE(pool.Take(7));
  EXPECT_EQ(pool.Lowest(), 0u);
  EXPECT_EQ(pool.intervals(), 0u);
  pool.Give(7);
  EXPECT_EQ(pool.Lowest(), 7u);
}

TEST(AddressPool, TheTopOfTheAddressSpaceDoesNotWrap) {
  AddressPool pool;
  pool.Reset(0xfffffffe, 0xffffffff);
  EXPECT_TRUE(pool.Take(0xffffffff));
  EXPECT_TRUE(pool.Take(0xfffffffe));
  pool.Give(0xffffffff);
  pool.Give(0xfffffffe);
  EXPECT_EQ(pool.intervals(), 1u);
  EXPECT_EQ(pool.Lowest(), 0xfffffffeu);
}

TEST(AddressPool, MatchesASetOfFreeAddressesUnderRandomUse) {
  AddressPool pool;
  pool.Reset(100, 163);
  uint64_t free_bits = ~uint64_t{0};  // bit i: 100 + i is free
  uint32_t state = 99;
  for (int i = 0; i < 20000; ++i) {
    state = state * 1103515245 + 12345;
    const uint32_t a = 100 + (state >> 8) % 64;
    const uint64_t bit = uint64_t{1} << (a - 100);
    if ((state >> 4) & 1) {
      EXPECT_EQ(pool.Take(a), (free_bits & bit) != 0);
      free_bits &= ~bit;
    } else {
      pool.Give(a);
      free_bits |= bit;
    }
    const uint32_t lowest =
        free_bits == 0 ? 0 : 100 + static_cast<uint32_t>(__builtin_ctzll(free_bits));
    ASSERT_EQ(pool.Lowest(), lowest);
  }
}

}  // namespace
}  // namespace switchyard::dp
