package io.twotower.jobs.schedule;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.twotower.jobs.SharedData;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.Utils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operations path end to end, on a small synthetic log of 15 days, with a real Spark 3.5.7
 * distribution (the pyspark wheel's spark-submit) and a real Airflow 3:
 *
 * <ol>
 *   <li>the README's spark-submit sequence, each {@code $SUBMIT} line as written (sizes through
 *       CONFIG_FORCE_ variables, which the config loader reads): generate, the backfill up to
 *       2026-01-13, then the day 2026-01-14;
 *   <li>the DAG {@code conf/airflow/two_tower_daily.py} imported with DagBag;
 *   <li>{@code airflow dags test} for 2026-01-15 on the same data folder, with a SQLite metadata
 *       database, the connection and variables set with Airflow's CLI.
 * </ol>
 *
 * <p>One class, so the DAG's days continue the README's model: one sequence of 16 spark-submits.
 */
class ScheduleIT {

  static final Path ROOT = SharedData.repositoryRoot();
  static final Path WORK = Path.of("target/schedule-it").toAbsolutePath();
  static final Path DATA = WORK.resolve("data");
  static final String DAG_ID = "two_tower_daily";
  static final List<String> AIRFLOW_DAYS = List.of("2026-01-15");
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

  /** Sizes of the log and the model (scalars only: CONFIG_FORCE_ variables cannot hold lists). */
  static final Map<String, String> SMALL =
      Map.ofEntries(
          Map.entry("synthetic.users", "200"),
          Map.entry("synthetic.items", "300"),
          Map.entry("synthetic.channels", "30"),
          Map.entry("synthetic.events-per-user", "30"),
          Map.entry("synthetic.days", "15"),
          Map.entry("features.history-length", "10"),
          Map.entry("train.batch-size", "64"),
          Map.entry("train.epochs", "1"),
          Map.entry("train.splits-per-epoch", "1"),
          Map.entry("train.item-embedding-dim", "8"),
          Map.entry("train.field-embedding-dim", "4"),
          Map.entry("train.output-dim", "8"));

  /**
   * Settings for the driver as system properties (SPARK_SUBMIT_OPTS), so that the command lines
   * stay the README's and the DAG's: Delta replays a table's log with 50 tasks by default, far too
   * many for the tests' tiny logs (as in SparkTestSessionExtension). And the JIT stays at C1
   * (TieredStopAtLevel=1): each of the 16 drivers lives a minute or two on a few thousand rows, too
   * short for C2's compilations to pay back, which took half of their CPU time. Measured by hand,
   * spark-submit with this class's sizes, user+sys seconds without and with it: generate 32 / 17,
   * ingest 84 / 43, features 110 / 55, sampling 76 / 41, train 84 / 44 (the last two with Spark's
   * whole-stage code generation off as well, which changed nothing further: ingest 43 with it and
   * without, features 55 with it, 59 without).
   */
  static final String SUBMIT_OPTS =
      "-Dspark.databricks.delta.snapshotPartitions=2 -XX:TieredStopAtLevel=1";

  /** Spark's own log4j2 layout ({@code yy/MM/dd HH:mm:ss LEVEL}): what ours replaces. */
  static final Pattern SPARK_DEFAULT_LOG_LINE =
      Pattern.compile("^\\d{2}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} (INFO|WARN) ");

  @SparkTestSession static SparkSession spark;
  static final List<Run> readmeRuns = new ArrayList<>();
  static String dagJson;
  static Duration airflowDays;
  static String dagRuns;

  /** One process run: its command (or name), exit code, output and wall time. */
  record Run(String command, int exit, List<String> stdout, List<String> stderr, Duration took) {}

