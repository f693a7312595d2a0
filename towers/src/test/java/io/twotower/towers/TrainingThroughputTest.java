package io.twotower.towers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Single-JVM training throughput at stack.md's reference shape (10k items, d = 64, history 50,
 * towers [256, 64], batch 1024, Adam, random ids), next to the machine's sgemm ceiling measured in
 * the same run. Off by default:
 *
 * <pre>mvn -pl towers test -Dtest=TrainingThroughputTest -Dtowers.throughput=true</pre>
 */
@EnabledIfSystemProperty(named = "towers.throughput", matches = "true")
class TrainingThroughputTest {
  private static final int ITEMS = 10_000;
  private static final int HISTORY = 50;
  private static final int BATCH = 1024;
  private static final int WARM_UP = 5;
  private static final int MEASURED = 20;

  @Test
  void reportsExamplesPerSecond() {
    TowerConfig config =
        TowerConfig.builder()
            .itemCardinality(ITEMS)
            .historyLength(HISTORY)
            .itemEmbeddingDim(64)
            .queryHiddenSizes(List.of(256))
            .itemHiddenSizes(List.of(256))
            .outputDim(64)
            .temperature(0.05)
            .correction(LogQCorrection.PAPER)
            .maskAccidentalHits(true)
            .optimizer(Optimizer.ADAM)
            .learningRate(0.001)
            .seed(1L)
            .seedItem(false)
            .build();
    TwoTowerModel model = TwoTowerModel.create(config);
    MultiDataSet batch = new TowerBatcher(config).trainingBatch(randomExamples(new Random(1)));
    for (int i = 0; i < WARM_UP; i++) {
      model.trainingGraph().fit(batch);
    }
    long start = System.nanoTime();
    for (int i = 0; i < MEASURED; i++) {
      model.trainingGraph().fit(batch);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "two-tower fit: %.0f examples/s (batch %d, %d steps, OMP_NUM_THREADS=%s); sgemm 2048: %.0f GFLOP/s%n",
        MEASURED * BATCH / seconds,
        BATCH,
        MEASURED,
        System.getenv("OMP_NUM_THREADS"),
        sgemmGflops());
  }

  private static List<TowerExample> randomExamples(Random random) {
    List<TowerExample> examples = new ArrayList<>();
    for (int i = 0; i < BATCH; i++) {
      int[] history = random.ints(HISTORY, 0, ITEMS).toArray();
      examples.add(new TowerExample(history, random.nextInt(ITEMS), new int[0][], 1f, -3f));
    }
    return examples;
  }

  private static double sgemmGflops() {
    int n = 2048;
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, n, n);
    a.mmul(b, c);
    int repeats = 5;
    long start = System.nanoTime();
    for (int i = 0; i < repeats; i++) {
      a.mmul(b, c);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return repeats * 2.0 * n * n * n / seconds / 1e9;
  }
}
