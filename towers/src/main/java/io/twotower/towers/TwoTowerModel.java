package io.twotower.towers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/**
 * A two-tower model: its configuration and its training graph. Embeddings come from tower-only
 * inference graphs (the training graph's output layer needs labels) into which the training graph's
 * parameters are copied by layer name before every use, so they always reflect the current training
 * state. Each inference graph, built on first use, holds a copy of its tower's parameters (the
 * item-id table included): budget three tables' worth of memory once both kinds of embeddings are
 * asked for.
 *
 * <p>Not thread-safe for concurrent training; the embedding methods are synchronized.
 */
public final class TwoTowerModel {
  static final String GRAPH_FILE = "training-graph.zip";
  static final String CONFIG_FILE = "tower-config.json";

  /** Rows per inference call, to bound the memory of one forward pass. */
  private static final int INFERENCE_CHUNK = 8192;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final TowerConfig config;
  private final ComputationGraph trainingGraph;
  private final TowerBatcher batcher;
  private ComputationGraph queryGraph;
  private ComputationGraph itemGraph;

  private TwoTowerModel(TowerConfig config, ComputationGraph trainingGraph) {
    this.config = config;
    this.trainingGraph = trainingGraph;
    this.batcher = new TowerBatcher(config);
  }

  /** A freshly initialised model (parameters seeded by {@code config.seed()}). */
  public static TwoTowerModel create(TowerConfig config) {
    Objects.requireNonNull(config, "config");
    ComputationGraph graph = new ComputationGraph(TwoTowerGraphs.training(config));
    graph.init();
    return new TwoTowerModel(config, graph);
  }

  public TowerConfig config() {
    return config;
  }

  /** The graph to fit: inputs and labels as produced by {@link TowerBatcher#trainingBatch}. */
  public ComputationGraph trainingGraph() {
    return trainingGraph;
  }

  /**
   * L2-normalised query embeddings [histories.size()][outputDim] of a model without user fields
   * (with a seed item, each history's first id is its seed).
   */
  public float[][] queryEmbeddings(List<int[]> histories) {
    Objects.requireNonNull(histories, "histories");
    batcher.requireNoUserFields("queryEmbeddings(histories)");
    return queryEmbeddings(histories, Collections.nCopies(histories.size(), new int[0][]));
  }

  /**
   * L2-normalised query embeddings [histories.size()][outputDim].
   *
   * @param userValues userValues.get(i)[u]: the values of user field u for histories.get(i) (empty
   *     rows when the model has no user fields)
   */
  public synchronized float[][] queryEmbeddings(List<int[]> histories, List<int[][]> userValues) {
    Objects.requireNonNull(histories, "histories");
    TowerErrors.requireUserRowPerHistory("queryEmbeddings", histories, userValues);
    if (queryGraph == null) {
      queryGraph = initialised(TwoTowerGraphs.queryTower(config));
    }
    copyParameters(trainingGraph, queryGraph);
    return inChunks(
        histories.size(),
        (range) ->
            batcher.queryInputs(
                histories.subList(range[0], range[1]), userValues.subList(range[0], range[1])),
        queryGraph);
  }

  /**
   * L2-normalised item embeddings [items.length][outputDim].
   *
   * @param fieldValues fieldValues[i][f]: the values of field f for items[i]
   */
  public synchronized float[][] itemEmbeddings(int[] items, int[][][] fieldValues) {
    Objects.requireNonNull(items, "items");
    if (fieldValues == null || fieldValues.length != items.length) {
      throw TowerErrors.invalidBatch(
          "itemEmbeddings got "
              + items.length
              + " items but "
              + (fieldValues == null ? "no" : String.valueOf(fieldValues.length))
              + " rows of field values",
          "Pass one row of field values per item (an empty row when no fields are configured)");
    }
    if (itemGraph == null) {
      itemGraph = initialised(TwoTowerGraphs.itemTower(config));
    }
    copyParameters(trainingGraph, itemGraph);
    return inChunks(
        items.length,
        (range) ->
            batcher.itemInputs(
                Arrays.copyOfRange(items, range[0], range[1]),
                Arrays.copyOfRange(fieldValues, range[0], range[1])),
        itemGraph);
  }

