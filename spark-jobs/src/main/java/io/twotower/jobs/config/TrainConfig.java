package io.twotower.jobs.config;

import io.twotower.towers.SparkTrainingSettings.LearningRateScaling;
import io.twotower.towers.TowerConfig;

/**
 * How the train job runs: batches, the parameter-averaging schedule, the epochs' shuffling. The
 * model's hyperparameters live under the same {@code train.*} keys but are the towers': {@link
 * TowerConfig#HYPERPARAMETERS} declares each with its name and rule, and this config only checks
 * them on load (so a bad value fails before Spark starts) and hands them to {@link #towerConfig}.
 *
 * @param learningRateScaling how each parameter-averaging worker's learning rate grows with the
 *     number of workers (the model's own rate, saved with it, is {@code learning-rate})
 * @param checkpointEvery splits between two checkpoints of a run (0 = none)
 * @param fieldEmbeddingDim width of every categorical field's embedding (item and user fields)
 * @param mixedNegatives B', uniformly sampled corpus items appended to every batch as extra
 *     negatives (0 = in-batch negatives only)
 * @param seed seeds the epochs' shuffling and the mixed negatives (and, as a hyperparameter, the
 *     model's initialisation)
 * @param hyperparameters the {@code train} subtree the hyperparameters are read from
 * @param incremental whether a dated run (--date, --from/--to) continues day by day from the model
 *     of the day before (see {@code DailyTraining}) rather than training from scratch on its days
 * @param replayDays R: each day's training also replays the R calendar days before it
 */
public record TrainConfig(
    int batchSize,
    int epochs,
    int workers,
    int averagingFrequency,
    LearningRateScaling learningRateScaling,
    int splitsPerEpoch,
    int checkpointEvery,
    int fieldEmbeddingDim,
    int mixedNegatives,
    long seed,
    Settings hyperparameters,
    boolean incremental,
    int replayDays) {

  /**
   * A builder with every hyperparameter set from {@code train.*}; the fields that come from the
   * data (cardinality, history length, item and user fields) are left to the caller.
   */
  public TowerConfig.Builder towerConfig() {
    return TowerConfig.builder().hyperparameters(hyperparameters);
  }

  static TrainConfig from(Settings s) {
    TowerConfig.HYPERPARAMETERS.forEach(s::requireValid);
    return new TrainConfig(
        s.positiveInt("batch-size"),
        s.positiveInt("epochs"),
        s.positiveInt("workers"),
        s.positiveInt("averaging-frequency"),
        s.enumValue("learning-rate-scaling", LearningRateScaling.class),
        s.positiveInt("splits-per-epoch"),
        s.nonNegativeInt("checkpoint-every"),
        s.positiveInt("field-embedding-dim"),
        s.nonNegativeInt("mixed-negatives"),
        s.longValue("seed"),
        s,
        s.booleanValue("incremental"),
        s.nonNegativeInt("replay-days"));
  }
}
