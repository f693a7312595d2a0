package io.twotower.towers;

import io.twotower.towers.Hyperparameter.Source;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Everything that defines a two-tower model: input vocabulary sizes, tower shapes, the loss and the
 * optimizer. Immutable and validated on construction; an error names the field, the value and what
 * is allowed. Build one with {@link #builder()}. The fields a user chooses are the {@link
 * #HYPERPARAMETERS}, each declared once below with the rule it is checked by; the others come from
 * the data (vocabulary sizes, history length, categorical fields).
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
 * @param optimizer the gradient updater
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
    Optimizer optimizer,
    double learningRate,
    long seed,
    boolean seedItem,
    List<CategoricalField> userFields)
    implements Serializable {

  /** Ids travel through DL4J as float32, which holds every integer up to 2^24 exactly. */
  public static final int MAX_CARDINALITY = 1 << 24;

  public static final Hyperparameter<Integer> ITEM_EMBEDDING_DIM =
      new Hyperparameter<>(
          "item-embedding-dim",
          "itemEmbeddingDim",
          Hyperparameter.atLeastOne(),
          ">= 1",
          Source::intValue,
          Builder::itemEmbeddingDim);

  public static final Hyperparameter<List<Integer>> QUERY_HIDDEN =
      new Hyperparameter<>(
          "query-hidden",
          "queryHiddenSizes",
          Hyperparameter.widths(),
          "a list (possibly empty) of widths >= 1",
          Source::intList,
          Builder::queryHiddenSizes);

  public static final Hyperparameter<List<Integer>> ITEM_HIDDEN =
      new Hyperparameter<>(
          "item-hidden",
          "itemHiddenSizes",
          Hyperparameter.widths(),
          "a list (possibly empty) of widths >= 1",
          Source::intList,
          Builder::itemHiddenSizes);

  public static final Hyperparameter<Integer> OUTPUT_DIM =
      new Hyperparameter<>(
          "output-dim",
          "outputDim",
          Hyperparameter.atLeastOne(),
          ">= 1",
          Source::intValue,
          Builder::outputDim);

  public static final Hyperparameter<Double> TEMPERATURE =
      new Hyperparameter<>(
          "temperature",
          "temperature",
          Hyperparameter.finitePositive(),
          "a finite number > 0, e.g. 0.05",
          Source::doubleValue,
          Builder::temperature);

  public static final Hyperparameter<LogQCorrection> CORRECTION =
      new Hyperparameter<>(
          "correction",
          "correction",
          Hyperparameter.any(),
          LogQCorrection.allowed(),
          (source, name) -> source.enumValue(name, LogQCorrection.class),
          Builder::correction);

  public static final Hyperparameter<Boolean> MASK_ACCIDENTAL_HITS =
      new Hyperparameter<>(
          "mask-accidental-hits",
          "maskAccidentalHits",
          Hyperparameter.any(),
          "true or false",
          Source::booleanValue,
          Builder::maskAccidentalHits);

  public static final Hyperparameter<Optimizer> OPTIMIZER =
      new Hyperparameter<>(
          "optimizer",
          "optimizer",
          Hyperparameter.any(),
          "ADAM or ADAGRAD",
          (source, name) -> source.enumValue(name, Optimizer.class),
          Builder::optimizer);

  public static final Hyperparameter<Double> LEARNING_RATE =
      new Hyperparameter<>(
          "learning-rate",
          "learningRate",
          Hyperparameter.finitePositive(),
          "a finite number > 0",
          Source::doubleValue,
          Builder::learningRate);

  public static final Hyperparameter<Long> SEED =
      new Hyperparameter<>(
          "seed", "seed", Hyperparameter.any(), "a whole number", Source::longValue, Builder::seed);

  public static final Hyperparameter<Boolean> SEED_ITEM =
      new Hyperparameter<>(
          "seed-item",
          "seedItem",
          Hyperparameter.any(),
          "true or false",
          Source::booleanValue,
          Builder::seedItem);

  /** Every field a user chooses, in the order of the components. */
  public static final List<Hyperparameter<?>> HYPERPARAMETERS =
      List.of(
          ITEM_EMBEDDING_DIM,
          QUERY_HIDDEN,
          ITEM_HIDDEN,
          OUTPUT_DIM,
          TEMPERATURE,
          CORRECTION,
          MASK_ACCIDENTAL_HITS,
          OPTIMIZER,
          LEARNING_RATE,
          SEED,
          SEED_ITEM);

  public TowerConfig {
    if (itemCardinality < 1 || itemCardinality > MAX_CARDINALITY) {
      throw TowerErrors.invalidSetting(
          "itemCardinality", itemCardinality, "1.." + MAX_CARDINALITY + " (ids travel as float32)");
    }
    if (historyLength < 1) {
      throw TowerErrors.invalidSetting("historyLength", historyLength, ">= 1");
    }
    ITEM_EMBEDDING_DIM.check(itemEmbeddingDim);
    OUTPUT_DIM.check(outputDim);
    itemFields = validFields("itemFields", itemFields);
    // Models saved before the query tower took user fields have no such key in their JSON.
    userFields = validFields("userFields", userFields == null ? List.of() : userFields);
    queryHiddenSizes = List.copyOf(QUERY_HIDDEN.check(queryHiddenSizes));
    itemHiddenSizes = List.copyOf(ITEM_HIDDEN.check(itemHiddenSizes));
    TEMPERATURE.check(temperature);
    CORRECTION.check(correction);
    OPTIMIZER.check(optimizer);
    LEARNING_RATE.check(learningRate);
  }

  /** A builder with no field set but empty item and user fields. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration, to change some fields of it. */
  public Builder toBuilder() {
    return builder()
        .itemCardinality(itemCardinality)
        .historyLength(historyLength)
        .itemEmbeddingDim(itemEmbeddingDim)
        .itemFields(itemFields)
        .queryHiddenSizes(queryHiddenSizes)
        .itemHiddenSizes(itemHiddenSizes)
        .outputDim(outputDim)
        .temperature(temperature)
        .correction(correction)
        .maskAccidentalHits(maskAccidentalHits)
        .optimizer(optimizer)
        .learningRate(learningRate)
        .seed(seed)
        .seedItem(seedItem)
        .userFields(userFields);
  }

  /**
   * Sets {@link TowerConfig}'s fields by name. Every field must be set except the item and user
   * fields (none by default); {@link #build} validates.
   */
  public static final class Builder {
    private Integer itemCardinality;
    private Integer historyLength;
    private Integer itemEmbeddingDim;
    private List<CategoricalField> itemFields = List.of();
    private List<Integer> queryHiddenSizes;
    private List<Integer> itemHiddenSizes;
    private Integer outputDim;
    private Double temperature;
    private LogQCorrection correction;
    private Boolean maskAccidentalHits;
    private Optimizer optimizer;
    private Double learningRate;
    private Long seed;
    private Boolean seedItem;
    private List<CategoricalField> userFields = List.of();

    private Builder() {}

    /** Sets every one of the {@link #HYPERPARAMETERS} to the value {@code source} holds for it. */
    public Builder hyperparameters(Source source) {
      for (Hyperparameter<?> hyperparameter : HYPERPARAMETERS) {
        hyperparameter.readInto(source, this);
      }
      return this;
    }

    public Builder itemCardinality(int itemCardinality) {
      this.itemCardinality = itemCardinality;
      return this;
    }

    public Builder historyLength(int historyLength) {
      this.historyLength = historyLength;
      return this;
    }

    public Builder itemEmbeddingDim(int itemEmbeddingDim) {
      this.itemEmbeddingDim = itemEmbeddingDim;
      return this;
    }

    public Builder itemFields(List<CategoricalField> itemFields) {
      this.itemFields = itemFields;
      return this;
    }

    public Builder queryHiddenSizes(List<Integer> queryHiddenSizes) {
      this.queryHiddenSizes = queryHiddenSizes;
      return this;
    }

    public Builder itemHiddenSizes(List<Integer> itemHiddenSizes) {
      this.itemHiddenSizes = itemHiddenSizes;
      return this;
    }

    public Builder outputDim(int outputDim) {
      this.outputDim = outputDim;
      return this;
    }

    public Builder temperature(double temperature) {
      this.temperature = temperature;
      return this;
    }

    public Builder correction(LogQCorrection correction) {
      this.correction = correction;
      return this;
    }

    public Builder maskAccidentalHits(boolean maskAccidentalHits) {
      this.maskAccidentalHits = maskAccidentalHits;
      return this;
    }

    public Builder optimizer(Optimizer optimizer) {
      this.optimizer = optimizer;
      return this;
    }

    public Builder learningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder seedItem(boolean seedItem) {
      this.seedItem = seedItem;
      return this;
    }

    public Builder userFields(List<CategoricalField> userFields) {
      this.userFields = userFields;
      return this;
    }

    /**
     * The validated configuration.
     *
     * @throws IllegalArgumentException naming the first field that is not set or not allowed
     */
    public TowerConfig build() {
      return new TowerConfig(
          set("itemCardinality", itemCardinality),
          set("historyLength", historyLength),
          set("itemEmbeddingDim", itemEmbeddingDim),
          itemFields,
          queryHiddenSizes,
          itemHiddenSizes,
          set("outputDim", outputDim),
          set("temperature", temperature),
          correction,
          set("maskAccidentalHits", maskAccidentalHits),
          optimizer,
          set("learningRate", learningRate),
          set("seed", seed),
          set("seedItem", seedItem),
          userFields);
    }

    /** Primitive fields cannot carry null into the record's checks: say here which one is unset. */
    private static <T> T set(String field, T value) {
      if (value == null) {
        throw TowerErrors.invalidSetting(
            field, null, "a value: call TowerConfig.Builder." + field + "(...) before build()");
      }
      return value;
    }
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
}
