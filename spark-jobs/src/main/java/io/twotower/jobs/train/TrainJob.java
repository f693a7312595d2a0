package io.twotower.jobs.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.ProgressReporter;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.TrainConfig;
import io.twotower.jobs.features.HeldOutSplit;
import io.twotower.jobs.features.Vocabulary;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.DeltaStore.TableSchemas;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.SparkTrainer;
import io.twotower.towers.SparkTrainer.EpochEnd;
import io.twotower.towers.SparkTrainingSettings;
import io.twotower.towers.TowerBatcher;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TwoTowerModel;
import java.sql.Date;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code train}: the two towers on the training split (days up to --date, or all), with in-batch
 * softmax and the logQ correction from item_sampling_probability, parameter-averaged across Spark
 * workers. Saves the model with its config and the Delta versions of the tables it read.
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
    LOG.info("ND4J backend {}", Nd4j.getBackend().getClass().getSimpleName());
    Map<String, Long> versions = new LinkedHashMap<>();
    for (Table table :
        List.of(
            Table.TRAINING_EXAMPLES,
            Table.ITEM_SAMPLING_PROBABILITY,
            Table.VOCABULARIES,
            Table.ITEM_FEATURES)) {
      versions.put(table.folder(), store.version(table));
    }
    Vocabulary vocabulary = Vocabulary.fromTable(store.read(Table.VOCABULARIES));
    TowerConfig towerConfig =
        TowerInputs.towerConfig(config, vocabulary, store.read(Table.ITEM_FEATURES));
    TowerInputs inputs = TowerInputs.of(towerConfig);
    Dataset<Row> table = store.read(Table.TRAINING_EXAMPLES);
    if (!towerConfig.userFields().isEmpty()) {
      TableSchemas.require(
          table.schema(),
          new StructType(new StructField[] {Table.USER_FIELD_IDX}),
          "training_examples at " + store.path(Table.TRAINING_EXAMPLES) + " (user fields)");
    }

    Dataset<Row> examples =
        table
            .where(col("split").equalTo(HeldOutSplit.TRAIN))
            .join(
                store.read(Table.ITEM_SAMPLING_PROBABILITY).select("item_idx", "log_p"),
                "item_idx");
    if (dates.to() != null) {
      examples = examples.where(col("dt").leq(lit(Date.valueOf(dates.to()))));
    }
    if (dates.from() != null) {
      examples = examples.where(col("dt").geq(lit(Date.valueOf(dates.from()))));
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(store.spark().sparkContext());
    MixedNegativeDraws negatives =
        train.mixedNegatives() == 0
            ? MixedNegativeDraws.none()
            : MixedNegativeDraws.of(
                sc,
                inputs.itemCorpus(store.read(Table.ITEM_FEATURES)),
                train.mixedNegatives(),
                train.seed());
    int partitions = Math.max(train.workers(), store.spark().sparkContext().defaultParallelism());
    int batchSize = train.batchSize();
    // Read and joined once; each epoch shuffles this anew.
    Dataset<Row> trainingExamples = examples.persist(StorageLevel.MEMORY_AND_DISK_SER());
    IntFunction<JavaRDD<MultiDataSet>> batchesOfEpoch =
        epoch ->
            shuffled(trainingExamples, partitions, train.seed(), epoch)
                .toJavaRDD()
                .mapPartitionsWithIndex(
                    (partition, rows) ->
                        new TowerBatches(
                            rows,
                            inputs,
                            new TowerBatcher(towerConfig),
                            batchSize,
                            batch -> negatives.forBatch(epoch, partition, batch)),
                    false)
                .persist(StorageLevel.MEMORY_AND_DISK_SER());
    long count = trainingExamples.count();

    TwoTowerModel model = TwoTowerModel.create(towerConfig);
    // Every full batch has B + B' rows: DL4J re-cuts the RDD's elements to this size.
    int rowsPerBatch = batchSize + negatives.count();
    SparkTrainingSettings settings =
        new SparkTrainingSettings(
            train.workers(),
            rowsPerBatch,
            train.averagingFrequency(),
            train.epochs(),
            train.splitsPerEpoch(),
            train.seed());
    LOG.info(
        String.format(
            "%,d examples, %,d item indices, %d fields, query: history%s%s, batch %d + %d"
                + " mixed negatives x %d workers, %d epochs, correction %s",
            count,
            towerConfig.itemCardinality(),
            towerConfig.itemFields().size(),
            towerConfig.seedItem() ? " + seed item" : "",
            towerConfig.userFields().isEmpty() ? "" : " + user fields " + inputs.userFields(),
            batchSize,
            negatives.count(),
            train.workers(),
            train.epochs(),
            towerConfig.correction()));
    double[] lastLoss = {Double.NaN};
    ProgressReporter.Training progress =
        ProgressReporter.console().training("train", train.epochs());
    long start = System.nanoTime();
    List<JavaRDD<MultiDataSet>> epochBatches = new ArrayList<>();
    TwoTowerModel trained =
        SparkTrainer.fit(
            sc,
            model,
            epoch -> {
              epochBatches.forEach(previous -> previous.unpersist(false));
              epochBatches.clear();
              epochBatches.add(batchesOfEpoch.apply(epoch));
              return epochBatches.get(0);
            },
            settings,
            (epoch, split, splits, rows, perSecond, meanPerRow) -> {
              // DL4J averages over B + B' rows; report the mean over the B examples.
              double loss = meanPerRow * rowsPerBatch / batchSize;
              lastLoss[0] = loss;
              progress.split(epoch, split, splits, rows, perSecond, loss);
            },
            epochEnd);
    double seconds = (System.nanoTime() - start) / 1e9;
    epochBatches.forEach(last -> last.unpersist(false));
    trainingExamples.unpersist(false);

    ModelStore models = new ModelStore(store.dataDir());
    String modelId = models.newModelId();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("model_id", modelId);
    metadata.put("created_at", Instant.now().toString());
    metadata.put("dates", dates.toString());
    metadata.put("table_versions", versions);
    metadata.put("tower_config", towerConfig.toString());
    metadata.put("examples", count);
    metadata.put("train_seconds", seconds);
    metadata.put("final_loss", lastLoss[0]);
    metadata.put("config", config.raw().root().unwrapped());
    String json =
        ConfigValueFactory.fromMap(metadata)
            .render(ConfigRenderOptions.concise().setFormatted(true));
    models.save(modelId, trained, json);
    LOG.info(
        String.format(
            "model %s saved (%,d examples x %d epochs in %.1f s, final loss %.4f)",
            modelId, count, train.epochs(), seconds, lastLoss[0]));
    return new Result(modelId, trained, count, seconds, lastLoss[0]);
  }

  /**
   * The examples in a pseudo-random order of their own for each epoch, the same in every run with
   * the same seed: in-batch negatives come from one batch only, so batches must mix users and days,
   * and a new order each epoch pairs every positive with new negatives. Rows go to partitions by a
   * hash of (seed, epoch, user, time, item) and are sorted by it within them; unlike sorting by
   * rand(seed), neither depends on how the input files were split into tasks.
   */
  static Dataset<Row> shuffled(Dataset<Row> examples, int partitions, long seed, int epoch) {
    Column key = xxhash64(lit(seed), lit(epoch), col("user_id"), col("ts"), col("item_idx"));
    return examples.repartition(partitions, key).sortWithinPartitions(key);
  }
}
