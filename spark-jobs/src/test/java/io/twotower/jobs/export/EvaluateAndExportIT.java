package io.twotower.jobs.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobException;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.TinyModels;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.RecallReport;
import io.twotower.jobs.export.ExportJob.ExportResult;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.towers.TwoTowerModel;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluate and export end to end on hand-made Delta tables and an untrained (seeded) model: eight
 * items i0..i7, five users; each user's last event held out (u4 has a single event, so none).
 */
class EvaluateAndExportIT {

  /** Each user's items in time order; the last one is the held-out event when there are two+. */
  static final Map<String, List<Integer>> LOGS = new LinkedHashMap<>();

  static {
    LOGS.put("u1", List.of(0, 1, 2, 3));
    LOGS.put("u2", List.of(1, 2, 4));
    LOGS.put("u3", List.of(5, 6, 5)); // re-consumes i5: excluded, a miss for every method
    LOGS.put("u4", List.of(7));
    LOGS.put("u5", List.of(0, 1, 2, 3, 4, 5)); // only i6, i7 left to recommend
  }

  static final int ITEMS = 8;
  static final int TOP_K = 3;

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static JobConfig config;
  static String modelId;
  static TwoTowerModel model;

  @BeforeAll
  static void setUp() {
    Path dataDir = scratch.resolve("data");
    store = new DeltaStore(spark, dataDir);
    config =
        JobConfig.from(
            ConfigFactory.parseString("evaluate.ks = [1, 3, 8]\nexport.top-k = " + TOP_K)
                .withFallback(ConfigLoader.load(null, Map.of("data-dir", dataDir.toString()))));
    store.overwrite(
        Table.ITEM_FEATURES,
        spark.createDataFrame(itemFeatures(), Table.ITEM_FEATURES.requiredColumns()));
    store.overwrite(
        Table.TRAINING_EXAMPLES,
        spark.createDataFrame(examples(), Table.TRAINING_EXAMPLES.requiredColumns()));
    model = TinyModels.withGenre(ITEMS, 3);
    ModelStore models = new ModelStore(store);
    modelId = models.newModelId();
    models.save(modelId, model, "{}");
  }

