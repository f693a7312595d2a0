package io.twotower.jobs.bench;

import io.twotower.towers.TowerConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The model's matrix products per training batch, counted analytically, and the FLOPs per example
 * they imply: the yardstick that turns examples/s into GFLOP/s.
 *
 * <p>For a batch of R rows (B examples plus B' mixed negatives), every dense layer in -&gt; out of
 * either tower costs three products: the forward pass [R, in] x [in, out], the weight gradient [in,
 * R] x [R, out] and the input gradient [R, out] x [out, in], 2 * R * in * out FLOPs each. The
 * in-batch logits cost [R, d] x [d, R] forward and two [R, R] x [R, d] products backward (the
 * gradients of u and of v). Embedding lookups, pooling, biases, activations, the L2 norm and the
 * optimizer are left out: they are O(R * width), memory-bound and not what sgemm measures.
 */
record TrainingFlops(List<MatMul> products, int examplesPerBatch) {

  /** One product [m, k] x [k, n], {@code count} times per batch. */
  record MatMul(String name, int m, int k, int n, int count) {
    long flops() {
      return 2L * m * k * n * count;
    }
  }

  /** The products of one training step of {@code config} at {@code batchSize} + {@code extra}. */
  static TrainingFlops of(TowerConfig config, int batchSize, int extraNegatives) {
    int rows = batchSize + extraNegatives;
    List<MatMul> products = new ArrayList<>();
    addTower(
        products,
        "query",
        rows,
        config.queryFeatureWidth(),
        config.queryHiddenSizes(),
        config.outputDim());
    addTower(
        products,
        "item",
        rows,
        config.itemFeatureWidth(),
        config.itemHiddenSizes(),
        config.outputDim());
    int d = config.outputDim();
    products.add(new MatMul("logits u v^T", rows, d, rows, 1));
    products.add(new MatMul("logits backward (du, dv)", rows, rows, d, 2));
    return new TrainingFlops(List.copyOf(products), batchSize);
  }

  private static void addTower(
      List<MatMul> products,
      String tower,
      int rows,
      int inputWidth,
      List<Integer> hidden,
      int outputDim) {
    List<Integer> widths = new ArrayList<>(List.of(inputWidth));
    widths.addAll(hidden);
    widths.add(outputDim);
    for (int l = 0; l + 1 < widths.size(); l++) {
      int in = widths.get(l);
      int out = widths.get(l + 1);
      String layer = tower + " " + in + "->" + out;
      products.add(new MatMul(layer + " forward", rows, in, out, 1));
      products.add(new MatMul(layer + " weight gradient", in, rows, out, 1));
      products.add(new MatMul(layer + " input gradient", rows, out, in, 1));
    }
  }

  long flopsPerBatch() {
    return products.stream().mapToLong(MatMul::flops).sum();
  }

  /** FLOPs per training example: the batch's products over its B examples. */
  double flopsPerExample() {
    return (double) flopsPerBatch() / examplesPerBatch;
  }

  /** GFLOP/s achieved at {@code examplesPerSecond}. */
  double gflops(double examplesPerSecond) {
    return examplesPerSecond * flopsPerExample() / 1e9;
  }
}
