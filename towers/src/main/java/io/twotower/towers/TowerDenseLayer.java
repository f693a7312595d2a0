package io.twotower.towers;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of {@link TowerDense}: DL4J's dense layer with the pre-activation input W + b computed by
 * one gemm straight into the c-order activations array (DL4J's {@code mmuli} goes through an
 * f-order temporary and a transposing copy). Layer normalisation, which the towers do not use,
 * stays DL4J's.
 */
final class TowerDenseLayer extends DenseLayer {
  /**
   * The last training forward pass's input and output. DL4J's backprop recomputes the
   * pre-activation z = x W + b; for ReLU and the identity the output a stands in for it (a > 0
   * exactly where z > 0, and the identity's derivative reads nothing), so backprop for the same
   * input array takes a copy of a instead of a second product. The output lives in the graph's
   * activation workspace, which stays open until the backprop that consumes it has run.
   */
  private INDArray forwardInput;

  private INDArray forwardOutput;

  TowerDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    INDArray output = super.activate(training, workspaceMgr);
    boolean reusable =
        training
            && layerConf().getIDropout() == null
            && layerConf().getWeightNoise() == null
            && (layerConf().getActivationFn() instanceof ActivationReLU
                || layerConf().getActivationFn() instanceof ActivationIdentity);
    forwardInput = reusable ? input : null;
    forwardOutput = reusable ? output : null;
    return output;
  }

  @Override
  protected Pair<INDArray, INDArray> preOutputWithPreNorm(
      boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
    if (hasLayerNorm()) {
      return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
    }
    if (forBackprop && forwardOutput != null && input == forwardInput && maskArray == null) {
      // Activation backprop overwrites its input: a copy, not the next layer's input itself.
      INDArray output = workspaceMgr.dup(ArrayType.ACTIVATIONS, forwardOutput, 'c');
      forwardInput = null;
      forwardOutput = null;
      return new Pair<>(output, output);
    }
    assertInputSet(forBackprop);
    applyDropOutIfNecessary(training, workspaceMgr);
    INDArray w = getParamWithNoise(DefaultParamInitializer.WEIGHT_KEY, training, workspaceMgr);
    INDArray in = input.castTo(dataType);
    if (in.rank() != 2 || in.columns() != w.rows()) {
      throw new DL4JInvalidInputException(
          "Expected input [B, "
              + w.rows()
              + "], got "
              + Arrays.toString(in.shape())
              + " "
              + layerId());
    }
    INDArray out =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS, w.dataType(), new long[] {in.size(0), w.size(1)}, 'c');
    Nd4j.gemm(in.castTo(w.dataType()), w, out, false, false, 1.0, 0.0);
    if (hasBias()) {
      out.addiRowVector(
          getParamWithNoise(DefaultParamInitializer.BIAS_KEY, training, workspaceMgr));
    }
    if (maskArray != null) {
      applyMask(out);
    }
    return new Pair<>(out, out);
  }
}
