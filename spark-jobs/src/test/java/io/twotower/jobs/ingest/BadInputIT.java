package io.twotower.jobs.ingest;

import static io.twotower.jobs.ingest.MovieLensSourceIT.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobException;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.IngestConfig;
import io.twotower.jobs.config.SourceConfig;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Quarantine;
import io.twotower.jobs.tables.Table;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input catalogue of issue 13, one test per kind of bad input, each on a few hand-made rows
 * in one shared session: every bad row is quarantined with its reason and the counts add up (valid
 * + quarantined = read), or the job fails with a clear error.
 */
class BadInputIT {

  static final String HEADER = "user_id,item_id,timestamp,engagement\n";
  static final String GOOD = "u1,a,2026-01-01T10:00:00Z,1\nu2,b,2026-01-02T10:00:00Z,0.5\n";

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static Path items;

  @BeforeAll
  static void setUp() throws IOException {
    items = Files.writeString(scratch.resolve("items.csv"), "item_id,channel\na,c1\nb,c1\nc,c2\n");
  }

  @Test
  void malformedCsvLines() {
    // One field short, one too many: Spark would fill the first with nulls and cut the second.
    Checked checked = check(GOOD + "u3,a,2026-01-01T10:00:00Z\nu3,b,2026-01-01T10:00:00Z,1,x\n");

    assertThat(checked.reasons()).containsExactlyEntriesOf(Map.of("malformed line", 2L));
    assertThat(checked.valid()).isEqualTo(2);
    assertThat(
            rows(
                checked.log().rejectedEvents(),
                "malformed_line",
                "user_id",
                "item_id",
                "timestamp"))
        .containsExactly(
            "u3,a,2026-01-01T10:00:00Z|u3|a|2026-01-01T10:00:00Z",
            "u3,b,2026-01-01T10:00:00Z,1,x|u3|b|2026-01-01T10:00:00Z");
  }

  @Test
  void wrongTypes() throws IOException {
    Checked checked = check(GOOD + "u3,a,yesterday,1\nu3,b,2026-01-01T10:00:00Z,lots\n");
    assertThat(checked.reasons())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("missing or unparsable timestamp", 1L, "missing or non-numeric engagement", 1L));

