package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The loss and its gradient against a plain double-precision computation. */
class InBatchSoftmaxLossTest {
  private static final int B = 6;
  private static final int D = 4;
  private static final double TAU = 0.2;
  // Rows 0 and 2 share item 3, rows 1 and 4 share item 7: two accidental hits each way.
  private static final int[] ITEMS = {3, 7, 3, 1, 7, 9};
  // Mixed negatives: 7 is an accidental hit of rows 1 and 4; 11 and 12 occur nowhere else.
  private static final int[] NEGATIVE_ITEMS = {11, 7, 12};

  // The hand-worked cases: u1 = v1 = e1, u2 = v2 = e2, tau = 1: logits [[1, 0], [0, 1]].
  private static final double[][] E1_E2 = {{1, 0}, {0, 1}};
  private static final double[] LOG_HALF_QUARTER = {Math.log(0.5), Math.log(0.25)};
  private static final double[] UNIT_REWARDS = {1, 1};

  @Test
  void twoOrthogonalRowsMatchTheHandWorkedValues() {
    int[] distinct = {5, 6};
    // NONE: each row loses log(1 + e) - 1 = 0.31326; two rows 0.62652.
    assertThat(handWorkedLoss(UNIT_REWARDS, LOG_HALF_QUARTER, distinct, LogQCorrection.NONE, false))
        .isCloseTo(0.62652, within(1e-4));
    // PAPER: row 1 logits [1 + ln 2, ln 4] -> log(1 + e^(ln 4 - 1 - ln 2)) = log(1 + 2/e) =
    // 0.55144; row 2 logits [ln 2, 1 + ln 4] -> log(1 + e^(ln 2 - 1 - ln 4)) = log(1 + 1/(2e)) =
    // 0.16885.
    assertThat(
            handWorkedLoss(UNIT_REWARDS, LOG_HALF_QUARTER, distinct, LogQCorrection.PAPER, false))
        .isCloseTo(0.55144 + 0.16885, within(1e-4));
    // Same item in both rows and masking on: each row's softmax holds only its positive: loss 0.
    assertThat(
            handWorkedLoss(
                UNIT_REWARDS, LOG_HALF_QUARTER, new int[] {5, 5}, LogQCorrection.PAPER, true))
        .isCloseTo(0.0, within(1e-6));
  }

  @Test
  void negativesOnlyLeavesThePositiveUncorrected() {
    LogQCorrection correction = LogQCorrection.NEGATIVES_ONLY;
    // Row 1: positive 1, negative 0 - ln(1/4) = ln 4 -> log(e + 4) - 1 = log(1 + 4/e) = 0.90483.
    // Row 2: positive 1, negative 0 - ln(1/2) = ln 2 -> log(1 + 2/e) = 0.55144.
    assertThat(handWorkedLoss(UNIT_REWARDS, LOG_HALF_QUARTER, new int[] {5, 6}, correction, false))
        .isCloseTo(0.90483 + 0.55144, within(1e-4));
    // Masking on, the same rows: identical, there is no accidental hit.
    assertThat(handWorkedLoss(UNIT_REWARDS, LOG_HALF_QUARTER, new int[] {5, 6}, correction, true))
        .isCloseTo(0.90483 + 0.55144, within(1e-4));
    // One item in both rows, masked: each softmax holds only its uncorrected positive: loss 0.
    assertThat(handWorkedLoss(UNIT_REWARDS, LOG_HALF_QUARTER, new int[] {5, 5}, correction, true))
        .isCloseTo(0.0, within(1e-6));
  }

