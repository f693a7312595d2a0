package io.twotower.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.PipelineJob;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.bench.CompareModelsCommand;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
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

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static final Map<String, String> small = new LinkedHashMap<>();
  static String pipelineModelId;

  @BeforeAll
  static void runPipeline() {
    small.put("data-dir", scratch.resolve("data").toString());
    small.put("synthetic.users", "300");
    small.put("synthetic.items", "400");
    small.put("synthetic.channels", "40");
    small.put("synthetic.events-per-user", "25");
    small.put("synthetic.days", "4");
    small.put("features.history-length", "20");
    small.put("train.batch-size", "128");
    small.put("train.epochs", "2");
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
    // compareWritesTheBaselinesAndEveryTrainedModel moves LATEST; the other tests read this one.
    pipelineModelId = new ModelStore(store.dataDir()).latestId();
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
    ModelStore models = new ModelStore(store.dataDir());
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
  void modelRecordsTheTableVersionsItWasTrainedOn() {
    ModelStore models = new ModelStore(store.dataDir());
    String metadata = models.metadata(pipelineModelId);
    assertThat(metadata)
        .contains("\"training_examples\"", "\"item_sampling_probability\"", "\"final_loss\"");
    // The loss settings travel with the model (the whole config is recorded).
    assertThat(metadata)
        .containsPattern("\"correction\"\\s*:\\s*\"negatives-only\"")
        .containsPattern("\"mixed-negatives\"\\s*:\\s*\"?16\"?");
  }

  @Test
  void compareWritesTheBaselinesAndEveryTrainedModel() throws Exception {
    CompareModelsCommand compare = new CompareModelsCommand();
    List<String> args = new ArrayList<>();
    small.forEach((key, value) -> args.addAll(List.of("--set", key + "=" + value)));
    args.addAll(List.of("--vary", "train.correction=none,paper", "--out", scratch + "/compare"));
    new CommandLine(compare).parseArgs(args.toArray(String[]::new));

    Path folder = compare.compareOn(store);

    // Header, the popularity baseline (written before any training), then one row per model.
    List<String> runs = Files.readAllLines(folder.resolve("runs.csv"));
    assertThat(runs).hasSize(4);
    assertThat(runs.get(0)).startsWith("combination,seed,model_id,");
    assertThat(runs.get(1)).startsWith("\"popularity\",,popularity,NaN,NaN,");
    assertThat(runs.subList(2, 4))
        .extracting(line -> line.split(",")[0])
        .containsExactly("\"correction=none\"", "\"correction=paper\"");
    for (String line : runs.subList(1, 4)) {
      String[] cells = line.split(",");
      assertThat(cells).hasSize(5 + 4);
      for (int k = 5; k < cells.length; k++) {
        assertThat(Double.parseDouble(cells[k])).isBetween(0.0, 1.0);
      }
    }
    assertThat(Files.readString(folder.resolve("summary.csv")))
        .contains("\"correction=none\"", "\"correction=paper\"", "\"popularity\"");
  }
}
