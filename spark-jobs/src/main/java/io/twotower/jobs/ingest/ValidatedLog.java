package io.twotower.jobs.ingest;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The outcome of {@link IngestValidation}: every checked row with its reason (null when valid), and
 * the views the ingest job writes.
 *
 * @param checkedEvents parsed events ({@code user_id, item_id, ts, engagement, dt}), the raw
 *     values, the source position and {@code reason}
 * @param checkedItems raw items with {@code reason}
 * @param featureColumns the items' categorical columns
 */
public record ValidatedLog(
    Dataset<Row> checkedEvents, Dataset<Row> checkedItems, List<String> featureColumns) {

  /** Valid events in the events table's layout. */
  public Dataset<Row> events() {
    return checkedEvents
        .where(col(IngestValidation.REASON).isNull())
        .select(USER_ID, ITEM_ID, TS, ENGAGEMENT, DT);
  }

  /** Valid items: item_id and the feature columns. */
  public Dataset<Row> items() {
    List<Column> columns = new ArrayList<>(List.of(col(ITEM_ID)));
    featureColumns.forEach(c -> columns.add(col(c)));
    return checkedItems
        .where(col(IngestValidation.REASON).isNull())
        .select(columns.toArray(Column[]::new));
  }

  /** Rejected events as they were read: reason, raw values and where they came from. */
  public Dataset<Row> rejectedEvents() {
    Dataset<Row> rejected = checkedEvents.where(col(IngestValidation.REASON).isNotNull());
    List<Column> columns =
        new ArrayList<>(
            List.of(
                col(IngestValidation.REASON),
                col(USER_ID),
                col(ITEM_ID),
                col("raw_timestamp").as("timestamp")));
    if (List.of(checkedEvents.columns()).contains("raw_engagement")) {
      columns.add(col("raw_engagement").as(ENGAGEMENT));
    }
    if (List.of(checkedEvents.columns()).contains(RawLog.MALFORMED_LINE)) {
      columns.add(col(RawLog.MALFORMED_LINE));
    }
    columns.add(col(RawLog.SOURCE_FILE));
    columns.add(col(RawLog.SOURCE_ORDER));
    return rejected.select(columns.toArray(Column[]::new));
  }

  /** Rejected item rows with their reason. */
  public Dataset<Row> rejectedItems() {
    return checkedItems.where(col(IngestValidation.REASON).isNotNull());
  }

  /** Keeps both checked tables in memory (spilling to disk) while the job writes and counts. */
  public ValidatedLog persist() {
    // Items first: the events' plan then reads the cached items for the unknown-item check.
    Dataset<Row> items = checkedItems.persist();
    return new ValidatedLog(checkedEvents.persist(), items, featureColumns);
  }

  public void unpersist() {
    checkedEvents.unpersist();
    checkedItems.unpersist();
  }
}
