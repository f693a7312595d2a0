package io.twotower.jobs.features;

import io.twotower.jobs.JobErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The query's bag of words: for each of one user's events, the last {@code n} distinct items the
 * user consumed strictly before the event's timestamp, most recent first. Events at the same
 * timestamp do not see each other (no leak from the future or the present), and the event's own
 * item never appears in its history, even when the user consumed it before.
 */
public final class HistoryWindow {

  private final int n;

  public HistoryWindow(int n) {
    if (n <= 0) {
      throw JobErrors.invalidHistoryLength(n);
    }
    this.n = n;
  }

  /** One consumption: the item and when. */
  public record Event(long timeMicros, String item) {
    public Event {
      Objects.requireNonNull(item, "item");
    }
  }

  /**
   * Histories for {@code events}, which must be sorted by time (ties in any order). Returns one
   * list per event, in the same order.
   */
  public List<List<String>> histories(List<Event> events) {
    List<List<String>> out = new ArrayList<>(events.size());
    // Most recent first, distinct, one longer than n so that dropping the event's own item still
    // leaves n.
    List<String> recent = new ArrayList<>(n + 1);
    int groupStart = 0;
    while (groupStart < events.size()) {
      int groupEnd = groupStart;
      long time = events.get(groupStart).timeMicros();
      while (groupEnd < events.size() && events.get(groupEnd).timeMicros() == time) {
        groupEnd++;
      }
      for (int i = groupStart; i < groupEnd; i++) {
        if (i > groupStart && events.get(i).timeMicros() < events.get(i - 1).timeMicros()) {
          throw JobErrors.eventsNotSortedByTime();
        }
        out.add(historyExcluding(recent, events.get(i).item()));
      }
      for (int i = groupStart; i < groupEnd; i++) {
        remember(recent, events.get(i).item());
      }
      groupStart = groupEnd;
      if (groupStart < events.size() && events.get(groupStart).timeMicros() < time) {
        throw JobErrors.eventsNotSortedByTime();
      }
    }
    return out;
  }

  private List<String> historyExcluding(List<String> recent, String own) {
    List<String> history = new ArrayList<>(Math.min(n, recent.size()));
    for (String item : recent) {
      if (history.size() == n) {
        break;
      }
      if (!item.equals(own)) {
        history.add(item);
      }
    }
    return history;
  }

  private void remember(List<String> recent, String item) {
    recent.remove(item);
    recent.add(0, item);
    if (recent.size() > n + 1) {
      recent.remove(recent.size() - 1);
    }
  }
}
