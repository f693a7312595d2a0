package io.twotower.jobs.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.twotower.jobs.features.HistoryWindow.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class HistoryWindowTest {

  @Test
  void historyIsDistinctMostRecentFirstAndStrictlyBefore() {
    // t:    1  2  3  3  4  5
    // item: a  b  c  d  b  a
    List<Event> events =
        List.of(
            new Event(1, "a"),
            new Event(2, "b"),
            new Event(3, "c"),
            new Event(3, "d"),
            new Event(4, "b"),
            new Event(5, "a"));

    List<List<String>> histories = new HistoryWindow(3).histories(events);

    assertThat(histories)
        .containsExactly(
            List.of(), // nothing before t=1
            List.of("a"),
            List.of("b", "a"), // c at t=3 does not see d at t=3
            List.of("b", "a"),
            // b at t=4: c and d (t=3, in input order d last -> most recent), a; own item b left out
            List.of("d", "c", "a"),
            // a at t=5: b (t=4), d, c; a itself left out though it was consumed at t=1
            List.of("b", "d", "c"));
  }

  @Test
  void rejectsUnsortedEvents() {
    assertThatThrownBy(
            () -> new HistoryWindow(2).histories(List.of(new Event(5, "a"), new Event(1, "b"))))
        .hasMessageContaining("sorted by time");
  }

  /** Against a brute-force reading of the definition, on random timelines with many ties. */
  @Property(tries = 300)
  void matchesDefinition(
      @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 15) Integer> times,
      @ForAll @Size(max = 40) List<@IntRange(min = 0, max = 8) Integer> items,
      @ForAll @IntRange(min = 1, max = 5) int n) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < Math.min(times.size(), items.size()); i++) {
      events.add(new Event(times.get(i), "i" + items.get(i)));
    }
    events.sort(Comparator.comparingLong(Event::timeMicros));

    List<List<String>> histories = new HistoryWindow(n).histories(events);

    for (int e = 0; e < events.size(); e++) {
      Event event = events.get(e);
      Set<String> expected = new LinkedHashSet<>();
      for (int j = events.size() - 1; j >= 0 && expected.size() < n; j--) {
        Event before = events.get(j);
        if (before.timeMicros() < event.timeMicros() && !before.item().equals(event.item())) {
          if (!expected.contains(before.item())) {
            expected.add(before.item());
          }
        }
      }
      assertThat(histories.get(e)).containsExactlyElementsOf(expected);
    }
  }
}
