package io.twotower.sampling;

import java.util.Arrays;

/**
 * The paper's streaming frequency estimate (Yi et al. 2019, Algorithm 2) with m hash functions.
 *
 * <p>For each hash k there are arrays A_k (step at which the bucket was last hit) and B_k (moving
 * average of the gap in steps between hits). At global step t, for every occurrence of item y in
 * the batch and every k, with h = h_k(y):
 *
 * <pre>
 *   B_k[h] &lt;- (1 - alpha) B_k[h] + alpha (t - A_k[h])
 *   A_k[h] &lt;- t
 *   estimate(y) = 1 / max_k B_k[h_k(y)]
 * </pre>
 *
 * Collisions only add hits to a bucket and so only shrink its gaps; the largest gap over k is the
 * least polluted one (count-min reasoning, with min count = max gap).
 *
 * <p><b>What 1/B estimates.</b> If y occurs N times in steps 1..T, its gaps (counting 0 for a
 * repeat within a step) add up to about T, so their mean is T / N, and B, a weighted mean of recent
 * gaps, tends to 1 / lambda where lambda = E[occurrences of y per step] = batchSize * q_y. So 1/B
 * estimates the expected count per batch ({@link ProbabilityKind#EXPECTED_COUNT}); for rare items
 * that is also about the probability of appearing at least once. Two caveats the tests quantify:
 * the bias from the initial B decays as (1 - alpha)^n after n hits, and 1/B is a convex function of
 * B, so its mean exceeds 1/E[B] by about Var(B) / E[B]^2 = alpha / (2 - alpha) * Var(gap) /
 * E[gap]^2, i.e. alpha / (2 - alpha) * (1 - p) relative for a geometric gap.
 *
 * <p><b>Duplicates within a batch.</b> Every occurrence updates, as in the paper: the second
 * occurrence at step t records a gap of 0. That is what makes the gaps average to 1 / lambda with
 * lambda the expected count; collapsing duplicates would instead estimate the probability of
 * appearing at least once. Callers wanting that pass each batch's distinct items.
 *
 * <p>The price: the estimate is read after a step's c - 1 zero gaps, when B sits at the low point
 * of its cycle. For an item occurring c times in every step the per-step map B &lt;- (1 - alpha)^c
 * B + alpha (1 - alpha)^(c - 1) has the fixed point B* = alpha (1 - alpha)^(c - 1) / (1 - (1 -
 * alpha)^c), which tends to the true 1/c only as alpha c -&gt; 0 (c = 10: 1/B* = 12.7 at alpha =
 * 0.05, 33 at alpha = 0.2). So items expected more than about once per batch are overestimated
 * unless alpha is well below 1/c; items rarer than once per batch, the paper's regime, are not
 * affected. Where head items matter, prefer the aggregate estimate ({@link
 * ItemSamplingProbabilities}).
 *
 * <p>Not thread-safe: one trainer thread updates it.
 */
public final class HashedGapEstimator implements StreamingFrequencyEstimator {

  private static final long serialVersionUID = 1L;

  private final GapEstimatorSettings settings;
  private final long[] hashSeeds;
  private final long[][] lastSeenStep;
  private final double[][] gap;
  private long latestStep;

  public HashedGapEstimator(GapEstimatorSettings settings) {
    this.settings = settings;
    int m = settings.hashCount();
    int buckets = settings.bucketsPerHash();
    hashSeeds = new long[m];
    lastSeenStep = new long[m][buckets];
    gap = new double[m][buckets];
    for (int k = 0; k < m; k++) {
      hashSeeds[k] = ItemHashing.seedOf(settings.hashSeed(), k);
      Arrays.fill(lastSeenStep[k], settings.initialLastSeenStep());
      Arrays.fill(gap[k], settings.initialGap());
    }
    latestStep = settings.initialLastSeenStep();
  }

  public GapEstimatorSettings settings() {
    return settings;
  }

  @Override
  public void update(long step, long[] batchItems) {
    if (step < latestStep) {
      throw SamplingErrors.invalidSetting(
          "step", step, "a step >= the latest step seen (" + latestStep + "); steps never go back");
    }
    latestStep = step;
    double alpha = settings.learningRate();
    for (long item : batchItems) {
      for (int k = 0; k < hashSeeds.length; k++) {
        int h = bucket(k, item);
        gap[k][h] = (1 - alpha) * gap[k][h] + alpha * (step - lastSeenStep[k][h]);
        lastSeenStep[k][h] = step;
      }
    }
  }

  @Override
  public double estimate(long item) {
    double largestGap = 0;
    for (int k = 0; k < hashSeeds.length; k++) {
      largestGap = Math.max(largestGap, gap[k][bucket(k, item)]);
    }
    return 1 / largestGap;
  }

  /** The bucket of {@code item} under hash {@code k}; exposed for collision checks in tests. */
  int bucket(int k, long item) {
    return ItemHashing.bucket(item, hashSeeds[k], settings.bucketsPerHash());
  }
}
