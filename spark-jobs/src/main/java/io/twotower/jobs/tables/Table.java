package io.twotower.jobs.tables;

import static io.twotower.jobs.tables.Table.Columns.COUNT;
import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.EMBEDDING;
import static io.twotower.jobs.tables.Table.Columns.ENGAGEMENT;
import static io.twotower.jobs.tables.Table.Columns.EPOCH;
import static io.twotower.jobs.tables.Table.Columns.EVALUATED_AT;
import static io.twotower.jobs.tables.Table.Columns.EVALUATION_ID;
import static io.twotower.jobs.tables.Table.Columns.EXAMPLES;
import static io.twotower.jobs.tables.Table.Columns.EXAMPLES_PER_S;
import static io.twotower.jobs.tables.Table.Columns.FIELD;
import static io.twotower.jobs.tables.Table.Columns.FIELD_IDX;
import static io.twotower.jobs.tables.Table.Columns.HISTORY;
import static io.twotower.jobs.tables.Table.Columns.HISTORY_IDX;
import static io.twotower.jobs.tables.Table.Columns.IDX;
import static io.twotower.jobs.tables.Table.Columns.ITEM_ID;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.K;
import static io.twotower.jobs.tables.Table.Columns.LOG_P;
import static io.twotower.jobs.tables.Table.Columns.LOSS;
import static io.twotower.jobs.tables.Table.Columns.METHOD;
import static io.twotower.jobs.tables.Table.Columns.MODEL_ID;
import static io.twotower.jobs.tables.Table.Columns.P;
import static io.twotower.jobs.tables.Table.Columns.PROTOCOL;
import static io.twotower.jobs.tables.Table.Columns.QUARANTINED_AT;
import static io.twotower.jobs.tables.Table.Columns.QUERIES;
import static io.twotower.jobs.tables.Table.Columns.RANK;
import static io.twotower.jobs.tables.Table.Columns.REASON;
import static io.twotower.jobs.tables.Table.Columns.RECALL;
import static io.twotower.jobs.tables.Table.Columns.RECORD;
import static io.twotower.jobs.tables.Table.Columns.RECORDED_AT;
import static io.twotower.jobs.tables.Table.Columns.REWARD;
import static io.twotower.jobs.tables.Table.Columns.SCORE;
import static io.twotower.jobs.tables.Table.Columns.SOURCE;
import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static io.twotower.jobs.tables.Table.Columns.STAGE;
import static io.twotower.jobs.tables.Table.Columns.TEST_FROM;
import static io.twotower.jobs.tables.Table.Columns.TEST_TO;
import static io.twotower.jobs.tables.Table.Columns.TRAIN_SPLIT;
import static io.twotower.jobs.tables.Table.Columns.TRAIN_SPLITS;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static io.twotower.jobs.tables.Table.Columns.VALUE;
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
          .add(USER_ID, StringType, false)
          .add(ITEM_ID, StringType, false)
          .add(TS, TimestampType, false)
          .add(ENGAGEMENT, DoubleType, false)
          .add(DT, DateType, false),
      DT),
  ITEMS("items", new StructType().add(ITEM_ID, StringType, false), null),
  USERS("users", new StructType().add(USER_ID, StringType, false), null),
  QUARANTINE(
      "quarantine",
      new StructType()
          .add(STAGE, StringType, false)
          .add(SOURCE, StringType, false)
          .add(REASON, StringType, false)
          .add(RECORD, StringType, true)
          .add(QUARANTINED_AT, TimestampType, false),
      STAGE),
  VOCABULARIES(
      "vocabularies",
      new StructType()
          .add(FIELD, StringType, false)
          .add(VALUE, StringType, false)
          .add(IDX, IntegerType, false)
          .add(COUNT, LongType, false),
      null),
  ITEM_FEATURES(
      "item_features",
      new StructType()
          .add(ITEM_ID, StringType, false)
          .add(ITEM_IDX, IntegerType, false)
          .add(FIELD_IDX, createMapType(StringType, createArrayType(IntegerType, false)), false),
      null),
  TRAINING_EXAMPLES(
      "training_examples",
      new StructType()
          .add(USER_ID, StringType, false)
          .add(ITEM_ID, StringType, false)
          .add(TS, TimestampType, false)
          .add(DT, DateType, false)
          .add(SPLIT, StringType, false)
          .add(REWARD, DoubleType, false)
          .add(HISTORY, createArrayType(StringType, false), false)
          .add(HISTORY_IDX, createArrayType(IntegerType, false), false)
          .add(ITEM_IDX, IntegerType, false)
          .add(FIELD_IDX, createMapType(StringType, createArrayType(IntegerType, false)), false),
      DT),
  /** Occurrences of each item index among one day's training examples (the sampling stage). */
  ITEM_DAILY_COUNTS(
      "item_daily_counts",
      new StructType()
          .add(ITEM_IDX, IntegerType, false)
          .add(DT, DateType, false)
          .add(COUNT, LongType, false),
      DT),
  ITEM_SAMPLING_PROBABILITY(
      "item_sampling_probability",
      new StructType()
          .add(ITEM_IDX, IntegerType, false)
          .add(P, DoubleType, false)
          .add(LOG_P, DoubleType, false),
      null),
  /**
   * One row per training split (a fit call over 1/splits-per-epoch of an epoch's batches, ending
   * with a parameter average) of every model train saved: what the progress lines print. A run
   * resumed from a checkpoint records only the splits it trained.
   */
  TRAINING_PROGRESS(
      "training_progress",
      new StructType()
          .add(MODEL_ID, StringType, false)
          .add(EPOCH, IntegerType, false)
          .add(TRAIN_SPLIT, IntegerType, false)
          .add(TRAIN_SPLITS, IntegerType, false)
          .add(EXAMPLES, LongType, false)
          .add(EXAMPLES_PER_S, DoubleType, false)
          .add(LOSS, DoubleType, false)
          .add(RECORDED_AT, TimestampType, false),
      null),
  EVALUATIONS(
      "evaluations",
      new StructType()
          .add(EVALUATION_ID, StringType, false)
          .add(EVALUATED_AT, TimestampType, false)
          .add(MODEL_ID, StringType, false)
          .add(METHOD, StringType, false)
          .add(SPLIT, StringType, false)
          .add(K, IntegerType, false)
          .add(RECALL, DoubleType, false)
          .add(QUERIES, LongType, false)
          // Which protocol and which test days (null: not bounded on that side). Appended after
          // the original columns; DeltaStore.append adds them to an evaluations table from before.
          .add(PROTOCOL, StringType, false)
          .add(TEST_FROM, DateType, true)
          .add(TEST_TO, DateType, true),
      null),
  ITEM_EMBEDDINGS(
      "item_embeddings",
      new StructType()
          .add(MODEL_ID, StringType, false)
          .add(ITEM_ID, StringType, false)
          .add(ITEM_IDX, IntegerType, false)
          .add(EMBEDDING, createArrayType(FloatType, false), false),
      null),
  USER_CANDIDATES(
      "user_candidates",
      new StructType()
          .add(MODEL_ID, StringType, false)
          .add(USER_ID, StringType, false)
          .add(RANK, IntegerType, false)
          .add(ITEM_ID, StringType, false)
          .add(SCORE, FloatType, false),
      null),
  /**
   * One row per finished stage run, appended after the stage's last write: the Delta version of
   * each table it wrote. Readers read a table at the newest version a row names (see {@link
   * StageCommits}), so a stage that stopped between two of its writes publishes neither.
   */
  STAGE_COMMITS(
      "stage_commits",
      new StructType()
          .add(STAGE, StringType, false)
          .add(Columns.DATES, StringType, false)
          .add(Columns.RUN_ID, StringType, false)
          .add(Columns.VERSIONS, createMapType(StringType, LongType, false), false)
          .add(Columns.COMMITTED_AT, TimestampType, false),
      null);

  /**
   * training_examples' optional MAP&lt;STRING, INT&gt;: user field name -> index in the field's
   * vocabulary ({@code Vocabulary.userField(name)}); absent in tables written without user fields.
   */
  public static final StructField USER_FIELD_IDX =
      new StructField(
          Columns.USER_FIELD_IDX,
          createMapType(StringType, IntegerType, false),
          false,
          Metadata.empty());

  /**
   * The names of the tables' columns, one constant per name: a name means the same thing in every
   * table that has it (dt is always the day partition, item_idx always the model's item index).
   * Jobs refer to columns through these, never through string literals.
   */
  public static final class Columns {
    public static final String USER_ID = "user_id";
    public static final String ITEM_ID = "item_id";
    public static final String TS = "ts";
    public static final String ENGAGEMENT = "engagement";
    public static final String DT = "dt";
    public static final String STAGE = "stage";
    public static final String SOURCE = "source";
    public static final String REASON = "reason";
    public static final String RECORD = "record";
    public static final String QUARANTINED_AT = "quarantined_at";
    public static final String FIELD = "field";
    public static final String VALUE = "value";
    public static final String IDX = "idx";
    public static final String COUNT = "count";
    public static final String ITEM_IDX = "item_idx";
    public static final String FIELD_IDX = "field_idx";
    public static final String SPLIT = "split";
    public static final String REWARD = "reward";
    public static final String HISTORY = "history";
    public static final String HISTORY_IDX = "history_idx";
    public static final String P = "p";
    public static final String LOG_P = "log_p";
    public static final String EVALUATION_ID = "evaluation_id";
    public static final String EVALUATED_AT = "evaluated_at";
    public static final String MODEL_ID = "model_id";
    public static final String METHOD = "method";
    public static final String K = "k";
    public static final String RECALL = "recall";
    public static final String QUERIES = "queries";
    public static final String PROTOCOL = "protocol";
    public static final String TEST_FROM = "test_from";
    public static final String TEST_TO = "test_to";
    public static final String EMBEDDING = "embedding";
    public static final String RANK = "rank";
    public static final String SCORE = "score";
    public static final String USER_FIELD_IDX = "user_field_idx";
    // training_progress: 1-based epoch and split within it (not `split`, which is train/test).
    public static final String EPOCH = "epoch";
    public static final String TRAIN_SPLIT = "train_split";
    public static final String TRAIN_SPLITS = "train_splits";
    public static final String EXAMPLES = "examples";
    public static final String EXAMPLES_PER_S = "examples_per_s";
    public static final String LOSS = "loss";
    public static final String RECORDED_AT = "recorded_at";
    // item_sampling_probability's provenance columns, beyond the required ones.
    public static final String WINDOW_END = "window_end";
    public static final String ESTIMATOR = "estimator";
    public static final String KIND = "kind";
    // stage_commits: the run's date range, its id, and table folder -> Delta version it wrote.
    public static final String DATES = "dates";
    public static final String RUN_ID = "run_id";
    public static final String VERSIONS = "versions";
    public static final String COMMITTED_AT = "committed_at";

    private Columns() {}
  }

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
