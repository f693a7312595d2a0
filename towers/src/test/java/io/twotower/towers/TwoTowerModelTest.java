package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

class TwoTowerModelTest {
  private static final TowerConfig CONFIG = TowerBatcherTest.CONFIG;
  // The same model with the seed item and user fields region (4 values) and age (3 values).
  private static final TowerConfig QUERY_FEATURES = TowerBatcherTest.QUERY_FEATURES_CONFIG;
  static final List<TowerExample> EXAMPLES =
      List.of(
          new TowerExample(new int[] {4, 2}, 7, new int[][] {{1}, {3, 6}}, 1f, -2.5f),
          new TowerExample(new int[] {}, 9, new int[][] {{0}, {5}}, 0.5f, -1f),
          new TowerExample(new int[] {1, 2, 3}, 0, new int[][] {{4}, {2, 2}}, 2f, 0.25f),
          new TowerExample(new int[] {5}, 7, new int[][] {{1}, {3, 6}}, 1f, -2.5f));

  /** EXAMPLES with user field values (region, age) = (row % 4, row % 3). */
  private static final List<TowerExample> WITH_USERS =
      IntStream.range(0, EXAMPLES.size())
          .mapToObj(
              row -> {
                TowerExample e = EXAMPLES.get(row);
                return new TowerExample(
                    e.history(),
                    e.item(),
                    e.fieldValues(),
                    e.reward(),
                    e.logQ(),
                    new int[][] {{row % 4}, {row % 3}});
              })
          .toList();

