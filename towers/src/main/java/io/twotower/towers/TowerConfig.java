package io.twotower.towers;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that defines a two-tower model: input vocabulary sizes, tower shapes, the loss and the
 * optimizer. Immutable and validated on construction; an error names the field, the value and what
 * is allowed.
 *
 * @param itemCardinality item-id indices 0..itemCardinality-1 (vocabulary plus OOV buckets), shared
 *     by the query history and the candidate item
 * @param historyLength N, the most history ids a query carries
 * @param itemEmbeddingDim width of the shared item-id embedding
 * @param itemFields categorical features of the item tower, in input order
 * @param queryHiddenSizes ReLU layer widths of the query tower (may be empty)
 * @param itemHiddenSizes ReLU layer widths of the item tower (may be empty)
 * @param outputDim width of both towers' final linear layer, L2-normalised afterwards
 * @param temperature tau: logits are dot products divided by tau
 * @param correction which logits are corrected by the items' log sampling probability
 * @param maskAccidentalHits whether in-batch negatives equal to the row's positive are dropped
 * @param optimizer "adam" or "adagrad" (case-insensitive, stored lower case)
 * @param learningRate the optimizer's learning rate
 * @param seed seeds parameter initialisation
 * @param seedItem whether the query tower also takes the seed item, the most recent history id
 *     (history[0]), embedded by the shared item-id table; an empty history gives a zero seed
 * @param userFields categorical user features of the query tower, in input order (may be empty)
 */
public record TowerConfig(
    int itemCardinality,
    int historyLength,
    int itemEmbeddingDim,
    List<CategoricalField> itemFields,
    List<Integer> queryHiddenSizes,
    List<Integer> itemHiddenSizes,
    int outputDim,
    double temperature,
    LogQCorrection correction,
    boolean maskAccidentalHits,
    String optimizer,
    double learningRate,
    long seed,
    boolean seedItem,
    List<CategoricalField> userFields)
    implements Serializable {

  /** Ids travel through DL4J as float32, which holds every integer up to 2^24 exactly. */
  public static final int MAX_CARDINALITY = 1 << 24;

  private static final Set<String> OPTIMIZERS = Set.of("adam", "adagrad");

  public TowerConfig {
    if (itemCardinality < 1 || itemCardinality > MAX_CARDINALITY) {
      throw TowerErrors.invalidSetting(
          "itemCardinality", itemCardinality, "1.." + MAX_CARDINALITY + " (ids travel as float32)");
    }
    requireAtLeastOne("historyLength", historyLength);
    requireAtLeastOne("itemEmbeddingDim", itemEmbeddingDim);
    requireAtLeastOne("outputDim", outputDim);
    itemFields = validFields("itemFields", itemFields);
    // Models saved before the query tower took user fields have no such key in their JSON.
    userFields = validFields("userFields", userFields == null ? List.of() : userFields);
    queryHiddenSizes = validSizes("queryHiddenSizes", queryHiddenSizes);
    itemHiddenSizes = validSizes("itemHiddenSizes", itemHiddenSizes);
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw TowerErrors.invalidSetting(
          "temperature", temperature, "a finite number > 0, e.g. 0.05");
    }
    if (correction == null) {
      throw TowerErrors.invalidSetting("correction", null, LogQCorrection.allowed());
    }
    String normalised = optimizer == null ? null : optimizer.toLowerCase(Locale.ROOT);
    if (!OPTIMIZERS.contains(normalised)) {
      throw TowerErrors.invalidSetting("optimizer", optimizer, "\"adam\" or \"adagrad\"");
    }
    optimizer = normalised;
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw TowerErrors.invalidSetting("learningRate", learningRate, "a finite number > 0");
    }
  }

  /** This configuration with the query tower's optional inputs replaced. */
  public TowerConfig withQueryFeatures(boolean seedItem, List<CategoricalField> userFields) {
    return new TowerConfig(
        itemCardinality,
        historyLength,
        itemEmbeddingDim,
        itemFields,
        queryHiddenSizes,
        itemHiddenSizes,
        outputDim,
        temperature,
        correction,
        maskAccidentalHits,
        optimizer,
        learningRate,
        seed,
        seedItem,
        userFields);
  }

  /**
   * Width of the query tower's input: the history mean, then the seed item's id embedding (if
   * {@link #seedItem}), then each user field's embedding.
   */
  public int queryFeatureWidth() {
    return itemEmbeddingDim * (seedItem ? 2 : 1) + widthOf(userFields);
  }

  /** Width of the item tower's input: the item-id embedding followed by each field's embedding. */
  public int itemFeatureWidth() {
    return itemEmbeddingDim + widthOf(itemFields);
  }

  private static int widthOf(List<CategoricalField> fields) {
    return fields.stream().mapToInt(CategoricalField::embeddingDim).sum();
  }

  private static void requireAtLeastOne(String field, int value) {
    if (value < 1) {
      throw TowerErrors.invalidSetting(field, value, ">= 1");
    }
  }

  private static List<CategoricalField> validFields(String name, List<CategoricalField> fields) {
    // List.of(...).contains(null) throws, hence the stream.
    if (fields == null || fields.stream().anyMatch(Objects::isNull)) {
      throw TowerErrors.invalidSetting(name, fields, "a list (possibly empty) of non-null fields");
    }
    Set<String> seen = new HashSet<>();
    for (CategoricalField field : fields) {
      if (!seen.add(field.name().toLowerCase(Locale.ROOT))) {
        throw TowerErrors.invalidSetting(
            name, field.name(), "field names that differ ignoring case");
      }
    }
    return List.copyOf(fields);
  }

  private static List<Integer> validSizes(String field, List<Integer> sizes) {
    if (sizes == null || sizes.stream().anyMatch(size -> size == null || size < 1)) {
      throw TowerErrors.invalidSetting(field, sizes, "a list (possibly empty) of widths >= 1");
    }
    return List.copyOf(sizes);
  }
}
