package io.twotower.jobs.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.PipelineJob;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.bench.CompareModelsCommand;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.CategoricalField;
import io.twotower.towers.TowerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole pipeline, every stage for real, on a small synthetic log, with the query tower's
 * optional inputs (seed item, the users' region) on.
 */
class SyntheticPipelineIT {

  // Measured with `small` as below, by hand: spark-jobs/bin/two-tower pipeline --set KEY=VALUE...
  // (each entry of `small`), then the same settings with
  // spark-jobs/bin/two-tower compare ... --vary train.correction=negatives-only,none,paper --seeds
  // 3
  // (train.seed 42, 43, 44), Recall@50 on the 300 held-out events, popularity 0.357:
  //   negatives-only (the pipeline's) 0.443 0.407 0.407, mean 0.419, sd 0.021
  //   paper                           0.443 0.397 0.420, mean 0.420, sd 0.023
  //   none (plain softmax)            0.303 0.323 0.310, mean 0.312, sd 0.010
  // With 2 epochs the pipeline's model had 0.353, below popularity.
  static final double PLAIN_SOFTMAX_MARGIN = 0.04;
  static final double POPULARITY_MARGIN = 0.02;

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static final Map<String, String> small = new LinkedHashMap<>();
  static String pipelineModelId;

  @BeforeAll
  static void runPipeline() {
    // As a URI, as on a cluster (`--data-dir file:///...`): every stage must take it as it is.
    small.put("data-dir", "file://" + scratch.resolve("data").toAbsolutePath());
    small.put("synthetic.users", "300");
    small.put("synthetic.items", "400");
    small.put("synthetic.channels", "40");
    small.put("synthetic.events-per-user", "25");
    small.put("synthetic.days", "4");
    small.put("features.history-length", "20");
    small.put("train.batch-size", "128");
    // 8 epochs: at 2 the model had not learned more than popularity (measured above).
    small.put("train.epochs", "8");
    small.put("train.splits-per-epoch", "2");
    small.put("train.item-embedding-dim", "16");
    small.put("train.field-embedding-dim", "4");
    small.put("train.query-hidden", "[32]");
    small.put("train.item-hidden", "[32]");
    small.put("train.output-dim", "16");
    // Not the defaults, so that the run exercises them: 16 uniform negatives per batch of 128.
    small.put("train.correction", "negatives-only");
    small.put("train.mixed-negatives", "16");
    small.put("train.seed-item", "true");
    small.put("features.user-fields", "[region]");
    small.put("export.top-k", "10");
    JobConfig config = JobConfig.from(ConfigLoader.load(null, small));
    store = new DeltaStore(spark, config.dataDir());
    PipelineJob.run(store, config, DateRange.ALL);
    // compareSelectsOnValidationAndScoresOnlyTheSelectedOnTest moves LATEST; the other tests read
    // this one.
    pipelineModelId = new ModelStore(store).latestId();
  }

  @Test
  void everyStageWroteItsTables() {
    long events = store.read(Table.EVENTS).count();
    assertThat(events).isGreaterThan(300 * 10);
    assertThat(store.read(Table.ITEMS).count()).isEqualTo(400);
    // One example per event; one held-out event per user with two or more events.
    assertThat(store.read(Table.TRAINING_EXAMPLES).count()).isEqualTo(events);
    assertThat(store.read(Table.TRAINING_EXAMPLES).where("split = 'test'").count()).isEqualTo(300);
    assertThat(
            store
                .read(Table.ITEM_SAMPLING_PROBABILITY)
                .where("log_p IS NULL OR isnan(log_p) OR abs(log_p) = CAST('Infinity' AS DOUBLE)")
                .count())
        .isZero();
    assertThat(store.read(Table.ITEM_EMBEDDINGS).count()).isEqualTo(400);
    assertThat(store.read(Table.USER_CANDIDATES).count()).isEqualTo(300 * 10);
  }

  @Test
  void examplesCarryTheUsersRegionAndTheModelItsQueryFeatures() {
    // Every user has a region (the synthetic users table covers all of them): r0..r7, no <none>.
    assertThat(
            store
                .read(Table.TRAINING_EXAMPLES)
                .where("user_field_idx['region'] IS NULL OR size(user_field_idx) <> 1")
                .count())
        .isZero();
    assertThat(store.read(Table.USERS).count()).isEqualTo(300);
    ModelStore models = new ModelStore(store);
    TowerConfig tower = models.load(pipelineModelId).config();
    assertThat(tower.seedItem()).isTrue();
    assertThat(tower.userFields()).extracting(CategoricalField::name).containsExactly("region");
  }

  @Test
  void evaluationRecordsBothMethodsAtEveryK() {
    List<Row> rows =
        store.read(Table.EVALUATIONS).select("method", "k", "recall", "queries").collectAsList();
    assertThat(rows).hasSize(2 * 4);
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat(r.getDouble(2)).isBetween(0.0, 1.0);
              assertThat(r.getLong(3)).isEqualTo(300);
            });
  }

  @Test
  void pipelineModelBeatsPopularityOnTheSameEvents() {
    // POPULARITY_MARGIN (6 of 300 events) is about one sd above popularity, so a model that
    // learned popularity and nothing else fails; the weakest measured seed clears it by 0.03.
    double twoTower = evaluatedRecall(EvaluateJob.TWO_TOWER, 50);
    double popularity = evaluatedRecall(EvaluateJob.POPULARITY, 50);
    assertThat(twoTower).isGreaterThan(popularity + POPULARITY_MARGIN);
  }

  private static double evaluatedRecall(String method, int k) {
    return store
        .read(Table.EVALUATIONS)
        .where(col("method").equalTo(method).and(col("k").equalTo(k)))
        .select("recall")
        .as(Encoders.DOUBLE())
        .first();
  }

  @Test
  void modelRecordsTheTableVersionsItWasTrainedOn() {
    ModelStore models = new ModelStore(store);
    String metadata = models.metadata(pipelineModelId);
    assertThat(metadata)
        .contains("\"training_examples\"", "\"item_sampling_probability\"", "\"final_loss\"");
    // The loss settings travel with the model (the whole config is recorded).
    assertThat(metadata)
        .containsPattern("\"correction\"\\s*:\\s*\"negatives-only\"")
        .containsPattern("\"mixed-negatives\"\\s*:\\s*\"?16\"?");
  }

  @Test
  void compareSelectsOnValidationAndScoresOnlyTheSelectedOnTest() throws Exception {
    CompareModelsCommand compare = new CompareModelsCommand();
    List<String> args = new ArrayList<>();
    small.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
    Path out = scratch.resolve("compare");
    args.addAll(
        List.of(
            "--vary", "train.correction=none,paper", "--patience", "2", "--out", out.toString()));
    new CommandLine(compare).parseArgs(args.toArray(String[]::new));

    Path folder = Path.of(compare.compareOn(store).hadoopPath().toUri());

    // The validation store holds the training split only, re-split: none of the test events
    // reach it, and each user's latest training event (users with two or more) is a validation
    // event, as the test split holds out the latest event.
    DeltaStore validation = new DeltaStore(spark, out.resolve("validation-store"));
    Dataset<Row> examples = store.read(Table.TRAINING_EXAMPLES);
    Dataset<Row> carved = validation.read(Table.TRAINING_EXAMPLES);
    assertThat(carved.count()).isEqualTo(examples.where("split = 'train'").count());
    assertThat(
            carved
                .select("user_id", "item_id", "ts")
                .intersect(examples.where("split = 'test'").select("user_id", "item_id", "ts"))
                .count())
        .isZero();
    assertThat(carved.where("split = 'test'").count()).isEqualTo(300);

    // runs.csv: both combinations on validation (at their best epoch of at most 8), then only
    // the selected one retrained and scored on test, then the baseline, on test, last.
    List<String> runs = Files.readAllLines(folder.resolve("runs.csv"));
    assertThat(runs).hasSize(1 + 2 + 1 + 1);
    assertThat(runs.get(0))
        .startsWith("combination,seed,model_id,")
        .endsWith(",events,epochs,epochs_trained");
    List<String[]> cells = runs.subList(1, 5).stream().map(line -> line.split(",")).toList();
    assertThat(cells)
        .extracting(c -> c[0] + " " + c[9])
        .containsExactly(
            "\"correction=none\" validation",
            "\"correction=paper\" validation",
            cells.get(2)[0] + " test",
            "\"popularity\" test");
    for (String[] row : cells) {
      assertThat(row).hasSize(5 + 4 + 3);
      for (int k = 5; k < 9; k++) {
        assertThat(Double.parseDouble(row[k])).isBetween(0.0, 1.0);
      }
    }
    // The README's headline on a power-law log: the logQ correction beats the plain softmax, here
    // on the validation events at each model's best epoch. Measured (above, on the test events
    // after 8 epochs): mean gap 0.108 in Recall@50. One run of each differs with sd
    // sqrt(0.023^2 + 0.010^2) = 0.025; with the correction removed both sides are plain and differ
    // with sd sqrt(2) x 0.010 = 0.014. PLAIN_SOFTMAX_MARGIN = 0.04 sits 2.7 sd below the gap and
    // 2.8 sd above zero: it holds with the correction and fails without it.
    int recallAt50 = List.of(runs.get(0).split(",")).indexOf("recall_at_50");
    double plain = Double.parseDouble(cells.get(0)[recallAt50]);
    double corrected = Double.parseDouble(cells.get(1)[recallAt50]);
    assertThat(corrected - plain)
        .as("corrected - plain Recall@50 on validation")
        .isGreaterThan(PLAIN_SOFTMAX_MARGIN);

    // The better validation score (mean Recall@K over ks) is the one retrained.
    String[] selected =
        meanOverKs(cells.get(0)) >= meanOverKs(cells.get(1)) ? cells.get(0) : cells.get(1);
    assertThat(cells.get(2)[0]).isEqualTo(selected[0]);
    int epochs = Integer.parseInt(selected[10]);
    assertThat(epochs).isBetween(1, 8);
    assertThat(cells.get(2)[10]).isEqualTo(selected[10]);

    // epochs.csv has validation Recall after every epoch each run trained.
    int trainedEpochs = Integer.parseInt(cells.get(0)[11]) + Integer.parseInt(cells.get(1)[11]);
    assertThat(Files.readAllLines(folder.resolve("epochs.csv"))).hasSize(1 + trainedEpochs);

    // summary.csv: validation Recall for every combination, test Recall only for the selected.
    List<String> summary = Files.readAllLines(folder.resolve("summary.csv"));
    assertThat(summary.stream().filter(l -> l.endsWith(",validation")))
        .extracting(l -> l.split(",")[0])
        .containsOnly("\"correction=none\"", "\"correction=paper\"", "\"popularity\"");
    assertThat(summary.stream().filter(l -> l.endsWith(",test")))
        .extracting(l -> l.split(",")[0])
        .containsOnly(selected[0].replaceFirst("\"$", " epochs=" + epochs + "\""), "\"popularity\"")
        .hasSize(2 * 4);

    // selected.conf loads and names the selected settings and epochs on this data.
    Config chosen = ConfigLoader.load(folder.resolve("selected.conf"), Map.of());
    JobConfig config = JobConfig.from(chosen);
    assertThat("\"correction=" + chosen.getString("train.correction") + "\"")
        .isEqualTo(selected[0]);
    assertThat(chosen.getInt("train.epochs")).isEqualTo(epochs);
    assertThat(config.dataDir()).isEqualTo(store.dataDir());
  }

  private static double meanOverKs(String[] runsRow) {
    double sum = 0;
    for (int k = 5; k < 9; k++) {
      sum += Double.parseDouble(runsRow[k]);
    }
    return sum / 4;
  }
}
