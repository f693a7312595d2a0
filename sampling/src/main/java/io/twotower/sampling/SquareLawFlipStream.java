package io.twotower.sampling;

import java.util.SplittableRandom;

/**
 * The paper's simulated item stream: before {@code flipStep} item i is drawn with q_i proportional
 * to i^2, from {@code flipStep} on with q_i proportional to (M - 1 - i)^2, so head and tail swap.
 */
final class SquareLawFlipStream {

  private final int batchSize;
  private final long flipStep;
  private final double[] cumulativeBefore;
  private final double[] cumulativeAfter;

  SquareLawFlipStream(int itemCount, int batchSize, long flipStep) {
    this.batchSize = batchSize;
    this.flipStep = flipStep;
    cumulativeBefore = new double[itemCount];
    cumulativeAfter = new double[itemCount];
    double before = 0;
    double after = 0;
    for (int i = 0; i < itemCount; i++) {
      before += (double) i * i;
      after += (double) (itemCount - 1 - i) * (itemCount - 1 - i);
      cumulativeBefore[i] = before;
      cumulativeAfter[i] = after;
    }
  }

  /** The batch of {@code step}: batchSize independent draws. */
  long[] draw(long step, SplittableRandom random) {
    double[] cumulative = cumulativeAt(step);
    double total = cumulative[cumulative.length - 1];
    long[] batch = new long[batchSize];
    for (int b = 0; b < batchSize; b++) {
      batch[b] = firstAbove(cumulative, random.nextDouble() * total);
    }
    return batch;
  }

  /** True p of {@code item} at {@code step}: expected occurrences per batch, batchSize * q_i. */
  double expectedCount(long item, long step) {
    double[] cumulative = cumulativeAt(step);
    int i = (int) item;
    double weight = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
    return batchSize * weight / cumulative[cumulative.length - 1];
  }

  private double[] cumulativeAt(long step) {
    return step < flipStep ? cumulativeBefore : cumulativeAfter;
  }

  /** The first index whose cumulative weight exceeds u, so zero-weight items are never drawn. */
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
