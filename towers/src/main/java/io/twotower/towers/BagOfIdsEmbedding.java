package io.twotower.towers;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An embedding table pooled under k weightings in one layer: with ids x[b, 0..L) and weightings
 * w_s[b, 0..L) for s = 0..k-1, out[b, s*d .. (s+1)*d) = sum_l w_s[b, l] W[x[b, l], :].
 *
 * <p>Input [B, (k+1) L]: the L ids, then the k weightings one after the other (a {@code
 * MergeVertex} of the graph's id and weight inputs). Output [B, k d]. Weights 1/count on real ids
 * and 0 on padding make a mean (and a zero vector for an empty bag); a one-hot weighting picks one
 * position. The training graph pools the history, the candidate (and the seed item) from one table
 * this way: one layer, so one gradient, and the paper's shared item-id embedding.
 *
 * <p>The parameter is DL4J's embedding table "W" [nIn = ids, nOut = d], stored row-major ({@link
 * RowMajorTable}) so that a looked-up row is contiguous. The layer pools each looked-up row into
 * the output, and adds each position's gradient into the table's, as it goes ({@link
 * BagOfIdsEmbeddingLayer}): no [B, L, d] array of looked-up rows exists, which DL4J's sequence
 * embedding and a pooling vertex built, copied and scattered back on every step (over a third of a
 * training step at B = 1024, L = 51).
 *
 * <p>Models saved before this layer existed carry a {@link SequenceEmbedding} and {@link
 * WeightedBagVertex}es in their JSON; {@link TwoTowerModel#load} moves their tables into this layer
 * by name, as it has the same name, key and shape.
 */
public final class BagOfIdsEmbedding extends FeedForwardLayer {
  /** Ids per row, L. */
  private int length;

  /** Weightings, k. */
  private int bags;

  /** For Jackson. */
  public BagOfIdsEmbedding() {}

  /**
   * A table of {@code cardinality} rows of width {@code dim}, pooled under {@code bags} weightings
   * of {@code length} ids per row.
   */
  static BagOfIdsEmbedding of(int cardinality, int dim, int length, int bags, IWeightInit init) {
    if (cardinality > 1 << 24) {
      // Ids travel as floats (the graph's inputs are float arrays): exact up to 2^24.
      throw new IllegalArgumentException(
          "An embedding table of "
              + cardinality
              + " rows is larger than ids in float inputs can address (2^24 = 16,777,216)");
    }
    BagOfIdsEmbedding layer = new BagOfIdsEmbedding();
    layer.setNIn(cardinality);
    layer.setNOut(dim);
    layer.length = length;
    layer.bags = bags;
    layer.setActivationFn(new ActivationIdentity());
    layer.setWeightInitFn(init);
    return layer;
  }

  // Bean accessors: DL4J's JSON (de)serializes layer configurations through them.

  public int getLength() {
    return length;
  }

  public void setLength(int length) {
    this.length = length;
  }

  public int getBags() {
    return bags;
  }

  public void setBags(int bags) {
    this.bags = bags;
  }

  @Override
  public Layer instantiate(
      NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners,
      int layerIndex,
      INDArray layerParamsView,
      boolean initializeParams,
      DataType dataType) {
    return CustomLayers.wired(
        new BagOfIdsEmbeddingLayer(conf, dataType),
        conf,
        listeners,
        layerIndex,
        layerParamsView,
        initializeParams,
        initializer());
  }

  @Override
  public ParamInitializer initializer() {
    return RowMajorTable.INSTANCE;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    return InputType.feedForward((long) bags * getNOut());
  }

  /** nIn is the table's row count, set at construction; the input's width is (k+1) L. */
  @Override
  public void setNIn(InputType inputType, boolean override) {}

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType output = getOutputType(-1, inputType);
    return new LayerMemoryReport.Builder(layerName, BagOfIdsEmbedding.class, inputType, output)
        .standardMemory(getNIn() * getNOut(), getNIn() * getNOut())
        .workingMemory(0, 0, 0, inputType.arrayElementsPerExample())
        .cacheMemory(0, 0)
        .build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BagOfIdsEmbedding other
        && super.equals(o)
        && length == other.length
        && bags == other.bags;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * super.hashCode() + length) + bags;
  }

  /**
   * The one parameter "W" [nIn, nOut] in c order (DL4J's embedding layers keep theirs in f order,
   * where a row's values lie nIn apart).
   */
  static final class RowMajorTable implements ParamInitializer {
    static final RowMajorTable INSTANCE = new RowMajorTable();
    private static final String W = DefaultParamInitializer.WEIGHT_KEY;

    @Override
    public long numParams(NeuralNetConfiguration conf) {
      return numParams(conf.getLayer());
    }

    @Override
    public long numParams(org.deeplearning4j.nn.conf.layers.Layer layer) {
      FeedForwardLayer table = (FeedForwardLayer) layer;
      return table.getNIn() * table.getNOut();
    }

    @Override
    public List<String> paramKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
      return List.of(W);
    }

    @Override
    public List<String> weightKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
      return List.of(W);
    }

    @Override
    public List<String> biasKeys(org.deeplearning4j.nn.conf.layers.Layer layer) {
      return List.of();
    }

    @Override
    public boolean isWeightParam(org.deeplearning4j.nn.conf.layers.Layer layer, String key) {
      return W.equals(key);
    }

    @Override
    public boolean isBiasParam(org.deeplearning4j.nn.conf.layers.Layer layer, String key) {
      return false;
    }

    @Override
    public Map<String, INDArray> init(
        NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
      FeedForwardLayer table = (FeedForwardLayer) conf.getLayer();
      long[] shape = {table.getNIn(), table.getNOut()};
      INDArray w = paramsView.reshape('c', shape);
      if (initializeParams) {
        table.getWeightInitFn().init(table.getNIn(), table.getNOut(), shape, 'c', w);
      }
      Map<String, INDArray> params = new LinkedHashMap<>();
      params.put(W, w);
      return params;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(
        NeuralNetConfiguration conf, INDArray gradientView) {
      FeedForwardLayer table = (FeedForwardLayer) conf.getLayer();
      Map<String, INDArray> gradients = new LinkedHashMap<>();
      gradients.put(W, gradientView.reshape('c', table.getNIn(), table.getNOut()));
      return gradients;
    }
  }
}
