package io.twotower.towers;

/**
 * Told after each split of training: a batch for {@link LocalTrainer}, a {@code fitMultiDataSet}
 * call for {@link SparkTrainer}.
 */
@FunctionalInterface
public interface TrainingProgress {
  /**
   * @param epoch 0-based epoch
   * @param split 0-based split within the epoch
   * @param splits splits per epoch
   * @param examples examples trained on in this split (rows with a reward > 0: mixed negatives are
   *     not counted)
   * @param examplesPerSecond throughput of this split, wall clock
   * @param loss mean loss per row as last reported by DL4J (the last minibatch of the split,
   *     computed before its update); with B' mixed negatives per B examples DL4J divides by B + B'
   *     rows, so the mean per example is this times (B + B')/B
   */
  void onSplit(
      int epoch, int split, int splits, long examples, double examplesPerSecond, double loss);

  /** Ignores every report. */
  static TrainingProgress silent() {
    return (epoch, split, splits, examples, examplesPerSecond, loss) -> {};
  }
}
