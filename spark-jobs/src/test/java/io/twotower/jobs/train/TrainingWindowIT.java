package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The logQ correction is only right when {@code sampling} counts the rows {@code train} fits on:
 * for several runs' days, the item counts the sampling stage writes equal the (item, day) counts of
 * the examples training reads, and both equal the train rows of those days worked out by hand.
 *
 * <p>training_examples, item indices per day (t = train, x = test, which neither may see):
 *
 * <pre>
 *   2026-01-01: t 0, t 1
 *   2026-01-02: t 0, t 0, t 2, x 3
 *   2026-01-03: t 1
 *   2026-01-04: t 2, t 0, x 1
 * </pre>
 *
 * Train rows: all days 8; 01-02 alone 3; 01-02..01-03 4; ..01-02 5; 01-03.. 3.
 */
class TrainingWindowIT {

  private static final LocalDate DAY2 = LocalDate.of(2026, 1, 2);
  private static final LocalDate DAY3 = LocalDate.of(2026, 1, 3);

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;

  static JobConfig config(String estimator) {
    return JobConfig.from(
        ConfigLoader.load(null, Map.of("train.batch-size", "2", "sampling.estimator", estimator)));
  }

  static DeltaStore storeWithInputs(String name) {
    DeltaStore store = new DeltaStore(spark, scratch.resolve(name));
    spark
        .sql(
            "SELECT * FROM VALUES "
                + "('u1', 0, TIMESTAMP'2026-01-01 10:00:00', 'train'),"
                + "('u2', 1, TIMESTAMP'2026-01-01 11:00:00', 'train'),"
                + "('u1', 0, TIMESTAMP'2026-01-02 09:00:00', 'train'),"
                + "('u3', 0, TIMESTAMP'2026-01-02 10:00:00', 'train'),"
                + "('u2', 2, TIMESTAMP'2026-01-02 11:00:00', 'train'),"
                + "('u4', 3, TIMESTAMP'2026-01-02 12:00:00', 'test'),"
                + "('u1', 1, TIMESTAMP'2026-01-03 09:00:00', 'train'),"
                + "('u3', 2, TIMESTAMP'2026-01-04 08:00:00', 'train'),"
                + "('u2', 0, TIMESTAMP'2026-01-04 09:00:00', 'train'),"
                + "('u1', 1, TIMESTAMP'2026-01-04 10:00:00', 'test') "
                + "AS t(user_id, item_idx, ts, split)")
        .repartition(2)
        .selectExpr(
            "user_id",
            "concat('i', item_idx) AS item_id",
            "ts",
            "to_date(ts) AS dt",
            "split",
            "1.0D AS reward",
            "CAST(array() AS array<string>) AS history",
            "CAST(array() AS array<int>) AS history_idx",
            "item_idx",
            "CAST(map() AS map<string, array<int>>) AS field_idx")
        .write()
        .format("delta")
        .partitionBy("dt")
        .save(store.path(Table.TRAINING_EXAMPLES));
    spark
        .sql("SELECT id FROM range(5)")
        .selectExpr(
            "concat('i', id) AS item_id",
            "CAST(id AS int) AS item_idx",
            "CAST(map() AS map<string, array<int>>) AS field_idx")
        .write()
        .format("delta")
        .save(store.path(Table.ITEM_FEATURES));
    return store;
  }

  static java.util.stream.Stream<Arguments> runs() {
    return java.util.stream.Stream.of(
        Arguments.of("all", DateRange.ALL, 8),
        Arguments.of("date", DateRange.day(DAY2), 3),
        Arguments.of("from-to", new DateRange(DAY2, DAY3), 4),
        Arguments.of("to", new DateRange(null, DAY2), 5),
        Arguments.of("from", new DateRange(DAY3, null), 3));
  }

  static java.util.stream.Stream<Arguments> runsFromTheFirstDay() {
    return runs().filter(run -> ((DateRange) run.get()[1]).from() == null);
  }

  /** "dt item_idx" -> count, from rows of (item_idx, dt, count). */
  static Map<String, Long> byDayAndItem(Dataset<Row> counts) {
    Map<String, Long> out = new TreeMap<>();
    for (Row row : counts.collectAsList()) {
      out.put(row.getAs("dt") + " " + row.getAs("item_idx"), row.<Long>getAs("count"));
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("runs")
  void samplingCountsExactlyTheRowsTrainingReads(String name, DateRange dates, int trainRows) {
    DeltaStore store = storeWithInputs(name);
    SamplingJob.run(store, config("aggregate"), dates);

    Dataset<Row> trained = TrainJob.examples(store, dates, false);
    Map<String, Long> counted =
        byDayAndItem(store.read(Table.ITEM_DAILY_COUNTS).select("item_idx", "dt", "count"));

    assertThat(trained.count()).isEqualTo(trainRows);
    assertThat(counted).isEqualTo(byDayAndItem(trained.groupBy("item_idx", "dt").count()));
    assertThat(counted.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(trainRows);
  }

  /**
   * The streaming estimator feeds the same window; a run with --from resumes from saved state and
   * catches up on the days before it (SamplingJobIT), so only runs from the first day compare.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("runsFromTheFirstDay")
  void streamingFeedsExactlyTheRowsTrainingReadsWhenStartingFromTheFirstDay(
      String name, DateRange dates, int trainRows) {
    DeltaStore store = storeWithInputs("streaming-" + name);
    SamplingJob.run(store, config("streaming"), dates);

    Map<Integer, Long> fed = new TreeMap<>();
    for (Row row : store.read(Table.ITEM_SAMPLING_PROBABILITY).collectAsList()) {
      long count = row.<Long>getAs("count");
      if (count > 0) {
        fed.put(row.getAs("item_idx"), count);
      }
    }
    Map<Integer, Long> trained = new TreeMap<>();
    for (Row row :
        TrainJob.examples(store, dates, false).groupBy("item_idx").count().collectAsList()) {
      trained.put(row.getAs("item_idx"), row.<Long>getAs("count"));
    }

    assertThat(fed).isEqualTo(trained);
    assertThat(fed.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(trainRows);
  }
}
