package io.twotower.towers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;

/**
 * Runtime of {@link WeightedSumVertex}. With E = embeddings [B, d, L], w = weights [B, L] and the
 * incoming gradient g [B, d]: out[b, k] = sum_l E[b, k, l] w[b, l]; dE[b, k, l] = g[b, k] w[b, l];
 * dw[b, l] = sum_k g[b, k] E[b, k, l].
 */
final class WeightedSumGraphVertex extends BaseGraphVertex {
  private static final int BATCH = 0;
  private static final int EMBEDDING = 1;
  private static final int POSITION = 2;

  WeightedSumGraphVertex(ComputationGraph graph, String name, int index, DataType dataType) {
    super(graph, name, index, null, null, dataType);
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray embeddings = inputs[0];
    INDArray weights = inputs[1].castTo(embeddings.dataType());
    INDArray weighted =
        workspaceMgr.createUninitialized(
            ArrayType.FF_WORKING_MEM, embeddings.dataType(), embeddings.shape(), 'c');
    Broadcast.mul(embeddings, weights, weighted, BATCH, POSITION);
    INDArray out =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS,
            embeddings.dataType(),
            new long[] {embeddings.size(BATCH), embeddings.size(EMBEDDING)},
            'c');
    return weighted.sum(out, POSITION);
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    INDArray embeddings = inputs[0];
    INDArray weights = inputs[1].castTo(embeddings.dataType());
    INDArray embeddingsGradient =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, embeddings.dataType(), embeddings.shape(), 'c');
    Broadcast.copy(embeddingsGradient, weights, embeddingsGradient, BATCH, POSITION);
    Broadcast.mul(embeddingsGradient, epsilon, embeddingsGradient, BATCH, EMBEDDING);

    INDArray scaled =
        workspaceMgr.createUninitialized(
            ArrayType.BP_WORKING_MEM, embeddings.dataType(), embeddings.shape(), 'c');
    Broadcast.mul(embeddings, epsilon, scaled, BATCH, EMBEDDING);
    INDArray weightsGradient =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, embeddings.dataType(), inputs[1].shape(), 'c');
    scaled.sum(weightsGradient, EMBEDDING);
    return new Pair<>(null, new INDArray[] {embeddingsGradient, weightsGradient});
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
    if (backpropGradientsViewArray != null) {
      throw new IllegalStateException("WeightedSumVertex has no parameters to take gradients for");
    }
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    // Padding is already weighted 0; the pooled output carries no time steps to mask.
    return null;
  }

  @Override
  public boolean hasLayer() {
    return false;
  }

  @Override
  public Layer getLayer() {
    return null;
  }

  @Override
  public String toString() {
    return "WeightedSumVertex(name=" + getVertexName() + ")";
  }
}
