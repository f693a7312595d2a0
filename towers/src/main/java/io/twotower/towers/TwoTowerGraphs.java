package io.twotower.towers;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The pure factory of the model's graphs: the training graph and the two tower-only inference
 * graphs. All three use the same layer names, so parameters copy between them by name.
 *
 * <p>Training graph inputs, in order (B rows, N = historyLength, m_f = maxValues of field f):
 *
 * <ol>
 *   <li>{@value #ITEM_IDS} [B, N+1]: the history ids (most recent first, padded with 0), then the
 *       candidate item id in column N. One input, so that one embedding layer — one table — embeds
 *       both: the paper's shared item-id embedding.
 *   <li>{@value #HISTORY_WEIGHTS} [B, N+1]: 1/len(history) on real history ids, 0 on padding and on
 *       column N.
 *   <li>{@value #CANDIDATE_WEIGHTS} [B, N+1]: 1 in column N, 0 elsewhere.
 *   <li>only with {@link TowerConfig#seedItem()}: {@value #SEED_WEIGHTS} [B, N+1]: 1 in column 0
 *       (the most recent history id, the seed item) when the history is not empty, else all 0. The
 *       seed is thus pooled from the same lookup of the same table as history and candidate.
 *   <li>for each item field f: {@code <f>FieldIds} [B, m_f] and {@code <f>FieldWeights} [B, m_f]
 *       (1/count on real values, 0 on padding).
 *   <li>for each user field u: {@code user.<u>FieldIds} [B, m_u] and {@code user.<u>FieldWeights}
 *       [B, m_u], encoded like item fields. The "user." prefix cannot clash with an item field's
 *       names: field names hold no '.'.
 * </ol>
 *
 * <p>The query tower's input is the history mean, then the seed item's id embedding, then each user
 * field's embedding, concatenated; with neither option it is the history mean alone, the graph
 * exactly as before the options existed.
 *
 * <p>Labels: one array [B, 3], see {@link InBatchSoftmaxLoss}. The query-tower graph takes {@value
 * #ITEM_IDS}, {@value #HISTORY_WEIGHTS} and (with a seed item) {@value #SEED_WEIGHTS}, each N wide,
 * then the user field inputs; the item-tower graph takes {@value #ITEM_IDS} and {@value
 * #CANDIDATE_WEIGHTS}, each 1 wide, then the item field inputs.
 */
final class TwoTowerGraphs {
  static final String ITEM_IDS = "itemIds";
  static final String HISTORY_WEIGHTS = "historyWeights";
  static final String CANDIDATE_WEIGHTS = "candidateWeights";
  static final String SEED_WEIGHTS = "seedWeights";
  static final String ITEM_ID_EMBEDDING = "itemIdEmbedding";
  static final String ITEM_ID_BAG_INPUTS = "itemIdBagInputs";
  static final String HISTORY_MEAN = "historyMean";
  static final String CANDIDATE_ITEM_ID = "candidateItemId";
  static final String SEED_ITEM_ID = "seedItemId";
  static final String QUERY_FEATURES = "queryFeatures";
  static final String ITEM_FEATURES = "itemFeatures";
  static final String QUERY_EMBEDDING = "queryEmbedding";
  static final String ITEM_EMBEDDING = "itemEmbedding";
  static final String TOWER_OUTPUTS = "towerOutputs";
  static final String LOSS = "inBatchSoftmax";

  /**
   * Keras' default embedding initialisation: the tables start small, and the towers' final L2
   * normalisation makes the scale of later layers irrelevant to the logits.
   */
  private static final WeightInitDistribution EMBEDDING_INIT =
      new WeightInitDistribution(new UniformDistribution(-0.05, 0.05));

  private TwoTowerGraphs() {}

  /** Prefix of the user fields' input and layer names (item fields have none). */
  static final String USER_PREFIX = "user.";

  static String fieldIds(CategoricalField field) {
    return fieldIds("", field);
  }

  static String fieldWeights(CategoricalField field) {
    return fieldWeights("", field);
  }

  private static String fieldIds(String prefix, CategoricalField field) {
    return prefix + field.name() + "FieldIds";
  }

  private static String fieldWeights(String prefix, CategoricalField field) {
    return prefix + field.name() + "FieldWeights";
  }

  static ComputationGraphConfiguration training(TowerConfig config) {
    return training(config, DataType.FLOAT, updater(config));
  }

  /**
   * The training graph in another precision and with another updater than the configuration's: a
   * gradient check needs DOUBLE and an updater that leaves gradients as they are (NoOp).
   */
  static ComputationGraphConfiguration training(
      TowerConfig config, DataType dataType, IUpdater updater) {
    GraphBuilder graph = builder(config, dataType, updater);
    List<String> weights = new ArrayList<>(List.of(HISTORY_WEIGHTS, CANDIDATE_WEIGHTS));
    List<String> bags = new ArrayList<>(List.of(HISTORY_MEAN, CANDIDATE_ITEM_ID));
    if (config.seedItem()) {
      weights.add(SEED_WEIGHTS);
      bags.add(SEED_ITEM_ID);
    }
    List<String> inputs = new ArrayList<>(List.of(ITEM_IDS));
    inputs.addAll(weights);
    inputs.addAll(fieldInputs("", config.itemFields()));
    inputs.addAll(fieldInputs(USER_PREFIX, config.userFields()));
    graph.addInputs(inputs);
    // One pass over the shared table pools the history, the candidate (and the seed), then splits.
    addItemIdBags(graph, config, config.historyLength() + 1, weights, bags);
    addQueryTower(graph, config);
    addItemTower(graph, config);
    graph.addVertex(TOWER_OUTPUTS, new MergeVertex(), QUERY_EMBEDDING, ITEM_EMBEDDING);
    InBatchSoftmaxLoss loss =
        new InBatchSoftmaxLoss(
            config.outputDim(),
            config.temperature(),
            config.correction(),
            config.maskAccidentalHits());
    // A LossLayer with the loss written out by hand; models saved before carry the SameDiff
    // InBatchSoftmaxLayer in their JSON and keep loading and training with it.
    graph.addLayer(
        LOSS,
        new LossLayer.Builder(new InBatchSoftmaxLossFunction(loss))
            .activation(Activation.IDENTITY)
            .build(),
        TOWER_OUTPUTS);
    graph.setOutputs(LOSS);
    return graph.build();
  }

  static ComputationGraphConfiguration queryTower(TowerConfig config) {
    GraphBuilder graph = builder(config);
    List<String> weights = new ArrayList<>(List.of(HISTORY_WEIGHTS));
    List<String> bags = new ArrayList<>(List.of(HISTORY_MEAN));
    if (config.seedItem()) {
      weights.add(SEED_WEIGHTS);
      bags.add(SEED_ITEM_ID);
    }
    List<String> inputs = new ArrayList<>(List.of(ITEM_IDS));
    inputs.addAll(weights);
    inputs.addAll(fieldInputs(USER_PREFIX, config.userFields()));
    graph.addInputs(inputs);
    addItemIdBags(graph, config, config.historyLength(), weights, bags);
    addQueryTower(graph, config);
    graph.setOutputs(QUERY_EMBEDDING);
    return graph.build();
  }

  static ComputationGraphConfiguration itemTower(TowerConfig config) {
    GraphBuilder graph = builder(config);
    List<String> inputs = new ArrayList<>(List.of(ITEM_IDS, CANDIDATE_WEIGHTS));
    inputs.addAll(fieldInputs("", config.itemFields()));
    graph.addInputs(inputs);
    addItemIdBags(graph, config, 1, List.of(CANDIDATE_WEIGHTS), List.of(CANDIDATE_ITEM_ID));
    addItemTower(graph, config);
    graph.setOutputs(ITEM_EMBEDDING);
    return graph.build();
  }

  private static GraphBuilder builder(TowerConfig config) {
    return builder(config, DataType.FLOAT, updater(config));
  }

  private static GraphBuilder builder(TowerConfig config, DataType dataType, IUpdater updater) {
    return new NeuralNetConfiguration.Builder()
        .seed(config.seed())
        .dataType(dataType)
        .updater(updater)
        .weightInit(WeightInit.XAVIER)
        .graphBuilder();
  }

  private static IUpdater updater(TowerConfig config) {
    return switch (config.optimizer()) {
      case ADAM -> new HeapAdam(config.learningRate());
      case ADAGRAD -> new AdaGrad(config.learningRate());
    };
  }

  private static List<String> fieldInputs(String prefix, List<CategoricalField> fields) {
    List<String> inputs = new ArrayList<>();
    for (CategoricalField field : fields) {
      inputs.add(fieldIds(prefix, field));
      inputs.add(fieldWeights(prefix, field));
    }
    return inputs;
  }

  /**
   * Pools the shared item-id table {@value #ITEM_ID_EMBEDDING} over {@value #ITEM_IDS} ({@code
   * length} ids per row) under each of {@code weights}, in one layer, into the vertex of the same
   * position in {@code bags}: a d-wide slice of the layer's output.
   */
  private static void addItemIdBags(
      GraphBuilder graph, TowerConfig config, int length, List<String> weights, List<String> bags) {
    List<String> inputs = new ArrayList<>(List.of(ITEM_IDS));
    inputs.addAll(weights);
    graph.addVertex(ITEM_ID_BAG_INPUTS, new MergeVertex(), inputs.toArray(String[]::new));
    int d = config.itemEmbeddingDim();
    graph.addLayer(
        ITEM_ID_EMBEDDING,
        bagOfIds(config.itemCardinality(), d, length, bags.size()),
        ITEM_ID_BAG_INPUTS);
    for (int k = 0; k < bags.size(); k++) {
      graph.addVertex(bags.get(k), new SubsetVertex(k * d, (k + 1) * d - 1), ITEM_ID_EMBEDDING);
    }
  }

  /**
   * Expects {@value #HISTORY_MEAN} (and {@value #SEED_ITEM_ID} with a seed item) in place; ends in
   * {@value #QUERY_EMBEDDING}.
   */
  private static void addQueryTower(GraphBuilder graph, TowerConfig config) {
    List<String> features = new ArrayList<>(List.of(HISTORY_MEAN));
    if (config.seedItem()) {
      features.add(SEED_ITEM_ID);
    }
    features.addAll(addFieldEmbeddings(graph, USER_PREFIX, config.userFields()));
    String input = features.size() == 1 ? HISTORY_MEAN : QUERY_FEATURES;
    if (features.size() > 1) {
      graph.addVertex(QUERY_FEATURES, new MergeVertex(), features.toArray(String[]::new));
    }
    addTower(
        graph,
        "query",
        input,
        config.queryFeatureWidth(),
        config.queryHiddenSizes(),
        config.outputDim(),
        QUERY_EMBEDDING);
  }

  /** Expects {@value #CANDIDATE_ITEM_ID} in place; ends in {@value #ITEM_EMBEDDING}. */
  private static void addItemTower(GraphBuilder graph, TowerConfig config) {
    List<String> features = new ArrayList<>(List.of(CANDIDATE_ITEM_ID));
    features.addAll(addFieldEmbeddings(graph, "", config.itemFields()));
    graph.addVertex(ITEM_FEATURES, new MergeVertex(), features.toArray(String[]::new));
    addTower(
        graph,
        "item",
        ITEM_FEATURES,
        config.itemFeatureWidth(),
        config.itemHiddenSizes(),
        config.outputDim(),
        ITEM_EMBEDDING);
  }

  /**
   * Each field's table, pooled into the mean of its values' embeddings; returns the tables' names
   * (each layer's output is the mean).
   */
  private static List<String> addFieldEmbeddings(
      GraphBuilder graph, String prefix, List<CategoricalField> fields) {
    List<String> means = new ArrayList<>();
    for (CategoricalField field : fields) {
      String inputs = prefix + field.name() + "FieldInputs";
      String embedding = prefix + field.name() + "FieldEmbedding";
      graph.addVertex(
          inputs, new MergeVertex(), fieldIds(prefix, field), fieldWeights(prefix, field));
      graph.addLayer(
          embedding,
          bagOfIds(field.cardinality(), field.embeddingDim(), field.maxValues(), 1),
          inputs);
      means.add(embedding);
    }
    return means;
  }

  /** ReLU layers, a linear projection, then L2 normalisation under the name {@code output}. */
  private static void addTower(
      GraphBuilder graph,
      String prefix,
      String input,
      int inputWidth,
      List<Integer> hiddenSizes,
      int outputDim,
      String output) {
    String previous = input;
    int width = inputWidth;
    for (int i = 0; i < hiddenSizes.size(); i++) {
      String name = prefix + "Hidden" + i;
      graph.addLayer(
          name,
          TowerDense.of(
              width,
              hiddenSizes.get(i),
              Activation.RELU.getActivationFunction(),
              WeightInit.RELU.getWeightInitFunction()),
          previous);
      previous = name;
      width = hiddenSizes.get(i);
    }
    String projection = prefix + "Projection";
    graph.addLayer(
        projection,
        TowerDense.of(width, outputDim, Activation.IDENTITY.getActivationFunction(), null),
        previous);
    graph.addVertex(output, new L2NormalizeVertex(), projection);
  }

  private static BagOfIdsEmbedding bagOfIds(int cardinality, int dim, int length, int bags) {
    return BagOfIdsEmbedding.of(cardinality, dim, length, bags, EMBEDDING_INIT);
  }

  /**
   * The configuration {@code json} with every layer's learning rate (weights' and biases') times
   * {@code factor}; the rest, optimizer state layout included, is unchanged. The towers train at a
   * constant rate (no schedule), so the rate is the one at step 0.
   */
  static String withLearningRateTimes(String json, double factor) {
    if (factor == 1.0) {
      return json;
    }
    ComputationGraphConfiguration configuration = ComputationGraphConfiguration.fromJson(json);
    configuration
        .getVertices()
        .values()
        .forEach(
            vertex -> {
              if (vertex instanceof LayerVertex layer
                  && layer.getLayerConf().getLayer() instanceof BaseLayer withUpdater) {
                withUpdater.setIUpdater(times(withUpdater.getIUpdater(), factor));
                withUpdater.setBiasUpdater(times(withUpdater.getBiasUpdater(), factor));
              }
            });
    return configuration.toJson();
  }

  private static IUpdater times(IUpdater updater, double factor) {
    if (updater == null || !updater.hasLearningRate()) {
      return updater;
    }
    IUpdater scaled = updater.clone();
    scaled.setLrAndSchedule(updater.getLearningRate(0, 0) * factor, null);
    return scaled;
  }

  /**
   * A network of the configuration {@code json} holding copies of {@code params} and {@code
   * updaterState} (null: a fresh optimizer state): it shares no object with where they came from.
   */
  static ComputationGraph network(String json, INDArray params, INDArray updaterState) {
    ComputationGraph graph = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
    graph.init(params.dup(), false);
    if (updaterState != null) {
      graph.setUpdater(new ComputationGraphUpdater(graph, updaterState.dup()));
    }
    return graph;
  }
}
