package io.twotower.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The rule for tests whose data lives outside the repository: run, skip, or fail under CI. */
class SharedDataTest {

  private static final Path FOLDER = Path.of("shared/data/ml-latest-small");

  @Test
  void presentDataRunsWhetherOrNotUnderCi() {
    assertThat(SharedData.require(Optional.of(FOLDER), true)).isEqualTo(FOLDER);
    assertThat(SharedData.require(Optional.of(FOLDER), false)).isEqualTo(FOLDER);
  }

  @Test
  void missingDataFailsUnderCi() {
    assertThatThrownBy(() -> SharedData.require(Optional.empty(), true))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining(SharedData.MISSING_MOVIELENS)
        .hasMessageContaining("CI=true");
  }

  @Test
  void missingDataSkipsElsewhereSayingWhy() {
    assertThatThrownBy(() -> SharedData.require(Optional.empty(), false))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining(SharedData.MISSING_MOVIELENS)
        .hasMessageContaining("CI is not set");
  }
}
