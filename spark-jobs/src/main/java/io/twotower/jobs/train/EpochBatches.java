package io.twotower.jobs.train;

import io.twotower.towers.TowerBatcher;
import io.twotower.towers.TowerConfig;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Each epoch's batches, cut from the training examples shuffled anew for that epoch (see {@link
 * TrainJob#shuffled}). They are not persisted: {@link io.twotower.towers.SparkTrainer} reads each
 * epoch's once and keeps the batches as objects for that epoch.
 */
final class EpochBatches implements IntFunction<JavaRDD<MultiDataSet>> {

  private final Dataset<Row> examples;
  private final int partitions;
  private final long seed;
  private final TowerInputs inputs;
  private final TowerConfig towerConfig;
  private final int batchSize;
  private final MixedNegativeDraws negatives;

  EpochBatches(
      Dataset<Row> examples,
      int partitions,
      long seed,
      TowerInputs inputs,
      TowerConfig towerConfig,
      int batchSize,
      MixedNegativeDraws negatives) {
    this.examples = examples;
    this.partitions = partitions;
    this.seed = seed;
    this.inputs = inputs;
    this.towerConfig = towerConfig;
    this.batchSize = batchSize;
    this.negatives = negatives;
  }

  /** The partitions each epoch's examples are shuffled into and batched in. */
  int partitions() {
    return partitions;
  }

  /** B', the uniformly drawn items that join every batch as extra negatives. */
  int mixedNegatives() {
    return negatives.count();
  }

  /** Rows of every full batch, B examples + B' mixed negatives: DL4J re-cuts the RDD to this. */
  int rowsPerBatch() {
    return batchSize + negatives.count();
  }

  /** The batches of {@code epoch} (0-based). */
  @Override
  public JavaRDD<MultiDataSet> apply(int epoch) {
    // Locals, so that the partition function captures them and not this (not serializable).
    TowerInputs inputs = this.inputs;
    TowerConfig towerConfig = this.towerConfig;
    int batchSize = this.batchSize;
    MixedNegativeDraws negatives = this.negatives;
    return TrainJob.shuffled(examples, partitions, seed, epoch)
        .toJavaRDD()
        .mapPartitionsWithIndex(
            (partition, rows) ->
                new TowerBatches(
                    rows,
                    inputs,
                    new TowerBatcher(towerConfig),
                    batchSize,
                    batch -> negatives.forBatch(epoch, partition, batch)),
            false);
  }
}
