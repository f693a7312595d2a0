package io.twotower.jobs.features;

import static io.twotower.jobs.tables.Table.Columns.COUNT;
import static io.twotower.jobs.tables.Table.Columns.FIELD;
import static io.twotower.jobs.tables.Table.Columns.IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.VALUE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import io.twotower.jobs.JobErrors;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.hash.Murmur3_x86_32;

/**
 * Index spaces of the item id and of each categorical field. Values seen at least {@code min-count}
 * times get indices {@code 0..V-1} (most frequent first, ties by value); every other value is
 * hashed into one of {@code H} out-of-vocabulary buckets {@code V..V+H-1}, so an item unseen in
 * training still gets an embedding. The buckets are rows of the table too ({@code #oov-k}, count
 * 0), so a field's cardinality is the table's own fact, not a config that could drift. A missing
 * categorical value is the explicit value {@link #NONE}.
 */
public final class Vocabulary implements Serializable {

  public static final String ITEM_FIELD = ITEM_ID;
  public static final String NONE = "<none>";

  /**
   * Prefix of a user field's name in the vocabularies table ({@code user.region}), so that a user
   * field and an item column of the same name keep separate index spaces.
   */
  public static final String USER_PREFIX = "user.";

  static final String OOV_PREFIX = "#oov-";
  private static final int HASH_SEED = 42; // Spark SQL's hash() seed: the same buckets in SQL.

  private final Map<String, Map<String, Integer>> indices;
  private final Map<String, Integer> vocabSizes;
  private final Map<String, Integer> buckets;

  private Vocabulary(
      Map<String, Map<String, Integer>> indices,
      Map<String, Integer> vocabSizes,
      Map<String, Integer> buckets) {
    this.indices = indices;
    this.vocabSizes = vocabSizes;
    this.buckets = buckets;
  }

  /**
   * The vocabularies table (field, value, idx, count) from rows of (field, value), one per
   * occurrence.
   */
  public static Dataset<Row> build(Dataset<Row> occurrences, int minCount, int oovBuckets) {
    Dataset<Row> counted =
        occurrences
            .groupBy(FIELD, VALUE)
            .agg(count(lit(1)).as(COUNT))
            .filter(col(COUNT).geq(minCount));
    Dataset<Row> indexed =
        counted.withColumn(
            IDX,
            row_number()
                .over(Window.partitionBy(FIELD).orderBy(col(COUNT).desc(), col(VALUE).asc()))
                .minus(1)
                .cast("int"));
    Dataset<Row> sizes = indexed.groupBy(FIELD).agg(count(lit(1)).cast("int").as("size"));
    List<Row> bucketRows = new ArrayList<>();
    for (Row size : sizes.collectAsList()) {
      for (int k = 0; k < oovBuckets; k++) {
        bucketRows.add(
            RowFactory.create(size.getString(0), OOV_PREFIX + k, size.getInt(1) + k, 0L));
      }
    }
    SparkSession spark = occurrences.sparkSession();
    Dataset<Row> oov =
        spark.createDataFrame(bucketRows, indexed.select(FIELD, VALUE, IDX, COUNT).schema());
    return indexed.select(FIELD, VALUE, IDX, COUNT).unionByName(oov);
  }

  /** The in-memory encoder from the vocabularies table's rows (field, value, idx, count). */
  public static Vocabulary fromRows(List<Row> rows) {
    Map<String, Map<String, Integer>> indices = new TreeMap<>();
    Map<String, Integer> vocabSizes = new TreeMap<>();
    Map<String, Integer> buckets = new TreeMap<>();
    for (Row row : rows) {
      String field = row.getAs(FIELD);
      String value = row.getAs(VALUE);
      int idx = row.getAs(IDX);
      if (value.startsWith(OOV_PREFIX) && ((Number) row.getAs(COUNT)).longValue() == 0L) {
        buckets.merge(field, 1, Integer::sum);
      } else {
        indices.computeIfAbsent(field, f -> new HashMap<>()).put(value, idx);
        vocabSizes.merge(field, 1, Integer::sum);
      }
    }
    return new Vocabulary(indices, vocabSizes, buckets);
  }

  /** Reads the whole table into an encoder (the driver holds it; it is broadcast to executors). */
  public static Vocabulary fromTable(Dataset<Row> table) {
    return fromRows(table.select(FIELD, VALUE, IDX, COUNT).collectAsList());
  }

  /** Index of {@code value} in {@code field}: its own, or its out-of-vocabulary bucket. */
  public int index(String field, String value) {
    Integer known = indices.getOrDefault(field, Map.of()).get(value);
    if (known != null) {
      return known;
    }
    int h = buckets.getOrDefault(field, 0);
    if (h == 0) {
      throw JobErrors.noVocabulary(field);
    }
    return vocabSizes.getOrDefault(field, 0) + Math.floorMod(hash(value), h);
  }

  /** Number of indices of {@code field}: vocabulary plus buckets. */
  public int cardinality(String field) {
    return vocabSizes.getOrDefault(field, 0) + buckets.getOrDefault(field, 0);
  }

  /** The categorical item fields besides the item id, sorted by name (the towers' field order). */
  public List<String> itemFields() {
    List<String> fields = new ArrayList<>(buckets.keySet());
    fields.remove(ITEM_FIELD);
    fields.removeIf(field -> field.startsWith(USER_PREFIX));
    return fields;
  }

  /** The user fields without their prefix, sorted by name (the query tower's field order). */
  public List<String> userFields() {
    return buckets.keySet().stream()
        .filter(field -> field.startsWith(USER_PREFIX))
        .map(field -> field.substring(USER_PREFIX.length()))
        .toList();
  }

  /** The vocabularies table's name of user field {@code name}. */
  public static String userField(String name) {
    return USER_PREFIX + name;
  }

  /** Spark SQL's {@code hash(value)} (Murmur3, seed 42, over UTF-8 bytes). */
  static int hash(String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    return Murmur3_x86_32.hashUnsafeBytes(
        bytes, Platform.BYTE_ARRAY_OFFSET, bytes.length, HASH_SEED);
  }
}
