package io.twotower.sampling;

import java.util.OptionalLong;

/**
 * How the simulation summarises an error series around the distribution flip.
 *
 * <ul>
 *   <li>Plateau: the mean error over the {@code plateauSteps} steps just before the flip.
 *   <li>Recovery: per-step errors are noisy (a batch holds 128 draws), so the criterion reads the
 *       forward mean m(u) of the errors at steps [u, u + smoothingSteps). The estimator has
 *       recovered at the first step s >= flip such that m(u) <= (1 + tolerance) * plateau for every
 *       u in [s, s + holdSteps); steps to recover = s - flip. Forward windows start at or after the
 *       flip, so pre-flip errors never count toward recovery.
 * </ul>
 *
 * @param plateauSteps steps before the flip averaged into the plateau, >= 1
 * @param smoothingSteps length of the forward mean, >= 1
 * @param tolerance allowed excess over the plateau, relative, >= 0
 * @param holdSteps how long the smoothed error must stay within the tolerance, >= 1
 */
public record RecoveryCriterion(
    int plateauSteps, int smoothingSteps, double tolerance, int holdSteps) {

  /** 1,000-step plateau; back within 10% for 200 steps, smoothed over 100 steps. */
  public static final RecoveryCriterion DEFAULT = new RecoveryCriterion(1000, 100, 0.10, 200);

  public RecoveryCriterion {
    if (plateauSteps < 1) {
      throw SamplingErrors.invalidSetting("plateauSteps", plateauSteps, "an integer >= 1");
    }
    if (smoothingSteps < 1) {
      throw SamplingErrors.invalidSetting("smoothingSteps", smoothingSteps, "an integer >= 1");
    }
    if (!(tolerance >= 0)) {
      throw SamplingErrors.invalidSetting("tolerance", tolerance, "a number >= 0");
    }
    if (holdSteps < 1) {
      throw SamplingErrors.invalidSetting("holdSteps", holdSteps, "an integer >= 1");
    }
  }

  /** Mean of errorByStep over steps [flip - plateauSteps, flip - 1]; index i holds step i + 1. */
  double plateau(double[] errorByStep, long flipStep) {
    double sum = 0;
    for (long step = flipStep - plateauSteps; step < flipStep; step++) {
      sum += errorByStep[(int) (step - 1)];
    }
    return sum / plateauSteps;
  }

  /** Steps from the flip to recovery as defined above; empty if the run ends first. */
  OptionalLong stepsToRecover(double[] errorByStep, long flipStep, double plateau) {
    double[] prefix = new double[errorByStep.length + 1];
    for (int i = 0; i < errorByStep.length; i++) {
      prefix[i + 1] = prefix[i] + errorByStep[i];
    }
    double limit = (1 + tolerance) * plateau;
    long lastStart = errorByStep.length - smoothingSteps + 1;
    int runLength = 0;
    for (long u = flipStep; u <= lastStart; u++) {
      double forwardMean =
          (prefix[(int) (u - 1 + smoothingSteps)] - prefix[(int) (u - 1)]) / smoothingSteps;
      runLength = forwardMean <= limit ? runLength + 1 : 0;
      if (runLength == holdSteps) {
        return OptionalLong.of(u - holdSteps + 1 - flipStep);
      }
    }
    return OptionalLong.empty();
  }
}
