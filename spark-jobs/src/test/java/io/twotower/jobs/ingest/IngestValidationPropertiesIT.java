package io.twotower.jobs.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSessionExtension;
import io.twotower.jobs.config.IngestConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Generated rows through the ingest validation: arbitrary strings (any unicode, control characters,
 * lone surrogates, U+FFFD, blanks, very long), numbers at their extremes. Nothing may fail, every
 * row comes out either valid or with one known reason, the counts add up, and a valid row keeps
 * every bound.
 *
 * <p>The row-level checks are one projection of local rows, which Spark evaluates in the driver
 * without a job (a few milliseconds a try), so they get many tries; the whole validation (item
 * join, duplicates, user-days) runs jobs, so it gets a few tries of larger batches.
 */
class IngestValidationPropertiesIT {

  static final StructType TEXT_EVENTS =
      new StructType()
          .add("user_id", DataTypes.StringType)
          .add("item_id", DataTypes.StringType)
          .add("timestamp", DataTypes.StringType)
          .add("engagement", DataTypes.StringType)
          .add(RawLog.SOURCE_FILE, DataTypes.StringType)
          .add(RawLog.SOURCE_ORDER, DataTypes.LongType);

  static final StructType NUMERIC_EVENTS =
      new StructType()
          .add("user_id", DataTypes.StringType)
          .add("item_id", DataTypes.StringType)
          .add("timestamp", DataTypes.DoubleType)
          .add("engagement", DataTypes.DoubleType)
          .add(RawLog.SOURCE_FILE, DataTypes.StringType)
          .add(RawLog.SOURCE_ORDER, DataTypes.LongType);

  static final Set<String> REASONS =
      Set.of(
          IngestValidation.MISSING_USER,
          IngestValidation.MISSING_ITEM,
          IngestValidation.INVALID_UTF8,
          IngestValidation.ID_TOO_LONG,
          IngestValidation.BAD_TIMESTAMP,
          IngestValidation.TIMESTAMP_TOO_EARLY,
          IngestValidation.TIMESTAMP_IN_FUTURE,
          IngestValidation.BAD_ENGAGEMENT,
          IngestValidation.INVALID_ENGAGEMENT,
          IngestValidation.UNKNOWN_ITEM,
          IngestValidation.DUPLICATE_EVENT,
          IngestValidation.TOO_MANY_EVENTS);

  static final IngestConfig BOUNDS =
      new IngestConfig(
          IngestBounds.DEFAULTS.futureTolerance(),
          IngestBounds.DEFAULTS.earliestTimestamp(),
          IngestBounds.DEFAULTS.maxIdLength(),
          1.0,
          3);

  static SparkSession spark;
  static Path warehouse;

  @BeforeContainer
  static void start() throws IOException {
    warehouse = Files.createTempDirectory("two-tower-properties");
    spark = SparkTestSessionExtension.start(warehouse);
  }

  @AfterContainer
  static void stop() {
    spark.stop();
  }

  @Property(tries = 200)
  void textRowsAreValidOrHaveOneReasonAndValidRowsKeepTheBounds(
      @ForAll("fewTextRows") List<List<String>> rows) {
    checkRowLevel(frame(rows, TEXT_EVENTS), rows.size());
  }

  @Property(tries = 100)
  void numericRowsAreValidOrHaveOneReasonAndValidRowsKeepTheBounds(
      @ForAll("fewNumericRows") List<List<Object>> rows) {
    checkRowLevel(frame(rows, NUMERIC_EVENTS), rows.size());
  }

  /** Joins and windows run Spark jobs: few tries, many rows each. */
  @Property(tries = 4)
  void theWholeValidationAccountsForEveryRow(@ForAll("manyTextRows") List<List<String>> rows) {
    Dataset<Row> events = frame(rows, TEXT_EVENTS);
    Dataset<Row> items =
        spark.createDataFrame(
            List.of(
                RowFactory.create("a", "items", 0L),
                RowFactory.create("b", "items", 1L),
                RowFactory.create("c", "items", 2L)),
            new StructType()
                .add("item_id", DataTypes.StringType)
                .add(RawLog.SOURCE_FILE, DataTypes.StringType)
                .add(RawLog.SOURCE_ORDER, DataTypes.LongType));
    ValidatedLog log =
        IngestValidation.validate(
            new RawLog("generated", events, items), DateRange.ALL, BOUNDS, IngestBounds.NOW);

    Map<String, Long> reasons = new TreeMap<>();
    long read = 0;
    for (Row row : log.checkedEvents().groupBy(IngestValidation.REASON).count().collectAsList()) {
      read += row.getLong(1);
      if (!row.isNullAt(0)) {
        reasons.put(row.getString(0), row.getLong(1));
      }
    }
    long valid = log.events().count();
    assertThat(read).as("every row read is checked once").isEqualTo(rows.size());
    assertThat(valid + reasons.values().stream().mapToLong(Long::longValue).sum())
        .as("valid + quarantined = read")
        .isEqualTo(read);
    assertThat(log.rejectedEvents().count()).isEqualTo(read - valid);
    assertThat(REASONS).containsAll(reasons.keySet());
  }

