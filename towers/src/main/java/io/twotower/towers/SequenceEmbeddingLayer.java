package io.twotower.towers;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.embedding.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of {@link SequenceEmbedding}: DL4J's forward pass (a gather of the rows), and a backward
 * pass that adds each position's incoming gradient to its id's row of the table gradient in one
 * sequential loop over heap arrays: dW[id[b, l], :] += epsilon[b, l, :]. At ~10^4 rows the table
 * gradient is a few MB; the loop replaces a second gather and ND4J's scatter-add.
 */
final class SequenceEmbeddingLayer extends EmbeddingSequenceLayer {

  /** Heap copies kept between steps (see HeapFloats). */
  private float[] idScratch;

  private float[] upstreamScratch;
  private float[] rowMajorScratch;
  private float[] columnMajorScratch;

  /**
   * [d, V] c-order, outside any workspace: the table gradient's own layout, filled from the heap.
   */
  private INDArray transposedGradient;

  SequenceEmbeddingLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private int[] ids() {
    return input.castTo(DataType.INT).dup('c').data().asInt();
  }

  /**
   * The float32 scatter-add through heap copies: sums rows of a row-major [V, d] heap table, then
   * transposes it (in cache-sized blocks) into the layout of DL4J's parameter view, which is
   * f-order [V, d], so that the final assign is a straight copy and not a transposing one.
   */
  private void scatterOnHeap(INDArray perPosition, INDArray tableGradient, int rows, int width) {
    float[] ids = idScratch = HeapFloats.read(input.castTo(DataType.FLOAT), idScratch);
    float[] upstream = upstreamScratch = HeapFloats.read(perPosition, upstreamScratch);
    int positions = Math.toIntExact(perPosition.length() / width);
    float[] sum = rowMajorScratch;
    if (sum == null || sum.length != rows * width) {
      sum = rowMajorScratch = new float[rows * width];
    } else {
      Arrays.fill(sum, 0f);
    }
    for (int position = 0; position < positions; position++) {
      int to = (int) ids[position] * width;
      int from = position * width;
      for (int k = 0; k < width; k++) {
        sum[to + k] += upstream[from + k];
      }
    }
    float[] transposed = columnMajorScratch;
    if (transposed == null || transposed.length != rows * width) {
      transposed = columnMajorScratch = new float[rows * width];
    }
    int block = 64;
    for (int r0 = 0; r0 < rows; r0 += block) {
      int r1 = Math.min(rows, r0 + block);
      for (int k = 0; k < width; k++) {
        for (int r = r0; r < r1; r++) {
          transposed[k * rows + r] = sum[r * width + k];
        }
      }
    }
    if (transposedGradient == null || transposedGradient.length() != (long) rows * width) {
      try (MemoryWorkspace none = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        transposedGradient = Nd4j.createUninitialized(DataType.FLOAT, width, rows);
      }
    }
    HeapFloats.write(transposed, transposedGradient);
    tableGradient.assign(transposedGradient.transpose());
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    if (maskArray != null || hasBias()) {
      throw new IllegalStateException("SequenceEmbedding takes neither masks nor a bias");
    }
    INDArray perPosition =
        layerConf().getOutputFormat() == RNNFormat.NWC ? epsilon : epsilon.permute(0, 2, 1);
    INDArray tableGradient = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    int rows = (int) tableGradient.size(0);
    int width = (int) tableGradient.size(1);
    if (HeapFloats.apply(tableGradient.dataType()) && HeapFloats.apply(perPosition.dataType())) {
      scatterOnHeap(perPosition, tableGradient, rows, width);
    } else if (tableGradient.dataType() == DataType.DOUBLE) {
      int[] ids = ids();
      double[] upstream = perPosition.dup('c').data().asDouble();
      double[] sum = new double[rows * width];
      for (int position = 0; position < ids.length; position++) {
        int to = ids[position] * width;
        int from = position * width;
        for (int k = 0; k < width; k++) {
          sum[to + k] += upstream[from + k];
        }
      }
      tableGradient.assign(Nd4j.create(sum, new long[] {rows, width}, DataType.DOUBLE));
    } else {
      int[] ids = ids();
      float[] upstream = perPosition.dup('c').data().asFloat();
      float[] sum = new float[rows * width];
      for (int position = 0; position < ids.length; position++) {
        int to = ids[position] * width;
        int from = position * width;
        for (int k = 0; k < width; k++) {
          sum[to + k] += upstream[from + k];
        }
      }
      tableGradient.assign(
          Nd4j.create(sum, new long[] {rows, width}, 'c').castTo(tableGradient.dataType()));
    }
    Gradient gradient = new DefaultGradient();
    gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, tableGradient);
    return new Pair<>(gradient, null);
  }
}
