package io.twotower.jobs.train;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.LOG_P;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.Redaction;
import io.twotower.jobs.config.TrainConfig;
import io.twotower.jobs.features.TrainingWindow;
import io.twotower.jobs.features.Vocabulary;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.DeltaStore.TableSchemas;
import io.twotower.jobs.tables.PinnedTables;
import io.twotower.jobs.tables.StageCommits;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.SparkTrainer;
import io.twotower.towers.SparkTrainer.EpochEnd;
import io.twotower.towers.SparkTrainingSettings;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TwoTowerModel;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code train}: the two towers on the {@link TrainingWindow} (the training split on --date, on
 * --from/--to, or on all days), with in-batch softmax and the logQ correction from
 * item_sampling_probability, parameter-averaged across Spark workers. A dated run with {@code
 * train.incremental} trains day by day, each day continuing from the model before ({@link
 * DailyTraining}); otherwise one model from scratch on the run's days (plus {@code
 * train.replay-days} before them). Every model is saved with its config and lineage: the model it
 * continued from, the days it trained on, and the Delta versions of the tables it read, which are
 * the versions it reads (time travel) however the tables change while it trains.
 */
public final class TrainJob {

  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private TrainJob() {}

  /** The saved model's id, the trained model itself (as saved), and what the training measured. */
  public record Result(
      String modelId, TwoTowerModel model, long examples, double seconds, double finalLoss) {}

  public static void run(DeltaStore store, JobConfig config, DateRange dates) {
    train(store, config, dates);
  }

  public static Result train(DeltaStore store, JobConfig config, DateRange dates) {
    return train(store, config, dates, EpochEnd.never());
  }

  /**
   * As {@link #train(DeltaStore, JobConfig, DateRange)}; {@code epochEnd} may stop it early (in a
   * day-by-day run, each day's training).
   */
  public static Result train(
      DeltaStore store, JobConfig config, DateRange dates, EpochEnd epochEnd) {
    // Features' and sampling's tables as their last finished runs left them.
    PinnedTables tables = PinnedTables.current(store.atPublished(INPUTS), INPUTS);
    LOG.info("reading the tables at Delta versions {}", tables.versions());
    TowerConfig towerConfig = towerConfig(tables, config);
    Result result;
    if (!dates.isAll() && config.train().incremental()) {
      result = DailyTraining.train(tables, config, towerConfig, dates, epochEnd);
    } else {
      DateRange window =
          dates.from() == null
              ? dates
              : new DateRange(dates.from().minusDays(config.train().replayDays()), dates.to());
      result = train(tables, config, towerConfig, window, null, epochEnd);
    }
    StageCommits.publish(store, "train", dates, List.of(Table.TRAINING_PROGRESS));
    return result;
  }

  /** A saved model a training continues from. */
  record Parent(String modelId, TwoTowerModel model) {}

  /**
   * One model on the {@link TrainingWindow} of {@code window}: {@code parent} (null: a fresh model)
   * grown to {@code towerConfig}, trained on, then saved with its lineage.
   */
  static Result train(
      PinnedTables tables,
      JobConfig config,
      TowerConfig towerConfig,
      DateRange window,
      Parent parent,
      EpochEnd epochEnd) {
    TrainConfig train = config.train();
    DeltaStore store = tables.store();
    TowerInputs inputs = TowerInputs.of(towerConfig);
    // Read and joined once: EpochBatches places and keeps them; read here for their days too.
    Dataset<Row> examples =
        examples(tables, window, !towerConfig.userFields().isEmpty())
            .persist(StorageLevel.MEMORY_AND_DISK_SER());
    EpochBatches batches = epochBatches(tables, train, towerConfig, inputs, examples);
    long count = batches.examples();
    if (count == 0) {
      batches.release();
      examples.unpersist(false);
      throw JobErrors.noTrainingExamples(window);
    }
    List<LocalDate> days = days(examples);
    examples.unpersist(false);
    LOG.info(
        String.format(
            "%,d examples, %,d item indices, %d fields, query: history%s%s, batch %d + %d"
                + " mixed negatives x %d workers, %d epochs, correction %s",
            count,
            towerConfig.itemCardinality(),
            towerConfig.itemFields().size(),
            towerConfig.seedItem() ? " + seed item" : "",
            towerConfig.userFields().isEmpty() ? "" : " + user fields " + inputs.userFields(),
            train.batchSize(),
            batches.mixedNegatives(),
            train.workers(),
            train.epochs(),
            towerConfig.correction()));

    TrainCheckpoints checkpoints =
        TrainCheckpoints.open(
            new ModelStore(store),
            runIdentity(config, window, parent, tables.versions(), towerConfig, batches),
            train.checkpointEvery());
    Fit fit;
    try {
      fit =
          fit(store, train, () -> startModel(towerConfig, parent), batches, epochEnd, checkpoints);
    } finally {
      batches.release();
    }

    Lineage lineage =
        new Lineage(parent == null ? null : parent.modelId(), window, days, tables.versions());
    String modelId = saveModel(store, config, lineage, towerConfig, count, fit);
    fit.progress().append(store, modelId);
    checkpoints.finish();
    LOG.info(
        String.format(
            "model %s saved (%,d examples x %d epochs in %.1f s, final loss %.4f)",
            modelId, count, train.epochs(), fit.seconds(), fit.finalLoss()));
    return new Result(modelId, fit.model(), count, fit.seconds(), fit.finalLoss());
  }

