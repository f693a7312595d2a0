package io.twotower.towers;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The pooling of models saved before {@link BagOfIdsEmbedding}, whose JSON names this vertex: it
 * pooled one embedded id sequence under k weightings, out[b, s*d .. (s+1)*d) = sum_l w_s[b, l] *
 * embeddings[b, l, :] for s = 0..k-1, from the embeddings [B, L, d] of a {@link SequenceEmbedding}
 * and k weight arrays [B, L], into [B, k*d]. {@link TwoTowerModel#load} moves such a model into
 * today's graph, where {@link BagOfIdsEmbedding} pools straight from the table; nothing builds this
 * vertex any more. Its runtime ({@link WeightedBagGraphVertex}) is plain ND4J.
 */
public final class WeightedBagVertex extends GraphVertex {

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(
      ComputationGraph graph,
      String name,
      int index,
      INDArray paramsView,
      boolean initializeParams,
      DataType dataType) {
    return new WeightedBagGraphVertex(graph, name, index, dataType);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... inputs) {
    long width = ((InputType.InputTypeRecurrent) inputs[0]).getSize();
    return InputType.feedForward(width * (inputs.length - 1));
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputs) {
    InputType output = getOutputType(-1, inputs);
    long perExample = inputs[0].arrayElementsPerExample();
    return new LayerMemoryReport.Builder(null, WeightedBagVertex.class, inputs[0], output)
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
    return Integer.MAX_VALUE;
  }

  @Override
  public WeightedBagVertex clone() {
    return new WeightedBagVertex();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WeightedBagVertex;
  }

  @Override
  public int hashCode() {
    return WeightedBagVertex.class.hashCode();
  }
}
