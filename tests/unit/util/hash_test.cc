#include "cachette/util/hash.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace cachette::util {
namespace {

TEST(HashTest, IsDeterministic) {
  for (const std::string_view key :
       {"", "a", "user:1000", "a somewhat longer key of 40 bytes...."}) {
    EXPECT_EQ(HashBytes(key), HashBytes(std::string(key)));
    EXPECT_EQ(HashBytes(key, 7), HashBytes(key, 7));
  }
}

// The values themselves stay put: a faster path must hash exactly as before (the store's
// shard and bucket of a key, and with them SCAN's order, follow from them).
TEST(HashTest, KeepsItsValues) {
  struct Case {
    std::string key;
    uint64_t seed;
    uint64_t hash;
  };
  const Case cases[] = {
      {"", 0, 0x0409638ee2bde459ULL},
      {"", 7, 0xae1b3ab9eae30bd5ULL},
      {"a", 0, 0x28d2053309d28531ULL},
      {"a", 7, 0xae104c6a05b3220fULL},
      {"key", 0, 0x7a60a337272f91a4ULL},
      {"key", 7, 0xeb66a641bd2f8c9fULL},
      {"key:000000012345", 0, 0x1ab3c6c5bbdf9ad4ULL},
      {"key:000000012345", 7, 0x679805e7fa665ea8ULL},
      {"key:0000000123456", 0, 0x23d8af438893c9c8ULL},
      {"key:0000000123456", 7, 0xd18dd70d8d88cc78ULL},
      {std::string(49, 'x'), 0, 0xf38f5ae335462355ULL},
      {std::string(49, 'x'), 7, 0xa528b86b4dec1e8eULL},
      {std::string(100, 'y'), 0, 0x65f5631bdf3a6a80ULL},
      {std::string(100, 'y'), 7, 0xaa09b527fffc8ffaULL},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HashBytes(c.key, c.seed), c.hash) << c.key.size() << " " << c.seed;
  }
}

TEST(HashTest, SeedChangesTheHash) {
  EXPECT_NE(HashBytes("key", 0), HashBytes("key", 1));
  EXPECT_NE(HashBytes("", 0), HashBytes("", 1));
}

TEST(HashTest, EveryLengthUpTo200IsDistinct) {
  // Covers each code path (0, 1-3, 4-16, 17-48, over 48 bytes) and the tails between them.
  std::unordered_set<uint64_t> seen;
  const std::string buffer(200, 'x');
  for (size_t len = 0; len <= buffer.size(); ++len) {
    EXPECT_TRUE(seen.insert(HashBytes(std::string_view(buffer).substr(0, len))).second) << len;
  }
}

TEST(HashTest, NoCollisionsAmongSequentialKeys) {
  std::unordered_set<uint64_t> seen;
  for (int i = 0; i < 200'000; ++i) {
    seen.insert(HashBytes("key:" + std::to_string(i)));
  }
  EXPECT_EQ(seen.size(), 200'000u);
}

TEST(HashTest, LowBitsSpreadEvenlyOverBuckets) {
  constexpr int kBuckets = 64;
  constexpr int kKeys = 64'000;
  std::vector<int> counts(kBuckets);
  for (int i = 0; i < kKeys; ++i) {
    ++counts[HashBytes("user:" + std::to_string(i)) % kBuckets];
  }
  // Expected 1000 per bucket with a standard deviation near 31; allow about 6 sigma.
  for (const int c : counts) {
    EXPECT_GT(c, 800);
    EXPECT_LT(c, 1200);
  }
}

TEST(HashTest, OneBitFlipChangesAboutHalfTheOutputBits) {
  for (const size_t len : {1u, 3u, 8u, 13u, 16u, 31u, 64u, 100u}) {
    std::string key(len, '\0');
    for (size_t i = 0; i < len; ++i) {
      key[i] = static_cast<char>('a' + i % 26);
    }
    const uint64_t base = HashBytes(key);
    int total = 0;
    int flips = 0;
    for (size_t byte = 0; byte < len; ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = key;
        flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
        total += std::popcount(base ^ HashBytes(flipped));
        ++flips;
      }
    }
    const double mean = static_cast<double>(total) / flips;
    EXPECT_GT(mean, 26.0) << len;
    EXPECT_LT(mean, 38.0) << len;
  }
}

}  // namespace
}  // namespace cachette::util