  @BeforeAll
  static void runTheReadmeSequenceThenTheDag() throws Exception {
    Utils.deleteRecursively(WORK.toFile());
    Files.createDirectories(DATA);
    Path sparkHome = SparkDistribution.home();
    Path airflowBin = AirflowVenv.bin();

    // 1. The README's sequence.
    String block = readmeSubmitBlock();
    int definition = block.indexOf("\nSUBMIT=\"");
    int definitionEnd = block.indexOf("\"\n", block.indexOf('"', definition) + 1);
    String preamble = block.substring(0, definitionEnd + 1);
    List<String> commands =
        block.substring(definitionEnd + 2).lines().filter(l -> l.startsWith("$SUBMIT ")).toList();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", sparkHome.resolve("bin") + ":" + System.getenv("PATH"));
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_SUBMIT_OPTS", SUBMIT_OPTS);
    env.put("CONFIG_FORCE_two__tower_data__dir", DATA.toString());
    SMALL.forEach((key, value) -> env.put(configForce(key), value));
    for (int i = 0; i < commands.size(); i++) {
      Path dir = Files.createDirectories(WORK.resolve("readme/" + i));
      String script = "set -euo pipefail\n" + preamble + "\n" + commands.get(i) + "\n";
      readmeRuns.add(checked(commands.get(i), List.of("bash", "-c", script), env, dir));
    }

    // 2. and 3. Airflow, with its home, SQLite database and logs under target/.
    Path home = Files.createDirectories(WORK.resolve("airflow"));
    Map<String, String> airflow = new LinkedHashMap<>();
    airflow.put("PATH", sparkHome.resolve("bin") + ":" + airflowBin + ":" + System.getenv("PATH"));
    airflow.put("SPARK_LOCAL_IP", "127.0.0.1");
    airflow.put("SPARK_SUBMIT_OPTS", SUBMIT_OPTS);
    airflow.put("AIRFLOW_HOME", home.toString());
    airflow.put("AIRFLOW__CORE__DAGS_FOLDER", ROOT.resolve("conf/airflow").toString());
    airflow.put("AIRFLOW__CORE__LOAD_EXAMPLES", "False");
    airflow.put("TWO_TOWER_START_DATE", AIRFLOW_DAYS.get(0));
    // DagBag reads the metadata database too: create it first.
    String airflowCli = airflowBin.resolve("airflow").toString();
    checked("db-migrate", List.of(airflowCli, "db", "migrate"), airflow, home.resolve("migrate"));
    Path check = ROOT.resolve("spark-jobs/src/test/resources/airflow/check_dag.py");
    Run imported =
        checked(
            "check_dag",
            List.of(
                airflowBin.resolve("python").toString(),
                check.toString(),
                ROOT.resolve("conf/airflow").toString(),
                DAG_ID),
            airflow,
            home.resolve("check"));
    dagJson = imported.stdout().get(imported.stdout().size() - 1);

    // The variables' names are the DAG's; the small sizes come through the config file.
    Path config = WORK.resolve("small.conf");
    Files.writeString(
        config,
        "include file(\""
            + ROOT.resolve("conf/generated.conf")
            + "\")\n"
            + SMALL.entrySet().stream()
                .map(e -> "two-tower." + e.getKey() + " = " + e.getValue())
                .collect(Collectors.joining("\n"))
            + "\n",
        UTF_8);
    Path variables = WORK.resolve("variables.json");
    Files.writeString(
        variables,
        "{\"two_tower_jar\": \""
            + ROOT.resolve("spark-jobs/target/two-tower-jobs.jar")
            + "\", \"two_tower_config\": \""
            + config
            + "\", \"two_tower_data_dir\": \""
            + DATA
            + "\", \"two_tower_properties_file\": \""
            + ROOT.resolve("conf/spark-defaults.conf")
            + "\", \"two_tower_log4j2\": \""
            + ROOT.resolve("conf/log4j2.properties")
            + "\", \"two_tower_packages\": \"io.delta:delta-spark_2.12:3.3.2\"}\n",
        UTF_8);
    checked(
        "variables",
        List.of(airflowCli, "variables", "import", variables.toString()),
        airflow,
        home.resolve("variables"));
    checked(
        "connection",
        List.of(
            airflowCli,
            "connections",
            "add",
            "two_tower_spark",
            "--conn-json",
            "{\"conn_type\": \"spark\", \"host\": \"local[2]\","
                + " \"extra\": {\"deploy-mode\": \"client\"}}"),
        airflow,
        home.resolve("connection"));
    long start = System.nanoTime();
    for (String day : AIRFLOW_DAYS) {
      checked(
          "dags test " + day,
          List.of(airflowCli, "dags", "test", DAG_ID, day),
          airflow,
          home.resolve("test-" + day));
    }
    airflowDays = Duration.ofNanos(System.nanoTime() - start);
    Run runs =
        checked(
            "list-runs",
            List.of(airflowCli, "dags", "list-runs", DAG_ID, "-o", "json"),
            airflow,
            home.resolve("list-runs"));
    dagRuns = String.join("\n", runs.stdout());
    System.out.printf(
        "ScheduleIT: README sequence %s; airflow dags test for %s took %d s%n",
        readmeRuns.stream()
            .map(r -> r.command().split(" ")[1] + " " + r.took().toSeconds() + " s")
            .toList(),
        AIRFLOW_DAYS,
        airflowDays.toSeconds());
  }