  private static void checkRowLevel(Dataset<Row> events, int size) {
    List<Row> checked =
        IngestValidation.checkEventRows(
                events, DateRange.ALL, "generated", BOUNDS, IngestBounds.NOW)
            // Only valid rows' times are decoded: a quarantined -1e52 s is out of Java's range.
            .selectExpr(
                "user_id",
                "item_id",
                "CASE WHEN reason IS NULL THEN ts END",
                "engagement",
                "dt",
                "reason")
            .collectAsList();
    assertThat(checked).hasSize(size);
    Timestamp earliest = Timestamp.from(BOUNDS.earliestTimestamp());
    Timestamp latest = Timestamp.from(BOUNDS.latestAllowed(null, IngestBounds.NOW));
    for (Row row : checked) {
      String reason = row.getString(5);
      if (reason != null) {
        assertThat(REASONS).contains(reason);
        continue;
      }
      String user = row.getString(0);
      String item = row.getString(1);
      for (String id : List.of(user, item)) {
        assertThat(id).isNotBlank().doesNotContain("\uFFFD");
        assertThat(id.length()).isLessThanOrEqualTo(BOUNDS.maxIdLength());
      }
      Timestamp ts = row.getTimestamp(2);
      assertThat(ts).isNotNull();
      assertThat(ts.before(earliest) || ts.after(latest)).as("ts %s in bounds", ts).isFalse();
      double engagement = row.getDouble(3);
      assertThat(Double.isFinite(engagement) && engagement >= 0).as("engagement").isTrue();
      assertThat(row.getDate(4)).as("dt").isNotNull();
    }
  }

  private static Dataset<Row> frame(List<? extends List<?>> rows, StructType schema) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      List<Object> values = new ArrayList<>(rows.get(i));
      values.add("generated");
      values.add((long) i);
      out.add(RowFactory.create(values.toArray()));
    }
    return spark.createDataFrame(out, schema);
  }

  @Provide
  Arbitrary<List<List<String>>> fewTextRows() {
    return textRows().list().ofMaxSize(8);
  }

  @Provide
  Arbitrary<List<List<String>>> manyTextRows() {
    return textRows().list().ofMinSize(20).ofMaxSize(60);
  }

  @Provide
  Arbitrary<List<List<Object>>> fewNumericRows() {
    return numericRows().list().ofMaxSize(8);
  }

  private static Arbitrary<List<String>> textRows() {
    return Combinators.combine(ids(), ids(), timestampTexts(), numberTexts())
        .as((user, item, ts, engagement) -> java.util.Arrays.asList(user, item, ts, engagement));
  }

  private static Arbitrary<List<Object>> numericRows() {
    Arbitrary<Double> numbers =
        Arbitraries.oneOf(
                Arbitraries.doubles(),
                Arbitraries.longs().map(Long::doubleValue),
                Arbitraries.doubles().between(0, 4.2e9),
                Arbitraries.of(
                    Double.NaN,
                    Double.POSITIVE_INFINITY,
                    Double.NEGATIVE_INFINITY,
                    Double.MAX_VALUE,
                    -Double.MAX_VALUE,
                    Double.MIN_VALUE,
                    -0.0,
                    (double) Long.MAX_VALUE,
                    (double) Long.MIN_VALUE,
                    -100.0,
                    1.7672616e9))
            .injectNull(0.05);
    return Combinators.combine(ids(), ids(), numbers, numbers)
        .as(
            (user, item, ts, engagement) ->
                java.util.Arrays.<Object>asList(user, item, ts, engagement));
  }

  /** Known items, blanks, U+FFFD, control characters, any unicode, ids at and over the limit. */
  private static Arbitrary<String> ids() {
    return Arbitraries.oneOf(
            Arbitraries.of("a", "b", "c", "u1", "u2", "", " ", "\t", "\uFFFD", "caf\u00e9"),
            Arbitraries.strings().all().ofMaxLength(12),
            Arbitraries.strings().withChars("ab\u0000\n\r\"',").ofMaxLength(4),
            Arbitraries.of("x".repeat(256), "x".repeat(257)))
        .injectNull(0.05);
  }

  private static Arbitrary<String> timestampTexts() {
    return Arbitraries.oneOf(
            Arbitraries.of(
                "2026-01-01T10:00:00Z",
                "2026-01-02 08:00:00",
                "1767261600",
                "1767261600000",
                "-100",
                "0",
                "4102444800",
                "2099-06-01T00:00:00Z",
                "2026-13-45",
                "1e400",
                "NaN",
                "-Infinity",
                "9223372036854775807",
                "-9223372036854775808",
                "99999-01-01",
                "+1767261600.5",
                ""),
            Arbitraries.longs().map(String::valueOf),
            Arbitraries.doubles().map(String::valueOf),
            Arbitraries.strings().all().ofMaxLength(20))
        .injectNull(0.05);
  }

  private static Arbitrary<String> numberTexts() {
    return Arbitraries.oneOf(
            Arbitraries.of("1", "0", "-1", "0.5", "NaN", "Infinity", "1e400", "-0", "lots", ""),
            Arbitraries.doubles().map(String::valueOf),
            Arbitraries.strings().all().ofMaxLength(8))
        .injectNull(0.05);
  }
}
