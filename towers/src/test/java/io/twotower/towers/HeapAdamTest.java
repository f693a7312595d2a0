package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

class HeapAdamTest {
  private static final TowerConfig CONFIG = TowerBatcherTest.CONFIG;

  /**
   * 40 steps of both updaters on the same gradients (a block of 1,001 parameters whose gradient and
   * state are views into larger arrays, as DL4J's updater blocks are), with gradients over four
   * orders of magnitude and some exactly zero: the same updates and moments, to float rounding.
   */
  @Test
  void stepsAsNd4jsAdamDoes() {
    int n = 1001;
    HeapAdam heap = new HeapAdam(0.01);
    Adam nd4j = new Adam(0.01);
    INDArray heapState = Nd4j.zeros(DataType.FLOAT, 1, 2L * n + 10);
    INDArray nd4jState = Nd4j.zeros(DataType.FLOAT, 1, 2L * n + 10);
    GradientUpdater<?> heapUpdater = heap.instantiate(block(heapState, 2 * n), true);
    GradientUpdater<?> nd4jUpdater = nd4j.instantiate(block(nd4jState, 2 * n), true);
    assertThat(heapUpdater).isInstanceOf(HeapAdam.Updater.class);
    Nd4j.getRandom().setSeed(7);
    for (int step = 0; step < 40; step++) {
      INDArray gradients = Nd4j.randn(DataType.FLOAT, 1, n + 3);
      // Scales 10^-3 .. 10^1.
      gradients.muli(
          Transforms.exp(Nd4j.rand(DataType.FLOAT, 1, n + 3).muli(4).subi(3).muli(Math.log(10))));
      gradients.putScalar(0, step % 2 == 0 ? 0 : 1e-3);
      INDArray forHeap = block(gradients.dup(), n);
      INDArray forNd4j = block(gradients.dup(), n);

      heapUpdater.applyUpdater(forHeap, step, 0);
      nd4jUpdater.applyUpdater(forNd4j, step, 0);

      assertClose(forHeap, forNd4j, "update at step " + step);
    }
    assertClose(block(heapState, 2 * n), block(nd4jState, 2 * n), "state [m | v]");
    assertThat(heapUpdater.getState().get(AdamUpdater.M_STATE))
        .isEqualTo(nd4jUpdater.getState().get(AdamUpdater.M_STATE));
  }

  @Test
  void leavesOtherTypesToNd4jsAdam() {
    INDArray state = Nd4j.zeros(DataType.DOUBLE, 1, 8);

    assertThat(new HeapAdam(0.01).instantiate(state, true)).isExactlyInstanceOf(AdamUpdater.class);
  }

  @Test
  void survivesTheGraphsJsonAndClone() {
    ComputationGraphConfiguration configuration = TwoTowerGraphs.training(CONFIG);

    ComputationGraphConfiguration read =
        ComputationGraphConfiguration.fromJson(configuration.toJson());

    assertThat(updaterOf(read, "queryHidden0")).isExactlyInstanceOf(HeapAdam.class);
    assertThat(updaterOf(read, "queryHidden0")).isEqualTo(updaterOf(configuration, "queryHidden0"));
    assertThat(updaterOf(configuration.clone(), "queryHidden0"))
        .isExactlyInstanceOf(HeapAdam.class);
  }

  /**
   * A model saved with ND4J's Adam in its JSON (every model before this class) loads onto HeapAdam
   * with its state, and its next step is the step the saved one takes with ND4J's Adam.
   */
  @Test
  void loadsAModelSavedWithNd4jsAdamOntoHeapAdam(@TempDir Path dir) throws Exception {
    TwoTowerModelTest.trainedOneStep().save(dir);
    TwoTowerModelTest.renameInSavedGraph(dir, HeapAdam.class, Adam.class);
    ComputationGraph savedWithAdam =
        org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
            dir.resolve(TwoTowerModel.GRAPH_FILE).toFile(), true);
    assertThat(updaterOf(savedWithAdam.getConfiguration(), "queryHidden0"))
        .isExactlyInstanceOf(Adam.class);

    TwoTowerModel loaded = TwoTowerModel.load(dir);

    ComputationGraph graph = loaded.trainingGraph();
    assertThat(updaterOf(graph.getConfiguration(), "queryHidden0"))
        .isExactlyInstanceOf(HeapAdam.class);
    assertThat(graph.getConfiguration().getIterationCount()).isEqualTo(1);
    assertThat(graph.getUpdater().getStateViewArray())
        .isEqualTo(savedWithAdam.getUpdater().getStateViewArray());
    MultiDataSet batch = new TowerBatcher(CONFIG).trainingBatch(TwoTowerModelTest.EXAMPLES);
    graph.fit(batch);
    savedWithAdam.fit(batch);
    // A step moves a parameter by about the learning rate at most: the two steps agree to 1e-5 of
    // it (the rounding of the update, and of the parameter, one ulp of 0.5 being 6e-8).
    assertThat(graph.params().sub(savedWithAdam.params()).amaxNumber().doubleValue())
        .isLessThan(1e-5 * CONFIG.learningRate());
  }

  /** The first {@code length} values of a [1, N] array, as a [1, length] view. */
  private static INDArray block(INDArray row, long length) {
    return row.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, length)).reshape(1, length);
  }

  private static IUpdater updaterOf(ComputationGraphConfiguration configuration, String layer) {
    LayerVertex vertex = (LayerVertex) configuration.getVertices().get(layer);
    return ((BaseLayer) vertex.getLayerConf().getLayer()).getIUpdater();
  }

  /** Equal to float rounding: |a - b| <= 1e-5 |b| + 1e-9 everywhere. */
  private static void assertClose(INDArray actual, INDArray expected, String what) {
    float[] a = actual.dup().data().asFloat();
    float[] b = expected.dup().data().asFloat();
    assertThat(a).as(what).hasSameSizeAs(b);
    for (int i = 0; i < a.length; i++) {
      assertThat((double) a[i])
          .as("%s [%d]", what, i)
          .isCloseTo(b[i], within(1e-5 * Math.abs(b[i]) + 1e-9));
    }
  }
}
