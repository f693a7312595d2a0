package io.twotower.jobs.ingest;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Draws one of {@code values} with probability proportional to its weight in O(1) (Vose's alias
 * method), so the synthetic generator's per-event cost does not grow with the catalog.
 */
final class AliasTable implements Serializable {

  private final int[] values;
  private final double[] probability;
  private final int[] alias;

  /** {@code weights[k]} (> 0) is the relative weight of {@code values[k]}. */
  AliasTable(int[] values, double[] weights) {
    if (values.length == 0 || values.length != weights.length) {
      throw new IllegalArgumentException(
          "need as many weights as values, at least one: "
              + values.length
              + " vs "
              + weights.length);
    }
    int n = values.length;
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    this.values = values.clone();
    this.probability = new double[n];
    this.alias = new int[n];
    double[] scaled = new double[n];
    int[] small = new int[n];
    int[] large = new int[n];
    int smallCount = 0;
    int largeCount = 0;
    for (int k = 0; k < n; k++) {
      scaled[k] = weights[k] * n / total;
      if (scaled[k] < 1) {
        small[smallCount++] = k;
      } else {
        large[largeCount++] = k;
      }
    }
    while (smallCount > 0 && largeCount > 0) {
      int less = small[--smallCount];
      int more = large[--largeCount];
      probability[less] = scaled[less];
      alias[less] = more;
      scaled[more] = scaled[more] + scaled[less] - 1;
      if (scaled[more] < 1) {
        small[smallCount++] = more;
      } else {
        large[largeCount++] = more;
      }
    }
    // What is left is 1 up to rounding.
    while (largeCount > 0) {
      probability[large[--largeCount]] = 1;
    }
    while (smallCount > 0) {
      probability[small[--smallCount]] = 1;
    }
  }

  int sample(SplittableRandom random) {
    int k = random.nextInt(values.length);
    return values[random.nextDouble() < probability[k] ? k : alias[k]];
  }

  int size() {
    return values.length;
  }
}
