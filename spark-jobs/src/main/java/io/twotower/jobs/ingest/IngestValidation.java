package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.decode;
import static org.apache.spark.sql.functions.encode;
import static org.apache.spark.sql.functions.exists;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.IngestConfig;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Checks a {@link RawLog} row by row and gives each bad row one reason (the first check it fails,
 * in the order of the constants below). Pure Dataset functions: nothing is computed or written
 * here.
 */
public final class IngestValidation {

  /** The column holding a row's reason; null for a valid row. */
  public static final String REASON = "reason";

  /** A line of a text file that does not split into the header's fields. */
  public static final String MALFORMED_LINE = "malformed line";

  public static final String MISSING_USER = "missing user_id";
  public static final String MISSING_ITEM = "missing item_id";
  public static final String BAD_TIMESTAMP = "missing or unparsable timestamp";

  /** Before {@code ingest.earliest-timestamp}: negative epoch seconds, a default clock. */
  public static final String TIMESTAMP_TOO_EARLY = "timestamp before ingest.earliest-timestamp";

  /**
   * After the run's date plus {@code ingest.future-tolerance}: a broken clock, or epoch
   * milliseconds given as seconds.
   */
  public static final String TIMESTAMP_IN_FUTURE =
      "timestamp after the run's date plus ingest.future-tolerance";

  /**
   * An id or item feature holding bytes that are not UTF-8 (or U+FFFD, which a lossy decoding put
   * there): the CSV reader replaces bad bytes with U+FFFD, so two different ids could become one.
   */
  public static final String INVALID_UTF8 = "invalid UTF-8";

  /** A user_id or item_id longer than {@code ingest.max-id-length} characters. */
  public static final String ID_TOO_LONG = "id longer than ingest.max-id-length";

  public static final String BAD_ENGAGEMENT = "missing or non-numeric engagement";
  public static final String INVALID_ENGAGEMENT = "negative, NaN or infinite engagement";

  /** The event's item_id is not among the valid items: it would have no features. */
  public static final String UNKNOWN_ITEM = "unknown item";

  /** Same user_id, item_id and timestamp as an earlier row; the first is kept. */
  public static final String DUPLICATE_EVENT = "duplicate event";

  /**
   * One of the user's events of a day with more valid events than {@code
   * ingest.max-events-per-user-day}: the whole day is quarantined, since a bot's first events are
   * no better than its last.
   */
  public static final String TOO_MANY_EVENTS =
      "more events in a day than ingest.max-events-per-user-day";

  /** Same item_id as an earlier item row; the first is kept. */
  public static final String DUPLICATE_ITEM = "duplicate item_id";

  private static final Set<String> SOURCE_COLUMNS =
      Set.of(RawLog.SOURCE_FILE, RawLog.SOURCE_ORDER, RawLog.MALFORMED_LINE);

  private IngestValidation() {}

  /**
   * Events and items with a {@link #REASON} column. With a date range only events of those days
   * (and events whose day cannot be told) are kept: rows of other days are left alone, not
   * rejected.
   *
   * @param now the run's time: without a last day in {@code dates}, events after it plus {@code
   *     ingest.future-tolerance} are in the future
   */
  public static ValidatedLog validate(
      RawLog raw, DateRange dates, IngestConfig bounds, Instant now) {
    Dataset<Row> items = checkItems(raw.items(), raw.source(), bounds);
    Dataset<Row> knownItems = items.where(col(REASON).isNull()).select(col(ITEM_ID));
    Dataset<Row> events = checkEvents(raw.events(), knownItems, dates, raw.source(), bounds, now);
    return new ValidatedLog(events, items, featureColumns(raw.items()));
  }

  static Dataset<Row> checkItems(Dataset<Row> raw, String source, IngestConfig bounds) {
    require(raw, "items", source, ITEM_ID, RawLog.SOURCE_FILE, RawLog.SOURCE_ORDER);
    List<String> features = featureColumns(raw);
    Column badFeatureText = lit(false);
    for (String feature : features) {
      DataType type = raw.schema().apply(feature).dataType();
      if (type instanceof StringType) {
        badFeatureText = badFeatureText.or(coalesce(invalidUtf8(col(feature)), lit(false)));
      } else if (type instanceof ArrayType array && array.elementType() instanceof StringType) {
        badFeatureText =
            badFeatureText.or(coalesce(exists(col(feature), v -> invalidUtf8(v)), lit(false)));
      } else {
        throw JobErrors.nonCategoricalSourceItemColumn(feature, source, type.simpleString());
      }
    }
    Dataset<Row> items = raw.withColumn(ITEM_ID, trim(col(ITEM_ID).cast("string")));
    List<Column> order =
        new ArrayList<>(List.of(col(RawLog.SOURCE_FILE), col(RawLog.SOURCE_ORDER)));
    if (!features.isEmpty()) {
      // Breaks ties between rows with the same position, so "the first" never depends on chance.
      order.add(to_json(struct(features.stream().map(c -> col(c)).toArray(Column[]::new))));
    }
    Column rank =
        row_number().over(Window.partitionBy(col(ITEM_ID)).orderBy(order.toArray(Column[]::new)));
    Column reason =
        when(malformed(raw), lit(MALFORMED_LINE))
            .when(isBlank(col(ITEM_ID)), lit(MISSING_ITEM))
            .when(invalidUtf8(col(ITEM_ID)).or(badFeatureText), lit(INVALID_UTF8))
            .when(length(col(ITEM_ID)).gt(bounds.maxIdLength()), lit(ID_TOO_LONG))
            .when(rank.gt(1), lit(DUPLICATE_ITEM))
            .otherwise(lit(null).cast("string"));
    return items.withColumn(REASON, reason);
  }

