package io.twotower.jobs.train;

import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The splits of one training run as the progress lines print them, kept for {@code
 * training_progress} so that loss and throughput can be read per split after the run (the training
 * note charts them). Recorded on the driver in the order the splits end.
 */
final class TrainingProgress {

  /** One split: 0-based epoch and split as the trainer reports them; loss per example. */
  record Split(
      int epoch, int split, int splits, long examples, double examplesPerSecond, double loss) {}

  private final List<Split> splits = new ArrayList<>();

  void add(Split split) {
    splits.add(split);
  }

  /** training_progress rows of {@code modelId}: 1-based epoch and split, as the lines print. */
  List<Row> rows(String modelId, Instant recordedAt) {
    Timestamp at = Timestamp.from(recordedAt);
    return splits.stream()
        .map(
            s ->
                RowFactory.create(
                    modelId,
                    s.epoch() + 1,
                    s.split() + 1,
                    s.splits(),
                    s.examples(),
                    s.examplesPerSecond(),
                    s.loss(),
                    at))
        .toList();
  }

  /** Appends the run's splits as {@code modelId}'s rows (nothing when no split was trained). */
  void append(DeltaStore store, String modelId) {
    if (splits.isEmpty()) {
      return;
    }
    store.append(
        Table.TRAINING_PROGRESS,
        store
            .spark()
            .createDataFrame(
                rows(modelId, Instant.now()), Table.TRAINING_PROGRESS.requiredColumns()));
  }
}
