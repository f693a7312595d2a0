package io.twotower.jobs.model;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.JobErrors;
import io.twotower.towers.TwoTowerModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

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

  // ---- lineage: which saved model a day's training continues from

  /** A saved model and the last day it trained on ({@code trained_through} in its metadata). */
  public record Trained(String modelId, LocalDate trainedThrough) {}

  /**
   * The model trained through the latest day on or before {@code day} (among models of equal days,
   * the newest), or empty when none is: the model a day after {@code day} continues from. Models
   * whose metadata has no {@code trained_through} (saved before lineage was recorded) are skipped.
   */
  public Optional<Trained> latestTrainedThrough(LocalDate day) {
    if (!Files.isDirectory(root)) {
      return Optional.empty();
    }
    Comparator<Map.Entry<Trained, String>> order =
        Comparator.comparing((Map.Entry<Trained, String> e) -> e.getKey().trainedThrough())
            .thenComparing(Map.Entry::getValue)
            .thenComparing(e -> e.getKey().modelId());
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.map(dir -> dir.resolve("metadata.json"))
          .filter(Files::isRegularFile)
          .map(ModelStore::trainedAndCreated)
          .flatMap(Optional::stream)
          .filter(e -> !e.getKey().trainedThrough().isAfter(day))
          .max(order)
          .map(Map.Entry::getKey);
    } catch (IOException e) {
      throw JobErrors.modelStoreFailure("list", root, e);
    }
  }

  /** (the model and its last day, its creation time) from a metadata.json with lineage. */
  private static Optional<Map.Entry<Trained, String>> trainedAndCreated(Path metadata) {
    Config parsed;
    try {
      parsed = ConfigFactory.parseString(Files.readString(metadata, StandardCharsets.UTF_8));
    } catch (IOException | ConfigException e) {
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
