package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.tables.Table;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

class TrainingProgressTest {

  @Test
  void rowsNumberEpochsAndSplitsFromOneAsTheProgressLinesDo() {
    TrainingProgress progress = new TrainingProgress();
    progress.add(new TrainingProgress.Split(0, 0, 2, 2560, 1500.0, 5.77));
    progress.add(new TrainingProgress.Split(0, 1, 2, 4659, 1480.0, 5.05));
    progress.add(new TrainingProgress.Split(1, 0, 2, 2688, 1700.0, 4.94));
    Instant at = Instant.parse("2026-01-05T10:00:00Z");

    List<Row> rows = progress.rows("two-tower-1", at);

    assertThat(rows)
        .extracting(Row::toString)
        .containsExactly(
            "[two-tower-1,1,1,2,2560,1500.0,5.77," + Timestamp.from(at) + "]",
            "[two-tower-1,1,2,2,4659,1480.0,5.05," + Timestamp.from(at) + "]",
            "[two-tower-1,2,1,2,2688,1700.0,4.94," + Timestamp.from(at) + "]");
    assertThat(rows.get(0).size()).isEqualTo(Table.TRAINING_PROGRESS.requiredColumns().size());
  }

  @Test
  void aRunThatTrainedNoSplitHasNoRows() {
    assertThat(new TrainingProgress().rows("two-tower-1", Instant.EPOCH)).isEmpty();
  }
}
