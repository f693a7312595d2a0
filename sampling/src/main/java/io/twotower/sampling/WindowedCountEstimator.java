package io.twotower.sampling;

import java.util.ArrayDeque;
import java.util.HashMap;

/**
 * The aggregate estimator run on a stream, for comparison with {@link HashedGapEstimator} on the
 * same batches: exact counts over the last {@code windowSteps} steps (or all steps seen, with
 * {@link #ALL_STEPS}), estimate = count / steps covered, the streaming twin of {@link
 * ItemSamplingProbabilities} with p = expected count per batch. Memory grows with the distinct
 * items and the window, which is what the hashed estimator avoids.
 */
public final class WindowedCountEstimator implements StreamingFrequencyEstimator {

  /** Window length meaning "every step seen so far". */
  public static final long ALL_STEPS = Long.MAX_VALUE;

  private static final long serialVersionUID = 1L;

  private record Batch(long step, long[] items) implements java.io.Serializable {}

  private final long windowSteps;
  private final HashMap<Long, Long> counts = new HashMap<>();
  private final ArrayDeque<Batch> batchesInWindow = new ArrayDeque<>();
  private long firstStep = Long.MIN_VALUE;
  private long latestStep = Long.MIN_VALUE;

  public WindowedCountEstimator(long windowSteps) {
    if (windowSteps < 1) {
      throw SamplingErrors.invalidSetting("windowSteps", windowSteps, "an integer >= 1");
    }
    this.windowSteps = windowSteps;
  }

  @Override
  public void update(long step, long[] batchItems) {
    if (latestStep != Long.MIN_VALUE && step < latestStep) {
      throw SamplingErrors.invalidSetting(
          "step", step, "a step >= the latest step seen (" + latestStep + "); steps never go back");
    }
    if (firstStep == Long.MIN_VALUE) {
      firstStep = step;
    }
    latestStep = step;
    for (long item : batchItems) {
      counts.merge(item, 1L, Long::sum);
    }
    if (windowSteps != ALL_STEPS) {
      batchesInWindow.addLast(new Batch(step, batchItems.clone()));
      evictBefore(step - windowSteps + 1);
    }
  }

  /** count(item in window) / steps in window; 0 before the first batch. */
  @Override
  public double estimate(long item) {
    if (latestStep == Long.MIN_VALUE) {
      return 0;
    }
    long stepsSeen = latestStep - firstStep + 1;
    long steps = windowSteps == ALL_STEPS ? stepsSeen : Math.min(windowSteps, stepsSeen);
    return counts.getOrDefault(item, 0L) / (double) steps;
  }

  private void evictBefore(long oldestKeptStep) {
    while (!batchesInWindow.isEmpty() && batchesInWindow.peekFirst().step() < oldestKeptStep) {
      for (long item : batchesInWindow.removeFirst().items()) {
        if (counts.merge(item, -1L, Long::sum) == 0) {
          counts.remove(item);
        }
      }
    }
  }
}
