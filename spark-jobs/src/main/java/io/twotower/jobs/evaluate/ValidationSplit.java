package io.twotower.jobs.evaluate;

import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static org.apache.spark.sql.functions.col;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.config.FeaturesConfig;
import io.twotower.jobs.config.FeaturesConfig.Split;
import io.twotower.jobs.features.HeldOutSplit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The validation split every tuning uses (ALS's grid, {@code compare}'s selection): the training
 * split split again exactly as the features stage split the log ({@link HeldOutSplit} with the same
 * settings), so that choosing on it measures what the test split will. The test events take no
 * part: only the training rows go in.
 */
public final class ValidationSplit {

  private ValidationSplit() {}

  /**
   * The training rows ({@code split = 'train'}) of {@code examples} (training_examples rows), their
   * {@code split} column assigned anew: {@code test} marks a validation event, {@code train} the
   * events to fit on.
   */
  public static Dataset<Row> carve(Dataset<Row> examples, FeaturesConfig split) {
    return HeldOutSplit.assign(
        examples.filter(col(SPLIT).equalTo(HeldOutSplit.TRAIN)).drop(SPLIT), split);
  }

  /** The validation queries of {@code carved} ({@link #carve}), as {@link HeldOutQueries#from}. */
  public static Dataset<Row> queries(Dataset<Row> carved, FeaturesConfig split) {
    return HeldOutQueries.from(carved, DateRange.ALL, split.split() == Split.LEAVE_LAST_N_OUT);
  }
}
