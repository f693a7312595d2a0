package io.twotower.sampling;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Splits item events into rows the estimators can count and rows to quarantine. The estimators
 * themselves reject input that still holds invalid rows (see {@link ItemSamplingProbabilities}), so
 * a job that wants to keep going calls {@link #split} first, writes and reports the quarantined
 * rows, and estimates from the valid ones.
 */
public final class ItemEventValidation {

  /** Column added to quarantined rows saying why the row was set aside. */
  public static final String REASON = "reason";

  public static final String NULL_ITEM = "item id is null";
  public static final String EMPTY_ITEM = "item id is empty or blank";
  public static final String NULL_DAY = "day is null";

  private ItemEventValidation() {}

  /**
   * The two halves of an event table.
   *
   * @param valid the rows with a non-null, non-blank item id and a non-null day; input schema
   * @param quarantined the other rows; input schema plus a string column {@value #REASON}
   */
  public record ValidatedEvents(Dataset<Row> valid, Dataset<Row> quarantined) {}

  /**
   * Splits {@code events} by validity of {@code itemCol} (null, or blank if it is a string) and
   * {@code dayCol} (null). Lazy: nothing is computed until the halves are used.
   */
  public static ValidatedEvents split(Dataset<Row> events, String itemCol, String dayCol) {
    InputSchema.requireColumn(events, "events", itemCol);
    InputSchema.requireDateColumn(events, "events", dayCol);
    Dataset<Row> withReason = events.withColumn(REASON, invalidReason(events, itemCol, dayCol));
    return new ValidatedEvents(
        withReason.where(col(REASON).isNull()).drop(REASON),
        withReason.where(col(REASON).isNotNull()));
  }

  /** Null for a valid row, else the first reason it is not. */
  static Column invalidReason(Dataset<Row> events, String itemCol, String dayCol) {
    Column item = col(itemCol);
    Column reason = when(item.isNull(), lit(NULL_ITEM));
    if (isString(events, itemCol)) {
      reason = reason.when(trim(item).equalTo(""), lit(EMPTY_ITEM));
    }
    if (dayCol != null) {
      reason = reason.when(col(dayCol).isNull(), lit(NULL_DAY));
    }
    return reason;
  }

  /** True where the item id is null or, for string ids, blank. */
  static Column invalidItem(Dataset<Row> table, String itemCol) {
    Column item = col(itemCol);
    return isString(table, itemCol) ? item.isNull().or(trim(item).equalTo("")) : item.isNull();
  }

  private static boolean isString(Dataset<Row> table, String column) {
    DataType type = table.schema().apply(column).dataType();
    return type.equals(DataTypes.StringType);
  }
}
