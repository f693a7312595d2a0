package io.twotower.jobs.model;

import io.twotower.jobs.JobErrors;
import io.twotower.towers.TwoTowerModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Saved models under {@code <data-dir>/models/<model-id>/}: the towers' files plus {@code
 * metadata.json} (config, Delta versions of the tables that trained it, training stats). {@code
 * models/LATEST} names the newest model; evaluate and export use it unless told otherwise.
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
}
