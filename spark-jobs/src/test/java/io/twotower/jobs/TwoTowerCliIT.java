package io.twotower.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.TwoTowerCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
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
  void thePipelineRunsOnAFileUriDataDir() throws IOException {
    Run run =
        TwoTowerCliTest.run(
            "pipeline",
            "--data-dir",
            "file://" + dataDir.toAbsolutePath(),
            "--set",
            "spark.master=local[2]",
            "--set",
            "synthetic.users=60",
            "--set",
            "synthetic.items=80",
            "--set",
            "synthetic.events-per-user=8",
            "--set",
            "synthetic.days=2",
            "--set",
            "train.epochs=1",
            "--set",
            "train.query-hidden=[8]",
            "--set",
            "train.item-hidden=[8]",
            "--set",
            "train.output-dim=8",
            "--set",
            "export.top-k=5");

    assertThat(run.exitCode()).as(run.err()).isZero();
    Path models = dataDir.resolve("models");
    String id = Files.readString(models.resolve("LATEST")).trim();
    assertThat(models.resolve(id).resolve("_SUCCESS")).exists();
    assertThat(dataDir.resolve("user_candidates").resolve("_delta_log")).isDirectory();
    // A URI mistaken for a relative path would have created ./file: in the working directory.
    assertThat(Path.of("file:")).doesNotExist();
  }
}
