package io.twotower.jobs.evaluate;

import static io.twotower.jobs.tables.Table.Columns.HISTORY_IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.SCORE;
import static org.apache.spark.sql.types.DataTypes.FloatType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;

import io.twotower.jobs.JobErrors;
import io.twotower.jobs.evaluate.ExactTopK.Hit;
import io.twotower.jobs.tables.DeltaStore.TableSchemas;
import io.twotower.jobs.tables.Table;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;

/**
 * Full-corpus exact retrieval as a Dataset function: every query row gets its top-K items. The
 * corpus is broadcast; queries never leave the executors: each partition encodes them in blocks of
 * {@value #QUERY_BLOCK} and scores every block against the whole corpus with {@link ExactTopK}.
 */
public final class CorpusRetrieval {

  /** Input: the query's history, item indices most recent first (may be empty). */
  public static final String HISTORY = HISTORY_IDX;

  /**
   * Optional input: the query's user fields (MAP&lt;STRING, INT&gt;, {@code Table.USER_FIELD_IDX}),
   * passed to the encoder when present; required by an encoder that has {@link
   * QueryEncoder#userFields()}.
   */
  public static final String USER_FIELDS = Table.USER_FIELD_IDX.name();

  /** Input: item ids never to return for this query (may be empty or contain unknown ids). */
  public static final String EXCLUDE = "exclude";

  /** Output: ARRAY&lt;STRUCT&lt;item_id, score&gt;&gt;, best first, at most K entries. */
  public static final String CANDIDATES = "candidates";

  /** Queries encoded and scored together: amortises the tower call and each corpus tile. */
  static final int QUERY_BLOCK = 256;

  private static final StructType REQUIRED =
      new StructType()
          .add(HISTORY, createArrayType(IntegerType, false))
          .add(EXCLUDE, createArrayType(StringType, false));

  static final StructType CANDIDATE =
      new StructType().add(ITEM_ID, StringType, false).add(SCORE, FloatType, false);

  private CorpusRetrieval() {}

  /** Whether {@code table} has the optional {@link #USER_FIELDS} column. */
  public static boolean hasUserFields(Dataset<Row> table) {
    return List.of(table.columns()).contains(USER_FIELDS);
  }

  /**
   * {@code queries} with a {@value #CANDIDATES} column appended: the {@code k} best items of {@code
   * corpus} by dot product with the encoded history, the excluded ids left out. Fewer than {@code
   * k} when the corpus minus the exclusions is smaller. Lazy, like any Dataset function.
   */
  public static Dataset<Row> topK(
      Dataset<Row> queries, QueryEncoder encoder, ItemCorpus corpus, int k) {
    TableSchemas.require(queries.schema(), REQUIRED, "retrieval queries");
    boolean withUserFields = hasUserFields(queries);
    if (!encoder.userFields().isEmpty() && !withUserFields) {
      throw JobErrors.queriesWithoutUserFields(USER_FIELDS, encoder.userFields());
    }
    if (k < 1) {
      throw JobErrors.invalidTopK(k);
    }
    Broadcast<ItemCorpus> shared =
        JavaSparkContext.fromSparkContext(queries.sparkSession().sparkContext()).broadcast(corpus);
    StructType in = queries.schema();
    StructType out = in.add(CANDIDATES, createArrayType(CANDIDATE, false), false);
    int historyField = in.fieldIndex(HISTORY);
    int excludeField = in.fieldIndex(EXCLUDE);
    int userField = withUserFields ? in.fieldIndex(USER_FIELDS) : -1;
    MapPartitionsFunction<Row, Row> retrieve =
        rows -> new Blocks(rows, encoder, shared.value(), k, historyField, excludeField, userField);
    return queries.mapPartitions(retrieve, Encoders.row(out));
  }

  /** Pulls {@value #QUERY_BLOCK} rows at a time and emits them with their candidates. */
  private static final class Blocks implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final QueryEncoder encoder;
    private final ItemCorpus corpus;
    private final int k;
    private final int historyField;
    private final int excludeField;
    private final int userField;
    private final List<Row> block = new ArrayList<>(QUERY_BLOCK);
    private Hit[][] hits;
    private int next;

    Blocks(
        Iterator<Row> rows,
        QueryEncoder encoder,
        ItemCorpus corpus,
        int k,
        int historyField,
        int excludeField,
        int userField) {
      this.rows = rows;
      this.encoder = encoder;
      this.corpus = corpus;
      this.k = k;
      this.historyField = historyField;
      this.excludeField = excludeField;
      this.userField = userField;
    }

    @Override
    public boolean hasNext() {
      return next < block.size() || rows.hasNext();
    }

    @Override
    public Row next() {
      if (next == block.size()) {
        if (!rows.hasNext()) {
          throw new NoSuchElementException();
        }
        scoreNextBlock();
      }
      Row row = block.get(next);
      Object[] values = new Object[row.size() + 1];
      for (int i = 0; i < row.size(); i++) {
        values[i] = row.get(i);
      }
      values[row.size()] = candidates(hits[next++]);
      return RowFactory.create(values);
    }

    private void scoreNextBlock() {
      block.clear();
      next = 0;
      while (block.size() < QUERY_BLOCK && rows.hasNext()) {
        block.add(rows.next());
      }
      List<int[]> histories = new ArrayList<>(block.size());
      List<Map<String, Integer>> userFields = new ArrayList<>(block.size());
      int[][] excluded = new int[block.size()][];
      for (int j = 0; j < block.size(); j++) {
        histories.add(history(block.get(j)));
        excluded[j] = excludedRows(block.get(j));
        if (userField >= 0) {
          Row row = block.get(j);
          userFields.add(row.isNullAt(userField) ? Map.of() : row.getJavaMap(userField));
        }
      }
      float[][] queries =
          userField >= 0 ? encoder.encode(histories, userFields) : encoder.encode(histories);
      hits = ExactTopK.search(corpus, queries, excluded, k);
    }

    private int[] history(Row row) {
      if (row.isNullAt(historyField)) {
        return new int[0];
      }
      List<Integer> ids = row.getList(historyField);
      int[] history = new int[ids.size()];
      for (int i = 0; i < history.length; i++) {
        history[i] = ids.get(i);
      }
      return history;
    }

    private int[] excludedRows(Row row) {
      if (row.isNullAt(excludeField)) {
        return new int[0];
      }
      List<String> ids = row.getList(excludeField);
      return ids.stream().mapToInt(corpus::rowOf).filter(r -> r >= 0).toArray();
    }

    private Row[] candidates(Hit[] queryHits) {
      Row[] out = new Row[queryHits.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = RowFactory.create(corpus.itemId(queryHits[i].row()), queryHits[i].score());
      }
      return out;
    }
  }
}
