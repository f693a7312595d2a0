package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

class TowerBatcherTest {
  // N = 3; one single-valued field (channel) and one field of up to 2 values (topic).
  static final TowerConfig CONFIG =
      TowerConfig.builder()
          .itemCardinality(10)
          .historyLength(3)
          .itemEmbeddingDim(4)
          .itemFields(
              List.of(
                  new CategoricalField("channel", 5, 1, 2), new CategoricalField("topic", 8, 2, 3)))
          .queryHiddenSizes(List.of(8))
          .itemHiddenSizes(List.of(8))
          .outputDim(4)
          .temperature(0.05)
          .correction(LogQCorrection.PAPER)
          .maskAccidentalHits(true)
          .optimizer(Optimizer.ADAM)
          .learningRate(0.01)
          .seed(1L)
          .seedItem(false)
          .build();

  // CONFIG's query tower with the seed item and two single-valued user fields.
  static final TowerConfig QUERY_FEATURES_CONFIG =
      CONFIG.toBuilder()
          .seedItem(true)
          .userFields(
              List.of(
                  new CategoricalField("region", 4, 1, 2), new CategoricalField("age", 3, 1, 3)))
          .build();

  private final TowerBatcher batcher = new TowerBatcher(CONFIG);

  @Test
  void trainingBatchPadsHistoriesAndAveragesBags() {
    MultiDataSet batch =
        batcher.trainingBatch(
            List.of(
                new TowerExample(new int[] {4, 2}, 7, new int[][] {{1}, {3, 6}}, 1f, -2.5f),
                new TowerExample(new int[] {}, 9, new int[][] {{0}, {5}}, 0.5f, -1f),
                new TowerExample(new int[] {1, 2, 3}, 0, new int[][] {{4}, {2, 2}}, 2f, 0.25f)));

    INDArray[] f = batch.getFeatures();
    assertThat(f).hasSize(7);
    // History left-aligned and zero-padded, candidate item in the last column.
    assertThat(f[0].toFloatMatrix())
        .isEqualTo(new float[][] {{4, 2, 0, 7}, {0, 0, 0, 9}, {1, 2, 3, 0}});
    // 1/len on real ids; padding and the candidate's column weigh 0; empty history: all zero.
    assertThat(f[1].toFloatMatrix())
        .isEqualTo(new float[][] {{0.5f, 0.5f, 0, 0}, {0, 0, 0, 0}, {1 / 3f, 1 / 3f, 1 / 3f, 0}});
    // The candidate's one-hot weighting.
    assertThat(f[2].toFloatMatrix())
        .isEqualTo(new float[][] {{0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}});
    assertThat(f[3].toFloatMatrix()).isEqualTo(new float[][] {{1}, {0}, {4}});
    assertThat(f[4].toFloatMatrix()).isEqualTo(new float[][] {{1}, {1}, {1}});
    assertThat(f[5].toFloatMatrix()).isEqualTo(new float[][] {{3, 6}, {5, 0}, {2, 2}});
    assertThat(f[6].toFloatMatrix()).isEqualTo(new float[][] {{0.5f, 0.5f}, {1, 0}, {0.5f, 0.5f}});
    // Labels: (reward, log q, item id).
    assertThat(batch.getLabels(0).toFloatMatrix())
        .isEqualTo(new float[][] {{1, -2.5f, 7}, {0.5f, -1, 9}, {2, 0.25f, 0}});
  }