  /** Opens one of the model's named files for writing, on whatever storage the caller uses. */
  @FunctionalInterface
  public interface FileSink {
    OutputStream create(String name) throws IOException;
  }

  /** Opens one of the model's named files for reading. */
  @FunctionalInterface
  public interface FileSource {
    InputStream open(String name) throws IOException;
  }

  /**
   * Writes the training graph with its updater state (DL4J's zip format) and the configuration as
   * JSON, each to a stream {@code files} opens by name. Streams let the caller put them on any file
   * system (Hadoop's, for a data-dir on HDFS or S3); the caller names the failure in its terms.
   */
  public void save(FileSink files) throws IOException {
    try (OutputStream graph = files.create(GRAPH_FILE)) {
      ModelSerializer.writeModel(trainingGraph, graph, true);
    }
    try (OutputStream json = files.create(CONFIG_FILE)) {
      JSON.writeValue(json, config);
    }
  }

  /** Reads a model written by {@link #save(FileSink)}, updater state included. */
  public static TwoTowerModel load(FileSource files) throws IOException {
    TowerConfig config;
    try (InputStream json = files.open(CONFIG_FILE)) {
      config = JSON.readValue(json, TowerConfig.class);
    }
    try (InputStream graph = files.open(GRAPH_FILE)) {
      return checked(config, ModelSerializer.restoreComputationGraph(graph, true)).upgraded();
    }
  }

  /**
   * This model on the layers and updater {@link #create} builds today. A model saved by an earlier
   * version names the classes of its day in its JSON (DL4J's dense layers, {@link
   * SequenceEmbedding} and {@link WeightedBagVertex}es, ND4J's Adam); its parameters, optimizer
   * state and step count move by name into a graph of today's, which compute the same functions of
   * the same parameters and keep the same state. So every model trains and embeds through one
   * implementation, whatever version saved it.
   */
  private TwoTowerModel upgraded() {
    ComputationGraphConfiguration today = TwoTowerGraphs.training(config);
    if (vertexClasses(today).equals(vertexClasses(trainingGraph.getConfiguration()))) {
      return this;
    }
    TwoTowerModel upgraded = new TwoTowerModel(config, initialised(today));
    EmbeddingGrowth.copyInto(trainingGraph, upgraded.trainingGraph);
    return upgraded;
  }

  /** Each vertex's classes by name; a layer's vertex by the classes of its layer and updater. */
  private static Map<String, List<Class<?>>> vertexClasses(
      ComputationGraphConfiguration configuration) {
    Map<String, List<Class<?>>> classes = new TreeMap<>();
    configuration
        .getVertices()
        .forEach(
            (name, vertex) ->
                classes.put(
                    name,
                    vertex instanceof LayerVertex layer
                        ? layerClasses(layer.getLayerConf().getLayer())
                        : List.of(vertex.getClass())));
    return classes;
  }

  private static List<Class<?>> layerClasses(org.deeplearning4j.nn.conf.layers.Layer layer) {
    return layer instanceof BaseLayer withUpdater && withUpdater.getIUpdater() != null
        ? List.of(layer.getClass(), withUpdater.getIUpdater().getClass())
        : List.of(layer.getClass());
  }

  /** Writes the model into the local folder {@code dir} (created if needed). */
  public void save(Path dir) {
    try {
      Files.createDirectories(dir);
      save(name -> Files.newOutputStream(dir.resolve(name)));
    } catch (IOException e) {
      throw TowerErrors.storageFailure("save", dir, e);
    }
  }

  /** Reads a model saved into the local folder {@code dir}. */
  public static TwoTowerModel load(Path dir) {
    try {
      return load(name -> Files.newInputStream(dir.resolve(name)));
    } catch (IOException e) {
      throw TowerErrors.storageFailure("load", dir, e);
    }
  }

