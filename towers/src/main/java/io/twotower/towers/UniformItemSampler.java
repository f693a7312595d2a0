package io.twotower.towers;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Draws the uniform half of mixed negative sampling (Yang et al., "Mixed Negative Sampling for
 * Learning Two-tower Neural Networks in Recommendations", WWW 2020): B' items per batch, uniformly
 * from the whole item corpus, appended to the batch by {@link TowerBatcher#trainingBatch(List,
 * List)} as extra negatives. In-batch negatives follow the data's popularity; these reach the tail
 * of the corpus that batches rarely contain.
 *
 * <p>The B' items are distinct (sampling without replacement), so each of the N corpus items is in
 * a batch's draw with probability B'/N, which is also its expected number of occurrences: the
 * negatives carry log q = log(B'/N), the same quantity (expected occurrences per batch) that the
 * training rows' log p estimates.
 *
 * <p>Holds the corpus (item ids and their field values) and nothing else: serializable, so that
 * Spark can broadcast it; draws are a pure function of (count, seed).
 */
public final class UniformItemSampler implements Serializable {
  private static final int[] EMPTY_HISTORY = new int[0];

  private final int[] items;
  private final int[][][] fieldValues;

  /**
   * @param items the corpus, one row per item, at least one: item ids, which repeat when several
   *     items share one (out-of-vocabulary ids hashed into one bucket); each row is drawn with
   *     probability B'/N like any other
   * @param fieldValues fieldValues[k][f]: the values of field f for items[k], as in {@link
   *     TowerExample#fieldValues()}; no two rows may have the same id and the same field values
   */
  public UniformItemSampler(int[] items, int[][][] fieldValues) {
    if (items == null || items.length == 0) {
      throw TowerErrors.invalidBatch(
          "The item corpus for mixed negatives is empty",
          "Pass every item of the corpus (item_features) with its field values");
    }
    TowerErrors.requireFieldRowPerItem("The item corpus", items, fieldValues);
    requireDistinct(items, fieldValues);
    this.items = items.clone();
    this.fieldValues = fieldValues.clone();
  }

  /** N, the number of items in the corpus. */
  public int corpusSize() {
    return items.length;
  }

  /**
   * {@code count} distinct corpus items drawn uniformly (every subset of that size equally likely),
   * as negatives for {@link TowerBatcher#trainingBatch(List, List)}: empty history, reward 0, log q
   * = log(count / N). The same (count, seed) always gives the same items in the same order.
   *
   * @param count B', 0..N
   * @param seed seeds this draw alone; give every batch its own
   */
  public List<TowerExample> sample(int count, long seed) {
    if (count < 0 || count > items.length) {
      throw TowerErrors.invalidSetting(
          "mixedNegatives",
          count,
          "0.." + items.length + " (the corpus size: negatives are distinct corpus items)");
    }
    float logQ = (float) Math.log((double) count / items.length);
    List<TowerExample> negatives = new ArrayList<>(count);
    for (int k : distinctIndices(count, new SplittableRandom(seed))) {
      negatives.add(new TowerExample(EMPTY_HISTORY, items[k], fieldValues[k], 0f, logQ));
    }
    return negatives;
  }

  /**
   * Floyd's algorithm: a uniform {@code count}-subset of 0..N-1 in {@code count} draws, whatever N.
   * Step j takes t, uniform in 0..j, or j itself if t is taken already; afterwards every subset of
   * 0..j of the current size is equally likely.
   */
  private Set<Integer> distinctIndices(int count, SplittableRandom random) {
    Set<Integer> chosen = new LinkedHashSet<>();
    for (int j = items.length - count; j < items.length; j++) {
      int t = random.nextInt(j + 1);
      chosen.add(chosen.contains(t) ? j : t);
    }
    return chosen;
  }

  /** The same item listed twice would be drawn twice as often as the others. */
  private static void requireDistinct(int[] items, int[][][] fieldValues) {
    Set<String> seen = new HashSet<>();
    for (int row = 0; row < items.length; row++) {
      if (!seen.add(items[row] + " " + Arrays.deepToString(fieldValues[row]))) {
        throw TowerErrors.invalidInput(
            "corpus item id",
            row,
            items[row],
            "It occurs twice with the same field values "
                + Arrays.deepToString(fieldValues[row])
                + "; list every item once, or uniform sampling would favour it.");
      }
    }
  }
}
