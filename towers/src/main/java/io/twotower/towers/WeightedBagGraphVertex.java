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
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runtime of {@link WeightedBagVertex}. With E = embeddings [B, L, d], weightings w_s [B, L] and
 * the incoming gradient g = [g_0 | ... | g_{k-1}], each g_s [B, d]: out_s[b, i] = sum_l E[b, l, i]
 * w_s[b, l]; dE[b, l, i] = sum_s g_s[b, i] w_s[b, l]; dw_s[b, l] = sum_i g_s[b, i] E[b, l, i].
 */
final class WeightedBagGraphVertex extends BaseGraphVertex {
  private static final int BATCH = 0;
  private static final int POSITION = 1;
  private static final int EMBEDDING = 2;

  WeightedBagGraphVertex(ComputationGraph graph, String name, int index, DataType dataType) {
    super(graph, name, index, null, null, dataType);
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray embeddings = inputs[0];
    long rows = embeddings.size(BATCH);
    long width = embeddings.size(EMBEDDING);
    INDArray out =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, embeddings.dataType(), new long[] {rows, width * bags()}, 'c');
    INDArray weighted =
        workspaceMgr.createUninitialized(
            ArrayType.FF_WORKING_MEM, embeddings.dataType(), embeddings.shape(), 'c');
    for (int bag = 0; bag < bags(); bag++) {
      Broadcast.mul(embeddings, weights(bag), weighted, BATCH, POSITION);
      slice(out, bag, width).assign(weighted.sum(POSITION));
    }
    return out;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    INDArray embeddings = inputs[0];
    long width = embeddings.size(EMBEDDING);
    INDArray[] gradients = new INDArray[inputs.length];
    gradients[0] =
        workspaceMgr.create(
            ArrayType.ACTIVATION_GRAD, embeddings.dataType(), embeddings.shape(), 'c');
    INDArray scratch =
        workspaceMgr.createUninitialized(
            ArrayType.BP_WORKING_MEM, embeddings.dataType(), embeddings.shape(), 'c');
    for (int bag = 0; bag < bags(); bag++) {
      INDArray upstream = slice(epsilon, bag, width).dup('c'); // [B, d]
      // dE += g_s (x) w_s, built in the scratch array.
      Broadcast.copy(scratch, weights(bag), scratch, BATCH, POSITION);
      Broadcast.mul(scratch, upstream, scratch, BATCH, EMBEDDING);
      gradients[0].addi(scratch);
      // dw_s = sum over the embedding axis of E * g_s.
      Broadcast.mul(embeddings, upstream, scratch, BATCH, EMBEDDING);
      gradients[bag + 1] =
          workspaceMgr.dup(
              ArrayType.ACTIVATION_GRAD, scratch.sum(EMBEDDING).castTo(inputs[bag + 1].dataType()));
    }
    return new Pair<>(null, gradients);
  }

  private int bags() {
    return inputs.length - 1;
  }

  private INDArray weights(int bag) {
    return inputs[bag + 1].castTo(inputs[0].dataType());
  }

  private static INDArray slice(INDArray matrix, int bag, long width) {
    return matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(bag * width, (bag + 1) * width));
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
    if (backpropGradientsViewArray != null) {
      throw new IllegalStateException("WeightedBagVertex has no parameters to take gradients for");
    }
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(
      INDArray[] maskArrays, MaskState currentMaskState, int minibatchSize) {
    // Padding is already weighted 0, and the pooled output has no time steps left to mask.
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
    return "WeightedBagVertex(name=" + getVertexName() + ")";
  }
}
