package io.twotower.jobs.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Early stopping on a validation score (higher is better): training goes on while the score has
 * improved on its best within the last {@code patience} epochs. The best epoch is the first epoch
 * that reached the highest score, so a tie never adds epochs.
 */
final class EarlyStopping {

  private final int patience;
  private final List<Double> scores = new ArrayList<>();
  private int best = -1;

  EarlyStopping(int patience) {
    if (patience < 1) {
      throw new IllegalArgumentException("patience " + patience + " < 1");
    }
    this.patience = patience;
  }

  /**
   * Records the score after {@code epoch} (0-based, in order).
   *
   * @return whether to train another epoch
   */
  boolean keepTraining(int epoch, double score) {
    if (epoch != scores.size()) {
      throw new IllegalArgumentException("epoch " + epoch + " after " + scores.size() + " scores");
    }
    scores.add(score);
    if (best < 0 || score > scores.get(best)) {
      best = epoch;
    }
    return epoch - best < patience;
  }

  /** The number of epochs that reached the best score (best epoch + 1); 0 before any score. */
  int bestEpochs() {
    return best + 1;
  }

  double bestScore() {
    return best < 0 ? Double.NaN : scores.get(best);
  }

  List<Double> scores() {
    return List.copyOf(scores);
  }
}
