package io.twotower.towers;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Copies a trained graph's parameters and optimizer state into a freshly initialised graph with the
 * same parameters by layer name, whose embedding tables may have more rows (a grown vocabulary) and
 * whose layer classes may be newer (an older model loaded into today's layers, {@link
 * TwoTowerModel#load}). Old rows keep their values and state; new rows keep the fresh graph's
 * initialisation and zero state.
 *
 * <p>Where the state lives: DL4J keeps one flat parameter vector and one flat updater-state vector
 * per graph. The parameters are cut into updater blocks (runs of parameters with the same updater);
 * a block of n parameters owns {@code s * n} state values, s segments (Adam: m then v; AdaGrad:
 * one) each laid out exactly like the block's n parameters. So a parameter's state in segment j is
 * the slice of that segment at the parameter's offset in its block, shaped like the parameter.
 * Growing a table changes every later offset, and a table stored column-major (DL4J's embedding
 * layers) moves even its own old values, as does one that changes order (into {@link
 * BagOfIdsEmbedding}'s row-major table), hence the copy by (row, column) rather than by flat
 * position.
 */
final class EmbeddingGrowth {
  private EmbeddingGrowth() {}

  /**
   * Copies {@code from} into {@code to} (both initialised; {@code to} fresh).
   *
   * @throws IllegalArgumentException naming the first parameter whose shape cannot grow
   */
  static void copyInto(ComputationGraph from, ComputationGraph to) {
    Map<String, Slot> source = slots(from);
    Map<String, Slot> target = slots(to);
    if (!source.keySet().equals(target.keySet())) {
      throw TowerErrors.cannotGrow("set", source.keySet(), target.keySet());
    }
    for (Map.Entry<String, Slot> entry : target.entrySet()) {
      requireGrowable(to, entry.getKey(), source.get(entry.getKey()), entry.getValue());
    }
    INDArray fromParams = flat(from.params());
    INDArray toParams = flat(to.params());
    INDArray fromState = from.getUpdater(true).getStateViewArray();
    INDArray toState = to.getUpdater(true).getStateViewArray();
    target.forEach(
        (name, slot) -> {
          Slot old = source.get(name);
          copyRows(old.parameter(fromParams), slot, slot.parameterRange(toParams));
          for (int j = 0; j < slot.segments(); j++) {
            copyRows(old.state(flat(fromState), j), slot, slot.stateRange(flat(toState), j));
          }
        });
    // Adam's bias correction counts steps: the continued model is as far along as the old one.
    to.getConfiguration().setIterationCount(from.getConfiguration().getIterationCount());
    to.getConfiguration().setEpochCount(from.getConfiguration().getEpochCount());
  }

  /**
   * Where one parameter lives: its offset and length in the flat parameters, its shape and element
   * order, and its updater block (start, length, state offset, segments).
   */
  private record Slot(
      long offset,
      long length,
      long[] shape,
      char order,
      long blockStart,
      long blockLength,
      long stateStart,
      int segments) {

    INDArray parameter(INDArray flatParams) {
      return parameterRange(flatParams).reshape(order, shape);
    }

    INDArray parameterRange(INDArray flatParams) {
      return flatParams.get(NDArrayIndex.interval(offset, offset + length));
    }

    INDArray state(INDArray flatState, int segment) {
      return stateRange(flatState, segment).reshape(order, shape);
    }

    INDArray stateRange(INDArray flatState, int segment) {
      long start = stateStart + segment * blockLength + (offset - blockStart);
      return flatState.get(NDArrayIndex.interval(start, start + length));
    }
  }

  private static Map<String, Slot> slots(ComputationGraph graph) {
    Map<String, Slot> slots = new LinkedHashMap<>();
    for (UpdaterBlock block : graph.getUpdater(true).getUpdaterBlocks()) {
      long blockLength = block.getParamOffsetEnd() - block.getParamOffsetStart();
      long stateLength = block.getUpdaterViewOffsetEnd() - block.getUpdaterViewOffsetStart();
      int segments = (int) (stateLength / blockLength);
      for (UpdaterBlock.ParamState param : block.getLayersAndVariablesInBlock()) {
        String layer = param.getLayer().getConfig().getLayerName();
        INDArray shaped = graph.getLayer(layer).getParam(param.getParamName());
        slots.put(
            layer + "_" + param.getParamName(),
            new Slot(
                param.getParamOffsetStart(),
                param.getParamOffsetEnd() - param.getParamOffsetStart(),
                shaped.shape(),
                shaped.ordering(),
                block.getParamOffsetStart(),
                blockLength,
                block.getUpdaterViewOffsetStart(),
                segments));
      }
    }
    return slots;
  }

  /** Same shape and state, or an embedding table with at least as many rows of the same width. */
  private static void requireGrowable(ComputationGraph to, String name, Slot old, Slot grown) {
    boolean same = Arrays.equals(old.shape(), grown.shape());
    boolean moreRows =
        old.shape().length == 2
            && grown.shape().length == 2
            && grown.shape()[0] >= old.shape()[0]
            && grown.shape()[1] == old.shape()[1]
            && isEmbeddingTable(to.getLayer(name.substring(0, name.lastIndexOf('_'))));
    if ((!same && !moreRows) || old.segments() != grown.segments()) {
      throw TowerErrors.cannotGrow(
          name + (old.segments() != grown.segments() ? " (optimizer state)" : ""),
          Arrays.toString(old.shape()) + " x" + old.segments(),
          Arrays.toString(grown.shape()) + " x" + grown.segments());
    }
  }

  /** A layer whose parameter is a table of one row per id (of this model's or an older one's). */
  private static boolean isEmbeddingTable(org.deeplearning4j.nn.api.Layer layer) {
    var conf = layer.conf().getLayer();
    return conf instanceof BagOfIdsEmbedding || conf instanceof EmbeddingSequenceLayer;
  }

  /**
   * Writes {@code values} into the first rows of the parameter (or state) that {@code range}, a
   * slice of a flat vector, holds in {@code slot}'s shape; the other rows keep what they hold.
   */
  private static void copyRows(INDArray values, Slot slot, INDArray range) {
    if (Arrays.equals(values.shape(), slot.shape())) {
      range.assign(values.reshape(slot.order(), new long[] {slot.length()}));
      return;
    }
    INDArray shaped = range.reshape(slot.order(), slot.shape()).dup(slot.order());
    shaped.get(NDArrayIndex.interval(0, values.size(0)), NDArrayIndex.all()).assign(values);
    range.assign(shaped.reshape(slot.order(), new long[] {slot.length()}));
  }

  /** A graph's flat parameter or state vector ([1, n]) as a 1-d view of the same values. */
  private static INDArray flat(INDArray rowVector) {
    return rowVector.reshape(rowVector.length());
  }
}
