package io.twotower.jobs.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import io.twotower.jobs.config.FeaturesConfig.Split;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Marks each event {@code train} or {@code test}. leave-last-out: each user's latest event (ties
 * broken by item id) is held out, for users with at least two events so that every test query has
 * training data. last-days: every event in the last {@code testDays} days of the log is held out
 * (the paper's protocol).
 */
public final class HeldOutSplit {

  public static final String TRAIN = "train";
  public static final String TEST = "test";

  private HeldOutSplit() {}

  /** {@code events} with a {@code split} column. */
  public static Dataset<Row> assign(Dataset<Row> events, Split split, int testDays) {
    return switch (split) {
      case LEAVE_LAST_OUT -> leaveLastOut(events);
      case LAST_DAYS -> lastDays(events, testDays);
    };
  }

  private static Dataset<Row> leaveLastOut(Dataset<Row> events) {
    WindowSpec latestFirst =
        Window.partitionBy("user_id").orderBy(col("ts").desc(), col("item_id").desc());
    WindowSpec user = Window.partitionBy("user_id");
    return events
        .withColumn("_rank", row_number().over(latestFirst))
        .withColumn("_events", count(lit(1)).over(user))
        .withColumn(
            "split",
            when(col("_rank").equalTo(1).and(col("_events").geq(2)), TEST).otherwise(TRAIN))
        .drop("_rank", "_events");
  }

  private static Dataset<Row> lastDays(Dataset<Row> events, int testDays) {
    Dataset<Row> lastDay = events.agg(max("dt").as("_last"));
    return events
        .crossJoin(lastDay)
        .withColumn(
            "split", when(col("dt").gt(date_sub(col("_last"), testDays)), TEST).otherwise(TRAIN))
        .drop("_last");
  }
}
