package io.twotower.jobs.ingest;

import static io.twotower.jobs.ingest.MovieLensSourceIT.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobException;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.SourceConfig;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rejection reason on a hand-made generic CSV log, and reruns. */
class IngestValidationIT {

  static final String EVENTS =
      """
      user_id,item_id,timestamp,engagement
      u1,a,2026-01-01T10:00:00Z,0.5
      u1,b,1767261600,1.0
      u2,a,2026-01-02 08:00:00,2
      u2,c,2026-01-02T23:59:59Z,0
      ,a,2026-01-01T10:00:00Z,1
      u3,,2026-01-01T10:00:00Z,1
      u3,a,yesterday,1
      u3,a,,1
      u3,b,1767261600000,1
      u3,c,2026-01-01T10:00:00Z,lots
      u3,d,2026-01-01T11:00:00Z,
      u4,a,2026-01-01T10:00:00Z,-1
      u4,b,2026-01-01T10:00:00Z,NaN
      u4,zz,2026-01-01T10:00:00Z,1
      u1,a,2026-01-01T10:00:00Z,0.7
      """;

  static final String ITEMS =
      """
      item_id,channel,topics
      a,c1,x|y
      b,c1,y
      c,c2,
      ,c3,z
      b,c9,z
      d, c2 ,x| |z
      """;

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static SourceConfig source;

  @BeforeAll
  static void setUp() throws IOException {
    Path raw = Files.createDirectories(scratch.resolve("raw"));
    Files.writeString(raw.resolve("events.csv"), EVENTS);
    Files.writeString(raw.resolve("items.csv"), ITEMS);
    source = generic(raw.resolve("events.csv").toString(), raw.resolve("items.csv").toString());
  }

  @Test
  void quarantinesEachBadRowWithItsReason() {
    ValidatedLog log =
        IngestValidation.validate(
            GenericSource.read(spark, source),
            DateRange.ALL,
            IngestBounds.DEFAULTS,
            IngestBounds.NOW);

    // 1767261600 = 2026-01-01 10:00:00 UTC; "2026-01-02 08:00:00" has no zone: UTC (the session's).
    assertThat(rows(log.events(), "user_id", "item_id", "CAST(ts AS STRING)", "engagement", "dt"))
        .containsExactly(
            "u1|a|2026-01-01 10:00:00|0.5|2026-01-01",
            "u1|b|2026-01-01 10:00:00|1.0|2026-01-01",
            "u2|a|2026-01-02 08:00:00|2.0|2026-01-02",
            "u2|c|2026-01-02 23:59:59|0.0|2026-01-02");
    assertThat(
            rows(log.rejectedEvents(), "reason", "user_id", "item_id", "timestamp", "engagement"))
        .containsExactly(
            "duplicate event|u1|a|2026-01-01T10:00:00Z|0.7",
            "missing item_id|u3||2026-01-01T10:00:00Z|1",
            "missing or non-numeric engagement|u3|c|2026-01-01T10:00:00Z|lots",
            "missing or non-numeric engagement|u3|d|2026-01-01T11:00:00Z|",
            "missing or unparsable timestamp|u3|a|yesterday|1",
            "missing or unparsable timestamp|u3|a||1",
            "missing user_id||a|2026-01-01T10:00:00Z|1",
            "negative, NaN or infinite engagement|u4|a|2026-01-01T10:00:00Z|-1",
            "negative, NaN or infinite engagement|u4|b|2026-01-01T10:00:00Z|NaN",
            "timestamp after the run's date plus ingest.future-tolerance|u3|b|1767261600000|1",
            "unknown item|u4|zz|2026-01-01T10:00:00Z|1");
    // The first "b" row is kept; " c2 " and "x| |z" are trimmed; an empty list is an empty array.
    assertThat(rows(log.items(), "item_id", "channel", "array_join(topics, ',')"))
        .containsExactly("a|c1|x,y", "b|c1|y", "c|c2|", "d|c2|x,z");
    assertThat(rows(log.rejectedItems(), "reason", "item_id", "channel"))
        .containsExactly("duplicate item_id|b|c9", "missing item_id||c3");
  }

