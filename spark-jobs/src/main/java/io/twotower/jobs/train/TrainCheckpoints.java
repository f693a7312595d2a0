package io.twotower.jobs.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.model.ModelStore.Checkpoint;
import io.twotower.towers.SparkTrainer.Checkpointing;
import io.twotower.towers.SparkTrainer.Position;
import io.twotower.towers.TwoTowerModel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of one train run in the {@link ModelStore}: one after every {@code every} splits
 * and one after the last, each the training graph with its optimizer state and the split it was
 * taken after. A run is what decides which batches train in which order: its identity (see {@link
 * #open}) is hashed into its id, so a rerun with the same arguments finds the checkpoints of a
 * killed one, and a run with anything else changed never does.
 *
 * <p>Each checkpoint is written on a thread of its own while training goes on, from a copy of the
 * model taken after its split; the next checkpoint, and {@link #finish()}, first wait for it. (A
 * synchronous write held both workers idle for about half a second an epoch on ml-latest-small, 8%
 * of the fit.) The thread is not a daemon: a run that fails still completes the write it started
 * before the JVM ends. A write cut short by a kill leaves the checkpoint before it as the latest
 * ({@link ModelStore#saveCheckpoint}).
 */
final class TrainCheckpoints implements Checkpointing {

  private static final Logger LOG = LoggerFactory.getLogger(TrainCheckpoints.class);

  private final ModelStore models;
  private final String runId;
  private final String identity;
  private final int every;
  private final Optional<Checkpoint> resumed;
  private final Position start;

  /** The write of the last checkpoint asked for (done when there is none). */
  private CompletableFuture<Void> written = CompletableFuture.completedFuture(null);

  private TrainCheckpoints(
      ModelStore models,
      String runId,
      String identity,
      int every,
      Optional<Checkpoint> resumed,
      Position start) {
    this.models = models;
    this.runId = runId;
    this.identity = identity;
    this.every = every;
    this.resumed = resumed;
    this.start = start;
  }

  /**
   * The checkpoints of the run with this identity, resuming from the newest when there is one.
   *
   * @param identity everything that fixes the batches and the model of the run: dates, input table
   *     versions, the tower configuration, the train settings (other than how often to checkpoint),
   *     the partitions the batches are cut in
   * @param every splits between two checkpoints; 0 saves none and resumes from none
   */
  static TrainCheckpoints open(ModelStore models, String identity, int every) {
    String runId = "train-" + sha256(identity).substring(0, 16);
    if (every == 0) {
      return new TrainCheckpoints(models, runId, identity, every, Optional.empty(), Position.START);
    }
    Optional<Checkpoint> latest =
        models.latestCheckpoint(runId).filter(c -> identity.equals(state(c).getString("run")));
    Position start =
        latest
            .map(c -> state(c))
            .map(
                s ->
                    new Position(s.getInt("epoch"), s.getInt("split"))
                        .next(s.getInt("splits_per_epoch")))
            .orElse(Position.START);
    return new TrainCheckpoints(models, runId, identity, every, latest, start);
  }

  /** The model to train: the checkpoint's when resuming, else {@code fresh}'s. */
  TwoTowerModel startModel(Supplier<TwoTowerModel> fresh, int epochs, int splits) {
    if (resumed.isEmpty()) {
      return fresh.get();
    }
    Checkpoint checkpoint = resumed.get();
    Config state = state(checkpoint);
    LOG.info(
        "resuming from checkpoint {} at epoch {}/{} split {}/{} (epoch {} split {} was the last"
            + " trained)",
        checkpoint.dir(),
        start.epoch() + 1,
        epochs,
        start.split() + 1,
        splits,
        state.getInt("epoch") + 1,
        state.getInt("split") + 1);
    return checkpoint.model();
  }

  @Override
  public Position start() {
    return start;
  }

  @Override
  public void splitDone(Position done, int splits, boolean finished, TwoTowerModel model) {
    long round = (long) done.epoch() * splits + done.split() + 1;
    if (every == 0 || (round % every != 0 && !finished)) {
      return;
    }
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("run_id", runId);
    state.put("epoch", done.epoch());
    state.put("split", done.split());
    state.put("splits_per_epoch", splits);
    state.put("saved_at", Instant.now().toString());
    state.put("run", identity);
    String json =
        ConfigValueFactory.fromMap(state).render(ConfigRenderOptions.concise().setFormatted(true));
    String name = String.format("epoch-%04d-split-%04d", done.epoch(), done.split());
    awaitWritten();
    // The live model trains on while the copy is written.
    TwoTowerModel copy = model.copy();
    written =
        CompletableFuture.runAsync(
            () ->
                LOG.info(
                    "checkpoint {} after epoch {} split {}/{}",
                    models.saveCheckpoint(runId, name, copy, json),
                    done.epoch() + 1,
                    done.split() + 1,
                    splits),
            write -> new Thread(write, "checkpoint " + name).start());
  }

  /** Waits until the last checkpoint asked for is written, and throws what failed it. */
  void awaitWritten() {
    try {
      written.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException failure) {
        throw failure;
      }
      throw e;
    }
  }

  /** Deletes the run's checkpoints, once written: call once its model is saved. */
  void finish() {
    awaitWritten();
    models.deleteCheckpoints(runId);
  }

  private static Config state(Checkpoint checkpoint) {
    return ConfigFactory.parseString(checkpoint.stateJson());
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform has SHA-256", e);
    }
  }
}
