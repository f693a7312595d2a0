package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The layer's forward and backward against plain loops over a table, in float32 (read and written
 * in place in native memory) and in double (through heap copies, as in the gradient checks).
 */
class BagOfIdsEmbeddingTest {
  private static final int V = 7;
  private static final int D = 5;
  private static final int B = 4;
  private static final int L = 6;
  private static final int K = 3;
  private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

  enum Precision {
    FLOAT(DataType.FLOAT, 1e-5),
    DOUBLE(DataType.DOUBLE, 1e-12);

    final DataType type;
    final double tolerance;

    Precision(DataType type, double tolerance) {
      this.type = type;
      this.tolerance = tolerance;
    }
  }

  @ParameterizedTest
  @EnumSource(Precision.class)
  void forwardAndBackwardMatchLoopsOverTheTable(Precision precision) {
    Random random = new Random(3);
    double[][] ids = new double[B][L];
    double[][][] weights = new double[K][B][L];
    for (int b = 0; b < B; b++) {
      for (int l = 0; l < L; l++) {
        ids[b][l] = random.nextInt(V); // ids repeat across and within rows
        for (int s = 0; s < K; s++) {
          // About a third of the weights are zero: padding, or a position another bag uses.
          weights[s][b][l] = random.nextInt(3) == 0 ? 0 : random.nextDouble() - 0.3;
        }
      }
    }
    Fixture fixture = new Fixture(precision.type);
    INDArray table = fixture.layer.getParam("W");
    INDArray upstream = Nd4j.rand(precision.type, B, K * D).subi(0.5);

    INDArray out = fixture.forward(input(ids, weights, precision.type));
    INDArray gradient = fixture.backward(upstream);

    assertThat(out.shape()).containsExactly(B, K * D);
    double[][] expectedGradient = new double[V][D];
    for (int b = 0; b < B; b++) {
      for (int s = 0; s < K; s++) {
        for (int i = 0; i < D; i++) {
          double sum = 0;
          for (int l = 0; l < L; l++) {
            int id = (int) ids[b][l];
            sum += weights[s][b][l] * table.getDouble(id, i);
            expectedGradient[id][i] += weights[s][b][l] * upstream.getDouble(b, s * D + i);
          }
          assertThat(out.getDouble(b, s * D + i)).isCloseTo(sum, within(precision.tolerance));
        }
      }
    }
    for (int v = 0; v < V; v++) {
      for (int i = 0; i < D; i++) {
        assertThat(gradient.getDouble(v, i))
            .as("dW[%d, %d]", v, i)
            .isCloseTo(expectedGradient[v][i], within(precision.tolerance));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {-1, V, 2.5})
  void rejectsAnIdOutsideTheTable(double id) {
    double[][] ids = new double[B][L];
    double[][][] weights = new double[K][B][L];
    ids[2][4] = id;
    weights[1][2][4] = 1;
    Fixture fixture = new Fixture(DataType.FLOAT);

    assertThatThrownBy(() -> fixture.forward(input(ids, weights, DataType.FLOAT)))
        .isInstanceOf(DL4JInvalidInputException.class)
        .hasMessageContaining("Id " + id + " at row 2, position 4 is not in [0, " + V + ")");
  }

  @ParameterizedTest
  @ValueSource(doubles = {-1, V})
  void skipsPaddingWhateverItsId(double id) {
    double[][] ids = new double[B][L];
    double[][][] weights = new double[K][B][L];
    ids[2][4] = id; // weighted 0 by every bag
    Fixture fixture = new Fixture(DataType.FLOAT);

    assertThat(fixture.forward(input(ids, weights, DataType.FLOAT)).sumNumber().doubleValue())
        .isZero();
  }

  /** [B, (K+1) L]: the ids, then each weighting. */
  private static INDArray input(double[][] ids, double[][][] weights, DataType type) {
    INDArray input = Nd4j.create(type, B, (K + 1) * L);
    input.get(NDArrayIndex.all(), NDArrayIndex.interval(0, L)).assign(Nd4j.create(ids));
    for (int s = 0; s < K; s++) {
      input
          .get(NDArrayIndex.all(), NDArrayIndex.interval((s + 1) * L, (s + 2) * L))
          .assign(Nd4j.create(weights[s]));
    }
    return input;
  }

  /**
   * One layer whose parameters and gradients are views in the middle of larger flat arrays, as they
   * are in a graph (a view's buffer starts at its own first element).
   */
  private static final class Fixture {
    final Layer layer;
    final INDArray gradientView;

    Fixture(DataType type) {
      BagOfIdsEmbedding conf =
          BagOfIdsEmbedding.of(
              V, D, L, K, new WeightInitDistribution(new UniformDistribution(-1, 1)));
      NeuralNetConfiguration net =
          new NeuralNetConfiguration.Builder().seed(5).dataType(type).layer(conf).build();
      INDArray params = Nd4j.create(type, 1, V * D + 20);
      INDArray gradients = Nd4j.create(type, 1, V * D + 20);
      layer =
          conf.instantiate(
              net,
              null,
              0,
              params
                  .get(NDArrayIndex.point(0), NDArrayIndex.interval(11, 11 + V * D))
                  .reshape(1, V * D),
              true,
              type);
      gradientView =
          gradients
              .get(NDArrayIndex.point(0), NDArrayIndex.interval(9, 9 + V * D))
              .reshape(1, V * D);
      layer.setBackpropGradientsViewArray(gradientView);
    }

    INDArray forward(INDArray input) {
      layer.setInput(input, NO_WORKSPACES);
      return layer.activate(true, NO_WORKSPACES);
    }

    /** The table's gradient, [V, D]. */
    INDArray backward(INDArray upstream) {
      return layer.backpropGradient(upstream, NO_WORKSPACES).getFirst().getGradientFor("W");
    }
  }
}