  @Test
  void mixedNegativesFollowTheExamplesWithRewardZeroAndTheirOwnLogQ() {
    // Two examples, then two uniform negatives (items 9 and 7) drawn at B'/N = 2/8.
    float logQ = (float) Math.log(2.0 / 8);
    MultiDataSet batch =
        batcher.trainingBatch(
            List.of(
                new TowerExample(new int[] {4, 2}, 7, new int[][] {{1}, {3, 6}}, 1f, -2.5f),
                new TowerExample(new int[] {5}, 3, new int[][] {{2}, {4}}, 2f, -1f)),
            List.of(
                new TowerExample(new int[] {}, 9, new int[][] {{0}, {5}}, 0f, logQ),
                new TowerExample(new int[] {}, 7, new int[][] {{1}, {3, 6}}, 0f, logQ)));

    INDArray[] f = batch.getFeatures();
    // Negatives are rows 2 and 3: no history (all weights 0), their item as the candidate.
    assertThat(f[0].toFloatMatrix())
        .isEqualTo(new float[][] {{4, 2, 0, 7}, {5, 0, 0, 3}, {0, 0, 0, 9}, {0, 0, 0, 7}});
    assertThat(f[1].toFloatMatrix())
        .isEqualTo(new float[][] {{0.5f, 0.5f, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}});
    assertThat(f[2].toFloatMatrix())
        .isEqualTo(new float[][] {{0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}});
    assertThat(f[3].toFloatMatrix()).isEqualTo(new float[][] {{1}, {2}, {0}, {1}});
    assertThat(f[5].toFloatMatrix()).isEqualTo(new float[][] {{3, 6}, {4, 0}, {5, 0}, {3, 6}});
    // Labels: the examples' (reward, log p, item), then (0, log(B'/N), item); item 7 of the last
    // negative is row 0's positive, an accidental hit the loss masks by this id.
    assertThat(batch.getLabels(0).toFloatMatrix())
        .isEqualTo(new float[][] {{1, -2.5f, 7}, {2, -1, 3}, {0, logQ, 9}, {0, logQ, 7}});
    // Training progress counts the examples, not the negatives.
    assertThat(SparkTrainer.examples(batch)).isEqualTo(2);
  }

  @Test
  void rejectsMixedNegativesThatCarryAReward() {
    List<TowerExample> example = List.of(new TowerExample(new int[] {}, 1, fields(), 1f, 0f));
    assertThatThrownBy(
            () ->
                batcher.trainingBatch(
                    example, List.of(new TowerExample(new int[] {}, 2, fields(), 1f, -1f))))
        .hasMessageContaining("reward of a mixed negative in row 1: got 1.0")
        .hasMessageContaining("UniformItemSampler.sample");
    assertThatThrownBy(() -> batcher.trainingBatch(List.of(), List.of()))
        .hasMessageContaining("No examples to encode");
  }

  @Test
  void queryInputsHoldOnlyTheHistory() {
    INDArray[] inputs = batcher.queryInputs(List.of(new int[] {5}, new int[] {}));

    assertThat(inputs).hasSize(2);
    assertThat(inputs[0].toFloatMatrix()).isEqualTo(new float[][] {{5, 0, 0}, {0, 0, 0}});
    assertThat(inputs[1].toFloatMatrix()).isEqualTo(new float[][] {{1, 0, 0}, {0, 0, 0}});
  }

  @Test
  void seedWeightsPickTheMostRecentIdAndUserFieldsFollowTheItemFields() {
    MultiDataSet batch =
        new TowerBatcher(QUERY_FEATURES_CONFIG)
            .trainingBatch(
                List.of(
                    new TowerExample(
                        new int[] {4, 2}, 7, new int[][] {{1}, {3, 6}}, 1f, 0f, users(3, 0)),
                    new TowerExample(new int[] {}, 9, new int[][] {{0}, {5}}, 1f, 0f, users(1, 2))),
                List.of(new TowerExample(new int[] {}, 8, new int[][] {{2}, {4}}, 0f, -1f)));

    INDArray[] f = batch.getFeatures();
    // ids, history, candidate, seed weights; 2 x 2 item field arrays; 2 x 2 user field arrays.
    assertThat(f).hasSize(4 + 4 + 4);
    assertThat(f[0].toFloatMatrix())
        .isEqualTo(new float[][] {{4, 2, 0, 7}, {0, 0, 0, 9}, {0, 0, 0, 8}});
    // The seed is column 0 (item 4); an empty history has no seed.
    assertThat(f[3].toFloatMatrix())
        .isEqualTo(new float[][] {{1, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}});
    assertThat(f[4].toFloatMatrix()).isEqualTo(new float[][] {{1}, {0}, {2}});
    // region ids and weights; the mixed negative's query has no user features (weight 0).
    assertThat(f[8].toFloatMatrix()).isEqualTo(new float[][] {{3}, {1}, {0}});
    assertThat(f[9].toFloatMatrix()).isEqualTo(new float[][] {{1}, {1}, {0}});
    assertThat(f[10].toFloatMatrix()).isEqualTo(new float[][] {{0}, {2}, {0}});
    assertThat(f[11].toFloatMatrix()).isEqualTo(new float[][] {{1}, {1}, {0}});
  }

