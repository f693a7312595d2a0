package io.twotower.towers;

import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The training graph's output layer: no parameters, input [B, 2d] = [u | v], labels [B, 3] as laid
 * out by {@link InBatchSoftmaxLoss}. Its activations are its input, so {@code output()} on the
 * training graph returns the two towers' embeddings side by side.
 *
 * <p>Fields are Jackson properties because DL4J serialises graph configurations to JSON (model
 * files, Spark broadcasts).
 */
public final class InBatchSoftmaxLayer extends SameDiffOutputLayer {
  @JsonProperty private int embeddingDim;
  @JsonProperty private double temperature;
  @JsonProperty private LogQCorrection correction;
  @JsonProperty private boolean maskAccidentalHits;

  /** For Jackson. */
  private InBatchSoftmaxLayer() {}

  InBatchSoftmaxLayer(InBatchSoftmaxLoss loss) {
    this.embeddingDim = loss.embeddingDim();
    this.temperature = loss.temperature();
    this.correction = loss.correction();
    this.maskAccidentalHits = loss.maskAccidentalHits();
  }

  InBatchSoftmaxLoss loss() {
    return new InBatchSoftmaxLoss(embeddingDim, temperature, correction, maskAccidentalHits);
  }

  @Override
  public SDVariable defineLayer(
      SameDiff sd, SDVariable layerInput, SDVariable labels, Map<String, SDVariable> params) {
    // Runs in every JVM that builds this layer, before SameDiff builds its gradient function.
    SameDiffConsoleNoise.suppress();
    return loss().define(sd, layerInput, labels);
  }

  @Override
  public String activationsVertexName() {
    return "input";
  }

  @Override
  public void defineParameters(SDLayerParams params) {}

  @Override
  public void initializeParameters(Map<String, INDArray> params) {}

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    return inputType;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InBatchSoftmaxLayer other
        && Objects.equals(getLayerName(), other.getLayerName())
        && embeddingDim == other.embeddingDim
        && temperature == other.temperature
        && correction == other.correction
        && maskAccidentalHits == other.maskAccidentalHits;
  }

  @Override
  public int hashCode() {
    return Objects.hash(getLayerName(), embeddingDim, temperature, correction, maskAccidentalHits);
  }
}
