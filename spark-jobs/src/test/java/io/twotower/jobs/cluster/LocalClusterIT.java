package io.twotower.jobs.cluster;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.cluster.LocalCluster.Split;
import io.twotower.jobs.cluster.LocalCluster.Submission;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.config.Redaction;
import io.twotower.jobs.evaluate.EvaluateJob;
import io.twotower.jobs.evaluate.RecallReport;
import io.twotower.jobs.tables.DeltaStore;
import io.twotower.jobs.tables.Table;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pipeline submitted with spark-submit and the shaded jar, with the README's command line, to a
 * standalone cluster of two single-core workers started by {@code bin/local-cluster}; then the same
 * line with {@code local[2]} trains and evaluates a reference model on the same tables.
 *
 * <p>The cluster runs with Spark authentication. While the pipeline runs, two more drivers try the
 * same cluster, one with another secret and one without authentication, and are refused. The
 * pipeline's run carries planted secrets (in its config file, and in its environment: the cluster's
 * secret, a config key, an AWS key), which no output of any of the runs may contain.
 */
class LocalClusterIT {

  static final Path WORK = Path.of("target/cluster-it/LocalClusterIT").toAbsolutePath();
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(15);

  /** After the pipeline, which outlasts them; measured: refused 70 to 90 s after the start. */
  static final Duration REFUSED_TIMEOUT = Duration.ofMinutes(5);

  /** Where the refused drivers would have written: nothing may be there afterwards. */
  static final Path REFUSED_DATA = WORK.resolve("refused-data");

  /**
   * Planted secrets, each a random token, by where the pipeline's run gets them: an S3 secret key
   * in its config file (as spark.conf "spark.hadoop.fs.s3a.secret.key"), an S3 access key set
   * through the environment (CONFIG_FORCE_..., the config's environment overrides), an AWS secret
   * in the environment that nothing reads, and the cluster's own secret ({@code
   * SPARK_AUTH_SECRET}).
   */
  static final Map<String, String> PLANTED = new LinkedHashMap<>();

  static final String ENV_CONFIG_KEY =
      "CONFIG_FORCE_two__tower_spark_conf_spark_hadoop_fs_s3a_access_key";

  @SparkTestSession static SparkSession spark;
  static LocalCluster cluster;
  static Submission onCluster;
  static Submission wrongSecret;
  static Submission withoutAuthentication;
  static Path plantedConfig;
  static Submission localTrain;
  static Path data;
  static RecallReport localRecall;