  @Test
  void writesTablesAndQuarantineAndRerunsChangeNothing() {
    DeltaStore store = new DeltaStore(spark, scratch.resolve("rerun"));
    IngestReport first =
        IngestJob.ingest(
            store, GenericSource.read(spark, source), DateRange.ALL, IngestBounds.ANY_SHARE_BAD);
    IngestReport second =
        IngestJob.ingest(
            store, GenericSource.read(spark, source), DateRange.ALL, IngestBounds.ANY_SHARE_BAD);

    assertThat(second).isEqualTo(first);
    assertThat(first.eventsRead()).isEqualTo(15);
    assertThat(first.eventsValid()).isEqualTo(4);
    assertThat(first.eventsQuarantined())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "duplicate event", 1L,
                "missing item_id", 1L,
                "missing or non-numeric engagement", 2L,
                "missing or unparsable timestamp", 2L,
                "missing user_id", 1L,
                "negative, NaN or infinite engagement", 2L,
                "timestamp after the run's date plus ingest.future-tolerance", 1L,
                "unknown item", 1L));
    assertThat(first.itemsQuarantined())
        .containsExactlyInAnyOrderEntriesOf(Map.of("duplicate item_id", 1L, "missing item_id", 1L));
    assertThat(first.users()).isEqualTo(2);
    assertThat(first.days()).isEqualTo(2);

    assertThat(store.read(Table.EVENTS).count()).isEqualTo(4);
    assertThat(store.read(Table.ITEMS).count()).isEqualTo(4);
    assertThat(
            rows(
                store.read(Table.QUARANTINE).groupBy("stage", "source").count(),
                "stage",
                "source",
                "`count`"))
        .containsExactly("ingest|generic/events|11", "ingest|generic/items|2");
    assertThat(
            store
                .read(Table.QUARANTINE)
                .where("reason = 'unknown item'")
                .selectExpr("get_json_object(record, '$.item_id')")
                .head()
                .getString(0))
        .isEqualTo("zz");
  }

  @Test
  void aDateRangeRewritesOnlyItsDays() {
    DeltaStore store = new DeltaStore(spark, scratch.resolve("ranged"));
    IngestJob.ingest(
        store, GenericSource.read(spark, source), DateRange.ALL, IngestBounds.ANY_SHARE_BAD);
    long version = store.version(Table.EVENTS);

    DateRange secondDay = DateRange.day(LocalDate.parse("2026-01-02"));
    IngestReport report =
        IngestJob.ingest(
            store, GenericSource.read(spark, source), secondDay, IngestBounds.ANY_SHARE_BAD);
    IngestReport again =
        IngestJob.ingest(
            store, GenericSource.read(spark, source), secondDay, IngestBounds.ANY_SHARE_BAD);

    // In range: u2's two events, plus the two rows without a day (bad timestamps).
    assertThat(report.eventsRead()).isEqualTo(4);
    assertThat(report.eventsValid()).isEqualTo(2);
    assertThat(report.eventsQuarantined())
        .containsExactlyEntriesOf(Map.of("missing or unparsable timestamp", 2L));
    assertThat(again).isEqualTo(report);
    assertThat(store.version(Table.EVENTS)).isEqualTo(version + 2);
    assertThat(
            rows(store.read(Table.EVENTS).groupBy("dt").count(), "CAST(dt AS STRING)", "`count`"))
        .containsExactly("2026-01-01|2", "2026-01-02|2");
  }

  @Test
  void missingGenericPathsSayWhichKeyToSet() {
    assertThatThrownBy(() -> GenericSource.read(spark, generic("", "items.csv")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("No generic events path set")
        .hasMessageContaining("set two-tower.source.generic.events-path");
    String missing = scratch.resolve("no-such-events.csv").toString();
    assertThatThrownBy(() -> GenericSource.read(spark, generic(missing, "items.csv")))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Generic events not found at " + missing)
        .hasMessageContaining("two-tower.source.generic.events-path = " + missing);
  }

  @Test
  void missingColumnsAreNamed() throws IOException {
    Path events = Files.writeString(scratch.resolve("bad-events.csv"), "user,item_id,ts\nu1,a,1\n");
    assertThatThrownBy(
            () -> GenericSource.read(spark, generic(events.toString(), source.genericItemsPath())))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("lack column(s) user_id, timestamp")
        .hasMessageContaining("found columns: user, item_id, ts");
  }

  static SourceConfig generic(String events, String items) {
    return new SourceConfig(SourceConfig.Kind.GENERIC, "", "csv", events, items, List.of("topics"));
  }
}
