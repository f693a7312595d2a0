package io.twotower.jobs.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobException;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.TinyModels;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The next-day protocol on hand-made tables over three days: the model trained up to 2026-01-02
 * ranks every event of 2026-01-03. Eight items i0..i7; each user's events (day: item) in time
 * order, the latest of users with two or more held out (split = 'test') as leave-last-out does:
 *
 * <pre>
 *   u1: 1:i0 1:i1 2:i2 3:i5 3:i3      u3: 1:i1 3:i5 3:i4
 *   u2: 1:i1 2:i0 3:i5 3:i1           u4: 2:i6        u5: 3:i5
 * </pre>
 *
 * Day 3's seven events are the queries, test split or not. Exclusions: the user's items before day
 * 3 plus the event's history (which holds earlier day-3 events): u1 i5 {i0 i1 i2}, u1 i3 {i0 i1 i2
 * i5}, u2 i5 {i0 i1}, u2 i1 {i0 i1 i5} (a re-consumption: a miss for every method), u3 i5 {i1}, u3
 * i4 {i1 i5}, u5 i5 {}.
 */
class NextDayEvaluationIT {

  static final int ITEMS = 8;
  static final LocalDate LAST_TRAINING_DAY = LocalDate.of(2026, 1, 2);

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static JobConfig config;
  static ModelStore models;
  static TwoTowerModel model;

  @BeforeAll
  static void setUp() {
    Path dataDir = scratch.resolve("data");
    store = new DeltaStore(spark, dataDir);
    config =
        JobConfig.from(
            ConfigFactory.parseString("evaluate.ks = [1, 8]\nevaluate.protocol = next-day")
                .withFallback(ConfigLoader.load(null, Map.of("data-dir", dataDir.toString()))));
    List<Row> items = new ArrayList<>();
    for (int i = 0; i < ITEMS; i++) {
      items.add(RowFactory.create("i" + i, i, Map.of("genre", new Integer[] {i % 3})));
    }
    store.overwrite(
        Table.ITEM_FEATURES, spark.createDataFrame(items, Table.ITEM_FEATURES.requiredColumns()));
    store.overwrite(
        Table.TRAINING_EXAMPLES,
        spark.createDataFrame(examples(), Table.TRAINING_EXAMPLES.requiredColumns()));
    model = TinyModels.withGenre(ITEMS, 3);
    models = new ModelStore(store);
    // An evaluations table from before protocol and the test days were recorded: one old row.
    StructType before =
        new StructType(Arrays.copyOf(Table.EVALUATIONS.requiredColumns().fields(), 8));
    spark
        .createDataFrame(
            List.of(
                RowFactory.create(
                    "old",
                    Timestamp.from(Instant.EPOCH),
                    "m0",
                    "popularity",
                    "leave-last-out",
                    1,
                    0.5,
                    2L)),
            before)
        .write()
        .format("delta")
        .save(store.path(Table.EVALUATIONS));
  }