  @Test
  void aZeroRewardRowIsOnlyANegative() {
    // Row 1 (reward 1, log p = 0) and row 2, a mixed negative: reward 0, log q = ln(1/4), and a
    // query that would dominate row 2's own softmax if it counted.
    double[] reward = {1, 0};
    double[] logQ = {0, Math.log(0.25)};
    int[] items = {5, 6};
    // Corrected: row 1 logits [1, 0 + ln 4] -> log(1 + 4/e) = 0.90483, under both variants
    // (log p of the positive is 0).
    assertThat(handWorkedLoss(reward, logQ, items, LogQCorrection.PAPER, false))
        .isCloseTo(0.90483, within(1e-4));
    assertThat(handWorkedLoss(reward, logQ, items, LogQCorrection.NEGATIVES_ONLY, false))
        .isCloseTo(0.90483, within(1e-4));
    // Plain: row 1 logits [1, 0] -> log(1 + 1/e) = 0.31326.
    assertThat(handWorkedLoss(reward, logQ, items, LogQCorrection.NONE, false))
        .isCloseTo(0.31326, within(1e-4));
  }

  static Stream<Arguments> variants() {
    return Arrays.stream(LogQCorrection.values())
        .flatMap(
            correction ->
                Stream.of(true, false)
                    .flatMap(
                        mask ->
                            Stream.of(0, NEGATIVE_ITEMS.length)
                                .map(negatives -> Arguments.of(correction, mask, negatives))));
  }

  @ParameterizedTest(name = "{0}, mask {1}, {2} mixed negatives")
  @MethodSource("variants")
  void valueAndGradientMatchTheDoubleReference(
      LogQCorrection correction, boolean mask, int mixedNegatives) {
    Random random = new Random(42);
    Batch batch = Batch.random(random);
    Negatives negatives = Negatives.random(random, mixedNegatives, batch);
    InBatchSoftmaxLoss loss = new InBatchSoftmaxLoss(D, TAU, correction, mask);
    SameDiff sd = SameDiff.create();
    SDVariable input = sd.placeHolder("input", DataType.FLOAT, -1, 2 * D);
    SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, -1, 3);
    SDVariable value = loss.define(sd, input, labels);
    Map<String, INDArray> feed =
        Map.of("input", towerOutputs(batch, negatives), "labels", labels(batch, negatives));

    double actual = sd.output(feed, value.name()).get(value.name()).getDouble(0);
    // As DL4J's SameDiffOutputLayer does: the input is a placeholder, not a trainable variable.
    sd.createGradFunction("input");
    INDArray gradient = sd.calculateGradients(feed, "input").get("input");

