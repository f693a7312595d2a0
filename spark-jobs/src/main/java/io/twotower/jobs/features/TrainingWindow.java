package io.twotower.jobs.features;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static org.apache.spark.sql.functions.col;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The training_examples rows a run trains on: the train split, on the run's days. {@code train}
 * fits on exactly these rows and {@code sampling} counts exactly these rows, because the logQ
 * correction is only right when p_j is estimated from the rows the batches are drawn from. Both
 * select through here and nowhere else.
 */
public final class TrainingWindow {

  private TrainingWindow() {}

  /**
   * The rows of {@code trainingExamples} (training_examples as read) in the window of {@code
   * dates}.
   */
  public static Dataset<Row> of(Dataset<Row> trainingExamples, DateRange dates) {
    return trainingExamples.where(
        col(SPLIT).equalTo(HeldOutSplit.TRAIN).and(dates.includes(col(DT))));
  }

  /** {@link #of} on the current training_examples table. */
  public static Dataset<Row> read(DeltaStore store, DateRange dates) {
    return of(store.read(Table.TRAINING_EXAMPLES), dates);
  }
}
