package io.twotower.towers;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runtime of {@link BagOfIdsEmbedding}. Forward: out_s[b, :] = sum_l w_s[b, l] W[x[b, l], :].
 * Backward, with the incoming gradient g = [g_0 | ... | g_{k-1}]: dW[x[b, l], :] += sum_s w_s[b, l]
 * g_s[b, :].
 *
 * <p>Two implementations of the same maths:
 *
 * <ul>
 *   <li>float32 on the CPU, the training path: loops ({@link FloatKernels}) that read the table's
 *       rows and add into its gradient's in ND4J's native memory ({@link HeapFloats#memory}), where
 *       ND4J's own gather and scatter cost a call per row; the batch's inputs, outputs and incoming
 *       gradient go through heap copies (a few floats per row).
 *   <li>any other type or backend (the double-precision gradient checks, CUDA): ND4J's gather, a
 *       batched product with the weightings, and ND4J's scatter-add.
 * </ul>
 *
 * <p>The inputs are ids and weights from the graph's inputs, which nothing trains: the gradient
 * returned for them is zero.
 */
final class BagOfIdsEmbeddingLayer extends BaseLayer<BagOfIdsEmbedding> {
  private static final String W = DefaultParamInitializer.WEIGHT_KEY;

  /** Heap copies kept between steps (see HeapFloats). */
  private float[] inputScratch;

  private float[] outputScratch;
  private float[] upstreamScratch;

  BagOfIdsEmbeddingLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private boolean inJava() {
    return HeapFloats.apply(dataType)
        && HeapFloats.apply(input.dataType())
        && HeapFloats.fitsMemory(getParam(W).length());
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    Shape shape = shape();
    INDArray output =
        workspaceMgr.createUninitialized(
            ArrayType.ACTIVATIONS,
            dataType,
            new long[] {shape.rows(), (long) shape.bags() * shape.width()},
            'c');
    if (inJava()) {
      float[] in = inputScratch = HeapFloats.read(input, inputScratch);
      shape.check(in, layerConf().getNIn(), layerId());
      float[] out = outputScratch = zeroed(outputScratch, (int) output.length());
      pool(shape, in, HeapFloats.memory(getParam(W)), out);
      HeapFloats.write(out, output);
    } else {
      output.assign(pooledByNd4j(shape).reshape('c', output.shape()));
    }
    return output;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    Shape shape = shape();
    INDArray tableGradient = gradientViews.get(W);
    tableGradient.assign(0);
    if (inJava()) {
      float[] in = inputScratch = HeapFloats.read(input, inputScratch);
      float[] upstream = upstreamScratch = HeapFloats.read(epsilon, upstreamScratch);
      scatter(shape, in, upstream, HeapFloats.memory(tableGradient));
    } else {
      scatterByNd4j(shape, epsilon, tableGradient);
    }
    Gradient gradient = new DefaultGradient();
    gradient.gradientForVariable().put(W, tableGradient);
    INDArray inputGradient =
        workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
    return new Pair<>(gradient, inputGradient);
  }

  /** out[b, s*d + i] += w_s[b, l] W[x[b, l], i], skipping zero weights (padding). */
  private static void pool(Shape shape, float[] in, ByteBuffer table, float[] out) {
    int d = shape.width();
    for (int b = 0; b < shape.rows(); b++) {
      for (int l = 0; l < shape.length(); l++) {
        if (!shape.weighted(in, b, l)) {
          continue;
        }
        int from = shape.id(in, b, l) * d;
        for (int s = 0; s < shape.bags(); s++) {
          float weight = in[shape.weightAt(b, s, l)];
          if (weight != 0) {
            FloatKernels.BEST.addScaled(weight, table, from, out, (b * shape.bags() + s) * d, d);
          }
        }
      }
    }
  }

  /** dW[x[b, l], :] += w_s[b, l] g_s[b, :], into the zeroed gradient {@code sums}. */
  private static void scatter(Shape shape, float[] in, float[] upstream, ByteBuffer sums) {
    int d = shape.width();
    for (int b = 0; b < shape.rows(); b++) {
      for (int l = 0; l < shape.length(); l++) {
        if (!shape.weighted(in, b, l)) {
          continue;
        }
        int to = shape.id(in, b, l) * d;
        for (int s = 0; s < shape.bags(); s++) {
          float weight = in[shape.weightAt(b, s, l)];
          if (weight != 0) {
            FloatKernels.BEST.addScaled(weight, upstream, (b * shape.bags() + s) * d, sums, to, d);
          }
        }
      }
    }
  }

  /** [B, k, d]: the weightings [B, k, L] times the looked-up rows [B, L, d], batched over B. */
  private INDArray pooledByNd4j(Shape shape) {
    return Nd4j.matmul(weightings(shape), lookedUp(shape));
  }

  /** dW = scatter-add of the weightings' transpose [B, L, k] times g [B, k, d], by id. */
  private void scatterByNd4j(Shape shape, INDArray epsilon, INDArray tableGradient) {
    INDArray upstream =
        epsilon.castTo(dataType).dup('c').reshape('c', shape.rows(), shape.bags(), shape.width());
    INDArray perPosition =
        Nd4j.matmul(weightings(shape).permute(0, 2, 1).dup('c'), upstream)
            .reshape('c', (long) shape.rows() * shape.length(), shape.width());
    INDArray ids = Nd4j.createFromArray(ids(shape));
    INDArray sums = Nd4j.exec(new ScatterAdd(tableGradient.dup('c'), ids, perPosition))[0];
    tableGradient.assign(sums);
  }

  private INDArray weightings(Shape shape) {
    long l = shape.length();
    return input
        .get(NDArrayIndex.all(), NDArrayIndex.interval(l, (shape.bags() + 1) * l))
        .castTo(dataType)
        .dup('c')
        .reshape('c', shape.rows(), shape.bags(), l);
  }

  /** [B, L, d]: the table's row of every id; padding looks up row 0 (it is weighted 0). */
  private INDArray lookedUp(Shape shape) {
    return Nd4j.pullRows(getParam(W), 1, ids(shape))
        .reshape('c', shape.rows(), shape.length(), shape.width());
  }

  /** The ids in row-major order, checked; 0 where no weighting uses the position. */
  private int[] ids(Shape shape) {
    float[] in = input.castTo(DataType.FLOAT).dup('c').data().asFloat();
    shape.check(in, layerConf().getNIn(), layerId());
    int[] ids = new int[shape.rows() * shape.length()];
    for (int b = 0; b < shape.rows(); b++) {
      for (int l = 0; l < shape.length(); l++) {
        ids[b * shape.length() + l] = shape.weighted(in, b, l) ? shape.id(in, b, l) : 0;
      }
    }
    return ids;
  }

  private Shape shape() {
    BagOfIdsEmbedding conf = layerConf();
    int length = conf.getLength();
    int bags = conf.getBags();
    if (input.rank() != 2 || input.size(1) != (long) (bags + 1) * length) {
      throw new DL4JInvalidInputException(
          "Expected input [B, "
              + (bags + 1) * length
              + "] (ids, then "
              + bags
              + " weightings, "
              + length
              + " wide each), got "
              + Arrays.toString(input.shape())
              + " "
              + layerId());
    }
    return new Shape((int) input.size(0), length, bags, (int) conf.getNOut());
  }

  /**
   * B rows of input [ids (L) | w_0 (L) | ... | w_{k-1} (L)] in row-major order, pooled into k bags
   * of width d.
   */
  private record Shape(int rows, int length, int bags, int width) {
    int id(float[] in, int b, int l) {
      return (int) in[b * (bags + 1) * length + l];
    }

    int weightAt(int b, int s, int l) {
      return b * (bags + 1) * length + (s + 1) * length + l;
    }

    /** Whether any weighting uses position l of row b (padding has none). */
    boolean weighted(float[] in, int b, int l) {
      for (int s = 0; s < bags; s++) {
        if (in[weightAt(b, s, l)] != 0) {
          return true;
        }
      }
      return false;
    }

    /** Every weighted id is a row of a table of {@code cardinality} rows. */
    void check(float[] in, long cardinality, String layer) {
      for (int b = 0; b < rows; b++) {
        for (int l = 0; l < length; l++) {
          float id = in[b * (bags + 1) * length + l];
          if (weighted(in, b, l) && !(id >= 0 && id < cardinality && id == Math.rint(id))) {
            throw new DL4JInvalidInputException(
                "Id "
                    + id
                    + " at row "
                    + b
                    + ", position "
                    + l
                    + " is not in [0, "
                    + cardinality
                    + ") "
                    + layer);
          }
        }
      }
    }
  }

  private static float[] zeroed(float[] reuse, int length) {
    if (reuse == null || reuse.length < length) {
      return new float[length];
    }
    Arrays.fill(reuse, 0, length, 0f);
    return reuse;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public boolean hasBias() {
    return false;
  }
}
