package io.twotower.jobs.evaluate;

import static io.twotower.jobs.tables.Table.Columns.SPLIT;
import static org.apache.spark.sql.functions.col;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobErrors;
import io.twotower.jobs.config.EvaluateConfig.AlsConfig;
import io.twotower.jobs.config.EvaluateConfig.Baseline;
import io.twotower.jobs.config.EvaluateConfig.Protocol;
import io.twotower.jobs.config.FeaturesConfig.Split;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.features.HeldOutSplit;
import io.twotower.jobs.features.TrainingWindow;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.StageCommits;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.train.TowerInputs;
import io.twotower.towers.TwoTowerModel;
import java.time.Instant;
import java.time.LocalDate;
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
 * {@code two-tower evaluate}: full-corpus Recall@K of the latest model on the test events of {@code
 * evaluate.protocol}, next to the baselines of {@code evaluate.baselines} (popularity: items ranked
 * by training count; als: {@link AlsBaseline}) on the same pairs with the same exclusions. Appends
 * one row per method and K to {@code evaluations} and prints the table.
 *
 * <p>Protocols: held-out ranks the split = 'test' examples of the chosen days against a model and
 * baselines fit on the training split; next-day (the paper's) ranks every example of day D + 1
 * against the model trained up to D (--date D or --to D) and baselines fit on the training split up
 * to D.
 */
public final class EvaluateJob {

  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

  public static final String TWO_TOWER = "two-tower";
  public static final String POPULARITY = "popularity";
  public static final String ALS = "als";

  private EvaluateJob() {}

  /**
   * Evaluates the model LATEST names; {@code dates} selects the held-out days (dt), or under the
   * next-day protocol ends on the last training day D.
   */
  public static RecallReport run(DeltaStore store, JobConfig config, DateRange dates) {
    return evaluate(store, config, new ModelStore(store).latestId(), dates);
  }

  /** As {@link #run}, for the saved model {@code modelId}. */
  public static RecallReport evaluate(
      DeltaStore store, JobConfig config, String modelId, DateRange dates) {
    // Features' tables as its last finished run left them.
    store = store.atPublished(FeaturesJob.OUTPUTS);
    ModelStore models = new ModelStore(store);
    // A model of an earlier day scores items indexed since with fresh rows (see TowerInputs).
    TwoTowerModel model = TowerInputs.grownToVocabularies(store, models.load(modelId));
    Protocol protocol = config.evaluate().protocol();
    TestEvents test =
        protocol == Protocol.NEXT_DAY
            ? nextDayEvents(store, modelId, models.metadata(modelId), dates)
            : new TestEvents(heldOutQueries(store, config, dates), trainingSplit(store), dates);
    Dataset<Row> heldOut = test.queries();
    try {
      Map<String, RecallAtK.Recall> methods = new LinkedHashMap<>();
      methods.put(TWO_TOWER, twoTowerRecall(store, model, heldOut, config.evaluateKs()));
      methods.putAll(baselineRecalls(store, config, heldOut, test.training()));
      RecallReport report =
          new RecallReport(
              UUID.randomUUID().toString(),
              Instant.now().truncatedTo(ChronoUnit.MICROS),
              modelId,
              splitName(config),
              protocol.configName(),
              test.days(),
              config.evaluateKs(),
              methods);
      List<Row> rows = report.rows();
      store.append(
          Table.EVALUATIONS,
          store.spark().createDataFrame(rows, Table.EVALUATIONS.requiredColumns()));
      StageCommits.publish(store, "evaluate", dates, List.of(Table.EVALUATIONS));
      // The table is what the user asked for: plain stdout, neither a log line nor progress.
      System.out.print(report.table());
      return report;
    } finally {
      heldOut.unpersist();
    }
  }

  /**
   * Test queries (persisted; the caller unpersists them), the training rows the baselines fit on,
   * and the days the queries are from.
   */
  private record TestEvents(Dataset<Row> queries, Dataset<Row> training, DateRange days) {}

  /**
   * Next-day: every example of D + 1 (D = the range's last day), against baselines fit on the
   * training split up to D; fails when the model trained on D + 1 or later, or D + 1 has no
   * examples.
   */
  private static TestEvents nextDayEvents(
      DeltaStore store, String modelId, String metadataJson, DateRange dates) {
    if (dates.to() == null) {
      throw JobErrors.nextDayNeedsLastTrainingDay();
    }
    LocalDate testDay = dates.to().plusDays(1);
    requireTrainedBefore(modelId, metadataJson, testDay);
    Dataset<Row> examples = store.read(Table.TRAINING_EXAMPLES);
    Dataset<Row> queries =
        HeldOutQueries.nextDay(examples, testDay).persist(StorageLevel.MEMORY_AND_DISK());
    if (queries.isEmpty()) {
      queries.unpersist();
      throw JobErrors.noNextDayExamples(testDay);
    }
    return new TestEvents(
        queries,
        TrainingWindow.of(examples, new DateRange(null, dates.to())),
        DateRange.day(testDay));
  }

  /**
   * Fails when the model's training days reach {@code testDay}: it would be scored on events it was
   * fit on. The last training day is the metadata's {@code trained_through} (the last day with
   * examples), else the end of its {@code dates} window; a model with neither (saved by hand) is
   * only warned about.
   */
  static void requireTrainedBefore(String modelId, String metadataJson, LocalDate testDay) {
    Config metadata = ConfigFactory.parseString(metadataJson);
    if (metadata.hasPath("trained_through")) {
      LocalDate through = LocalDate.parse(metadata.getString("trained_through"));
      requireTrainedBefore(modelId, new DateRange(null, through), testDay);
      return;
    }
    if (!metadata.hasPath("dates")) {
      LOG.warn(
          "model {} does not record the days it trained on; cannot check that {} is not one",
          modelId,
          testDay);
      return;
    }
    requireTrainedBefore(modelId, DateRange.parse(metadata.getString("dates")), testDay);
  }

  private static void requireTrainedBefore(String modelId, DateRange trained, LocalDate testDay) {
    if (trained.to() == null || !trained.to().isBefore(testDay)) {
      throw JobErrors.modelTrainedOnTestDay(modelId, trained, testDay);
    }
    if (trained.to().isBefore(testDay.minusDays(1))) {
      LOG.warn(
          "model {} trained up to {}, not the day before the test day {}",
          modelId,
          trained.to(),
          testDay);
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

  /**
   * Recall@K of each of {@code evaluate.baselines} on the same held-out queries, fit on the whole
   * training split.
   */
  public static Map<String, RecallAtK.Recall> baselineRecalls(
      DeltaStore store, JobConfig config, Dataset<Row> heldOut) {
    return baselineRecalls(store, config, heldOut, trainingSplit(store));
  }

  private static Dataset<Row> trainingSplit(DeltaStore store) {
    return store.read(Table.TRAINING_EXAMPLES).filter(col(SPLIT).equalTo(HeldOutSplit.TRAIN));
  }

  /** As above, with the baselines fit on {@code training} (training_examples rows). */
  public static Map<String, RecallAtK.Recall> baselineRecalls(
      DeltaStore store, JobConfig config, Dataset<Row> heldOut, Dataset<Row> training) {
    Dataset<Row> items = store.read(Table.ITEM_FEATURES);
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
