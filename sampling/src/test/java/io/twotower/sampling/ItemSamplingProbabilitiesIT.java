package io.twotower.sampling;

import static io.twotower.sampling.ItemSamplingProbabilities.COUNT;
import static io.twotower.sampling.ItemSamplingProbabilities.ITEM;
import static io.twotower.sampling.ItemSamplingProbabilities.LOG_P;
import static io.twotower.sampling.ItemSamplingProbabilities.P;
import static io.twotower.sampling.ItemSamplingProbabilities.P_AT_LEAST_ONCE;
import static io.twotower.sampling.ItemSamplingProbabilities.P_EXPECTED;
import static io.twotower.sampling.ItemSamplingProbabilities.Q;
import static io.twotower.sampling.ItemSamplingProbabilities.WEIGHTED_COUNT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exact checks of the aggregate estimator on a hand-made log.
 *
 * <pre>
 *   day          events            per item
 *   2024-01-01   a a b c           a:2 b:1 c:1    weight 0.25 (two half-lives before windowEnd)
 *   2024-01-02   a b b b           a:1 b:3        weight 0.5
 *   2024-01-03   a c c c           a:1 c:3        weight 1    (windowEnd)
 *
 *   halfLifeDays = 1:  weighted a = 2*.25 + 1*.5 + 1 = 2.0
 *                      weighted b = 1*.25 + 3*.5     = 1.75
 *                      weighted c = 1*.25 + 3*1      = 3.25     total 7
 *                      q = 8/28, 7/28, 13/28
 *   batchSize = 2:     p_expected      = 2q          = 4/7, 1/2, 13/14
 *                      p_at_least_once = 1-(1-q)^2   = 384/784, 7/16, 559/784
 *   no decay:          every item 4 of 12, q = 1/3, p_expected = 2/3, p_at_least_once = 5/9
 * </pre>
 */
class ItemSamplingProbabilitiesIT {

  private static final LocalDate DAY1 = LocalDate.of(2024, 1, 1);
  private static final LocalDate DAY2 = LocalDate.of(2024, 1, 2);
  private static final LocalDate DAY3 = LocalDate.of(2024, 1, 3);
  private static final double EXACT = 1e-12;
  private static final StructType EVENTS =
      new StructType().add("item_id", DataTypes.StringType).add("event_day", DataTypes.DateType);

  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = LocalSpark.start(ItemSamplingProbabilitiesIT.class.getSimpleName());
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void decaysDaysByHalfLifeAndGivesBothProbabilityKinds() {
    var settings = new AggregateSettings(2, 1.0, 1e-6, ProbabilityKind.AT_LEAST_ONCE);

    Map<String, Row> rows =
        byItem(
            ItemSamplingProbabilities.estimate(
                handMadeLog(), "item_id", "event_day", DAY3, settings));

    assertThat(rows).containsOnlyKeys("a", "b", "c");
    assertRow(rows.get("a"), 4, 2.0, 8 / 28.0, 4 / 7.0, 384 / 784.0);
    assertRow(rows.get("b"), 4, 1.75, 7 / 28.0, 1 / 2.0, 7 / 16.0);
    assertRow(rows.get("c"), 4, 3.25, 13 / 28.0, 13 / 14.0, 559 / 784.0);
    assertThat(rows.get("a").<Double>getAs(P)).isCloseTo(384 / 784.0, within(EXACT));
    assertThat(rows.get("a").<Double>getAs(LOG_P)).isCloseTo(Math.log(384 / 784.0), within(EXACT));
  }

  @Test
  void withoutDecayEveryDayWeighsOne() {
    var settings =
        new AggregateSettings(2, Double.POSITIVE_INFINITY, 1e-6, ProbabilityKind.EXPECTED_COUNT);

    Map<String, Row> rows =
        byItem(
            ItemSamplingProbabilities.estimate(
                handMadeLog(), "item_id", "event_day", DAY3, settings));

    for (Row row : rows.values()) {
      assertRow(row, 4, 4.0, 1 / 3.0, 2 / 3.0, 5 / 9.0);
      assertThat(row.<Double>getAs(P)).isCloseTo(2 / 3.0, within(EXACT));
    }
  }