  @Test
  void readmeSequenceGeneratesBackfillsThenRunsOneDay() {
    assertThat(readmeRuns.stream().map(r -> r.command().split("\\s+")[1]).toList())
        .containsExactly(
            "generate",
            "ingest",
            "features",
            "sampling",
            "ingest",
            "features",
            "sampling",
            "train",
            "evaluate",
            "export");
    // ingest read what generate wrote (the generic source), not a log of its own.
    assertThat(String.join("\n", readmeRuns.get(1).stderr()))
        .contains("ingest generic (.. to 2026-01-13)");
  }

  @Test
  void stderrIsShortAndFreeOfSparksInfoLogging() {
    for (Run run : readmeRuns) {
      // Measured: 29 (generate) to about 40 lines, 22 of them Ivy resolving --packages; without
      // the log4j2 file, 600 to 4,000 lines of Spark INFO logging.
      assertThat(run.stderr()).as(run.command()).hasSizeLessThan(80);
      assertThat(run.stderr())
          .as(run.command())
          .noneMatch(line -> SPARK_DEFAULT_LOG_LINE.matcher(line).find());
    }
  }

  @Test
  void dagImportsWithTheStagesInOrder() {
    Config dag = ConfigFactory.parseString(dagJson);
    assertThat(dag.getObject("import_errors")).isEmpty();
    assertThat(dag.getStringList("dag_ids")).contains(DAG_ID);
    assertThat(dag.getBoolean("catchup")).isTrue();
    assertThat(dag.getInt("max_active_runs")).isEqualTo(1);
    Config tasks = dag.getConfig("tasks");
    List<String> stages = List.of("ingest", "features", "sampling", "train", "evaluate", "export");
    assertThat(tasks.root().keySet()).containsExactlyInAnyOrderElementsOf(stages);
    for (int i = 0; i < stages.size(); i++) {
      Config task = tasks.getConfig(stages.get(i));
      assertThat(task.getString("operator")).isEqualTo("SparkSubmitOperator");
      assertThat(task.getString("conn_id")).isEqualTo("two_tower_spark");
      assertThat(task.getBoolean("retry_exponential_backoff")).isTrue();
      assertThat(task.getInt("retries")).isPositive();
      assertThat(task.getBoolean("depends_on_past")).isEqualTo(stages.get(i).equals("train"));
      assertThat(task.getString("application")).contains("var.value.get('two_tower_jar'");
      assertThat(task.getStringList("application_args"))
          .startsWith(stages.get(i))
          .contains("{{ ds }}");
      assertThat(task.getStringList("downstream"))
          .isEqualTo(i + 1 < stages.size() ? List.of(stages.get(i + 1)) : List.of());
    }
  }

