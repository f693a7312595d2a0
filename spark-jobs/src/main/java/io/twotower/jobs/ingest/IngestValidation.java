package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
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

  public static final String MISSING_USER = "missing user_id";
  public static final String MISSING_ITEM = "missing item_id";
  public static final String BAD_TIMESTAMP = "missing or unparsable timestamp";

  /** Before 1900 or after 2200: most often epoch milliseconds given as seconds. */
  public static final String TIMESTAMP_OUT_OF_RANGE = "timestamp out of range";

  public static final String BAD_ENGAGEMENT = "missing or non-numeric engagement";
  public static final String INVALID_ENGAGEMENT = "negative, NaN or infinite engagement";

  /** The event's item_id is not among the valid items: it would have no features. */
  public static final String UNKNOWN_ITEM = "unknown item";

  /** Same user_id, item_id and timestamp as an earlier row; the first is kept. */
  public static final String DUPLICATE_EVENT = "duplicate event";

  /** Same item_id as an earlier item row; the first is kept. */
  public static final String DUPLICATE_ITEM = "duplicate item_id";

  private static final Set<String> SOURCE_COLUMNS = Set.of(RawLog.SOURCE_FILE, RawLog.SOURCE_ORDER);

  private IngestValidation() {}

  /**
   * Events and items with a {@link #REASON} column. With a date range only events of those days
   * (and events whose day cannot be told) are kept: rows of other days are left alone, not
   * rejected.
   */
  public static ValidatedLog validate(RawLog raw, DateRange dates) {
    Dataset<Row> items = checkItems(raw.items(), raw.source());
    Dataset<Row> knownItems = items.where(col(REASON).isNull()).select(col(ITEM_ID));
    Dataset<Row> events = checkEvents(raw.events(), knownItems, dates, raw.source());
    return new ValidatedLog(events, items, featureColumns(raw.items()));
  }

  static Dataset<Row> checkItems(Dataset<Row> raw, String source) {
    require(raw, "items", source, ITEM_ID, RawLog.SOURCE_FILE, RawLog.SOURCE_ORDER);
    List<String> features = featureColumns(raw);
    for (String feature : features) {
      DataType type = raw.schema().apply(feature).dataType();
      boolean ok =
          type instanceof StringType
              || (type instanceof ArrayType array && array.elementType() instanceof StringType);
      if (!ok) {
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
        when(isBlank(col(ITEM_ID)), lit(MISSING_ITEM))
            .when(rank.gt(1), lit(DUPLICATE_ITEM))
            .otherwise(lit(null).cast("string"));
    return items.withColumn(REASON, reason);
  }

  static Dataset<Row> checkEvents(
      Dataset<Row> raw, Dataset<Row> knownItems, DateRange dates, String source) {
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
    columns.add(col(RawLog.SOURCE_FILE));
    columns.add(col(RawLog.SOURCE_ORDER));
    Dataset<Row> events =
        raw.select(columns.toArray(Column[]::new)).withColumn(DT, utcDate(col(TS)));
    if (!dates.isAll()) {
      events = events.where(col(DT).isNull().or(dates.includes(col(DT))));
    }

    Column engagementValue = col(ENGAGEMENT);
    Column reason =
        when(isBlank(col(USER_ID)), lit(MISSING_USER))
            .when(isBlank(col(ITEM_ID)), lit(MISSING_ITEM))
            .when(col(TS).isNull(), lit(BAD_TIMESTAMP))
            .when(year(col(TS)).lt(1900).or(year(col(TS)).gt(2200)), lit(TIMESTAMP_OUT_OF_RANGE))
            .when(engagementValue.isNull(), lit(BAD_ENGAGEMENT))
            .when(
                isnan(engagementValue)
                    .or(engagementValue.lt(0))
                    .or(engagementValue.equalTo(Double.POSITIVE_INFINITY)),
                lit(INVALID_ENGAGEMENT))
            .otherwise(lit(null).cast("string"));
    events = events.withColumn(REASON, reason);

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
    if (hasEngagement) {
      order.add(col("raw_engagement"));
    }
    Column rank =
        row_number()
            .over(
                Window.partitionBy(col(USER_ID), col(ITEM_ID), col(TS), col(REASON))
                    .orderBy(order.toArray(Column[]::new)));
    return events.withColumn(
        REASON,
        when(col(REASON).isNull().and(rank.gt(1)), lit(DUPLICATE_EVENT)).otherwise(col(REASON)));
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

  private static Column isBlank(Column value) {
    return value.isNull().or(value.equalTo(""));
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
