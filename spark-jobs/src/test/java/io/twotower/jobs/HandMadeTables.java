package io.twotower.jobs;

import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.util.List;

/**
 * The smallest training_examples and item_features tables a stage accepts, written from rows worked
 * out by hand in a test's comment: no history, no item fields, reward 1.
 */
public final class HandMadeTables {

  private HandMadeTables() {}

  /**
   * Writes training_examples (partitioned by dt, the day of ts) from SQL value tuples {@code ('u1',
   * 0, TIMESTAMP'2026-01-01 10:00:00', 'train')}: user id, item index, time, split. Item index i
   * has item id "i" + i. The rows are spread over {@code files} files in an order unlike the one
   * they are given in, so a stage that needs an order must sort.
   */
  public static void trainingExamples(DeltaStore store, List<String> rows, int files) {
    store
        .spark()
        .sql(
            "SELECT * FROM VALUES "
                + String.join(",", rows)
                + " AS t(user_id, item_idx, ts, split)")
        .repartition(files)
        .selectExpr(
            "user_id",
            "concat('i', item_idx) AS item_id",
            "ts",
            "to_date(ts) AS dt",
            "split",
            "1.0D AS reward",
            "CAST(array() AS array<string>) AS history",
            "CAST(array() AS array<int>) AS history_idx",
            "item_idx",
            "CAST(map() AS map<string, array<int>>) AS field_idx")
        .write()
        .format("delta")
        .partitionBy("dt")
        .save(store.path(Table.TRAINING_EXAMPLES));
  }

  /** Writes item_features for item indices 0..items-1 (ids "i0", "i1", ...), without fields. */
  public static void itemFeatures(DeltaStore store, int items) {
    store
        .spark()
        .range(items)
        .selectExpr(
            "concat('i', id) AS item_id",
            "CAST(id AS int) AS item_idx",
            "CAST(map() AS map<string, array<int>>) AS field_idx")
        .write()
        .format("delta")
        .save(store.path(Table.ITEM_FEATURES));
  }
}
