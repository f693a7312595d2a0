package io.twotower.towers;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Pools a bag of embeddings into one vector: out[b] = sum_l weights[b, l] * embeddings[b, :, l].
 *
 * <p>Inputs: the embeddings [B, d, L] of an {@code EmbeddingSequenceLayer} (NCW), then the weights
 * [B, L]. Output [B, d]. The batcher puts 1/count on real ids and 0 on padding, which makes this a
 * mean over the real ids (and a zero vector for an empty bag). No parameters: the embedding table
 * lives in the embedding layer, whose gradient is a proper scatter-add over repeated ids.
 *
 * <p>Forward and backward are written by hand ({@link WeightedSumGraphVertex}): the same vertex as
 * a {@code SameDiffVertex} spent about a third of a training step in SameDiff's generic broadcast
 * gradient.
 */
public final class WeightedSumVertex extends GraphVertex {

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int index,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    return new WeightedSumGraphVertex(graph, name, index, dataType);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... inputs) {
    return InputType.feedForward(((InputType.InputTypeRecurrent) inputs[0]).getSize());
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputs) {
    InputType output = getOutputType(-1, inputs);
    long perExample = inputs[0].arrayElementsPerExample();
    return new LayerMemoryReport.Builder(null, WeightedSumVertex.class, inputs[0], output)
        .standardMemory(0, 0)
        .workingMemory(0, perExample, 0, 2 * perExample)
        .cacheMemory(0, 0)
        .build();
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
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
  public WeightedSumVertex clone() {
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
