package io.twotower.jobs.config;

import java.util.List;

/**
 * Model shape, loss and the parameter-averaging schedule.
 *
 * @param correction which logits log p_j is subtracted from (see {@code LogQCorrection})
 * @param mixedNegatives B', uniformly sampled corpus items appended to every batch as extra
 *     negatives (0 = in-batch negatives only)
 * @param seedItem whether the query tower also takes the seed item (the history's most recent item)
 */
public record TrainConfig(
    int batchSize,
    int epochs,
    int workers,
    int averagingFrequency,
    int splitsPerEpoch,
    int itemEmbeddingDim,
    int fieldEmbeddingDim,
    List<Integer> queryHidden,
    List<Integer> itemHidden,
    int outputDim,
    double temperature,
    Correction correction,
    boolean maskAccidentalHits,
    int mixedNegatives,
    Optimizer optimizer,
    double learningRate,
    long seed,
    boolean seedItem) {

  /** Mirrors {@code io.twotower.towers.LogQCorrection}, constant for constant. */
  public enum Correction {
    PAPER,
    NEGATIVES_ONLY,
    NONE
  }

  public enum Optimizer {
    ADAM,
    ADAGRAD
  }

  static TrainConfig from(Settings s) {
    return new TrainConfig(
        s.positiveInt("batch-size"),
        s.positiveInt("epochs"),
        s.positiveInt("workers"),
        s.positiveInt("averaging-frequency"),
        s.positiveInt("splits-per-epoch"),
        s.positiveInt("item-embedding-dim"),
        s.positiveInt("field-embedding-dim"),
        s.positiveInts("query-hidden"),
        s.positiveInts("item-hidden"),
        s.positiveInt("output-dim"),
        s.positiveDouble("temperature"),
        s.oneOf("correction", Correction.class),
        s.bool("mask-accidental-hits"),
        s.nonNegativeInt("mixed-negatives"),
        s.oneOf("optimizer", Optimizer.class),
        s.positiveDouble("learning-rate"),
        s.longValue("seed"),
        s.bool("seed-item"));
  }
}
