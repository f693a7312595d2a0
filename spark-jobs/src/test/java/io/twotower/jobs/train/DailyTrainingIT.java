package io.twotower.jobs.train;

import static io.twotower.jobs.tables.Table.Columns.DT;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.ItemCorpora;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.TwoTowerModel;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A daily schedule on a three-day synthetic log, every stage for real: features, sampling and train
 * with --date for day 1, then day 2; then features and sampling for day 3 and a catch-up {@code
 * train --from day2 --to day3}, during which training_examples is rewritten.
 */
class DailyTrainingIT {

  private static final LocalDate DAY1 = LocalDate.of(2026, 1, 1);
  private static final LocalDate DAY2 = DAY1.plusDays(1);
  private static final LocalDate DAY3 = DAY1.plusDays(2);

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static ModelStore models;
  static Map<String, Integer> itemsAfterDay1;
  static Map<String, Integer> itemsAfterDay2;
  static Set<String> firstTrainedOnDay2;
  static TrainJob.Result day1;
  static TrainJob.Result day2;
  static TrainJob.Result caughtUp;
  static long examplesVersionBeforeRewrite;
  static long day3ExamplesBeforeRewrite;

  @BeforeAll
  static void runTheSchedule() {
    Map<String, String> small = new HashMap<>();
    small.put("data-dir", scratch.resolve("data").toString());
    small.put("synthetic.users", "120");
    small.put("synthetic.items", "300");
    small.put("synthetic.channels", "20");
    small.put("synthetic.events-per-user", "15");
    small.put("synthetic.days", "3");
    small.put("synthetic.start-date", DAY1.toString());
    small.put("features.history-length", "10");
    small.put("train.batch-size", "64");
    small.put("train.epochs", "1");
    small.put("train.splits-per-epoch", "1");
    small.put("train.item-embedding-dim", "8");
    small.put("train.field-embedding-dim", "4");
    small.put("train.query-hidden", "[16]");
    small.put("train.item-hidden", "[16]");
    small.put("train.output-dim", "8");
    JobConfig config = JobConfig.from(ConfigLoader.load(null, small));
    store = new DeltaStore(spark, config.dataDir());
    models = new ModelStore(store);

    IngestJob.run(store, config, DateRange.ALL);
    day1 = runDay(config, DAY1);
    itemsAfterDay1 = itemIndices();
    day2 = runDay(config, DAY2);
    itemsAfterDay2 = itemIndices();
    firstTrainedOnDay2 = firstTrainedOn(DAY2);

    FeaturesJob.run(store, config, DateRange.day(DAY3));
    SamplingJob.run(store, config, DateRange.day(DAY3));
    examplesVersionBeforeRewrite = store.version(Table.TRAINING_EXAMPLES);
    day3ExamplesBeforeRewrite = trainRows(DAY3);
    // The catch-up learns almost nothing (learning rate 1e-9), so each model's parameters are
    // visibly those it started from.
    small.put("train.learning-rate", "1e-9");
    boolean[] rewritten = {false};
    caughtUp =
        TrainJob.train(
            store,
            JobConfig.from(ConfigLoader.load(null, small)),
            new DateRange(DAY2, DAY3),
            (epoch, model) -> {
              if (!rewritten[0]) {
                // While day 2 trains, day 3's examples disappear from the current table.
                store.overwrite(
                    Table.TRAINING_EXAMPLES,
                    store
                        .read(Table.TRAINING_EXAMPLES)
                        .where(col(DT).notEqual(lit(Date.valueOf(DAY3))))
                        .localCheckpoint());
                rewritten[0] = true;
              }
              return true;
            });
  }

  private static TrainJob.Result runDay(JobConfig config, LocalDate day) {
    FeaturesJob.run(store, config, DateRange.day(day));
    SamplingJob.run(store, config, DateRange.day(day));
    return TrainJob.train(store, config, DateRange.day(day));
  }

  @Test
  void dayTwosModelContinuesFromDayOnesAndRecordsItsLineage() {
    Config first = metadata(day1.modelId());
    assertThat(first.getIsNull("parent_model_id")).isTrue();
    assertThat(first.getStringList("trained_days")).containsExactly(DAY1.toString());
    Config second = metadata(day2.modelId());
    assertThat(second.getString("parent_model_id")).isEqualTo(day1.modelId());
    assertThat(second.getStringList("trained_days")).containsExactly(DAY2.toString());
    assertThat(second.getString("trained_through")).isEqualTo(DAY2.toString());
    assertThat(day2.examples()).isEqualTo(trainRowsAtVersion(second, DAY2));
  }

  @Test
  void newItemsOfDayTwoGetTheirOwnRowsAndOldIdsKeepTheirs() {
    assertThat(itemsAfterDay2).containsAllEntriesOf(itemsAfterDay1);
    assertThat(firstTrainedOnDay2).isNotEmpty();
    Set<Integer> newRows =
        firstTrainedOnDay2.stream().map(itemsAfterDay2::get).collect(Collectors.toSet());
    assertThat(newRows).hasSameSizeAs(firstTrainedOnDay2);
    int day1Cardinality = day1.model().config().itemCardinality();
    assertThat(newRows).allSatisfy(idx -> assertThat(idx).isGreaterThanOrEqualTo(day1Cardinality));
    TwoTowerModel second = models.load(day2.modelId());
    assertThat(second.config().itemCardinality())
        .isEqualTo(day1Cardinality + firstTrainedOnDay2.size());

    // Evaluating or exporting day 1's model after later features runs: it scores the items indexed
    // since with fresh rows of its grown tables (unknown to the model as it was saved).
    TwoTowerModel dayOneNow = TowerInputs.grownToVocabularies(store, models.load(day1.modelId()));
    int itemsNow = itemIndices().values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    assertThat(dayOneNow.config().itemCardinality()).isEqualTo(itemsNow + 1);
    assertThat(ItemCorpora.twoTower(dayOneNow, store.read(Table.ITEM_FEATURES)).size())
        .isEqualTo(300);
  }

