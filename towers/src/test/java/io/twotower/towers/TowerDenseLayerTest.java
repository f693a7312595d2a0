package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class TowerDenseLayerTest {

  /**
   * In float32, where backprop runs the layer's own loop: a ReLU layer (width 37, not a multiple of
   * a vector, with inputs that put many units at 0) and an identity layer give the gradients of the
   * same network built from DL4J's DenseLayer, to float rounding.
   */
  @Test
  void float32GradientsAreDl4jDenseLayersOnes() {
    MultiLayerNetwork tower =
        network(
            TowerDense.of(9, 37, Activation.RELU.getActivationFunction(), null),
            TowerDense.of(37, 5, Activation.IDENTITY.getActivationFunction(), null));
    MultiLayerNetwork dl4j =
        network(
            new DenseLayer.Builder().nIn(9).nOut(37).activation(Activation.RELU).build(),
            new DenseLayer.Builder().nIn(37).nOut(5).activation(Activation.IDENTITY).build());
    dl4j.setParams(tower.params().dup());
    Nd4j.getRandom().setSeed(3);
    INDArray features = Nd4j.randn(DataType.FLOAT, 70, 9);
    INDArray labels = Nd4j.randn(DataType.FLOAT, 70, 5);

    INDArray towerGradient = gradient(tower, features, labels);
    INDArray dl4jGradient = gradient(dl4j, features, labels);

    assertThat(tower.getLayer(0)).isInstanceOf(TowerDenseLayer.class);
    assertThat(towerGradient.amaxNumber().doubleValue()).isGreaterThan(1e-3);
    double worst = towerGradient.sub(dl4jGradient).amaxNumber().doubleValue();
    assertThat(worst).isLessThan(1e-6 * towerGradient.amaxNumber().doubleValue() + 1e-7);
  }

  private static MultiLayerNetwork network(Layer hidden, Layer output) {
    MultiLayerConfiguration configuration =
        new NeuralNetConfiguration.Builder()
            .dataType(DataType.FLOAT)
            .seed(11)
            .weightInit(WeightInit.XAVIER)
            .updater(new Sgd(0.1))
            .list()
            .layer(hidden)
            .layer(output)
            .layer(
                new LossLayer.Builder(LossFunctions.LossFunction.MSE)
                    .activation(Activation.IDENTITY)
                    .build())
            .build();
    MultiLayerNetwork network = new MultiLayerNetwork(configuration);
    network.init();
    return network;
  }

  private static INDArray gradient(MultiLayerNetwork network, INDArray features, INDArray labels) {
    network.setInput(features);
    network.setLabels(labels);
    network.computeGradientAndScore();
    return network.gradient().gradient().dup();
  }
}