  static Dataset<Row> checkEvents(
      Dataset<Row> raw,
      Dataset<Row> knownItems,
      DateRange dates,
      String source,
      IngestConfig bounds,
      Instant now) {
    Dataset<Row> events = checkEventRows(raw, dates, source, bounds, now);
    events =
        events
            .join(knownItems.withColumn("known_item", lit(true)), ITEM_ID, "left")
            .withColumn(
                REASON,
                when(col(REASON).isNull().and(col("known_item").isNull()), lit(UNKNOWN_ITEM))
                    .otherwise(col(REASON)))
            .drop("known_item");

    List<Column> order =
        new ArrayList<>(
            List.of(col(RawLog.SOURCE_FILE), col(RawLog.SOURCE_ORDER), col(ENGAGEMENT)));
    if (List.of(events.columns()).contains("raw_engagement")) {
      order.add(col("raw_engagement"));
    }
    Column rank =
        row_number()
            .over(
                Window.partitionBy(col(USER_ID), col(ITEM_ID), col(TS), col(REASON))
                    .orderBy(order.toArray(Column[]::new)));
    events =
        events.withColumn(
            REASON,
            when(col(REASON).isNull().and(rank.gt(1)), lit(DUPLICATE_EVENT))
                .otherwise(col(REASON)));
    if (bounds.maxEventsPerUserDay() == 0) {
      return events;
    }
    // Counted after duplicates, so a replayed row does not push a user over the bound.
    Column validThatDay =
        sum(when(col(REASON).isNull(), 1).otherwise(0)).over(Window.partitionBy(USER_ID, DT));
    return events.withColumn(
        REASON,
        when(
                col(REASON).isNull().and(validThatDay.gt(bounds.maxEventsPerUserDay())),
                lit(TOO_MANY_EVENTS))
            .otherwise(col(REASON)));
  }

  /**
   * The checks each event row passes or fails on its own (the others compare rows): parsed columns,
   * the raw values, {@code dt} and {@link #REASON}. No shuffle, so a test can run it on many
   * generated rows quickly.
   */
  static Dataset<Row> checkEventRows(
      Dataset<Row> raw, DateRange dates, String source, IngestConfig bounds, Instant now) {
    require(raw, "events", source, USER_ID, ITEM_ID, "timestamp");
    require(raw, "events", source, RawLog.SOURCE_FILE, RawLog.SOURCE_ORDER);
    boolean hasEngagement = List.of(raw.columns()).contains(ENGAGEMENT);
    Column ts = parseTimestamp(raw, source);
    Column engagement = hasEngagement ? parseEngagement(raw, source) : lit(1.0);
    List<Column> columns =
        new ArrayList<>(
            List.of(
                trim(col(USER_ID).cast("string")).as(USER_ID),
                trim(col(ITEM_ID).cast("string")).as(ITEM_ID),
                ts.as(TS),
                engagement.as(ENGAGEMENT),
                col("timestamp").cast("string").as("raw_timestamp")));
    if (hasEngagement) {
      columns.add(col(ENGAGEMENT).cast("string").as("raw_engagement"));
    }
    if (List.of(raw.columns()).contains(RawLog.MALFORMED_LINE)) {
      columns.add(col(RawLog.MALFORMED_LINE));
    }
    columns.add(col(RawLog.SOURCE_FILE));
    columns.add(col(RawLog.SOURCE_ORDER));
    Dataset<Row> events =
        raw.select(columns.toArray(Column[]::new)).withColumn(DT, utcDate(col(TS)));
    if (!dates.isAll()) {
      events = events.where(col(DT).isNull().or(dates.includes(col(DT))));
    }

    Column user = col(USER_ID);
    Column item = col(ITEM_ID);
    Column engagementValue = col(ENGAGEMENT);
    Timestamp earliest = Timestamp.from(bounds.earliestTimestamp());
    Timestamp latest = Timestamp.from(bounds.latestAllowed(dates.to(), now));
    Column reason =
        when(malformed(raw), lit(MALFORMED_LINE))
            .when(isBlank(user), lit(MISSING_USER))
            .when(isBlank(item), lit(MISSING_ITEM))
            .when(invalidUtf8(user).or(invalidUtf8(item)), lit(INVALID_UTF8))
            .when(
                length(user).gt(bounds.maxIdLength()).or(length(item).gt(bounds.maxIdLength())),
                lit(ID_TOO_LONG))
            .when(col(TS).isNull(), lit(BAD_TIMESTAMP))
            .when(col(TS).lt(lit(earliest)), lit(TIMESTAMP_TOO_EARLY))
            .when(col(TS).gt(lit(latest)), lit(TIMESTAMP_IN_FUTURE))
            .when(engagementValue.isNull(), lit(BAD_ENGAGEMENT))
            .when(
                isnan(engagementValue)
                    .or(engagementValue.lt(0))
                    .or(engagementValue.equalTo(Double.POSITIVE_INFINITY)),
                lit(INVALID_ENGAGEMENT))
            .otherwise(lit(null).cast("string"));
    return events.withColumn(REASON, reason);
  }

