package io.twotower.jobs.evaluate;

import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Recall@K over held-out (query, item) pairs: the fraction whose item is among the query's top K of
 * the full corpus, exclusions applied. One retrieval at the largest K answers every smaller K.
 */
public final class RecallAtK {

  /**
   * @param queries pairs evaluated
   * @param excludedTargets pairs whose held-out item was excluded (already consumed): misses
   * @param recall Recall@K per K, in the order of the ks asked for
   */
  public record Recall(long queries, long excludedTargets, List<Double> recall) {

    /** What tuning maximises (ALS's grid, {@code compare}'s selection): the mean over the ks. */
    public double meanOverKs() {
      return meanOverKs(recall);
    }

    /** The mean of one Recall@K list (0 when empty). */
    public static double meanOverKs(List<Double> recall) {
      return recall.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    }
  }

  private RecallAtK() {}

  /**
   * Ranks {@code heldOut} (columns as {@link HeldOutQueries#from} writes them) against {@code
   * corpus} and aggregates; only the per-K counts come back to the driver.
   */
  public static Recall of(
      Dataset<Row> heldOut, QueryEncoder encoder, ItemCorpus corpus, List<Integer> ks) {
    int maxK = Collections.max(ks);
    Dataset<Row> ranked =
        CorpusRetrieval.topK(heldOut, encoder, corpus, maxK)
            .select(
                array_position(col(CorpusRetrieval.CANDIDATES + ".item_id"), col(ITEM_ID))
                    .as("rank"),
                array_contains(col(CorpusRetrieval.EXCLUDE), col(ITEM_ID)).as("excluded"));
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(sum(when(col("excluded"), 1L).otherwise(0L)));
    for (int k : ks) {
      aggregates.add(sum(when(col("rank").between(1, k), 1L).otherwise(0L)));
    }
    Row totals = ranked.agg(count(lit(1)), aggregates.toArray(Column[]::new)).head();
    long queries = totals.getLong(0);
    List<Double> recall = new ArrayList<>(ks.size());
    for (int i = 0; i < ks.size(); i++) {
      recall.add(queries == 0 ? 0.0 : (double) totals.getLong(2 + i) / queries);
    }
    return new Recall(queries, queries == 0 ? 0 : totals.getLong(1), List.copyOf(recall));
  }
}
