package io.twotower.jobs.export;

import static io.twotower.jobs.tables.Table.Columns.HISTORY;
import static io.twotower.jobs.tables.Table.Columns.HISTORY_IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_distinct;
import static org.apache.spark.sql.functions.array_union;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.struct;

import io.twotower.jobs.evaluate.CorpusRetrieval;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One serving query per user: what the user would be recommended now, after everything seen.
 *
 * <p>The history is the user's latest example's history with that example's own item in front (the
 * history columns hold only the items strictly before an event), distinct, cut to the model's
 * history length. Exclusions are every item the user consumed: the items of all their examples,
 * train and test, plus the latest history (which may reach before the example window).
 */
public final class UserQueries {

  private UserQueries() {}

  /**
   * Rows (user_id, history_idx, exclude, and the latest example's user_field_idx when the examples
   * have it) from {@code training_examples}, one per user.
   */
  public static Dataset<Row> from(Dataset<Row> examples, int historyLength) {
    // max over a struct orders by its first field, then the next: the latest ts, and on equal
    // timestamps the greatest item_id, so the pick is deterministic.
    Column order = struct(col(TS), col(ITEM_ID));
    Column latest =
        max(struct(col(TS), col(ITEM_ID), col(ITEM_IDX), col(HISTORY_IDX), col(HISTORY)));
    Column noItems = array().cast("array<string>");
    List<Column> aggregates = new ArrayList<>(List.of(collect_set(ITEM_ID).as("consumed")));
    List<Column> columns =
        new ArrayList<>(
            List.of(
                col(USER_ID),
                slice(
                        array_distinct(
                            concat(array(col("latest.item_idx")), col("latest.history_idx"))),
                        1,
                        historyLength)
                    .as(CorpusRetrieval.HISTORY),
                array_union(col("consumed"), coalesce(col("latest.history"), noItems))
                    .as(CorpusRetrieval.EXCLUDE)));
    if (CorpusRetrieval.hasUserFields(examples)) {
      // A map cannot be ordered, hence not part of the struct: taken from the same latest row.
      String userFields = CorpusRetrieval.USER_FIELDS;
      aggregates.add(max_by(col(userFields), order).as(userFields));
      columns.add(col(userFields));
    }
    return examples
        .groupBy(USER_ID)
        .agg(latest.as("latest"), aggregates.toArray(Column[]::new))
        .select(columns.toArray(Column[]::new));
  }
}
