package io.twotower.towers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.embedding.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of {@link SequenceEmbedding}: DL4J's forward pass (a gather of the rows), and a backward
 * pass that adds each position's incoming gradient to its id's row of the table gradient in one
 * sequential loop over heap arrays: dW[id[b, l], :] += epsilon[b, l, :]. At ~10^4 rows the table
 * gradient is a few MB; the loop replaces a second gather and ND4J's scatter-add.
 */
final class SequenceEmbeddingLayer extends EmbeddingSequenceLayer {

  SequenceEmbeddingLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
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
    int[] ids = input.castTo(DataType.INT).dup('c').data().asInt();
    INDArray tableGradient = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
    int rows = (int) tableGradient.size(0);
    int width = (int) tableGradient.size(1);
    if (tableGradient.dataType() == DataType.DOUBLE) {
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
