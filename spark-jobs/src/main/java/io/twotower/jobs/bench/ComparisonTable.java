package io.twotower.jobs.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Recall@K per method over repeated runs: the mean per K and, with two or more runs, the sample
 * standard deviation.
 *
 * @param events which held-out events of the split were ranked: "validation" or "test"
 * @param runs per method (print order), one list of Recall@K (in {@code ks} order) per run
 */
record ComparisonTable(
    String split,
    String events,
    long queries,
    List<Integer> ks,
    Map<String, List<List<Double>>> runs) {

  ComparisonTable {
    ks = List.copyOf(ks);
    runs = new LinkedHashMap<>(runs);
  }

  /** A table of the test events. */
  ComparisonTable(
      String split, long queries, List<Integer> ks, Map<String, List<List<Double>>> runs) {
    this(split, "test", queries, ks, runs);
  }

  double mean(String method, int k) {
    List<List<Double>> values = runs.get(method);
    return values.stream().mapToDouble(run -> run.get(ks.indexOf(k))).average().orElseThrow();
  }

  /** Sample standard deviation over runs (NaN for one run). */
  double sd(String method, int k) {
    List<List<Double>> values = runs.get(method);
    int n = values.size();
    if (n < 2) {
      return Double.NaN;
    }
    double mean = mean(method, k);
    double squares =
        values.stream().mapToDouble(run -> Math.pow(run.get(ks.indexOf(k)) - mean, 2)).sum();
    return Math.sqrt(squares / (n - 1));
  }

  String text() {
    int width = runs.keySet().stream().mapToInt(String::length).max().orElse(6) + 2;
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%nRecall@K on the %s events of %s (%,d held-out events; mean ± sd over runs)%n%-"
                    + width
                    + "s%5s",
                events,
                split,
                queries,
                "method",
                "runs"));
    ks.forEach(k -> out.append(String.format(Locale.ROOT, "%18s", "R@" + k)));
    out.append('\n');
    runs.forEach(
        (method, values) -> {
          out.append(String.format(Locale.ROOT, "%-" + width + "s%5d", method, values.size()));
          for (int k : ks) {
            double sd = sd(method, k);
            out.append(
                String.format(
                    Locale.ROOT,
                    "%18s",
                    Double.isNaN(sd)
                        ? String.format(Locale.ROOT, "%.4f", mean(method, k))
                        : String.format(Locale.ROOT, "%.4f ± %.4f", mean(method, k), sd)));
          }
          out.append('\n');
        });
    return out.toString();
  }

  static final String CSV_HEADER = "method,split,queries,runs,k,mean_recall,sd_recall,events\n";

  /** The rows of {@link #csv()} without the header. */
  String csvRows() {
    return csv().substring(CSV_HEADER.length());
  }

  String csv() {
    StringBuilder out = new StringBuilder(CSV_HEADER);
    runs.forEach(
        (method, values) -> {
          for (int k : ks) {
            out.append(
                String.format(
                    Locale.ROOT,
                    "\"%s\",%s,%d,%d,%d,%.5f,%s,%s%n",
                    method,
                    split,
                    queries,
                    values.size(),
                    k,
                    mean(method, k),
                    Double.isNaN(sd(method, k))
                        ? ""
                        : String.format(Locale.ROOT, "%.5f", sd(method, k)),
                    events));
          }
        });
    return out.toString();
  }
}
