package io.twotower.towers;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * One categorical item feature, already encoded to indices 0..cardinality-1 (vocabulary plus
 * out-of-vocabulary hash buckets). An item carries 1..maxValues values of it: maxValues = 1 for a
 * single-valued feature such as the channel, more for multi-valued ones such as topics, which are
 * embedded as the mean of their values' embeddings.
 *
 * @param name identifier used for the graph's input and layer names (letters, digits, underscore)
 */
public record CategoricalField(String name, int cardinality, int maxValues, int embeddingDim)
    implements Serializable {
  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

  public CategoricalField {
    if (name == null || !NAME.matcher(name).matches()) {
      throw TowerErrors.invalidSetting(
          "itemFields.name", name, "a letter followed by up to 63 letters, digits or '_'");
    }
    if (cardinality < 1 || cardinality > TowerConfig.MAX_CARDINALITY) {
      throw TowerErrors.invalidSetting(
          "itemFields[" + name + "].cardinality",
          cardinality,
          "1.." + TowerConfig.MAX_CARDINALITY + " (indices travel as float32)");
    }
    if (maxValues < 1) {
      throw TowerErrors.invalidSetting("itemFields[" + name + "].maxValues", maxValues, ">= 1");
    }
    if (embeddingDim < 1) {
      throw TowerErrors.invalidSetting(
          "itemFields[" + name + "].embeddingDim", embeddingDim, ">= 1");
    }
  }
}
