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

  /** Heap copies of the embeddings, weights and gradients, kept between steps (see HeapFloats). */
  private float[] embeddingScratch;

  private float[] weightScratch;
  private float[] gradientScratch;
  private float[] outScratch;

  WeightedBagGraphVertex(ComputationGraph graph, String name, int index, DataType dataType) {
    super(graph, name, index, null, null, dataType);
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (HeapFloats.apply(inputs[0].dataType())) {
      return forwardOnHeap(workspaceMgr);
    }
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

  /**
   * Float32 forward in one loop over the heap copies: out[b, s*d + i] += w_s[b, l] E[b, l, i],
   * skipping zero weights (padding, and every position but one of a one-hot weighting).
   */
  private INDArray forwardOnHeap(LayerWorkspaceMgr workspaceMgr) {
    INDArray embeddings = inputs[0];
    int rows = (int) embeddings.size(BATCH);
    int length = (int) embeddings.size(POSITION);
    int width = (int) embeddings.size(EMBEDDING);
    int bags = bags();
    float[] e = embeddingScratch = HeapFloats.read(embeddings, embeddingScratch);
    float[] w = weightScratch = heapWeights(rows * length);
    float[] out = outScratch = zeroed(outScratch, rows * bags * width);
    for (int b = 0; b < rows; b++) {
      for (int l = 0; l < length; l++) {
        int from = (b * length + l) * width;
        for (int bag = 0; bag < bags; bag++) {
          float weight = w[(bag * rows + b) * length + l];
          if (weight != 0) {
            int to = (b * bags + bag) * width;
            for (int i = 0; i < width; i++) {
              out[to + i] += weight * e[from + i];
            }
          }
        }
      }
    }
    INDArray result =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, DataType.FLOAT, new long[] {rows, (long) bags * width}, 'c');
    HeapFloats.write(out, result);
    return result;
  }

  /** The k weightings [B, L] one after the other, as floats on the heap. */
  private float[] heapWeights(int perBag) {
    float[] w = weightScratch;
    if (w == null || w.length < perBag * bags()) {
      w = new float[perBag * bags()];
    }
    float[] one = null;
    for (int bag = 0; bag < bags(); bag++) {
      one = HeapFloats.read(weights(bag), one);
      System.arraycopy(one, 0, w, bag * perBag, perBag);
    }
    return w;
  }

  private static float[] zeroed(float[] reuse, int length) {
    if (reuse == null || reuse.length < length) {
      return new float[length];
    }
    java.util.Arrays.fill(reuse, 0, length, 0f);
    return reuse;
  }

  /**
   * Float32 backward on the heap: dE[b, l, :] = sum_s w_s[b, l] g_s[b, :], and dw_s only for
   * weightings that do not come straight from a graph input (nothing reads an input's gradient in
   * training; DL4J takes null as "no gradient", as for an embedding layer's integer input).
   */
  private Pair<Gradient, INDArray[]> backwardOnHeap(LayerWorkspaceMgr workspaceMgr) {
    INDArray embeddings = inputs[0];
    int rows = (int) embeddings.size(BATCH);
    int length = (int) embeddings.size(POSITION);
    int width = (int) embeddings.size(EMBEDDING);
    int bags = bags();
    float[] w = weightScratch = heapWeights(rows * length);
    float[] g = gradientScratch = HeapFloats.read(epsilon, gradientScratch); // [B, k*d]
    float[] dE = outScratch = zeroed(outScratch, rows * length * width);
    for (int b = 0; b < rows; b++) {
      for (int l = 0; l < length; l++) {
        int to = (b * length + l) * width;
        for (int bag = 0; bag < bags; bag++) {
          float weight = w[(bag * rows + b) * length + l];
          if (weight != 0) {
            int from = (b * bags + bag) * width;
            for (int i = 0; i < width; i++) {
              dE[to + i] += weight * g[from + i];
            }
          }
        }
      }
    }
    INDArray[] gradients = new INDArray[inputs.length];
    gradients[0] =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, DataType.FLOAT, embeddings.shape(), 'c');
    HeapFloats.write(dE, gradients[0]);
    for (int bag = 0; bag < bags; bag++) {
      if (isGraphInput(bag + 1)) {
        continue;
      }
      float[] e = embeddingScratch = HeapFloats.read(embeddings, embeddingScratch);
      float[] dw = new float[rows * length];
      for (int b = 0; b < rows; b++) {
        int from = (b * bags + bag) * width;
        for (int l = 0; l < length; l++) {
          int at = (b * length + l) * width;
          float sum = 0;
          for (int i = 0; i < width; i++) {
            sum += g[from + i] * e[at + i];
          }
          dw[b * length + l] = sum;
        }
      }
      gradients[bag + 1] =
          workspaceMgr.createUninitialized(
              ArrayType.ACTIVATION_GRAD, DataType.FLOAT, new long[] {rows, length}, 'c');
      HeapFloats.write(dw, gradients[bag + 1]);
      gradients[bag + 1] = gradients[bag + 1].castTo(inputs[bag + 1].dataType());
    }
    return new Pair<>(null, gradients);
  }

  /**
   * Whether input {@code index} is fed by one of the graph's inputs (a vertex without graph: no).
   */
  private boolean isGraphInput(int index) {
    return graph != null
        && graph.getVertices()[inputVertices[index].getVertexIndex()].isInputVertex();
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (HeapFloats.apply(inputs[0].dataType())) {
      return backwardOnHeap(workspaceMgr);
    }
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
