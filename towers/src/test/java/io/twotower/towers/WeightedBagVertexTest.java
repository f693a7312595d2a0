package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The hand-written forward and backward against plain loops. */
class WeightedBagVertexTest {
  private static final int B = 3;
  private static final int D = 4;
  private static final int L = 5;
  private static final LayerWorkspaceMgr NO_WORKSPACES = LayerWorkspaceMgr.noWorkspaces();

  @Test
  void twoBagsForwardAndBackwardMatchLoops() {
    Nd4j.getRandom().setSeed(12);
    INDArray embeddings = Nd4j.rand(DataType.FLOAT, B, L, D).subi(0.5);
    INDArray history = Nd4j.rand(DataType.FLOAT, B, L);
    history.putScalar(new long[] {2, 4}, 0f); // a padded position
    INDArray candidate = Nd4j.zeros(DataType.FLOAT, B, L);
    candidate.putScalar(new long[] {0, L - 1}, 1f);
    candidate.putScalar(new long[] {1, L - 1}, 1f);
    candidate.putScalar(new long[] {2, L - 1}, 1f);
    INDArray[] weights = {history, candidate};
    INDArray upstream = Nd4j.rand(DataType.FLOAT, B, 2 * D).subi(0.5);
    WeightedBagGraphVertex vertex = vertex(embeddings, history, candidate);

    INDArray out = vertex.doForward(true, NO_WORKSPACES);
    vertex.setEpsilon(upstream);
    INDArray[] gradients = vertex.doBackward(false, NO_WORKSPACES).getSecond();

    assertThat(out.shape()).containsExactly(B, 2 * D);
    for (int b = 0; b < B; b++) {
      for (int i = 0; i < D; i++) {
        for (int s = 0; s < 2; s++) {
          // out_s[b, i] = sum_l E[b, l, i] w_s[b, l]
          double sum = 0;
          for (int l = 0; l < L; l++) {
            sum += embeddings.getDouble(b, l, i) * weights[s].getDouble(b, l);
          }
          assertThat(out.getDouble(b, s * D + i)).isCloseTo(sum, within(1e-5));
        }
        for (int l = 0; l < L; l++) {
          // dE[b, l, i] = sum_s g_s[b, i] w_s[b, l]
          double expected =
              upstream.getDouble(b, i) * history.getDouble(b, l)
                  + upstream.getDouble(b, D + i) * candidate.getDouble(b, l);
          assertThat(gradients[0].getDouble(b, l, i)).isCloseTo(expected, within(1e-5));
        }
      }
      for (int s = 0; s < 2; s++) {
        for (int l = 0; l < L; l++) {
          // dw_s[b, l] = sum_i g_s[b, i] E[b, l, i]
          double expected = 0;
          for (int i = 0; i < D; i++) {
            expected += upstream.getDouble(b, s * D + i) * embeddings.getDouble(b, l, i);
          }
          assertThat(gradients[s + 1].getDouble(b, l)).isCloseTo(expected, within(1e-5));
        }
      }
    }
  }

  @Test
  void meansAStridedView() {
    // Strides other than the embedding layer's own must give the same result.
    INDArray ncw = Nd4j.rand(DataType.FLOAT, B, D, L);
    INDArray nwc = ncw.permute(0, 2, 1);
    INDArray weights = Nd4j.ones(DataType.FLOAT, B, L).divi(L);
    WeightedBagGraphVertex vertex = vertex(nwc, weights);

    INDArray out = vertex.doForward(false, NO_WORKSPACES);

    INDArray mean = nwc.mean(1);
    for (int b = 0; b < B; b++) {
      for (int i = 0; i < D; i++) {
        assertThat(out.getDouble(b, i)).isCloseTo(mean.getDouble(b, i), within(1e-5));
      }
    }
  }

  private static WeightedBagGraphVertex vertex(INDArray... inputs) {
    WeightedBagGraphVertex vertex =
        new WeightedBagGraphVertex(null, "bags", inputs.length, DataType.FLOAT);
    VertexIndices[] from = new VertexIndices[inputs.length];
    for (int i = 0; i < inputs.length; i++) {
      from[i] = new VertexIndices(i, 0);
    }
    vertex.setInputVertices(from);
    for (int i = 0; i < inputs.length; i++) {
      vertex.setInput(i, inputs[i], NO_WORKSPACES);
    }
    return vertex;
  }
}
