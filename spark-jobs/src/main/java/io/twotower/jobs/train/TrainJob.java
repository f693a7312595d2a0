package io.twotower.jobs.train;

import static io.twotower.jobs.tables.Table.Columns.ITEM_IDX;
import static io.twotower.jobs.tables.Table.Columns.LOG_P;
import static io.twotower.jobs.tables.Table.Columns.TS;
import static io.twotower.jobs.tables.Table.Columns.USER_ID;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.TrainConfig;
import io.twotower.jobs.features.TrainingWindow;
import io.twotower.jobs.features.Vocabulary;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.DeltaStore.TableSchemas;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.SparkTrainer;
import io.twotower.towers.SparkTrainer.EpochEnd;
import io.twotower.towers.SparkTrainingSettings;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TwoTowerModel;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
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
 * item_sampling_probability, parameter-averaged across Spark workers. Saves the model with its
 * config and the Delta versions of the tables it read.
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

  /** As {@link #train(DeltaStore, JobConfig, DateRange)}; {@code epochEnd} may stop it early. */
  public static Result train(
      DeltaStore store, JobConfig config, DateRange dates, EpochEnd epochEnd) {
    TrainConfig train = config.train();
    Map<String, Long> versions = tableVersions(store);
    TowerConfig towerConfig = towerConfig(store, config);
    TowerInputs inputs = TowerInputs.of(towerConfig);
    // Read and joined once; each epoch shuffles this anew.
    Dataset<Row> examples =
        examples(store, dates, !towerConfig.userFields().isEmpty())
            .persist(StorageLevel.MEMORY_AND_DISK_SER());
    EpochBatches batches = epochBatches(store, train, towerConfig, inputs, examples);
    long count = examples.count();
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

    Fit fit = fit(store, train, towerConfig, batches, epochEnd);
    batches.release();
    examples.unpersist(false);

    String modelId = saveModel(store, config, dates, versions, towerConfig, count, fit);
    LOG.info(
        String.format(
            "model %s saved (%,d examples x %d epochs in %.1f s, final loss %.4f)",
            modelId, count, train.epochs(), fit.seconds(), fit.finalLoss()));
    return new Result(modelId, fit.model(), count, fit.seconds(), fit.finalLoss());
  }

  /** The Delta version of each input table, recorded with the model. */
  private static Map<String, Long> tableVersions(DeltaStore store) {
    Map<String, Long> versions = new LinkedHashMap<>();
    for (Table table :
        List.of(
            Table.TRAINING_EXAMPLES,
            Table.ITEM_SAMPLING_PROBABILITY,
            Table.VOCABULARIES,
            Table.ITEM_FEATURES)) {
      versions.put(table.folder(), store.version(table));
    }
    return versions;
  }

  private static TowerConfig towerConfig(DeltaStore store, JobConfig config) {
    Vocabulary vocabulary = Vocabulary.fromTable(store.read(Table.VOCABULARIES));
    return TowerInputs.towerConfig(config, vocabulary, store.read(Table.ITEM_FEATURES));
  }

  /**
   * The rows train fits on: the {@link TrainingWindow} of {@code dates}, each with its item's log
   * p_j. With {@code userFields}, training_examples must have the user fields' column.
   */
  static Dataset<Row> examples(DeltaStore store, DateRange dates, boolean userFields) {
    Dataset<Row> table = store.read(Table.TRAINING_EXAMPLES);
    if (userFields) {
      TableSchemas.require(
          table.schema(),
          new StructType(new StructField[] {Table.USER_FIELD_IDX}),
          "training_examples at " + store.path(Table.TRAINING_EXAMPLES) + " (user fields)");
    }
    return TrainingWindow.of(table, dates)
        .join(store.read(Table.ITEM_SAMPLING_PROBABILITY).select(ITEM_IDX, LOG_P), ITEM_IDX);
  }

  private static EpochBatches epochBatches(
      DeltaStore store,
      TrainConfig train,
      TowerConfig towerConfig,
      TowerInputs inputs,
      Dataset<Row> examples) {
    MixedNegativeDraws negatives =
        train.mixedNegatives() == 0
            ? MixedNegativeDraws.none()
            : MixedNegativeDraws.of(
                sparkContext(store),
                inputs.itemCorpus(store.read(Table.ITEM_FEATURES)),
                train.mixedNegatives(),
                train.seed());
    int partitions = Math.max(train.workers(), store.spark().sparkContext().defaultParallelism());
    return new EpochBatches(
        examples, partitions, train.seed(), inputs, towerConfig, train.batchSize(), negatives);
  }

  /** The trained model, the wall time of the fit and the last loss reported. */
  private record Fit(TwoTowerModel model, double seconds, double finalLoss) {}

  private static Fit fit(
      DeltaStore store,
      TrainConfig train,
      TowerConfig towerConfig,
      EpochBatches batches,
      EpochEnd epochEnd) {
    int rowsPerBatch = batches.rowsPerBatch();
    int batchSize = train.batchSize();
    SparkTrainingSettings settings =
        new SparkTrainingSettings(
            train.workers(),
            rowsPerBatch,
            train.averagingFrequency(),
            train.epochs(),
            train.splitsPerEpoch(),
            train.seed());
    double[] lastLoss = {Double.NaN};
    ProgressReporter.Training progress =
        ProgressReporter.console().training("train", train.epochs());
    long start = System.nanoTime();
    TwoTowerModel trained =
        SparkTrainer.fit(
            sparkContext(store),
            TwoTowerModel.create(towerConfig),
            batches,
            settings,
            (epoch, split, splits, rows, perSecond, meanPerRow) -> {
              // DL4J averages over B + B' rows; report the mean over the B examples.
              double loss = meanPerRow * rowsPerBatch / batchSize;
              lastLoss[0] = loss;
              progress.split(epoch, split, splits, rows, perSecond, loss);
            },
            epochEnd);
    return new Fit(trained, (System.nanoTime() - start) / 1e9, lastLoss[0]);
  }

  /** Saves the model with its metadata (config, dates, table versions, what training measured). */
  private static String saveModel(
      DeltaStore store,
      JobConfig config,
      DateRange dates,
      Map<String, Long> versions,
      TowerConfig towerConfig,
      long count,
      Fit fit) {
    ModelStore models = new ModelStore(store.dataDir());
    String modelId = models.newModelId();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("model_id", modelId);
    metadata.put("created_at", Instant.now().toString());
    metadata.put("dates", dates.toString());
    metadata.put("table_versions", versions);
    metadata.put("tower_config", towerConfig.toString());
    metadata.put("examples", count);
    metadata.put("train_seconds", fit.seconds());
    metadata.put("final_loss", fit.finalLoss());
    metadata.put("config", config.raw().root().unwrapped());
    String json =
        ConfigValueFactory.fromMap(metadata)
            .render(ConfigRenderOptions.concise().setFormatted(true));
    models.save(modelId, fit.model(), json);
    return modelId;
  }

  private static JavaSparkContext sparkContext(DeltaStore store) {
    return JavaSparkContext.fromSparkContext(store.spark().sparkContext());
  }

  /**
   * The examples in a pseudo-random order of their own for each epoch, the same in every run with
   * the same seed: in-batch negatives come from one batch only, so batches must mix users and days,
   * and a new order each epoch pairs every positive with new negatives. Rows go to partitions by a
   * hash of (seed, epoch, user, time, item) and are sorted by it within them; unlike sorting by
   * rand(seed), neither depends on how the input files were split into tasks.
   */
  static Dataset<Row> shuffled(Dataset<Row> examples, int partitions, long seed, int epoch) {
    Column key = xxhash64(lit(seed), lit(epoch), col(USER_ID), col(TS), col(ITEM_IDX));
    return examples.repartition(partitions, key).sortWithinPartitions(key);
  }
}