  @BeforeAll
  static void runOnTheClusterThenLocally() throws Exception {
    // A cluster left running by an aborted earlier run keeps its pid files here: stop it first.
    LocalCluster.stopLeftovers(WORK.resolve("local-cluster"));
    Utils.deleteRecursively(WORK.toFile());
    data = Files.createDirectories(WORK.resolve("data"));
    cluster = LocalCluster.start(WORK.resolve("local-cluster"));
    PLANTED.put("config file: spark.hadoop.fs.s3a.secret.key", LocalCluster.newSecret());
    PLANTED.put("environment: " + ENV_CONFIG_KEY, LocalCluster.newSecret());
    PLANTED.put("environment: AWS_SECRET_ACCESS_KEY", LocalCluster.newSecret());
    PLANTED.put("environment: " + LocalCluster.SECRET_VARIABLE, cluster.secret());
    plantedConfig = WORK.resolve("planted-secrets.conf");
    Files.writeString(
        plantedConfig,
        "include file("
            + ConfigUtil.quoteString(LocalCluster.ROOT.resolve("conf/local.conf").toString())
            + ")\ntwo-tower.spark.conf { \"spark.hadoop.fs.s3a.secret.key\" = \""
            + PLANTED.get("config file: spark.hadoop.fs.s3a.secret.key")
            + "\" }\n");

    // The refused drivers wait for the Master while the pipeline runs (about 70 s: three attempts
    // 20 s apart), so they cost little time.
    wrongSecret =
        LocalCluster.submit(
            cluster.masterUrl(),
            WORK.resolve("wrong-secret"),
            LocalCluster.smallRun("ingest", REFUSED_DATA),
            Map.of(LocalCluster.SECRET_VARIABLE, LocalCluster.newSecret()));
    String authenticated =
        "--conf spark.authenticate=true --conf spark.network.crypto.enabled=true";
    String definition = LocalCluster.readmeSubmitDefinition();
    assertThat(definition).contains(authenticated);
    withoutAuthentication =
        LocalCluster.submit(
            definition.replace(authenticated, ""),
            cluster.masterUrl(),
            WORK.resolve("without-authentication"),
            LocalCluster.smallRun("ingest", REFUSED_DATA),
            Map.of());

    List<String> pipeline = new ArrayList<>(LocalCluster.smallRun("pipeline", data));
    pipeline.set(pipeline.indexOf("conf/local.conf"), plantedConfig.toString());
    onCluster =
        LocalCluster.submit(
                cluster.masterUrl(),
                WORK.resolve("cluster-pipeline"),
                pipeline,
                Map.of(
                    LocalCluster.SECRET_VARIABLE,
                    cluster.secret(),
                    ENV_CONFIG_KEY,
                    PLANTED.get("environment: " + ENV_CONFIG_KEY),
                    "AWS_SECRET_ACCESS_KEY",
                    PLANTED.get("environment: AWS_SECRET_ACCESS_KEY")))
            .await(RUN_TIMEOUT);
    wrongSecret.process().waitFor(REFUSED_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    withoutAuthentication.process().waitFor(REFUSED_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    // The reference needs no cluster: free its memory for the local[2] driver.
    cluster.close();
    localTrain =
        LocalCluster.submit(
                "local[2]",
                WORK.resolve("local-train"),
                LocalCluster.smallRun("train", data),
                Map.of())
            .await(RUN_TIMEOUT);
    // Evaluated here, by the same job the cluster's pipeline ran: a third spark-submit would add
    // a JVM and a Spark start for nothing.
    Map<String, String> settings = new LinkedHashMap<>(LocalCluster.SMALL);
    settings.put("data-dir", data.toString());
    JobConfig config = JobConfig.from(ConfigLoader.load(null, settings));
    localRecall = EvaluateJob.run(new DeltaStore(spark, config.dataDir()), config, DateRange.ALL);
  }

  @AfterAll
  static void stopTheCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void readmeStartsTheClusterWithTheScriptAndRunsThePipelineWithSubmit() throws Exception {
    String section = LocalCluster.readmeClusterSection();
    assertThat(section)
        .contains("export SPARK_AUTH_SECRET=")
        .contains("MASTER=$(spark-jobs/bin/local-cluster start)")
        .contains("$SUBMIT pipeline --config conf/local.conf --data-dir")
        .contains("spark-jobs/bin/local-cluster stop");
    assertThat(LocalCluster.readmeSubmitDefinition())
        .contains("--master $MASTER")
        .contains("--conf spark.authenticate=true")
        .doesNotContain("spark.authenticate.secret")
        .contains("spark-jobs/target/two-tower-jobs.jar");
  }

  @Test
  void trainingRanOnBothExecutors() throws Exception {
    // Each averaging round is one stage of DL4J's ParameterAveragingTrainingMaster with one task
    // per worker; on this cluster an executor is a JVM of its own, so a round whose two tasks ran
    // on two executors averaged parameters across JVMs.
    EventLog log = onCluster.eventLog();
    Map<Integer, Set<String>> rounds = log.executorsByRound();
    long acrossJvms = rounds.values().stream().filter(executors -> executors.size() == 2).count();
    System.out.printf(
        "LocalClusterIT: %d averaging rounds, %d of them on two executors; fit tasks per executor"
            + " %s%n",
        rounds.size(), acrossJvms, log.fitTasksByExecutor(0));
    assertThat(log.fitTasksByExecutor(0)).doesNotContainKey("driver").hasSize(2);
    // 16 splits of about 3,600 examples, each fitted in one round of 2 workers x up to 20 (the
    // default averaging frequency) batches of 128.
    assertThat(rounds).hasSizeGreaterThanOrEqualTo(16);
    // Measured at averaging frequency 5: all 39 rounds on both. Spark may still place a round's two
    // short tasks on one executor (locality wait), so most rounds, not all, must have crossed JVMs.
    assertThat(acrossJvms).isGreaterThan(rounds.size() / 2);
  }

  @Test
  void clusterModelMatchesTheLocalModelWithinTolerance() throws Exception {
    List<Split> cluster = onCluster.splits();
    List<Split> local = localTrain.splits();
    System.out.printf(
        "LocalClusterIT: train examples/s (epochs 2..8) cluster %.0f, local[2] %.0f;"
            + " final loss cluster %.4f, local[2] %.4f%n",
        Split.throughput(cluster, 2),
        Split.throughput(local, 2),
        cluster.get(cluster.size() - 1).loss(),
        local.get(local.size() - 1).loss());
    assertThat(cluster).hasSize(8 * 2);
    assertThat(local).hasSize(8 * 2);

    // The cluster pipeline's evaluation (the first), and the local[2] model's, made here.
    List<Row> rows =
        new DeltaStore(spark, data)
            .read(Table.EVALUATIONS)
            .where(col("method").equalTo(EvaluateJob.TWO_TOWER))
            .orderBy("evaluated_at", "k")
            .select("model_id", "k", "recall", "queries")
            .collectAsList();
    String clusterModel = rows.get(0).getString(0);
    Map<Integer, Double> onClusterRecall = new TreeMap<>();
    for (Row row : rows) {
      if (row.getString(0).equals(clusterModel)) {
        onClusterRecall.put(row.getInt(1), row.getDouble(2));
      }
    }
    long queries = rows.get(0).getLong(3);
    assertThat(localRecall.modelId()).isNotEqualTo(clusterModel);
    assertThat(localRecall.queries()).isEqualTo(queries);
    System.out.println(
        "LocalClusterIT: Recall@K cluster "
            + onClusterRecall
            + ", local[2] "
            + localRecall.methods().get(EvaluateJob.TWO_TOWER).recall());
    assertThat(onClusterRecall.keySet()).containsExactlyElementsOf(localRecall.ks());

    // Tolerance. The runs fit the same examples, cut into the same two partitions, from the same
    // seed; the one difference is where the two workers' results are summed, and a sum of two
    // terms is the same in either order, so the models should agree to the last bit (measured:
    // the same loss on all 16 splits and the same Recall@K at every K). A model that differs only
    // by rounding still ranks most held-out events the same; the difference between two such
    // estimates on the same n events then has a standard deviation of at most sqrt(p(1-p)/n), the
    // binomial standard error of one of them (paired: the variance 2p(1-p)(1-rho)/n is at most that
    // for a correlation rho >= 0.5 between the two models' hits). Three of those (0.084 at
    // R@50 = 0.39 over n = 300) is what rounding may do; a model trained on one worker's half of
    // the data, or not averaged, misses by more (untrained, R@50 is about 50/400 = 0.125).
    for (int k : localRecall.ks()) {
      double p = localRecall.recall(EvaluateJob.TWO_TOWER, k);
      double tolerance = 3 * Math.sqrt(p * (1 - p) / queries);
      assertThat(onClusterRecall.get(k))
          .as("Recall@%d on the cluster vs local[2] (tolerance %.3f)", k, tolerance)
          .isCloseTo(p, offset(tolerance + 1e-9));
    }
  }

  @Test
  void theClusterRefusesADriverWithAnotherSecretOrWithoutAuthentication() throws Exception {
    for (Submission refused : List.of(wrongSecret, withoutAuthentication)) {
      assertThat(refused.process().isAlive()).as("refused driver still running").isFalse();
      String stderr = Files.readString(refused.stderr());
      assertThat(refused.process().exitValue()).as(stderr).isNotZero();
      // Spark's standalone client: each attempt to register is refused during the handshake, and
      // after three it gives up; no executor is ever granted.
      assertThat(stderr)
          .contains("Failed to connect to master " + cluster.masterUrl().substring(8))
          .contains("All masters are unresponsive! Giving up.")
          .doesNotContain("Granted executor ID")
          // and the CLI's one line says what that means, rather than "unexpected error".
          .contains("ingest: Spark stopped the session on " + cluster.masterUrl())
          .doesNotContain("unexpected error");
    }
    // How the Master turns them away is Spark's detail and varies from run to run (without
    // authentication: "Unknown challenge message" or "Expected SaslMessage"; with another secret
    // the Master closes the channel, or the SASL fallback is refused): not asserted.
    try (var written = Files.walk(REFUSED_DATA)) {
      assertThat(written.filter(Files::isRegularFile).toList())
          .as("files the refused drivers wrote")
          .isEmpty();
    } catch (NoSuchFileException nothingWritten) {
      // the drivers never created the folder
    }
  }

  @Test
  void noPlantedSecretInAnyOutputOfAnyRun() throws Exception {
    // The planted values reached the run (so that their absence below means something): the
    // model's config names both S3 keys, and Spark's event log the one from the config file, each
    // with its value redacted. The cluster's model is the first (ids sort by time); the second,
    // local[2] run had none of them.
    List<Path> models;
    try (var dirs = Files.list(data.resolve("models"))) {
      models = dirs.filter(d -> Files.isRegularFile(d.resolve("metadata.json"))).sorted().toList();
    }
    assertThat(models).hasSize(2);
    Config sparkConf =
        ConfigFactory.parseFile(models.get(0).resolve("metadata.json").toFile())
            .getConfig("config.spark.conf");
    assertThat(sparkConf.getString("\"spark.hadoop.fs.s3a.secret.key\""))
        .isEqualTo(Redaction.REDACTED);
    assertThat(sparkConf.getString("spark.hadoop.fs.s3a.access.key")).isEqualTo(Redaction.REDACTED);
    JsonNode properties = null;
    for (String line : Files.readAllLines(onCluster.eventLogFile())) {
      if (line.contains("\"SparkListenerEnvironmentUpdate\"")) {
        properties = new ObjectMapper().readTree(line).path("Spark Properties");
      }
    }
    assertThat(properties).as("the event log's Spark properties").isNotNull();
    assertThat(properties.path("spark.hadoop.fs.s3a.secret.key").asText())
        .isEqualTo(Redaction.REDACTED);
    assertThat(properties.path("spark.authenticate").asText()).isEqualTo("true");

    // Every file of every run: logs, event logs, the daemons' and executors' logs, the Delta
    // tables' data files and _delta_log commits (with Delta's commitInfo), models, reports.
    List<String> found = new ArrayList<>();
    List<Path> files;
    try (var walk = Files.walk(WORK)) {
      files = walk.filter(Files::isRegularFile).filter(f -> !f.equals(plantedConfig)).toList();
    }
    for (Path file : files) {
      String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
      PLANTED.forEach(
          (where, token) -> {
            if (bytes.contains(token)) {
              found.add(where + " in " + WORK.relativize(file));
            }
          });
    }
    // And every row of every Delta table, read as JSON (Parquet may compress a value out of
    // sight of the byte search).
    List<Path> tables;
    try (var walk = Files.walk(data)) {
      tables =
          walk.filter(d -> d.getFileName().toString().equals("_delta_log"))
              .map(Path::getParent)
              .toList();
    }
    assertThat(tables).hasSizeGreaterThan(5);
    for (Path table : tables) {
      Dataset<String> rows = spark.read().format("delta").load(table.toString()).toJSON();
      PLANTED.forEach(
          (where, token) -> {
            if (!rows.filter((FilterFunction<String>) row -> row.contains(token)).isEmpty()) {
              found.add(where + " in the rows of " + WORK.relativize(table));
            }
          });
    }
    System.out.printf(
        "LocalClusterIT: %d planted secrets searched in %d files and %d Delta tables%n",
        PLANTED.size(), files.size(), tables.size());
    assertThat(found).as("planted secrets found").isEmpty();
  }
}
