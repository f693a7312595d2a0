package io.twotower.jobs.sampling;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobException;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.SamplingConfig;
import io.twotower.jobs.features.HeldOutSplit;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.sampling.AggregateSettings;
import io.twotower.sampling.ItemSamplingProbabilities;
import io.twotower.sampling.ProbabilityKind;
import java.sql.Date;
import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code sampling}: the probability p_j that item j appears in a training batch, for the logQ
 * correction, estimated over the training window that ends on --date (default: the last training
 * day). Items are keyed by their model index, so items sharing an out-of-vocabulary bucket share
 * (pool) their probability, exactly as they share an embedding.
 */
public final class SamplingJob {

  private SamplingJob() {}

  public static void run(DeltaStore store, JobConfig config, DateRange dates) {
    SamplingConfig sampling = config.sampling();
    if (sampling.estimator() != SamplingConfig.Estimator.AGGREGATE) {
      throw JobException.badConfig(
          "two-tower.sampling.estimator", "streaming", "aggregate (streaming is not wired yet)");
    }
    Dataset<Row> training =
        store.read(Table.TRAINING_EXAMPLES).where(col("split").equalTo(HeldOutSplit.TRAIN));
    if (dates.to() != null) {
      training = training.where(col("dt").leq(lit(Date.valueOf(dates.to()))));
    }
    if (dates.from() != null) {
      training = training.where(col("dt").geq(lit(Date.valueOf(dates.from()))));
    }
    LocalDate windowEnd = dates.to() != null ? dates.to() : lastDay(training);
    AggregateSettings settings =
        new AggregateSettings(
            config.train().batchSize(),
            sampling.halfLifeDays(),
            sampling.floor(),
            ProbabilityKind.valueOf(sampling.kind().name()));

    Dataset<Row> estimate =
        ItemSamplingProbabilities.estimate(training, "item_idx", "dt", windowEnd, settings);
    Dataset<Row> everyItem =
        ItemSamplingProbabilities.withFloorForMissing(
            estimate, store.read(Table.ITEM_FEATURES).select("item_idx"), "item_idx", settings);
    store.overwrite(
        Table.ITEM_SAMPLING_PROBABILITY,
        everyItem
            .withColumnRenamed(ItemSamplingProbabilities.ITEM, "item_idx")
            .withColumn("window_end", lit(Date.valueOf(windowEnd)))
            .withColumn("estimator", lit("aggregate"))
            .withColumn("kind", lit(sampling.kind().name().toLowerCase().replace('_', '-'))));
    report(store, windowEnd);
  }

  private static LocalDate lastDay(Dataset<Row> training) {
    Row last = training.agg(max("dt")).first();
    if (last.isNullAt(0)) {
      throw JobException.of(
          "No training examples to estimate sampling probabilities from",
          "training_examples has no 'train' rows in the chosen days",
          "run `two-tower features` first, or widen --from/--to");
    }
    return last.getDate(0).toLocalDate();
  }

  private static void report(DeltaStore store, LocalDate windowEnd) {
    Row summary =
        store
            .read(Table.ITEM_SAMPLING_PROBABILITY)
            .agg(
                org.apache.spark.sql.functions.count(lit(1)),
                org.apache.spark.sql.functions.sum("count"),
                org.apache.spark.sql.functions.min("p"),
                max("p"))
            .first();
    System.out.printf(
        "sampling: p_j for %,d item indices from %,d training events (window ending %s); p in [%.3g, %.3g]%n",
        summary.getLong(0),
        summary.getLong(1),
        windowEnd,
        summary.getDouble(2),
        summary.getDouble(3));
  }
}
