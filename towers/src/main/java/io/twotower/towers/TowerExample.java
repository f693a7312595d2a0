package io.twotower.towers;

import java.io.Serializable;

/**
 * One training example, already encoded to indices.
 *
 * @param history the query's consumed item ids, most recent first, 0..historyLength of them (an
 *     empty history gives a zero query-tower input)
 * @param item the positive item id
 * @param fieldValues fieldValues[f] holds 1..maxValues indices of {@code itemFields.get(f)}
 * @param reward r_i >= 0, the example's weight in the loss (1 for plain link prediction)
 * @param logQ log p_j, the log probability that this item appears in a batch (ignored when the
 *     correction is {@link LogQCorrection#NONE})
 */
public record TowerExample(int[] history, int item, int[][] fieldValues, float reward, float logQ)
    implements Serializable {}
