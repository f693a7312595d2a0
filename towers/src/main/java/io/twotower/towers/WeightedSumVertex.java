package io.twotower.towers;

import java.util.Map;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pools a bag of embeddings into one vector: out[b] = sum_l weights[b, l] * embeddings[b, :, l].
 *
 * <p>Inputs: the embeddings [B, d, L] of an {@code EmbeddingSequenceLayer} (NCW), then the weights
 * [B, L]. Output [B, d]. The batcher puts 1/count on real ids and 0 on padding, which makes this a
 * mean over the real ids (and a zero vector for an empty bag). No parameters: the embedding table
 * lives in the embedding layer, whose gradient is a proper scatter-add over repeated ids.
 */
public final class WeightedSumVertex extends SameDiffVertex {
  private static final String EMBEDDINGS = "embeddings";
  private static final String WEIGHTS = "weights";

  @Override
  public void defineParametersAndInputs(SDVertexParams params) {
    params.defineInputs(EMBEDDINGS, WEIGHTS);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {}

  @Override
  public SDVariable defineVertex(
      SameDiff sd,
      Map<String, SDVariable> inputs,
      Map<String, SDVariable> params,
      Map<String, SDVariable> masks) {
    SDVariable weights = sd.expandDims(inputs.get(WEIGHTS), 1); // [B, 1, L]
    return inputs.get(EMBEDDINGS).mul(weights).sum(2);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... inputs) {
    return InputType.feedForward(((InputType.InputTypeRecurrent) inputs[0]).getSize());
  }

  @Override
  public int minVertexInputs() {
    return 2;
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public GraphVertex clone() {
    return new WeightedSumVertex();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WeightedSumVertex;
  }

  @Override
  public int hashCode() {
    return WeightedSumVertex.class.hashCode();
  }
}
