package io.twotower.towers;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * {@link InBatchSoftmaxLoss} with its forward and backward pass written out in plain ND4J ops, for
 * a DL4J {@code LossLayer}: the same value and gradient as the SameDiff expression (checked against
 * the same double-precision reference), without SameDiff's per-step session overhead, which took
 * about a third of a training step at batch 1024. In float32 on the CPU the elementwise work on the
 * [B, B] logits, exp() included, runs in Java loops around ND4J's products ({@code
 * lossesAndGradientFused}); other types (the double-precision gradient checks) take the ND4J ops.
 *
 * <p>Shapes as in {@link InBatchSoftmaxLoss}: pre-output [B, 2d] = [u | v] (the activation is the
 * identity), labels [B, 3]. With S_ij the (corrected) logits and pos_i the (corrected) positive:
 *
 * <ul>
 *   <li>no column left out (the diagonal is the positive): log P_i = pos_i - log sum_j exp(S_ij);
 *       d/dS_ij = r_i softmax(S)_ij, d/dpos_i = -r_i;
 *   <li>left-out columns (masking, or a positive that differs from the diagonal): log P_i = pos_i -
 *       log(exp(pos_i) + sum_j exp(N_ij)) with N = S on kept columns, -inf elsewhere; with Z_i that
 *       sum, d/dN_ij = r_i exp(N_ij) / Z_i, d/dpos_i = -r_i (1 - exp(pos_i) / Z_i).
 * </ul>
 *
 * <p>Then with S = u v^T / tau and pos_i = &lt;u_i, v_i&gt; / tau: du = (dS v + dpos * v) / tau, dv
 * = (dS^T u + dpos * u) / tau. computeGradient returns d(sum of row losses)/d(pre-output): DL4J
 * divides by the minibatch size itself.
 */
public final class InBatchSoftmaxLossFunction implements ILossFunction {
  @JsonProperty private int embeddingDim;
  @JsonProperty private double temperature;
  @JsonProperty private LogQCorrection correction;
  @JsonProperty private boolean maskAccidentalHits;

  /**
   * The last call's inputs and results: DL4J asks for the score and then for the gradient of the
   * same minibatch, and both need the whole forward pass. Detached copies, compared exactly.
   */
  @JsonIgnore private transient Computed last;

  private record Computed(INDArray labels, INDArray preOutput, INDArray losses, INDArray gradient) {
    boolean isFor(INDArray otherLabels, INDArray otherPreOutput) {
      return labels.equalShapes(otherLabels)
          && preOutput.equalShapes(otherPreOutput)
          && labels.dataType() == otherLabels.dataType()
          && preOutput.dataType() == otherPreOutput.dataType()
          && !labels.neq(otherLabels).any()
          && !preOutput.neq(otherPreOutput).any();
    }
  }

  /** For Jackson. */
  private InBatchSoftmaxLossFunction() {}

  InBatchSoftmaxLossFunction(InBatchSoftmaxLoss loss) {
    this.embeddingDim = loss.embeddingDim();
    this.temperature = loss.temperature();
    this.correction = loss.correction();
    this.maskAccidentalHits = loss.maskAccidentalHits();
  }

