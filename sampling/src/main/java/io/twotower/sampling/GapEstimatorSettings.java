package io.twotower.sampling;

import java.io.Serializable;

/**
 * Settings of {@link HashedGapEstimator}, validated on construction.
 *
 * @param bucketsPerHash H, the size of each pair of arrays A_k, B_k
 * @param hashCount m, the number of independent hash functions (1 is the paper's Algorithm 2)
 * @param learningRate alpha in (0, 1): weight of the newest gap in the moving average
 * @param initialLastSeenStep initial value of every A_k entry (the paper: 0)
 * @param initialGap initial value of every B_k entry, > 0 (the paper's simulation: 100)
 * @param hashSeed seed from which the m hash functions are derived
 */
public record GapEstimatorSettings(
    int bucketsPerHash,
    int hashCount,
    double learningRate,
    long initialLastSeenStep,
    double initialGap,
    long hashSeed)
    implements Serializable {

  public GapEstimatorSettings {
    if (bucketsPerHash < 1) {
      throw SamplingErrors.invalidSetting("bucketsPerHash", bucketsPerHash, "an integer >= 1");
    }
    if (hashCount < 1) {
      throw SamplingErrors.invalidSetting("hashCount", hashCount, "an integer >= 1");
    }
    if (!(learningRate > 0 && learningRate < 1)) {
      throw SamplingErrors.invalidSetting("learningRate", learningRate, "a number in (0, 1)");
    }
    if (!(initialGap > 0) || Double.isInfinite(initialGap)) {
      throw SamplingErrors.invalidSetting("initialGap", initialGap, "a finite number > 0");
    }
  }

  /**
   * The paper's simulation setup (A = 0, B = 100) with {@code totalBuckets} split evenly over
   * {@code hashCount} hashes, so settings with different m use the same memory.
   */
  public static GapEstimatorSettings atEqualMemory(
      int totalBuckets, int hashCount, double learningRate, long hashSeed) {
    if (hashCount < 1 || totalBuckets < hashCount) {
      throw SamplingErrors.invalidSetting(
          "hashCount", hashCount, "an integer in [1, totalBuckets = " + totalBuckets + "]");
    }
    return new GapEstimatorSettings(
        totalBuckets / hashCount, hashCount, learningRate, 0, 100, hashSeed);
  }
}
