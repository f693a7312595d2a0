package io.twotower.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RecoveryCriterionTest {

  // Plateau over 2 steps, forward mean over 2 steps, 10% tolerance, held for 3 steps.
  private final RecoveryCriterion criterion = new RecoveryCriterion(2, 2, 0.10, 3);

  @Test
  void readsPlateauAndRecoveryOffASeries() {
    // steps:   1    2    3  | 4    5    6    7    8    9    10   (flip at 4)
    // errors:  1.0  1.0  1.0  5.0  3.0  1.2  1.0  1.0  1.0  1.0
    // plateau = mean(steps 2, 3) = 1; limit 1.1.
    // forward means m(u) = mean(u, u+1): m4 = 4, m5 = 2.1, m6 = 1.1, m7 = 1, m8 = 1, m9 = 1
    // first run of 3 starts at u = 6: recovered 2 steps after the flip.
    double[] errors = {1.0, 1.0, 1.0, 5.0, 3.0, 1.2, 1.0, 1.0, 1.0, 1.0};

    double plateau = criterion.plateau(errors, 4);

    assertThat(plateau).isEqualTo(1.0);
    assertThat(criterion.stepsToRecover(errors, 4, plateau)).hasValue(2);
  }

  @Test
  void isEmptyWhenTheRunEndsFirst() {
    double[] errors = new double[10];
    Arrays.fill(errors, 2.0);
    errors[0] = errors[1] = errors[2] = 1.0;

    assertThat(criterion.stepsToRecover(errors, 4, 1.0)).isEmpty();
  }

  @Test
  void validatesItsSettings() {
    assertThatThrownBy(() -> new RecoveryCriterion(0, 2, 0.1, 3))
        .hasMessageContaining("plateauSteps = 0 is invalid");
    assertThatThrownBy(() -> new RecoveryCriterion(2, 2, -0.1, 3))
        .hasMessageContaining("tolerance = -0.1 is invalid");
  }
}