  @Test
  void ranksEveryEventOfTheNextDayAgainstBaselinesFitUpToTheLastTrainingDay() {
    String modelId = saved("{\"dates\": \"2026-01-01 to 2026-01-02\"}");

    RecallReport report =
        EvaluateJob.evaluate(store, config, modelId, DateRange.day(LAST_TRAINING_DAY));

    assertThat(report.queries()).isEqualTo(7);
    // K = 8 is the whole corpus: every pair but the re-consumption u2 i1 is found, 6 of 7.
    assertThat(report.recall(EvaluateJob.TWO_TOWER, 8)).isEqualTo(6.0 / 7);
    assertThat(report.recall(EvaluateJob.POPULARITY, 8)).isEqualTo(6.0 / 7);
    // Popularity over the training split up to day 2: i1 x3, i0 x2, i2 and i6 x1, the rest 0, so
    // each query's top unexcluded item is i6, i6, i2 or i6, -, i0, i0, i1: no hit at K = 1. Fit on
    // every day instead, i5 (x4 on day 3) would lead and hit four queries (4/7).
    assertThat(report.recall(EvaluateJob.POPULARITY, 1)).isZero();

    List<Row> rows =
        store.read(Table.EVALUATIONS).where("model_id = '" + modelId + "'").collectAsList();
    assertThat(rows).hasSize(2 * 2);
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs("protocol")).isEqualTo("next-day");
              assertThat(r.<Date>getAs("test_from")).isEqualTo(Date.valueOf("2026-01-03"));
              assertThat(r.<Date>getAs("test_to")).isEqualTo(Date.valueOf("2026-01-03"));
              assertThat(r.<Long>getAs("queries")).isEqualTo(7L);
            });
    // The table gained the new columns on append; its old row reads them as null.
    Row old = store.read(Table.EVALUATIONS).where("evaluation_id = 'old'").first();
    assertThat(old.isNullAt(old.fieldIndex("protocol"))).isTrue();
    assertThat(old.<Double>getAs("recall")).isEqualTo(0.5);
  }

  @Test
  void refusesAModelThatTrainedOnTheTestDay() {
    String modelId = saved("{\"dates\": \"all days\"}");

    assertThatThrownBy(
            () -> EvaluateJob.evaluate(store, config, modelId, DateRange.day(LAST_TRAINING_DAY)))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("trained on all days, which includes the test day 2026-01-03");
  }

  @Test
  void needsTheLastTrainingDay() {
    String modelId = saved("{\"dates\": \"2026-01-01 to 2026-01-02\"}");

    assertThatThrownBy(() -> EvaluateJob.evaluate(store, config, modelId, DateRange.ALL))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("needs the last training day D");
    assertThatThrownBy(
            () ->
                EvaluateJob.evaluate(
                    store, config, modelId, DateRange.day(LocalDate.of(2026, 1, 3))))
        .isInstanceOf(JobException.class)
        .hasMessageContaining("No examples on 2026-01-04");
  }

  private static String saved(String metadataJson) {
    String id = models.newModelId();
    models.save(id, model, metadataJson);
    return id;
  }

  /** Rows as features writes them: history = distinct earlier items, latest first, at most 3. */
  private static List<Row> examples() {
    List<Row> rows = new ArrayList<>();
    addUser(rows, "u1", new int[][] {{1, 0}, {1, 1}, {2, 2}, {3, 5}, {3, 3}});
    addUser(rows, "u2", new int[][] {{1, 1}, {2, 0}, {3, 5}, {3, 1}});
    addUser(rows, "u3", new int[][] {{1, 1}, {3, 5}, {3, 4}});
    addUser(rows, "u4", new int[][] {{2, 6}});
    addUser(rows, "u5", new int[][] {{3, 5}});
    return rows;
  }

  private static void addUser(List<Row> rows, String user, int[][] dayItem) {
    for (int t = 0; t < dayItem.length; t++) {
      List<Integer> history = new ArrayList<>();
      for (int s = t - 1; s >= 0 && history.size() < 3; s--) {
        if (!history.contains(dayItem[s][1])) {
          history.add(dayItem[s][1]);
        }
      }
      LocalDate day = LocalDate.of(2026, 1, dayItem[t][0]);
      Instant ts = Instant.parse(day + "T00:00:00Z").plusSeconds(3600L * t);
      boolean heldOut = dayItem.length > 1 && t == dayItem.length - 1;
      int item = dayItem[t][1];
      rows.add(
          RowFactory.create(
              user,
              "i" + item,
              Timestamp.from(ts),
              Date.valueOf(day),
              heldOut ? "test" : "train",
              1.0,
              history.stream().map(i -> "i" + i).toArray(String[]::new),
              history.toArray(Integer[]::new),
              item,
              Map.of("genre", new Integer[] {item % 3})));
    }
  }
}
