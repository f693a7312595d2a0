package io.twotower.towers;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's {@link DenseLayer} (same parameters "W" [nIn, nOut] and "b" [1, nOut], same maths) with a
 * cheaper product ({@link TowerDenseLayer}): DL4J multiplies into an f-order temporary and copies
 * it, transposing, into its c-order activations, on every forward pass and again when it recomputes
 * the pre-activation for backprop.
 *
 * <p>Models saved before this class existed name DL4J's layer in their JSON and keep loading (and
 * training) with it; parameters copy between the two by layer name, as they are the same.
 */
public final class TowerDense extends DenseLayer {

  /** For Jackson. */
  public TowerDense() {}

  /**
   * A layer nIn -> nOut with a bias; a null {@code init} takes the graph's default, as DL4J's
   * builder does.
   */
  static TowerDense of(int nIn, int nOut, IActivation activation, IWeightInit init) {
    TowerDense layer = new TowerDense();
    layer.setNIn(nIn);
    layer.setNOut(nOut);
    layer.setActivationFn(activation);
    layer.setWeightInitFn(init);
    // DL4J's builder leaves these NaN so that the graph's defaults fill them in.
    layer.setBiasInit(Double.NaN);
    layer.setGainInit(Double.NaN);
    return layer;
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
        new TowerDenseLayer(conf, dataType),
        conf,
        listeners,
        layerIndex,
        layerParamsView,
        initializeParams,
        initializer());
  }
}
