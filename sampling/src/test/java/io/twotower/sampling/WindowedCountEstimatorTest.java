package io.twotower.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WindowedCountEstimatorTest {

  @Test
  void allStepsDividesCountsByStepsSeen() {
    // Steps 1..4; item 1 occurs 1 + 2 + 0 + 1 = 4 times in 4 steps: 1 per step.
    var estimator = new WindowedCountEstimator(WindowedCountEstimator.ALL_STEPS);
    assertThat(estimator.estimate(1)).isZero();

    estimator.update(1, new long[] {1, 2});
    estimator.update(2, new long[] {1, 1});
    estimator.update(3, new long[] {2});
    estimator.update(4, new long[] {1});

    assertThat(estimator.estimate(1)).isEqualTo(1.0);
    assertThat(estimator.estimate(2)).isEqualTo(0.5);
    assertThat(estimator.estimate(3)).isZero();
  }

  @Test
  void slidingWindowForgetsOldSteps() {
    // Window 2 at step 4 keeps steps 3 and 4: item 1 once, item 2 once, in 2 steps.
    var estimator = new WindowedCountEstimator(2);
    estimator.update(1, new long[] {1, 2});
    estimator.update(2, new long[] {1, 1});
    estimator.update(3, new long[] {2});
    estimator.update(4, new long[] {1});

    assertThat(estimator.estimate(1)).isEqualTo(0.5);
    assertThat(estimator.estimate(2)).isEqualTo(0.5);
  }
}
