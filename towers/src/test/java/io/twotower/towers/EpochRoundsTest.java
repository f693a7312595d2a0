package io.twotower.towers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class EpochRoundsTest {

  @Test
  void sliceSkipsThenTakes() {
    assertThat(sliced(List.of(0, 1, 2, 3, 4, 5, 6), 2, 3)).containsExactly(2, 3, 4);
    // The last round of a partition may be short, or empty.
    assertThat(sliced(List.of(0, 1, 2, 3, 4), 4, 3)).containsExactly(4);
    assertThat(sliced(List.of(0, 1), 4, 3)).isEmpty();
  }

  @Test
  void sliceEndsWithAClearError() {
    EpochRounds.Slice<Integer> slice = new EpochRounds.Slice<>(List.of(1).iterator(), 0, 1);
    slice.next();
    assertThatThrownBy(slice::next)
        .isInstanceOf(NoSuchElementException.class)
        .hasMessage("No batch left in this round");
  }

  private static List<Integer> sliced(List<Integer> values, int skip, int take) {
    List<Integer> out = new java.util.ArrayList<>();
    new EpochRounds.Slice<>(values.iterator(), skip, take).forEachRemaining(out::add);
    return out;
  }
}
