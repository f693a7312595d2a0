package io.twotower.jobs.schedule;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.twotower.jobs.SharedData;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.util.Utils;

/**
 * Airflow 3 with the Apache Spark provider in {@code spark-jobs/target/venv-airflow}, installed
 * with pip from {@code conf/airflow/requirements.txt} (every version pinned) the first time and
 * reused while that file is unchanged: the stamp holds the file's hash and is written only after
 * pip succeeded, so an interrupted install is redone. A file lock keeps two JVMs from installing at
 * once.
 */
final class AirflowVenv {

  static final Path ROOT = SharedData.repositoryRoot();
  static final Path REQUIREMENTS = ROOT.resolve("conf/airflow/requirements.txt");
  static final Path VENV = ROOT.resolve("spark-jobs/target/venv-airflow");

  private AirflowVenv() {}

  /** The venv's bin folder (python, airflow), installing it first if needed. */
  static Path bin() throws IOException, InterruptedException {
    Path target = Files.createDirectories(VENV.getParent());
    try (FileChannel lockFile =
            FileChannel.open(
                target.resolve(".venv-airflow.lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      Path stamp = VENV.resolve(".requirements-" + hash(REQUIREMENTS));
      if (!Files.exists(stamp)) {
        Utils.deleteRecursively(VENV.toFile());
        run(List.of("python3", "-m", "venv", VENV.toString()));
        run(
            List.of(
                VENV.resolve("bin/pip").toString(),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                REQUIREMENTS.toString()));
        Files.writeString(stamp, "", UTF_8);
      }
    }
    return VENV.resolve("bin");
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).inheritIO().start();
    if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " failed");
    }
  }

  private static String hash(Path file) throws IOException {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
