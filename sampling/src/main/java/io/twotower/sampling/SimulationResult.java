package io.twotower.sampling;

import java.util.OptionalLong;

/**
 * Outcome of one {@link SamplingSimulation} run.
 *
 * @param errorByStep error of step t at index t - 1 (not copied: treat as read-only)
 * @param flipStep the step the distribution flipped
 * @param plateauError mean error over the plateau before the flip ({@link RecoveryCriterion})
 * @param stepsToRecover steps from the flip until the error is back near the plateau; empty if the
 *     run ended first
 */
public record SimulationResult(
    double[] errorByStep, long flipStep, double plateauError, OptionalLong stepsToRecover) {

  /** The error at step {@code step} (1-based). */
  public double errorAt(long step) {
    return errorByStep[(int) (step - 1)];
  }

  /** Mean error over steps [from, to], for summaries of other stretches of the run. */
  public double meanError(long from, long to) {
    double sum = 0;
    for (long step = from; step <= to; step++) {
      sum += errorAt(step);
    }
    return sum / (to - from + 1);
  }
}
