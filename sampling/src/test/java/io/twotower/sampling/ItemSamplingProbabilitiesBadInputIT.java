package io.twotower.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Invalid rows, empty windows and wrong schemas fail with a message saying what to do. */
class ItemSamplingProbabilitiesBadInputIT {

  private static final LocalDate DAY = LocalDate.of(2024, 1, 3);
  private static final StructType EVENTS =
      new StructType().add("item_id", DataTypes.StringType).add("event_day", DataTypes.DateType);
  private static final AggregateSettings SETTINGS =
      new AggregateSettings(2, 1.0, 1e-6, ProbabilityKind.EXPECTED_COUNT);

  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = LocalSpark.start(ItemSamplingProbabilitiesBadInputIT.class.getSimpleName());
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void nullAndBlankItemIdsAreRejectedNamingTheColumn() {
    Dataset<Row> events =
        events(
            RowFactory.create("a", day()),
            RowFactory.create(null, day()),
            RowFactory.create("  ", day()));

    assertThatThrownBy(
            () -> ItemSamplingProbabilities.estimate(events, "item_id", "event_day", DAY, SETTINGS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "events has 2 row(s) with a null or blank item id in column 'item_id'")
        .hasMessageContaining("ItemEventValidation.split");
    assertThatThrownBy(() -> ItemSamplingProbabilities.dailyCounts(events, "item_id", "event_day"))
        .hasMessageContaining("column 'item_id'");
  }

  @Test
  void nullDaysAreRejected() {
    Dataset<Row> events = events(RowFactory.create("a", day()), RowFactory.create("b", null));

    assertThatThrownBy(
            () -> ItemSamplingProbabilities.estimate(events, "item_id", "event_day", DAY, SETTINGS))
        .hasMessageContaining("1 row(s) with a null day in column 'event_day'");
  }

  @Test
  void splitQuarantinesInvalidRowsWithAReason() {
    Dataset<Row> events =
        events(
            RowFactory.create("a", day()),
            RowFactory.create(null, day()),
            RowFactory.create("", day()),
            RowFactory.create("b", null));

    ItemEventValidation.ValidatedEvents split =
        ItemEventValidation.split(events, "item_id", "event_day");

    assertThat(split.valid().collectAsList()).containsExactly(RowFactory.create("a", day()));
    assertThat(
            split
                .quarantined()
                .select(ItemEventValidation.REASON)
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList())
        .containsExactlyInAnyOrder(
            ItemEventValidation.NULL_ITEM,
            ItemEventValidation.EMPTY_ITEM,
            ItemEventValidation.NULL_DAY);
    assertThat(
            ItemSamplingProbabilities.estimate(split.valid(), "item_id", "event_day", DAY, SETTINGS)
                .count())
        .isEqualTo(1);
  }

  @Test
  void emptyEventsFailInsteadOfGivingAnEmptyTable() {
    assertThatThrownBy(
            () ->
                ItemSamplingProbabilities.estimate(events(), "item_id", "event_day", DAY, SETTINGS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "No events in the window: the events table is empty (window ending 2024-01-03)")
        .hasMessageContaining("Fix:");
  }

  @Test
  void dailyCountsWithoutRowsInTheWindowFail() {
    Dataset<Row> daily =
        ItemSamplingProbabilities.dailyCounts(
            events(RowFactory.create("a", Date.valueOf("2023-12-01"))), "item_id", "event_day");

    assertThatThrownBy(() -> ItemSamplingProbabilities.fromDailyCounts(daily, DAY, 7, SETTINGS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("dailyCounts has no rows for 2023-12-28 .. 2024-01-03")
        .hasMessageContaining("run the daily counting for those days first");
  }

  @Test
  void nullOrNegativeDailyCountsInTheWindowAreRejected() {
    StructType schema =
        new StructType()
            .add("item", DataTypes.StringType)
            .add("day", DataTypes.DateType)
            .add("count", DataTypes.LongType);
    Date inWindow = day();
    Dataset<Row> daily =
        spark.createDataFrame(
            List.of(
                RowFactory.create("a", inWindow, 3L),
                RowFactory.create("b", inWindow, null),
                RowFactory.create("c", inWindow, -1L),
                RowFactory.create("d", Date.valueOf("2023-01-01"), null)),
            schema);

    // d's null count lies outside the 7-day window, so only b and c count.
    assertThatThrownBy(() -> ItemSamplingProbabilities.fromDailyCounts(daily, DAY, 7, SETTINGS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "dailyCounts has 2 row(s) in the window with a null or negative count")
        .hasMessageContaining("ItemSamplingProbabilities.dailyCounts");
  }

  @Test
  void eventsAfterTheWindowEndAreRejected() {
    Dataset<Row> events = events(RowFactory.create("a", Date.valueOf("2024-01-04")));

    assertThatThrownBy(
            () -> ItemSamplingProbabilities.estimate(events, "item_id", "event_day", DAY, SETTINGS))
        .hasMessageContaining("1 event(s) have 'event_day' after windowEnd 2024-01-03");
  }

  @Test
  void missingOrMistypedColumnsAreNamed() {
    Dataset<Row> events = events(RowFactory.create("a", day()));

    assertThatThrownBy(
            () -> ItemSamplingProbabilities.estimate(events, "item", "event_day", DAY, SETTINGS))
        .hasMessageContaining("events has no column 'item'")
        .hasMessageContaining("[item_id, event_day]");
    assertThatThrownBy(
            () -> ItemSamplingProbabilities.estimate(events, "event_day", "item_id", DAY, SETTINGS))
        .hasMessageContaining("events column 'item_id' has type string")
        .hasMessageContaining("cast 'item_id' to date");
  }

  @Test
  void vocabularyOfAnotherTypeIsRejected() {
    Dataset<Row> estimate =
        ItemSamplingProbabilities.estimate(
            events(RowFactory.create("a", day())), "item_id", "event_day", DAY, SETTINGS);
    Dataset<Row> vocabulary =
        spark.createDataFrame(
            List.of(RowFactory.create(1L)), new StructType().add("item_id", DataTypes.LongType));

    assertThatThrownBy(
            () ->
                ItemSamplingProbabilities.withFloorForMissing(
                    estimate, vocabulary, "item_id", SETTINGS))
        .hasMessageContaining("vocabulary column 'item_id' has type bigint")
        .hasMessageContaining("cast 'item_id' to string");
  }

  private static Date day() {
    return Date.valueOf(DAY);
  }

  private static Dataset<Row> events(Row... rows) {
    return spark.createDataFrame(List.of(rows), EVENTS);
  }
}
