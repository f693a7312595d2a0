package io.twotower.jobs.tables;

import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.FloatType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createMapType;

import java.util.Optional;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Every Delta table of the pipeline: its folder name, its required columns and its partition
 * column. Jobs check their inputs against these before doing any work. {@code items} may carry
 * further categorical columns (STRING single-valued, ARRAY&lt;STRING&gt; multi-valued) beyond the
 * required {@code item_id}; {@code users} (written only by sources that know user attributes)
 * carries STRING columns beyond {@code user_id}. {@code training_examples} has the optional column
 * {@link #USER_FIELD_IDX} when {@code features.user-fields} names any.
 */
public enum Table {
  EVENTS(
      "events",
      new StructType()
          .add("user_id", StringType, false)
          .add("item_id", StringType, false)
          .add("ts", TimestampType, false)
          .add("engagement", DoubleType, false)
          .add("dt", DateType, false),
      "dt"),
  ITEMS("items", new StructType().add("item_id", StringType, false), null),
  USERS("users", new StructType().add("user_id", StringType, false), null),
  QUARANTINE(
      "quarantine",
      new StructType()
          .add("stage", StringType, false)
          .add("source", StringType, false)
          .add("reason", StringType, false)
          .add("record", StringType, true)
          .add("quarantined_at", TimestampType, false),
      "stage"),
  VOCABULARIES(
      "vocabularies",
      new StructType()
          .add("field", StringType, false)
          .add("value", StringType, false)
          .add("idx", IntegerType, false)
          .add("count", LongType, false),
      null),
  ITEM_FEATURES(
      "item_features",
      new StructType()
          .add("item_id", StringType, false)
          .add("item_idx", IntegerType, false)
          .add("field_idx", createMapType(StringType, createArrayType(IntegerType, false)), false),
      null),
  TRAINING_EXAMPLES(
      "training_examples",
      new StructType()
          .add("user_id", StringType, false)
          .add("item_id", StringType, false)
          .add("ts", TimestampType, false)
          .add("dt", DateType, false)
          .add("split", StringType, false)
          .add("reward", DoubleType, false)
          .add("history", createArrayType(StringType, false), false)
          .add("history_idx", createArrayType(IntegerType, false), false)
          .add("item_idx", IntegerType, false)
          .add("field_idx", createMapType(StringType, createArrayType(IntegerType, false)), false),
      "dt"),
  /** Occurrences of each item index among one day's training examples (the sampling stage). */
  ITEM_DAILY_COUNTS(
      "item_daily_counts",
      new StructType()
          .add("item_idx", IntegerType, false)
          .add("dt", DateType, false)
          .add("count", LongType, false),
      "dt"),
  ITEM_SAMPLING_PROBABILITY(
      "item_sampling_probability",
      new StructType()
          .add("item_idx", IntegerType, false)
          .add("p", DoubleType, false)
          .add("log_p", DoubleType, false),
      null),
  EVALUATIONS(
      "evaluations",
      new StructType()
          .add("evaluation_id", StringType, false)
          .add("evaluated_at", TimestampType, false)
          .add("model_id", StringType, false)
          .add("method", StringType, false)
          .add("split", StringType, false)
          .add("k", IntegerType, false)
          .add("recall", DoubleType, false)
          .add("queries", LongType, false),
      null),
  ITEM_EMBEDDINGS(
      "item_embeddings",
      new StructType()
          .add("model_id", StringType, false)
          .add("item_id", StringType, false)
          .add("item_idx", IntegerType, false)
          .add("embedding", createArrayType(FloatType, false), false),
      null),
  USER_CANDIDATES(
      "user_candidates",
      new StructType()
          .add("model_id", StringType, false)
          .add("user_id", StringType, false)
          .add("rank", IntegerType, false)
          .add("item_id", StringType, false)
          .add("score", FloatType, false),
      null);

  /**
   * training_examples' optional MAP&lt;STRING, INT&gt;: user field name -> index in the field's
   * vocabulary ({@code Vocabulary.userField(name)}); absent in tables written without user fields.
   */
  public static final StructField USER_FIELD_IDX =
      new StructField(
          "user_field_idx", createMapType(StringType, IntegerType, false), false, Metadata.empty());

  private final String folder;
  private final StructType requiredColumns;
  private final String partitionColumn;

  Table(String folder, StructType requiredColumns, String partitionColumn) {
    this.folder = folder;
    this.requiredColumns = requiredColumns;
    this.partitionColumn = partitionColumn;
  }

  public String folder() {
    return folder;
  }

  /** Columns every version of this table has; a table may carry more. */
  public StructType requiredColumns() {
    return requiredColumns;
  }

  public Optional<String> partitionColumn() {
    return Optional.ofNullable(partitionColumn);
  }
}
