package io.twotower.towers;

import java.io.Serializable;

/**
 * One training example, already encoded to indices.
 *
 * @param history the query's consumed item ids, most recent first, 0..historyLength of them (an
 *     empty history gives a zero query-tower input); history[0] is the seed item when {@link
 *     TowerConfig#seedItem()} is on
 * @param item the positive item id
 * @param fieldValues fieldValues[f] holds 1..maxValues indices of {@code itemFields.get(f)}
 * @param reward r_i >= 0, the example's weight in the loss (1 for plain link prediction)
 * @param logQ log p_j, the log probability that this item appears in a batch (ignored when the
 *     correction is {@link LogQCorrection#NONE})
 * @param userValues userValues[u] holds 1..maxValues indices of {@code userFields.get(u)} (no
 *     arrays when no user fields are configured)
 */
public record TowerExample(
    int[] history, int item, int[][] fieldValues, float reward, float logQ, int[][] userValues)
    implements Serializable {

  private static final int[][] NO_USER_VALUES = new int[0][];

  /** An example of a query tower without user fields. */
  public TowerExample(int[] history, int item, int[][] fieldValues, float reward, float logQ) {
    this(history, item, fieldValues, reward, logQ, NO_USER_VALUES);
  }
}
