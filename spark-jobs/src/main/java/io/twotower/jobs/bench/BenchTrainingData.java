package io.twotower.jobs.bench;

import static io.twotower.jobs.tables.Table.Columns.FIELD_IDX;
import static io.twotower.jobs.tables.Table.Columns.HISTORY_IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.LOG_P;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.slice;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.features.TrainingWindow;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.train.TowerInputs;
import io.twotower.towers.CategoricalField;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TowerExample;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The data every part of bench-training reads, written once by the project so that all read the
 * same rows: the training examples as the train stage reads them (the training window joined with
 * log p_j), the item corpus in evaluate's order and the held-out queries. For the towers' child JVM
 * a serialized {@link TowersProbe.Input}; for the TFRS peer CSV files (lists as space-separated
 * indices) and meta.json with the model's settings.
 */
final class BenchTrainingData {

  /** The corpus rows (item_id order, as evaluate's) and the held-out histories (queries.csv's). */
  record Written(
      long examples, List<String> itemIds, int[] itemIdx, List<int[]> queryHistories, Path dir) {}

  private BenchTrainingData() {}

  static Written write(
      DeltaStore store, JobConfig config, TowerConfig towers, Dataset<Row> heldOut, Path dir)
      throws IOException {
    Files.createDirectories(dir);
    TowerInputs inputs = TowerInputs.of(towers);
    Dataset<Row> examples =
        TrainingWindow.of(store.read(Table.TRAINING_EXAMPLES), DateRange.ALL)
            .join(store.read(Table.ITEM_SAMPLING_PROBABILITY).select(ITEM_IDX, LOG_P), ITEM_IDX);
    List<TowerExample> collected = new ArrayList<>();
    List<String> fields = towers.itemFields().stream().map(CategoricalField::name).toList();
    try (BufferedWriter csv = Files.newBufferedWriter(dir.resolve("examples.csv"))) {
      csv.write("item_idx,reward,log_p,history");
      for (String f : fields) {
        csv.write("," + f);
      }
      csv.write("\n");
      Iterator<Row> rows = examples.toLocalIterator();
      while (rows.hasNext()) {
        Row row = rows.next();
        TowerExample e = inputs.example(row);
        collected.add(e);
        csv.write(
            String.format(
                Locale.ROOT,
                "%d,%s,%s,%s",
                e.item(),
                Float.toString(e.reward()),
                Double.toString(row.getDouble(row.fieldIndex(LOG_P))),
                joined(e.history())));
        for (int[] values : e.fieldValues()) {
          csv.write("," + joined(values));
        }
        csv.write("\n");
      }
    }
    TowersProbe.write(new TowersProbe.Input(towers, collected), dir.resolve("towers-input.ser"));

    // The corpus exactly as ItemCorpora.twoTower builds it: item_id order, values cut at maxValues.
    List<Column> columns = new ArrayList<>(List.of(col(ITEM_ID), col(ITEM_IDX)));
    for (CategoricalField field : towers.itemFields()) {
      Column values = coalesce(col(FIELD_IDX).getItem(field.name()), array().cast("array<int>"));
      columns.add(slice(values, 1, field.maxValues()));
    }
    List<Row> items =
        store
            .read(Table.ITEM_FEATURES)
            .select(columns.toArray(Column[]::new))
            .orderBy(ITEM_ID)
            .collectAsList();
    List<String> itemIds = new ArrayList<>(items.size());
    int[] itemIdx = new int[items.size()];
    try (BufferedWriter csv = Files.newBufferedWriter(dir.resolve("items.csv"))) {
      csv.write("item_idx");
      for (String f : fields) {
        csv.write("," + f);
      }
      csv.write("\n");
      for (int i = 0; i < items.size(); i++) {
        Row item = items.get(i);
        itemIds.add(item.getString(0));
        itemIdx[i] = item.getInt(1);
        csv.write(Integer.toString(itemIdx[i]));
        for (int f = 0; f < fields.size(); f++) {
          csv.write("," + joined(ints(item.getList(2 + f))));
        }
        csv.write("\n");
      }
    }

    List<int[]> histories = new ArrayList<>();
    try (BufferedWriter csv = Files.newBufferedWriter(dir.resolve("queries.csv"))) {
      csv.write("history\n");
      for (Row q : heldOut.select(HISTORY_IDX).collectAsList()) {
        int[] history = q.isNullAt(0) ? new int[0] : ints(q.getList(0));
        histories.add(history);
        csv.write(joined(history) + "\n");
      }
    }
    Files.writeString(dir.resolve("meta.json"), meta(config, towers), StandardCharsets.UTF_8);
    return new Written(collected.size(), itemIds, itemIdx, histories, dir);
  }

  /** The model and protocol the peer mirrors, from the same TowerConfig the train stage builds. */
  static String meta(JobConfig config, TowerConfig towers) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("item_cardinality", towers.itemCardinality());
    meta.put("history_length", towers.historyLength());
    meta.put("item_embedding_dim", towers.itemEmbeddingDim());
    List<Map<String, Object>> fields = new ArrayList<>();
    for (CategoricalField f : towers.itemFields()) {
      fields.add(
          Map.of(
              "name", f.name(),
              "cardinality", f.cardinality(),
              "max_values", f.maxValues(),
              "embedding_dim", f.embeddingDim()));
    }
    meta.put("fields", fields);
    meta.put("query_hidden", towers.queryHiddenSizes());
    meta.put("item_hidden", towers.itemHiddenSizes());
    meta.put("output_dim", towers.outputDim());
    meta.put("temperature", towers.temperature());
    meta.put("correction", towers.correction().name().toLowerCase(Locale.ROOT));
    meta.put("mask_accidental_hits", towers.maskAccidentalHits());
    meta.put("learning_rate", towers.learningRate());
    meta.put("batch_size", config.train().batchSize());
    meta.put("epochs", config.train().epochs());
    return ConfigValueFactory.fromMap(meta).render(ConfigRenderOptions.concise());
  }

  private static int[] ints(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  private static String joined(int[] values) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      s.append(i == 0 ? "" : " ").append(values[i]);
    }
    return s.toString();
  }
}
