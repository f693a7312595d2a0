package io.twotower.jobs.bench;

import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import io.twotower.sampling.SimulationResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The simulation's two figures as PNGs (XChart, headless): error vs step, the mean over seeds
 * averaged over blocks of {@link #SMOOTHING} steps (per-step errors are noisy), the flip marked.
 * Fig. 4 (log error axis) adds the exact counting baselines as dashed references.
 */
final class SimulationPlots {

  /** Steps averaged per plotted point (also the plot's x resolution). */
  static final int SMOOTHING = 50;

  private static final Color[] PALETTE = {
    new Color(0x1f77b4),
    new Color(0xff7f0e),
    new Color(0x2ca02c),
    new Color(0xd62728),
    new Color(0x9467bd),
    new Color(0x8c564b)
  };

  private SimulationPlots() {}

  static void write(
      HadoopFiles files,
      DataLocation out,
      List<SimulationSetting> settings,
      Map<String, List<SimulationResult>> results,
      long flipStep)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    save(
        chart(
            "Fig. 4: streaming estimate, m = 1, H = 5000, by learning rate alpha",
            settings,
            results,
            flipStep,
            List.of("fig4", "exact"),
            true),
        files,
        out.resolve("fig4-alpha.png"));
    save(
        chart(
            "Fig. 5: m hash functions at equal memory (m x H/m = 5000), alpha = "
                + SimulationSetting.FIG5_ALPHA,
            settings,
            results,
            flipStep,
            List.of("fig5"),
            false),
        files,
        out.resolve("fig5-hashes.png"));
  }

  private static XYChart chart(
      String title,
      List<SimulationSetting> settings,
      Map<String, List<SimulationResult>> results,
      long flipStep,
      List<String> figures,
      boolean logarithmic) {
    XYChart chart =
        new XYChartBuilder()
            .width(1000)
            .height(600)
            .title(title)
            .xAxisTitle("global step (distribution flips at step " + flipStep + ")")
            .yAxisTitle("error = sum |p_hat - p| / (2 x 128), mean over seeds")
            .build();
    // Fig. 4 spans the exact counts' 0.002 to the estimates' 0.1: log scale; Fig. 5 reads better
    // linear.
    chart.getStyler().setYAxisLogarithmic(logarithmic);
    chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
    chart.getStyler().setYAxisDecimalPattern("0.####");
    int colour = 0;
    double minimum = Double.MAX_VALUE;
    double maximum = 0;
    for (SimulationSetting setting : settings) {
      if (!figures.contains(setting.figure())) {
        continue;
      }
      double[][] curve = smoothedMean(results.get(setting.name()));
      XYSeries series = chart.addSeries(setting.name(), curve[0], curve[1]);
      series.setMarker(SeriesMarkers.NONE);
      series.setLineColor(PALETTE[colour++ % PALETTE.length]);
      if (setting.figure().equals("exact")) {
        series.setLineStyle(
            new BasicStroke(
                1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0));
      } else {
        series.setLineWidth(1.5f);
      }
      for (double y : curve[1]) {
        minimum = Math.min(minimum, y);
        maximum = Math.max(maximum, y);
      }
    }
    XYSeries flip =
        chart.addSeries("flip", new double[] {flipStep, flipStep}, new double[] {minimum, maximum});
    flip.setMarker(SeriesMarkers.NONE);
    flip.setLineColor(Color.GRAY);
    flip.setLineStyle(
        new BasicStroke(
            1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {2, 3}, 0));
    flip.setShowInLegend(false);
    return chart;
  }

  /** x = block centre step, y = mean over seeds and over the SMOOTHING steps of each block. */
  static double[][] smoothedMean(List<SimulationResult> perSeed) {
    int steps = perSeed.get(0).errorByStep().length;
    int points = (steps + SMOOTHING - 1) / SMOOTHING;
    double[] x = new double[points];
    double[] y = new double[points];
    for (int p = 0; p < points; p++) {
      int from = p * SMOOTHING;
      int to = Math.min(steps, from + SMOOTHING);
      double sum = 0;
      for (SimulationResult result : perSeed) {
        for (int i = from; i < to; i++) {
          sum += result.errorByStep()[i];
        }
      }
      x[p] = (from + 1 + to) / 2.0;
      y[p] = sum / ((to - from) * (double) perSeed.size());
    }
    return new double[][] {x, y};
  }

  private static void save(XYChart chart, HadoopFiles files, DataLocation file) throws IOException {
    try (OutputStream png = files.create(file)) {
      BitmapEncoder.saveBitmap(chart, png, BitmapEncoder.BitmapFormat.PNG);
    }
  }
}
