package io.twotower.towers;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Encodes examples into the input arrays of the graphs built by {@link TwoTowerGraphs} (see there
 * for the layout). Pure: no state beyond the configuration, and serializable so that Spark tasks
 * can batch where the rows are. Every id is checked against its cardinality here, where the error
 * can still name the row.
 */
public final class TowerBatcher implements Serializable {
  /** How errors name each kind of field. */
  private static final String ITEM_FIELDS = "field";

  private static final String USER_FIELDS = "user field";

  private final TowerConfig config;

  public TowerBatcher(TowerConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** Features and labels of the training graph for these examples, one row each. */
  public MultiDataSet trainingBatch(List<TowerExample> examples) {
    requireRows(examples == null ? 0 : examples.size(), "examples");
    return encode(examples, examples.size());
  }

  /**
   * The training graph's arrays for {@code rows}, of which those from {@code negativesFrom} on are
   * mixed negatives: their query side carries no user features (all weights 0), since a zero-reward
   * row's query embedding never enters the loss.
   */
  private MultiDataSet encode(List<TowerExample> rows, int negativesFrom) {
    int n = config.historyLength();
    int count = rows.size();
    float[][] itemIds = new float[count][n + 1];
    float[][] historyWeights = new float[count][n + 1];
    float[][] candidateWeights = new float[count][n + 1];
    float[][] seedWeights = new float[count][n + 1];
    float[][] labels = new float[count][InBatchSoftmaxLoss.LABEL_WIDTH];
    int[][][] fieldValues = new int[count][][];
    int[][][] userValues = new int[count][][];
    for (int row = 0; row < count; row++) {
      TowerExample example = rows.get(row);
      if (example == null) {
        // Not requireNonNull(.., "examples[" + row + "]"): that builds the string for every row.
        throw new NullPointerException("examples[" + row + "]");
      }
      encodeHistory(example.history(), row, itemIds[row], historyWeights[row], seedWeights[row]);
      itemIds[row][n] = checkedItem(example.item(), row);
      candidateWeights[row][n] = 1;
      labels[row][InBatchSoftmaxLoss.REWARD] = checkedReward(example.reward(), row);
      labels[row][InBatchSoftmaxLoss.LOG_Q] = checkedLogQ(example.logQ(), row);
      labels[row][InBatchSoftmaxLoss.ITEM_ID] = example.item();
      fieldValues[row] = example.fieldValues();
      userValues[row] = row < negativesFrom ? example.userValues() : null;
    }
    List<INDArray> features =
        new ArrayList<>(
            List.of(
                Nd4j.create(itemIds), Nd4j.create(historyWeights), Nd4j.create(candidateWeights)));
    if (config.seedItem()) {
      features.add(Nd4j.create(seedWeights));
    }
    features.addAll(fieldArrays(ITEM_FIELDS, config.itemFields(), fieldValues));
    features.addAll(fieldArrays(USER_FIELDS, config.userFields(), userValues));
    return new org.nd4j.linalg.dataset.MultiDataSet(
        features.toArray(INDArray[]::new), new INDArray[] {Nd4j.create(labels)});
  }

  /**
   * Features and labels of the training graph for the examples (rows 0..B-1) followed by mixed
   * negatives (rows B..B+B'-1), e.g. from {@link UniformItemSampler#sample}. A negative is a row
   * with reward 0 whose label log q is its own (log(B'/N) for uniform ones): it adds nothing to the
   * loss itself, but its item is a column of every example's softmax, corrected by that log q and
   * masked where it is an accidental hit (see {@link InBatchSoftmaxLoss}).
   *
   * <p>DL4J divides the summed loss and its gradients by the row count B + B', not B: both are
   * B/(B+B') times the mean over the examples. Adam and Adagrad are invariant to that constant
   * factor (up to their epsilon); a loss to compare across B' is the score times (B+B')/B.
   *
   * @param mixedNegatives rows with reward 0, possibly none
   */
  public MultiDataSet trainingBatch(
      List<TowerExample> examples, List<TowerExample> mixedNegatives) {
    requireRows(examples == null ? 0 : examples.size(), "examples");
    Objects.requireNonNull(mixedNegatives, "mixedNegatives");
    List<TowerExample> rows = new ArrayList<>(examples.size() + mixedNegatives.size());
    rows.addAll(examples);
    for (TowerExample negative : mixedNegatives) {
      if (negative == null || negative.reward() != 0) {
        throw TowerErrors.invalidInput(
            "reward of a mixed negative",
            rows.size(),
            negative == null ? null : negative.reward(),
            "Mixed negatives weigh 0 in the loss (their items only serve as negatives of the"
                + " examples): draw them with UniformItemSampler.sample.");
      }
      rows.add(negative);
    }
    return encode(rows, examples.size());
  }

  /**
   * Inputs of the query-tower graph of a model without user fields: history ids [B, N], their
   * weights [B, N] and, with a seed item, the seed's weights [B, N].
   */
  public INDArray[] queryInputs(List<int[]> histories) {
    requireNoUserFields("queryInputs(histories)");
    requireRows(histories == null ? 0 : histories.size(), "histories");
    return queryInputs(histories, Collections.nCopies(histories.size(), new int[0][]));
  }

  /**
   * Inputs of the query-tower graph: history ids [B, N], their weights [B, N], with a seed item the
   * seed's weights [B, N], then ids and weights of every user field.
   *
   * @param userValues userValues.get(i)[u]: the values of user field u for histories.get(i)
   */
  public INDArray[] queryInputs(List<int[]> histories, List<int[][]> userValues) {
    requireRows(histories == null ? 0 : histories.size(), "histories");
    TowerErrors.requireUserRowPerHistory("queryInputs", histories, userValues);
    int rows = histories.size();
    int n = config.historyLength();
    float[][] itemIds = new float[rows][n];
    float[][] weights = new float[rows][n];
    float[][] seedWeights = new float[rows][n];
    for (int row = 0; row < rows; row++) {
      encodeHistory(histories.get(row), row, itemIds[row], weights[row], seedWeights[row]);
    }
    List<INDArray> inputs = new ArrayList<>(List.of(Nd4j.create(itemIds), Nd4j.create(weights)));
    if (config.seedItem()) {
      inputs.add(Nd4j.create(seedWeights));
    }
    inputs.addAll(
        fieldArrays(USER_FIELDS, config.userFields(), userValues.toArray(int[][][]::new)));
    return inputs.toArray(INDArray[]::new);
  }

  /** Fails, naming {@code where}, when the query tower takes user fields. */
  void requireNoUserFields(String where) {
    if (!config.userFields().isEmpty()) {
      throw TowerErrors.invalidBatch(
          where
              + " has no user field values, but this model's query tower takes user fields "
              + config.userFields().stream().map(CategoricalField::name).toList(),
          "Pass each query's user field values (the overload with userValues)");
    }
  }

  /**
   * Inputs of the item-tower graph: item ids [B, 1], their weights [B, 1] (all 1), then ids and
   * weights of every field.
   *
   * @param fieldValues fieldValues[i][f]: the values of field f for items[i]
   */
  public INDArray[] itemInputs(int[] items, int[][][] fieldValues) {
    requireRows(items == null ? 0 : items.length, "items");
    TowerErrors.requireFieldRowPerItem("itemInputs", items, fieldValues);
    float[][] itemIds = new float[items.length][1];
    for (int row = 0; row < items.length; row++) {
      itemIds[row][0] = checkedItem(items[row], row);
    }
    List<INDArray> inputs =
        new ArrayList<>(List.of(Nd4j.create(itemIds), Nd4j.ones(DataType.FLOAT, items.length, 1)));
    inputs.addAll(fieldArrays(ITEM_FIELDS, config.itemFields(), fieldValues));
    return inputs.toArray(INDArray[]::new);
  }

  /**
   * Ids left-aligned (most recent first), 0 in the padding; weights 1/len on ids, 0 elsewhere; the
   * seed's weight 1 on the most recent id (none for an empty history).
   */
  private void encodeHistory(
      int[] history, int row, float[] ids, float[] weights, float[] seedWeights) {
    int n = config.historyLength();
    if (history == null || history.length > n) {
      throw TowerErrors.invalidInput(
          "history",
          row,
          history,
          "A history holds 0.." + n + " ids (historyLength): keep the " + n + " most recent.");
    }
    for (int position = 0; position < history.length; position++) {
      ids[position] = checkedItem(history[position], row);
      weights[position] = 1f / history.length;
    }
    if (history.length > 0) {
      seedWeights[0] = 1;
    }
  }

  /**
   * Two arrays [B, maxValues] per field: ids, and weights 1/count on real values. A null row (a
   * mixed negative's user fields) stays all 0: a zero embedding.
   */
  private List<INDArray> fieldArrays(
      String kind, List<CategoricalField> fields, int[][][] fieldValues) {
    List<INDArray> arrays = new ArrayList<>();
    for (int f = 0; f < fields.size(); f++) {
      CategoricalField field = fields.get(f);
      float[][] ids = new float[fieldValues.length][field.maxValues()];
      float[][] weights = new float[fieldValues.length][field.maxValues()];
      for (int row = 0; row < fieldValues.length; row++) {
        if (fieldValues[row] == null && kind.equals(USER_FIELDS)) {
          continue;
        }
        int[] values = fieldRow(kind, fields, fieldValues[row], row, f);
        for (int k = 0; k < values.length; k++) {
          ids[row][k] = values[k];
          weights[row][k] = 1f / values.length;
        }
      }
      arrays.add(Nd4j.create(ids));
      arrays.add(Nd4j.create(weights));
    }
    return arrays;
  }

  private static int[] fieldRow(
      String kind, List<CategoricalField> fields, int[][] rowValues, int row, int f) {
    if (rowValues == null || rowValues.length != fields.size()) {
      throw TowerErrors.invalidInput(
          kind + " values",
          row,
          rowValues == null ? null : rowValues.length + " fields",
          "Give one array of values per configured " + kind + " (" + fields.size() + ").");
    }
    CategoricalField field = fields.get(f);
    int[] values = rowValues[f];
    if (values == null || values.length < 1 || values.length > field.maxValues()) {
      throw TowerErrors.invalidInput(
          "values of " + kind + " " + field.name(),
          row,
          values,
          "Give 1.."
              + field.maxValues()
              + " values (maxValues); encode a missing value as an OOV index.");
    }
    for (int value : values) {
      if (value < 0 || value >= field.cardinality()) {
        throw TowerErrors.invalidInput(
            "value of " + kind + " " + field.name(),
            row,
            value,
            "Indices run 0.." + (field.cardinality() - 1) + " (cardinality).");
      }
    }
    return values;
  }

  private float checkedItem(int item, int row) {
    if (item < 0 || item >= config.itemCardinality()) {
      throw TowerErrors.invalidInput(
          "item id",
          row,
          item,
          "Item ids run 0.." + (config.itemCardinality() - 1) + " (itemCardinality).");
    }
    return item;
  }

  private static float checkedReward(float reward, int row) {
    if (!(reward >= 0) || Float.isInfinite(reward)) {
      throw TowerErrors.invalidInput(
          "reward", row, reward, "Rewards are finite and >= 0 (use 1 for unweighted examples).");
    }
    return reward;
  }

  private static float checkedLogQ(float logQ, int row) {
    if (Float.isNaN(logQ) || Float.isInfinite(logQ)) {
      throw TowerErrors.invalidInput(
          "logQ", row, logQ, "logQ is the finite log of a positive sampling probability.");
    }
    return logQ;
  }

  private static void requireRows(int rows, String what) {
    if (rows < 1) {
      throw TowerErrors.invalidBatch("No " + what + " to encode", "Pass at least one row");
    }
  }
}