    // A Parquet column of a type that cannot be a time fails the run, naming the column.
    Path parquet = scratch.resolve("boolean-timestamps");
    spark
        .sql("SELECT 'u1' AS user_id, 'a' AS item_id, true AS timestamp")
        .write()
        .parquet(parquet.toString());
    Path parquetItems = scratch.resolve("parquet-items");
    spark.sql("SELECT 'a' AS item_id").write().parquet(parquetItems.toString());
    SourceConfig source =
        new SourceConfig(
            SourceConfig.Kind.GENERIC,
            "",
            "parquet",
            parquet.toString(),
            parquetItems.toString(),
            List.of());
    assertThatThrownBy(() -> validate(GenericSource.read(spark, source), IngestBounds.DEFAULTS))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Event column timestamp from generic is boolean");
  }

  @Test
  void nullOrEmptyIds() {
    Checked checked =
        check(GOOD + ",a,2026-01-01T10:00:00Z,1\n  ,a,2026-01-01T10:00:00Z,1\nu3,,2026-01-01,1\n");
    assertThat(checked.reasons())
        .containsExactlyInAnyOrderEntriesOf(Map.of("missing user_id", 2L, "missing item_id", 1L));
  }

  @Test
  void negativeFutureAndUnparsableTimestamps() {
    // -100 is 1969-12-31; 4102444800 is 2100-01-01; 2026-13-45 is no date. NOW is 2026-06-01,
    // so 2026-06-01T23:00:00Z is within the default tolerance of a day and 2026-06-03 is not.
    Checked checked =
        check(
            GOOD
                + "u3,a,-100,1\n"
                + "u3,a,2099-06-01T00:00:00Z,1\n"
                + "u3,b,4102444800,1\n"
                + "u3,c,2026-06-01T23:00:00Z,1\n"
                + "u3,c,2026-06-03T00:00:00Z,1\n"
                + "u3,a,2026-13-45,1\n");
    assertThat(checked.reasons())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                IngestValidation.TIMESTAMP_TOO_EARLY, 1L,
                IngestValidation.TIMESTAMP_IN_FUTURE, 3L,
                IngestValidation.BAD_TIMESTAMP, 1L));
    assertThat(checked.valid()).isEqualTo(3);
  }

  @Test
  void futureRowsMakeNoPartitionOfTheirDay() throws IOException {
    Path events =
        Files.writeString(
            scratch.resolve("future.csv"),
            HEADER + GOOD + "u3,a,2099-06-01T00:00:00Z,1\nu3,a,-100,1\n");
    DeltaStore store = new DeltaStore(spark, scratch.resolve("future-store"));
    IngestReport report =
        IngestJob.ingest(
            store, GenericSource.read(spark, source(events)), DateRange.ALL, lenient());

    assertThat(report.eventsRead()).isEqualTo(report.eventsValid() + 2);
    assertThat(rows(store.read(Table.EVENTS).select("dt").distinct(), "CAST(dt AS STRING)"))
        .containsExactly("2026-01-01", "2026-01-02");
  }

  @Test
  void duplicatesAndUnknownItems() {
    Checked checked =
        check(GOOD + "u1,a,2026-01-01T10:00:00Z,0.3\nu1,a,2026-01-01T10:00:00Z,1\nu3,zz,1,1\n");
    // The first of the duplicates (smallest source position) is kept: GOOD's first row. u3's
    // timestamp 1 is 1970-01-01T00:00:01Z, within the bounds: only its item is unknown.
    assertThat(checked.reasons())
        .containsExactlyInAnyOrderEntriesOf(Map.of("duplicate event", 2L, "unknown item", 1L));
  }

  @Test
  void engagementOutOfRange() {
    Checked checked =
        check(
            GOOD
                + "u3,a,2026-01-01T10:00:00Z,-1\n"
                + "u3,b,2026-01-01T10:00:00Z,NaN\n"
                + "u3,c,2026-01-01T10:00:00Z,Infinity\n"
                + "u4,a,2026-01-01T10:00:00Z,1e400\n");
    assertThat(checked.reasons())
        .containsExactlyEntriesOf(Map.of(IngestValidation.INVALID_ENGAGEMENT, 4L));
  }

  @Test
  void aUserWithTooManyEventsInADayHasTheDayQuarantined() {
    // Bound 20 instead of the default 10,000 to keep the file small; u9 has 25 events on 01-03
    // (all quarantined: a bot's first events are no better than its last) and 5 on 01-04 (kept).
    StringBuilder events = new StringBuilder(GOOD);
    for (int i = 0; i < 30; i++) {
      events.append("u9,a,2026-01-0").append(i < 25 ? 3 : 4).append("T10:").append(10 + i);
      events.append(":00Z,1\n");
    }
    IngestConfig bound20 =
        new IngestConfig(
            IngestBounds.DEFAULTS.futureTolerance(),
            IngestBounds.DEFAULTS.earliestTimestamp(),
            IngestBounds.DEFAULTS.maxIdLength(),
            1.0,
            20);
    Checked checked = check(events.toString(), bound20);
    assertThat(checked.reasons())
        .containsExactlyEntriesOf(Map.of(IngestValidation.TOO_MANY_EVENTS, 25L));
    assertThat(checked.valid()).isEqualTo(7);
  }

  @Test
  void veryLongIds() {
    String megabyte = "x".repeat(1 << 20);
    Checked checked =
        check(
            GOOD
                + megabyte
                + ",a,2026-01-01T10:00:00Z,1\n"
                + "u3,"
                + "y".repeat(257)
                + ",2026-01-01T10:00:00Z,1\n"
                + "y".repeat(256)
                + ",a,2026-01-01T10:00:00Z,1\n");
    // 256 characters is the default limit: that user is valid.
    assertThat(checked.reasons())
        .containsExactlyEntriesOf(Map.of(IngestValidation.ID_TOO_LONG, 2L));
    assertThat(checked.valid()).isEqualTo(3);
    // The quarantine keeps the first kilobyte of the megabyte id, and says how long it was.
    DeltaStore kept = new DeltaStore(spark, scratch.resolve("long-ids"));
    Quarantine.write(kept, "ingest", "long ids", checked.log().rejectedEvents());
    List<String> records =
        kept.read(Table.QUARANTINE).collectAsList().stream()
            .map(row -> row.<String>getAs("record"))
            .toList();
    assertThat(records)
        .hasSize(2)
        .allSatisfy(record -> assertThat(record).hasSizeLessThan(2 * Quarantine.MAX_VALUE_CHARS))
        .anySatisfy(
            record ->
                assertThat(record)
                    .contains("x".repeat(Quarantine.MAX_VALUE_CHARS) + "…[1,048,576 characters]"))
        .anySatisfy(record -> assertThat(record).contains("y".repeat(257)));
  }

  @Test
  void invalidUtf8() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes((HEADER + GOOD + "caf\u00e9,a,2026-01-01T10:00:00Z,1\n").getBytes(UTF8));
    // Latin-1 "café" (0xE9 alone is not UTF-8) and a stray 0xFF in an item id.
    bytes.writeBytes("caf".getBytes(UTF8));
    bytes.write(0xE9);
    bytes.writeBytes(",a,2026-01-01T10:00:00Z,1\nu3,b".getBytes(UTF8));
    bytes.write(0xFF);
    bytes.writeBytes(",2026-01-01T10:00:00Z,1\n".getBytes(UTF8));
    Path events = Files.write(scratch.resolve("latin1.csv"), bytes.toByteArray());

    Checked checked = check(GenericSource.read(spark, source(events)), IngestBounds.DEFAULTS);
    assertThat(checked.reasons())
        .containsExactlyEntriesOf(Map.of(IngestValidation.INVALID_UTF8, 2L));
    // The UTF-8 "café" is a good id.
    assertThat(checked.valid()).isEqualTo(3);

    // Parquet strings are not checked on read: the raw bytes reach the validation as they are.
    Path parquet = scratch.resolve("invalid-utf8-parquet");
    spark
        .sql(
            "SELECT CAST(X'75FF' AS STRING) AS user_id, 'a' AS item_id,"
                + " '2026-01-01T10:00:00Z' AS timestamp"
                + " UNION ALL SELECT 'u1', 'a', '2026-01-01T11:00:00Z'")
        .write()
        .parquet(parquet.toString());
    Path parquetItems = scratch.resolve("utf8-items");
    spark.sql("SELECT 'a' AS item_id").write().parquet(parquetItems.toString());
    SourceConfig source =
        new SourceConfig(
            SourceConfig.Kind.GENERIC,
            "",
            "parquet",
            parquet.toString(),
            parquetItems.toString(),
            List.of());
    Checked fromParquet = check(GenericSource.read(spark, source), IngestBounds.DEFAULTS);
    assertThat(fromParquet.reasons())
        .containsExactlyEntriesOf(Map.of(IngestValidation.INVALID_UTF8, 1L));
    assertThat(fromParquet.valid()).isEqualTo(1);
  }

  @Test
  void emptyInputs() throws IOException {
    // A header and no rows: nothing to ingest, nothing bad; the run writes empty tables.
    Path headerOnly = Files.writeString(scratch.resolve("header-only.csv"), HEADER);
    DeltaStore store = new DeltaStore(spark, scratch.resolve("empty-store"));
    IngestReport report =
        IngestJob.ingest(
            store,
            GenericSource.read(spark, source(headerOnly)),
            DateRange.ALL,
            IngestBounds.DEFAULTS);
    assertThat(report.eventsRead()).isZero();
    assertThat(report.eventsValid()).isZero();
    assertThat(store.read(Table.EVENTS).count()).isZero();

    // Files without a byte, not even a header: the error says so and lists them.
    Path folder = Files.createDirectories(scratch.resolve("empty-files"));
    Path first = Files.createFile(folder.resolve("part-0.csv"));
    Files.createFile(folder.resolve("part-1.csv"));
    assertThatThrownBy(() -> GenericSource.read(spark, source(folder)))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("The generic events input files are empty at " + folder)
        .hasMessageContaining("2 file(s) are all empty (0 bytes)")
        .hasMessageContaining(first.getFileName().toString())
        .hasMessageNotContaining("found columns");
  }

  @Test
  void aMissingInputPath() {
    Path missing = scratch.resolve("no-such-folder");
    assertThatThrownBy(() -> GenericSource.read(spark, source(missing)))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Generic events not found at " + missing);
    assertThatThrownBy(() -> MovieLensSource.read(spark, missing.toString()))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("MovieLens folder not found at " + missing);
  }

  @Test
  void aDeltaTableWithTheWrongSchema() throws IOException {
    Path events = Files.writeString(scratch.resolve("schema.csv"), HEADER + GOOD);
    DeltaStore store = new DeltaStore(spark, scratch.resolve("wrong-schema"));
    spark
        .sql("SELECT 'x' AS visitor, 3 AS clicks, DATE'2026-01-01' AS dt")
        .write()
        .format("delta")
        .partitionBy("dt")
        .save(store.path(Table.EVENTS));
    long version = versionOf(store);

    DateRange day = DateRange.day(LocalDate.parse("2026-01-01"));
    assertThatThrownBy(
            () ->
                IngestJob.ingest(
                    store, GenericSource.read(spark, source(events)), day, IngestBounds.DEFAULTS))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("The existing Delta table 'events' at " + store.path(Table.EVENTS))
        .hasMessageContaining("visitor")
        .hasMessageContaining("move the table away");
    assertThat(versionOf(store)).isEqualTo(version);
    // A stage reading the events names what is missing.
    assertThatThrownBy(() -> store.read(Table.EVENTS))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("missing column user_id string");
  }

  @Test
  void tooManyBadRowsFailBeforeWritingAndTheTablesKeepTheirVersion() throws IOException {
    DeltaStore store = new DeltaStore(spark, scratch.resolve("threshold"));
    // 120 good rows (60 users x 2 days), then the same with 2 bad rows: 2 / 122 > 1%.
    StringBuilder good = new StringBuilder(HEADER);
    for (int user = 1; user <= 60; user++) {
      good.append("u").append(user).append(",a,2026-01-01T10:00:00Z,1\n");
      good.append("u").append(user).append(",b,2026-01-02T10:00:00Z,1\n");
    }
    Path clean = Files.writeString(scratch.resolve("clean.csv"), good);
    IngestJob.ingest(
        store, GenericSource.read(spark, source(clean)), DateRange.ALL, IngestBounds.DEFAULTS);
    Map<Table, Long> before = versions(store);

    Path dirty =
        Files.writeString(
            scratch.resolve("dirty.csv"), good + "u3,a,-100,1\nu3,zz,2026-01-01T10:00:00Z,1\n");
    assertThatThrownBy(
            () ->
                IngestJob.ingest(
                    store,
                    GenericSource.read(spark, source(dirty)),
                    DateRange.ALL,
                    IngestBounds.DEFAULTS))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("Ingest quarantined too many rows: 2 of 122 events (1.6%")
        .hasMessageContaining("1 " + IngestValidation.TIMESTAMP_TOO_EARLY)
        .hasMessageContaining("1 unknown item")
        .hasMessageContaining("more than ingest.max-bad-fraction = 0.01")
        .hasMessageContaining("keep their previous version")
        .hasMessageContaining(store.path(Table.QUARANTINE))
        .hasMessageContaining("--set ingest.max-bad-fraction=");
    assertThat(versions(store)).isEqualTo(before);
    // The quarantined rows were written, to look at.
    assertThat(
            rows(
                store.read(Table.QUARANTINE).where("source = 'generic/events'"),
                "reason",
                "get_json_object(record, '$.item_id')"))
        .containsExactly(IngestValidation.TIMESTAMP_TOO_EARLY + "|a", "unknown item|zz");

    // One bad row in 121 (0.8%) is under the default bound: the run writes.
    Path slightlyDirty = Files.writeString(scratch.resolve("slightly.csv"), good + "u3,a,-100,1\n");
    IngestReport report =
        IngestJob.ingest(
            store,
            GenericSource.read(spark, source(slightlyDirty)),
            DateRange.ALL,
            IngestBounds.DEFAULTS);
    assertThat(report.eventsValid()).isEqualTo(120);
    assertThat(versionOf(store)).isEqualTo(before.get(Table.EVENTS) + 1);
  }

  // ---- helpers

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;

  /** A validated log and its counts, checked to add up. */
  record Checked(ValidatedLog log, long read, long valid, Map<String, Long> reasons) {}

  private static Checked check(String rowsAfterHeader) {
    return check(rowsAfterHeader, IngestBounds.DEFAULTS);
  }

  private static Checked check(String rowsAfterHeader, IngestConfig bounds) {
    try {
      Path events = Files.createTempFile(scratch, "events", ".csv");
      Files.writeString(events, HEADER + rowsAfterHeader);
      return check(GenericSource.read(spark, source(events)), bounds);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Checked check(RawLog raw, IngestConfig bounds) {
    ValidatedLog log = validate(raw, bounds);
    long read = log.checkedEvents().count();
    long valid = log.events().count();
    Map<String, Long> reasons = new TreeMap<>();
    for (Row row : log.rejectedEvents().groupBy("reason").count().collectAsList()) {
      reasons.put(row.getString(0), row.getLong(1));
    }
    long quarantined = reasons.values().stream().mapToLong(Long::longValue).sum();
    assertThat(valid + quarantined).as("valid + quarantined = read").isEqualTo(read);
    assertThat(log.rejectedItems().count()).isZero();
    return new Checked(log, read, valid, reasons);
  }

  private static ValidatedLog validate(RawLog raw, IngestConfig bounds) {
    return IngestValidation.validate(raw, DateRange.ALL, bounds, IngestBounds.NOW);
  }

  private static IngestConfig lenient() {
    return IngestBounds.ANY_SHARE_BAD;
  }

  private static SourceConfig source(Path events) {
    return new SourceConfig(
        SourceConfig.Kind.GENERIC, "", "csv", events.toString(), items.toString(), List.of());
  }

  private static long versionOf(DeltaStore store) {
    return store.version(Table.EVENTS);
  }

  private static Map<Table, Long> versions(DeltaStore store) {
    return Map.of(
        Table.EVENTS, store.version(Table.EVENTS), Table.ITEMS, store.version(Table.ITEMS));
  }
}
