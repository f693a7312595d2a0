package io.twotower.jobs.features;

import static io.twotower.jobs.tables.Table.Columns.COUNT;
import static io.twotower.jobs.tables.Table.Columns.FIELD;
import static io.twotower.jobs.tables.Table.Columns.IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.VALUE;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.row_number;

import io.twotower.jobs.JobErrors;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.hash.Murmur3_x86_32;

/**
 * Index spaces of the item id and of each categorical field, stable across features runs so that a
 * model trained yesterday still reads today's indices. The first build gives the values seen at
 * least {@code min-count} times indices {@code 0..V-1} (most frequent first, ties by value) and
 * puts {@code H} out-of-vocabulary buckets at {@code V..V+H-1}; every other value hashes into one
 * of them, so an item unseen in training still gets an embedding. Later runs only append ({@link
 * #grow}): values that reach {@code min-count} since get the next free indices after the current
 * largest one (after the buckets), and nothing already indexed moves, the buckets included. A
 * model's tables thus cover a prefix of today's indices: ids it knew keep their rows, and it grows
 * new rows for the new ones ({@code TwoTowerModel.grownTo}). The buckets are rows of the table too
 * ({@code #oov-k}, count 0), so where they lie and a field's cardinality are the table's own facts,
 * not a config that could drift. A missing categorical value is the explicit value {@link #NONE}.
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
  private final Map<String, Integer> firstBucket;

  private Vocabulary(
      Map<String, Map<String, Integer>> indices,
      Map<String, Integer> vocabSizes,
      Map<String, Integer> buckets,
      Map<String, Integer> firstBucket) {
    this.indices = indices;
    this.vocabSizes = vocabSizes;
    this.buckets = buckets;
    this.firstBucket = firstBucket;
  }

  /**
   * The vocabularies table (field, value, idx, count) from rows of (field, value), one per
   * occurrence.
   */
  public static Dataset<Row> build(Dataset<Row> occurrences, int minCount, int oovBuckets) {
    Dataset<Row> indexed = indexedFrom(counted(occurrences, minCount), lit(0));
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

  /**
   * The vocabularies table {@code existing} extended by {@code occurrences} (rows of (field,
   * value), one per occurrence): existing rows keep their index; values of an existing field that
   * reach {@code minCount} and have no index yet get the next ones after the field's largest index
   * (most frequent first, ties by value); a field new to the table is built as by {@link #build};
   * fields without occurrences (a column or user field no longer configured) are left out.
   *
   * @throws io.twotower.jobs.JobException if a field of {@code existing} has another number of
   *     buckets than {@code oovBuckets} (moving them would move every hashed value)
   */
  public static Dataset<Row> grow(
      Dataset<Row> existing, Dataset<Row> occurrences, int minCount, int oovBuckets) {
    Dataset<Row> old = existing.select(FIELD, VALUE, IDX, COUNT);
    Dataset<Row> fields = occurrences.select(FIELD).distinct();
    Dataset<Row> kept = old.join(fields, new String[] {FIELD}, "left_semi");
    Map<String, Integer> keptBuckets =
        fromRows(kept.where(col(VALUE).startsWith(OOV_PREFIX)).collectAsList()).buckets;
    keptBuckets.forEach(
        (field, found) -> {
          if (found != oovBuckets) {
            throw JobErrors.oovBucketsDifferFromVocabulary(field, oovBuckets, found);
          }
        });
    Dataset<Row> next = kept.groupBy(FIELD).agg(max(IDX).plus(1).cast("int").as("next_idx"));
    Dataset<Row> added =
        counted(occurrences, minCount)
            .join(kept.select(FIELD, VALUE), new String[] {FIELD, VALUE}, "left_anti")
            .join(next, FIELD);
    Dataset<Row> newFields =
        occurrences.join(kept.select(FIELD).distinct(), new String[] {FIELD}, "left_anti");
    return kept.unionByName(indexedFrom(added, col("next_idx")).select(FIELD, VALUE, IDX, COUNT))
        .unionByName(build(newFields, minCount, oovBuckets));
  }

  /** (field, value, count) of the values seen at least {@code minCount} times. */
  private static Dataset<Row> counted(Dataset<Row> occurrences, int minCount) {
    return occurrences
        .groupBy(FIELD, VALUE)
        .agg(count(lit(1)).as(COUNT))
        .filter(col(COUNT).geq(minCount));
  }

  /** Indices from {@code first} on within each field, most frequent first, ties by value. */
  private static Dataset<Row> indexedFrom(Dataset<Row> counted, Column first) {
    return counted.withColumn(
        IDX,
        row_number()
            .over(Window.partitionBy(FIELD).orderBy(col(COUNT).desc(), col(VALUE).asc()))
            .minus(1)
            .plus(first)
            .cast("int"));
  }

  /** The in-memory encoder from the vocabularies table's rows (field, value, idx, count). */
  public static Vocabulary fromRows(List<Row> rows) {
    Map<String, Map<String, Integer>> indices = new TreeMap<>();
    Map<String, Integer> vocabSizes = new TreeMap<>();
    Map<String, Integer> buckets = new TreeMap<>();
    Map<String, Integer> firstBucket = new TreeMap<>();
    for (Row row : rows) {
      String field = row.getAs(FIELD);
      String value = row.getAs(VALUE);
      int idx = row.getAs(IDX);
      if (value.startsWith(OOV_PREFIX) && ((Number) row.getAs(COUNT)).longValue() == 0L) {
        buckets.merge(field, 1, Integer::sum);
        firstBucket.merge(field, idx, Math::min);
      } else {
        indices.computeIfAbsent(field, f -> new HashMap<>()).put(value, idx);
        vocabSizes.merge(field, 1, Integer::sum);
      }
    }
    return new Vocabulary(indices, vocabSizes, buckets, firstBucket);
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
    return firstBucket.get(field) + Math.floorMod(hash(value), h);
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
