package io.twotower.towers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A quick, reproducible timer of one JVM's {@code graph.fit} on batches shaped like
 * ml-latest-small's (9,717 item indices, history 50, genres and year fields, towers [256, 64],
 * batch 1024, Adam), next to sgemm on the towers' own shapes. Not a test: run its main with the
 * towers' test classpath, e.g. {@code java -cp ... io.twotower.towers.FitSpeedHarness 40}.
 */
final class FitSpeedHarness {
  private static final int ITEMS = 9_717;
  private static final int HISTORY = 50;
  private static final int BATCH = 1024;

  public static void main(String[] args) {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    TowerConfig config =
        TowerConfig.builder()
            .itemCardinality(ITEMS)
            .historyLength(HISTORY)
            .itemEmbeddingDim(64)
            .itemFields(
                List.of(
                    new CategoricalField("genres", 36, 10, 16),
                    new CategoricalField("year", 123, 1, 16)))
            .queryHiddenSizes(List.of(256))
            .itemHiddenSizes(List.of(256))
            .outputDim(64)
            .temperature(0.1)
            .correction(LogQCorrection.PAPER)
            .maskAccidentalHits(true)
            .optimizer(Optimizer.ADAM)
            .learningRate(0.002)
            .seed(1L)
            .seedItem(false)
            .build();
    TwoTowerModel model = TwoTowerModel.create(config);
    Random random = new Random(1);
    TowerBatcher batcher = new TowerBatcher(config);
    List<MultiDataSet> batches = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      batches.add(batcher.trainingBatch(examples(random)));
    }
    for (int i = 0; i < 5; i++) {
      model.trainingGraph().fit(batches.get(i % batches.size()));
    }
    // CPU time of this thread as well as wall time: with one OpenMP thread ND4J's ops run on it,
    // and
    // CPU time is far less disturbed than wall time by other processes on a shared machine.
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    long cpuStart = threads.getCurrentThreadCpuTime();
    long start = System.nanoTime();
    for (int i = 0; i < steps; i++) {
      model.trainingGraph().fit(batches.get(i % batches.size()));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
    double perSecond = steps * BATCH / seconds;
    // Forward multiply-adds per example: both towers' dense layers and the [B, d] x [d, B] logits.
    double macs = 64 * 256 + 256 * 64 + (64 + 32) * 256 + 256 * 64 + BATCH * 64;
    double gflops = perSecond * 3 * 2 * macs / 1e9;
    double sgemm = sgemmGflops();
    System.out.printf(
        "fit: %.0f examples per CPU-second, %.0f examples/s (%.1f ms/step, %d steps, OMP_NUM_THREADS=%s), %.1f GFLOP/s = %.0f%% of"
            + " sgemm on the tower shapes %.1f GFLOP/s; score %.4f%n",
        steps * BATCH / cpuSeconds,
        perSecond,
        1000 * seconds / steps,
        steps,
        System.getenv("OMP_NUM_THREADS"),
        gflops,
        100 * gflops / sgemm,
        sgemm,
        model.trainingGraph().score());
  }

  private static List<TowerExample> examples(Random random) {
    List<TowerExample> examples = new ArrayList<>();
    for (int i = 0; i < BATCH; i++) {
      int length = 1 + random.nextInt(HISTORY);
      int[] history = new int[length];
      for (int k = 0; k < length; k++) {
        history[k] = popular(random);
      }
      int genres = 1 + random.nextInt(4);
      int[] genre = random.ints(genres, 0, 36).toArray();
      examples.add(
          new TowerExample(
              history,
              popular(random),
              new int[][] {genre, {random.nextInt(123)}},
              1f,
              (float) Math.log(random.nextDouble() + 1e-3)));
    }
    return examples;
  }

  /** Skewed towards low ids, as MovieLens' popular movies are. */
  private static int popular(Random random) {
    double u = random.nextDouble();
    return (int) (ITEMS * u * u * u);
  }

  /**
   * sgemm over the towers' own shapes: [B, 64] x [64, 256], [B, 256] x [256, 64], [B, 64] x [64,
   * B].
   */
  private static double sgemmGflops() {
    long[][] shapes = {{BATCH, 64, 256}, {BATCH, 256, 64}, {BATCH, 64, BATCH}, {BATCH, 96, 256}};
    double flops = 0;
    double seconds = 0;
    for (long[] s : shapes) {
      INDArray a = Nd4j.rand(DataType.FLOAT, s[0], s[1]);
      INDArray b = Nd4j.rand(DataType.FLOAT, s[1], s[2]);
      INDArray c = Nd4j.create(DataType.FLOAT, s[0], s[2]);
      for (int i = 0; i < 20; i++) {
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      }
      int repeats = 200;
      long start = System.nanoTime();
      for (int i = 0; i < repeats; i++) {
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      }
      seconds += (System.nanoTime() - start) / 1e9;
      flops += repeats * 2.0 * s[0] * s[1] * s[2];
    }
    return flops / seconds / 1e9;
  }
}
