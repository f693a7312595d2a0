package io.twotower.jobs.features;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import io.twotower.jobs.config.FeaturesConfig;
import io.twotower.jobs.config.FeaturesConfig.Split;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Marks each event {@code train} or {@code test}. leave-last-out: each user's latest event (ties
 * broken by item id) is held out, for users with at least two events so that every test query has
 * training data. leave-last-n-out: each user's {@code testEvents} latest events (same order and
 * tie-break), for users with more than {@code testEvents} events. last-days: every event in the
 * last {@code testDays} days of the log is held out (the paper's protocol).
 *
 * <p>Queries under leave-last-n-out. Each example's history is still the user's past strictly
 * before that event, so the third held-out event's history contains the first two held-out items.
 * Evaluation does not use those histories: every held-out event of a user is scored with the user's
 * training-only history, the history of the user's earliest held-out event (see {@code
 * HeldOutQueries}), and ranked with only the training items excluded. The task is then "retrieve
 * the user's next N items from what the training split knows", which is exactly what a user-factor
 * model such as ALS, fitted on the training split, can answer, so every method sees the same
 * information. Under leave-last-out this is the same as the event's own history.
 */
public final class HeldOutSplit {

  public static final String TRAIN = "train";
  public static final String TEST = "test";

  private HeldOutSplit() {}

  /** {@code events} (user_id, item_id, ts, dt, ...) with a {@code split} column. */
  public static Dataset<Row> assign(Dataset<Row> events, FeaturesConfig settings) {
    return assign(events, settings.split(), settings.testDays(), settings.testEvents());
  }

  /** {@code events} with a {@code split} column; testEvents is N of leave-last-n-out. */
  public static Dataset<Row> assign(
      Dataset<Row> events, Split split, int testDays, int testEvents) {
    return switch (split) {
      case LEAVE_LAST_OUT -> leaveLastN(events, 1);
      case LEAVE_LAST_N_OUT -> leaveLastN(events, testEvents);
      case LAST_DAYS -> lastDays(events, testDays);
    };
  }

  private static Dataset<Row> leaveLastN(Dataset<Row> events, int n) {
    WindowSpec latestFirst =
        Window.partitionBy(USER_ID).orderBy(col(TS).desc(), col(ITEM_ID).desc());
    WindowSpec user = Window.partitionBy(USER_ID);
    return events
        .withColumn("_rank", row_number().over(latestFirst))
        .withColumn("_events", count(lit(1)).over(user))
        .withColumn(
            SPLIT, when(col("_rank").leq(n).and(col("_events").gt(n)), TEST).otherwise(TRAIN))
        .drop("_rank", "_events");
  }

  private static Dataset<Row> lastDays(Dataset<Row> events, int testDays) {
    Dataset<Row> lastDay = events.agg(max(DT).as("_last"));
    return events
        .crossJoin(lastDay)
        .withColumn(
            SPLIT, when(col(DT).gt(date_sub(col("_last"), testDays)), TEST).otherwise(TRAIN))
        .drop("_last");
  }
}
