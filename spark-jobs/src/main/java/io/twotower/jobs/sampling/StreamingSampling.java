package io.twotower.jobs.sampling;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;

import io.twotower.jobs.JobErrors;
import io.twotower.sampling.AggregateSettings;
import io.twotower.sampling.ItemSamplingProbabilities;
import io.twotower.sampling.ProbabilityKind;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The streaming estimate as a batch job: the paper's Algorithm 2 fed the training examples in batch
 * order, then read out per item in the aggregate estimator's layout.
 *
 * <p><b>Batch order.</b> Rows are sorted by (dt, ts, user_id, item_idx), a total order up to
 * identical rows. Each day is cut into consecutive batches of batchSize rows (the day's last batch
 * may be shorter; a batch never spans two days, so a day-by-day run with saved state equals one run
 * over all the days); the global step is the batch index, counted on from the saved state.
 *
 * <p><b>Scale.</b> The update is sequential by nature (each step reads the state the previous one
 * wrote), so the sorted rows are streamed to the driver one partition at a time with {@code
 * toLocalIterator} (never collected) and fed by one thread: throughput is that of one core and the
 * network, not of the cluster. Driver memory is the estimator's arrays plus one count per distinct
 * item. The aggregate estimator is the one that scales out.
 */
final class StreamingSampling {

  private StreamingSampling() {}

  /** The columns the stream needs, in batch order (see class doc). */
  static Dataset<Row> inBatchOrder(Dataset<Row> training) {
    return training
        .select(DT, TS, USER_ID, ITEM_IDX)
        .orderBy(col(DT), col(TS), col(USER_ID), col(ITEM_IDX));
  }

  /**
   * Feeds {@code rows} (dt, ts, user_id, item_idx, in batch order) into {@code state}, cutting a
   * batch at every change of day; {@code state.lastDay} is the last day fed.
   *
   * @return the number of rows fed
   */
  static long feed(Iterator<Row> rows, StreamingState state, int batchSize) {
    long[] batch = new long[batchSize];
    int size = 0;
    long fed = 0;
    LocalDate day = null;
    while (rows.hasNext()) {
      Row row = rows.next();
      if (row.isNullAt(0) || row.isNullAt(3)) {
        throw JobErrors.incompleteTrainingExample(row.isNullAt(0) ? DT : ITEM_IDX, row);
      }
      LocalDate rowDay = row.getDate(0).toLocalDate();
      if (day != null && !rowDay.equals(day)) {
        size = step(state, batch, size);
      }
      day = rowDay;
      int item = row.getInt(3);
      batch[size++] = item;
      state.counts.merge(item, 1L, Long::sum);
      fed++;
      if (size == batchSize) {
        size = step(state, batch, size);
      }
    }
    if (day != null) {
      step(state, batch, size);
      state.lastDay = day;
    }
    return fed;
  }

  private static int step(StreamingState state, long[] batch, int size) {
    if (size > 0) {
      state.lastStep++;
      state.estimator.update(
          state.lastStep, size == batch.length ? batch : Arrays.copyOf(batch, size));
    }
    return 0;
  }

  /**
   * One row per item ever fed, in {@link ItemSamplingProbabilities}' output layout (item, count,
   * weighted_count, q, p_expected, p_at_least_once, p, log_p): p_expected = 1 / B, the estimated
   * occurrences per batch step; q = p_expected / batchSize; p_at_least_once = 1 - (1 -
   * q)^batchSize; count = weighted_count = occurrences since the state began (the stream has no day
   * weights; its recency weighting is alpha). p is the configured kind, never below the floor.
   */
  static Dataset<Row> estimates(
      SparkSession spark, StreamingState state, AggregateSettings settings) {
    int batchSize = settings.batchSize();
    List<Row> rows = new ArrayList<>(state.counts.size());
    for (Map.Entry<Integer, Long> e : state.counts.entrySet()) {
      double expected = state.estimator.estimate(e.getKey());
      double q = Math.min(1.0, expected / batchSize);
      double atLeastOnce = q >= 1 ? 1.0 : -Math.expm1(batchSize * Math.log1p(-q));
      double chosen = settings.kind() == ProbabilityKind.EXPECTED_COUNT ? expected : atLeastOnce;
      double p = Math.max(chosen, settings.floor());
      rows.add(
          RowFactory.create(
              e.getKey(),
              e.getValue(),
              (double) e.getValue(),
              q,
              expected,
              atLeastOnce,
              p,
              Math.log(p)));
    }
    StructType schema =
        new StructType()
            .add(ItemSamplingProbabilities.ITEM, DataTypes.IntegerType, false)
            .add(ItemSamplingProbabilities.COUNT, DataTypes.LongType, false)
            .add(ItemSamplingProbabilities.WEIGHTED_COUNT, DataTypes.DoubleType, false)
            .add(ItemSamplingProbabilities.Q, DataTypes.DoubleType, false)
            .add(ItemSamplingProbabilities.P_EXPECTED, DataTypes.DoubleType, false)
            .add(ItemSamplingProbabilities.P_AT_LEAST_ONCE, DataTypes.DoubleType, false)
            .add(ItemSamplingProbabilities.P, DataTypes.DoubleType, false)
            .add(ItemSamplingProbabilities.LOG_P, DataTypes.DoubleType, false);
    return spark.createDataFrame(rows, schema);
  }
}