  /**
   * A copy of this model that shares nothing with it: the training graph's configuration (step
   * count included), parameters and optimizer state, e.g. to save while this one trains on.
   */
  public TwoTowerModel copy() {
    ComputationGraph copy =
        TwoTowerGraphs.network(
            trainingGraph.getConfiguration().toJson(),
            trainingGraph.params(),
            trainingGraph.getUpdater().getStateViewArray());
    return new TwoTowerModel(config, copy);
  }

  /**
   * This model's configuration around {@code trained}, a training graph of the same shape (e.g. the
   * network a Spark trainer returns).
   *
   * @throws IllegalArgumentException if {@code trained} has other layers or parameter counts
   */
  public TwoTowerModel withParameters(ComputationGraph trained) {
    return checked(config, Objects.requireNonNull(trained, "trained"));
  }

  /**
   * This model continued under {@code bigger}, for training on after its vocabularies grew: the
   * same layers and parameter shapes, except that embedding tables (the item ids', a field's) may
   * have more rows. Existing rows and every other parameter keep their values and their optimizer
   * state (and the step count Adam's bias correction uses), so old ids embed as before; new rows
   * are initialised as {@link #create} initialises them, with zero optimizer state. Settings that
   * shape no parameter (temperature, learning rate, correction) are {@code bigger}'s. Returns this
   * model itself when {@code bigger} is its configuration.
   *
   * @throws IllegalArgumentException if a parameter other than an embedding table changes shape, a
   *     table loses rows or changes width, or the optimizer changes
   */
  public TwoTowerModel grownTo(TowerConfig bigger) {
    Objects.requireNonNull(bigger, "bigger");
    if (bigger.equals(config)) {
      return this;
    }
    TwoTowerModel grown = create(bigger);
    EmbeddingGrowth.copyInto(trainingGraph, grown.trainingGraph);
    return grown;
  }

  /** Wraps {@code graph} after checking, without allocating a second graph, that it fits. */
  private static TwoTowerModel checked(TowerConfig config, ComputationGraph graph) {
    Map<String, Long> expected = parameterCounts(TwoTowerGraphs.training(config));
    Map<String, Long> actual = parameterCounts(graph.getConfiguration());
    long total = expected.values().stream().mapToLong(Long::longValue).sum();
    if (!expected.equals(actual) || graph.numParams() != total) {
      throw TowerErrors.incompatibleGraph(expected, actual);
    }
    return new TwoTowerModel(config, graph);
  }

  /** Assigns every parameter of {@code to} from the layer of the same name in {@code from}. */
  static void copyParameters(ComputationGraph from, ComputationGraph to) {
    for (Layer layer : to.getLayers()) {
      String name = layer.conf().getLayer().getLayerName();
      Map<String, INDArray> source = from.getLayer(name).paramTable();
      layer.paramTable().forEach((key, target) -> target.assign(source.get(key)));
    }
  }

  /** Parameter count of every vertex that has parameters, by name. */
  private static Map<String, Long> parameterCounts(ComputationGraphConfiguration configuration) {
    Map<String, Long> counts = new TreeMap<>();
    configuration
        .getVertices()
        .forEach(
            (name, vertex) -> {
              long count = vertex.numParams(true);
              if (count > 0) {
                counts.put(name, count);
              }
            });
    return counts;
  }

  private static ComputationGraph initialised(ComputationGraphConfiguration configuration) {
    ComputationGraph graph = new ComputationGraph(configuration);
    graph.init();
    return graph;
  }

  private static float[][] inChunks(
      int rows, Function<int[], INDArray[]> inputs, ComputationGraph graph) {
    float[][] out = new float[rows][];
    for (int start = 0; start < rows; start += INFERENCE_CHUNK) {
      int end = Math.min(rows, start + INFERENCE_CHUNK);
      float[][] chunk =
          graph.output(false, inputs.apply(new int[] {start, end}))[0].toFloatMatrix();
      System.arraycopy(chunk, 0, out, start, chunk.length);
    }
    return out;
  }
}