  @Test
  void floorRaisesSmallProbabilities() {
    // b's p_expected is 1/2 (see class comment), below the floor 0.6.
    var settings = new AggregateSettings(2, 1.0, 0.6, ProbabilityKind.EXPECTED_COUNT);

    Map<String, Row> rows =
        byItem(
            ItemSamplingProbabilities.estimate(
                handMadeLog(), "item_id", "event_day", DAY3, settings));

    assertThat(rows.get("b").<Double>getAs(P)).isEqualTo(0.6);
    assertThat(rows.get("c").<Double>getAs(P)).isCloseTo(13 / 14.0, within(EXACT));
  }

  @Test
  void dailyCountsCombineToTheSameEstimate() {
    var settings = new AggregateSettings(2, 1.0, 1e-6, ProbabilityKind.EXPECTED_COUNT);
    Dataset<Row> daily =
        ItemSamplingProbabilities.dailyCounts(handMadeLog(), "item_id", "event_day");

    Map<String, Row> fromEvents =
        byItem(
            ItemSamplingProbabilities.estimate(
                handMadeLog(), "item_id", "event_day", DAY3, settings));
    Map<String, Row> fromDaily =
        byItem(ItemSamplingProbabilities.fromDailyCounts(daily, DAY3, 3, settings));

    assertThat(daily.count()).isEqualTo(7);
    assertThat(fromDaily).containsOnlyKeys(fromEvents.keySet());
    for (String item : fromEvents.keySet()) {
      Row expected = fromEvents.get(item);
      assertRow(
          fromDaily.get(item),
          expected.getAs(COUNT),
          expected.getAs(WEIGHTED_COUNT),
          expected.getAs(Q),
          expected.getAs(P_EXPECTED),
          expected.getAs(P_AT_LEAST_ONCE));
    }
  }

  @Test
  void windowDaysSelectsTheLastDays() {
    // Days 2 and 3 only: weighted a = .5 + 1 = 1.5, b = 1.5, c = 3; total 6; q = 1/4, 1/4, 1/2.
    var settings = new AggregateSettings(2, 1.0, 1e-6, ProbabilityKind.EXPECTED_COUNT);
    Dataset<Row> daily =
        ItemSamplingProbabilities.dailyCounts(handMadeLog(), "item_id", "event_day");

    Map<String, Row> rows =
        byItem(ItemSamplingProbabilities.fromDailyCounts(daily, DAY3, 2, settings));

    assertRow(rows.get("a"), 2, 1.5, 0.25, 0.5, 1 - 0.75 * 0.75);
    assertRow(rows.get("b"), 3, 1.5, 0.25, 0.5, 1 - 0.75 * 0.75);
    assertRow(rows.get("c"), 3, 3.0, 0.5, 1.0, 0.75);
  }

  @Test
  void missingVocabularyItemsGetTheFloor() {
    var settings = new AggregateSettings(2, 1.0, 0.01, ProbabilityKind.EXPECTED_COUNT);
    Dataset<Row> estimate =
        ItemSamplingProbabilities.estimate(handMadeLog(), "item_id", "event_day", DAY3, settings);
    Dataset<Row> vocabulary =
        spark.createDataFrame(
            List.of(RowFactory.create("a"), RowFactory.create("d"), RowFactory.create("d")),
            new StructType().add("item_id", DataTypes.StringType));

    Map<String, Row> rows =
        byItem(
            ItemSamplingProbabilities.withFloorForMissing(
                estimate, vocabulary, "item_id", settings));

    assertThat(rows).containsOnlyKeys("a", "b", "c", "d");
    assertRow(rows.get("d"), 0, 0.0, 0.0, 0.0, 0.0);
    assertThat(rows.get("d").<Double>getAs(P)).isEqualTo(0.01);
    assertThat(rows.get("d").<Double>getAs(LOG_P)).isEqualTo(Math.log(0.01));
    assertThat(rows.get("a").<Double>getAs(P)).isCloseTo(4 / 7.0, within(EXACT));
  }

