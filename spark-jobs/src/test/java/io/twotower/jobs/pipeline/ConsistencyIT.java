package io.twotower.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.JobException;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.StageAttempts;
import io.twotower.jobs.Stages;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.RecallReport;
import io.twotower.jobs.export.ExportJob;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.features.Vocabulary;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.train.TrainJob;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reruns, a crash between two commits of one stage, and concurrent runs, on one tiny synthetic log
 * run day by day, as the schedule runs it. The tests run in order on the same tables: each leaves
 * the days it ran for the next.
 */
@TestMethodOrder(OrderAnnotation.class)
class ConsistencyIT {

  static final LocalDate DAY1 = LocalDate.parse("2026-01-01");
  static final LocalDate DAY2 = DAY1.plusDays(1);
  static final LocalDate DAY3 = DAY1.plusDays(2);
  static final LocalDate DAY4 = DAY1.plusDays(3);

  @TempDir static Path scratch;
  @SparkTestSession static SparkSession spark;
  static DeltaStore store;
  static JobConfig config;
  static String day1Model;

  @BeforeAll
  static void dayOne() {
    Map<String, String> small = new LinkedHashMap<>();
    small.put("data-dir", scratch.resolve("data").toString());
    small.put("synthetic.users", "60");
    small.put("synthetic.items", "50");
    small.put("synthetic.channels", "8");
    small.put("synthetic.topics", "4");
    small.put("synthetic.events-per-user", "16");
    small.put("synthetic.days", "4");
    small.put("features.history-length", "5");
    small.put("train.batch-size", "32");
    small.put("train.epochs", "1");
    small.put("train.splits-per-epoch", "1");
    small.put("train.item-embedding-dim", "8");
    small.put("train.field-embedding-dim", "4");
    small.put("train.query-hidden", "[16]");
    small.put("train.item-hidden", "[16]");
    small.put("train.output-dim", "8");
    small.put("evaluate.ks", "[10]");
    small.put("evaluate.protocol", "next-day");
    small.put("evaluate.baselines", "[popularity]");
    small.put("export.top-k", "5");
    config = JobConfig.from(ConfigLoader.load(null, small));
    store = new DeltaStore(spark, scratch.resolve("data"));
    DateRange day = DateRange.day(DAY1);
    IngestJob.run(store, config, day);
    FeaturesJob.run(store, config, day);
    SamplingJob.run(store, config, day);
    day1Model = TrainJob.train(store, config, day).modelId();
  }

  @Test
  @Order(1)
  void ingestFeaturesSamplingAndTrainRerunForTheSameDateLeaveTheSameTables() {
    DateRange day = DateRange.day(DAY2);
    assertRerunLeavesSameTables(
        () -> IngestJob.run(store, config, day),
        Table.EVENTS,
        Table.ITEMS,
        Table.USERS,
        Table.QUARANTINE);
    assertThat(rows(Table.EVENTS, "dt = '2026-01-02'")).isNotEmpty();
    assertRerunLeavesSameTables(
        () -> FeaturesJob.run(store, config, day),
        Table.VOCABULARIES,
        Table.ITEM_FEATURES,
        Table.TRAINING_EXAMPLES,
        Table.QUARANTINE);
    assertRerunLeavesSameTables(
        () -> SamplingJob.run(store, config, day),
        Table.ITEM_DAILY_COUNTS,
        Table.ITEM_SAMPLING_PROBABILITY);

    // A rerun of train for D is a new model of D with the same parent, the model of D - 1: it
    // never continues from the first model of D (that would train D twice), and the newest model
    // of D is the one D + 1 continues from.
    TrainJob.Result first = TrainJob.train(store, config, day);
    TrainJob.Result rerun = TrainJob.train(store, config, day);
    ModelStore models = new ModelStore(store);
    assertThat(rerun.modelId()).isNotEqualTo(first.modelId());
    for (TrainJob.Result result : List.of(first, rerun)) {
      var metadata = ConfigFactory.parseString(models.metadata(result.modelId()));
      assertThat(metadata.getString("parent_model_id")).isEqualTo(day1Model);
      assertThat(metadata.getStringList("trained_days")).containsExactly(DAY2.toString());
    }
    assertThat(rerun.examples()).isEqualTo(first.examples()).isPositive();
    assertThat(models.latestTrainedThrough(DAY2).orElseThrow().modelId())
        .isEqualTo(rerun.modelId());
  }

