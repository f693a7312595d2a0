package io.twotower.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.TwoTowerCliTest.Run;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing table, which a stage finds only once its Spark session runs, is one line too. */
class TwoTowerCliIT {

  @TempDir Path dataDir;

  @Test
  void aMissingTableIsOneLineNamingTheTableAndTheStageToRun() {
    Run run =
        TwoTowerCliTest.run(
            "sampling",
            "--data-dir",
            dataDir.toString(),
            "--set",
            "spark.master=local[1]",
            "--set",
            "sampling.estimator=aggregate");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .containsExactly(
            "two-tower sampling: Delta table 'training_examples' not found at file:"
                + dataDir.resolve("training_examples")
                + " (the stage that writes it has not run with this data-dir); fix: run the stage"
                + " that writes it first (e.g. `two-tower pipeline`), or check data-dir");
  }

  @Test
  void aFileUriDataDirIsTakenAsItIsAndNamedInErrors() {
    Run run =
        TwoTowerCliTest.run(
            "sampling",
            "--data-dir",
            "file://" + dataDir.toAbsolutePath(),
            "--set",
            "spark.master=local[1]",
            "--set",
            "sampling.estimator=aggregate");

    assertThat(run.exitCode()).isEqualTo(2);
    // Taken for a relative path, the URI would have been resolved below the working directory.
    assertThat(run.err())
        .startsWith(
            "two-tower sampling: Delta table 'training_examples' not found at file:"
                + dataDir.toAbsolutePath().resolve("training_examples")
                + " ");
  }
}
