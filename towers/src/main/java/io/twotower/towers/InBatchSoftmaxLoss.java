package io.twotower.towers;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
 * <p>Logits are s_ij = &lt;u_i, v_j&gt; / tau. The {@link LogQCorrection} says which of them log
 * p_j is subtracted from: every column ({@link LogQCorrection#PAPER}), the negatives j != i only
 * ({@link LogQCorrection#NEGATIVES_ONLY}) or none. With accidental-hit masking, every j != i whose
 * item id equals row i's item is left out of row i's softmax.
 *
 * <p>Rows with reward 0 add nothing to the loss, but their items are columns — negatives — of every
 * other row's softmax: this is how {@link TowerBatcher} appends mixed negatives (uniformly sampled
 * items with their own log q) without changing the graph.
 *
 * <p>Log-softmax is written out (x - max - log sum exp(x - max)) because {@code sd.nn.logSoftmax}
 * fails at run time in 1.0.0-M2.
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
    TowerConfig.TEMPERATURE.check(temperature);
    TowerConfig.CORRECTION.check(correction);
  }

  /** Added to masked logits: far below any real logit, yet exp() of it is a clean 0 in float32. */
  private static final double MASKED_LOGIT = -1e9;

  /** -{@value #MASKED_LOGIT}, for {@link InBatchSoftmaxLossFunction}. */
  static final double MASKED_LOGIT_MAGNITUDE = -MASKED_LOGIT;

  /**
   * Defines the loss on {@code sd} and marks it as the graph's loss.
   *
   * @return the scalar loss variable
   */
  public SDVariable define(SameDiff sd, SDVariable towerOutputs, SDVariable labels) {
    SDVariable u = embeddingColumns(sd, towerOutputs, 0);
    SDVariable v = embeddingColumns(sd, towerOutputs, embeddingDim);
    SDVariable reward = column(labels, REWARD);
    SDVariable logQ = column(labels, LOG_Q);

    // u v^T with v transposed by its own op: mmul's transposeB flag backpropagates wrongly when
    // the product is [1, 1] (a one-row minibatch) in ND4J 1.0.0-M2.1.
    SDVariable logits = sd.mmul(u, sd.transpose(v)).div(temperature); // [B, B]
    SDVariable positive = u.mul(v).sum(true, 1).div(temperature); // [B, 1], equals the diagonal
    if (correction.correctsNegatives()) {
      logits = logits.sub(sd.transpose(logQ));
    }
    if (correction.correctsPositive()) {
      positive = positive.sub(logQ);
    }

    SDVariable excluded = excludedColumns(sd, labels, towerOutputs.dataType());
    SDVariable logProbability =
        excluded == null
            ? logSoftmaxOfDiagonal(sd, logits, positive)
            : logSoftmaxOfPositive(sd, logits.add(excluded.mul(MASKED_LOGIT)), positive);
    SDVariable loss = reward.mul(logProbability).sum().neg();
    loss.markAsLoss();
    return loss;
  }

  /**
   * Columns {@code from .. from + d - 1} of the [B, 2d] tower outputs, [B, d], as a product with a
   * constant [2d, d] selector rather than a slice: the gradient of a column slice ({@code
   * strided_slice_bp}) fails in ND4J 1.0.0-M2.1 when the input has one row ("NDArray::assign:
   * lengths of arrays are mismatched"), and DL4J fits one-row minibatches whenever a worker's rows
   * leave a remainder of one after it re-cuts them into minibatches (see {@link SparkTrainer}): the
   * crash of issue 13. The labels may stay sliced: nothing takes their gradient.
   */
  private SDVariable embeddingColumns(SameDiff sd, SDVariable towerOutputs, int from) {
    INDArray selector = Nd4j.zeros(towerOutputs.dataType(), 2L * embeddingDim, embeddingDim);
    for (int k = 0; k < embeddingDim; k++) {
      selector.putScalar(from + k, k, 1.0);
    }
    return sd.mmul(towerOutputs, sd.constant(selector));
  }

  /**
   * The [B, B] indicator (1 = left out) of the columns that must not enter row i's softmax as
   * negatives, or null when the plain row of logits is row i's softmax already.
   *
   * <ul>
   *   <li>With masking: every column holding row i's item, the diagonal included (the positive is
   *       added back once, with its own correction, by {@link #logSoftmaxOfPositive}).
   *   <li>Without masking but with a correction of the negatives only: the diagonal, whose logit
   *       s_ii - log p_i is not the uncorrected positive.
   *   <li>Otherwise (PAPER or NONE without masking): null, the diagonal is the positive.
   * </ul>
   */
  private SDVariable excludedColumns(SameDiff sd, SDVariable labels, DataType dataType) {
    if (maskAccidentalHits) {
      return equalPairs(sd, column(labels, ITEM_ID), dataType);
    }
    if (!diagonalIsThePositive()) {
      // Row numbers 1..B from a running sum of ones: equal pairs are the identity matrix.
      SDVariable rowNumber = sd.cumsum(sd.onesLike(column(labels, REWARD)), false, false, 0);
      return equalPairs(sd, rowNumber, dataType);
    }
    return null;
  }

  /** Whether s_ii, corrected as the rest of column i is, equals row i's corrected positive. */
  private boolean diagonalIsThePositive() {
    return correction.correctsNegatives() == correction.correctsPositive();
  }

  /** [B, B] with 1 where key_i == key_j, for a column of keys [B, 1]. */
  private static SDVariable equalPairs(SameDiff sd, SDVariable key, DataType dataType) {
    return sd.eq(key, sd.transpose(key)).castTo(dataType);
  }

  /**
   * log P_i = positive_i - log sum_j exp(logits_ij), for logits whose diagonal is the positive.
   *
   * @param logits [B, B], every column of row i's softmax
   * @param positive [B, 1], equal to the diagonal of {@code logits}
   */
  private static SDVariable logSoftmaxOfDiagonal(
      SameDiff sd, SDVariable logits, SDVariable positive) {
    SDVariable max = logits.max(true, 1);
    SDVariable sumExp = sd.math.exp(logits.sub(max)).sum(true, 1);
    return positive.sub(max).sub(sd.math.log(sumExp));
  }

  /**
   * log P_i = positive_i - log(exp(positive_i) + sum_j exp(negatives_ij)), for negatives whose
   * left-out columns (the diagonal among them) hold {@value #MASKED_LOGIT}.
   *
   * @param negatives [B, B], row i's negatives; exp() of a left-out entry is 0
   * @param positive [B, 1], row i's positive logit
   */
  private static SDVariable logSoftmaxOfPositive(
      SameDiff sd, SDVariable negatives, SDVariable positive) {
    SDVariable max = sd.math.max(negatives.max(true, 1), positive);
    SDVariable sumExp =
        sd.math.exp(negatives.sub(max)).sum(true, 1).add(sd.math.exp(positive.sub(max)));
    return positive.sub(max).sub(sd.math.log(sumExp));
  }

  private static SDVariable column(SDVariable matrix, int index) {
    return matrix.get(SDIndex.all(), SDIndex.interval(index, index + 1));
  }
}
