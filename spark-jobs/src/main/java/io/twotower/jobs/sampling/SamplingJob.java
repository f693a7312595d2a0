package io.twotower.jobs.sampling;

import static io.twotower.jobs.tables.Table.Columns.COUNT;
import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ESTIMATOR;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.KIND;
import static io.twotower.jobs.tables.Table.Columns.P;
import static io.twotower.jobs.tables.Table.Columns.WINDOW_END;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.SamplingConfig;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.features.TrainingWindow;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.StageCommits;
import io.twotower.jobs.tables.Table;
import io.twotower.sampling.AggregateSettings;
import io.twotower.sampling.GapEstimatorSettings;
import io.twotower.sampling.ItemSamplingProbabilities;
import io.twotower.sampling.ProbabilityKind;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sampling}: the probability p_j that item j appears in a training batch, for the logQ
 * correction. Items are keyed by their model index, so items sharing an out-of-vocabulary bucket
 * share (pool) their probability, exactly as they share an embedding. Two estimators
 * (sampling.estimator), one output layout, so either feeds training:
 *
 * <ul>
 *   <li>aggregate: writes the chosen days' item counts to item_daily_counts (one dt partition per
 *       day; a rerun replaces its days), then combines the sampling.window-days days ending on
 *       --date/--to (default: the last training day) with decay, from that table.
 *   <li>streaming: the paper's Algorithm 2 over the examples in batch order, resumed from the state
 *       saved after the latest day before the chosen days and fed every day after it up to the last
 *       chosen day (see {@link StreamingSampling} and {@link StreamingState}); sequential on the
 *       driver.
 * </ul>
 *
 * Both count the rows of the {@link TrainingWindow}, the rows {@code train} fits on. Items of
 * item_features without an estimate get the floor.
 */
public final class SamplingJob {

  private static final Logger LOG = LoggerFactory.getLogger(SamplingJob.class);

  private SamplingJob() {}

  /** The tables sampling publishes together (item_daily_counts: the aggregate estimator's). */
  public static final List<Table> OUTPUTS =
      List.of(Table.ITEM_DAILY_COUNTS, Table.ITEM_SAMPLING_PROBABILITY);

  public static void run(DeltaStore store, JobConfig config, DateRange dates) {
    SamplingConfig sampling = config.sampling();
    // Features' tables as its last finished run left them.
    store = store.atPublished(FeaturesJob.OUTPUTS);
    AggregateSettings settings =
        new AggregateSettings(
            config.train().batchSize(),
            sampling.halfLifeDays(),
            sampling.floor(),
            ProbabilityKind.valueOf(sampling.kind().name()));
    LocalDate windowEnd;
    Dataset<Row> estimate;
    String estimator;
    if (sampling.estimator() == SamplingConfig.Estimator.STREAMING) {
      StreamingState state = runStreaming(store, dates, sampling, settings.batchSize());
      windowEnd = state.lastDay;
      estimate = StreamingSampling.estimates(store.spark(), state, settings);
      estimator = "streaming";
    } else {
      Dataset<Row> training = TrainingWindow.read(store, dates);
      windowEnd = dates.to() != null ? dates.to() : lastDay(training);
      DailyItemCounts.write(store, training, dates);
      estimate = DailyItemCounts.estimate(store, windowEnd, sampling.windowDays(), settings);
      estimator = "aggregate";
    }
    Dataset<Row> everyItem =
        ItemSamplingProbabilities.withFloorForMissing(
            estimate, store.read(Table.ITEM_FEATURES).select(ITEM_IDX), ITEM_IDX, settings);
    store.overwrite(
        Table.ITEM_SAMPLING_PROBABILITY,
        everyItem
            .withColumnRenamed(ItemSamplingProbabilities.ITEM, ITEM_IDX)
            .withColumn(WINDOW_END, lit(Date.valueOf(windowEnd)))
            .withColumn(ESTIMATOR, lit(estimator))
            .withColumn(KIND, lit(sampling.kind().name().toLowerCase().replace('_', '-'))));
    StageCommits.publish(store, "sampling", dates, OUTPUTS);
    report(store, estimator, windowEnd);
  }

  /** The estimator settings the config describes (A starts at step 0). */
  static GapEstimatorSettings gapSettings(SamplingConfig.Streaming streaming) {
    return new GapEstimatorSettings(
        streaming.bucketsPerHash(),
        streaming.hashCount(),
        streaming.learningRate(),
        0,
        streaming.initialGap(),
        streaming.hashSeed());
  }

  /**
   * Resumes from the state saved after the latest day before the range (fresh without one) and
   * feeds every training day after that state up to the range's end, so a run whose earlier days
   * were never fed (a first run, a missed schedule) catches up instead of skipping them. The state
   * is saved once, after the last day fed.
   */
  private static StreamingState runStreaming(
      DeltaStore store, DateRange dates, SamplingConfig sampling, int batchSize) {
    GapEstimatorSettings settings = gapSettings(sampling.streaming());
    DataLocation dataDir = store.dataDir();
    HadoopFiles files = store.files();
    Optional<DataLocation> resumeFrom = StreamingState.latestBefore(files, dataDir, dates.from());
    StreamingState state =
        resumeFrom
            .map(file -> StreamingState.load(files, file, settings))
            .orElseGet(() -> StreamingState.fresh(settings));
    DateRange fed =
        new DateRange(state.lastDay == null ? null : state.lastDay.plusDays(1), dates.to());
    long firstStep = state.lastStep + 1;
    LOG.info(
        "streaming estimator: {}; streaming the training rows of {} to the driver in batch order"
            + " (toLocalIterator; the update is sequential, so this runs on one core)",
        resumeFrom
            .map(f -> "resuming the state after " + state.lastDay + " (" + f + ")")
            .orElse("starting a fresh estimate"),
        fed);
    long start = System.nanoTime();
    long rows =
        StreamingSampling.feed(
            StreamingSampling.inBatchOrder(TrainingWindow.read(store, fed)).toLocalIterator(),
            state,
            batchSize);
    if (rows == 0) {
      throw JobErrors.noTrainingExamplesToSample(fed);
    }
    DataLocation saved = state.save(files, dataDir);
    LOG.info(
        String.format(
            "streaming estimator: fed %,d rows as steps %,d..%,d (batch %d) in %.1f s;"
                + " state after %s saved to %s",
            rows,
            firstStep,
            state.lastStep,
            batchSize,
            (System.nanoTime() - start) / 1e9,
            state.lastDay,
            saved));
    return state;
  }

  private static LocalDate lastDay(Dataset<Row> training) {
    Row last = training.agg(max(DT)).first();
    if (last.isNullAt(0)) {
      throw JobErrors.noTrainingExamplesToSample("the chosen days");
    }
    return last.getDate(0).toLocalDate();
  }

  private static void report(DeltaStore store, String estimator, LocalDate windowEnd) {
    Row summary =
        store
            .read(Table.ITEM_SAMPLING_PROBABILITY)
            .agg(
                org.apache.spark.sql.functions.count(lit(1)),
                org.apache.spark.sql.functions.sum(COUNT),
                org.apache.spark.sql.functions.min(P),
                max(P))
            .first();
    LOG.info(
        String.format(
            "%s estimator: p_j for %,d item indices from %,d training events (window ending %s);"
                + " p in [%.3g, %.3g]",
            estimator,
            summary.getLong(0),
            summary.getLong(1),
            windowEnd,
            summary.getDouble(2),
            summary.getDouble(3)));
  }
}
