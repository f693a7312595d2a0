package io.twotower.jobs.model;

import io.twotower.jobs.JobErrors;
import io.twotower.towers.TwoTowerModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Saved models under {@code <data-dir>/models/<model-id>/}: the towers' files plus {@code
 * metadata.json} (config, Delta versions of the tables that trained it, training stats). {@code
 * models/LATEST} names the newest model; evaluate and export use it unless told otherwise.
 *
 * <p>Checkpoints of unfinished train runs live apart, under {@code
 * models/checkpoints/<run-id>/<name>/} (towers files plus {@code checkpoint.json}), with {@code
 * models/checkpoints/<run-id>/LATEST} naming the run's newest; LATEST of the models never names
 * one.
 */
public final class ModelStore {

  private static final DateTimeFormatter ID_FORMAT =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final Path root;

  public ModelStore(Path dataDir) {
    this.root = dataDir.toAbsolutePath().normalize().resolve("models");
  }

  /** A new, unique model id (UTC time of training start). */
  public String newModelId() {
    String base = "two-tower-" + ID_FORMAT.format(Instant.now());
    String id = base;
    for (int i = 1; Files.exists(root.resolve(id)); i++) {
      id = base + "-" + i;
    }
    return id;
  }

  /** Saves the model and its metadata, then points LATEST at it. */
  public Path save(String modelId, TwoTowerModel model, String metadataJson) {
    Path dir = root.resolve(modelId);
    try {
      Files.createDirectories(dir);
      model.save(dir.resolve("towers"));
      Files.writeString(dir.resolve("metadata.json"), metadataJson, StandardCharsets.UTF_8);
      Files.writeString(root.resolve("LATEST"), modelId + "\n", StandardCharsets.UTF_8);
      return dir;
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("save model " + modelId + " to", dir, e);
    }
  }

  /** The id LATEST names. */
  public String latestId() {
    Path latest = root.resolve("LATEST");
    if (!Files.isRegularFile(latest)) {
      throw JobErrors.noTrainedModel(root);
    }
    try {
      return Files.readString(latest, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("read", latest, e);
    }
  }

  public TwoTowerModel load(String modelId) {
    Path dir = root.resolve(modelId).resolve("towers");
    if (!Files.isDirectory(dir)) {
      throw JobErrors.unknownModel(modelId, dir, root);
    }
    return TwoTowerModel.load(dir);
  }

  public String metadata(String modelId) {
    try {
      return Files.readString(root.resolve(modelId).resolve("metadata.json"));
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("read", root.resolve(modelId).resolve("metadata.json"), e);
    }
  }

  // ---- checkpoints of unfinished train runs

  /** A saved checkpoint: its folder, the model as it was (updater state included), its state. */
  public record Checkpoint(Path dir, TwoTowerModel model, String stateJson) {}

  /**
   * Saves a checkpoint of run {@code runId} as {@code name}, then points the run's LATEST at it (an
   * atomic rename, so a reader never sees a half-written checkpoint named) and deletes the run's
   * older checkpoints.
   */
  public Path saveCheckpoint(String runId, String name, TwoTowerModel model, String stateJson) {
    Path run = checkpoints().resolve(runId);
    Path dir = run.resolve(name);
    try {
      deleteTree(dir); // a half-written one from a killed run
      Files.createDirectories(dir);
      model.save(dir.resolve("towers"));
      Files.writeString(dir.resolve("checkpoint.json"), stateJson, StandardCharsets.UTF_8);
      Path pointer = run.resolve("LATEST.tmp");
      Files.writeString(pointer, name + "\n", StandardCharsets.UTF_8);
      Files.move(
          pointer,
          run.resolve("LATEST"),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      for (Path older : list(run)) {
        if (Files.isDirectory(older) && !older.equals(dir)) {
          deleteTree(older);
        }
      }
      return dir;
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("save checkpoint " + name + " to", dir, e);
    }
  }

  /** The newest checkpoint of run {@code runId}, if it has one. */
  public Optional<Checkpoint> latestCheckpoint(String runId) {
    Path latest = checkpoints().resolve(runId).resolve("LATEST");
    if (!Files.isRegularFile(latest)) {
      return Optional.empty();
    }
    Path dir = latest.getParent();
    try {
      dir = dir.resolve(Files.readString(latest, StandardCharsets.UTF_8).trim());
      String state = Files.readString(dir.resolve("checkpoint.json"), StandardCharsets.UTF_8);
      return Optional.of(new Checkpoint(dir, TwoTowerModel.load(dir.resolve("towers")), state));
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("read checkpoint", dir, e);
    }
  }

  /** Deletes every checkpoint of run {@code runId} (once its model is saved). */
  public void deleteCheckpoints(String runId) {
    Path run = checkpoints().resolve(runId);
    try {
      deleteTree(run);
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("delete checkpoints in", run, e);
    }
  }

  private Path checkpoints() {
    return root.resolve("checkpoints");
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.toList();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