  @Test
  void aCatchUpTrainsItsDaysInOrderEachFromTheOneBefore() {
    Config third = metadata(caughtUp.modelId());
    assertThat(third.getStringList("trained_days")).containsExactly(DAY3.toString());
    String catchUpDay2 = third.getString("parent_model_id");
    Config second = metadata(catchUpDay2);
    assertThat(second.getStringList("trained_days")).containsExactly(DAY2.toString());
    // Day 2 is retrained from the model before --from, day 1's, not from the earlier day-2 model.
    assertThat(second.getString("parent_model_id")).isEqualTo(day1.modelId());
    assertThat(models.latestTrainedThrough(DAY3).orElseThrow().modelId())
        .isEqualTo(caughtUp.modelId());

    // Started from day 1's parameters and optimizer state: at learning rate 1e-9 they stayed put,
    // while training day 1 from a fresh model moved them far.
    TwoTowerModel dayOne = models.load(day1.modelId());
    TwoTowerModel continued = models.load(catchUpDay2);
    double fromFresh = maxDifference(TwoTowerModel.create(dayOne.config()), dayOne);
    assertThat(fromFresh).isGreaterThan(1e-3);
    assertThat(maxDifference(continued, dayOne)).isLessThan(fromFresh / 100);
    INDArray state = dayOne.trainingGraph().getUpdater().getStateViewArray();
    assertThat(state.amaxNumber().doubleValue()).isGreaterThan(0);
    // Adam's step count goes on from day 1's (measured: 5 steps on day 1, 10 after day 2); a
    // model restarted with fresh optimizer state would count day 2's steps alone.
    int dayOneSteps = dayOne.trainingGraph().getConfiguration().getIterationCount();
    int continuedSteps = continued.trainingGraph().getConfiguration().getIterationCount();
    assertThat(dayOneSteps).isPositive();
    assertThat(continuedSteps - dayOneSteps).isPositive();
    assertThat(models.load(day2.modelId()).trainingGraph().getConfiguration().getIterationCount())
        .isEqualTo(continuedSteps);
  }

  @Test
  void theRecordedVersionsAreTheOnesReadThoughTheTableChangedMeanwhile() {
    assertThat(store.version(Table.TRAINING_EXAMPLES)).isGreaterThan(examplesVersionBeforeRewrite);
    assertThat(trainRows(DAY3)).isZero();
    Config third = metadata(caughtUp.modelId());
    assertThat(third.getLong("table_versions.training_examples"))
        .isEqualTo(examplesVersionBeforeRewrite);
    assertThat(day3ExamplesBeforeRewrite).isPositive();
    assertThat(caughtUp.examples()).isEqualTo(day3ExamplesBeforeRewrite);
  }

  /** The largest parameter difference over the rows both item-id tables have, and every layer. */
  private static double maxDifference(TwoTowerModel a, TwoTowerModel b) {
    double max = 0;
    for (Map.Entry<String, INDArray> entry : b.trainingGraph().paramTable().entrySet()) {
      INDArray other = a.trainingGraph().getParam(entry.getKey());
      INDArray mine = entry.getValue();
      if (other.size(0) != mine.size(0)) {
        other = other.get(NDArrayIndex.interval(0, mine.size(0)), NDArrayIndex.all());
      }
      max = Math.max(max, other.sub(mine).amaxNumber().doubleValue());
    }
    return max;
  }

  private static Config metadata(String modelId) {
    return ConfigFactory.parseString(models.metadata(modelId));
  }

  private static Map<String, Integer> itemIndices() {
    return store.read(Table.VOCABULARIES).where("field = 'item_id'").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("value"), r -> r.<Integer>getAs("idx")));
  }

  /** Items with a training example on {@code day} and none before. */
  private static Set<String> firstTrainedOn(LocalDate day) {
    List<Row> rows =
        store
            .read(Table.TRAINING_EXAMPLES)
            .where("split = 'train'")
            .groupBy("item_id")
            .agg(org.apache.spark.sql.functions.min(DT).as("first"))
            .where(col("first").equalTo(lit(Date.valueOf(day))))
            .collectAsList();
    return rows.stream().map(r -> r.<String>getAs("item_id")).collect(Collectors.toSet());
  }

  private static long trainRows(LocalDate day) {
    return store
        .read(Table.TRAINING_EXAMPLES)
        .where(col("split").equalTo("train").and(col(DT).equalTo(lit(Date.valueOf(day)))))
        .count();
  }

  private static long trainRowsAtVersion(Config metadata, LocalDate day) {
    return store
        .read(Table.TRAINING_EXAMPLES, metadata.getLong("table_versions.training_examples"))
        .where(col("split").equalTo("train").and(col(DT).equalTo(lit(Date.valueOf(day)))))
        .count();
  }
}
