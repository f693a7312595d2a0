package io.twotower.towers;

import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
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
 *
 * <p>Backprop after a training forward pass, for ReLU or the identity in float32 on the CPU, is one
 * loop ({@link FloatKernels#reluBackward}) over the layer's output and incoming gradient in ND4J's
 * native memory, giving delta and the bias gradient (its column sums) together, then the two
 * products. DL4J copies the output, runs ReLU's derivative op and a column-sum op over it: at one
 * ND4J thread those three took 8% of the towers' training time (Java Flight Recorder samples).
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
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    if (!backpropInJava(epsilon)) {
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    INDArray output = forwardOutput;
    forwardInput = null;
    forwardOutput = null;
    int rows = (int) output.size(0);
    int width = (int) output.size(1);
    float[] biasSums = new float[width];
    INDArray delta;
    if (layerConf().getActivationFn() instanceof ActivationReLU) {
      delta =
          workspaceMgr.createUninitialized(
              ArrayType.BP_WORKING_MEM, dataType, new long[] {rows, width}, 'c');
      FloatKernels.BEST.reluBackward(
          HeapFloats.memory(output),
          HeapFloats.memory(epsilon),
          HeapFloats.memory(delta),
          biasSums,
          rows,
          width);
    } else {
      delta = epsilon;
      FloatKernels.BEST.columnSums(HeapFloats.memory(epsilon), biasSums, rows, width);
    }
    Gradient gradient = new DefaultGradient();
    INDArray biasGradient = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
    HeapFloats.write(biasSums, biasGradient);
    gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGradient);
    INDArray weightGradient = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    Nd4j.gemm(input, delta, weightGradient, true, false, 1.0, 0.0);
    gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGradient);
    INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
    INDArray inputGradient =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATION_GRAD, dataType, new long[] {rows, w.size(0)}, 'c');
    Nd4j.gemm(delta, w, inputGradient, false, true, 1.0, 0.0);
    weightNoiseParams.clear();
    return new Pair<>(gradient, inputGradient);
  }

  /**
   * Whether backprop can take the loop: right after a training forward pass over this input that
   * kept its output (ReLU or the identity, no dropout or weight noise), with a bias and no mask or
   * layer normalisation, everything float32 on the CPU and packed in c order.
   */
  private boolean backpropInJava(INDArray epsilon) {
    return forwardOutput != null
        && input == forwardInput
        && maskArray == null
        && hasBias()
        && !hasLayerNorm()
        && HeapFloats.apply(dataType)
        && HeapFloats.apply(input.dataType())
        && HeapFloats.fitsMemory(forwardOutput.length())
        && HeapFloats.isPacked(epsilon)
        && HeapFloats.isPacked(forwardOutput)
        && epsilon.equalShapes(forwardOutput);
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
