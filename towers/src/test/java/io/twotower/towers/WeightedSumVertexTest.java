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
class WeightedSumVertexTest {
  private static final int B = 3;
  private static final int D = 4;
  private static final int L = 5;

  private static WeightedSumGraphVertex vertex() {
    WeightedSumGraphVertex vertex = new WeightedSumGraphVertex(null, "bag", 2, DataType.FLOAT);
    vertex.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0), new VertexIndices(1, 0)});
    return vertex;
  }

  @Test
  void forwardAndBackwardMatchLoops() {
    INDArray embeddings = Nd4j.rand(DataType.FLOAT, B, D, L).subi(0.5);
    INDArray weights = Nd4j.rand(DataType.FLOAT, B, L);
    INDArray upstream = Nd4j.rand(DataType.FLOAT, B, D).subi(0.5);
    weights.putScalar(new long[] {2, 4}, 0f); // a padded position
    WeightedSumGraphVertex vertex = vertex();
    LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
    vertex.setInput(0, embeddings, none);
    vertex.setInput(1, weights, none);

    INDArray out = vertex.doForward(true, none);
    vertex.setEpsilon(upstream);
    INDArray[] gradients = vertex.doBackward(false, none).getSecond();

    for (int b = 0; b < B; b++) {
      for (int k = 0; k < D; k++) {
        double sum = 0;
        for (int l = 0; l < L; l++) {
          sum += embeddings.getDouble(b, k, l) * weights.getDouble(b, l);
          // dE[b, k, l] = g[b, k] * w[b, l]
          assertThat(gradients[0].getDouble(b, k, l))
              .isCloseTo(upstream.getDouble(b, k) * weights.getDouble(b, l), within(1e-6));
        }
        assertThat(out.getDouble(b, k)).isCloseTo(sum, within(1e-5));
      }
      for (int l = 0; l < L; l++) {
        double dw = 0;
        for (int k = 0; k < D; k++) {
          dw += upstream.getDouble(b, k) * embeddings.getDouble(b, k, l);
        }
        assertThat(gradients[1].getDouble(b, l)).isCloseTo(dw, within(1e-5));
      }
    }
  }

  @Test
  void worksOnThePermutedViewAnEmbeddingLayerEmits() {
    // EmbeddingSequenceLayer returns NCW as a permuted view of [B, L, d].
    INDArray nwc = Nd4j.rand(DataType.FLOAT, B, L, D);
    INDArray ncw = nwc.permute(0, 2, 1);
    INDArray weights = Nd4j.ones(DataType.FLOAT, B, L).divi(L);
    WeightedSumGraphVertex vertex = vertex();
    LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
    vertex.setInput(0, ncw, none);
    vertex.setInput(1, weights, none);

    INDArray out = vertex.doForward(false, none);

    INDArray mean = nwc.mean(1);
    for (int b = 0; b < B; b++) {
      for (int k = 0; k < D; k++) {
        assertThat(out.getDouble(b, k)).isCloseTo(mean.getDouble(b, k), within(1e-5));
      }
    }
  }
}