  /** The tables train reads, each at the version it had when the run started. */
  static final List<Table> INPUTS =
      List.of(
          Table.TRAINING_EXAMPLES,
          Table.ITEM_SAMPLING_PROBABILITY,
          Table.VOCABULARIES,
          Table.ITEM_FEATURES);

  /**
   * What fixes the batches a run trains on and in which order, and the model it starts from: a
   * rerun with the same identity may resume from the run's checkpoints. How often to checkpoint is
   * left out, so that changing it keeps them.
   */
  private static String runIdentity(
      JobConfig config,
      DateRange window,
      Parent parent,
      Map<String, Long> versions,
      TowerConfig towerConfig,
      EpochBatches batches) {
    String train =
        config
            .raw()
            .getConfig("train")
            .withoutPath("checkpoint-every")
            .root()
            .render(ConfigRenderOptions.concise());
    return String.join(
        "; ",
        "window " + window,
        "parent " + (parent == null ? "none" : parent.modelId()),
        "tables " + versions,
        "partitions " + batches.partitions(),
        "towers " + towerConfig,
        "train " + train);
  }

  /** A fresh model, or {@code parent} grown to {@code towerConfig}'s vocabularies. */
  private static TwoTowerModel startModel(TowerConfig towerConfig, Parent parent) {
    if (parent == null) {
      return TwoTowerModel.create(towerConfig);
    }
    LOG.info(
        String.format(
            "continuing from model %s (%,d -> %,d item indices)",
            parent.modelId(),
            parent.model().config().itemCardinality(),
            towerConfig.itemCardinality()));
    return parent.model().grownTo(towerConfig);
  }

  private static TowerConfig towerConfig(PinnedTables tables, JobConfig config) {
    Vocabulary vocabulary = Vocabulary.fromTable(tables.read(Table.VOCABULARIES));
    return TowerInputs.towerConfig(config, vocabulary, tables.read(Table.ITEM_FEATURES));
  }

  /**
   * The rows train fits on: the {@link TrainingWindow} of {@code dates}, each with its item's log
   * p_j, from the current tables. With {@code userFields}, training_examples must have the user
   * fields' column.
   */
  static Dataset<Row> examples(DeltaStore store, DateRange dates, boolean userFields) {
    PinnedTables current =
        PinnedTables.current(
            store, List.of(Table.TRAINING_EXAMPLES, Table.ITEM_SAMPLING_PROBABILITY));
    return examples(current, dates, userFields);
  }

  /** As {@link #examples(DeltaStore, DateRange, boolean)}, from the pinned versions. */
  static Dataset<Row> examples(PinnedTables tables, DateRange dates, boolean userFields) {
    Dataset<Row> table = tables.read(Table.TRAINING_EXAMPLES);
    if (userFields) {
      TableSchemas.require(
          table.schema(),
          new StructType(new StructField[] {Table.USER_FIELD_IDX}),
          "training_examples at "
              + tables.store().path(Table.TRAINING_EXAMPLES)
              + " (user fields)");
    }
    return TrainingWindow.of(table, dates)
        .join(tables.read(Table.ITEM_SAMPLING_PROBABILITY).select(ITEM_IDX, LOG_P), ITEM_IDX);
  }

  /** The days of {@code examples}, in order. */
  private static List<LocalDate> days(Dataset<Row> examples) {
    return examples.select(DT).distinct().orderBy(DT).collectAsList().stream()
        .map(row -> row.getDate(0).toLocalDate())
        .toList();
  }

