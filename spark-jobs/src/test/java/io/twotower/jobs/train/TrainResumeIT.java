package io.twotower.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.twotower.jobs.DateRange;
import io.twotower.jobs.SparkTestSession;
import io.twotower.jobs.config.ConfigLoader;
import io.twotower.jobs.config.JobConfig;
import io.twotower.jobs.features.FeaturesJob;
import io.twotower.jobs.ingest.IngestJob;
import io.twotower.jobs.model.ModelStore;
import io.twotower.jobs.sampling.SamplingJob;
import io.twotower.jobs.tables.DeltaStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A train run killed (SIGKILL, as an operator or a lost container would) after its first
 * checkpoint, then rerun with the same arguments: the rerun resumes after that checkpoint, says so,
 * finishes, saves the model and removes the run's checkpoints. Both runs are child JVMs running the
 * CLI; the tables they read are written here first.
 */
class TrainResumeIT {

  @SparkTestSession static SparkSession spark;

  @TempDir Path scratch;

  @Test
  void aKilledRunResumesFromItsLastCheckpoint() throws Exception {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("synthetic.users", "40");
    settings.put("synthetic.items", "120");
    settings.put("synthetic.channels", "12");
    settings.put("synthetic.events-per-user", "10");
    settings.put("synthetic.days", "3");
    settings.put("features.history-length", "10");
    // Small batches and many epochs: the first run is still training when it is killed.
    settings.put("train.batch-size", "32");
    settings.put("train.epochs", "16");
    settings.put("train.splits-per-epoch", "2");
    settings.put("train.checkpoint-every", "2");
    settings.put("train.item-embedding-dim", "8");
    settings.put("train.field-embedding-dim", "4");
    settings.put("train.query-hidden", "[16]");
    settings.put("train.item-hidden", "[16]");
    settings.put("train.output-dim", "8");
    Path dataDir = scratch.resolve("data");
    Map<String, String> withDataDir = new LinkedHashMap<>(settings);
    withDataDir.put("data-dir", dataDir.toString());
    JobConfig config = JobConfig.from(ConfigLoader.load(null, withDataDir));
    DeltaStore store = new DeltaStore(spark, config.dataDir());
    IngestJob.run(store, config, DateRange.ALL);
    FeaturesJob.run(store, config, DateRange.ALL);
    SamplingJob.run(store, config, DateRange.ALL);
    Path checkpoints = dataDir.resolve("models").resolve("checkpoints");

    Process killed = train(dataDir, settings, scratch.resolve("killed.log"));
    Path first = awaitCheckpoint(checkpoints, killed);
    killed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    String killedLog = Files.readString(scratch.resolve("killed.log"));
    assertThat(killedLog).as(killedLog).doesNotContain(" saved (");
    assertThat(dataDir.resolve("models").resolve("LATEST")).doesNotExist();

    Process rerun = train(dataDir, settings, scratch.resolve("rerun.log"));
    assertThat(rerun.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String log = Files.readString(scratch.resolve("rerun.log"));

    assertThat(rerun.exitValue()).as(log).isZero();
    // The checkpoint the rerun found is the last one the killed run completed (it may have
    // completed later ones than the first before the kill landed).
    assertThat(log)
        .as(log)
        .containsPattern(
            "resuming from checkpoint \\S*"
                + first.getParent().getFileName()
                + "/epoch-\\d+-split-");
    List<String> progress = log.lines().filter(line -> line.contains(" train: epoch ")).toList();
    // Resumed after at least the first checkpoint (after epoch 1): epoch 1 is not trained again.
    assertThat(progress).isNotEmpty().noneMatch(line -> line.contains("epoch 1/16 "));
    assertThat(progress.get(progress.size() - 1)).contains("epoch 16/16 split 2/2");
    ModelStore models = new ModelStore(store);
    String modelId = models.latestId();
    assertThat(log).contains("model " + modelId + " saved");
    assertThat(models.load(modelId).config().outputDim()).isEqualTo(8);
    try (Stream<Path> left = Files.list(checkpoints)) {
      assertThat(left).isEmpty();
    }
  }

  /** The first checkpoint of the run, once its LATEST pointer exists. */
  private static Path awaitCheckpoint(Path checkpoints, Process run)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      if (Files.isDirectory(checkpoints)) {
        try (Stream<Path> runs = Files.list(checkpoints)) {
          List<Path> latest =
              runs.map(r -> r.resolve("LATEST")).filter(Files::isRegularFile).toList();
          if (!latest.isEmpty()) {
            return latest.get(0);
          }
        }
      }
      assertThat(run.isAlive()).as("the train run ended before its first checkpoint").isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError("no checkpoint under " + checkpoints + " within 5 minutes");
  }

  /** `two-tower train` in a JVM of its own, its output (stdout and stderr) to {@code log}. */
  private static Process train(Path dataDir, Map<String, String> settings, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    // The --add-opens list Spark needs on Java 17, as this JVM got it.
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(arg -> arg.startsWith("--add-opens") || arg.startsWith("-Djdk.reflect"))
        .forEach(command::add);
    command.add(
        "-Dlog4j2.configurationFile="
            + Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.twotower.jobs.TwoTowerCli");
    command.add("train");
    command.add("--data-dir");
    command.add(dataDir.toString());
    settings.forEach(
        (key, value) -> {
          command.add("--set");
          command.add(key + "=" + value);
        });
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("OMP_NUM_THREADS", "1");
    return builder.start();
  }
}
