package io.twotower.towers;

import java.util.Arrays;
import java.util.List;

/**
 * Full-corpus Recall@K, excluding each query's history items (the evaluation protocol of paper.md).
 */
final class RecallAtK {
  private RecallAtK() {}

  /** Fraction of examples whose positive ranks in the top k of {@code scores[i]}. */
  static double of(List<TowerExample> examples, double[][] scores, int k) {
    int hits = 0;
    for (int i = 0; i < examples.size(); i++) {
      TowerExample example = examples.get(i);
      double[] row = scores[i].clone();
      for (int consumed : example.history()) {
        row[consumed] = Double.NEGATIVE_INFINITY;
      }
      double positive = row[example.item()];
      long better = Arrays.stream(row).filter(score -> score > positive).count();
      hits += better < k ? 1 : 0;
    }
    return (double) hits / examples.size();
  }

  static double[][] dotProducts(float[][] queries, float[][] items) {
    double[][] scores = new double[queries.length][items.length];
    for (int i = 0; i < queries.length; i++) {
      for (int j = 0; j < items.length; j++) {
        double dot = 0;
        for (int d = 0; d < queries[i].length; d++) {
          dot += queries[i][d] * items[j][d];
        }
        scores[i][j] = dot;
      }
    }
    return scores;
  }

  /** Every query gets the same scores: each item's count as a positive in {@code training}. */
  static double[][] popularity(List<TowerExample> training, int queries, int items) {
    double[] counts = new double[items];
    training.forEach(example -> counts[example.item()]++);
    double[][] scores = new double[queries][];
    Arrays.setAll(scores, i -> counts);
    return scores;
  }
}