  private static EpochBatches epochBatches(
      PinnedTables tables,
      TrainConfig train,
      TowerConfig towerConfig,
      TowerInputs inputs,
      Dataset<Row> examples) {
    DeltaStore store = tables.store();
    MixedNegativeDraws negatives =
        train.mixedNegatives() == 0
            ? MixedNegativeDraws.none()
            : MixedNegativeDraws.of(
                sparkContext(store),
                inputs.itemCorpus(tables.read(Table.ITEM_FEATURES)),
                train.mixedNegatives(),
                train.seed());
    int partitions = Math.max(train.workers(), store.spark().sparkContext().defaultParallelism());
    return EpochBatches.of(
        examples, partitions, train.seed(), inputs, towerConfig, train.batchSize(), negatives);
  }

  /** The trained model, the wall time of the fit, the last loss reported and every split's line. */
  private record Fit(
      TwoTowerModel model, double seconds, double finalLoss, TrainingProgress progress) {}

  private static Fit fit(
      DeltaStore store,
      TrainConfig train,
      Supplier<TwoTowerModel> fresh,
      EpochBatches batches,
      EpochEnd epochEnd,
      TrainCheckpoints checkpoints) {
    int rowsPerBatch = batches.rowsPerBatch();
    int batchSize = train.batchSize();
    SparkTrainingSettings settings =
        new SparkTrainingSettings(
            train.workers(),
            rowsPerBatch,
            train.averagingFrequency(),
            train.epochs(),
            train.splitsPerEpoch(),
            train.learningRateScaling());
    double[] lastLoss = {Double.NaN};
    TrainingProgress recorded = new TrainingProgress();
    ProgressReporter.Training progress =
        ProgressReporter.console().training("train", train.epochs());
    long start = System.nanoTime();
    TwoTowerModel initial = checkpoints.startModel(fresh, train.epochs(), train.splitsPerEpoch());
    TwoTowerModel trained =
        SparkTrainer.fit(
            sparkContext(store),
            initial,
            batches,
            settings,
            (epoch, split, splits, rows, perSecond, meanPerRow) -> {
              // DL4J averages over B + B' rows; report the mean over the B examples.
              double loss = meanPerRow * rowsPerBatch / batchSize;
              lastLoss[0] = loss;
              progress.split(epoch, split, splits, rows, perSecond, loss);
              recorded.add(new TrainingProgress.Split(epoch, split, splits, rows, perSecond, loss));
            },
            epochEnd,
            checkpoints);
    return new Fit(trained, (System.nanoTime() - start) / 1e9, lastLoss[0], recorded);
  }

  /**
   * Where a model comes from: the model it continued from (null: from scratch), its window, the
   * days of that window it trained on (those with examples, replayed days included), and the Delta
   * version of every table it read.
   */
  private record Lineage(
      String parentModelId, DateRange window, List<LocalDate> days, Map<String, Long> versions) {}

  /**
   * Saves the model with its metadata: config, lineage ({@code parent_model_id}, {@code
   * trained_days}, {@code trained_through}, the last of them, by which {@link
   * ModelStore#latestTrainedThrough} finds the model a next day continues from, and {@code
   * table_versions}), what training measured.
   */
  private static String saveModel(
      DeltaStore store,
      JobConfig config,
      Lineage lineage,
      TowerConfig towerConfig,
      long count,
      Fit fit) {
    ModelStore models = new ModelStore(store);
    String modelId = models.newModelId();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("model_id", modelId);
    metadata.put("created_at", Instant.now().toString());
    metadata.put("parent_model_id", lineage.parentModelId());
    metadata.put("dates", lineage.window().toString());
    metadata.put("trained_days", lineage.days().stream().map(LocalDate::toString).toList());
    metadata.put(
        "trained_through",
        lineage.days().isEmpty() ? null : lineage.days().get(lineage.days().size() - 1).toString());
    metadata.put("table_versions", lineage.versions());
    metadata.put("tower_config", towerConfig.toString());
    metadata.put("examples", count);
    metadata.put("train_seconds", fit.seconds());
    metadata.put("final_loss", fit.finalLoss());
    // The config as trained, minus secrets (e.g. an S3 key in spark.conf): the metadata is read by
    // whoever may read the model, and is copied with it.
    Pattern secrets =
        Pattern.compile(
            store.spark().conf().get("spark.redaction.regex", Redaction.SPARK_DEFAULT_REGEX));
    metadata.put("config", Redaction.redact(config.raw(), secrets).root().unwrapped());
    String json =
        ConfigValueFactory.fromMap(metadata)
            .render(ConfigRenderOptions.concise().setFormatted(true));
    models.save(modelId, fit.model(), json);
    return modelId;
  }

  private static JavaSparkContext sparkContext(DeltaStore store) {
    return JavaSparkContext.fromSparkContext(store.spark().sparkContext());
  }
}
