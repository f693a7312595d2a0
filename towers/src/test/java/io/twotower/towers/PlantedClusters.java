package io.twotower.towers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A planted dataset: {@value #ITEMS} items in {@value #CLUSTERS} clusters of 20. A query's history
 * and its positive come from one cluster; within a cluster, item k is drawn with weight 1/(k+1).
 *
 * <p>Expected Recall@10: a model that finds the cluster can rank its 10 head items first, which
 * hold H10/H20 = 2.929/3.598 = 81% of the positives (a little less once history items are
 * excluded). Ranking by global popularity puts one head item per cluster in the top 10: the
 * positive is its cluster's head item 1/H20 = 28% of the time.
 */
final class PlantedClusters {
  static final int ITEMS = 200;
  static final int CLUSTERS = 10;
  static final int PER_CLUSTER = ITEMS / CLUSTERS;
  static final int HISTORY = 5;

  private PlantedClusters() {}

  static int cluster(int item) {
    return item / PER_CLUSTER;
  }

  /** Examples with reward 1 and log q from the items' expected occurrences in a batch. */
  static List<TowerExample> examples(int count, int batchSize, Random random) {
    List<int[]> histories = new ArrayList<>();
    int[] positives = new int[count];
    int[] occurrences = new int[ITEMS];
    for (int i = 0; i < count; i++) {
      int cluster = random.nextInt(CLUSTERS);
      Set<Integer> history = new HashSet<>();
      int length = 1 + random.nextInt(HISTORY);
      while (history.size() < length) {
        history.add(draw(cluster, random));
      }
      histories.add(history.stream().mapToInt(Integer::intValue).toArray());
      positives[i] = draw(cluster, random);
      occurrences[positives[i]]++;
    }
    List<TowerExample> examples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      // p_j = B * count_j / total, the paper's aggregate estimate (smoothed by one occurrence).
      double p = batchSize * (occurrences[positives[i]] + 1.0) / count;
      examples.add(
          new TowerExample(
              histories.get(i),
              positives[i],
              new int[][] {{cluster(positives[i])}},
              1f,
              (float) Math.log(p)));
    }
    return examples;
  }

  static int[][][] itemFields() {
    int[][][] fields = new int[ITEMS][][];
    for (int item = 0; item < ITEMS; item++) {
      fields[item] = new int[][] {{cluster(item)}};
    }
    return fields;
  }

  static int[] allItems() {
    int[] items = new int[ITEMS];
    Arrays.setAll(items, i -> i);
    return items;
  }

  private static int draw(int cluster, Random random) {
    double total = 0;
    for (int k = 0; k < PER_CLUSTER; k++) {
      total += 1.0 / (k + 1);
    }
    double u = random.nextDouble() * total;
    for (int k = 0; k < PER_CLUSTER; k++) {
      u -= 1.0 / (k + 1);
      if (u <= 0) {
        return cluster * PER_CLUSTER + k;
      }
    }
    return cluster * PER_CLUSTER + PER_CLUSTER - 1;
  }
}
