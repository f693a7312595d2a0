package io.twotower.towers;

/** How the in-batch softmax corrects for the items' sampling probabilities (paper section 4). */
public enum LogQCorrection {
  /**
   * Subtract log p_j from every logit s_ij of column j, the positive's included: s_c(x_i, y_j) =
   * s(x_i, y_j) - log p_j, with p_j the probability that item j appears in a batch.
   */
  PAPER,
  /** Plain in-batch softmax; the labels' log q column is ignored. */
  NONE
}
