package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
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

  @Test
  void twoOrthogonalRowsMatchTheHandWorkedValues() {
    // u1 = v1 = e1, u2 = v2 = e2, tau = 1: logits [[1, 0], [0, 1]].
    double[][] u = {{1, 0}, {0, 1}};
    double[][] v = {{1, 0}, {0, 1}};
    double[] reward = {1, 1};
    double[] logQ = {Math.log(0.5), Math.log(0.25)};
    int[] distinct = {5, 6};
    // NONE: each row loses log(1 + e) - 1 = 0.31326; two rows 0.62652.
    assertThat(lossOf(u, v, reward, logQ, distinct, 1.0, LogQCorrection.NONE, false))
        .isCloseTo(0.62652, within(1e-4));
    // PAPER: row 1 logits [1 + ln 2, ln 4] -> log(1 + e^(ln 4 - 1 - ln 2)) = log(1 + 2/e) =
    // 0.55152;
    // row 2 logits [ln 2, 1 + ln 4] -> log(1 + e^(ln 2 - 1 - ln 4)) = log(1 + 1/(2e)) = 0.16885.
    assertThat(lossOf(u, v, reward, logQ, distinct, 1.0, LogQCorrection.PAPER, false))
        .isCloseTo(0.55144 + 0.16885, within(1e-4));
    // Same item in both rows and masking on: each row's softmax holds only its positive: loss 0.
    assertThat(lossOf(u, v, reward, logQ, new int[] {5, 5}, 1.0, LogQCorrection.PAPER, true))
        .isCloseTo(0.0, within(1e-6));
  }

  @ParameterizedTest
  @CsvSource({"PAPER, true", "PAPER, false", "NONE, true", "NONE, false"})
  void valueAndGradientMatchTheDoubleReference(LogQCorrection correction, boolean mask) {
    Batch batch = Batch.random(new Random(42));
    InBatchSoftmaxLoss loss = new InBatchSoftmaxLoss(D, TAU, correction, mask);
    SameDiff sd = SameDiff.create();
    SDVariable input = sd.placeHolder("input", DataType.FLOAT, -1, 2 * D);
    SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, -1, 3);
    SDVariable value = loss.define(sd, input, labels);
    Map<String, INDArray> feed = Map.of("input", batch.towerOutputs(), "labels", batch.labels());

    double actual = sd.output(feed, value.name()).get(value.name()).getDouble(0);
    // As DL4J's SameDiffOutputLayer does: the input is a placeholder, not a trainable variable.
    sd.createGradFunction("input");
    INDArray gradient = sd.calculateGradients(feed, "input").get("input");

    Reference reference = new Reference(batch, correction, mask);
    assertThat(actual).isCloseTo(reference.loss(batch.u, batch.v), within(1e-4));
    double[][] expected = reference.gradient();
    for (int i = 0; i < B; i++) {
      for (int k = 0; k < 2 * D; k++) {
        assertThat(gradient.getDouble(i, k))
            .as("dL/d[u|v][%d][%d]", i, k)
            .isCloseTo(expected[i][k], within(2e-4));
      }
    }
  }

  @Test
  void analyticReferenceGradientAgreesWithFiniteDifferences() {
    Batch batch = Batch.random(new Random(7));
    Reference reference = new Reference(batch, LogQCorrection.PAPER, true);
    double[][] analytic = reference.gradient();
    double h = 1e-6;
    for (int i = 0; i < B; i++) {
      for (int k = 0; k < D; k++) {
        double[][] plus = copy(batch.u);
        double[][] minus = copy(batch.u);
        plus[i][k] += h;
        minus[i][k] -= h;
        double numeric = (reference.loss(plus, batch.v) - reference.loss(minus, batch.v)) / (2 * h);
        assertThat(analytic[i][k]).isCloseTo(numeric, within(1e-5));
        plus = copy(batch.v);
        minus = copy(batch.v);
        plus[i][k] += h;
        minus[i][k] -= h;
        numeric = (reference.loss(batch.u, plus) - reference.loss(batch.u, minus)) / (2 * h);
        assertThat(analytic[i][D + k]).isCloseTo(numeric, within(1e-5));
      }
    }
  }

  @Test
  void graphScoreIsTheMeanOverRows() {
    Batch batch = Batch.random(new Random(3));
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
                new INDArray[] {batch.towerOutputs()}, new INDArray[] {batch.labels()}));

    double sum = new Reference(batch, LogQCorrection.PAPER, true).loss(batch.u, batch.v);
    assertThat(score).isCloseTo(sum / B, within(1e-4));
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
    SameDiff sd = SameDiff.create();
    SDVariable input = sd.placeHolder("input", DataType.FLOAT, -1, 2 * u[0].length);
    SDVariable labels = sd.placeHolder("labels", DataType.FLOAT, -1, 3);
    SDVariable value =
        new InBatchSoftmaxLoss(u[0].length, tau, correction, mask).define(sd, input, labels);
    Map<String, INDArray> feed = Map.of("input", batch.towerOutputs(), "labels", batch.labels());
    return sd.output(feed, value.name()).get(value.name()).getDouble(0);
  }

  private static double[][] copy(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }

  /** A batch in doubles; the towers' outputs are unit vectors, as after L2 normalisation. */
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

    INDArray towerOutputs() {
      int d = u[0].length;
      float[][] out = new float[u.length][2 * d];
      for (int i = 0; i < u.length; i++) {
        for (int k = 0; k < d; k++) {
          out[i][k] = (float) u[i][k];
          out[i][d + k] = (float) v[i][k];
        }
      }
      return Nd4j.create(out);
    }

    INDArray labels() {
      float[][] out = new float[u.length][3];
      for (int i = 0; i < u.length; i++) {
        out[i] = new float[] {(float) reward[i], (float) logQ[i], items[i]};
      }
      return Nd4j.create(out);
    }
  }

  /** The loss written plainly: loops, doubles, no shared code with the implementation. */
  record Reference(Batch batch, LogQCorrection correction, boolean mask) {
    double loss(double[][] u, double[][] v) {
      double total = 0;
      for (int i = 0; i < u.length; i++) {
        double[] p = softmaxRow(u, v, i);
        total -= batch.reward[i] * Math.log(p[i]);
      }
      return total;
    }

    /**
     * dL/du_i = sum_j g_ij v_j / tau, dL/dv_j = sum_i g_ij u_i / tau, g_ij = -r_i (1[i=j] - p_ij).
     */
    double[][] gradient() {
      int n = batch.u.length;
      int d = batch.u[0].length;
      double[][] grad = new double[n][2 * d];
      for (int i = 0; i < n; i++) {
        double[] p = softmaxRow(batch.u, batch.v, i);
        for (int j = 0; j < n; j++) {
          double g = -batch.reward[i] * ((i == j ? 1 : 0) - p[j]);
          for (int k = 0; k < d; k++) {
            grad[i][k] += g * batch.v[j][k] / TAU;
            grad[j][d + k] += g * batch.u[i][k] / TAU;
          }
        }
      }
      return grad;
    }

    /** Softmax of row i over the included columns; excluded columns get probability 0. */
    private double[] softmaxRow(double[][] u, double[][] v, int i) {
      int n = u.length;
      double[] logits = new double[n];
      boolean[] included = new boolean[n];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        included[j] = j == i || !mask || batch.items[j] != batch.items[i];
        double dot = 0;
        for (int k = 0; k < u[i].length; k++) {
          dot += u[i][k] * v[j][k];
        }
        logits[j] = dot / TAU - (correction == LogQCorrection.PAPER ? batch.logQ[j] : 0);
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
