package io.twotower.jobs.sampling;

import static io.twotower.jobs.tables.Table.Columns.COUNT;
import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static org.apache.spark.sql.functions.col;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.sampling.AggregateSettings;
import io.twotower.sampling.ItemSamplingProbabilities;
import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The aggregate estimator's daily unit: item_daily_counts holds one dt partition per day of
 * training examples, and the estimate combines any window of days from it without rereading the
 * examples.
 */
final class DailyItemCounts {

  private DailyItemCounts() {}

  /**
   * Counts {@code training} (item_idx, dt) per item and day and writes them, replacing the days of
   * {@code dates}: a rerun of a day replaces that day's partition, a day that no longer has
   * training rows loses its counts, other days are kept. With {@link DateRange#ALL} the table is
   * rewritten.
   */
  static void write(DeltaStore store, Dataset<Row> training, DateRange dates) {
    Dataset<Row> counts =
        ItemSamplingProbabilities.dailyCounts(training, ITEM_IDX, DT)
            .select(
                col(ItemSamplingProbabilities.ITEM).as(ITEM_IDX),
                col(ItemSamplingProbabilities.DAY).as(DT),
                col(ItemSamplingProbabilities.COUNT));
    if (dates.isAll()) {
      store.overwrite(Table.ITEM_DAILY_COUNTS, counts);
    } else {
      store.replaceWhere(Table.ITEM_DAILY_COUNTS, counts, dates.predicate(DT).orElseThrow());
    }
  }

  /** The estimate over the {@code windowDays} days ending on {@code windowEnd}, with decay. */
  static Dataset<Row> estimate(
      DeltaStore store, LocalDate windowEnd, int windowDays, AggregateSettings settings) {
    Dataset<Row> daily =
        store
            .read(Table.ITEM_DAILY_COUNTS)
            .select(
                col(ITEM_IDX).as(ItemSamplingProbabilities.ITEM),
                col(DT).as(ItemSamplingProbabilities.DAY),
                col(COUNT).as(ItemSamplingProbabilities.COUNT));
    return ItemSamplingProbabilities.fromDailyCounts(daily, windowEnd, windowDays, settings);
  }
}
