package io.twotower.sampling;

import java.util.SplittableRandom;

/**
 * The paper's simulation of the streaming estimator (Yi et al. 2019, Sec. 6.1, Figs. 4 and 5),
 * without plotting: it returns the error series and its summary numbers.
 *
 * <p>At each step t = 1 .. totalSteps a batch of {@code batchSize} items is drawn from {@link
 * SquareLawFlipStream} (q_i proportional to i^2, flipped to (M - 1 - i)^2 at flipStep), the
 * estimator is updated with it, and then, as in Algorithm 2 where the estimate used for a batch
 * already includes that batch, every occurrence in the batch is scored:
 *
 * <pre>
 *   error(t) = 1 / (2 * batchSize) * sum over occurrences i in the batch of |p_hat_i - p_i|
 * </pre>
 *
 * <p><b>Which p.</b> 1/B estimates the expected number of occurrences per step (see {@link
 * HashedGapEstimator}): B averages the gaps between occurrences, and over T steps with N
 * occurrences the gaps add up to T, so 1/B tends to N / T = batchSize * q_i. The true p_i is
 * therefore batchSize * q_i at step t (not q_i, which would make every estimate batchSize times too
 * large, and not 1 - (1 - q_i)^batchSize, which the estimator does not target; here q_i <= 0.003,
 * so p_i <= 0.39 and the two differ by at most 20% for the head item).
 */
public final class SamplingSimulation {

  private SamplingSimulation() {}

  /** Runs the paper's estimator, {@link HashedGapEstimator} with {@code estimator} settings. */
  public static SimulationResult run(SimulationSettings settings, GapEstimatorSettings estimator) {
    return run(settings, new HashedGapEstimator(estimator));
  }

  /**
   * Runs any estimator on the stream of {@code settings}; the same seed gives every estimator the
   * same batches, so e.g. {@link WindowedCountEstimator} can be compared with the hashed one.
   */
  public static SimulationResult run(
      SimulationSettings settings, StreamingFrequencyEstimator estimator) {
    var stream =
        new SquareLawFlipStream(settings.itemCount(), settings.batchSize(), settings.flipStep());
    var random = new SplittableRandom(settings.seed());
    double[] errorByStep = new double[(int) settings.totalSteps()];
    for (long step = 1; step <= settings.totalSteps(); step++) {
      long[] batch = stream.draw(step, random);
      estimator.update(step, batch);
      double absoluteErrors = 0;
      for (long item : batch) {
        absoluteErrors += Math.abs(estimator.estimate(item) - stream.expectedCount(item, step));
      }
      errorByStep[(int) (step - 1)] = absoluteErrors / (2.0 * settings.batchSize());
    }
    RecoveryCriterion recovery = settings.recovery();
    double plateau = recovery.plateau(errorByStep, settings.flipStep());
    return new SimulationResult(
        errorByStep,
        settings.flipStep(),
        plateau,
        recovery.stepsToRecover(errorByStep, settings.flipStep(), plateau));
  }
}
