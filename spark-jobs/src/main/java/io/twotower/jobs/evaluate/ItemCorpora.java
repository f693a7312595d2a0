package io.twotower.jobs.evaluate;

import static io.twotower.jobs.tables.Table.Columns.FIELD_IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.slice;

import io.twotower.towers.CategoricalField;
import io.twotower.towers.TwoTowerModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The corpora retrieval ranks against, built on the driver from {@code item_features} (one row per
 * item, the whole corpus) in {@code item_id} order. Collecting the corpus is what broadcasting it
 * needs anyway: n items x d floats (3,000 x 64 is 768 KB; 60,000 x 64 is 15 MB).
 */
public final class ItemCorpora {

  /** Items per item-tower call on the driver. */
  private static final int ITEM_BATCH = 4096;

  private ItemCorpora() {}

  /** Every item's embedding from the model's item tower. */
  public static ItemCorpus twoTower(TwoTowerModel model, Dataset<Row> itemFeatures) {
    List<CategoricalField> fields = model.config().itemFields();
    List<Column> columns = new ArrayList<>(List.of(col(ITEM_ID), col(ITEM_IDX)));
    for (CategoricalField field : fields) {
      // An item without a value for a field gets none (zero weight); extra values are cut.
      Column values = coalesce(col(FIELD_IDX).getItem(field.name()), array().cast("array<int>"));
      columns.add(slice(values, 1, field.maxValues()));
    }
    List<Row> items =
        itemFeatures.select(columns.toArray(Column[]::new)).orderBy(ITEM_ID).collectAsList();
    int n = items.size();
    List<String> ids = new ArrayList<>(n);
    int[] idx = new int[n];
    int[][][] fieldValues = new int[n][fields.size()][];
    for (int i = 0; i < n; i++) {
      Row item = items.get(i);
      ids.add(item.getString(0));
      idx[i] = item.getInt(1);
      for (int f = 0; f < fields.size(); f++) {
        fieldValues[i][f] =
            item.<Integer>getList(2 + f).stream().mapToInt(Integer::intValue).toArray();
      }
    }
    float[][] vectors = new float[n][];
    for (int start = 0; start < n; start += ITEM_BATCH) {
      int end = Math.min(n, start + ITEM_BATCH);
      float[][] batch =
          model.itemEmbeddings(
              Arrays.copyOfRange(idx, start, end), Arrays.copyOfRange(fieldValues, start, end));
      System.arraycopy(batch, 0, vectors, start, batch.length);
    }
    return ItemCorpus.of(ids, idx, vectors);
  }

  /**
   * Every item scored by how often it occurs in {@code trainingRows} (any rows with an {@code
   * item_id}); items never seen score 0. Ranked with the query vector {1}, equal counts in item_id
   * order.
   */
  public static ItemCorpus popularity(Dataset<Row> itemFeatures, Dataset<Row> trainingRows) {
    Dataset<Row> counts = trainingRows.groupBy(ITEM_ID).agg(count(lit(1)).as("n"));
    List<Row> items =
        itemFeatures
            .select(ITEM_ID, ITEM_IDX)
            .join(counts, ITEM_ID, "left")
            .select(col(ITEM_ID), col(ITEM_IDX), coalesce(col("n"), lit(0L)))
            .orderBy(ITEM_ID)
            .collectAsList();
    List<String> ids = new ArrayList<>(items.size());
    float[][] scores = new float[items.size()][];
    int[] idx = new int[items.size()];
    for (int i = 0; i < items.size(); i++) {
      ids.add(items.get(i).getString(0));
      idx[i] = items.get(i).getInt(1);
      // float holds counts exactly up to 2^24, far beyond any one item's training count here
      scores[i] = new float[] {items.get(i).getLong(2)};
    }
    return ItemCorpus.of(ids, idx, scores);
  }
}
