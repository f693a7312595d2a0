package io.twotower.jobs.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * bench-training's results: one {@link Part} per measured run, printed as a table and written as
 * summary.csv and a PNG. Throughput is examples/s within epochs: the training examples over the
 * median epoch's wall time, the first epoch left out when there are more (it pays JIT, graph
 * tracing and start-up), so every row measures the same thing.
 */
final class TrainingBenchReport {

  static final String PEER = "tfrs-peer";
  static final String TRAIN = "train-stage";

  /**
   * One measured run. NaN where a column does not apply (sgemm has no examples/s, popularity no
   * throughput); {@code sgemmGflops}: the sgemm rate on the model's shapes at the same threads,
   * against which {@code gflops} is a share.
   */
  record Part(
      String part,
      String setting,
      long seed,
      double examplesPerSecond,
      double gflops,
      double sgemmGflops,
      double recall10,
      double recall100,
      long peakBytes,
      double seconds) {

    double shareOfSgemm() {
      return gflops / sgemmGflops;
    }
  }

  private TrainingBenchReport() {}

  /** Mean examples/s of the peer's runs (NaN without a peer). */
  static double peerRate(List<Part> parts) {
    return parts.stream()
        .filter(p -> p.part().equals(PEER))
        .mapToDouble(Part::examplesPerSecond)
        .average()
        .orElse(Double.NaN);
  }

  static String table(List<Part> parts, String header) {
    double peer = peerRate(parts);
    StringBuilder t = new StringBuilder(header);
    t.append(
        String.format(
            Locale.ROOT,
            "%-28s %-32s %5s %11s %8s %9s %8s %9s %9s %9s %9s%n",
            "part",
            "setting",
            "seed",
            "examples/s",
            "vs peer",
            "GFLOP/s",
            "of sgemm",
            "R@10",
            "R@100",
            "peak RSS",
            "seconds"));
    for (Part p : parts) {
      t.append(
          String.format(
              Locale.ROOT,
              "%-28s %-32s %5s %11s %8s %9s %8s %9s %9s %9s %9s%n",
              p.part(),
              p.setting(),
              p.seed() < 0 ? "" : Long.toString(p.seed()),
              number("%,.0f", p.examplesPerSecond()),
              number("%.2f", p.examplesPerSecond() / peer),
              number("%.1f", p.gflops()),
              number("%.0f%%", 100 * p.shareOfSgemm()),
              number("%.4f", p.recall10()),
              number("%.4f", p.recall100()),
              p.peakBytes() < 0 ? "" : String.format(Locale.ROOT, "%.2f GB", p.peakBytes() / 1e9),
              number("%.1f", p.seconds())));
    }
    for (String name : List.of(TRAIN, PEER)) {
      List<Part> runs = parts.stream().filter(p -> p.part().equals(name)).toList();
      if (runs.size() > 1) {
        t.append(
            String.format(
                Locale.ROOT,
                "%s over %d seeds: %,.0f examples/s, R@10 %s, R@100 %s (mean ± sd)%n",
                name,
                runs.size(),
                runs.stream().mapToDouble(Part::examplesPerSecond).average().orElse(0),
                meanSd(runs.stream().mapToDouble(Part::recall10).toArray()),
                meanSd(runs.stream().mapToDouble(Part::recall100).toArray())));
      }
    }
    return t.toString();
  }

  static String csv(List<Part> parts, String loadBefore, String loadAfter) {
    double peer = peerRate(parts);
    StringBuilder csv =
        new StringBuilder(
            "part,setting,seed,examples_per_second,ratio_to_peer,gflops,sgemm_gflops,"
                + "share_of_sgemm,recall_at_10,recall_at_100,peak_rss_bytes,seconds,"
                + "load_before,load_after\n");
    for (Part p : parts) {
      csv.append(
          String.format(
              Locale.ROOT,
              "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s,%s%n",
              p.part().replace(',', ';'),
              p.setting().replace(',', ';'),
              p.seed() < 0 ? "" : Long.toString(p.seed()),
              plain(p.examplesPerSecond()),
              plain(p.examplesPerSecond() / peer),
              plain(p.gflops()),
              plain(p.sgemmGflops()),
              plain(p.shareOfSgemm()),
              plain(p.recall10()),
              plain(p.recall100()),
              p.peakBytes(),
              plain(p.seconds()),
              loadBefore.replace(',', ' '),
              loadAfter.replace(',', ' ')));
    }
    return csv.toString();
  }

  /** GFLOP/s per run as bars: the sgemm rates next to what each training path achieved. */
  static void png(List<Part> parts, Path file, String subtitle) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<String> names = new ArrayList<>();
    List<Double> gflops = new ArrayList<>();
    for (Part p : parts) {
      if (Double.isNaN(p.gflops())) {
        continue;
      }
      names.add(label(p));
      gflops.add(p.gflops());
    }
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(1100)
            .height(700)
            .title("bench-training: throughput on the same data and cores (" + subtitle + ")")
            .xAxisTitle("run")
            .yAxisTitle("GFLOP/s (bars), model FLOPs per example counted analytically")
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBackgroundColor(Color.WHITE);
    chart.getStyler().setXAxisLabelRotation(20);
    chart.getStyler().setDecimalPattern("#,##0.0");
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setLabelsVisible(true);
    chart.getStyler().setLabelsFontColor(Color.BLACK);
    chart.addSeries("GFLOP/s", names, gflops);
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** A short bar label: "towers alone 2t", "train-stage s42". */
  static String label(Part p) {
    String threads =
        Character.isDigit(p.setting().charAt(0))
            ? " " + p.setting().substring(0, p.setting().indexOf(' ')) + "t"
            : "";
    String seed = p.seed() < 0 || !threads.isEmpty() ? "" : " s" + p.seed();
    String part = p.part().replace(" (LocalTrainer)", "").replace("model's products", "model");
    return part + threads + seed;
  }

  private static String meanSd(double[] values) {
    double mean = java.util.Arrays.stream(values).average().orElse(Double.NaN);
    double var =
        java.util.Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum()
            / Math.max(1, values.length - 1);
    return String.format(Locale.ROOT, "%.4f ± %.4f", mean, Math.sqrt(var));
  }

  private static String number(String format, double value) {
    return Double.isNaN(value) || Double.isInfinite(value)
        ? ""
        : String.format(Locale.ROOT, format, value);
  }

  private static String plain(double value) {
    return Double.isNaN(value) || Double.isInfinite(value)
        ? ""
        : String.format(Locale.ROOT, "%.6g", value);
  }
}
