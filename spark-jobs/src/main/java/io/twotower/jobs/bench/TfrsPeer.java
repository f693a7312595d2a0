package io.twotower.jobs.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TensorFlow Recommenders peer: a virtual environment with pinned {@code tensorflow-cpu} and
 * {@code tensorflow-recommenders}, built with pip on first use, and {@code bench/tfrs_peer.py}
 * (shipped in the jar) run in it on the data bench-training wrote.
 *
 * <p>tensorflow-recommenders is installed with {@code --no-deps}: its own requirement pulls in the
 * full {@code tensorflow} next to tensorflow-cpu. numpy stays below 2, which TF 2.15 needs.
 */
final class TfrsPeer {

  private static final Logger LOG = LoggerFactory.getLogger(TfrsPeer.class);

  static final String TENSORFLOW = "tensorflow-cpu==2.15.1";
  static final String TFRS = "tensorflow-recommenders==0.7.3";
  private static final String NUMPY = "numpy<2";

  /** What the peer measured, and its vectors (rows as in items.csv and queries.csv). */
  record Result(
      double examplesPerSecond,
      List<Double> epochSeconds,
      double finalLoss,
      long peakBytes,
      String versions,
      float[][] itemVectors,
      float[][] queryVectors) {}

  private TfrsPeer() {}

  /**
   * The venv's python, after building the venv when its stamp is missing. A file lock keeps two
   * callers from building it at once; the stamp is written only after pip succeeded, so a
   * half-built venv is rebuilt rather than trusted.
   */
  static Path python(Path venv) throws IOException, InterruptedException {
    Path python = venv.resolve("bin").resolve("python");
    Path stamp = venv.resolve(".installed-" + TENSORFLOW + "-" + TFRS);
    Files.createDirectories(venv.getParent());
    try (FileChannel lockFile =
            FileChannel.open(
                venv.resolveSibling(venv.getFileName() + ".lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = lockFile.lock()) {
      if (Files.exists(stamp)) {
        return python;
      }
      LOG.info("installing {} and {} into {} (about 600 MB, once) ...", TENSORFLOW, TFRS, venv);
      deleteRecursively(venv);
      exec(List.of("python3", "-m", "venv", venv.toString()));
      pipInstall(python, TENSORFLOW, NUMPY);
      pipInstall(python, "--no-deps", TFRS);
      Files.writeString(stamp, TENSORFLOW + " " + TFRS + "\n");
      return python;
    }
  }

  /** Runs the peer on {@code data} with {@code seed}; its output goes to this process's. */
  static Result run(Path python, Path data, long seed) throws IOException, InterruptedException {
    Path script = data.resolve("tfrs_peer.py");
    try (InputStream in = TfrsPeer.class.getResourceAsStream("/bench/tfrs_peer.py")) {
      if (in == null) {
        throw new IllegalStateException("bench/tfrs_peer.py is missing from the class path");
      }
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    ProcessBuilder builder =
        new ProcessBuilder(python.toString(), script.toString(), data.toString(), "" + seed)
            .inheritIO();
    // The JVM's launcher caps OpenMP at one thread for the Spark workers; TF sizes its own pools.
    builder.environment().remove("OMP_NUM_THREADS");
    Process process = builder.start();
    long polled;
    try (ProcessMemory.Poller poller = new ProcessMemory.Poller(process, 250)) {
      int status = process.waitFor();
      polled = poller.peakBytes();
      if (status != 0) {
        throw new IllegalStateException("the TFRS peer exited with status " + status);
      }
    }
    Path out = data.resolve("peer-" + seed);
    Config results = ConfigFactory.parseFile(out.resolve("results.json").toFile());
    int dim = results.getInt("dim");
    return new Result(
        results.getDouble("examples_per_second"),
        results.getDoubleList("epoch_seconds"),
        results.getDouble("final_loss"),
        Math.max(polled, results.getLong("peak_rss_bytes")),
        "TFRS "
            + results.getString("tensorflow_recommenders")
            + " on TensorFlow "
            + results.getString("tensorflow"),
        vectors(out.resolve("item_vectors.f32"), results.getInt("items"), dim),
        vectors(out.resolve("query_vectors.f32"), results.getInt("queries"), dim));
  }

  /** {@code rows} x {@code dim} float32 little-endian values. */
  static float[][] vectors(Path file, int rows, int dim) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.remaining() != (long) rows * dim * Float.BYTES) {
      throw new IllegalStateException(
          file + " holds " + bytes.remaining() + " bytes, not " + rows + " x " + dim + " floats");
    }
    float[][] out = new float[rows][dim];
    for (float[] row : out) {
      bytes.asFloatBuffer().get(row);
      bytes.position(bytes.position() + dim * Float.BYTES);
    }
    return out;
  }

  private static void exec(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(new ArrayList<>(command)).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("failed (status " + p.exitValue() + "): " + command);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static void pipInstall(Path python, String... arguments)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                python.toString(),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check"));
    command.addAll(List.of(arguments));
    exec(command);
  }
}