  /**
   * features for day 3 stops after committing vocabularies and item_features, before
   * training_examples (a CHECK constraint refuses day 3's rows, as a crash would stop it there):
   * readers still see the whole set day 2's run published, then the rerun publishes day 3's.
   */
  @Test
  @Order(2)
  void aStageStoppedBetweenItsCommitsPublishesNothingAndItsRerunPublishesTheWholeSet() {
    DateRange day = DateRange.day(DAY3);
    IngestJob.run(store, config, day);
    String examples = "delta.`" + store.path(Table.TRAINING_EXAMPLES) + "`";
    spark.sql("ALTER TABLE " + examples + " ADD CONSTRAINT crash CHECK (dt < '" + DAY3 + "')");
    Map<Table, Long> published = publishedVersions();
    List<String> publishedVocabulary =
        rows(store.atPublished(FeaturesJob.OUTPUTS), Table.VOCABULARIES);

    assertThatThrownBy(() -> FeaturesJob.run(store, config, day)).hasMessageContaining("crash");

    assertThat(store.headVersion(Table.VOCABULARIES))
        .isGreaterThan(published.get(Table.VOCABULARIES));
    assertThat(rows(store, Table.VOCABULARIES)).isNotEqualTo(publishedVocabulary);
    assertThat(publishedVersions()).isEqualTo(published);
    assertThat(rows(store.atPublished(FeaturesJob.OUTPUTS), Table.VOCABULARIES))
        .isEqualTo(publishedVocabulary);

    spark.sql("ALTER TABLE " + examples + " DROP CONSTRAINT crash");
    FeaturesJob.run(store, config, day);

    Map<Table, Long> heads = new LinkedHashMap<>();
    FeaturesJob.OUTPUTS.forEach(table -> heads.put(table, store.headVersion(table)));
    assertThat(publishedVersions()).isEqualTo(heads);
    assertThat(rows(Table.TRAINING_EXAMPLES, "dt = '2026-01-03'")).isNotEmpty();
  }

  @Test
  @Order(3)
  void evaluateAndExportRerunForTheSameDateGiveTheSameResults() {
    DateRange day = DateRange.day(DAY2);
    // Next-day: the newest model of day 2 on day 3's examples, twice.
    RecallReport first = EvaluateJob.run(store, config, day);
    RecallReport rerun = EvaluateJob.run(store, config, day);
    assertThat(rerun.modelId()).isEqualTo(first.modelId());
    assertThat(rerun.queries()).isEqualTo(first.queries()).isPositive();
    for (String method : List.of(EvaluateJob.TWO_TOWER, EvaluateJob.POPULARITY)) {
      assertThat(rerun.recall(method, 10)).isEqualTo(first.recall(method, 10));
    }
    // evaluations is a history: each run is one evaluation_id with one row per method and K.
    assertThat(
            store
                .read(Table.EVALUATIONS)
                .groupBy("evaluation_id", "method", "k")
                .count()
                .where("count > 1")
                .isEmpty())
        .isTrue();
    assertRerunLeavesSameTables(
        () -> ExportJob.run(store, config, day), Table.ITEM_EMBEDDINGS, Table.USER_CANDIDATES);
  }

