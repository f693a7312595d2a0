package io.twotower.jobs.bench;

import io.twotower.jobs.bench.BenchDailyCommand.Day;
import io.twotower.jobs.storage.DataLocation;
import io.twotower.jobs.storage.HadoopFiles;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** bench-daily's two figures as PNGs (XChart, headless): next-day Recall@K and train seconds. */
final class DailyPlots {

  private DailyPlots() {}

  /** {@code at} is the index of {@code k} in evaluate.ks. */
  static void write(HadoopFiles files, DataLocation out, List<Day> days, int at, int k)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart recall = chart("Next-day Recall@" + k + " by training day", "Recall@" + k);
    add(recall, days, "incremental", d -> d.recall().get(BenchDailyCommand.INCREMENTAL).get(at));
    add(recall, days, "from scratch", d -> d.recall().get(BenchDailyCommand.SCRATCH).get(at));
    add(recall, days, "popularity", d -> d.popularity().get(at));
    save(recall, files, out.resolve("recall-by-day.png"));
    XYChart seconds = chart("Training wall time by day", "seconds");
    add(seconds, days, "incremental", d -> d.trainSeconds().get(BenchDailyCommand.INCREMENTAL));
    add(seconds, days, "from scratch", d -> d.trainSeconds().get(BenchDailyCommand.SCRATCH));
    save(seconds, files, out.resolve("train-seconds-by-day.png"));
  }

  private static void save(XYChart chart, HadoopFiles files, DataLocation file) throws IOException {
    try (OutputStream png = files.create(file)) {
      BitmapEncoder.saveBitmap(chart, png, BitmapEncoder.BitmapFormat.PNG);
    }
  }

  private static XYChart chart(String title, String yAxis) {
    XYChart chart =
        new XYChartBuilder()
            .width(900)
            .height(500)
            .title(title)
            .xAxisTitle("training day D (tested on D + 1)")
            .yAxisTitle(yAxis)
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
    chart.getStyler().setYAxisDecimalPattern("0.###");
    return chart;
  }

  private static void add(XYChart chart, List<Day> days, String name, ToDoubleFunction<Day> y) {
    double[] xs = new double[days.size()];
    double[] ys = new double[days.size()];
    for (int i = 0; i < days.size(); i++) {
      xs[i] = i + 1;
      ys[i] = y.applyAsDouble(days.get(i));
    }
    chart.addSeries(name, xs, ys);
  }
}
