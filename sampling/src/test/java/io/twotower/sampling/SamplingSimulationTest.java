package io.twotower.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The paper's simulation (M = 1000, batches of 128, q_i ~ i^2 flipped at step 10,000, H = 5000, A =
 * 0, B = 100). The paper shows these trends only as figures; the tests check their direction.
 */
class SamplingSimulationTest {

  private static final SimulationSettings PAPER = SimulationSettings.paper(1);

  @Test
  void higherLearningRatePlateausHigherButRecoversFaster() {
    SimulationResult slow =
        SamplingSimulation.run(PAPER, GapEstimatorSettings.atEqualMemory(5000, 1, 0.01, 42));
    SimulationResult fast =
        SamplingSimulation.run(PAPER, GapEstimatorSettings.atEqualMemory(5000, 1, 0.2, 42));

    assertThat(fast.plateauError()).isGreaterThan(slow.plateauError());
    assertThat(fast.stepsToRecover()).isPresent();
    assertThat(stepsOrNever(fast.stepsToRecover())).isLessThan(stepsOrNever(slow.stepsToRecover()));
  }

  @Test
  void errorFallsFromTheStartAndJumpsAtTheFlip() {
    SimulationResult result =
        SamplingSimulation.run(PAPER, GapEstimatorSettings.atEqualMemory(5000, 1, 0.05, 42));

    assertThat(result.meanError(1, 100)).isGreaterThan(2 * result.plateauError());
    assertThat(result.meanError(10_000, 10_100)).isGreaterThan(2 * result.plateauError());
    assertThat(result.errorByStep()).hasSize(20_000);
  }

  @Test
  void moreHashesLowerThePlateauAtEqualMemory() {
    double previous = Double.POSITIVE_INFINITY;
    for (int hashes : new int[] {1, 2, 4}) {
      double plateau =
          SamplingSimulation.run(PAPER, GapEstimatorSettings.atEqualMemory(5000, hashes, 0.1, 42))
              .plateauError();

      assertThat(plateau).as("m = %s", hashes).isLessThan(previous);
      previous = plateau;
    }
  }

  @Test
  void exactCountsOnTheSameStreamPlateauLowerButNeverForget() {
    SimulationResult hashed =
        SamplingSimulation.run(PAPER, GapEstimatorSettings.atEqualMemory(5000, 1, 0.05, 42));
    SimulationResult allSteps =
        SamplingSimulation.run(PAPER, new WindowedCountEstimator(WindowedCountEstimator.ALL_STEPS));

    // Exact, collision-free counts over 9,999 steps beat any moving average before the flip, but
    // after it the old counts dominate until the end of the run.
    assertThat(allSteps.plateauError()).isLessThan(hashed.plateauError());
    assertThat(allSteps.stepsToRecover()).isEmpty();
  }

  private static long stepsOrNever(OptionalLong steps) {
    return steps.orElse(Long.MAX_VALUE);
  }
}