    Reference reference = new Reference(batch, negatives, correction, mask);
    assertThat(actual).isCloseTo(reference.loss(batch.u, batch.v, negatives.v), within(1e-4));
    double[][] expected = reference.gradient();
    for (int i = 0; i < B + mixedNegatives; i++) {
      for (int k = 0; k < 2 * D; k++) {
        assertThat(gradient.getDouble(i, k))
            .as("dL/d[u|v][%d][%d]", i, k)
            .isCloseTo(expected[i][k], within(2e-4));
      }
    }
  }

  /**
   * One row: its softmax holds only its positive, so its loss and gradient are 0. DL4J fits such
   * minibatches when a worker's rows leave a remainder of one (issue 13, where the gradient failed
   * in ND4J's strided_slice_bp for a one-row input).
   */
  @ParameterizedTest(name = "{0}, mask {1}")
  @MethodSource("correctionsAndMasking")
  void aOneRowBatchHasZeroLossAndGradient(LogQCorrection correction, boolean mask) {
    InBatchSoftmaxLoss loss = new InBatchSoftmaxLoss(D, TAU, correction, mask);
    SameDiff sd = SameDiff.create();
    SDVariable input = sd.placeHolder("input", DataType.FLOAT, -1, 2 * D);
    SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, -1, 3);
    SDVariable value = loss.define(sd, input, labels);
    Map<String, INDArray> feed =
        Map.of(
            "input",
            Nd4j.create(new float[][] {{0.6f, 0.8f, 0, 0, 0, 1, 0, 0}}),
            "labels",
            Nd4j.create(new float[][] {{1, (float) Math.log(0.5), 3}}));

    double actual = sd.output(feed, value.name()).get(value.name()).getDouble(0);
    sd.createGradFunction("input");
    INDArray gradient = sd.calculateGradients(feed, "input").get("input");

    assertThat(actual).isCloseTo(0.0, within(1e-6));
    assertThat(gradient.shape()).containsExactly(1, 2 * D);
    assertThat(gradient.amaxNumber().doubleValue()).isCloseTo(0.0, within(1e-6));
  }

  /** The hand-written LossLayer loss against the same reference as the SameDiff expression. */
  @ParameterizedTest(name = "{0}, mask {1}, {2} mixed negatives")
  @MethodSource("variants")
  void handWrittenValueAndGradientMatchTheDoubleReference(
      LogQCorrection correction, boolean mask, int mixedNegatives) {
    Random random = new Random(42);
    Batch batch = Batch.random(random);
    Negatives negatives = Negatives.random(random, mixedNegatives, batch);
    InBatchSoftmaxLossFunction loss =
        new InBatchSoftmaxLossFunction(new InBatchSoftmaxLoss(D, TAU, correction, mask));
    INDArray input = towerOutputs(batch, negatives);
    INDArray labels = labels(batch, negatives);

    Pair<Double, INDArray> both =
        loss.computeGradientAndScore(labels, input, new ActivationIdentity(), null, false);

    Reference reference = new Reference(batch, negatives, correction, mask);
    double expectedLoss = reference.loss(batch.u, batch.v, negatives.v);
    assertThat(both.getFirst()).isCloseTo(expectedLoss, within(1e-4));
    assertThat(loss.computeScore(labels, input, new ActivationIdentity(), null, false))
        .isCloseTo(expectedLoss, within(1e-4));
    assertThat(
            loss.computeScoreArray(labels, input, new ActivationIdentity(), null)
                .sumNumber()
                .doubleValue())
        .isCloseTo(expectedLoss, within(1e-4));
    double[][] expected = reference.gradient();
    for (int i = 0; i < B + mixedNegatives; i++) {
      for (int k = 0; k < 2 * D; k++) {
        assertThat(both.getSecond().getDouble(i, k))
            .as("dL/d[u|v][%d][%d]", i, k)
            .isCloseTo(expected[i][k], within(2e-4));
      }
    }
  }

  @ParameterizedTest(name = "{0}, mask {1}")
  @MethodSource("correctionsAndMasking")
  void handWrittenOneRowBatchHasZeroLossAndGradient(LogQCorrection correction, boolean mask) {
    InBatchSoftmaxLossFunction loss =
        new InBatchSoftmaxLossFunction(new InBatchSoftmaxLoss(D, TAU, correction, mask));
    Pair<Double, INDArray> both =
        loss.computeGradientAndScore(
            Nd4j.create(new float[][] {{1, (float) Math.log(0.5), 3}}),
            Nd4j.create(new float[][] {{0.6f, 0.8f, 0, 0, 0, 1, 0, 0}}),
            new ActivationIdentity(),
            null,
            false);

    assertThat(both.getFirst()).isCloseTo(0.0, within(1e-6));
    assertThat(both.getSecond().shape()).containsExactly(1, 2 * D);
    assertThat(both.getSecond().amaxNumber().doubleValue()).isCloseTo(0.0, within(1e-6));
  }

  static Stream<Arguments> correctionsAndMasking() {
    return Arrays.stream(LogQCorrection.values())
        .flatMap(
            correction ->
                Stream.of(Arguments.of(correction, true), Arguments.of(correction, false)));
  }

  @Test
  void theVariantsDifferOnARandomBatch() {
    // Guards the test above against a reference that ignores its correction argument.
    Batch batch = Batch.random(new Random(42));
    double paper = lossOf(batch, LogQCorrection.PAPER);
    double negativesOnly = lossOf(batch, LogQCorrection.NEGATIVES_ONLY);
    double none = lossOf(batch, LogQCorrection.NONE);
    assertThat(Math.abs(paper - negativesOnly)).isGreaterThan(0.1);
    assertThat(Math.abs(negativesOnly - none)).isGreaterThan(0.1);
    assertThat(Math.abs(paper - none)).isGreaterThan(0.1);
  }

  @ParameterizedTest
  @EnumSource(LogQCorrection.class)
  void analyticReferenceGradientAgreesWithFiniteDifferences(LogQCorrection correction) {
    Random random = new Random(7);
    Batch batch = Batch.random(random);
    Negatives negatives = Negatives.random(random, NEGATIVE_ITEMS.length, batch);
    Reference reference = new Reference(batch, negatives, correction, true);
    double[][] analytic = reference.gradient();
    double h = 1e-6;
    double[][][] inputs = {batch.u, batch.v, negatives.v};
    for (int which = 0; which < inputs.length; which++) {
      for (int i = 0; i < inputs[which].length; i++) {
        for (int k = 0; k < D; k++) {
          double[][][] plus = {batch.u, batch.v, negatives.v};
          double[][][] minus = {batch.u, batch.v, negatives.v};
          plus[which] = copy(inputs[which]);
          minus[which] = copy(inputs[which]);
          plus[which][i][k] += h;
          minus[which][i][k] -= h;
          double numeric =
              (reference.loss(plus[0], plus[1], plus[2])
                      - reference.loss(minus[0], minus[1], minus[2]))
                  / (2 * h);
          // Layout of the gradient: [u | v] per example row, then [0 | w] per negative row.
          int row = which == 2 ? B + i : i;
          int column = which == 0 ? k : D + k;
          assertThat(analytic[row][column])
              .as("%d[%d][%d]", which, i, k)
              .isCloseTo(numeric, within(1e-5));
        }
      }
    }
  }

  @Test
  void graphScoreIsTheSumOverExamplesDividedByAllRows() {
    Random random = new Random(3);
    Batch batch = Batch.random(random);
    Negatives negatives = Negatives.random(random, NEGATIVE_ITEMS.length, batch);
    InBatchSoftmaxLoss loss = new InBatchSoftmaxLoss(D, TAU, LogQCorrection.PAPER, true);
    ComputationGraph graph =
        new ComputationGraph(
            new NeuralNetConfiguration.Builder()
                .dataType(DataType.FLOAT)
                .graphBuilder()
                .addInputs("towers")
                .addLayer("loss", new InBatchSoftmaxLayer(loss), "towers")
                .setOutputs("loss")
                .build());
    graph.init();

    double score =
        graph.score(
            new MultiDataSet(
                new INDArray[] {towerOutputs(batch, negatives)},
                new INDArray[] {labels(batch, negatives)}));

    // DL4J divides by the minibatch's rows, the mixed negatives' included (see TowerBatcher).
    double sum =
        new Reference(batch, negatives, LogQCorrection.PAPER, true)
            .loss(batch.u, batch.v, negatives.v);
    assertThat(score).isCloseTo(sum / (B + NEGATIVE_ITEMS.length), within(1e-4));
  }

  /** The loss of the two hand-worked rows. */
  private static double handWorkedLoss(
      double[] reward, double[] logQ, int[] items, LogQCorrection correction, boolean mask) {
    return lossOf(E1_E2, E1_E2, reward, logQ, items, 1.0, correction, mask);
  }

  private static double lossOf(Batch batch, LogQCorrection correction) {
    return lossOf(batch.u, batch.v, batch.reward, batch.logQ, batch.items, TAU, correction, false);
  }

  private static double lossOf(
      double[][] u,
      double[][] v,
      double[] reward,
      double[] logQ,
      int[] items,
      double tau,
      LogQCorrection correction,
      boolean mask) {
    Batch batch = new Batch(u, v, reward, logQ, items);
    Negatives none = Negatives.random(new Random(0), 0, batch); // no mixed negatives
    SameDiff sd = SameDiff.create();
    SDVariable input = sd.placeHolder("input", DataType.FLOAT, -1, 2 * u[0].length);
    SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, -1, 3);
    SDVariable value =
        new InBatchSoftmaxLoss(u[0].length, tau, correction, mask).define(sd, input, labels);
    Map<String, INDArray> feed =
        Map.of("input", towerOutputs(batch, none), "labels", labels(batch, none));
    return sd.output(feed, value.name()).get(value.name()).getDouble(0);
  }

  /** [u | v] of the examples, then [query | v] of the negatives, as float32. */
  private static INDArray towerOutputs(Batch batch, Negatives negatives) {
    int d = batch.u[0].length;
    int rows = batch.u.length + negatives.v.length;
    float[][] out = new float[rows][2 * d];
    for (int i = 0; i < rows; i++) {
      boolean example = i < batch.u.length;
      double[] query = example ? batch.u[i] : negatives.queries[i - batch.u.length];
      double[] item = example ? batch.v[i] : negatives.v[i - batch.u.length];
      for (int k = 0; k < d; k++) {
        out[i][k] = (float) query[k];
        out[i][d + k] = (float) item[k];
      }
    }
    return Nd4j.create(out);
  }

  /** (reward, log q, item) of the examples, then (0, log q', item) of the negatives. */
  private static INDArray labels(Batch batch, Negatives negatives) {
    int rows = batch.u.length + negatives.v.length;
    float[][] out = new float[rows][];
    for (int i = 0; i < batch.u.length; i++) {
      out[i] = new float[] {(float) batch.reward[i], (float) batch.logQ[i], batch.items[i]};
    }
    for (int e = 0; e < negatives.v.length; e++) {
      out[batch.u.length + e] = new float[] {0, (float) negatives.logQ, negatives.items[e]};
    }
    return Nd4j.create(out);
  }

  private static double[][] copy(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }

  private static double[] unit(Random random) {
    double[] x = new double[D];
    double norm = 0;
    for (int k = 0; k < D; k++) {
      x[k] = random.nextGaussian();
      norm += x[k] * x[k];
    }
    for (int k = 0; k < D; k++) {
      x[k] /= Math.sqrt(norm);
    }
    return x;
  }

  /** The examples in doubles; the towers' outputs are unit vectors, as after L2 normalisation. */
  record Batch(double[][] u, double[][] v, double[] reward, double[] logQ, int[] items) {
    static Batch random(Random random) {
      double[][] u = new double[B][];
      double[][] v = new double[B][];
      double[] reward = new double[B];
      double[] logQ = new double[B];
      for (int i = 0; i < B; i++) {
        u[i] = unit(random);
        v[i] = unit(random);
        reward[i] = 0.5 + 1.5 * random.nextDouble();
        logQ[i] = -5 + 4 * random.nextDouble();
      }
      // Rows sharing an item share its embedding and its log q, as in real batches.
      v[2] = v[0].clone();
      v[4] = v[1].clone();
      logQ[2] = logQ[0];
      logQ[4] = logQ[1];
      return new Batch(u, v, reward, logQ, ITEMS.clone());
    }
  }

  /**
   * Mixed negatives: the reference sees only their items (embeddings v, one log q for all, ids).
   * The implementation also gets a query per negative row (the towers' output for an empty
   * history); it must not matter, so it is random here.
   */
  record Negatives(double[][] queries, double[][] v, double logQ, int[] items) {
    static Negatives random(Random random, int count, Batch batch) {
      double[][] queries = new double[count][];
      double[][] v = new double[count][];
      int[] items = Arrays.copyOf(NEGATIVE_ITEMS, count);
      for (int e = 0; e < count; e++) {
        queries[e] = unit(random);
        // An item's embedding does not depend on how it got into the batch.
        int sameItemRow = indexOf(batch.items, items[e]);
        v[e] = sameItemRow < 0 ? unit(random) : batch.v[sameItemRow].clone();
      }
      // log(B'/N) for B' = 3 of N = 50 items; unlike any example's log p.
      return new Negatives(queries, v, Math.log(3.0 / 50), items);
    }

    private static int indexOf(int[] values, int value) {
      for (int i = 0; i < values.length; i++) {
        if (values[i] == value) {
          return i;
        }
      }
      return -1;
    }
  }

  /**
   * The loss written plainly: loops, doubles, no shared code with the implementation. Row i of the
   * softmax runs over B + B' columns: the B examples' items, then the B' negatives' items; only the
   * B examples are rows.
   */
  record Reference(Batch batch, Negatives negatives, LogQCorrection correction, boolean mask) {
    /** -sum_i r_i log P(y_i | x_i), with w the negatives' item embeddings. */
    double loss(double[][] u, double[][] v, double[][] w) {
      double total = 0;
      for (int i = 0; i < u.length; i++) {
        double[] p = softmaxRow(u, columns(v, w), i);
        total -= batch.reward[i] * Math.log(p[i]);
      }
      return total;
    }

    /**
     * [B + B'][2d]: dL/d[u_i | v_i] for each example, then [0 | dL/dw_e] for each negative. With
     * column vectors c_j and g_ij = -r_i (1[i=j] - p_ij): dL/du_i = sum_j g_ij c_j / tau, dL/dc_j =
     * sum_i g_ij u_i / tau (log q is a constant offset of the logit and does not change g).
     */
    double[][] gradient() {
      double[][] columns = columns(batch.v, negatives.v);
      int d = batch.u[0].length;
      double[][] grad = new double[columns.length][2 * d];
      for (int i = 0; i < batch.u.length; i++) {
        double[] p = softmaxRow(batch.u, columns, i);
        for (int j = 0; j < columns.length; j++) {
          double g = -batch.reward[i] * ((i == j ? 1 : 0) - p[j]);
          for (int k = 0; k < d; k++) {
            grad[i][k] += g * columns[j][k] / TAU;
            grad[j][d + k] += g * batch.u[i][k] / TAU;
          }
        }
      }
      return grad;
    }

    private static double[][] columns(double[][] v, double[][] w) {
      double[][] all = Arrays.copyOf(v, v.length + w.length);
      System.arraycopy(w, 0, all, v.length, w.length);
      return all;
    }

    private int item(int column) {
      int b = batch.items.length;
      return column < b ? batch.items[column] : negatives.items[column - b];
    }

    private double logQ(int column) {
      int b = batch.items.length;
      return column < b ? batch.logQ[column] : negatives.logQ;
    }

    /** What is subtracted from logit (i, j): log q_j where the variant corrects it, else 0. */
    private double correctionOf(int i, int j) {
      boolean corrected =
          switch (correction) {
            case PAPER -> true;
            case NEGATIVES_ONLY -> j != i;
            case NONE -> false;
          };
      return corrected ? logQ(j) : 0;
    }

    /** Softmax of row i over the included columns; excluded columns get probability 0. */
    private double[] softmaxRow(double[][] u, double[][] columns, int i) {
      int n = columns.length;
      double[] logits = new double[n];
      boolean[] included = new boolean[n];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        included[j] = j == i || !mask || item(j) != item(i);
        double dot = 0;
        for (int k = 0; k < u[i].length; k++) {
          dot += u[i][k] * columns[j][k];
        }
        logits[j] = dot / TAU - correctionOf(i, j);
        if (included[j]) {
          max = Math.max(max, logits[j]);
        }
      }
      double sum = 0;
      for (int j = 0; j < n; j++) {
        sum += included[j] ? Math.exp(logits[j] - max) : 0;
      }
      double[] p = new double[n];
      for (int j = 0; j < n; j++) {
        p[j] = included[j] ? Math.exp(logits[j] - max) / sum : 0;
      }
      return p;
    }
  }
}
