// HashBytes: a wyhash-style hash. Each step multiplies two 64-bit words into 128 bits and
// folds the halves together with xor ("mix"), which diffuses every input bit across the
// output in one multiplication. Keys of up to 16 bytes take one or two unaligned loads and
// two mixes; longer keys are consumed 16 bytes per mix (48 bytes per round over three lanes).
// Not cryptographic: an attacker who knows the seed can build colliding keys.

#include "cachette/util/hash.h"

#include <bit>
#include <cstring>

namespace cachette::util {
namespace {

// Odd constants with balanced bit patterns (the ones wyhash publishes).
constexpr uint64_t kSecret0 = 0xa0761d6478bd642fULL;
constexpr uint64_t kSecret1 = 0xe7037ed1a0b428dbULL;
constexpr uint64_t kSecret2 = 0x8ebc6af09c88c6e3ULL;
constexpr uint64_t kSecret3 = 0x589965cc75374cc3ULL;

constexpr uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Little-endian loads, so the hash is the same on every host.
uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big) {
    v = __builtin_bswap64(v);
  }
  return v;
}

uint64_t Load32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big) {
    v = __builtin_bswap32(v);
  }
  return v;
}

// 1 to 3 bytes: first, middle and last byte (they overlap for short inputs).
uint64_t Load1To3(const unsigned char* p, size_t k) {
  return (static_cast<uint64_t>(p[0]) << 16) | (static_cast<uint64_t>(p[k >> 1]) << 8) | p[k - 1];
}

// The seed as the first step leaves it, for the default seed (every key hash of the store).
constexpr uint64_t kMixedDefaultSeed = Mix(kSecret0, kSecret1);

uint64_t Finish(uint64_t a, uint64_t b, uint64_t seed, size_t len) {
  a ^= kSecret1;
  b ^= seed;
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  a = static_cast<uint64_t>(r);
  b = static_cast<uint64_t>(r >> 64);
  return Mix(a ^ kSecret0 ^ len, b ^ kSecret1);
}

// Over 16 bytes; out of line, so that short keys (the usual ones) save no registers.
[[gnu::noinline]] uint64_t HashLong(const unsigned char* p, size_t len, uint64_t seed) {
  size_t i = len;
  if (i > 48) {
    uint64_t lane1 = seed;
    uint64_t lane2 = seed;
    do {
      seed = Mix(Load64(p) ^ kSecret1, Load64(p + 8) ^ seed);
      lane1 = Mix(Load64(p + 16) ^ kSecret2, Load64(p + 24) ^ lane1);
      lane2 = Mix(Load64(p + 32) ^ kSecret3, Load64(p + 40) ^ lane2);
      p += 48;
      i -= 48;
    } while (i > 48);
    seed ^= lane1 ^ lane2;
  }
  while (i > 16) {
    seed = Mix(Load64(p) ^ kSecret1, Load64(p + 8) ^ seed);
    i -= 16;
    p += 16;
  }
  // The last 16 bytes, overlapping what was already consumed when needed.
  return Finish(Load64(p + i - 16), Load64(p + i - 8), seed, len);
}

}  // namespace

uint64_t HashBytes(std::string_view bytes, uint64_t seed) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t len = bytes.size();
  seed = seed == 0 ? kMixedDefaultSeed : seed ^ Mix(seed ^ kSecret0, kSecret1);
  if (len > 16) {
    return HashLong(p, len, seed);
  }
  uint64_t a = 0;
  uint64_t b = 0;
  if (len >= 4) {
    // Two overlapping 4-byte loads from each end cover every byte of 4..16.
    const size_t shift = (len >> 3) << 2;
    a = (Load32(p) << 32) | Load32(p + shift);
    b = (Load32(p + len - 4) << 32) | Load32(p + len - 4 - shift);
  } else if (len > 0) {
    a = Load1To3(p, len);
  }
  return Finish(a, b, seed, len);
}

}  // namespace cachette::util
