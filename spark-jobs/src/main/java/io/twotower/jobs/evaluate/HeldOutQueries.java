package io.twotower.jobs.evaluate;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_union;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.first;

import io.twotower.jobs.DateRange;
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
    Dataset<Row> test = examples.filter(col("split").equalTo("test"));
    if (trainingOnlyHistory) {
      WindowSpec earliestFirst =
          Window.partitionBy("user_id")
              .orderBy(col("ts").asc(), col("item_id").asc())
              .rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
      test =
          test.withColumn("history", first(col("history")).over(earliestFirst))
              .withColumn("history_idx", first(col("history_idx")).over(earliestFirst));
    }
    Dataset<Row> held = test;
    Dataset<Row> heldOut = dates.predicate("dt").map(p -> held.filter(expr(p))).orElse(held);
    Dataset<Row> trained =
        examples
            .filter(col("split").equalTo("train"))
            .groupBy("user_id")
            .agg(collect_set("item_id").as("trained"));
    Column noItems = array().cast("array<string>");
    List<Column> columns =
        new ArrayList<>(
            List.of(
                col("user_id"),
                col("item_id"),
                col("history_idx"),
                array_union(coalesce(col("trained"), noItems), coalesce(col("history"), noItems))
                    .as(CorpusRetrieval.EXCLUDE)));
    if (CorpusRetrieval.hasUserFields(examples)) {
      columns.add(col(CorpusRetrieval.USER_FIELDS));
    }
    return heldOut.join(trained, "user_id", "left").select(columns.toArray(Column[]::new));
  }
}
