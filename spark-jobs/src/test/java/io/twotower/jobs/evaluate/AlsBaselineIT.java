package io.twotower.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.TinyModels;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.EvaluateConfig.AlsConfig;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.TwoTowerModel;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ALS baseline on a planted log: two groups of users, each consuming its own four items (x1 x2
 * x3 p, y1 y2 y3 q); z is never consumed. a6 and b6 hold out their group's planted item, a7 holds
 * out its last two items (x3, p) as leave-last-2-out does.
 */
class AlsBaselineIT {

  static final List<String> ITEMS = List.of("p", "q", "x1", "x2", "x3", "y1", "y2", "y3", "z");

  /** Each user's items in time order and how many of the latest are held out. */
  static final Map<String, List<String>> LOGS = new LinkedHashMap<>();

  static final Map<String, Integer> HELD_OUT = new LinkedHashMap<>();

  static {
    for (int u = 1; u <= 5; u++) {
      LOGS.put("a" + u, List.of("x1", "x2", "x3", "p"));
      LOGS.put("b" + u, List.of("y1", "y2", "y3", "q"));
    }
    LOGS.put("a6", List.of("x1", "x2", "x3", "p"));
    HELD_OUT.put("a6", 1);
    LOGS.put("b6", List.of("y1", "y2", "y3", "q"));
    HELD_OUT.put("b6", 1);
    LOGS.put("a7", List.of("x1", "x2", "x3", "p"));
    HELD_OUT.put("a7", 2);
  }

  static final AlsConfig ALS = new AlsConfig(2, 0.1, 10, 10, 42, List.of(), List.of(), List.of());

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static Dataset<Row> examples;
  static Dataset<Row> items;

  @BeforeAll
  static void setUp() {
    store = new DeltaStore(spark, scratch.resolve("data"));
    examples = spark.createDataFrame(examples(), Table.TRAINING_EXAMPLES.requiredColumns());
    items = spark.createDataFrame(itemFeatures(), Table.ITEM_FEATURES.requiredColumns());
    store.overwrite(Table.ITEM_FEATURES, items);
    store.overwrite(Table.TRAINING_EXAMPLES, examples);
  }

  @Test
  void trainingOnlyHistoryGivesEveryHeldOutEventOfAUserTheSameQuery() {
    Map<String, Row> a7 =
        HeldOutQueries.from(examples, DateRange.ALL, true)
            .where("user_id = 'a7'")
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(r -> r.getAs("item_id"), r -> r));

    // x3's history is x2 x1 (training only); p takes it too, so x3 is neither history nor excluded.
    for (String item : List.of("x3", "p")) {
      Row row = a7.get(item);
      assertThat(row.<Integer>getList(row.fieldIndex("history_idx"))).containsExactly(3, 2);
      assertThat(row.<String>getList(row.fieldIndex(CorpusRetrieval.EXCLUDE)))
          .containsExactlyInAnyOrder("x1", "x2");
    }
    // Per-event histories (leave-last-out, last-days) are unchanged: p sees and excludes x3.
    Row p =
        HeldOutQueries.from(examples, DateRange.ALL)
            .where("item_id = 'p' AND user_id = 'a7'")
            .first();
    assertThat(p.<String>getList(p.fieldIndex(CorpusRetrieval.EXCLUDE))).contains("x3");
  }

  @Test
  void alsRanksThePlantedCoConsumedItemFirst() {
    AlsBaseline.Fitted fitted = AlsBaseline.fit(examples.filter("split = 'train'"), items, ALS);
    RecallAtK.Recall recall =
        fitted.recall(HeldOutQueries.from(examples, DateRange.ALL, true), List.of(1, 2, 9));

    // a6 -> p and b6 -> q at rank 1 (their group's only unseen item). a7's two pairs share one
    // query that excludes x1 x2, so x3 and p take ranks 1 and 2 in some order: one hit at K = 1.
    // R@1 = 3/4, R@2 = 4/4, R@9 = 4/4.
    assertThat(recall.queries()).isEqualTo(4);
    assertThat(recall.excludedTargets()).isZero();
    assertThat(recall.recall()).containsExactly(0.75, 1.0, 1.0);
    // z has no training events, hence no factors: it ranks after every item that has.
    float[] z = fitted.corpus().vector(fitted.corpus().rowOf("z"));
    assertThat(z[ALS.rank()]).isEqualTo(-Float.MAX_VALUE);
  }

  @Test
  void evaluateRecordsAndPrintsAlsNextToTheOtherMethodsWhenConfigured() {
    Path dataDir = scratch.resolve("data");
    JobConfig config =
        JobConfig.from(
            ConfigFactory.parseString(
                    "evaluate.ks = [1, 2, 9]\n"
                        + "features.split = leave-last-n-out\n"
                        + "features.test-events = 2\n"
                        + "evaluate.als { rank = 2, reg-param = 0.1, alpha = 10, max-iter = 10 }")
                .withFallback(
                    ConfigLoader.load(
                        null,
                        Map.of(
                            "data-dir",
                            dataDir.toString(),
                            "evaluate.baselines",
                            "[popularity, als]",
                            "evaluate.als.grid.reg-param",
                            "[0.1, 0.3]"))));
    assertThat(config.evaluate().als().candidates()).hasSize(2);
    ModelStore models = new ModelStore(store);
    String modelId = models.newModelId();
    models.save(modelId, model(), "{}");

    RecallReport report = EvaluateJob.run(store, config, DateRange.ALL);

    assertThat(report.methods().keySet()).containsExactly("two-tower", "popularity", "als");
    assertThat(report.split()).isEqualTo("leave-last-2-out");
    assertThat(report.recall(EvaluateJob.ALS, 2)).isEqualTo(1.0);
    assertThat(report.table()).contains("als ");
    List<Row> rows = store.read(Table.EVALUATIONS).where("method = 'als'").collectAsList();
    assertThat(rows).hasSize(3);
    assertThat(rows).allSatisfy(r -> assertThat(r.<Long>getAs("queries")).isEqualTo(4L));
  }

  private static TwoTowerModel model() {
    return TinyModels.withGenre(ITEMS.size(), 2);
  }

  private static Map<String, Integer[]> genre(String item) {
    return Map.of("genre", new Integer[] {item.startsWith("y") || item.equals("q") ? 1 : 0});
  }

  private static List<Row> itemFeatures() {
    List<Row> rows = new ArrayList<>();
    for (String item : ITEMS) {
      rows.add(RowFactory.create(item, ITEMS.indexOf(item), genre(item)));
    }
    return rows;
  }

  /** Rows as the features stage writes them: history = distinct earlier items, latest first. */
  private static List<Row> examples() {
    List<Row> rows = new ArrayList<>();
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    LOGS.forEach(
        (user, log) -> {
          int heldOut = HELD_OUT.getOrDefault(user, 0);
          for (int t = 0; t < log.size(); t++) {
            List<String> history = new ArrayList<>(log.subList(0, t));
            java.util.Collections.reverse(history);
            String item = log.get(t);
            rows.add(
                RowFactory.create(
                    user,
                    item,
                    Timestamp.from(start.plusSeconds(3600L * t)),
                    Date.valueOf("2026-01-01"),
                    t >= log.size() - heldOut ? "test" : "train",
                    1.0,
                    history.toArray(String[]::new),
                    history.stream().map(ITEMS::indexOf).toArray(Integer[]::new),
                    ITEMS.indexOf(item),
                    genre(item)));
          }
        });
    return rows;
  }
}
