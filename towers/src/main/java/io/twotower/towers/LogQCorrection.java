package io.twotower.towers;

/**
 * How the in-batch softmax corrects for the items' sampling probabilities (paper section 4).
 *
 * <p>With s_ij = &lt;u_i, v_j&gt; / tau and p_j the probability that item j appears in a batch (the
 * labels' log q column), row i's softmax is over its positive logit and its negatives' logits j !=
 * i. The variants differ only in which of them log p_j is subtracted from. Accidental-hit masking
 * (dropping negatives j whose item equals row i's) is independent of the variant.
 */
public enum LogQCorrection {
  /**
   * Subtract log p_j from every logit s_ij of column j, the positive's included: s_c(x_i, y_j) =
   * s(x_i, y_j) - log p_j. The paper's eq. for P_c(y_i | x_i).
   */
  PAPER(true, true),
  /**
   * Subtract log p_j from the negatives' logits only (j != i); the positive's logit s_ii stays
   * uncorrected: P(y_i | x_i) = exp(s_ii) / (exp(s_ii) + sum_{j != i} exp(s_ij - log p_j)). The
   * sampled-softmax reading of the correction: log p_j compensates for how often j is sampled as a
   * negative, and the positive is not a sample.
   */
  NEGATIVES_ONLY(true, false),
  /** Plain in-batch softmax; the labels' log q column is ignored. */
  NONE(false, false);

  private final boolean correctsNegatives;
  private final boolean correctsPositive;

  LogQCorrection(boolean correctsNegatives, boolean correctsPositive) {
    this.correctsNegatives = correctsNegatives;
    this.correctsPositive = correctsPositive;
  }

  /** Whether log p_j is subtracted from the negatives' logits s_ij, j != i. */
  public boolean correctsNegatives() {
    return correctsNegatives;
  }

  /** Whether log p_i is subtracted from the positive's logit s_ii. */
  public boolean correctsPositive() {
    return correctsPositive;
  }

  /** The allowed values, for error messages. */
  static String allowed() {
    return "PAPER, NEGATIVES_ONLY or NONE";
  }
}
