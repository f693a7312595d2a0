package io.twotower.towers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Fits a model in this JVM: the same graph and loss as {@link SparkTrainer}, without Spark. Each
 * epoch reshuffles the examples (in-batch negatives must not be correlated by user or day) and fits
 * them in batches of {@code batchSize}; the last batch of an epoch may be smaller.
 */
public final class LocalTrainer {
  private LocalTrainer() {}

  /** Trains {@code model}'s graph in place; {@code progress} hears after every batch. */
  public static void fit(
      TwoTowerModel model,
      List<TowerExample> examples,
      int batchSize,
      int epochs,
      long seed,
      TrainingProgress progress) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(progress, "progress");
    if (examples == null || examples.isEmpty()) {
      throw TowerErrors.invalidBatch("No examples to train on", "Pass at least one example");
    }
    if (batchSize < 1) {
      throw TowerErrors.invalidSetting("batchSize", batchSize, ">= 1");
    }
    if (epochs < 1) {
      throw TowerErrors.invalidSetting("epochs", epochs, ">= 1");
    }
    TowerBatcher batcher = new TowerBatcher(model.config());
    ComputationGraph graph = model.trainingGraph();
    List<TowerExample> order = new ArrayList<>(examples);
    Random random = new Random(seed);
    int splits = (order.size() + batchSize - 1) / batchSize;
    for (int epoch = 0; epoch < epochs; epoch++) {
      Collections.shuffle(order, random);
      for (int split = 0; split < splits; split++) {
        List<TowerExample> batch =
            order.subList(split * batchSize, Math.min(order.size(), (split + 1) * batchSize));
        long start = System.nanoTime();
        graph.fit(batcher.trainingBatch(batch));
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.onSplit(epoch, split, splits, batch.size(), batch.size() / seconds, graph.score());
      }
    }
  }
}
