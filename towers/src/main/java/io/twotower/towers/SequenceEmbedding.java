package io.twotower.towers;

import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;

/**
 * The item-id and field tables of models saved before {@link BagOfIdsEmbedding}: DL4J's {@link
 * EmbeddingSequenceLayer} (parameter "W" [nIn, nOut], input [B, L] of ids, output [B, L, nOut]),
 * whose class name their JSON carries. Such a model is loaded with DL4J's runtime for this layer,
 * then {@link TwoTowerModel#load} moves its tables, by layer name, into today's graph; nothing
 * builds this layer any more.
 */
public final class SequenceEmbedding extends EmbeddingSequenceLayer {

  /** For Jackson. */
  public SequenceEmbedding() {}
}
