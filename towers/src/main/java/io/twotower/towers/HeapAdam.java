package io.twotower.towers;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

/**
 * ND4J's {@link Adam} (same hyperparameters, same state [m | v] per updater block, same maths) with
 * the step as one float32 loop ({@link FloatKernels#adam}) over the gradient and state in place, in
 * ND4J's native memory ({@link HeapFloats#memory}). At one ND4J thread, ND4J 1.0.0-M2.1's
 * adam_updater op took 9.5% of the towers' training time on ml-latest-small (Java Flight Recorder
 * samples), about 8 ns per parameter, most of them the item-id table's; the same loop over heap
 * copies 6.1% (the copies two thirds of it). Its name is from those copies, and stays: saved models
 * name the class in their JSON.
 *
 * <p>For other data types and backends (double-precision checks, CUDA), and blocks too large for
 * one buffer (over 2^29 parameters), it is ND4J's Adam. Models saved with ND4J's Adam name it in
 * their JSON; {@link TwoTowerModel#load} moves their parameters, state and step count into a graph
 * with this updater, as the state's layout is the same.
 */
public final class HeapAdam extends Adam {

  /** For Jackson. */
  public HeapAdam() {}

  public HeapAdam(double learningRate) {
    super(learningRate);
  }

  @Override
  public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
    if (!HeapFloats.apply(viewArray.dataType()) || !HeapFloats.fitsMemory(viewArray.length() / 2)) {
      return super.instantiate(viewArray, initializeViewArray);
    }
    Updater updater = new Updater(this);
    updater.setStateViewArray(viewArray, viewArray.shape(), 'c', initializeViewArray);
    return updater;
  }

  @Override
  public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initialize) {
    throw stateInOneArray();
  }

  @Override
  public HeapAdam clone() {
    HeapAdam copy = new HeapAdam(getLearningRate());
    copy.setLearningRateSchedule(
        getLearningRateSchedule() == null ? null : getLearningRateSchedule().clone());
    copy.setBeta1(getBeta1());
    copy.setBeta2(getBeta2());
    copy.setEpsilon(getEpsilon());
    return copy;
  }

  /**
   * For a block of n parameters with state [m (n) | v (n)]: m = b1 m + (1 - b1) g, v = b2 v + (1 -
   * b2) g^2, and the update written over the gradient, alpha_t m / (sqrt(v) + eps) with alpha_t =
   * lr sqrt(1 - b2^t) / (1 - b1^t), t = iteration + 1 (DL4J subtracts it from the parameters).
   */
  static final class Updater implements GradientUpdater<HeapAdam> {
    private final HeapAdam config;
    private INDArray m;
    private INDArray v;

    Updater(HeapAdam config) {
      this.config = config;
    }

    @Override
    public HeapAdam getConfig() {
      return config;
    }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
      throw stateInOneArray();
    }

    @Override
    public Map<String, INDArray> getState() {
      return Map.of(AdamUpdater.M_STATE, m, AdamUpdater.V_STATE, v);
    }

    @Override
    public void setStateViewArray(
        INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
      if (initialize) {
        viewArray.assign(0);
      }
      INDArray state = viewArray.reshape(viewArray.length());
      long n = state.length() / 2;
      this.m = state.get(NDArrayIndex.interval(0, n));
      this.v = state.get(NDArrayIndex.interval(n, 2 * n));
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
      int n = Math.toIntExact(gradient.length());
      if (m.length() != n) {
        throw new IllegalStateException(
            "Adam state of 2 x " + m.length() + " values for a gradient of " + n);
      }
      float beta1 = (float) config.getBeta1();
      float beta2 = (float) config.getBeta2();
      double t = iteration + 1.0;
      float alpha =
          (float)
              (config.getLearningRate(iteration, epoch)
                  * Math.sqrt(1 - Math.pow(beta2, t))
                  / (1 - Math.pow(beta1, t)));
      FloatKernels.BEST.adam(
          new FloatKernels.AdamStep(beta1, beta2, alpha, (float) config.getEpsilon()),
          HeapFloats.memory(gradient),
          HeapFloats.memory(m),
          HeapFloats.memory(v),
          0,
          n);
    }
  }

  /** DL4J hands updaters one view array of state; a map of state arrays is for SameDiff. */
  private static UnsupportedOperationException stateInOneArray() {
    return new UnsupportedOperationException(
        "HeapAdam keeps its state in one view array [m | v] (setStateViewArray), not in a map");
  }
}
