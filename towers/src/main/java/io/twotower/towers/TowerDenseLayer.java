package io.twotower.towers;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
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

  TowerDenseLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  protected Pair<INDArray, INDArray> preOutputWithPreNorm(
      boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
    if (hasLayerNorm()) {
      return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
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