  @Test
  void evaluationAppendsOneRunPerCallWithBothMethods() {
    RecallReport first = EvaluateJob.run(store, config, DateRange.ALL);
    RecallReport second = EvaluateJob.run(store, config, DateRange.ALL);

    // Held out: u1 i3, u2 i4, u3 i5 (excluded), u5 i5. With K = 8 = the corpus, every pair whose
    // item is not excluded is found: 3 of 4.
    assertThat(first.queries()).isEqualTo(4);
    for (String method : List.of(EvaluateJob.TWO_TOWER, EvaluateJob.POPULARITY)) {
      assertThat(first.recall(method, 8)).isEqualTo(0.75);
      assertThat(first.recall(method, 1)).isBetween(0.0, first.recall(method, 3));
      assertThat(second.recall(method, 3)).isEqualTo(first.recall(method, 3));
    }
    // Popularity over training rows: i1, i2 x3; i0 x2; i3, i4, i5, i6 x1; i7 x1 (u4's only event).
    //   u1 (excl. i0..i2): i3 i4 i5 ...  -> i3 rank 1;   u2 (excl. i1 i2): i0 i3 i4 -> rank 3
    //   u5 (excl. i0..i4): i5 i6 i7      -> i5 rank 1;   u3: miss.   R@1 = 2/4, R@3 = 3/4.
    assertThat(first.recall(EvaluateJob.POPULARITY, 1)).isEqualTo(0.5);
    assertThat(first.recall(EvaluateJob.POPULARITY, 3)).isEqualTo(0.75);

    List<Row> rows = store.read(Table.EVALUATIONS).collectAsList();
    assertThat(rows).hasSize(2 * 2 * 3);
    assertThat(rows.stream().map(r -> r.<String>getAs("evaluation_id")).distinct())
        .containsExactlyInAnyOrder(first.evaluationId(), second.evaluationId());
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs("model_id")).isEqualTo(modelId);
              assertThat(r.<String>getAs("split")).isEqualTo("leave-last-out");
              assertThat(r.<Long>getAs("queries")).isEqualTo(4L);
              assertThat(r.<String>getAs("method")).isIn("two-tower", "popularity");
            });
  }

  @Test
  void evaluationWithoutHeldOutExamplesSaysWhatToRerun() {
    assertThatThrownBy(
            () -> EvaluateJob.run(store, config, DateRange.day(LocalDate.of(2030, 1, 1))))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("No held-out examples to evaluate (2030-01-01 to 2030-01-01)")
        .hasMessageContaining("no rows with split = 'test'");
  }

  @Test
  void exportWritesEveryItemAndTheTopUnseenItemsOfEveryUser() {
    ExportResult result = ExportJob.run(store, config, DateRange.ALL);

    assertThat(result.items()).isEqualTo(ITEMS);
    assertThat(result.users()).isEqualTo(LOGS.size());
    assertThat(result.candidates()).isEqualTo(4 * TOP_K + 2); // u5 has only two unseen items

    Map<String, float[]> embeddings = new LinkedHashMap<>();
    for (Row row : store.read(Table.ITEM_EMBEDDINGS).collectAsList()) {
      List<Float> values = row.getList(row.fieldIndex("embedding"));
      float[] v = new float[values.size()];
      IntStream.range(0, v.length).forEach(i -> v[i] = values.get(i));
      embeddings.put(row.getAs("item_id"), v);
      assertThat(norm(v)).isCloseTo(1.0, within(1e-4));
    }
    assertThat(embeddings).hasSize(ITEMS);

    Map<String, List<Row>> byUser =
        store.read(Table.USER_CANDIDATES).collectAsList().stream()
            .collect(Collectors.groupingBy(r -> r.getAs("user_id")));
    for (Map.Entry<String, List<Row>> user : byUser.entrySet()) {
      List<Row> ranked =
          user.getValue().stream()
              .sorted(Comparator.comparing(r -> r.<Integer>getAs("rank")))
              .toList();
      Set<String> consumed = new HashSet<>();
      LOGS.get(user.getKey()).forEach(i -> consumed.add("i" + i));
      assertThat(ranked)
          .extracting(r -> r.<Integer>getAs("rank"))
          .containsExactlyElementsOf(
              IntStream.rangeClosed(1, Math.min(TOP_K, ITEMS - consumed.size())).boxed().toList());
      assertThat(ranked)
          .extracting(r -> r.<String>getAs("item_id"))
          .doesNotContainAnyElementsOf(consumed);
      assertThat(ranked)
          .extracting(r -> r.<Float>getAs("score"))
          .isSortedAccordingTo(Comparator.reverseOrder());
    }

    // u1's query: latest event i3 in front of its history (i2 i1 i0), cut to 3 -> [3, 2, 1].
    float[] query = model.queryEmbeddings(List.of(new int[] {3, 2, 1}))[0];
    List<String> expected =
        IntStream.range(4, ITEMS)
            .mapToObj(i -> "i" + i)
            .sorted(Comparator.comparing((String id) -> -dot(query, embeddings.get(id))))
            .limit(TOP_K)
            .toList();
    List<Row> u1 =
        byUser.get("u1").stream()
            .sorted(Comparator.comparing(r -> r.<Integer>getAs("rank")))
            .toList();
    assertThat(u1).extracting(r -> r.<String>getAs("item_id")).containsExactlyElementsOf(expected);
    for (Row row : u1) {
      assertThat((double) row.<Float>getAs("score"))
          .isCloseTo(dot(query, embeddings.get(row.<String>getAs("item_id"))), within(1e-5));
    }
  }

  @Test
  void exportIsIdempotent() {
    ExportJob.run(store, config, DateRange.ALL);
    Set<Row> candidates = new HashSet<>(store.read(Table.USER_CANDIDATES).collectAsList());
    long embeddings = store.read(Table.ITEM_EMBEDDINGS).count();

    ExportJob.run(store, config, DateRange.ALL);

    assertThat(new HashSet<>(store.read(Table.USER_CANDIDATES).collectAsList()))
        .isEqualTo(candidates);
    assertThat(store.read(Table.ITEM_EMBEDDINGS).count()).isEqualTo(embeddings).isEqualTo(ITEMS);
  }

  private static List<Row> itemFeatures() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      rows.add(RowFactory.create("i" + i, i, Map.of("genre", new Integer[] {i % 3})));
    }
    return rows;
  }

  /** Rows as the features stage writes them: history = distinct earlier items, latest first. */
  private static List<Row> examples() {
    List<Row> rows = new ArrayList<>();
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    LOGS.forEach(
        (user, items) -> {
          for (int t = 0; t < items.size(); t++) {
            List<Integer> history = new ArrayList<>();
            for (int s = t - 1; s >= 0 && history.size() < 3; s--) {
              if (!history.contains(items.get(s))) {
                history.add(items.get(s));
              }
            }
            Instant ts = start.plusSeconds(3600L * t);
            boolean heldOut = items.size() > 1 && t == items.size() - 1;
            int item = items.get(t);
            rows.add(
                RowFactory.create(
                    user,
                    "i" + item,
                    Timestamp.from(ts),
                    Date.valueOf("2026-01-01"),
                    heldOut ? "test" : "train",
                    1.0,
                    history.stream().map(i -> "i" + i).toArray(String[]::new),
                    history.toArray(Integer[]::new),
                    item,
                    Map.of("genre", new Integer[] {item % 3})));
          }
        });
    return rows;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double norm(float[] v) {
    return Math.sqrt(dot(v, v));
  }
}