  private static Column malformed(Dataset<Row> raw) {
    return List.of(raw.columns()).contains(RawLog.MALFORMED_LINE)
        ? col(RawLog.MALFORMED_LINE).isNotNull()
        : lit(false);
  }

  /**
   * True when {@code text} holds bytes that are not UTF-8 (Parquet strings are not checked on read)
   * or U+FFFD (what the CSV reader made of such bytes; a real id never needs it).
   */
  private static Column invalidUtf8(Column text) {
    return decode(encode(text, "UTF-8"), "UTF-8").contains("\uFFFD");
  }

  /** The UTC calendar day of a timestamp, whatever the session's time zone. */
  public static Column utcDate(Column ts) {
    return call_function(
        "date_from_unix_date", floor(call_function("unix_seconds", ts).divide(86_400)).cast("int"));
  }

  /** Epoch seconds (number or numeric string), ISO-8601 strings, or TIMESTAMP/DATE values. */
  private static Column parseTimestamp(Dataset<Row> raw, String source) {
    Column value = col("timestamp");
    DataType type = raw.schema().apply("timestamp").dataType();
    if (type instanceof TimestampType
        || type instanceof TimestampNTZType
        || type instanceof DateType) {
      return value.cast(DataTypes.TimestampType);
    }
    if (type instanceof NumericType) {
      return fromEpochSeconds(value.cast("double"));
    }
    if (type instanceof StringType) {
      Column text = trim(value);
      return when(text.rlike("^[+-]?[0-9]+(\\.[0-9]*)?$"), fromEpochSeconds(text.cast("double")))
          .otherwise(text.cast(DataTypes.TimestampType));
    }
    throw JobErrors.unreadableTimestamp(source, type.simpleString());
  }

  private static Column fromEpochSeconds(Column seconds) {
    // NaN would become 1970-01-01 and infinity the end of time: leave them unparsable.
    return when(
            isnan(seconds)
                .or(seconds.equalTo(Double.POSITIVE_INFINITY))
                .or(seconds.equalTo(Double.NEGATIVE_INFINITY)),
            lit(null).cast(DataTypes.TimestampType))
        .otherwise(call_function("timestamp_seconds", seconds));
  }

  private static Column parseEngagement(Dataset<Row> raw, String source) {
    DataType type = raw.schema().apply(ENGAGEMENT).dataType();
    if (type instanceof NumericType || type instanceof StringType) {
      return col(ENGAGEMENT).cast("double");
    }
    throw JobErrors.unreadableEngagement(source, type.simpleString());
  }

  /**
   * Null, empty or only whitespace: Spark's trim removes spaces only, so a tab or a line break
   * would otherwise pass for an id (found by IngestValidationPropertiesIT).
   */
  private static Column isBlank(Column value) {
    return value.isNull().or(value.rlike("^\\p{javaWhitespace}*$"));
  }

  static List<String> featureColumns(Dataset<Row> items) {
    return List.of(items.columns()).stream()
        .filter(c -> !c.equals(ITEM_ID) && !SOURCE_COLUMNS.contains(c))
        .toList();
  }

  private static void require(Dataset<Row> raw, String what, String source, String... columns) {
    List<String> present = List.of(raw.columns());
    List<String> missing = List.of(columns).stream().filter(c -> !present.contains(c)).toList();
    if (!missing.isEmpty()) {
      throw JobErrors.sourceLacksColumns(what, source, missing, present);
    }
  }
}