  /**
   * Row losses -r_i log P_i [B, 1] and the gradient [B, 2d]: the previous call's when it was for
   * the same labels and pre-output (then forgotten, so that each result is handed out at most
   * twice), else computed and remembered.
   */
  private synchronized Pair<INDArray, INDArray> lossesAndGradient(
      INDArray labels, INDArray preOutput, IActivation activation) {
    Computed previous = last;
    last = null;
    if (previous != null && previous.isFor(labels, preOutput)) {
      return new Pair<>(previous.losses(), previous.gradient());
    }
    Pair<INDArray, INDArray> both =
        HeapFloats.apply(preOutput.dataType())
                && HeapFloats.fitsMemory(preOutput.size(0) * preOutput.size(0))
            ? lossesAndGradientFused(labels, preOutput, activation)
            : lossesAndGradient(labels, preOutput, activation, true);
    try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      last =
          new Computed(
              labels.dup(), preOutput.dup(), both.getFirst().dup(), both.getSecond().dup());
    }
    return both;
  }

  /** Row losses -r_i log P_i [B, 1], and (when asked) the gradient [B, 2d]. */
  private Pair<INDArray, INDArray> lossesAndGradient(
      INDArray labels, INDArray preOutput, IActivation activation, boolean withGradient) {
    INDArray towers = activation.getActivation(preOutput.dup(), true);
    long d = embeddingDim;
    long rows = towers.size(0);
    INDArray u = towers.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).dup('c');
    INDArray v = towers.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)).dup('c');
    INDArray labelsOfType = labels.castTo(towers.dataType());
    INDArray reward = labelsOfType.getColumn(InBatchSoftmaxLoss.REWARD, true).dup(); // [B, 1]
    INDArray logQ = labelsOfType.getColumn(InBatchSoftmaxLoss.LOG_Q, true).dup(); // [B, 1]

    // Products by gemm into c-order results: mmul of a transposed view, and of a result in f
    // order, each cost a [B, B] transposing copy, five times the product itself at B = 1024.
    INDArray logits = Nd4j.createUninitialized(towers.dataType(), rows, rows); // [B, B]
    Nd4j.gemm(u, v, logits, false, true, 1 / temperature, 0);
    INDArray positive = u.mul(v).sum(true, 1).divi(temperature); // [B, 1]
    if (correction.correctsNegatives()) {
      logits.subiRowVector(logQ.reshape(1, rows));
    }
    if (correction.correctsPositive()) {
      positive.subi(logQ);
    }

    INDArray excluded = excludedColumns(labelsOfType, rows);
    INDArray logProbability;
    INDArray dLogits; // d loss / d logits, before the factor r_i
    INDArray dPositive; // d loss / d positive, before the factor r_i
    if (excluded == null) {
      INDArray max = logits.max(true, 1);
      INDArray exp = Transforms.exp(logits.subiColumnVector(max), false);
      INDArray sum = exp.sum(true, 1);
      logProbability = positive.sub(max).subi(Transforms.log(sum, true));
      dLogits = exp.diviColumnVector(sum);
      dPositive = Nd4j.onesLike(positive).negi();
    } else {
      logits.subi(excluded.muli(InBatchSoftmaxLoss.MASKED_LOGIT_MAGNITUDE));
      INDArray max = Transforms.max(logits.max(true, 1), positive, true);
      INDArray exp = Transforms.exp(logits.subiColumnVector(max), false);
      INDArray positiveExp = Transforms.exp(positive.sub(max), false);
      INDArray sum = exp.sum(true, 1).addi(positiveExp);
      logProbability = positive.sub(max).subi(Transforms.log(sum, true));
      dLogits = exp.diviColumnVector(sum);
      dPositive = positiveExp.divi(sum).rsubi(1).negi();
    }
    INDArray losses = logProbability.muli(reward).negi();
    if (!withGradient) {
      return new Pair<>(losses, null);
    }
    dLogits.muliColumnVector(reward);
    dPositive.muli(reward);
    INDArray du = v.mulColumnVector(dPositive).divi(temperature);
    Nd4j.gemm(dLogits, v, du, false, false, 1 / temperature, 1);
    INDArray dv = u.mulColumnVector(dPositive).divi(temperature);
    Nd4j.gemm(dLogits, u, dv, true, false, 1 / temperature, 1);
    INDArray gradient = Nd4j.hstack(du, dv);
    return new Pair<>(losses, activation.backprop(preOutput.dup(), gradient).getFirst());
  }

  /**
   * The float32 pass: the same maths as {@link #lossesAndGradient(INDArray, INDArray, IActivation,
   * boolean)}, with the elementwise work on the [B, B] logits (correction, left-out columns, row
   * max, exp() and normalisation, the gradient's scaling) fused into one pass over each row, in
   * place in the logits' native memory ({@link FloatKernels}); ND4J keeps the products. Left-out
   * columns hold -infinity, whose exp() is 0.
   */
  private Pair<INDArray, INDArray> lossesAndGradientFused(
      INDArray labels, INDArray preOutput, IActivation activation) {
    INDArray towers = activation.getActivation(preOutput.dup(), true);
    int d = embeddingDim;
    int rows = (int) towers.size(0);
    INDArray u = towers.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).dup('c');
    INDArray v = towers.get(NDArrayIndex.all(), NDArrayIndex.interval(d, 2 * d)).dup('c');
    float[] uv = HeapFloats.read(towers, null); // [B, 2d]
    float[] label = HeapFloats.read(labels.castTo(DataType.FLOAT), null); // [B, 3]
    float inverseTau = (float) (1 / temperature);
    boolean leavesColumnsOut =
        maskAccidentalHits || correction.correctsNegatives() != correction.correctsPositive();

    INDArray logits = Nd4j.createUninitialized(DataType.FLOAT, rows, rows);
    Nd4j.gemm(u, v, logits, false, true, 1 / temperature, 0);
    ByteBuffer s = HeapFloats.memory(logits);
    float[] logQ = new float[rows];
    float[] items = new float[rows];
    float[] rewards = new float[rows];
    for (int i = 0; i < rows; i++) {
      logQ[i] = label[i * InBatchSoftmaxLoss.LABEL_WIDTH + InBatchSoftmaxLoss.LOG_Q];
      items[i] = label[i * InBatchSoftmaxLoss.LABEL_WIDTH + InBatchSoftmaxLoss.ITEM_ID];
      rewards[i] = label[i * InBatchSoftmaxLoss.LABEL_WIDTH + InBatchSoftmaxLoss.REWARD];
    }
    float[] columnCorrection = correction.correctsNegatives() ? logQ : new float[rows];
    // Column j is left out of row i where leftOutKeys[j] == leftOutKeys[i]: the rows' items when
    // masking accidental hits, else (a positive apart from the logits) the column's own index.
    float[] leftOutKeys = maskAccidentalHits ? items : leavesColumnsOut ? indices(rows) : null;
    float[] positive = new float[rows];
    float[] losses = new float[rows];
    float[] du = new float[rows * d];
    float[] dv = new float[rows * d];
    for (int i = 0; i < rows; i++) {
      float dot = 0;
      for (int k = 0; k < d; k++) {
        dot += uv[i * 2 * d + k] * uv[i * 2 * d + d + k];
      }
      positive[i] = dot * inverseTau - (correction.correctsPositive() ? logQ[i] : 0);
      int row = i * rows;
      float rowMax =
          FloatKernels.BEST.correctMaskMax(
              s,
              row,
              rows,
              columnCorrection,
              leftOutKeys,
              leftOutKeys == null ? 0 : leftOutKeys[i],
              leavesColumnsOut ? positive[i] : Float.NEGATIVE_INFINITY);
      // exp(S_ij - max_i) in place, their sum Z_i (plus exp(pos_i - max_i) when it is apart).
      double positiveExp = leavesColumnsOut ? Math.exp(positive[i] - rowMax) : 0;
      double sum = FloatKernels.BEST.expShiftedSum(s, row, rows, rowMax) + positiveExp;
      float reward = rewards[i];
      losses[i] = (float) (-reward * (positive[i] - rowMax - Math.log(sum)));
      FloatKernels.BEST.scale(s, row, rows, (float) (reward / sum)); // d loss / d logits
      // d loss / d positive, then its share of du and dv: dpos * v / tau and dpos * u / tau.
      float dPositive =
          (float) (leavesColumnsOut ? -reward * (1 - positiveExp / sum) : -reward) * inverseTau;
      for (int k = 0; k < d; k++) {
        du[i * d + k] = dPositive * uv[i * 2 * d + d + k];
        dv[i * d + k] = dPositive * uv[i * 2 * d + k];
      }
    }
    INDArray duArray = Nd4j.createUninitialized(DataType.FLOAT, rows, d);
    INDArray dvArray = Nd4j.createUninitialized(DataType.FLOAT, rows, d);
    HeapFloats.write(du, duArray);
    HeapFloats.write(dv, dvArray);
    Nd4j.gemm(logits, v, duArray, false, false, 1 / temperature, 1);
    Nd4j.gemm(logits, u, dvArray, true, false, 1 / temperature, 1);
    INDArray lossArray = Nd4j.createUninitialized(DataType.FLOAT, rows, 1);
    HeapFloats.write(losses, lossArray);
    INDArray gradient = Nd4j.hstack(duArray, dvArray);
    return new Pair<>(
        lossArray.castTo(preOutput.dataType()),
        activation.backprop(preOutput.dup(), gradient).getFirst());
  }

  private static float[] indices(int length) {
    float[] indices = new float[length];
    for (int i = 0; i < length; i++) {
      indices[i] = i;
    }
    return indices;
  }

  /** [B, B], 1 on the columns left out of row i's negatives, or null (see InBatchSoftmaxLoss). */
  private INDArray excludedColumns(INDArray labels, long rows) {
    if (maskAccidentalHits) {
      INDArray items = labels.getColumn(InBatchSoftmaxLoss.ITEM_ID, true).dup(); // [B, 1]
      // item_i - item_j by two broadcasts (ND4J's repeat took a tenth of a training step); ids are
      // whole numbers, exact in float32, so equal items differ by exactly 0.
      INDArray difference =
          Nd4j.zeros(labels.dataType(), rows, rows)
              .addiColumnVector(items)
              .subiRowVector(items.reshape(1, rows));
      return difference.eps(0.0).castTo(labels.dataType());
    }
    if (correction.correctsNegatives() != correction.correctsPositive()) {
      return Nd4j.eye(rows).castTo(labels.dataType());
    }
    return null;
  }

  @Override
  public double computeScore(
      INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, boolean average) {
    requireNoMask(mask);
    double sum =
        lossesAndGradient(labels, preOutput, activation).getFirst().sumNumber().doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  @Override
  public INDArray computeScoreArray(
      INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    requireNoMask(mask);
    return lossesAndGradient(labels, preOutput, activation).getFirst();
  }

  @Override
  public INDArray computeGradient(
      INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    requireNoMask(mask);
    return lossesAndGradient(labels, preOutput, activation).getSecond();
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(
      INDArray labels, INDArray preOutput, IActivation activation, INDArray mask, boolean average) {
    requireNoMask(mask);
    Pair<INDArray, INDArray> both = lossesAndGradient(labels, preOutput, activation);
    double sum = both.getFirst().sumNumber().doubleValue();
    return new Pair<>(average ? sum / preOutput.size(0) : sum, both.getSecond());
  }

  private static void requireNoMask(INDArray mask) {
    if (mask != null) {
      throw new IllegalStateException("The in-batch softmax takes no label mask");
    }
  }

  @Override
  public String name() {
    return "InBatchSoftmax("
        + correction
        + ", tau "
        + temperature
        + ", mask "
        + maskAccidentalHits
        + ")";
  }

  @Override
  public String toString() {
    return name();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InBatchSoftmaxLossFunction other
        && embeddingDim == other.embeddingDim
        && temperature == other.temperature
        && correction == other.correction
        && maskAccidentalHits == other.maskAccidentalHits;
  }

  @Override
  public int hashCode() {
    return Objects.hash(embeddingDim, temperature, correction, maskAccidentalHits);
  }
}
