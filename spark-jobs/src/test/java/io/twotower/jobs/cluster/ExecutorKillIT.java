package io.twotower.jobs.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.min;
import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.cluster.LocalCluster.Split;
import io.twotower.jobs.cluster.LocalCluster.Submission;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.RecallReport;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import io.twotower.jobs.tables.Table.Columns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.util.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kills executor JVMs (SIGKILL, as the kernel's OOM killer would) while the pipeline runs on the
 * two-worker standalone cluster: one in each of features, sampling, training and evaluation, in one
 * run. What happens, and what the tests assert: the Worker reports the exit, the Master starts a
 * replacement executor, Spark runs the lost tasks again (and recomputes shuffle output the dead
 * executor held; in training DL4J fits the lost partition again from the parameters broadcast for
 * that round), and the run finishes with the tables an undisturbed run writes (ingest, features and
 * sampling, made again here in the test's own session), every split trained, a model that beats
 * popularity and the evaluation an undisturbed evaluation of that model gives.
 */
class ExecutorKillIT {

  static final Path WORK = Path.of("target/cluster-it/ExecutorKillIT").toAbsolutePath();
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(15);

  /**
   * Where each executor dies: after the stage's first progress line, as soon as the next Spark job
   * starts (for training, the averaging round after epoch 2, when both executors have trained and 6
   * of 8 rounds are to come).
   */
  static final Map<String, Pattern> KILLS = new LinkedHashMap<>();

  static {
    KILLS.put("features", Pattern.compile("== \\[2/6\\] features =="));
    KILLS.put("sampling", Pattern.compile("== \\[3/6\\] sampling =="));
    KILLS.put("train", Pattern.compile("train: epoch 2/\\d+ split 1/"));
    KILLS.put("evaluate", Pattern.compile("== \\[5/6\\] evaluate =="));
  }

  /** The tables ingest, features and sampling write, compared with an undisturbed run's. */
  static final List<Table> BEFORE_TRAINING =
      List.of(
          Table.EVENTS,
          Table.ITEMS,
          Table.USERS,
          Table.QUARANTINE,
          Table.VOCABULARIES,
          Table.ITEM_FEATURES,
          Table.TRAINING_EXAMPLES,
          Table.ITEM_SAMPLING_PROBABILITY);

  /** A kill: which executor, in which stage, after which line, when (epoch ms). */
  record Kill(String stage, String executor, String after, long at) {}

  @SparkTestSession static SparkSession spark;
  static LocalCluster cluster;
  static DeltaStore undisturbed;
  static DeltaStore killed;
  static Submission pipeline;
  static final List<Kill> kills = new ArrayList<>();
  static RecallReport recall;

  @BeforeAll
  static void killAnExecutorInEachStage() throws Exception {
    // A cluster left running by an aborted earlier run keeps its pid files here: stop it first.
    LocalCluster.stopLeftovers(WORK.resolve("local-cluster"));
    Utils.deleteRecursively(WORK.toFile());
    Path data = Files.createDirectories(WORK.resolve("data"));
    JobConfig reference = config(Files.createDirectories(WORK.resolve("undisturbed")));
    undisturbed = new DeltaStore(spark, reference.dataDir());
    killed = new DeltaStore(spark, config(data).dataDir());
    // The undisturbed run of the stages before training, here: a second cluster run would cost a
    // cluster's worth of time, and the same stages in one session must agree with it anyway.
    IngestJob.run(undisturbed, reference, DateRange.ALL);
    FeaturesJob.run(undisturbed, reference, DateRange.ALL);
    SamplingJob.run(undisturbed, reference, DateRange.ALL);

    cluster = LocalCluster.start(WORK.resolve("local-cluster"));
    // One averaging round per epoch, each worker fitting its whole share (30 batches of 128): a
    // round's fit tasks then take 0.1-1.5 s, where 5 batches a round took 30-200 ms, so the kill
    // has time to find a task running (runningATask). A kill about 150 ms after the round's job
    // started landed in the driver's averaging between two rounds in one of two CI runs.
    List<String> args = new ArrayList<>(LocalCluster.smallRun("pipeline", data));
    args.addAll(
        List.of("--set", "train.averaging-frequency=30", "--set", "train.splits-per-epoch=1"));
    pipeline = cluster.submit(WORK.resolve("cluster-pipeline"), args);
    for (Map.Entry<String, Pattern> kill : KILLS.entrySet()) {
      kills.add(killDuring(kill.getKey(), kill.getValue()));
    }
    pipeline.await(RUN_TIMEOUT);
    cluster.close();
    // The cluster's model evaluated again, undisturbed, to compare with its disturbed evaluation.
    recall = EvaluateJob.run(killed, config(data), DateRange.ALL);
  }

  private static JobConfig config(Path dataDir) {
    Map<String, String> settings = new LinkedHashMap<>(LocalCluster.SMALL);
    settings.put("data-dir", dataDir.toString());
    return JobConfig.from(ConfigLoader.load(null, settings));
  }

  /**
   * Waits for {@code line}, then for the next Spark job (the driver flushes the event log at every
   * job start, so its tasks are starting or running), and kills the first of the two executors; in
   * training, the first found running a fit task.
   */
  private static Kill killDuring(String stage, Pattern line) throws Exception {
    Optional<String> seen = pipeline.awaitLine(line, RUN_TIMEOUT);
    assertThat(seen).as("the line that starts %s, before the run ended", stage).isPresent();
    long seenAt = System.currentTimeMillis();
    // The replacement for an earlier kill may still be starting; found before the job starts, so
    // that the kill follows the job's start closely.
    Map<String, ProcessHandle> executors = cluster.executors();
    while (executors.size() < 2 && System.currentTimeMillis() < seenAt + 60_000) {
      Thread.sleep(100);
      executors = cluster.executors();
    }
    assertThat(executors).as("the application's executor JVMs in %s", stage).hasSize(2);
    String job = stage.equals("train") ? EventLog.FIT_STAGE : "";
    while (!EventLog.jobStartedSince(pipeline.events(), seenAt, job)
        && pipeline.process().isAlive()
        && System.currentTimeMillis() < seenAt + 60_000) {
      Thread.sleep(20);
    }
    String victim =
        stage.equals("train")
            ? runningATask(executors, seenAt + 60_000)
            : executors.keySet().stream().sorted().findFirst().orElseThrow();
    long at = System.currentTimeMillis();
    assertThat(executors.get(victim).destroyForcibly()).isTrue();
    System.out.printf(
        "ExecutorKillIT: killed executor %s in %s, %d ms after \"%s\"%n",
        victim, stage, at - seenAt, seen.get());
    return new Kill(stage, victim, seen.get(), at);
  }

  /**
   * The first of {@code executors} found running a task, from their own logs (each executor's
   * stderr in its work folder: "Running task 0.0 in stage 345.0 (TID 3001)", then "Finished task
   * 0.0 in stage 345.0 (TID 3001)"). Called once the averaging round's job has started, when no
   * other job runs: the task is a fit task, and killing its executor now catches it inside the
   * round. A round's fit tasks can be shorter than the time from the job's start to a kill, and
   * between two rounds no task runs while the driver averages.
   */
  private static String runningATask(Map<String, ProcessHandle> executors, long deadline)
      throws Exception {
    Pattern started = Pattern.compile("Running task \\S+ in stage \\S+ (\\(TID \\d+\\))");
    while (System.currentTimeMillis() < deadline) {
      for (Map.Entry<String, ProcessHandle> executor : executors.entrySet()) {
        Path stderr = LocalCluster.workingDirectory(executor.getValue()).resolve("stderr");
        String log = new String(Files.readAllBytes(stderr), UTF_8);
        String lastTask = null;
        for (Matcher task = started.matcher(log); task.find(); ) {
          lastTask = task.group(1);
        }
        // Running until a line "Finished task ..." (or "Exception in task ...") names it again.
        if (lastTask != null && log.indexOf(lastTask) == log.lastIndexOf(lastTask)) {
          return executor.getKey();
        }
      }
      Thread.sleep(5);
    }
    throw new AssertionError("No executor ran a task of the averaging round within a minute");
  }

  @AfterAll
  static void stopTheCluster() {
    // A set-up that failed before the run ended leaves its driver waiting for executors.
    if (pipeline != null) {
      pipeline.stop();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theMasterReplacedEveryKilledExecutorAndTheReplacementsWorked() throws Exception {
    EventLog log = pipeline.eventLog();
    System.out.println("ExecutorKillIT: executors removed " + log.removed());
    System.out.println("ExecutorKillIT: tasks that did not succeed " + log.failedTasks());
    System.out.println("ExecutorKillIT: executors added " + log.added());
    assertThat(log.removed()).hasSize(kills.size());
    for (int i = 0; i < kills.size(); i++) {
      Kill kill = kills.get(i);
      EventLog.Executor removed = log.removed().get(i);
      assertThat(removed.id())
          .as("executor removed in %s", kill.stage())
          .isEqualTo(kill.executor());
      // 137 = 128 + SIGKILL: the Worker saw its executor killed, not a Spark failure.
      assertThat(removed.reason()).contains("exited with code 137");
      long next = i + 1 < kills.size() ? kills.get(i + 1).at() : Long.MAX_VALUE;
      assertThat(log.added())
          .as("a replacement started after the kill in %s", kill.stage())
          .anyMatch(e -> e.at() >= kill.at() && e.at() < next);
    }
    // Each replacement ran tasks: the last two executors added did all the fit tasks launched
    // after the training kill but the surviving one's.
    Kill train = kills.get(2);
    assertThat(log.fitTasksByExecutor(train.at()))
        .as("fit tasks launched after the kill in training that succeeded, per executor")
        .doesNotContainKey(train.executor())
        .isNotEmpty();
    // The training kill caught an executor inside an averaging round (the rounds' fit tasks are
    // long, see the submission), and Spark ran that task again.
    assertThat(log.failedTasks())
        .anySatisfy(
            t -> {
              assertThat(t.executorId()).isEqualTo(train.executor());
              assertThat(t.reason()).isEqualTo("ExecutorLostFailure");
            });
    // What failed, failed for the lost JVM (ExecutorLostFailure, or FetchFailed for shuffle
    // output it held), never as an error inside a task.
    assertThat(log.failedTasks()).noneMatch(t -> t.reason().equals("ExceptionFailure"));
  }

  @Test
  void ingestFeaturesAndSamplingWroteWhatAnUndisturbedRunWrites() {
    Map<String, Long> rows = new TreeMap<>();
    for (Table table : BEFORE_TRAINING) {
      Dataset<Row> expected = comparable(undisturbed.read(table));
      Dataset<Row> actual = comparable(killed.read(table));
      rows.put(table.name(), actual.count());
      assertThat(actual.exceptAll(expected).count())
          .as("rows only in the killed run's %s", table)
          .isZero();
      assertThat(expected.exceptAll(actual).count())
          .as("rows only in the undisturbed run's %s", table)
          .isZero();
    }
    System.out.println("ExecutorKillIT: identical tables, rows " + rows);
    assertThat(rows.get(Table.TRAINING_EXAMPLES.name())).isGreaterThan(1000);
  }

  /**
   * A table without the time it was written at, which no two runs share, and with each map column
   * as its sorted entries (set operations such as except take no maps).
   */
  private static Dataset<Row> comparable(Dataset<Row> table) {
    List<String> times = List.of(Columns.QUARANTINED_AT, Columns.RECORDED_AT, Columns.EVALUATED_AT);
    Dataset<Row> comparable =
        table.drop(Arrays.stream(table.columns()).filter(times::contains).toArray(String[]::new));
    for (StructField field : comparable.schema().fields()) {
      if (field.dataType() instanceof MapType) {
        comparable =
            comparable.withColumn(field.name(), array_sort(map_entries(col(field.name()))));
      }
    }
    return comparable;
  }

  @Test
  void everySplitTrainedTheModelBeatsPopularityAndItsEvaluationIsAnUndisturbedOnes() {
    List<Split> splits;
    try {
      splits = pipeline.splits();
      assertThat(pipeline.output()).anyMatch(l -> l.contains("== pipeline done"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    assertThat(splits).hasSize(8);
    assertThat(splits).allSatisfy(s -> assertThat(s.loss()).isFinite());
    System.out.println("ExecutorKillIT: " + recall.methods());
    // Measured without a kill on the same data: two-tower 0.150 / 0.443 / 0.573 at K = 10, 50,
    // 100, popularity 0.120 / 0.357 / 0.543; the killed run reached the same numbers. A run that
    // lost a worker's rounds, or kept the killed worker's stale parameters, would fall to
    // popularity or below.
    for (int k : List.of(10, 50, 100)) {
      assertThat(recall.recall(EvaluateJob.TWO_TOWER, k))
          .as("Recall@%d, two-tower vs popularity", k)
          .isGreaterThan(recall.recall(EvaluateJob.POPULARITY, k));
    }
    // The evaluation the cluster wrote while an executor died, and this undisturbed one of the
    // same model: the same rows (method, split, K, Recall@K, queries) for every method.
    Dataset<Row> evaluations = killed.read(Table.EVALUATIONS);
    assertThat(evaluations.select(Columns.MODEL_ID).distinct().collectAsList())
        .singleElement()
        .satisfies(row -> assertThat(row.getString(0)).isEqualTo(recall.modelId()));
    List<String> ids =
        evaluations
            .groupBy(Columns.EVALUATION_ID)
            .agg(min(Columns.EVALUATED_AT).as("at"))
            .orderBy("at")
            .collectAsList()
            .stream()
            .map(row -> row.getString(0))
            .toList();
    assertThat(ids).as("evaluations: the cluster's, then this test's").hasSize(2);
    Dataset<Row> onCluster =
        comparable(evaluations.where(col(Columns.EVALUATION_ID).equalTo(ids.get(0))))
            .drop(Columns.EVALUATION_ID);
    Dataset<Row> here =
        comparable(evaluations.where(col(Columns.EVALUATION_ID).equalTo(ids.get(1))))
            .drop(Columns.EVALUATION_ID);
    assertThat(onCluster.count()).isGreaterThan(3);
    assertThat(onCluster.exceptAll(here).count())
        .as("evaluation rows only on the cluster")
        .isZero();
    assertThat(here.exceptAll(onCluster).count()).as("evaluation rows only here").isZero();
  }
}
