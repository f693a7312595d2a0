package io.twotower.sampling;

/**
 * The simulated stream of the paper's estimator experiment, validated on construction.
 *
 * @param itemCount M, items 0 .. M-1
 * @param batchSize draws per step (with replacement)
 * @param flipStep first step drawn from the flipped distribution
 * @param totalSteps steps 1 .. totalSteps are simulated
 * @param seed seed of the draws; the same seed gives the same batches for any estimator
 * @param recovery how plateau and recovery are read off the error series
 */
public record SimulationSettings(
    int itemCount,
    int batchSize,
    long flipStep,
    long totalSteps,
    long seed,
    RecoveryCriterion recovery) {

  public SimulationSettings {
    if (itemCount < 2) {
      throw SamplingErrors.invalidSetting("itemCount", itemCount, "an integer >= 2");
    }
    if (batchSize < 1) {
      throw SamplingErrors.invalidSetting("batchSize", batchSize, "an integer >= 1");
    }
    if (recovery == null) {
      throw SamplingErrors.invalidSetting("recovery", null, "a RecoveryCriterion");
    }
    if (flipStep <= recovery.plateauSteps()) {
      throw SamplingErrors.invalidSetting(
          "flipStep", flipStep, "a step > plateauSteps (" + recovery.plateauSteps() + ")");
    }
    long minimumTotal = flipStep + recovery.smoothingSteps() + recovery.holdSteps();
    if (totalSteps < minimumTotal || totalSteps > Integer.MAX_VALUE) {
      throw SamplingErrors.invalidSetting(
          "totalSteps", totalSteps, "a step count in [" + minimumTotal + ", 2^31 - 1]");
    }
  }

  /** The paper's setup: M = 1000, batches of 128, flip at step 10,000, 20,000 steps. */
  public static SimulationSettings paper(long seed) {
    return new SimulationSettings(1000, 128, 10_000, 20_000, seed, RecoveryCriterion.DEFAULT);
  }
}
