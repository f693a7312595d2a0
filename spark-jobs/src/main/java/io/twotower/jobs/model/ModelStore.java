package io.twotower.jobs.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.towers.TwoTowerModel;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;

/**
 * Saved models under {@code <data-dir>/models/<model-id>/}: the towers' files ({@code towers/}),
 * {@code metadata.json} (config, Delta versions of the tables that trained it, training stats) and
 * a {@code _SUCCESS} marker. {@code models/LATEST} names the newest model; evaluate and export use
 * it unless told otherwise. Every file goes through Hadoop's FileSystem API, so data-dir may be on
 * HDFS or an object store.
 *
 * <p>Publishing is atomic for readers: a model is written under a temporary name ({@code
 * models/_tmp-<id>-<uuid>/}), moved to {@code models/<id>/} (a copy on S3, so not atomic there),
 * marked complete with {@code _SUCCESS}, and only then named by LATEST, whose replacement is atomic
 * ({@link HadoopFiles#writeAtomically}). A reader following LATEST never sees a half-written model,
 * and a model without its marker is refused rather than loaded in part.
 *
 * <p>Checkpoints of unfinished train runs live apart, under {@code
 * models/checkpoints/<run-id>/<name>/} ({@code towers/} plus {@code checkpoint.json}), with {@code
 * models/checkpoints/<run-id>/LATEST} naming the run's newest complete one; the models' LATEST
 * never names a checkpoint.
 */
public final class ModelStore {

  static final String LATEST = "LATEST";
  static final String SUCCESS = "_SUCCESS";
  static final String TOWERS = "towers";
  static final String METADATA = "metadata.json";
  private static final String TEMPORARY_PREFIX = "_tmp-";
  private static final String CHECKPOINTS = "checkpoints";
  private static final String CHECKPOINT_STATE = "checkpoint.json";

  private static final DateTimeFormatter ID_FORMAT =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final DataLocation root;
  private final HadoopFiles files;

  public ModelStore(DataLocation dataDir, Configuration hadoop) {
    this.root = dataDir.resolve("models");
    this.files = new HadoopFiles(hadoop);
  }

  /** The models of {@code store}'s data-dir, reached with its session's Hadoop configuration. */
  public ModelStore(DeltaStore store) {
    this(store.dataDir(), store.files().configuration());
  }

  /** {@code <data-dir>/models}. */
  public DataLocation root() {
    return root;
  }

  /** A new, unique model id (UTC time of training start). */
  public String newModelId() {
    String base = "two-tower-" + ID_FORMAT.format(Instant.now());
    String id = base;
    try {
      for (int i = 1; files.exists(root.resolve(id)); i++) {
        id = base + "-" + i;
      }
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("list", root, e);
    }
    return id;
  }

  /** Saves the model and its metadata, then points LATEST at it; returns the model's folder. */
  public DataLocation save(String modelId, TwoTowerModel model, String metadataJson) {
    DataLocation dir = root.resolve(modelId);
    DataLocation temporary =
        root.resolve(TEMPORARY_PREFIX + modelId + "-" + UUID.randomUUID().toString());
    try {
      DataLocation towers = temporary.resolve(TOWERS);
      model.save(name -> files.create(towers.resolve(name)));
      files.writeString(temporary.resolve(METADATA), metadataJson);
      if (!files.rename(temporary, dir)) {
        throw new IOException(dir + " already exists");
      }
      files.writeString(dir.resolve(SUCCESS), "");
    } catch (IOException e) {
      deleteQuietly(temporary);
      throw JobErrors.modelStoreFailure("save model " + modelId + " to", dir, e);
    }
    DataLocation latest = root.resolve(LATEST);
    try {
      files.writeAtomically(latest, modelId + "\n");
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure(
          "point " + latest + " at model " + modelId + ", in", root, e);
    }
    return dir;
  }

  /** The id LATEST names. */
  public String latestId() {
    DataLocation latest = root.resolve(LATEST);
    try {
      if (!files.isFile(latest)) {
        throw JobErrors.noTrainedModel(root);
      }
      return files.readString(latest).trim();
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("read", latest, e);
    }
  }

  /** The model {@code modelId}; refused unless it was saved completely. */
  public TwoTowerModel load(String modelId) {
    DataLocation dir = root.resolve(modelId);
    try {
      if (!files.exists(dir.resolve(TOWERS))) {
        throw JobErrors.unknownModel(modelId, dir, root);
      }
      if (!files.exists(dir.resolve(SUCCESS))) {
        throw JobErrors.incompleteModel(modelId, dir);
      }
      DataLocation towers = dir.resolve(TOWERS);
      return TwoTowerModel.load(name -> files.open(towers.resolve(name)));
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("load model " + modelId + " from", dir, e);
    }
  }

  public String metadata(String modelId) {
    DataLocation file = root.resolve(modelId).resolve(METADATA);
    try {
      return files.readString(file);
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("read", file, e);
    }
  }

