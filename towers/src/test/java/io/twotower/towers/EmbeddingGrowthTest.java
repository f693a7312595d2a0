package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class EmbeddingGrowthTest {
  // 10 item ids, channel 5 values, topic 8 values (at most 2 per item), Adam.
  private static final TowerConfig CONFIG = TowerBatcherTest.CONFIG;
  // The same towers after the vocabularies grew: 4 more item ids, 2 more channels, topics
  // unchanged but up to 3 per item (an input length, not a parameter).
  private static final TowerConfig GROWN =
      CONFIG.toBuilder()
          .itemCardinality(14)
          .itemFields(
              List.of(
                  new CategoricalField("channel", 7, 1, 2), new CategoricalField("topic", 8, 3, 3)))
          .build();
  private static final List<TowerExample> OLD_IDS =
      List.of(
          new TowerExample(new int[] {4, 2}, 7, new int[][] {{1}, {3, 6}}, 1f, -2.5f),
          new TowerExample(new int[] {}, 9, new int[][] {{0}, {5}}, 0.5f, -1f),
          new TowerExample(new int[] {1, 2, 3}, 0, new int[][] {{4}, {2, 2}}, 2f, 0.25f));

  @Test
  void oldIdsKeepTheirRowsEmbeddingsAndOptimizerState() {
    TwoTowerModel model = trainedOneStep(CONFIG);

    TwoTowerModel grown = model.grownTo(GROWN);

    assertThat(grown.config()).isEqualTo(GROWN);
    INDArray oldTable = table(model, "itemIdEmbedding");
    INDArray grownTable = table(grown, "itemIdEmbedding");
    assertThat(grownTable.shape()).containsExactly(14, 4);
    assertThat(rows(grownTable, 0, 10)).isEqualTo(oldTable);
    assertThat(rows(table(grown, "channelFieldEmbedding"), 0, 5))
        .isEqualTo(table(model, "channelFieldEmbedding"));
    // New rows start as a fresh model of the grown config starts them.
    assertThat(rows(grownTable, 10, 14))
        .isEqualTo(rows(table(TwoTowerModel.create(GROWN), "itemIdEmbedding"), 10, 14));
    List<int[]> histories = List.of(new int[] {4, 2}, new int[] {}, new int[] {9});
    assertClose(grown.queryEmbeddings(histories), model.queryEmbeddings(histories));
    int[] items = {7, 9, 0};
    int[][][] fields = {{{1}, {3, 6}}, {{0}, {5}}, {{4}, {2}}};
    assertClose(grown.itemEmbeddings(items, fields), model.itemEmbeddings(items, fields));
    assertThat(grown.trainingGraph().getConfiguration().getIterationCount())
        .isEqualTo(model.trainingGraph().getConfiguration().getIterationCount())
        .isEqualTo(1);
  }

  @Test
  void trainingOnAfterGrowingStepsExactlyAsTheOldModelWould() {
    // Adam's step depends on its moments and step count: had growth dropped or misplaced any of
    // them, the second step would differ from the old model's (its first step with zero state is
    // ~learning rate per parameter, far from a continued one).
    TwoTowerModel model = trainedOneStep(CONFIG);
    TwoTowerModel grown = model.grownTo(GROWN);

    model.trainingGraph().fit(new TowerBatcher(CONFIG).trainingBatch(OLD_IDS));
    grown.trainingGraph().fit(new TowerBatcher(GROWN).trainingBatch(OLD_IDS));

    List<int[]> histories = List.of(new int[] {4, 2}, new int[] {1, 2, 3});
    assertClose(grown.queryEmbeddings(histories), model.queryEmbeddings(histories));
    assertThat(rows(table(grown, "itemIdEmbedding"), 0, 10).sub(table(model, "itemIdEmbedding")))
        .satisfies(diff -> assertThat(diff.amaxNumber().doubleValue()).isLessThan(1e-6));
    TwoTowerModel restarted = TwoTowerModel.create(CONFIG);
    restarted.trainingGraph().setParams(trainedOneStep(CONFIG).trainingGraph().params());
    restarted.trainingGraph().fit(new TowerBatcher(CONFIG).trainingBatch(OLD_IDS));
    assertThat(
            table(restarted, "itemIdEmbedding")
                .sub(table(model, "itemIdEmbedding"))
                .amaxNumber()
                .doubleValue())
        .as("the same parameters without the optimizer state step elsewhere")
        .isGreaterThan(1e-4);
  }

  @Test
  void newRowsStartWithZeroOptimizerState() {
    TwoTowerModel grown = trainedOneStep(CONFIG).grownTo(GROWN);

    // One Adam step moves an id that had state; a new row, with zero state and zero gradient, not.
    grown.trainingGraph().fit(new TowerBatcher(GROWN).trainingBatch(OLD_IDS));

    INDArray fresh = rows(table(TwoTowerModel.create(GROWN), "itemIdEmbedding"), 10, 14);
    assertThat(rows(table(grown, "itemIdEmbedding"), 10, 14)).isEqualTo(fresh);
  }

  @Test
  void theSameConfigIsTheSameModel() {
    TwoTowerModel model = trainedOneStep(CONFIG);
    assertThat(model.grownTo(CONFIG)).isSameAs(model);
  }

  @Test
  void onlyEmbeddingTablesMayGrowAndTheOptimizerMustStay() {
    TwoTowerModel model = TwoTowerModel.create(CONFIG);

    assertThatThrownBy(() -> model.grownTo(CONFIG.toBuilder().itemCardinality(8).build()))
        .hasMessageContaining("parameter itemIdEmbedding_W has shape [10, 4] x2")
        .hasMessageContaining("[8, 4] x2");
    assertThatThrownBy(
            () -> model.grownTo(CONFIG.toBuilder().queryHiddenSizes(List.of(16)).build()))
        .hasMessageContaining("queryHidden0_W")
        .hasMessageContaining("Only embedding tables may grow");
    assertThatThrownBy(() -> model.grownTo(GROWN.toBuilder().optimizer(Optimizer.ADAGRAD).build()))
        .hasMessageContaining("(optimizer state)");
  }

  private static TwoTowerModel trainedOneStep(TowerConfig config) {
    TwoTowerModel model = TwoTowerModel.create(config);
    model.trainingGraph().fit(new TowerBatcher(config).trainingBatch(OLD_IDS));
    return model;
  }

  private static INDArray table(TwoTowerModel model, String layer) {
    return model.trainingGraph().getLayer(layer).getParam("W");
  }

  private static INDArray rows(INDArray table, int from, int to) {
    return table.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
  }

  private static void assertClose(float[][] actual, float[][] expected) {
    assertThat(actual.length).isEqualTo(expected.length);
    for (int i = 0; i < actual.length; i++) {
      for (int k = 0; k < actual[i].length; k++) {
        assertThat(actual[i][k]).as("[%d][%d]", i, k).isCloseTo(expected[i][k], within(1e-6f));
      }
    }
  }
}
