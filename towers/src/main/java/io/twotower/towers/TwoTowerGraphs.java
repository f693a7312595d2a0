package io.twotower.towers;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.distribution.UniformDistribution;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitDistribution;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.AdaGrad;
import org.nd4j.linalg.learning.config.Adam;
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
 *   <li>for each item field f: {@code <f>FieldIds} [B, m_f] and {@code <f>FieldWeights} [B, m_f]
 *       (1/count on real values, 0 on padding).
 * </ol>
 *
 * <p>Labels: one array [B, 3], see {@link InBatchSoftmaxLoss}. The query-tower graph takes {@value
 * #ITEM_IDS} and {@value #HISTORY_WEIGHTS}, each N wide; the item-tower graph takes {@value
 * #ITEM_IDS} and {@value #CANDIDATE_WEIGHTS}, each 1 wide, then the field inputs.
 */
final class TwoTowerGraphs {
  static final String ITEM_IDS = "itemIds";
  static final String HISTORY_WEIGHTS = "historyWeights";
  static final String CANDIDATE_WEIGHTS = "candidateWeights";
  static final String ITEM_ID_EMBEDDING = "itemIdEmbedding";
  static final String ITEM_ID_BAGS = "itemIdBags";
  static final String HISTORY_MEAN = "historyMean";
  static final String CANDIDATE_ITEM_ID = "candidateItemId";
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

  static String fieldIds(CategoricalField field) {
    return field.name() + "FieldIds";
  }

  static String fieldWeights(CategoricalField field) {
    return field.name() + "FieldWeights";
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
    List<String> inputs = new ArrayList<>(List.of(ITEM_IDS, HISTORY_WEIGHTS, CANDIDATE_WEIGHTS));
    inputs.addAll(fieldInputs(config));
    graph.addInputs(inputs);
    graph.addLayer(
        ITEM_ID_EMBEDDING, itemIdEmbedding(config, config.historyLength() + 1), ITEM_IDS);
    // One pass over the shared table pools both the history and the candidate, then splits.
    int d = config.itemEmbeddingDim();
    graph.addVertex(
        ITEM_ID_BAGS,
        new WeightedBagVertex(),
        ITEM_ID_EMBEDDING,
        HISTORY_WEIGHTS,
        CANDIDATE_WEIGHTS);
    graph.addVertex(HISTORY_MEAN, new SubsetVertex(0, d - 1), ITEM_ID_BAGS);
    graph.addVertex(CANDIDATE_ITEM_ID, new SubsetVertex(d, 2 * d - 1), ITEM_ID_BAGS);
    addQueryTower(graph, config);
    addItemTower(graph, config);
    graph.addVertex(TOWER_OUTPUTS, new MergeVertex(), QUERY_EMBEDDING, ITEM_EMBEDDING);
    InBatchSoftmaxLoss loss =
        new InBatchSoftmaxLoss(
            config.outputDim(),
            config.temperature(),
            config.correction(),
            config.maskAccidentalHits());
    graph.addLayer(LOSS, new InBatchSoftmaxLayer(loss), TOWER_OUTPUTS);
    graph.setOutputs(LOSS);
    return graph.build();
  }

  static ComputationGraphConfiguration queryTower(TowerConfig config) {
    GraphBuilder graph = builder(config);
    graph.addInputs(ITEM_IDS, HISTORY_WEIGHTS);
    graph.addLayer(ITEM_ID_EMBEDDING, itemIdEmbedding(config, config.historyLength()), ITEM_IDS);
    graph.addVertex(HISTORY_MEAN, new WeightedBagVertex(), ITEM_ID_EMBEDDING, HISTORY_WEIGHTS);
    addQueryTower(graph, config);
    graph.setOutputs(QUERY_EMBEDDING);
    return graph.build();
  }

  static ComputationGraphConfiguration itemTower(TowerConfig config) {
    GraphBuilder graph = builder(config);
    List<String> inputs = new ArrayList<>(List.of(ITEM_IDS, CANDIDATE_WEIGHTS));
    inputs.addAll(fieldInputs(config));
    graph.addInputs(inputs);
    graph.addLayer(ITEM_ID_EMBEDDING, itemIdEmbedding(config, 1), ITEM_IDS);
    graph.addVertex(
        CANDIDATE_ITEM_ID, new WeightedBagVertex(), ITEM_ID_EMBEDDING, CANDIDATE_WEIGHTS);
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
      case "adam" -> new Adam(config.learningRate());
      case "adagrad" -> new AdaGrad(config.learningRate());
      default -> throw new IllegalStateException("TowerConfig let through " + config.optimizer());
    };
  }

  private static List<String> fieldInputs(TowerConfig config) {
    List<String> inputs = new ArrayList<>();
    for (CategoricalField field : config.itemFields()) {
      inputs.add(fieldIds(field));
      inputs.add(fieldWeights(field));
    }
    return inputs;
  }

  /** Expects {@value #HISTORY_MEAN} in place; ends in {@value #QUERY_EMBEDDING}. */
  private static void addQueryTower(GraphBuilder graph, TowerConfig config) {
    addTower(
        graph,
        "query",
        HISTORY_MEAN,
        config.itemEmbeddingDim(),
        config.queryHiddenSizes(),
        config.outputDim(),
        QUERY_EMBEDDING);
  }

  /** Expects {@value #CANDIDATE_ITEM_ID} in place; ends in {@value #ITEM_EMBEDDING}. */
  private static void addItemTower(GraphBuilder graph, TowerConfig config) {
    List<String> features = new ArrayList<>(List.of(CANDIDATE_ITEM_ID));
    for (CategoricalField field : config.itemFields()) {
      String embedding = field.name() + "FieldEmbedding";
      String mean = field.name() + "FieldMean";
      graph.addLayer(
          embedding,
          embedding(field.cardinality(), field.embeddingDim(), field.maxValues()),
          fieldIds(field));
      graph.addVertex(mean, new WeightedBagVertex(), embedding, fieldWeights(field));
      features.add(mean);
    }
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
          new DenseLayer.Builder()
              .nIn(width)
              .nOut(hiddenSizes.get(i))
              .activation(Activation.RELU)
              .weightInit(WeightInit.RELU)
              .build(),
          previous);
      previous = name;
      width = hiddenSizes.get(i);
    }
    String projection = prefix + "Projection";
    graph.addLayer(
        projection,
        new DenseLayer.Builder().nIn(width).nOut(outputDim).activation(Activation.IDENTITY).build(),
        previous);
    graph.addVertex(output, new L2NormalizeVertex(), projection);
  }

  private static EmbeddingSequenceLayer itemIdEmbedding(TowerConfig config, int length) {
    return embedding(config.itemCardinality(), config.itemEmbeddingDim(), length);
  }

  private static EmbeddingSequenceLayer embedding(int cardinality, int dim, int length) {
    return new EmbeddingSequenceLayer.Builder()
        .nIn(cardinality)
        .nOut(dim)
        .inputLength(length)
        .hasBias(false)
        .outputDataFormat(RNNFormat.NWC) // [B, L, d]: rows of the table stay contiguous
        .weightInit(EMBEDDING_INIT)
        .build();
  }
}
