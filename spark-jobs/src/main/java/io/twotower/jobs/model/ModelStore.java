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
 */
public final class ModelStore {

  static final String LATEST = "LATEST";
  static final String SUCCESS = "_SUCCESS";
  static final String TOWERS = "towers";
  static final String METADATA = "metadata.json";
  private static final String TEMPORARY_PREFIX = "_tmp-";

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

  // A failed save leaves no folder behind when the file system lets us; LATEST never named it.
  private void deleteQuietly(DataLocation temporary) {
    try {
      files.deleteRecursively(temporary);
    } catch (IOException | RuntimeException ignored) {
      // the original failure is the one to report
    }
  }

  // ---- lineage: which saved model a day's training continues from

  /** A saved model and the last day it trained on ({@code trained_through} in its metadata). */
  public record Trained(String modelId, LocalDate trainedThrough) {}

  /**
   * The model trained through the latest day on or before {@code day} (among models of equal days,
   * the newest), or empty when none is: the model a day after {@code day} continues from. Models
   * whose metadata has no {@code trained_through} (saved before lineage was recorded) are skipped.
   */
  public Optional<Trained> latestTrainedThrough(LocalDate day) {
    Comparator<Map.Entry<Trained, String>> order =
        Comparator.comparing((Map.Entry<Trained, String> e) -> e.getKey().trainedThrough())
            .thenComparing(Map.Entry::getValue)
            .thenComparing(e -> e.getKey().modelId());
    try {
      List<Map.Entry<Trained, String>> trained = new ArrayList<>();
      for (String name : files.list(root)) {
        DataLocation metadata = root.resolve(name).resolve(METADATA);
        // Half-written models (_tmp-...) and LATEST are not models to continue from.
        if (!name.startsWith(TEMPORARY_PREFIX) && files.isFile(metadata)) {
          trainedAndCreated(metadata, files.readString(metadata)).ifPresent(trained::add);
        }
      }
      return trained.stream()
          .filter(e -> !e.getKey().trainedThrough().isAfter(day))
          .max(order)
          .map(Map.Entry::getKey);
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("list", root, e);
    }
  }

  /** (the model and its last day, its creation time) from a metadata.json with lineage. */
  private static Optional<Map.Entry<Trained, String>> trainedAndCreated(
      DataLocation metadata, String json) {
    Config parsed;
    try {
      parsed = ConfigFactory.parseString(json);
    } catch (ConfigException e) {
      throw JobErrors.modelStoreFailure("read", metadata, e);
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
}
