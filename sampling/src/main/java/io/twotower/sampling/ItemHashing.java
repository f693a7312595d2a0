package io.twotower.sampling;

/**
 * Seeded hash functions from long item keys to buckets, built on the 64-bit finalizer of
 * MurmurHash3 (fmix64): a bijection of longs whose output bits each depend on every input bit, so
 * consecutive ids spread evenly and differently seeded functions behave as independent.
 */
final class ItemHashing {

  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private ItemHashing() {}

  /** The seed of the k-th hash function derived from one user seed. */
  static long seedOf(long userSeed, int hashIndex) {
    return mix(userSeed + (hashIndex + 1L) * GOLDEN_GAMMA);
  }

  /** The bucket in [0, buckets) of {@code item} under the hash function with {@code seed}. */
  static int bucket(long item, long seed, int buckets) {
    return (int) Math.floorMod(mix(item + seed), (long) buckets);
  }

  /** MurmurHash3 fmix64. */
  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
