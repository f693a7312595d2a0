package io.twotower.towers;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The in-batch sampled softmax of the paper (eq. 3 with the logQ correction of section 4), as a
 * SameDiff expression.
 *
 * <p>Shapes, for a batch of B rows and towers of width d:
 *
 * <ul>
 *   <li>{@code towerOutputs} [B, 2d]: row i is [u_i | v_i], the L2-normalised query and item
 *       embeddings.
 *   <li>{@code labels} [B, 3]: row i is (r_i, log p_i, item id of row i) — see {@link #REWARD},
 *       {@link #LOG_Q}, {@link #ITEM_ID}.
 *   <li>result: a scalar, {@code -sum_i r_i * log P(y_i | x_i)}: a SUM over rows, because DL4J
 *       divides the score and the gradients by the minibatch size itself.
 * </ul>
 *
 * <p>Logits are s_ij = &lt;u_i, v_j&gt; / tau, minus log p_j when the correction is {@link
 * LogQCorrection#PAPER} (every column, the positive's included). With accidental-hit masking, every
 * j != i whose item id equals row i's item is left out of row i's softmax. Log-softmax is written
 * out (x - max - log sum exp(x - max)) because {@code sd.nn.logSoftmax} fails at run time in
 * 1.0.0-M2.
 */
public record InBatchSoftmaxLoss(
    int embeddingDim, double temperature, LogQCorrection correction, boolean maskAccidentalHits) {

  /** Label column holding the reward r_i. */
  public static final int REWARD = 0;

  /** Label column holding log p_i, the log sampling probability of row i's item. */
  public static final int LOG_Q = 1;

  /** Label column holding row i's item id (as a float; exact below 2^24). */
  public static final int ITEM_ID = 2;

  /** Number of label columns. */
  public static final int LABEL_WIDTH = 3;

  public InBatchSoftmaxLoss {
    if (embeddingDim < 1) {
      throw TowerErrors.invalidSetting("embeddingDim", embeddingDim, ">= 1");
    }
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw TowerErrors.invalidSetting("temperature", temperature, "a finite number > 0");
    }
    if (correction == null) {
      throw TowerErrors.invalidSetting("correction", null, "PAPER or NONE");
    }
  }

  /** Added to masked logits: far below any real logit, yet exp() of it is a clean 0 in float32. */
  private static final double MASKED_LOGIT = -1e9;

  /**
   * Defines the loss on {@code sd} and marks it as the graph's loss.
   *
   * @return the scalar loss variable
   */
  public SDVariable define(SameDiff sd, SDVariable towerOutputs, SDVariable labels) {
    SDVariable u = towerOutputs.get(SDIndex.all(), SDIndex.interval(0, embeddingDim));
    SDVariable v =
        towerOutputs.get(SDIndex.all(), SDIndex.interval(embeddingDim, 2 * embeddingDim));
    SDVariable reward = column(labels, REWARD);

    SDVariable logits = sd.mmul(u, v, false, true, false).div(temperature); // [B, B]
    SDVariable positive = u.mul(v).sum(true, 1).div(temperature); // [B, 1], equals the diagonal
    if (correction == LogQCorrection.PAPER) {
      SDVariable logQ = column(labels, LOG_Q);
      logits = logits.sub(sd.transpose(logQ));
      positive = positive.sub(logQ);
    }

    SDVariable logProbability;
    if (maskAccidentalHits) {
      // Drop every column with row i's item (the diagonal too), then add the positive back once.
      SDVariable item = column(labels, ITEM_ID);
      SDVariable sameItem = sd.eq(item, sd.transpose(item)).castTo(towerOutputs.dataType());
      SDVariable negatives = logits.add(sameItem.mul(MASKED_LOGIT));
      SDVariable max = sd.math.max(negatives.max(true, 1), positive);
      SDVariable sumExp =
          sd.math.exp(negatives.sub(max)).sum(true, 1).add(sd.math.exp(positive.sub(max)));
      logProbability = positive.sub(max).sub(sd.math.log(sumExp));
    } else {
      SDVariable max = logits.max(true, 1);
      SDVariable sumExp = sd.math.exp(logits.sub(max)).sum(true, 1);
      logProbability = positive.sub(max).sub(sd.math.log(sumExp));
    }
    SDVariable loss = reward.mul(logProbability).sum().neg();
    loss.markAsLoss();
    return loss;
  }

  private static SDVariable column(SDVariable matrix, int index) {
    return matrix.get(SDIndex.all(), SDIndex.interval(index, index + 1));
  }
}