  @Test
  void queryInputsCarryTheSeedAndUserFields() {
    TowerBatcher withQueryFeatures = new TowerBatcher(QUERY_FEATURES_CONFIG);

    INDArray[] inputs =
        withQueryFeatures.queryInputs(
            List.of(new int[] {5, 6}, new int[] {}), List.of(users(2, 1), users(0, 0)));

    assertThat(inputs).hasSize(3 + 4);
    assertThat(inputs[2].toFloatMatrix()).isEqualTo(new float[][] {{1, 0, 0}, {0, 0, 0}});
    assertThat(inputs[3].toFloatMatrix()).isEqualTo(new float[][] {{2}, {0}});
    assertThat(inputs[5].toFloatMatrix()).isEqualTo(new float[][] {{1}, {0}});
  }

  @Test
  void rejectsQueriesWithoutTheConfiguredUserFields() {
    TowerBatcher withQueryFeatures = new TowerBatcher(QUERY_FEATURES_CONFIG);

    assertThatThrownBy(() -> withQueryFeatures.queryInputs(List.of(new int[] {1})))
        .hasMessageContaining("queryInputs(histories) has no user field values")
        .hasMessageContaining("[region, age]");
    assertThatThrownBy(
            () ->
                withQueryFeatures.trainingBatch(
                    List.of(new TowerExample(new int[] {1}, 2, fields(), 1f, 0f))))
        .hasMessageContaining("Invalid user field values in row 0: got \"0 fields\"")
        .hasMessageContaining("per configured user field (2)");
    assertThatThrownBy(
            () ->
                withQueryFeatures.queryInputs(
                    List.of(new int[] {1}), List.<int[][]>of(new int[][] {{4}, {0}})))
        .hasMessageContaining("value of user field region in row 0: got 4")
        .hasMessageContaining("0..3");
    assertThatThrownBy(() -> withQueryFeatures.queryInputs(List.of(new int[] {1}), List.of()))
        .hasMessageContaining("queryInputs got 1 histories but 0 rows of user field values");
  }

  @Test
  void itemInputsHoldTheItemAndItsFields() {
    INDArray[] inputs =
        batcher.itemInputs(new int[] {3, 8}, new int[][][] {{{2}, {7}}, {{4}, {1, 0}}});

    assertThat(inputs).hasSize(6);
    assertThat(inputs[0].toFloatMatrix()).isEqualTo(new float[][] {{3}, {8}});
    assertThat(inputs[1].toFloatMatrix()).isEqualTo(new float[][] {{1}, {1}});
    assertThat(inputs[2].toFloatMatrix()).isEqualTo(new float[][] {{2}, {4}});
    assertThat(inputs[4].toFloatMatrix()).isEqualTo(new float[][] {{7, 0}, {1, 0}});
    assertThat(inputs[5].toFloatMatrix()).isEqualTo(new float[][] {{1, 0}, {0.5f, 0.5f}});
  }

  @Test
  void rejectsRowsThatDoNotFitTheConfig() {
    assertThatThrownBy(
            () ->
                batcher.trainingBatch(
                    List.of(new TowerExample(new int[] {1, 2, 3, 4}, 1, fields(), 1f, 0f))))
        .hasMessageContaining("history in row 0")
        .hasMessageContaining("keep the 3 most recent");
    assertThatThrownBy(
            () ->
                batcher.trainingBatch(
                    List.of(new TowerExample(new int[] {}, 10, fields(), 1f, 0f))))
        .hasMessageContaining("item id in row 0: got 10")
        .hasMessageContaining("0..9");
    assertThatThrownBy(
            () ->
                batcher.trainingBatch(
                    List.of(
                        new TowerExample(new int[] {}, 1, new int[][] {{1}, {1, 2, 3}}, 1f, 0f))))
        .hasMessageContaining("values of field topic in row 0")
        .hasMessageContaining("1..2 values");
    assertThatThrownBy(
            () ->
                batcher.trainingBatch(
                    List.of(new TowerExample(new int[] {}, 1, fields(), -1f, 0f))))
        .hasMessageContaining("reward in row 0: got -1.0");
    assertThatThrownBy(() -> batcher.trainingBatch(List.of()))
        .hasMessageContaining("No examples to encode");
  }

  private static int[][] users(int region, int age) {
    return new int[][] {{region}, {age}};
  }

  private static int[][] fields() {
    return new int[][] {{1}, {2}};
  }
}