  @Test
  @Order(4)
  void ingestRunsForTwoDatesAtOnceBothSucceed() throws Exception {
    List<String> day3 = rows(Table.EVENTS, "dt = '2026-01-03'");
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (LocalDate date : List.of(DAY3, DAY4)) {
        runs.add(threads.submit(() -> IngestJob.run(store, config, DateRange.day(date))));
      }
      for (Future<?> run : runs) {
        run.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(rows(Table.EVENTS, "dt = '2026-01-03'")).isEqualTo(day3);
    assertThat(rows(Table.EVENTS, "dt = '2026-01-04'")).isNotEmpty();
  }

  /**
   * Two writes of one table that read it before either committed (held at a barrier inside their
   * write jobs, so the overlap is certain): partitions of different days coexist; for the same day
   * the second commit is refused with the clear error, and the day holds one run's rows.
   */
  @Test
  @Order(5)
  void overlappingWritesOfTwoDatesBothCommitAndOfOneDateOneFailsClearly() throws Exception {
    DeltaStore other = new DeltaStore(spark, scratch.resolve("concurrent"));
    other.replaceWhere(Table.EVENTS, events(DAY1, "u0"), "dt = '" + DAY1 + "'");

    List<Object> twoDays =
        overlapping(() -> write(other, DAY2, "a"), () -> write(other, DAY3, "b"));
    assertThat(twoDays).containsExactly("committed", "committed");
    assertThat(rows(other, Table.EVENTS)).hasSize(3);

    List<Object> oneDay = overlapping(() -> write(other, DAY4, "a"), () -> write(other, DAY4, "b"));
    assertThat(oneDay).containsOnlyOnce("committed");
    JobException refused =
        (JobException) oneDay.stream().filter(r -> r instanceof JobException).findFirst().get();
    assertThat(refused)
        .hasMessageContaining("Another run wrote Delta table 'events'")
        .hasMessageContaining("replaceWhere dt = '2026-01-04'")
        .hasMessageContaining("rerun this stage for the same --date");
    assertThat(rows(other, Table.EVENTS)).hasSize(4);
  }

  /**
   * Two whole-table rewrites held at the barrier, as two stage runs: for different dates the
   * refused one runs again on the other's result and both succeed; for the same date one fails with
   * the clear error.
   */
  @Test
  @Order(6)
  void aStageRefusedBecauseOfAnotherDatesCommitRunsAgainAndOneOfTheSameDateFailsClearly()
      throws Exception {
    DeltaStore other = new DeltaStore(spark, scratch.resolve("rewrites"));
    other.overwrite(Table.EVENTS, events(DAY1, "u0"));

    List<Object> twoDays =
        overlapping(() -> rewrite(other, DAY2, "a"), () -> rewrite(other, DAY3, "b"));
    assertThat(twoDays)
        .containsExactlyInAnyOrder("committed in 1 attempt(s)", "committed in 2 attempt(s)");
    // The run that went again committed last: the table is its rewrite, whole.
    String last = twoDays.get(0).equals("committed in 2 attempt(s)") ? "a" : "b";
    assertThat(other.read(Table.EVENTS).collectAsList())
        .singleElement()
        .extracting(row -> row.getAs("user_id"))
        .isEqualTo(last);

    List<Object> oneDay =
        overlapping(() -> rewrite(other, DAY4, "a"), () -> rewrite(other, DAY4, "b"));
    assertThat(oneDay).containsOnlyOnce("committed in 1 attempt(s)");
    JobException refused =
        (JobException) oneDay.stream().filter(r -> r instanceof JobException).findFirst().get();
    assertThat(refused)
        .hasMessageContaining("Another run wrote Delta table 'events'")
        .hasMessageContaining("rerun this stage for the same --date");
  }

  /**
   * features, then sampling, for two days at once through the stages' own runner: both runs of each
   * succeed, and each day's examples are indexed by the vocabularies both left behind.
   */
  @Test
  @Order(7)
  void featuresAndSamplingRunsForTwoDatesAtOnceBothSucceed() throws Exception {
    for (Stages stage : List.of(Stages.FEATURES, Stages.SAMPLING)) {
      List<Object> runs =
          overlapping(
              () -> {
                stage.run(store, config, DateRange.day(DAY3));
                return "committed";
              },
              () -> {
                stage.run(store, config, DateRange.day(DAY4));
                return "committed";
              });
      assertThat(runs).as(stage.command()).containsExactly("committed", "committed");
    }
    Vocabulary vocabulary =
        Vocabulary.fromTable(store.atPublished(FeaturesJob.OUTPUTS).read(Table.VOCABULARIES));
    for (LocalDate day : List.of(DAY3, DAY4)) {
      List<Row> examples =
          store
              .atPublished(FeaturesJob.OUTPUTS)
              .read(Table.TRAINING_EXAMPLES)
              .where("dt = '" + day + "' AND split = 'train'")
              .collectAsList();
      assertThat(examples).as("examples of %s", day).isNotEmpty();
      for (Row example : examples) {
        assertThat(example.<Integer>getAs("item_idx"))
            .isEqualTo(vocabulary.index(Vocabulary.ITEM_FIELD, example.getAs("item_id")));
      }
    }
    assertThat(
            store.read(Table.STAGE_COMMITS).where("stage = 'sampling'").collectAsList().stream()
                .map(row -> row.<String>getAs("dates")))
        .contains(DateRange.day(DAY3).toString(), DateRange.day(DAY4).toString());
  }

  /** A whole-table rewrite of events as a stage run for {@code day}, held on its first attempt. */
  private static String rewrite(DeltaStore other, LocalDate day, String user) {
    AtomicInteger attempts = new AtomicInteger();
    StageAttempts.run(
        "rewrite",
        (tagged, unused, dates) ->
            tagged.overwrite(
                Table.EVENTS,
                attempts.incrementAndGet() == 1 ? held(day, user) : events(day, user)),
        other,
        config,
        DateRange.day(day));
    return "committed in " + attempts.get() + " attempt(s)";
  }

  private static final CyclicBarrier BOTH_READ = new CyclicBarrier(2);

  /** One event of {@code user} on {@code day}. */
  private static Dataset<Row> events(LocalDate day, String user) {
    Row row =
        RowFactory.create(
            user, "i1", java.sql.Timestamp.valueOf(day.atTime(12, 0)), 1.0, Date.valueOf(day));
    return spark.createDataFrame(List.of(row), Table.EVENTS.requiredColumns()).coalesce(1);
  }

  private static String write(DeltaStore other, LocalDate day, String user) {
    other.replaceWhere(Table.EVENTS, held(day, user), "dt = '" + day + "'");
    return "committed";
  }

  /** {@link #events}, held at {@link #BOTH_READ} while written. */
  private static Dataset<Row> held(LocalDate day, String user) {
    return events(day, user)
        .mapPartitions(
            (MapPartitionsFunction<Row, Row>)
                rows -> {
                  BOTH_READ.await(60, TimeUnit.SECONDS);
                  return rows;
                },
            Encoders.row(Table.EVENTS.requiredColumns()));
  }

  /** Runs both at once; each one's result, or the JobException it threw. */
  private static List<Object> overlapping(Callable<String> a, Callable<String> b)
      throws InterruptedException, TimeoutException, BrokenBarrierException {
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<String>> runs = List.of(threads.submit(a), threads.submit(b));
      List<Object> results = new ArrayList<>();
      for (Future<String> run : runs) {
        try {
          results.add(run.get(120, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
          if (!(e.getCause() instanceof JobException)) {
            throw new AssertionError("not the clear conflict error", e.getCause());
          }
          results.add(e.getCause());
        }
      }
      return results;
    } finally {
      threads.shutdownNow();
    }
  }

  /** Runs {@code stage} twice and checks that the tables it writes are the same after each run. */
  private static void assertRerunLeavesSameTables(Runnable stage, Table... tables) {
    stage.run();
    List<List<String>> once = Arrays.stream(tables).map(t -> rows(store, t)).toList();
    stage.run();
    List<List<String>> twice = Arrays.stream(tables).map(t -> rows(store, t)).toList();
    for (int i = 0; i < tables.length; i++) {
      assertThat(twice.get(i)).as(tables[i].folder()).isEqualTo(once.get(i));
      if (tables[i] != Table.QUARANTINE) {
        // (The tiny log has no bad rows: quarantine may rightly be empty.)
        assertThat(once.get(i)).as(tables[i].folder()).isNotEmpty();
      }
    }
  }

  private Map<Table, Long> publishedVersions() {
    DeltaStore published = store.atPublished(FeaturesJob.OUTPUTS);
    Map<Table, Long> versions = new LinkedHashMap<>();
    FeaturesJob.OUTPUTS.forEach(table -> versions.put(table, published.version(table)));
    return versions;
  }

  private static List<String> rows(Table table, String where) {
    return json(store.read(table).where(where));
  }

  /**
   * Every row as JSON, sorted (so duplicates show), without the columns a rerun rightly changes:
   * when a row was quarantined.
   */
  private static List<String> rows(DeltaStore from, Table table) {
    return json(from.read(table));
  }

  private static List<String> json(Dataset<Row> df) {
    if (Arrays.asList(df.columns()).contains("quarantined_at")) {
      df = df.drop("quarantined_at");
    }
    return df.toJSON().collectAsList().stream().sorted().toList();
  }
}
