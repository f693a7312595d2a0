package io.twotower.jobs.train;

import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import io.twotower.towers.TowerBatcher;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TowerExample;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Each epoch's batches, without a Spark shuffle per epoch. The examples are placed once ({@link
 * #placed}): spread over the partitions by a hash of (seed, user, time, item), sorted by it within
 * each and kept. Each epoch then encodes every partition's examples, shuffles them anew ({@link
 * #inEpochOrder}) and cuts batches from them; {@link io.twotower.towers.SparkTrainer} reads each
 * epoch's batches once and keeps them for that epoch.
 *
 * <p>Why: in-batch negatives come from one batch only, so batches must mix users and days, and a
 * new order each epoch pairs every positive with new negatives. Shuffling all examples across
 * partitions every epoch did that too, but cost a Spark shuffle and sort per epoch (about a fifth
 * of an epoch on ml-latest-small). A partition, and so a worker, now keeps its examples across
 * epochs, as in data-parallel training on shards; which examples share a partition is itself
 * random, and parameter averaging joins what the workers learn.
 */
final class EpochBatches implements IntFunction<JavaRDD<MultiDataSet>> {

  private final Dataset<Row> placed;
  private final long examples;
  private final int partitions;
  private final long seed;
  private final Batching batching;

  /** How a partition's examples become batches; shipped to the tasks. */
  private record Batching(
      TowerInputs inputs, TowerConfig towerConfig, int batchSize, MixedNegativeDraws negatives)
      implements Serializable {}

  private EpochBatches(
      Dataset<Row> placed, long examples, int partitions, long seed, Batching batching) {
    this.placed = placed;
    this.examples = examples;
    this.partitions = partitions;
    this.seed = seed;
    this.batching = batching;
  }

  /**
   * Places {@code examples} in {@code partitions} partitions, keeps them (only the columns the
   * towers read) on local disk and counts them, in one Spark job, until {@link #release()}.
   *
   * <p>Disk only: each epoch reads them back from the page cache. Kept in memory and disk, a
   * partition evicted to disk came back as one heap buffer of the whole block, and a million
   * examples in the workers' 2 partitions ran the launcher's 4 GB heap out of memory.
   */
  static EpochBatches of(
      Dataset<Row> examples,
      int partitions,
      long seed,
      TowerInputs inputs,
      TowerConfig towerConfig,
      int batchSize,
      MixedNegativeDraws negatives) {
    Dataset<Row> placed =
        placed(examples, partitions, seed)
            .select(inputs.columns())
            .persist(StorageLevel.DISK_ONLY());
    return new EpochBatches(
        placed,
        placed.count(),
        partitions,
        seed,
        new Batching(inputs, towerConfig, batchSize, negatives));
  }

  /**
   * The examples spread over {@code partitions} partitions by a hash of (seed, user, time, item)
   * and sorted by it within them: unlike sorting by rand(seed), neither depends on how the input
   * files were split into tasks, so every run with the same seed places them alike.
   */
  static Dataset<Row> placed(Dataset<Row> examples, int partitions, long seed) {
    Column key = xxhash64(lit(seed), col(USER_ID), col(TS), col(ITEM_IDX));
    return examples.repartition(partitions, key).sortWithinPartitions(key);
  }

  /**
   * Each partition of {@code placed} in an order of its own for {@code epoch}, fixed by (seed,
   * epoch, partition): the same in every run, new every epoch.
   */
  static <T> JavaRDD<T> inEpochOrder(JavaRDD<T> placed, long seed, int epoch) {
    return placed.mapPartitionsWithIndex(
        (partition, rows) -> shuffled(rows, shuffleSeed(seed, epoch, partition)), false);
  }

  /** The rows in a Fisher-Yates order drawn from {@code seed}. */
  private static <T> Iterator<T> shuffled(Iterator<T> rows, long seed) {
    List<T> list = new ArrayList<>();
    rows.forEachRemaining(list::add);
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      list.set(j, list.set(i, list.get(j)));
    }
    return list.iterator();
  }

  /**
   * A partition's shuffle seed for an epoch: the mixed-negative seed of a batch index that no batch
   * has (-1), so the two never share a random stream.
   */
  private static long shuffleSeed(long seed, int epoch, int partition) {
    return MixedNegativeDraws.batchSeed(seed, epoch, partition, -1);
  }

  /** The training examples placed. */
  long examples() {
    return examples;
  }

  /** The partitions the examples are placed and batched in. */
  int partitions() {
    return partitions;
  }

  /** B', the uniformly drawn items that join every batch as extra negatives. */
  int mixedNegatives() {
    return batching.negatives().count();
  }

  /** Rows of every full batch, B examples + B' mixed negatives: DL4J re-cuts the RDD to this. */
  int rowsPerBatch() {
    return batching.batchSize() + batching.negatives().count();
  }

  /** The batches of {@code epoch} (0-based). */
  @Override
  public JavaRDD<MultiDataSet> apply(int epoch) {
    // A local, so that the partition function captures it and not this (not serializable).
    Batching batching = this.batching;
    JavaRDD<TowerExample> encoded = placed.toJavaRDD().map(batching.inputs()::example);
    return inEpochOrder(encoded, seed, epoch)
        .mapPartitionsWithIndex(
            (partition, examples) ->
                new TowerBatches(
                    examples,
                    new TowerBatcher(batching.towerConfig()),
                    batching.batchSize(),
                    batch -> batching.negatives().forBatch(epoch, partition, batch)),
            false);
  }

  /** Drops the kept examples. */
  void release() {
    placed.unpersist(false);
  }
}