  @Test
  void logPStaysFiniteWhenOldDaysUnderflow() {
    // Half-life 0.001 days: day 1 weighs 0.5^2000 = 0 in double, so b's only weight is day 2's
    // 0.5^1000 ~ 1e-301 and a weighs 1 + tiny; p falls to the floor instead of 0.
    var settings = new AggregateSettings(2, 0.001, 1e-9, ProbabilityKind.AT_LEAST_ONCE);

    Dataset<Row> estimate =
        ItemSamplingProbabilities.estimate(handMadeLog(), "item_id", "event_day", DAY3, settings);

    for (Row row : estimate.collectAsList()) {
      assertThat(row.<Double>getAs(LOG_P)).isFinite();
      assertThat(row.<Double>getAs(P)).isGreaterThanOrEqualTo(1e-9);
    }
  }

  @Test
  void daysYearsBeforeTheEndDecayByTheSameLaw() {
    // Half-life 1,000 days: a 1,000 days before the end weighs 0.5, b 4,000 days before 0.5^4.
    // weighted a = 0.5, b = 0.0625, c = 1 (on the end day); total 1.5625 = 25/16,
    // q = 8/25, 1/25, 16/25.
    var settings = new AggregateSettings(1, 1000.0, 1e-9, ProbabilityKind.EXPECTED_COUNT);
    List<Row> events = new ArrayList<>();
    addEvents(events, DAY3.minusDays(1000), "a");
    addEvents(events, DAY3.minusDays(4000), "b");
    addEvents(events, DAY3, "c");

    Map<String, Row> rows =
        byItem(
            ItemSamplingProbabilities.estimate(
                spark.createDataFrame(events, EVENTS), "item_id", "event_day", DAY3, settings));

    assertRow(rows.get("a"), 1, 0.5, 8 / 25.0, 8 / 25.0, 8 / 25.0);
    assertRow(rows.get("b"), 1, 0.0625, 1 / 25.0, 1 / 25.0, 1 / 25.0);
    assertRow(rows.get("c"), 1, 1.0, 16 / 25.0, 16 / 25.0, 16 / 25.0);
  }

  @Test
  void keepsTheItemColumnType() {
    StructType schema =
        new StructType().add("item_key", DataTypes.LongType).add("d", DataTypes.DateType);
    Dataset<Row> events =
        spark.createDataFrame(
            List.of(
                RowFactory.create(7L, DAY1),
                RowFactory.create(7L, DAY1),
                RowFactory.create(9L, DAY1)),
            schema);
    var settings = new AggregateSettings(3, 0, 1e-6, ProbabilityKind.EXPECTED_COUNT);

    Dataset<Row> estimate =
        ItemSamplingProbabilities.estimate(events, "item_key", "d", DAY1, settings);

    assertThat(estimate.schema().apply(ITEM).dataType()).isEqualTo(DataTypes.LongType);
    // 7 twice of 3 events: q = 2/3, p_expected = 3 * 2/3 = 2 (expected occurrences can exceed 1).
    Row seven = estimate.where("item = 7").first();
    assertThat(seven.<Double>getAs(P)).isCloseTo(2.0, within(EXACT));
  }

  private static Dataset<Row> handMadeLog() {
    List<Row> rows = new ArrayList<>();
    addEvents(rows, DAY1, "a", "a", "b", "c");
    addEvents(rows, DAY2, "a", "b", "b", "b");
    addEvents(rows, DAY3, "a", "c", "c", "c");
    return spark.createDataFrame(rows, EVENTS);
  }

  private static void addEvents(List<Row> rows, LocalDate day, String... items) {
    for (String item : items) {
      rows.add(RowFactory.create(item, java.sql.Date.valueOf(day)));
    }
  }

  private static Map<String, Row> byItem(Dataset<Row> estimate) {
    Map<String, Row> rows = new HashMap<>();
    for (Row row : estimate.collectAsList()) {
      rows.put(row.getAs(ITEM).toString(), row);
    }
    return rows;
  }

  private static void assertRow(
      Row row, long count, double weighted, double q, double expected, double atLeastOnce) {
    assertThat(row.<Long>getAs(COUNT)).isEqualTo(count);
    assertThat(row.<Double>getAs(WEIGHTED_COUNT)).isCloseTo(weighted, within(EXACT));
    assertThat(row.<Double>getAs(Q)).isCloseTo(q, within(EXACT));
    assertThat(row.<Double>getAs(P_EXPECTED)).isCloseTo(expected, within(EXACT));
    assertThat(row.<Double>getAs(P_AT_LEAST_ONCE)).isCloseTo(atLeastOnce, within(EXACT));
  }
}
