package io.twotower.jobs.bench;

import io.twotower.jobs.evaluate.RecallAtK.Recall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses among {@code compare}'s combinations on their validation runs, by the criterion ALS's
 * grid uses: the highest mean Recall@K over {@code evaluate.ks} (here also averaged over seeds).
 * The first combination wins a tie.
 */
final class ModelSelection {

  private ModelSelection() {}

  /**
   * One combination's validation runs, one per seed.
   *
   * @param recalls per run, Recall@K (in ks order) at the run's best epoch
   * @param bestEpochs per run, its best epoch count (1-based)
   */
  record Validated(
      String name,
      Map<String, String> combination,
      List<List<Double>> recalls,
      List<Integer> bestEpochs) {

    Validated {
      combination = new LinkedHashMap<>(combination);
      recalls = List.copyOf(recalls);
      bestEpochs = List.copyOf(bestEpochs);
    }

    /** Mean over runs of the mean Recall@K over ks. */
    double score() {
      return recalls.stream().mapToDouble(Recall::meanOverKs).average().orElseThrow();
    }

    /** The epochs to retrain with: the median of the runs' best epochs (the upper one if even). */
    int epochs() {
      List<Integer> sorted = bestEpochs.stream().sorted().toList();
      return sorted.get(sorted.size() / 2);
    }
  }

  /**
   * The best combination per value of {@code perKey} (in first-seen order), or the one overall best
   * under the key "" when {@code perKey} is null.
   */
  static Map<String, Validated> best(List<Validated> validated, String perKey) {
    Map<String, Validated> best = new LinkedHashMap<>();
    for (Validated candidate : validated) {
      String group = perKey == null ? "" : candidate.combination().get(perKey);
      Validated current = best.get(group);
      if (current == null || candidate.score() > current.score()) {
        best.put(group, candidate);
      }
    }
    return best;
  }

  /** The overall best of {@code validated}. */
  static Validated best(List<Validated> validated) {
    return best(validated, null).get("");
  }

  /** Distinct winners, in order. */
  static List<Validated> distinct(Map<String, Validated> winners) {
    List<Validated> out = new ArrayList<>();
    winners
        .values()
        .forEach(
            w -> {
              if (!out.contains(w)) {
                out.add(w);
              }
            });
    return out;
  }
}
