package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.JobException;
import io.twotower.jobs.TinyModels;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.towers.SparkTrainer.Position;
import io.twotower.towers.TwoTowerModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** When a run checkpoints, what a rerun resumes from, and what a finished run leaves. */
class TrainCheckpointsTest {
  private static final String RUN = "dates all days; tables {training_examples=3}; train {}";
  private static final int SPLITS = 3;

  @TempDir Path dataDir;

  @Test
  void checkpointsEveryNSplitsAndAfterTheLastAndARerunResumesAfterTheNewest() throws Exception {
    ModelStore models = new ModelStore(DataLocation.local(dataDir), new Configuration());
    TwoTowerModel model = TinyModels.withGenre(10, 3);
    TrainCheckpoints run = TrainCheckpoints.open(models, RUN, 2);
    assertThat(run.start()).isEqualTo(Position.START);

    // Epoch 0 splits 0..2, epoch 1 split 0: rounds 1..4; every 2 saves after rounds 2 and 4.
    run.splitDone(new Position(0, 0), SPLITS, false, model);
    assertThat(checkpointFolders()).isEmpty();
    run.splitDone(new Position(0, 1), SPLITS, false, model);
    run.awaitWritten();
    assertThat(checkpointFolders()).containsExactly("epoch-0000-split-0001");
    run.splitDone(new Position(0, 2), SPLITS, false, model);
    run.splitDone(new Position(1, 0), SPLITS, false, model);
    run.awaitWritten();
    // Only the newest is kept.
    assertThat(checkpointFolders()).containsExactly("epoch-0001-split-0000");

    TrainCheckpoints rerun = TrainCheckpoints.open(models, RUN, 2);
    assertThat(rerun.start()).isEqualTo(new Position(1, 1));
    TwoTowerModel resumed = rerun.startModel(() -> null, 2, SPLITS);
    assertThat(resumed.trainingGraph().params()).isEqualTo(model.trainingGraph().params());
    // Changing how often to checkpoint keeps the run; anything else in its identity does not.
    assertThat(TrainCheckpoints.open(models, RUN, 5).start()).isEqualTo(new Position(1, 1));
    assertThat(TrainCheckpoints.open(models, RUN + " ", 2).start()).isEqualTo(Position.START);

    // The last split is saved whatever the count: a crash before the model is saved then
    // resumes with nothing left to train.
    rerun.splitDone(new Position(1, 1), SPLITS, true, model);
    rerun.awaitWritten();
    assertThat(checkpointFolders()).containsExactly("epoch-0001-split-0001");
    assertThat(TrainCheckpoints.open(models, RUN, 2).start()).isEqualTo(new Position(1, 2));

    rerun.finish();
    assertThat(TrainCheckpoints.open(models, RUN, 2).start()).isEqualTo(Position.START);
    assertThat(checkpointFolders()).isEmpty();
  }

  /**
   * A checkpoint is written beside the training: it holds the model as it was after its split,
   * whatever training does to the live model meanwhile, and a failed write fails the next
   * checkpoint.
   */
  @Test
  void aCheckpointHoldsTheModelOfItsSplitWhileTrainingGoesOn() throws Exception {
    ModelStore models = new ModelStore(DataLocation.local(dataDir), new Configuration());
    TwoTowerModel model = TinyModels.withGenre(10, 3);
    INDArray atSplit = model.trainingGraph().params().dup();
    TrainCheckpoints run = TrainCheckpoints.open(models, RUN, 1);

    run.splitDone(new Position(0, 0), SPLITS, false, model);
    model.trainingGraph().params().addi(1);
    run.awaitWritten();

    TwoTowerModel resumed = TrainCheckpoints.open(models, RUN, 1).startModel(() -> null, 1, SPLITS);
    assertThat(resumed.trainingGraph().params()).isEqualTo(atSplit);

    // A file where the checkpoints must go: the next write fails, and the one after says so.
    Path checkpoints = dataDir.resolve("models").resolve("checkpoints");
    try (Stream<Path> paths = Files.walk(checkpoints)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
    Files.writeString(checkpoints, "in the way");
    run.splitDone(new Position(0, 1), SPLITS, false, model);
    assertThatThrownBy(() -> run.splitDone(new Position(0, 2), SPLITS, true, model))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("save checkpoint epoch-0000-split-0001");
  }

  @Test
  void zeroSavesNothingAndResumesFromNothing() throws Exception {
    ModelStore models = new ModelStore(DataLocation.local(dataDir), new Configuration());
    TwoTowerModel model = TinyModels.withGenre(10, 3);
    TrainCheckpoints on = TrainCheckpoints.open(models, RUN, 1);
    on.splitDone(new Position(0, 0), SPLITS, false, model);
    on.awaitWritten();

    TrainCheckpoints off = TrainCheckpoints.open(models, RUN, 0);
    off.splitDone(new Position(0, 1), SPLITS, true, model);

    assertThat(off.start()).isEqualTo(Position.START);
    assertThat(checkpointFolders()).containsExactly("epoch-0000-split-0000");
  }

  /** The checkpoint folders of every run. */
  private List<String> checkpointFolders() throws Exception {
    Path root = dataDir.resolve("models").resolve("checkpoints");
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> paths = Files.walk(root, 2)) {
      return paths
          .filter(p -> p.getNameCount() == root.getNameCount() + 2 && Files.isDirectory(p))
          .map(p -> p.getFileName().toString())
          .sorted()
          .toList();
    }
  }
}
