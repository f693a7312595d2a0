package io.twotower.jobs.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.HandMadeTables;
import io.twotower.jobs.JobException;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sampling stage on a hand-made training_examples table, batch size 2.
 *
 * <p>Train rows in batch order (dt, ts, user_id, item_idx), item indices; the test row (u9, item 3)
 * is never counted:
 *
 * <pre>
 *   2026-01-01: 09:00 u3 2 | 10:00 u1 0 | 10:00 u2 1 | 11:00 u1 0 | 12:00 u2 0
 *               step 1 = [2, 0], step 2 = [1, 0], step 3 = [0]  (the day's last batch is short)
 *   2026-01-02: 08:00 u1 1 | 09:00 u2 1 | 10:00 u3 0
 *               step 4 = [1, 1], step 5 = [0]
 * </pre>
 *
 * Streaming with alpha = 0.5, B = 100 and A = 0 initially, B &lt;- B/2 + (t - A)/2 per occurrence:
 * item 0: step 1: 50 + 0.5 = 50.5; step 2: 25.25 + 0.5 = 25.75; step 3: 12.875 + 0.5 = 13.375; step
 * 5: 6.6875 + (5 - 3)/2 = 7.6875, p = 1 / 7.6875. Item 2: step 1 only, p = 1 / 50.5. Item 1: step
 * 2: 50 + 1 = 51; step 4 twice: 25.5 + 1 = 26.5, then 13.25 + 0 = 13.25, p = 1 / 13.25 (1024
 * buckets, one hash; the assertions would expose a collision among items 0..2).
 *
 * <p>Aggregate: 8 train rows, item 0 occurs 4 times, so q = 0.5 and p = B q = 1.0; item 1: 3 / 8 *
 * 2 = 0.75; item 2: 0.25.
 */
class SamplingJobIT {

  private static final LocalDate DAY1 = LocalDate.of(2026, 1, 1);
  private static final LocalDate DAY2 = LocalDate.of(2026, 1, 2);

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;

  static JobConfig config(String estimator, String alpha) {
    return JobConfig.from(
        ConfigLoader.load(
            null,
            Map.of(
                "train.batch-size", "2",
                "sampling.estimator", estimator,
                "sampling.streaming.alpha", alpha,
                "sampling.streaming.hash-count", "1",
                "sampling.streaming.buckets-per-hash", "1024",
                "sampling.streaming.initial-gap", "100")));
  }

  private static Path local(DataLocation file) {
    return Path.of(file.hadoopPath().toUri());
  }

  static DeltaStore storeWithInputs(String name) {
    DeltaStore store = new DeltaStore(spark, scratch.resolve(name));
    // Written in an order unlike batch order, over several files, so the job must sort.
    HandMadeTables.trainingExamples(
        store,
        List.of(
            "('u2', 0, TIMESTAMP'2026-01-01 12:00:00', 'train')",
            "('u3', 0, TIMESTAMP'2026-01-02 10:00:00', 'train')",
            "('u1', 0, TIMESTAMP'2026-01-01 10:00:00', 'train')",
            "('u9', 3, TIMESTAMP'2026-01-01 13:00:00', 'test')",
            "('u2', 1, TIMESTAMP'2026-01-01 10:00:00', 'train')",
            "('u1', 0, TIMESTAMP'2026-01-01 11:00:00', 'train')",
            "('u2', 1, TIMESTAMP'2026-01-02 09:00:00', 'train')",
            "('u3', 2, TIMESTAMP'2026-01-01 09:00:00', 'train')",
            "('u1', 1, TIMESTAMP'2026-01-02 08:00:00', 'train')"),
        3);
    HandMadeTables.itemFeatures(store, 5);
    return store;
  }

  static Map<Integer, Row> byItem(DeltaStore store) {
    return store.read(Table.ITEM_SAMPLING_PROBABILITY).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<Integer>getAs("item_idx"), r -> r));
  }

  @Test
  void streamingFeedsBatchOrderFloorsUnseenItemsAndWritesTheAggregateLayout() {
    DeltaStore store = storeWithInputs("layout");
    SamplingJob.run(store, config("aggregate", "0.5"), DateRange.ALL);
    List<StructField> aggregateSchema =
        List.of(store.read(Table.ITEM_SAMPLING_PROBABILITY).schema().fields());
    Map<Integer, Row> aggregate = byItem(store);

    SamplingJob.run(store, config("streaming", "0.5"), DateRange.ALL);
    Map<Integer, Row> streaming = byItem(store);

    assertThat(
            List.of(store.read(Table.ITEM_SAMPLING_PROBABILITY).schema().fields()).stream()
                .map(f -> f.name() + ":" + f.dataType().simpleString())
                .toList())
        .isEqualTo(
            aggregateSchema.stream()
                .map(f -> f.name() + ":" + f.dataType().simpleString())
                .toList());
    assertThat(aggregate.get(0).<Double>getAs("p")).isCloseTo(1.0, within(1e-12));
    assertThat(aggregate.get(1).<Double>getAs("p")).isCloseTo(0.75, within(1e-12));
    assertThat(aggregate.get(2).<Double>getAs("p")).isCloseTo(0.25, within(1e-12));

    assertThat(streaming).containsOnlyKeys(0, 1, 2, 3, 4);
    assertThat(streaming.get(0).<Double>getAs("p")).isCloseTo(1 / 7.6875, within(1e-12));
    assertThat(streaming.get(1).<Double>getAs("p")).isCloseTo(1 / 13.25, within(1e-12));
    assertThat(streaming.get(2).<Double>getAs("p")).isCloseTo(1 / 50.5, within(1e-12));
    assertThat(streaming.get(0).<Long>getAs("count")).isEqualTo(4L);
    assertThat(streaming.get(1).<Long>getAs("count")).isEqualTo(3L);
    for (int unseen : new int[] {3, 4}) {
      assertThat(streaming.get(unseen).<Double>getAs("p")).isEqualTo(1e-6);
      assertThat(streaming.get(unseen).<Double>getAs("log_p")).isEqualTo(Math.log(1e-6));
      assertThat(streaming.get(unseen).<Long>getAs("count")).isZero();
    }
    assertThat(streaming.values())
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs("estimator")).isEqualTo("streaming");
              assertThat(r.<java.sql.Date>getAs("window_end").toLocalDate()).isEqualTo(DAY2);
              assertThat(Double.isFinite(r.<Double>getAs("log_p"))).isTrue();
            });
    // One state file per run: the state after its last day.
    assertThat(Files.isRegularFile(local(StreamingState.file(store.dataDir(), DAY1)))).isFalse();
    assertThat(Files.isRegularFile(local(StreamingState.file(store.dataDir(), DAY2)))).isTrue();
  }

  @Test
  void dayByDayWithSavedStateEqualsOneRunAndRerunningADayIsIdempotent() {
    DeltaStore once = storeWithInputs("once");
    SamplingJob.run(once, config("streaming", "0.5"), DateRange.ALL);
    Map<Integer, List<Object>> uninterrupted = comparable(once);

    DeltaStore daily = storeWithInputs("daily");
    SamplingJob.run(daily, config("streaming", "0.5"), DateRange.day(DAY1));
    SamplingJob.run(daily, config("streaming", "0.5"), DateRange.day(DAY2));
    assertThat(comparable(daily)).isEqualTo(uninterrupted);

    SamplingJob.run(daily, config("streaming", "0.5"), DateRange.day(DAY2));
    assertThat(comparable(daily)).isEqualTo(uninterrupted);
  }

  @Test
  void aDayWithoutStateForTheDaysBeforeItCatchesUpFromTheFirstDay() {
    DeltaStore once = storeWithInputs("catch-up-once");
    SamplingJob.run(once, config("streaming", "0.5"), DateRange.ALL);

    DeltaStore missedDayOne = storeWithInputs("catch-up");
    SamplingJob.run(missedDayOne, config("streaming", "0.5"), DateRange.day(DAY2));

    assertThat(comparable(missedDayOne)).isEqualTo(comparable(once));
    assertThat(Files.isRegularFile(local(StreamingState.file(missedDayOne.dataDir(), DAY1))))
        .isFalse();
  }

  @Test
  void resumingWithOtherSettingsFailsNamingTheState() {
    DeltaStore store = storeWithInputs("mismatch");
    SamplingJob.run(store, config("streaming", "0.5"), DateRange.day(DAY1));

    assertThatThrownBy(
            () -> SamplingJob.run(store, config("streaming", "0.25"), DateRange.day(DAY2)))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("made with other settings")
        .hasMessageContaining("streaming-2026-01-01.state");
  }

  @Test
  void dailyCountsAreReplacedPerDayAndCombinedOverTheWindow() {
    DeltaStore store = storeWithInputs("daily-counts");
    JobConfig aggregate = config("aggregate", "0.5");
    SamplingJob.run(store, aggregate, DateRange.day(DAY1));
    SamplingJob.run(store, aggregate, DateRange.day(DAY1));
    SamplingJob.run(store, aggregate, DateRange.day(DAY2));
    SamplingJob.run(store, aggregate, DateRange.day(DAY2));

    Map<String, Long> counts = new HashMap<>();
    store
        .read(Table.ITEM_DAILY_COUNTS)
        .collectAsList()
        .forEach(r -> counts.put(r.getAs("dt") + "/" + r.getAs("item_idx"), r.getAs("count")));
    // Day 1: item 0 three times, items 1 and 2 once; day 2: item 1 twice, item 0 once.
    assertThat(counts)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "2026-01-01/0", 3L,
                "2026-01-01/1", 1L,
                "2026-01-01/2", 1L,
                "2026-01-02/0", 1L,
                "2026-01-02/1", 2L));
    // The run for day 2 alone still estimates over both days from the table: item 0 4 / 8 * 2.
    Map<Integer, Row> estimate = byItem(store);
    assertThat(estimate.get(0).<Double>getAs("p")).isCloseTo(1.0, within(1e-12));
    assertThat(estimate.get(0).<Long>getAs("count")).isEqualTo(4L);
    assertThat(estimate.get(3).<Double>getAs("p")).isEqualTo(1e-6);
  }

  private static Map<Integer, List<Object>> comparable(DeltaStore store) {
    return byItem(store).entrySet().stream()
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e ->
                    List.of(
                        e.getValue().getAs("count"),
                        e.getValue().getAs("p"),
                        e.getValue().getAs("log_p"),
                        e.getValue().getAs("p_at_least_once"))));
  }
}
