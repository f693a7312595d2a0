package io.twotower.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashedGapEstimatorTest {

  @Test
  void followsTheUpdateRuleAndCountsDuplicatesPerOccurrence() {
    // alpha 0.5, A = 0, B = 100; item 7 twice at step 10:
    //   first occurrence:  B = 0.5 * 100 + 0.5 * (10 - 0) = 55,  A = 10
    //   second occurrence: B = 0.5 * 55  + 0.5 * (10 - 10) = 27.5
    // step 14: B = 0.5 * 27.5 + 0.5 * 4 = 15.75; the estimate is 1 / B.
    var estimator = new HashedGapEstimator(new GapEstimatorSettings(1 << 16, 1, 0.5, 0, 100, 1));

    estimator.update(10, new long[] {7, 7});
    assertThat(estimator.estimate(7)).isCloseTo(1 / 27.5, within(1e-15));
    estimator.update(14, new long[] {7});
    assertThat(estimator.estimate(7)).isCloseTo(1 / 15.75, within(1e-15));
  }

  @Test
  void overestimatesItemsSeenManyTimesPerBatch() {
    // An item 10 times in every step: true count 10 per step. Per step B -> 0.95^10 B + 0.05 *
    // 0.95^9, fixed point B* = 0.05 * 0.95^9 / (1 - 0.95^10) = 0.07850, so 1/B* = 12.74: a known
    // 27% overestimate of Algorithm 2 for items seen more than once per batch (see class doc).
    var estimator = new HashedGapEstimator(new GapEstimatorSettings(1 << 16, 1, 0.05, 0, 100, 1));
    long[] tenTimes = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};

    for (long step = 1; step <= 1000; step++) {
      estimator.update(step, tenTimes);
    }

    double fixedPoint = 0.05 * Math.pow(0.95, 9) / (1 - Math.pow(0.95, 10));
    assertThat(estimator.estimate(3))
        .isCloseTo(1 / fixedPoint, within(1e-9))
        .isCloseTo(12.74, within(0.01));
  }

  @Test
  void rejectsStepsThatGoBack() {
    var estimator = new HashedGapEstimator(new GapEstimatorSettings(16, 1, 0.5, 0, 100, 1));
    estimator.update(5, new long[] {1});

    assertThatThrownBy(() -> estimator.update(4, new long[] {1}))
        .hasMessageContaining("step = 4 is invalid")
        .hasMessageContaining("latest step seen (5)");
  }

  @Test
  void takesTheLargestGapOverHashes() {
    // Find a frequent item f sharing item r's bucket under hash 0 but not under hash 1: hash 0
    // then sees the union (gap ~1), hash 1 sees only r (gap 10), and the estimate must use 10.
    var estimator = new HashedGapEstimator(new GapEstimatorSettings(8, 2, 0.2, 0, 10, 3));
    long rare = 0;
    long frequent = 1;
    while (estimator.bucket(0, frequent) != estimator.bucket(0, rare)
        || estimator.bucket(1, frequent) == estimator.bucket(1, rare)) {
      frequent++;
    }

    for (long step = 1; step <= 1000; step++) {
      estimator.update(step, step % 10 == 0 ? new long[] {frequent, rare} : new long[] {frequent});
    }

    assertThat(estimator.estimate(rare)).isCloseTo(0.1, within(1e-9));
    assertThat(estimator.estimate(frequent)).isCloseTo(1.0, within(1e-9));
  }

  /**
   * Each item i occurs in a step independently with probability p_i, so its gap G is geometric:
   * E[G] = 1/p, Var[G] = (1 - p)/p^2, and the true expected count per step is p itself.
   *
   * <p>The moving average B_n = (1 - alpha) B_{n-1} + alpha G_n is unbiased once the start is
   * forgotten ((1 - alpha)^n), with Var[B] = alpha/(2 - alpha) Var[G]. Successive B_n are
   * correlated (lag-1 correlation 1 - alpha), so the mean of N successive B_n has variance Var[B]
   * (1 + rho)/(1 - rho) / N = alpha/(2 - alpha) Var[G] (2 - alpha)/alpha / N = Var[G] / N:
   * averaging the estimator is as good as averaging the raw gaps. Hence, at 5 standard deviations,
   *
   * <pre>
   *   |mean(1 / estimate) - 1/p| <= 5 sqrt((1 - p) / N) / p.
   * </pre>
   *
   * The estimate itself, 1/B, is convex in B: E[1/B] ~ p (1 + Var[B] p^2) = p (1 + alpha/(2 -
   * alpha) (1 - p)), a bias of up to 2.6% at alpha = 0.05 that the test also bounds.
   */
  @Test
  void convergesToTheTrueRateWithoutCollisions() {
    double alpha = 0.05;
    double[] rates = {0.5, 0.2, 0.1, 0.05, 0.02};
    var estimator = new HashedGapEstimator(new GapEstimatorSettings(1 << 20, 1, alpha, 0, 100, 11));
    Set<Integer> buckets = new HashSet<>();
    for (int i = 0; i < rates.length; i++) {
      buckets.add(estimator.bucket(0, i));
    }
    assertThat(buckets).as("no collisions between the test items").hasSize(rates.length);

    var random = new SplittableRandom(5);
    long burnIn = 5_000;
    double[] gapSum = new double[rates.length];
    double[] estimateSum = new double[rates.length];
    long[] occurrences = new long[rates.length];
    for (long step = 1; step <= 400_000; step++) {
      List<Long> batch = new ArrayList<>();
      for (int i = 0; i < rates.length; i++) {
        if (random.nextDouble() < rates[i]) {
          batch.add((long) i);
        }
      }
      estimator.update(step, batch.stream().mapToLong(Long::longValue).toArray());
      if (step > burnIn) {
        for (long item : batch) {
          gapSum[(int) item] += 1 / estimator.estimate(item);
          estimateSum[(int) item] += estimator.estimate(item);
          occurrences[(int) item]++;
        }
      }
    }

    for (int i = 0; i < rates.length; i++) {
      double p = rates[i];
      long n = occurrences[i];
      double gapTolerance = 5 * Math.sqrt((1 - p) / n) / p;
      assertThat(gapSum[i] / n).as("mean gap of p = %s", p).isCloseTo(1 / p, within(gapTolerance));
      double jensenBias = p * alpha / (2 - alpha) * (1 - p);
      double estimateTolerance = 5 * p * Math.sqrt((1 - p) / n) + jensenBias;
      assertThat(estimateSum[i] / n)
          .as("mean estimate of p = %s", p)
          .isCloseTo(p, within(estimateTolerance));
    }
  }

  /**
   * With collisions every bucket sees the union of its items, so estimates err upwards; a larger
   * largest-gap over independent hashes undoes part of that. At equal memory (4096 buckets for 2000
   * Zipf items, 39% of which collide with one hash) m = 4 must be no worse than m = 1.
   */
  @Test
  void moreHashesAreNoWorseAtEqualMemoryUnderCollisions() {
    for (long seed = 1; seed <= 3; seed++) {
      double oneHash =
          meanAbsoluteError(GapEstimatorSettings.atEqualMemory(4096, 1, 0.05, seed), seed);
      double fourHashes =
          meanAbsoluteError(GapEstimatorSettings.atEqualMemory(4096, 4, 0.05, seed), seed);

      assertThat(fourHashes).as("seed %s", seed).isLessThanOrEqualTo(oneHash);
    }
  }

  /** Mean |estimate - batch * q| over occurrences in the last 2000 of 10000 steps of Zipf(1). */
  private static double meanAbsoluteError(GapEstimatorSettings settings, long seed) {
    int items = 2000;
    int batchSize = 8;
    double[] cumulative = new double[items];
    double total = 0;
    for (int i = 0; i < items; i++) {
      total += 1.0 / (i + 1);
      cumulative[i] = total;
    }
    var estimator = new HashedGapEstimator(settings);
    var random = new SplittableRandom(seed);
    double errorSum = 0;
    long scored = 0;
    for (long step = 1; step <= 10_000; step++) {
      long[] batch = new long[batchSize];
      for (int b = 0; b < batchSize; b++) {
        batch[b] = firstAbove(cumulative, random.nextDouble() * total);
      }
      estimator.update(step, batch);
      if (step > 8_000) {
        for (long item : batch) {
          errorSum += Math.abs(estimator.estimate(item) - batchSize / (item + 1.0) / total);
          scored++;
        }
      }
    }
    return errorSum / scored;
  }

  private static int firstAbove(double[] cumulative, double u) {
    int low = 0;
    int high = cumulative.length - 1;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (cumulative[mid] > u) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }
}
