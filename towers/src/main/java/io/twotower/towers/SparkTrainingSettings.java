package io.twotower.towers;

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
 */
public record SparkTrainingSettings(
    int workers, int batchSizePerWorker, int averagingFrequency, int epochs, int splits) {

  public SparkTrainingSettings {
    atLeastOne("workers", workers);
    atLeastOne("batchSizePerWorker", batchSizePerWorker);
    atLeastOne("averagingFrequency", averagingFrequency);
    atLeastOne("epochs", epochs);
    atLeastOne("splits", splits);
  }

  private static void atLeastOne(String field, int value) {
    if (value < 1) {
      throw TowerErrors.invalidSetting(field, value, ">= 1");
    }
  }
}
