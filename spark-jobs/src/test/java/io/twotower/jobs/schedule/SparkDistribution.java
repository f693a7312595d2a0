package io.twotower.jobs.schedule;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.twotower.jobs.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark 3.5.7 distribution (the pyspark wheel, with {@code bin/spark-submit}), installed by
 * {@code spark-jobs/bin/local-cluster spark-home} into {@code spark-jobs/target/venv-pyspark} once
 * and shared with the cluster tests; the script locks the folder while it installs.
 */
final class SparkDistribution {

  private SparkDistribution() {}

  /** SPARK_HOME of the distribution, installing it first if needed. */
  static Path home() throws IOException, InterruptedException {
    Path root = SharedData.repositoryRoot();
    Path out = Files.createTempFile("spark-home", ".out");
    Process process =
        new ProcessBuilder(root.resolve("spark-jobs/bin/local-cluster").toString(), "spark-home")
            .directory(root.toFile())
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("local-cluster spark-home failed; see the test's stderr");
    }
    List<String> lines = Files.readAllLines(out, UTF_8);
    Files.delete(out);
    Path home = Path.of(lines.get(lines.size() - 1).trim());
    if (!Files.isExecutable(home.resolve("bin/spark-submit"))) {
      throw new IllegalStateException("no bin/spark-submit in " + home);
    }
    return home;
  }
}
