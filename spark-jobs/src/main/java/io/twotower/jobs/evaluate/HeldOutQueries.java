package io.twotower.jobs.evaluate;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.HISTORY;
import static io.twotower.jobs.tables.Table.Columns.HISTORY_IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_union;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.features.HeldOutSplit;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * The evaluation queries: one per held-out ({@code split = 'test'}) example, i.e. one (query, item)
 * pair, with the item ids that query must not retrieve.
 *
 * <p>Exclusions are the user's training items plus the event's own history (items consumed before
 * it; under leave-last-out that is a subset of the training items, under last-days it adds the
 * earlier held-out events). The held-out item is not exempt: when the user had already consumed it
 * (a re-consumption), it is excluded like every other seen item and the pair counts as a miss for
 * every method. This is what serving does (export never recommends a consumed item), so the metric
 * measures the retrieval that would be served; {@link RecallAtK} reports how many pairs that was.
 */
public final class HeldOutQueries {

  private HeldOutQueries() {}

  /**
   * Rows (user_id, item_id = the held-out item, history_idx, exclude ARRAY&lt;STRING&gt;, and
   * user_field_idx when the examples have it) for the held-out examples of {@code dates} ({@code
   * dt}); exclusions come from all training days.
   */
  public static Dataset<Row> from(Dataset<Row> examples, DateRange dates) {
    return from(examples, dates, false);
  }

  /**
   * As {@link #from(Dataset, DateRange)}; with {@code trainingOnlyHistory} every held-out event of
   * a user takes the history of the user's earliest held-out event (by ts, then item_id), i.e. the
   * user's training-only history, as leave-last-n-out asks (see {@code HeldOutSplit}). The earlier
   * held-out items then neither feed the query nor are excluded from the later events' rankings.
   */
  public static Dataset<Row> from(
      Dataset<Row> examples, DateRange dates, boolean trainingOnlyHistory) {
    Dataset<Row> test = examples.filter(col(SPLIT).equalTo(HeldOutSplit.TEST));
    if (trainingOnlyHistory) {
      WindowSpec earliestFirst =
          Window.partitionBy(USER_ID)
              .orderBy(col(TS).asc(), col(ITEM_ID).asc())
              .rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
      test =
          test.withColumn(HISTORY, first(col(HISTORY)).over(earliestFirst))
              .withColumn(HISTORY_IDX, first(col(HISTORY_IDX)).over(earliestFirst));
    }
    Dataset<Row> heldOut = test.filter(dates.includes(col(DT)));
    return withExclusions(heldOut, examples.filter(col(SPLIT).equalTo(HeldOutSplit.TRAIN)));
  }

  /**
   * The paper's next-day queries: every example of {@code day}, train and test split alike (a model
   * trained on the days before has seen none of them), each with its own history as features wrote
   * it. Exclusions are the items of the user's examples before {@code day} plus the event's
   * history, which holds the user's earlier events of that day.
   */
  public static Dataset<Row> nextDay(Dataset<Row> examples, LocalDate day) {
    Column testDay = lit(Date.valueOf(day));
    return withExclusions(
        examples.filter(col(DT).equalTo(testDay)), examples.filter(col(DT).lt(testDay)));
  }

  /** The query columns of {@code queries}, excluding the user's items in {@code seen}. */
  private static Dataset<Row> withExclusions(Dataset<Row> queries, Dataset<Row> seen) {
    Dataset<Row> seenByUser = seen.groupBy(USER_ID).agg(collect_set(ITEM_ID).as("seen"));
    Column noItems = array().cast("array<string>");
    List<Column> columns =
        new ArrayList<>(
            List.of(
                col(USER_ID),
                col(ITEM_ID),
                col(HISTORY_IDX),
                array_union(coalesce(col("seen"), noItems), coalesce(col(HISTORY), noItems))
                    .as(CorpusRetrieval.EXCLUDE)));
    if (CorpusRetrieval.hasUserFields(queries)) {
      columns.add(col(CorpusRetrieval.USER_FIELDS));
    }
    return queries.join(seenByUser, USER_ID, "left").select(columns.toArray(Column[]::new));
  }
}
