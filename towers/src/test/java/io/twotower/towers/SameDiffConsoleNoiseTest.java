package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class SameDiffConsoleNoiseTest {

  @Test
  void filterDropsOnlySameDiffsPerOpLines() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream filter = new SameDiffConsoleNoise.Filter(bytes);

    filter.println("Added differentiated op mul");
    filter.println("train: epoch 1/2 split 1/4");
    filter.println("not at the start: Added differentiated op mul");
    filter.printf("%s%n", "printf passes");

    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            String.join(
                System.lineSeparator(),
                "train: epoch 1/2 split 1/4",
                "not at the start: Added differentiated op mul",
                "printf passes",
                ""));
  }

  /** Without the filter this gradient prints one "Added differentiated op" line per op. */
  @Test
  void sameDiffGradientPrintsNothingOnceSuppressed() {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      SameDiffConsoleNoise.suppress();
      SameDiff sd = SameDiff.create();
      SDVariable x = sd.var("x", Nd4j.ones(DataType.FLOAT, 2, 3));
      x.mul(2.0).sum().markAsLoss();

      Map<String, ?> gradients = sd.calculateGradients(Map.of(), "x");

      assertThat(gradients).containsKey("x");
      assertThat(bytes.toString(StandardCharsets.UTF_8)).doesNotContain("Added differentiated op");
    } finally {
      System.setOut(original);
    }
  }
}
