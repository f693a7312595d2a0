package io.twotower.jobs.train;

import static io.twotower.jobs.tables.Table.Columns.FIELD_IDX;
import static io.twotower.jobs.tables.Table.Columns.HISTORY_IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.LOG_P;
import static io.twotower.jobs.tables.Table.Columns.REWARD;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;

import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.TrainConfig;
import io.twotower.jobs.features.Vocabulary;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.CategoricalField;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TowerExample;
import io.twotower.towers.TwoTowerModel;
import io.twotower.towers.UniformItemSampler;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The bridge from the feature tables to the towers' input contract: the model shape derived from
 * the vocabularies, and the conversion of a training_examples row into a {@link TowerExample}.
 */
public final class TowerInputs implements Serializable {

  private final List<String> fields;
  private final List<String> userFields;

  /**
   * @param fields the item fields, in the towers' order
   * @param userFields the user fields, in the towers' order (empty: examples need no
   *     user_field_idx)
   */
  public TowerInputs(List<String> fields, List<String> userFields) {
    this.fields = List.copyOf(fields);
    this.userFields = List.copyOf(userFields);
  }

  /** The user fields' names, in the towers' order. */
  public List<String> userFields() {
    return userFields;
  }

  /** The inputs of a model of this config. */
  public static TowerInputs of(TowerConfig config) {
    return new TowerInputs(
        config.itemFields().stream().map(CategoricalField::name).toList(),
        config.userFields().stream().map(CategoricalField::name).toList());
  }

  /**
   * The model config: cardinalities from the vocabularies (user fields: those of the vocabularies,
   * i.e. of the features run), the history length from features.*, the hyperparameters from
   * train.*.
   */
  public static TowerConfig towerConfig(
      JobConfig config, Vocabulary vocabulary, Dataset<Row> itemFeatures) {
    TrainConfig train = config.train();
    List<CategoricalField> fields = new ArrayList<>();
    for (String field : vocabulary.itemFields()) {
      Row longest = itemFeatures.agg(max(size(itemFeatures.col(FIELD_IDX).getItem(field)))).first();
      int maxValues = Math.max(1, longest.isNullAt(0) ? 1 : longest.getInt(0));
      fields.add(
          new CategoricalField(
              field, vocabulary.cardinality(field), maxValues, train.fieldEmbeddingDim()));
    }
    List<CategoricalField> userFields = new ArrayList<>();
    for (String field : vocabulary.userFields()) {
      userFields.add(
          new CategoricalField(
              field,
              vocabulary.cardinality(Vocabulary.userField(field)),
              1,
              train.fieldEmbeddingDim()));
    }
    return train
        .towerConfig()
        .itemCardinality(vocabulary.cardinality(Vocabulary.ITEM_FIELD))
        .historyLength(config.features().historyLength())
        .itemFields(fields)
        .userFields(userFields)
        .build();
  }

  /**
   * {@code model} with embedding tables as large as {@code vocabulary}'s index spaces, for scoring
   * items and histories indexed after it was trained (features ran for a later day): the
   * vocabularies only append, so the model's rows are a prefix of today's indices, and the new
   * indices get fresh rows ({@code TwoTowerModel.grownTo}); their items still embed through their
   * trained field embeddings. The model itself when nothing grew or there are no vocabularies (a
   * store of hand-made tables).
   */
  public static TwoTowerModel grownToVocabularies(DeltaStore store, TwoTowerModel model) {
    if (!store.exists(Table.VOCABULARIES)) {
      return model;
    }
    Vocabulary vocabulary = Vocabulary.fromTable(store.read(Table.VOCABULARIES));
    TowerConfig trained = model.config();
    return model.grownTo(
        trained.toBuilder()
            .itemCardinality(
                Math.max(trained.itemCardinality(), vocabulary.cardinality(Vocabulary.ITEM_FIELD)))
            .itemFields(grown(trained.itemFields(), vocabulary, ""))
            .userFields(grown(trained.userFields(), vocabulary, Vocabulary.USER_PREFIX))
            .build());
  }

  private static List<CategoricalField> grown(
      List<CategoricalField> fields, Vocabulary vocabulary, String prefix) {
    return fields.stream()
        .map(
            f ->
                new CategoricalField(
                    f.name(),
                    Math.max(f.cardinality(), vocabulary.cardinality(prefix + f.name())),
                    f.maxValues(),
                    f.embeddingDim()))
        .toList();
  }

  /** The columns {@link #example} reads: all a placed example needs to keep. */
  public Column[] columns() {
    List<Column> columns =
        new ArrayList<>(
            List.of(col(HISTORY_IDX), col(ITEM_IDX), col(FIELD_IDX), col(REWARD), col(LOG_P)));
    if (!userFields.isEmpty()) {
      columns.add(col(Table.USER_FIELD_IDX.name()));
    }
    return columns.toArray(new Column[0]);
  }

  /** A training_examples row joined with its log_p, as the towers take it. */
  public TowerExample example(Row row) {
    List<Integer> history = row.getList(row.fieldIndex(HISTORY_IDX));
    return new TowerExample(
        toInts(history),
        row.getInt(row.fieldIndex(ITEM_IDX)),
        fieldValues(row),
        (float) row.getDouble(row.fieldIndex(REWARD)),
        (float) row.getDouble(row.fieldIndex(LOG_P)),
        userValues(row));
  }

  /** values[u]: the index of user field u in the row's user_field_idx map, in the towers' order. */
  private int[][] userValues(Row row) {
    int[][] values = new int[userFields.size()][];
    if (values.length == 0) {
      return values;
    }
    Map<String, Integer> byField = row.getJavaMap(row.fieldIndex(Table.USER_FIELD_IDX.name()));
    for (int u = 0; u < values.length; u++) {
      Integer value = byField.get(userFields.get(u));
      values[u] = value == null ? new int[0] : new int[] {value};
    }
    return values;
  }

  /**
   * The whole item corpus (every row of item_features, one per item, collected to the driver) for
   * drawing mixed negatives. Items hashed into one out-of-vocabulary id stay separate corpus items
   * with their own fields, as in evaluation. Small enough to broadcast: ids and a few field indices
   * per item.
   */
  public UniformItemSampler itemCorpus(Dataset<Row> itemFeatures) {
    List<Row> rows = itemFeatures.select(ITEM_IDX, FIELD_IDX).collectAsList();
    int[] items = new int[rows.size()];
    int[][][] values = new int[rows.size()][][];
    for (int k = 0; k < items.length; k++) {
      items[k] = rows.get(k).getInt(0);
      values[k] = fieldValues(rows.get(k));
    }
    return new UniformItemSampler(items, values);
  }

  /** values[f]: the indices of field f in the row's field_idx map, in the towers' field order. */
  private int[][] fieldValues(Row row) {
    Map<String, scala.collection.Seq<Integer>> byField =
        scala.collection.JavaConverters.mapAsJavaMap(row.getMap(row.fieldIndex(FIELD_IDX)));
    int[][] values = new int[fields.size()][];
    for (int f = 0; f < values.length; f++) {
      scala.collection.Seq<Integer> seq = byField.get(fields.get(f));
      values[f] =
          seq == null ? new int[0] : toInts(scala.collection.JavaConverters.seqAsJavaList(seq));
    }
    return values;
  }

  private static int[] toInts(List<Integer> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
