package io.twotower.jobs.evaluate;

import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static org.apache.spark.sql.functions.col;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.EvaluateConfig.AlsConfig;
import io.twotower.jobs.config.EvaluateConfig.Baseline;
import io.twotower.jobs.config.FeaturesConfig.Split;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.features.HeldOutSplit;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.TwoTowerModel;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code two-tower evaluate}: full-corpus Recall@K of the latest model on the held-out examples,
 * next to the baselines of {@code evaluate.baselines} (popularity: items ranked by training count;
 * als: {@link AlsBaseline}) on the same pairs with the same exclusions. Appends one row per method
 * and K to {@code evaluations} and prints the table.
 */
public final class EvaluateJob {

  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

  public static final String TWO_TOWER = "two-tower";
  public static final String POPULARITY = "popularity";
  public static final String ALS = "als";

  private EvaluateJob() {}

  /** Evaluates the model LATEST names; {@code dates} selects the held-out days (dt). */
  public static RecallReport run(DeltaStore store, JobConfig config, DateRange dates) {
    ModelStore models = new ModelStore(store);
    String modelId = models.latestId();
    TwoTowerModel model = models.load(modelId);
    Dataset<Row> heldOut = heldOutQueries(store, config, dates);
    try {
      Map<String, RecallAtK.Recall> methods = new LinkedHashMap<>();
      methods.put(TWO_TOWER, twoTowerRecall(store, model, heldOut, config.evaluateKs()));
      methods.putAll(baselineRecalls(store, config, heldOut));
      RecallReport report =
          new RecallReport(
              UUID.randomUUID().toString(),
              Instant.now().truncatedTo(ChronoUnit.MICROS),
              modelId,
              splitName(config),
              config.evaluateKs(),
              methods);
      List<Row> rows = report.rows();
      store.append(
          Table.EVALUATIONS,
          store.spark().createDataFrame(rows, Table.EVALUATIONS.requiredColumns()));
      // The table is what the user asked for: plain stdout, neither a log line nor progress.
      System.out.print(report.table());
      return report;
    } finally {
      heldOut.unpersist();
    }
  }

  /**
   * The held-out queries of {@code dates} under the config's split, persisted (the caller
   * unpersists them); fails when there are none.
   */
  public static Dataset<Row> heldOutQueries(DeltaStore store, JobConfig config, DateRange dates) {
    Dataset<Row> heldOut =
        HeldOutQueries.from(
                store.read(Table.TRAINING_EXAMPLES),
                dates,
                config.features().split() == Split.LEAVE_LAST_N_OUT)
            .persist(StorageLevel.MEMORY_AND_DISK());
    if (heldOut.isEmpty()) {
      heldOut.unpersist();
      throw JobErrors.noHeldOutExamples(dates);
    }
    return heldOut;
  }

  /** Full-corpus Recall@K of {@code model} on {@code heldOut}. */
  public static RecallAtK.Recall twoTowerRecall(
      DeltaStore store, TwoTowerModel model, Dataset<Row> heldOut, List<Integer> ks) {
    return RecallAtK.of(
        heldOut,
        ShippedModelEncoder.of(store.spark(), model),
        ItemCorpora.twoTower(model, store.read(Table.ITEM_FEATURES)),
        ks);
  }

  /** Recall@K of each of {@code evaluate.baselines} on the same held-out queries. */
  public static Map<String, RecallAtK.Recall> baselineRecalls(
      DeltaStore store, JobConfig config, Dataset<Row> heldOut) {
    Dataset<Row> items = store.read(Table.ITEM_FEATURES);
    Dataset<Row> training =
        store.read(Table.TRAINING_EXAMPLES).filter(col(SPLIT).equalTo(HeldOutSplit.TRAIN));
    Map<String, RecallAtK.Recall> methods = new LinkedHashMap<>();
    for (Baseline baseline : config.evaluate().baselines()) {
      switch (baseline) {
        case POPULARITY ->
            methods.put(
                POPULARITY,
                RecallAtK.of(
                    heldOut,
                    QueryEncoder.constant(new float[] {1f}),
                    ItemCorpora.popularity(items, training),
                    config.evaluateKs()));
        case ALS -> {
          AlsConfig als =
              AlsBaseline.tune(
                  training, items, config.evaluate().als(), config.features(), config.evaluateKs());
          LOG.info("ALS baseline settings: {}", als);
          methods.put(
              ALS, AlsBaseline.fit(training, items, als).recall(heldOut, config.evaluateKs()));
        }
      }
    }
    return methods;
  }

  /** "leave-last-out", "leave-last-5-out" or "last-days". */
  static String splitName(JobConfig config) {
    return config.features().splitName();
  }
}
