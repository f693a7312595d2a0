package io.twotower.towers;

import java.util.Objects;

/**
 * How {@link SparkTrainer} runs parameter averaging.
 *
 * @param workers number of workers training in parallel (e.g. executors x cores)
 * @param batchSizePerWorker rows of each RDD element and of each worker minibatch: the in-batch
 *     softmax sees negatives from these rows only (B + B' with B' mixed negatives per batch)
 * @param averagingFrequency minibatches each worker fits between two averagings
 * @param epochs passes over the data
 * @param splits fit calls per epoch, each followed by a progress report (a split is a run of
 *     consecutive averaging rounds; nothing in it is random: the batches' order decides)
 * @param learningRateScaling how each worker's learning rate grows with the number of workers
 */
public record SparkTrainingSettings(
    int workers,
    int batchSizePerWorker,
    int averagingFrequency,
    int epochs,
    int splits,
    LearningRateScaling learningRateScaling) {

  public SparkTrainingSettings {
    atLeastOne("workers", workers);
    atLeastOne("batchSizePerWorker", batchSizePerWorker);
    atLeastOne("averagingFrequency", averagingFrequency);
    atLeastOne("epochs", epochs);
    atLeastOne("splits", splits);
    Objects.requireNonNull(learningRateScaling, "learningRateScaling");
  }

  /** What each worker's optimizer multiplies the model's learning rate by. */
  public double learningRateFactor() {
    return learningRateScaling.factor(workers);
  }

  /**
   * The learning rate of each of W parameter-averaging workers, as a multiple of the model's. W
   * workers each fit 1/W of an epoch's batches, and averaging their parameters averages their
   * steps: an epoch moves the parameters by about as many steps as one worker took, 1/W of what one
   * learner fitting every batch in turn would take. Scaling each worker's rate by W (Goyal et al.,
   * 2017, for synchronous SGD) makes up for it; the square root is the milder rule.
   */
  public enum LearningRateScaling {
    /** Every worker at the model's learning rate. */
    NONE,
    /** Times the square root of the number of workers. */
    SQRT,
    /** Times the number of workers. */
    LINEAR;

    public double factor(int workers) {
      return switch (this) {
        case NONE -> 1.0;
        case SQRT -> Math.sqrt(workers);
        case LINEAR -> workers;
      };
    }
  }

  private static void atLeastOne(String field, int value) {
    if (value < 1) {
      throw TowerErrors.invalidSetting(field, value, ">= 1");
    }
  }
}
