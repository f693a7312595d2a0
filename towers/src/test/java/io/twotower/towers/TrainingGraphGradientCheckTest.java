package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Backprop through the whole training graph against central differences, in double precision: the
 * shared item-id table (history mean and candidate pooled from one lookup), a single- and a
 * multi-valued field, both ReLU towers, L2 normalisation and the in-batch softmax with
 * accidental-hit masking, with and without the logQ correction; and once more with the query
 * tower's optional inputs (the seed item's slice of the shared lookup and a user field).
 *
 * <p>DL4J's {@link GradientCheckUtil} moves every parameter by ±1e-6 and compares (score+ - score-)
 * / 2e-6 with the backprop gradient; a parameter fails when the relative error |a - n| / (|a| +
 * |n|) exceeds 1e-3 and the absolute error exceeds 1e-8 (DL4J's own defaults). It needs DOUBLE as
 * ND4J's default type and in the graph, and an updater that leaves gradients as they are (NoOp),
 * hence {@link TwoTowerGraphs#training(TowerConfig, DataType,
 * org.nd4j.linalg.learning.config.IUpdater)}.
 *
 * <p>The parameters are moved off their initial values by N(0, 0.1^2) noise, as training would move
 * them, because the initialisation sits where the graph is least differentiable:
 *
 * <ul>
 *   <li>ReLU at 0: biases start at 0, so an empty history (x = 0) puts every query pre-activation
 *       exactly on the kink. With noisy biases no pre-activation is near 0 relative to the 1e-6
 *       step, and histories may be empty.
 *   <li>L2 normalisation: DL4J's vertex clamps ||x||^3 at 1e-8, so its gradient is exact only for
 *       ||x|| > 2.2e-3, and the tables' small initialisation gives item projections of norm ~6e-3.
 *       The test asserts every projection norm is above 1e-2 before checking.
 *   <li>The row max of the written-out log-softmax: the loss does not depend on it (d loss / d max
 *       = 1 - sum of the row's softmax = 0), so ties between duplicate columns are harmless.
 * </ul>
 *
 * <p>Every batch repeats candidate items (8 rows, 6 possible candidates), so masking is exercised,
 * and ids repeat within histories and topic lists, so the tables' scatter-add is too.
 */
class TrainingGraphGradientCheckTest {
  private static final int ITEMS = 10;
  private static final int CANDIDATES = 6;
  private static final int ROWS = 8;
  private static final int HISTORY = 3;
  private static final CategoricalField CHANNEL = new CategoricalField("channel", 3, 1, 2);
  private static final CategoricalField TOPICS = new CategoricalField("topics", 5, 3, 3);
  private static final CategoricalField REGION = new CategoricalField("region", 3, 1, 2);
  private static final long[] BATCH_SEEDS = {1, 2};

  private static DataType defaultType;
  private static DataType defaultFloatType;

  @BeforeAll
  static void doublePrecision() {
    defaultType = Nd4j.dataType();
    defaultFloatType = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
  }

  @AfterAll
  static void restorePrecision() {
    Nd4j.setDefaultDataTypes(defaultType, defaultFloatType);
  }

  @ParameterizedTest
  @EnumSource(LogQCorrection.class)
  void backpropMatchesCentralDifferences(LogQCorrection correction) {
    check(config(correction));
  }

  /** The query tower's optional inputs: the seed's slice of the shared lookup, a user field. */
  @Test
  void backpropMatchesCentralDifferencesWithSeedItemAndUserField() {
    check(
        config(LogQCorrection.PAPER).toBuilder()
            .seedItem(true)
            .userFields(List.of(REGION))
            .build());
  }

  /**
   * In float32 the graph runs other code than in double (heap loops in the bag vertices and the
   * embedding tables' scatter-add, and gemm into c-order activations in the dense layers): its
   * gradient must be the double-precision one checked above, to float32 rounding.
   */
  @Test
  void float32BackpropEqualsDoubleBackprop() {
    TowerConfig config =
        config(LogQCorrection.PAPER).toBuilder().seedItem(true).userFields(List.of(REGION)).build();
    ComputationGraph inDouble =
        new ComputationGraph(TwoTowerGraphs.training(config, DataType.DOUBLE, new NoOp()));
    inDouble.init();
    Nd4j.getRandom().setSeed(5);
    inDouble.params().addi(Nd4j.randn(DataType.DOUBLE, inDouble.params().shape()).muli(0.1));
    ComputationGraph inFloat =
        new ComputationGraph(TwoTowerGraphs.training(config, DataType.FLOAT, new NoOp()));
    inFloat.init();
    inFloat.params().assign(inDouble.params().castTo(DataType.FLOAT));
    MultiDataSet batch =
        new TowerBatcher(config)
            .trainingBatch(ItemCatalogue.random(new Random(4)).batch(new Random(1), config));

    INDArray expected = gradient(inDouble, batch, DataType.DOUBLE);
    INDArray actual = gradient(inFloat, batch, DataType.FLOAT).castTo(DataType.DOUBLE);

    double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-3);
    assertThat(actual.sub(expected).amaxNumber().doubleValue() / scale)
        .as("largest float32 - double gradient difference, relative to the largest gradient")
        .isLessThan(1e-4);
    // Every part of the graph contributes: the table's, the fields' and the towers' gradients.
    assertThat(expected.neq(0).castTo(DataType.INT).sumNumber().longValue())
        .isGreaterThan(expected.length() / 4);
  }

  private static INDArray gradient(ComputationGraph graph, MultiDataSet batch, DataType type) {
    graph.setInputs(
        Arrays.stream(batch.getFeatures()).map(a -> a.castTo(type)).toArray(INDArray[]::new));
    graph.setLabels(
        Arrays.stream(batch.getLabels()).map(a -> a.castTo(type)).toArray(INDArray[]::new));
    graph.computeGradientAndScore();
    return graph.gradient().gradient().dup();
  }

  private static void check(TowerConfig config) {
    LogQCorrection correction = config.correction();
    ComputationGraph graph =
        new ComputationGraph(TwoTowerGraphs.training(config, DataType.DOUBLE, new NoOp()));
    graph.init();
    Nd4j.getRandom().setSeed(5);
    graph.params().addi(Nd4j.randn(DataType.DOUBLE, graph.params().shape()).muli(0.1));
    ItemCatalogue catalogue = ItemCatalogue.random(new Random(4));
    TowerBatcher batcher = new TowerBatcher(config);

    for (long seed : BATCH_SEEDS) {
      MultiDataSet batch = batcher.trainingBatch(catalogue.batch(new Random(seed), config));
      INDArray[] inputs = inDouble(batch.getFeatures());
      INDArray[] labels = inDouble(batch.getLabels());
      assertProjectionsAreNotTiny(graph, inputs);

      boolean passed =
          GradientCheckUtil.checkGradients(
              new GradientCheckUtil.GraphConfig()
                  .net(graph)
                  .inputs(inputs)
                  .labels(labels)
                  .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));

      assertThat(passed)
          .as(
              "gradient check of %d parameters, %s correction, batch seed %d"
                  + " (failing parameters are logged by GradientCheckUtil)",
              graph.numParams(), correction, seed)
          .isTrue();
    }
  }

  private static TowerConfig config(LogQCorrection correction) {
    return TowerConfig.builder()
        .itemCardinality(ITEMS)
        .historyLength(HISTORY)
        .itemEmbeddingDim(4)
        .itemFields(List.of(CHANNEL, TOPICS))
        .queryHiddenSizes(List.of(5))
        .itemHiddenSizes(List.of(6))
        .outputDim(4)
        .temperature(0.2)
        .correction(correction)
        .maskAccidentalHits(true)
        .optimizer(Optimizer.ADAM) // replaced by NoOp
        .learningRate(0.01)
        .seed(3L)
        .seedItem(false)
        .build();
  }

  private static INDArray[] inDouble(INDArray[] arrays) {
    return Arrays.stream(arrays).map(a -> a.castTo(DataType.DOUBLE)).toArray(INDArray[]::new);
  }

  private static void assertProjectionsAreNotTiny(ComputationGraph graph, INDArray[] inputs) {
    Map<String, INDArray> activations = graph.feedForward(inputs, false);
    for (String projection : List.of("queryProjection", "itemProjection")) {
      assertThat(activations.get(projection).norm2(1).minNumber().doubleValue())
          .as("smallest row norm of %s", projection)
          .isGreaterThan(0.01);
    }
  }

  /** Items with fixed fields and log q, as real batches have them. */
  private record ItemCatalogue(int[][][] fieldValues, float[] logQ) {
    static ItemCatalogue random(Random random) {
      int[][][] fieldValues = new int[ITEMS][][];
      float[] logQ = new float[ITEMS];
      for (int item = 0; item < ITEMS; item++) {
        int[] topics = new int[1 + random.nextInt(TOPICS.maxValues())];
        Arrays.setAll(topics, k -> random.nextInt(TOPICS.cardinality())); // repeats allowed
        fieldValues[item] = new int[][] {{item % CHANNEL.cardinality()}, topics};
        logQ[item] = (float) (-4 + 3 * random.nextDouble());
      }
      return new ItemCatalogue(fieldValues, logQ);
    }

    /** {@value #ROWS} rows over {@value #CANDIDATES} candidates: accidental hits are certain. */
    List<TowerExample> batch(Random random, TowerConfig config) {
      List<TowerExample> rows = new ArrayList<>();
      for (int row = 0; row < ROWS; row++) {
        int[] history = new int[random.nextInt(HISTORY + 1)];
        Arrays.setAll(history, k -> random.nextInt(ITEMS)); // repeats allowed
        int item = random.nextInt(CANDIDATES);
        float reward = (float) (0.5 + 1.5 * random.nextDouble());
        int[][] user =
            config.userFields().isEmpty()
                ? new int[0][]
                : new int[][] {{random.nextInt(REGION.cardinality())}};
        rows.add(new TowerExample(history, item, fieldValues[item], reward, logQ[item], user));
      }
      return rows;
    }
  }
}
