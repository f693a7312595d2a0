package io.twotower.jobs.bench;

import io.twotower.towers.LocalTrainer;
import io.twotower.towers.TowerBatcher;
import io.twotower.towers.TowerConfig;
import io.twotower.towers.TowerExample;
import io.twotower.towers.TwoTowerModel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The child JVM of bench-training's native parts, started with {@code OMP_NUM_THREADS} set (OpenMP
 * reads it once, when ND4J loads): {@code sgemm THREADS SHAPES RESULTS} times {@code Nd4j.gemm} on
 * each [m, k] x [k, n] of SHAPES ("m,k,n;m,k,n;..."); {@code towers THREADS DATA BATCH EPOCHS SEED
 * LIMIT RESULTS} times batch building and {@link LocalTrainer#fit} on the (first LIMIT, 0: all)
 * examples of DATA (a {@link Input} written by {@link #write}). Both also cap ND4J's own thread
 * pools (environment and BLAS) at THREADS and report what ND4J says it uses.
 */
public final class TowersProbe {

  /** The towers' input: the model config and the examples, as the train stage reads them. */
  record Input(TowerConfig config, List<TowerExample> examples) implements Serializable {}

  private TowersProbe() {}

  public static void main(String[] args) throws Exception {
    int threads = Integer.parseInt(args[1]);
    Properties results = new Properties();
    limitThreads(threads, results);
    switch (args[0]) {
      case "sgemm" -> sgemm(args[2], results);
      case "towers" ->
          towers(
              Path.of(args[2]),
              Integer.parseInt(args[3]),
              Integer.parseInt(args[4]),
              Long.parseLong(args[5]),
              Integer.parseInt(args[6]),
              results);
      default -> throw new IllegalArgumentException("unknown probe " + args[0]);
    }
    ChildJvm.report(results, Path.of(args[args.length - 1]));
    System.exit(0);
  }

  /**
   * ND4J 1.0.0-M2.1 has three knobs: OpenMP's team size (OMP_NUM_THREADS, read at load), libnd4j's
   * own pool (Environment maxThreads / maxMasterThreads, initialised from OMP_NUM_THREADS) and the
   * BLAS library's threads (OpenBLAS, set through Blas.setMaxThreads). All three are set here.
   */
  private static void limitThreads(int threads, Properties results) {
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.factory().blas().setMaxThreads(threads);
    results.setProperty("omp_num_threads", String.valueOf(System.getenv("OMP_NUM_THREADS")));
    results.setProperty("nd4j_max_threads", Integer.toString(Nd4j.getEnvironment().maxThreads()));
    results.setProperty(
        "nd4j_max_master_threads", Integer.toString(Nd4j.getEnvironment().maxMasterThreads()));
    results.setProperty(
        "blas_max_threads", Integer.toString(Nd4j.factory().blas().getMaxThreads()));
  }

  /** Seconds per call of each shape, after a warm-up, timed for at least 0.4 s and 5 calls. */
  private static void sgemm(String shapes, Properties results) {
    String[] each = shapes.split(";");
    for (int s = 0; s < each.length; s++) {
      String[] mkn = each[s].split(",");
      int m = Integer.parseInt(mkn[0]);
      int k = Integer.parseInt(mkn[1]);
      int n = Integer.parseInt(mkn[2]);
      Nd4j.getRandom().setSeed(s);
      INDArray a = Nd4j.rand(DataType.FLOAT, m, k);
      INDArray b = Nd4j.rand(DataType.FLOAT, k, n);
      INDArray c = Nd4j.zeros(DataType.FLOAT, m, n);
      for (int w = 0; w < 3; w++) {
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      }
      int calls = 0;
      long start = System.nanoTime();
      long elapsed;
      do {
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        calls++;
        elapsed = System.nanoTime() - start;
      } while (elapsed < 400_000_000L || calls < 5);
      double perCall = elapsed / 1e9 / calls;
      results.setProperty("shape." + s + ".seconds", Double.toString(perCall));
      System.out.printf(
          Locale.ROOT,
          "sgemm [%d, %d] x [%d, %d]: %.1f GFLOP/s%n",
          m,
          k,
          k,
          n,
          2.0 * m * k * n / perCall / 1e9);
    }
  }

  private static void towers(
      Path data, int batchSize, int epochs, long seed, int limit, Properties results)
      throws IOException, ClassNotFoundException {
    Input input = read(data);
    List<TowerExample> examples =
        limit > 0 && limit < input.examples().size()
            ? input.examples().subList(0, limit)
            : input.examples();
    // Batch building alone, for one epoch in a shuffled order: the cost every path pays per epoch.
    TowerBatcher batcher = new TowerBatcher(input.config());
    List<TowerExample> order = new ArrayList<>(examples);
    Collections.shuffle(order, new Random(seed));
    long buildStart = System.nanoTime();
    for (int from = 0; from < order.size(); from += batchSize) {
      batcher.trainingBatch(order.subList(from, Math.min(order.size(), from + batchSize)));
    }
    results.setProperty(
        "build_seconds_per_epoch", Double.toString((System.nanoTime() - buildStart) / 1e9));

    TwoTowerModel model = TwoTowerModel.create(input.config());
    long[] epochEnds = new long[epochs];
    long start = System.nanoTime();
    LocalTrainer.fit(
        model,
        examples,
        batchSize,
        epochs,
        seed,
        (epoch, split, splits, rows, perSecond, loss) -> {
          if (split == splits - 1) {
            epochEnds[epoch] = System.nanoTime();
            System.out.printf(
                Locale.ROOT,
                "towers alone (%s threads): epoch %d/%d, %.1f s, loss %.4f%n",
                System.getenv("OMP_NUM_THREADS"),
                epoch + 1,
                epochs,
                (epochEnds[epoch] - (epoch == 0 ? start : epochEnds[epoch - 1])) / 1e9,
                loss);
          }
        });
    StringBuilder seconds = new StringBuilder();
    for (int e = 0; e < epochs; e++) {
      double s = (epochEnds[e] - (e == 0 ? start : epochEnds[e - 1])) / 1e9;
      seconds.append(e == 0 ? "" : ",").append(s);
    }
    results.setProperty("examples", Integer.toString(examples.size()));
    results.setProperty("epoch_seconds", seconds.toString());
  }

  /** Writes the towers' input for a child to read. */
  static void write(Input input, Path file) throws IOException {
    try (ObjectOutputStream out =
        new ObjectOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
      out.writeObject(input);
    }
  }

  private static Input read(Path file) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in =
        new ObjectInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      return (Input) in.readObject();
    }
  }
}