  static Stream<Arguments> configs() {
    return Stream.of(
        Arguments.of("history only", CONFIG, EXAMPLES),
        Arguments.of("seed item and user fields", QUERY_FEATURES, WITH_USERS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void inferenceGraphsReproduceTheTrainingGraphsTowers(
      String name, TowerConfig config, List<TowerExample> examples) {
    TwoTowerModel model = trainedOneStep(config, examples);
    MultiDataSet batch = new TowerBatcher(config).trainingBatch(examples);

    Map<String, INDArray> activations =
        model.trainingGraph().feedForward(batch.getFeatures(), false);

    float[][] queries =
        model.queryEmbeddings(
            examples.stream().map(TowerExample::history).toList(),
            examples.stream().map(TowerExample::userValues).toList());
    float[][] items =
        model.itemEmbeddings(
            examples.stream().mapToInt(TowerExample::item).toArray(),
            examples.stream().map(TowerExample::fieldValues).toArray(int[][][]::new));
    assertClose(queries, activations.get(TwoTowerGraphs.QUERY_EMBEDDING).toFloatMatrix());
    assertClose(items, activations.get(TwoTowerGraphs.ITEM_EMBEDDING).toFloatMatrix());
    for (float[] row : queries) {
      assertThat(norm(row)).isCloseTo(1.0, within(1e-5));
    }
  }

  @Test
  void historyAndCandidateShareOneItemIdTable() {
    TwoTowerModel model = TwoTowerModel.create(CONFIG);
    INDArray table = model.trainingGraph().getLayer(TwoTowerGraphs.ITEM_ID_EMBEDDING).getParam("W");
    INDArray before = table.dup();

    // Item 5 appears only in a history, item 9 only as a candidate: one fit moves both rows.
    model
        .trainingGraph()
        .fit(
            new TowerBatcher(CONFIG)
                .trainingBatch(
                    List.of(
                        new TowerExample(new int[] {5}, 9, new int[][] {{1}, {3}}, 1f, 0f),
                        new TowerExample(new int[] {6}, 8, new int[][] {{2}, {4}}, 1f, 0f))));

    assertThat(table.getRow(5)).isNotEqualTo(before.getRow(5));
    assertThat(table.getRow(9)).isNotEqualTo(before.getRow(9));
    assertThat(table.getRow(1)).isEqualTo(before.getRow(1)); // in no row: untouched
    assertThat(
            model.trainingGraph().paramTable().keySet().stream()
                .filter(key -> key.startsWith("itemId")))
        .containsExactly(TwoTowerGraphs.ITEM_ID_EMBEDDING + "_W");
  }

  @Test
  void seedItemIsTheMostRecentHistoryIdsRowOfTheSharedTable() {
    TwoTowerModel model = trainedOneStep(QUERY_FEATURES, WITH_USERS);
    INDArray table = model.trainingGraph().getLayer(TwoTowerGraphs.ITEM_ID_EMBEDDING).getParam("W");

    Map<String, INDArray> activations =
        model
            .trainingGraph()
            .feedForward(
                new TowerBatcher(QUERY_FEATURES).trainingBatch(WITH_USERS).getFeatures(), false);

    INDArray seeds = activations.get(TwoTowerGraphs.SEED_ITEM_ID);
    // EXAMPLES' histories {4, 2}, {}, {1, 2, 3}, {5}: seeds 4, none (zero), 1, 5.
    assertThat(seeds.getRow(0)).isEqualTo(table.getRow(4));
    assertThat(seeds.getRow(1).toFloatVector()).containsOnly(0f);
    assertThat(seeds.getRow(2)).isEqualTo(table.getRow(1));
    assertThat(seeds.getRow(3)).isEqualTo(table.getRow(5));
    // One item-id table for history, seed and candidate; one table per user field.
    assertThat(
            model.trainingGraph().paramTable().keySet().stream()
                .filter(key -> key.toLowerCase(Locale.ROOT).contains("itemid")))
        .containsExactly(TwoTowerGraphs.ITEM_ID_EMBEDDING + "_W");
    assertThat(model.trainingGraph().paramTable())
        .containsKeys("user.regionFieldEmbedding_W", "user.ageFieldEmbedding_W");
    // The query tower's input: history mean (4) + seed (4) + region (2) + age (3).
    assertThat(QUERY_FEATURES.queryFeatureWidth()).isEqualTo(13);
    assertThat(activations.get(TwoTowerGraphs.QUERY_FEATURES).shape()).containsExactly(4L, 13L);
  }

  @Test
  void seedItemAndUserFieldsChangeTheQueryEmbedding() {
    TwoTowerModel model = trainedOneStep(QUERY_FEATURES, WITH_USERS);
    int[][] user = {{1}, {2}};

    float[][] queries =
        model.queryEmbeddings(
            List.of(new int[] {4, 2}, new int[] {2, 4}, new int[] {4, 2}),
            List.of(user, user, new int[][] {{3}, {2}}));

    // Same bag, other seed; same history and seed, other region.
    assertThat(queries[1]).isNotEqualTo(queries[0]);
    assertThat(queries[2]).isNotEqualTo(queries[0]);
  }

  @Test
  void mixedNegativesWithEmptyHistoriesKeepTheLossAndGradientsFinite() {
    TwoTowerModel model = TwoTowerModel.create(CONFIG);
    // Biases start at 0, so an empty history gives a zero query vector: L2 normalisation of a
    // zero vector is where a NaN could come from, and 0 * NaN = NaN would reach the loss.
    assertThat(model.queryEmbeddings(List.<int[]>of(new int[0]))[0]).containsOnly(0f);
    UniformItemSampler corpus =
        new UniformItemSampler(
            new int[] {1, 7, 8}, new int[][][] {{{0}, {1}}, {{1}, {3, 6}}, {{4}, {7}}});
    MultiDataSet batch = new TowerBatcher(CONFIG).trainingBatch(EXAMPLES, corpus.sample(3, 5L));
    ComputationGraph graph = model.trainingGraph();

    graph.setInputs(batch.getFeatures());
    graph.setLabels(batch.getLabels());
    graph.computeGradientAndScore();

    assertThat(graph.score()).isFinite().isPositive();
    assertAllFinite("gradient", graph.gradient().gradient());
    graph.fit(batch);
    assertAllFinite("parameters after one step", graph.params());
    assertThat(graph.score()).isFinite();
  }

  @Test
  void saveAndLoadKeepTheSeedItemAndUserFields(@TempDir Path dir) {
    TwoTowerModel model = trainedOneStep(QUERY_FEATURES, WITH_USERS);
    model.save(dir);

    TwoTowerModel loaded = TwoTowerModel.load(dir);

    assertThat(loaded.config()).isEqualTo(QUERY_FEATURES);
    List<int[]> histories = List.of(new int[] {1, 2}, new int[] {});
    List<int[][]> users = List.of(new int[][] {{3}, {0}}, new int[][] {{1}, {2}});
    assertThat(loaded.queryEmbeddings(histories, users))
        .isEqualTo(model.queryEmbeddings(histories, users));
  }

  @Test
  void loadsAConfigSavedBeforeTheQueryTowerOptions(@TempDir Path dir) throws Exception {
    trainedOneStep(CONFIG, EXAMPLES).save(dir);
    Path json = dir.resolve(TwoTowerModel.CONFIG_FILE);
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode saved = (ObjectNode) mapper.readTree(json.toFile());
    assertThat(saved.has("seedItem") && saved.has("userFields")).isTrue();
    saved.remove(List.of("seedItem", "userFields"));
    mapper.writeValue(json.toFile(), saved);

    assertThat(TwoTowerModel.load(dir).config()).isEqualTo(CONFIG);
  }

  @Test
  void queryEmbeddingsWithoutUserValuesFailForAModelWithUserFields() {
    assertThatThrownBy(
            () -> TwoTowerModel.create(QUERY_FEATURES).queryEmbeddings(List.of(new int[] {1})))
        .hasMessageContaining("queryEmbeddings(histories) has no user field values")
        .hasMessageContaining("Pass each query's user field values");
  }

  @Test
  void saveAndLoadGiveIdenticalEmbeddingsAndOptimizerState(@TempDir Path dir) {
    TwoTowerModel model = trainedOneStep();
    model.save(dir);

    TwoTowerModel loaded = TwoTowerModel.load(dir);

    assertThat(loaded.config()).isEqualTo(CONFIG);
    List<int[]> histories = List.of(new int[] {1, 2}, new int[] {});
    assertThat(loaded.queryEmbeddings(histories)).isEqualTo(model.queryEmbeddings(histories));
    int[] items = {0, 9};
    int[][][] fields = {{{1}, {2}}, {{3}, {4, 5}}};
    assertThat(loaded.itemEmbeddings(items, fields)).isEqualTo(model.itemEmbeddings(items, fields));
    assertThat(loaded.trainingGraph().getUpdater().getStateViewArray())
        .isEqualTo(model.trainingGraph().getUpdater().getStateViewArray());
  }

  @Test
  void aCopyCarriesParametersOptimizerStateAndStepAndSharesNothing() {
    TwoTowerModel model = trainedOneStep();

    TwoTowerModel copy = model.copy();
    INDArray params = copy.trainingGraph().params().dup();
    model.trainingGraph().fit(new TowerBatcher(CONFIG).trainingBatch(EXAMPLES));

    assertThat(copy.config()).isEqualTo(CONFIG);
    assertThat(copy.trainingGraph().getConfiguration().getIterationCount()).isEqualTo(1);
    assertThat(copy.trainingGraph().params()).isEqualTo(params);
    assertThat(model.trainingGraph().params()).isNotEqualTo(params);
    // Trained on alike, the copy steps as the original did from the same state.
    copy.trainingGraph().fit(new TowerBatcher(CONFIG).trainingBatch(EXAMPLES));
    assertThat(copy.trainingGraph().params()).isEqualTo(model.trainingGraph().params());
    assertThat(copy.trainingGraph().getUpdater().getStateViewArray())
        .isEqualTo(model.trainingGraph().getUpdater().getStateViewArray());
  }

  @Test
  void loadsAModelSavedWithDl4jsDenseLayersOntoTodaysLayers(@TempDir Path dir) throws Exception {
    TwoTowerModel model = trainedOneStep();
    model.save(dir);
    // Models saved before TowerDense name DL4J's own layer class in the graph's JSON.
    renameInSavedGraph(dir, TowerDense.class, org.deeplearning4j.nn.conf.layers.DenseLayer.class);

    TwoTowerModel loaded = TwoTowerModel.load(dir);

    assertThat(loaded.trainingGraph().getLayer("queryHidden0"))
        .isExactlyInstanceOf(TowerDenseLayer.class);
    assertThat(loaded.trainingGraph().getUpdater().getStateViewArray())
        .isEqualTo(model.trainingGraph().getUpdater().getStateViewArray());
    List<int[]> histories = List.of(new int[] {1, 2}, new int[] {});
    assertThat(loaded.queryEmbeddings(histories)).isEqualTo(model.queryEmbeddings(histories));
    MultiDataSet batch = new TowerBatcher(CONFIG).trainingBatch(EXAMPLES);
    model.trainingGraph().fit(batch);
    loaded.trainingGraph().fit(batch);
    assertClose(loaded.queryEmbeddings(histories), model.queryEmbeddings(histories));
  }

  /**
   * A model of the seed item and user fields, trained 3 steps and saved by the version before
   * BagOfIdsEmbedding (commit 79ac4f7): its JSON names SequenceEmbedding and WeightedBagVertex, its
   * tables are stored column-major. Beside it, the embeddings that version computed for fixed
   * inputs (expected.txt).
   */
  private static final Path SAVED_WITH_SEQUENCE_EMBEDDINGS =
      Path.of("src/test/resources/models/saved-with-sequence-embeddings");

  @Test
  void loadsAModelSavedWithSequenceEmbeddingsOntoTodaysLayers() throws Exception {
    TwoTowerModel loaded = TwoTowerModel.load(SAVED_WITH_SEQUENCE_EMBEDDINGS);

    ComputationGraph graph = loaded.trainingGraph();
    assertThat(graph.getLayer(TwoTowerGraphs.ITEM_ID_EMBEDDING))
        .isExactlyInstanceOf(BagOfIdsEmbeddingLayer.class);
    assertThat(graph.getLayer("channelFieldEmbedding"))
        .isExactlyInstanceOf(BagOfIdsEmbeddingLayer.class);
    // Adam's step count and its state came along: the saved graph's own state, value for value.
    assertThat(graph.getConfiguration().getIterationCount()).isEqualTo(3);
    ComputationGraph saved =
        org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
            SAVED_WITH_SEQUENCE_EMBEDDINGS.resolve(TwoTowerModel.GRAPH_FILE).toFile(), true);
    assertThat(graph.getUpdater().getStateViewArray().sumNumber().doubleValue())
        .isNotZero()
        .isCloseTo(saved.getUpdater().getStateViewArray().sumNumber().doubleValue(), within(1e-6));
    for (String layer : List.of(TwoTowerGraphs.ITEM_ID_EMBEDDING, "user.ageFieldEmbedding")) {
      assertThat(graph.getLayer(layer).getParam("W"))
          .as(layer)
          .isEqualTo(saved.getLayer(layer).getParam("W"));
    }
    List<String> expected =
        Files.readAllLines(SAVED_WITH_SEQUENCE_EMBEDDINGS.resolve("expected.txt"));
    float[][] queries =
        loaded.queryEmbeddings(
            List.of(new int[] {1, 2}, new int[] {}, new int[] {9, 8, 7}),
            List.of(new int[][] {{1}, {2}}, new int[][] {{3}, {0}}, new int[][] {{0}, {1}}));
    float[][] items =
        loaded.itemEmbeddings(
            new int[] {0, 9, 4}, new int[][][] {{{1}, {2}}, {{3}, {4, 5}}, {{0}, {7}}});
    assertClose(queries, rows(expected, "query "));
    assertClose(items, rows(expected, "item "));

    loaded.trainingGraph().fit(new TowerBatcher(QUERY_FEATURES).trainingBatch(WITH_USERS));
    assertThat(loaded.trainingGraph().score()).isFinite();
  }

  /**
   * Makes the model saved in {@code dir} name class {@code earlier} where it names {@code today} in
   * its graph's JSON, as a model saved before {@code today} existed does.
   */
  static void renameInSavedGraph(Path dir, Class<?> today, Class<?> earlier) throws IOException {
    try (FileSystem zip = FileSystems.newFileSystem(dir.resolve(TwoTowerModel.GRAPH_FILE))) {
      Path json = zip.getPath("configuration.json");
      String configuration = Files.readString(json);
      assertThat(configuration).contains(today.getName());
      Files.writeString(json, configuration.replace(today.getName(), earlier.getName()));
    }
  }

  /** The lines of {@code lines} that start with {@code prefix}, each "[a, b, ...]" as floats. */
  private static float[][] rows(List<String> lines, String prefix) {
    return lines.stream()
        .filter(line -> line.startsWith(prefix))
        .map(
            line -> {
              String[] values = line.substring(prefix.length() + 1, line.length() - 1).split(", ");
              float[] row = new float[values.length];
              for (int i = 0; i < row.length; i++) {
                row[i] = Float.parseFloat(values[i]);
              }
              return row;
            })
        .toArray(float[][]::new);
  }

  @Test
  void withParametersRejectsAGraphOfAnotherShape() {
    TowerConfig wider = CONFIG.toBuilder().queryHiddenSizes(List.of(16)).build();

    assertThatThrownBy(
            () ->
                TwoTowerModel.create(CONFIG)
                    .withParameters(TwoTowerModel.create(wider).trainingGraph()))
        .hasMessageContaining("does not match this model's configuration")
        // queryHidden0 has 4 x 16 weights + 16 biases where 4 x 8 + 8 were expected.
        .hasMessageContaining("queryHidden0=80")
        .hasMessageContaining("queryHidden0=40");
  }

  /** A model of CONFIG after one step on EXAMPLES. */
  static TwoTowerModel trainedOneStep() {
    return trainedOneStep(CONFIG, EXAMPLES);
  }

  private static TwoTowerModel trainedOneStep(TowerConfig config, List<TowerExample> examples) {
    TwoTowerModel model = TwoTowerModel.create(config);
    model.trainingGraph().fit(new TowerBatcher(config).trainingBatch(examples));
    return model;
  }

  private static void assertClose(float[][] actual, float[][] expected) {
    assertThat(actual.length).isEqualTo(expected.length);
    for (int i = 0; i < actual.length; i++) {
      for (int k = 0; k < actual[i].length; k++) {
        assertThat(actual[i][k]).as("[%d][%d]", i, k).isCloseTo(expected[i][k], within(1e-5f));
      }
    }
  }

  private static void assertAllFinite(String what, INDArray values) {
    double[] v = values.toDoubleVector();
    for (int i = 0; i < v.length; i++) {
      assertThat(v[i]).as("%s[%d]", what, i).isFinite();
    }
  }

  private static double norm(float[] row) {
    double sum = 0;
    for (float x : row) {
      sum += x * x;
    }
    return Math.sqrt(sum);
  }
}