  @Test
  void airflowRanItsDayAndEachModelContinuedFromTheDayBefore() throws IOException {
    Config runs = ConfigFactory.parseString("runs = " + dagRuns);
    assertThat(runs.getConfigList("runs"))
        .hasSize(AIRFLOW_DAYS.size())
        .allSatisfy(r -> assertThat(r.getString("state")).isEqualTo("success"));

    DeltaStore store = new DeltaStore(spark, DATA);
    List<String> days = List.of("2026-01-14", "2026-01-15");
    assertThat(partitions(store, Table.EVENTS)).hasSize(15).containsAll(days);
    assertThat(partitions(store, Table.TRAINING_EXAMPLES)).containsAll(days);

    Map<String, Config> byDay = modelsByTrainedThrough();
    // README: a bootstrap through 01-13 (from scratch), then 01-14 from it; Airflow: 01-15 from
    // that.
    assertThat(byDay.keySet()).containsExactly("2026-01-13", "2026-01-14", "2026-01-15");
    assertThat(byDay.get("2026-01-13").getIsNull("parent_model_id")).isTrue();
    for (String day : days) {
      String before = java.time.LocalDate.parse(day).minusDays(1).toString();
      assertThat(byDay.get(day).getString("parent_model_id"))
          .as("parent of the model trained through %s", day)
          .isEqualTo(byDay.get(before).getString("model_id"));
      assertThat(byDay.get(day).getStringList("trained_days")).containsExactly(day);
    }
  }

  private static List<String> partitions(DeltaStore store, Table table) {
    return store.read(table).select("dt").distinct().collectAsList().stream()
        .map((Row r) -> r.get(0).toString())
        .sorted()
        .toList();
  }

  /** Every saved model's metadata.json, by the day it was trained through. */
  private static Map<String, Config> modelsByTrainedThrough() throws IOException {
    Map<String, Config> byDay = new TreeMap<>();
    try (Stream<Path> folders = Files.list(DATA.resolve("models"))) {
      for (Path folder : folders.toList()) {
        Path metadata = folder.resolve("metadata.json");
        if (Files.isRegularFile(metadata)) {
          Config model =
              ConfigFactory.parseString(Files.readString(metadata, UTF_8))
                  .withFallback(
                      ConfigFactory.parseMap(Map.of("model_id", folder.getFileName().toString())));
          assertThat(byDay.put(model.getString("trained_through"), model))
              .as("one model trained through %s", model.getString("trained_through"))
              .isNull();
        }
      }
    }
    return byDay;
  }

  /** The first code block of the README's "## spark-submit" section: the sequence users copy. */
  static String readmeSubmitBlock() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"), UTF_8);
    int start = readme.indexOf("\n## spark-submit\n");
    int end = readme.indexOf("\n## ", start + 1);
    Matcher block = Pattern.compile("(?s)```\n(.*?)```").matcher(readme.substring(start, end));
    if (start < 0 || !block.find()) {
      throw new IllegalStateException("README.md's ## spark-submit section has no code block");
    }
    return "\n" + block.group(1);
  }

  /**
   * {@code two-tower.a.b-c} as the variable the config loader reads:
   * CONFIG_FORCE_two__tower_a_b__c.
   */
  static String configForce(String key) {
    return "CONFIG_FORCE_" + ("two-tower." + key).replace("-", "__").replace('.', '_');
  }

  private static Run checked(String name, List<String> command, Map<String, String> env, Path dir)
      throws IOException, InterruptedException {
    Run run = run(name, command, env, Files.createDirectories(dir));
    if (run.exit() != 0) {
      throw new AssertionError(
          name
              + " exited with "
              + run.exit()
              + "\n--- stdout (tail) ---\n"
              + tail(run.stdout(), 40)
              + "\n--- stderr (tail) ---\n"
              + tail(run.stderr(), 60));
    }
    return run;
  }

  private static Run run(String name, List<String> command, Map<String, String> env, Path dir)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectOutput(dir.resolve("stdout.txt").toFile())
            .redirectError(dir.resolve("stderr.txt").toFile());
    builder.environment().putAll(env);
    long start = System.nanoTime();
    Process process = builder.start();
    if (!process.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError(name + " ran over " + RUN_TIMEOUT);
    }
    return new Run(
        name,
        process.exitValue(),
        Files.readAllLines(dir.resolve("stdout.txt"), UTF_8),
        Files.readAllLines(dir.resolve("stderr.txt"), UTF_8),
        Duration.ofNanos(System.nanoTime() - start));
  }

  private static String tail(List<String> lines, int n) {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }
}
