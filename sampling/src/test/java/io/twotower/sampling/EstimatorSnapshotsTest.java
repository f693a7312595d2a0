package io.twotower.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class EstimatorSnapshotsTest {

  @Test
  void hashedEstimatorResumesExactlyWhereItStopped() throws IOException {
    assertResumesExactly(
        () -> new HashedGapEstimator(GapEstimatorSettings.atEqualMemory(512, 2, 0.1, 9)));
  }

  @Test
  void windowedCountsResumeExactlyWhereTheyStopped() throws IOException {
    assertResumesExactly(() -> new WindowedCountEstimator(50));
  }

  @Test
  void refusesSnapshotsOfOtherClasses() throws IOException {
    var bytes = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(bytes)) {
      out.writeObject(new ArrayList<>(java.util.List.of(1L)));
    }

    assertThatThrownBy(() -> EstimatorSnapshots.load(new ByteArrayInputStream(bytes.toByteArray())))
        .isInstanceOf(InvalidClassException.class)
        .hasMessageContaining("REJECTED");
  }

  /** Runs 600 steps straight, and 300 + save + load + 300; every estimate must be identical. */
  private static void assertResumesExactly(Supplier<StreamingFrequencyEstimator> fresh)
      throws IOException {
    StreamingFrequencyEstimator uninterrupted = fresh.get();
    StreamingFrequencyEstimator beforeSave = fresh.get();
    feed(uninterrupted, 1, 600);
    feed(beforeSave, 1, 300);

    var bytes = new ByteArrayOutputStream();
    EstimatorSnapshots.save(beforeSave, bytes);
    StreamingFrequencyEstimator resumed =
        EstimatorSnapshots.load(new ByteArrayInputStream(bytes.toByteArray()));
    feed(resumed, 301, 600);

    for (long item = 0; item < 100; item++) {
      assertThat(resumed.estimate(item))
          .as("item %s", item)
          .isEqualTo(uninterrupted.estimate(item));
    }
  }

  /** Steps from..to of a fixed stream: step t's batch depends only on t. */
  private static void feed(StreamingFrequencyEstimator estimator, long from, long to) {
    for (long step = from; step <= to; step++) {
      var random = new SplittableRandom(step);
      long[] batch = new long[16];
      for (int b = 0; b < batch.length; b++) {
        batch[b] = (long) Math.floor(100 * random.nextDouble() * random.nextDouble());
      }
      estimator.update(step, batch);
    }
  }
}