  // ---- checkpoints of unfinished train runs

  /** A saved checkpoint: its folder, the model as it was (updater state included), its state. */
  public record Checkpoint(DataLocation dir, TwoTowerModel model, String stateJson) {}

  /**
   * Saves a checkpoint of run {@code runId} as {@code name}, then points the run's LATEST at it
   * (atomically, so LATEST only ever names a complete checkpoint) and deletes the run's older
   * checkpoints; returns its folder.
   */
  public DataLocation saveCheckpoint(
      String runId, String name, TwoTowerModel model, String stateJson) {
    DataLocation run = root.resolve(CHECKPOINTS).resolve(runId);
    DataLocation dir = run.resolve(name);
    try {
      files.deleteRecursively(dir); // a half-written one from a killed run
      DataLocation towers = dir.resolve(TOWERS);
      model.save(file -> files.create(towers.resolve(file)));
      files.writeString(dir.resolve(CHECKPOINT_STATE), stateJson);
      files.writeAtomically(run.resolve(LATEST), name + "\n");
      for (String entry : files.list(run)) {
        if (!entry.equals(LATEST) && !entry.equals(name)) {
          files.deleteRecursively(run.resolve(entry));
        }
      }
      return dir;
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("save checkpoint " + name + " to", dir, e);
    }
  }

  /** The newest complete checkpoint of run {@code runId}, if it has one. */
  public Optional<Checkpoint> latestCheckpoint(String runId) {
    DataLocation run = root.resolve(CHECKPOINTS).resolve(runId);
    DataLocation latest = run.resolve(LATEST);
    try {
      if (!files.isFile(latest)) {
        return Optional.empty();
      }
      DataLocation dir = run.resolve(files.readString(latest).trim());
      DataLocation towers = dir.resolve(TOWERS);
      return Optional.of(
          new Checkpoint(
              dir,
              TwoTowerModel.load(file -> files.open(towers.resolve(file))),
              files.readString(dir.resolve(CHECKPOINT_STATE))));
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("read the latest checkpoint in", run, e);
    }
  }

  /** Deletes every checkpoint of run {@code runId} (once its model is saved). */
  public void deleteCheckpoints(String runId) {
    DataLocation run = root.resolve(CHECKPOINTS).resolve(runId);
    try {
      files.deleteRecursively(run);
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("delete the checkpoints in", run, e);
    }
  }

  // ---- lineage: which saved model a day's training continues from

  /** A saved model and the last day it trained on ({@code trained_through} in its metadata). */
  public record Trained(String modelId, LocalDate trainedThrough) {}

  /**
   * The model trained through the latest day on or before {@code day} (among models of equal days,
   * the newest), or empty when none is: the model a day after {@code day} continues from. Only
   * complete models count; models whose metadata has no {@code trained_through} (saved before
   * lineage was recorded) are skipped.
   */
  public Optional<Trained> latestTrainedThrough(LocalDate day) {
    List<Map.Entry<Trained, String>> candidates = new ArrayList<>();
    try {
      for (String name : files.list(root)) {
        DataLocation dir = root.resolve(name);
        if (!name.startsWith(TEMPORARY_PREFIX) && files.exists(dir.resolve(SUCCESS))) {
          trainedAndCreated(files.readString(dir.resolve(METADATA)), dir)
              .filter(e -> !e.getKey().trainedThrough().isAfter(day))
              .ifPresent(candidates::add);
        }
      }
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("list", root, e);
    }
    return candidates.stream()
        .max(
            Comparator.comparing((Map.Entry<Trained, String> e) -> e.getKey().trainedThrough())
                .thenComparing(Map.Entry::getValue)
                .thenComparing(e -> e.getKey().modelId()))
        .map(Map.Entry::getKey);
  }

  /** (the model and its last day, its creation time) from a metadata.json with lineage. */
  private static Optional<Map.Entry<Trained, String>> trainedAndCreated(
      String metadataJson, DataLocation dir) {
    Config parsed;
    try {
      parsed = ConfigFactory.parseString(metadataJson);
    } catch (ConfigException e) {
      throw JobErrors.modelStoreFailure("read", dir.resolve(METADATA), e);
    }
    if (!parsed.hasPath("trained_through") || !parsed.hasPath("model_id")) {
      return Optional.empty();
    }
    Trained trained =
        new Trained(
            parsed.getString("model_id"), LocalDate.parse(parsed.getString("trained_through")));
    return Optional.of(
        Map.entry(trained, parsed.hasPath("created_at") ? parsed.getString("created_at") : ""));
  }

  // A failed save leaves no folder behind when the file system lets us; LATEST never named it.
  private void deleteQuietly(DataLocation temporary) {
    try {
      files.deleteRecursively(temporary);
    } catch (IOException | RuntimeException ignored) {
      // the original failure is the one to report
    }
  }
}
